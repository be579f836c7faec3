"""Cut a reply into SMS pages that each fit the segment budget, in priority order.

The first page is what every resident reads, so blocks go in the order they matter
(the answer, then who said it, then numbers to call) and whatever does not fit
waits behind MORE. Text is only ever cut at a space: never inside a word, never
inside a phone number ("(520) 868-0191" has a space in it), and prose prefers to
end a page at the end of a sentence. Characters are never replaced to save
segments: "policía" stays "policía" even though the í makes the page UCS-2.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

from . import segments

_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”»)]*$")
# Digits or a closing bracket, a space, then digits or an opening bracket: the
# inside of a number in a format the phone matcher does not know ("911; 2-1-1").
_NUMBER_LEFT = re.compile(r"[\d)]$")
_NUMBER_RIGHT = re.compile(r"^[\d(]")
PAGE_BREAK = "\n\n"


@dataclass(frozen=True)
class Block:
    text: str
    sep: str = PAGE_BREAK  # what joins it to the block before it on the same page
    prose: bool = False  # may be cut between words to fill a page


def _phone_spans(text: str) -> list[tuple[int, int]]:
    matcher = phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE)
    return [(m.start, m.end) for m in matcher]


def cut_points(text: str) -> list[tuple[int, int, bool]]:
    """Where `text` may be cut: (end of the head, start of the tail, ends a sentence)."""
    spans = _phone_spans(text)
    points = []
    for space in _SPACE.finditer(text):
        i, j = space.start(), space.end()
        if i == 0 or j == len(text):
            continue
        if any(start < i and j < end for start, end in spans):
            continue
        if _NUMBER_LEFT.search(text[:i]) and _NUMBER_RIGHT.search(text[j:]):
            continue
        points.append((i, j, bool(_SENTENCE_END.search(text[:i]))))
    return points


def split(text: str, fits: Callable[[str], bool]) -> tuple[str, str] | None:
    """The longest head of `text` that fits, cut at a space, and the rest; None if no
    head fits. A sentence end is preferred when it keeps at least half the page."""
    best = sentence = None
    for point in cut_points(text):
        if not fits(text[: point[0]]):
            break  # a longer head never costs fewer segments
        best = point
        if point[2]:
            sentence = point
    if best is None:
        return None
    i, j, _ = sentence if sentence and sentence[0] * 2 >= best[0] else best
    return text[:i], text[j:]


def _hard_split(text: str, fits: Callable[[str], bool]) -> tuple[str, str]:
    """A single unbroken run longer than a whole page: cut between characters."""
    n = 1
    while n < len(text) and fits(text[: n + 1]):
        n += 1
    return text[:n], text[n:]


def _joined(page: str, blocks: list[Block]) -> str:
    for block in blocks:
        page = page + block.sep + block.text if page else block.text
    return page


def paginate(blocks: list[Block], max_segments: int, more: str) -> list[str]:
    """Pages of at most `max_segments` each; every page but the last ends with `more`."""
    queue = [b for b in blocks if b.text]
    pages: list[str] = []
    page = ""
    trailer = PAGE_BREAK + more

    def fits_with_more(text: str) -> bool:
        return segments.fits(text + trailer, max_segments)

    while queue:
        if segments.fits(_joined(page, queue), max_segments):
            page = _joined(page, queue)
            break
        block = queue[0]
        prefix = page + block.sep if page else ""
        if fits_with_more(prefix + block.text):
            page = prefix + block.text
            queue.pop(0)
            continue
        if block.prose or not page:
            cut = split(block.text, lambda head, prefix=prefix: fits_with_more(prefix + head))
            if cut is None and not page:
                cut = _hard_split(block.text, fits_with_more)
            if cut is not None:
                page = prefix + cut[0]
                queue[0] = Block(cut[1], PAGE_BREAK, block.prose)
        pages.append(page + trailer)
        page = ""
    pages.append(page)
    return pages
