"""An engine Reply laid out as SMS blocks, most important first.

Chat shows everything at once; a phone shows the first page. So the order is the
answer, one attribution (who said it, when), the listings that have a phone
number, and only then the other attributions, listings without a phone and the
menu hint. Plain text only: no bullets or dashes outside GSM-7, because one such
character would double the cost of an English page.

An intent may carry a short `sms` answer beside its `answer` (checked to fit by
budget.py); a text uses it and the chat and widget keep the long one. The long
answer is *not* sent behind MORE as well. A resident who texts MORE asked for the
rest: the other numbers and who said it, not the same answer again in more words,
which would read like a repeat, cost them two or three more segments a page on a
pay-per-text plan and put the remaining numbers further back. Editors write the
short text from the same statements with the same caveats (who is not bound, what
is not legal advice), so it can stand alone; the full wording is in the web chat.

To keep a number on the first page of a Spanish (UCS-2, 201-character) text the
blocks offer shorter forms (pages.py): a listing named only up to its first
" (" or " - ", the attribution as speaker and date, and as a last resort the first
listing's number alone, its whole line heading the next page. The attribution
yields to the first number when both cannot share the page in full.
"""

from __future__ import annotations

import functools
import re

import phonenumbers

from ..engine import Reply
from ..knowledge import Knowledge
from . import budget, replies
from .pages import Block

# No "write MENU" after these: a menu is already there, or (emergency) the text
# should say 911 and who said it, and nothing that could push it to a second page.
_NO_FOOTER = ("greeting", "help", "out_of_scope", "language", "emergency")
_NAME_DETAIL = re.compile(r" \(| - ")


def answer_text(reply: Reply, knowledge: Knowledge) -> str:
    """The intent's short `sms` answer in the reply's language, else the answer."""
    intent = knowledge.intents.get(reply.intent)
    short = intent.text(reply.language, "sms") if intent else None
    return (short or reply.answer).strip()


def _mark(resource: dict) -> str:
    return "" if resource["verified"] else " " + replies.unverified()


def _listing(resource: dict) -> str:
    line = resource["name"]
    detail = resource["phone"] or resource.get("website") or ""
    if detail:
        line += f": {detail}"
    return line + _mark(resource)


@functools.lru_cache(maxsize=256)  # a listing's phone field, not a resident's number
def _first_number(phone: str) -> str | None:
    """The first dialable number in a phone field, exactly as written ("911;
    non-emergency (520) 791-4444" -> "(520) 791-4444")."""
    match = next(iter(phonenumbers.PhoneNumberMatcher(phone, "US")), None)
    return match.raw_string if match else None


def listing_block(resource: dict, sep: str, preview: bool = False) -> Block:
    """A listing with a phone: the whole line, else the line with the name cut before
    its first " (" or " - " (the detail); with `preview`, its first number alone as
    the last resort, the whole line then following on the next page."""
    line = _listing(resource)
    head = _NAME_DETAIL.split(resource["name"], maxsplit=1)[0]
    shorter = (f"{head}: {resource['phone']}{_mark(resource)}",) if head != resource["name"] else ()
    number = _first_number(resource["phone"]) if preview else None
    return Block(line, sep, shorter=shorter, preview=number + _mark(resource) if number else "")


def _group(lines: list[str]) -> list[Block]:
    return [Block(line, "\n\n" if n == 0 else "\n") for n, line in enumerate(lines)]


def blocks(reply: Reply, knowledge: Knowledge) -> list[Block]:
    """Call inside `force_locale(reply.language)`: the fixed parts are translated."""
    lang = reply.language
    attributions = [f"- {a}" for a in reply.attributions]
    with_phone = [r for r in reply.resources if r["phone"]]
    without_phone = [_listing(r) for r in reply.resources if not r["phone"]]
    out = [Block(answer_text(reply, knowledge), prose=True)]
    if attributions:
        first = reply.sources[0]
        short = budget.short_attribution(first["speaker"], first["date"])
        # Shortened, or moved behind the first number, only to make room for numbers.
        shorter = (short,) if with_phone and short != attributions[0] else ()
        out.append(Block(attributions[0], shorter=shorter, yields=bool(with_phone)))
    for n, resource in enumerate(with_phone):
        out.append(listing_block(resource, "\n\n" if n == 0 else "\n", preview=n == 0))
    out += _group(attributions[1:])
    out += _group(without_phone)
    if reply.menu:
        labels = [f"{n}. {knowledge.intents[i].text(lang, 'label')}" for n, i in
                  enumerate(reply.menu, 1)]  # fmt: skip
        out += _group([*labels, replies.reply_with_number()])
    if reply.intent not in _NO_FOOTER and (reply.sources or reply.resources):
        out.append(Block(replies.write_menu()))
    return out
