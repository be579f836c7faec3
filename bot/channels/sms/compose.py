"""An engine Reply laid out as SMS blocks, most important first.

Chat shows everything at once; a phone shows the first page. So the order is the
answer, one attribution (who said it, when), the listings that have a phone
number, and only then the other attributions, listings without a phone and the
menu hint. Plain text only: no bullets or dashes outside GSM-7, because one such
character would double the cost of an English page.

An intent may carry a short `sms` answer beside its `answer` (checked to fit by
bot/engine/sms_budget.py); a text uses it and the chat and widget keep the long one. The long
answer is *not* sent behind MORE as well. A resident who texts MORE asked for the
rest: the other numbers and who said it, not the same answer again in more words,
which would read like a repeat, cost them two or three more segments a page on a
pay-per-text plan and put the remaining numbers further back. Editors write the
short text from the same statements with the same caveats (who is not bound, what
is not legal advice), so it can stand alone; the full wording is in the web chat.

To keep a number on the first page of a Spanish (UCS-2, 201-character) text the
blocks offer shorter forms (pages.py): a listing named only up to its first
" (" or " - ", the attribution as "- speaker, year", and as a last resort the first
listing's number alone, its whole line heading the next page. The attribution
never leaves the first text: it shortens to make room for the first number, so the
claim always arrives with who said it and when (bot/engine/sms_budget.py checks it fits).

The menu costs at most two segments in both languages: a short greeting, one line
to say what to reply, and each topic by its `sms_label` (a word or two, else its
label). Spanish stays GSM-7 there only because those words need no á, í, ó or ú;
the test of every reply through the webhook holds the menu to it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

import phonenumbers

from ...engine import sms_budget as budget
from ...engine.knowledge import Knowledge
from ...engine.turn import Reply
from . import replies
from .pages import Block, paginate

# No "write MENU" after these: a menu is already there, or (emergency) the text
# should say 911 and who said it, and nothing that could push it to a second page.
_NO_FOOTER = ("greeting", "help", "out_of_scope", "language", "emergency")
_NAME_DETAIL = re.compile(r" \(| - ")


def answer_text(reply: Reply, knowledge: Knowledge) -> str:
    """The reply's own short form (an emergency's, by kind), else the intent's short
    `sms` answer in the reply's language, else the answer."""
    if reply.sms:
        return reply.sms.strip()
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
def _numbers(phone: str) -> tuple[str, ...]:
    """The dialable numbers in a phone field, exactly as written, without their labels
    ("911; non-emergency (520) 791-4444" -> ("(520) 791-4444",))."""
    return tuple(m.raw_string for m in phonenumbers.PhoneNumberMatcher(phone, "US"))


def listing_block(resource: dict, sep: str, first: bool = False) -> Block:
    """A listing with a phone: the whole line, else the line with the name cut before
    its first " (" or " - " (the detail). As a last resort (`preview`) the first
    listing offers its first number alone, the others their cut name and numbers
    without labels; the whole line then follows once the other numbers are sent."""
    line = _listing(resource)
    head = _NAME_DETAIL.split(resource["name"], maxsplit=1)[0]
    mark = _mark(resource)
    shorter = (f"{head}: {resource['phone']}{mark}",) if head != resource["name"] else ()
    numbers = _numbers(resource["phone"])
    if not numbers:
        preview = ""
    elif first:
        preview = numbers[0] + mark
    else:
        preview = f"{head}: {'; '.join(numbers)}{mark}"
    # Kept even when it equals a shorter form: a preview marks the listings whose whole
    # lines wait for the other numbers (pages.py).
    return Block(line, sep, shorter=shorter, preview=preview,
                 makes_room=True)  # a shorter form rather than push the next number away


def _group(lines: list[str]) -> list[Block]:
    return [Block(line, "\n\n" if n == 0 else "\n") for n, line in enumerate(lines)]


def menu_label(knowledge: Knowledge, intent_id: str, lang: str) -> str:
    """A topic as the SMS menu names it: its `sms_label`, else its label."""
    intent = knowledge.intents[intent_id]
    return intent.text(lang, "sms_label") or intent.text(lang, "label")


def _menu_head(reply: Reply, service: dict | None) -> str:
    """What comes before the SMS menu: shorter than the chat's, so the greeting and
    the topics share one text of at most two segments."""
    if reply.intent == "greeting" and service:
        return replies.sms_greeting(service["name"][reply.language])
    if reply.intent == "out_of_scope":
        return replies.sms_not_understood()
    return reply.answer


def blocks(reply: Reply, knowledge: Knowledge, service: dict | None = None) -> list[Block]:
    """Call inside `force_locale(reply.language)`: the fixed parts are translated.
    `service` (resources/service.yaml) names the service in the SMS greeting."""
    lang = reply.language
    if reply.menu:
        labels = [f"{n} {menu_label(knowledge, i, lang)}" for n, i in enumerate(reply.menu, 1)]
        head = _menu_head(reply, service) + "\n" + replies.pick_topic(len(reply.menu))
        return [Block(head, prose=True), Block("\n".join(labels), "\n")]
    attributions = [f"- {a}" for a in reply.attributions]
    # An emergency's text already says 911: its listing would only take room.
    with_phone = [r for r in reply.resources if r["phone"]
                  and not (reply.intent == "emergency" and r["phone"].strip() == "911")]
    without_phone = [_listing(r) for r in reply.resources if not r["phone"]]
    out = [Block(answer_text(reply, knowledge), prose=True)]
    if attributions:
        first = reply.sources[0]
        short = budget.short_attribution(first["speaker"], first["date"])
        # Shortened to make room for the first number, never moved off the first text.
        shorter = (short,) if short != attributions[0] else ()
        out.append(Block(attributions[0], shorter=shorter, makes_room=True))
    for n, resource in enumerate(with_phone):
        out.append(listing_block(resource, "\n\n" if n == 0 else "\n", first=n == 0))
    out += _group(attributions[1:])
    out += _group(without_phone)
    if reply.intent not in _NO_FOOTER and (reply.sources or reply.resources):
        out.append(Block(replies.write_menu()))
    return out


def _named_number(block: Block) -> str:
    """"Línea Nacional contra la Violencia Doméstica: 1-800-799-7233" from a listing's
    block: its name up to any detail, and its first number."""
    name = _NAME_DETAIL.split(block.text.split(": ", 1)[0], maxsplit=1)[0]
    number = _numbers(block.text.split(": ", 1)[-1])[:1]
    return f"{name}: {number[0]}" if number else block.preview


def pages(reply: Reply, knowledge: Knowledge, max_segments: int, more: str,
          service: dict | None = None) -> list[str]:  # fmt: skip
    """The texts a reply is sent as. An emergency is one text, never "reply MORE":
    listings that would push it to a second are left out (the web chat shows them),
    from the last, so 911 and the kind's first number stay."""
    laid = blocks(reply, knowledge, service)
    found = paginate(laid, max_segments, more)
    if reply.intent == "emergency" and len(found) > 1:
        keep = 2 if reply.attributions else 1  # the answer, and who said it
        # Each listing as its short name and first number, then the number alone, then
        # fewer listings, from the last.
        whole = laid
        for short in (_named_number, lambda b: b.preview):
            laid = whole[:keep] + [replace(b, text=short(b), shorter=(), preview="")
                                   if b.preview else b for b in whole[keep:]]  # fmt: skip
            found = paginate(laid, max_segments, more)
            if len(found) == 1:
                return found
        while len(found) > 1 and len(laid) > keep:
            laid = laid[:-1]
            found = paginate(laid, max_segments, more)
    return found
