"""Cut a reply into SMS pages that each fit the segment budget, in priority order.

The first page is what every resident reads, so blocks go in the order they matter
(the answer, then who said it, then numbers to call) and whatever does not fit
waits behind MORE. Text is only ever cut at a space: never inside a word, never
inside a phone number ("(520) 868-0191" has a space in it), and prose prefers to
end a page at the end of a sentence. Characters are never replaced to save
segments: "policía" stays "policía" even though the í makes the page UCS-2.

Three rules keep a number on the first page when room is short (a Spanish page
holds 201 characters). A block may offer shorter forms, each whole and written by
compose.py (a listing by the start of its name; the attribution as speaker and
year): the first form that fits the page is sent, rather than moving the block to
the next page. As a last resort a block may offer a `preview` (a listing's numbers
alone): it is sent in its place, and the whole block follows right after the blocks
that offer previews too (the other numbers), so every number arrives early and the
resident then learns whose number it was. And a block that `makes_room` (the attribution)
takes the longest of its forms that still leaves the block after it (the first
number) the form it would have had without it: it never moves behind that block
or to another page, because a claim must not reach a resident without who said it
and when (bot/engine/sms_budget.py makes sure its shortest form always fits).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import phonenumbers

from ...engine import sms_segments as segments

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
    shorter: tuple[str, ...] = ()  # whole shorter forms, best first, for a page short of room
    makes_room: bool = False  # shortens itself, not moves, so the next block keeps its place
    preview: str = ""  # stands in when nothing else fits; the block itself waits for later

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.text, *self.shorter, *((self.preview,) if self.preview else ()))


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


def _best_form(prefix: str, block: Block, fits: Callable[[str], bool]) -> int | None:
    """The index of the first of `block`'s forms that fits after `prefix`, if any."""
    return next((n for n, form in enumerate(block.forms) if fits(prefix + form)), None)


def _room_making_form(page: str, queue: list[Block], fits: Callable[[str], bool]) -> int | None:
    """The form of queue[0] that leaves queue[1] the form it would have alone on this
    page, else the first that leaves it any form, else the first that fits."""
    block, after = queue[0], queue[1]
    prefix = page + block.sep if page else ""
    fitting = [n for n, form in enumerate(block.forms) if fits(prefix + form)]
    if not fitting:
        return None
    alone = _best_form(page + after.sep if page else "", after, fits)
    if alone is None:
        return fitting[0]
    behind = {n: _best_form(prefix + block.forms[n] + after.sep, after, fits) for n in fitting}
    for n in fitting:
        if behind[n] == alone:
            return n
    return next((n for n in fitting if behind[n] is not None), fitting[0])


def paginate(blocks: list[Block], max_segments: int, more: str) -> list[str]:
    """Pages of at most `max_segments` each; every page but the last ends with `more`."""
    return list(_paginate(tuple(blocks), max_segments, more))


# Replies repeat (the same answer, attribution and listings reach many residents),
# and laying one out tries many candidate pages: `make load` spent a tenth of a
# text's time here. Blocks are frozen, so equal input means equal pages; an edited
# listing is new text and a new entry, and the oldest entries make way.
@functools.lru_cache(maxsize=512)
def _paginate(blocks: tuple[Block, ...], max_segments: int, more: str) -> tuple[str, ...]:
    queue = [b for b in blocks if b.text]
    pages: list[str] = []
    page = ""
    trailer = PAGE_BREAK + more
    waiting: list[Block] = []  # whole blocks sent first as a preview, in order

    def fits_with_more(text: str) -> bool:
        return segments.fits(text + trailer, max_segments)

    while queue:
        if segments.fits(_joined(page, queue), max_segments):
            page = _joined(page, queue)
            break
        block = queue[0]
        prefix = page + block.sep if page else ""
        if block.makes_room and len(queue) > 1:
            n = _room_making_form(page, queue, fits_with_more)
        else:
            n = _best_form(prefix, block, fits_with_more)
        if n is not None and not (block.preview and n == len(block.forms) - 1):
            page = prefix + block.forms[n]
            queue.pop(0)
            continue
        if n is not None:  # the preview: the whole block follows the other previews' blocks
            page = prefix + block.preview
            queue.pop(0)
            after = 0
            while after < len(queue) and (queue[after].preview or queue[after] in waiting):
                after += 1
            whole = replace(block, sep="\n", preview="")
            waiting.append(whole)
            queue.insert(after, whole)
            continue
        elif block.prose or not page:
            cut = split(block.text, lambda head, prefix=prefix: fits_with_more(prefix + head))
            if cut is None and not page:
                cut = _hard_split(block.text, fits_with_more)
            if cut is not None:
                page = prefix + cut[0]
                queue[0] = Block(cut[1], PAGE_BREAK, block.prose)
        pages.append(page + trailer)
        page = ""
    pages.append(page)
    return tuple(pages)
