"""An engine Reply laid out as SMS blocks, most important first.

Chat shows everything at once; a phone shows the first page. So the order is the
answer, one attribution (who said it, when), the listings that have a phone
number, and only then the other attributions, listings without a phone and the
menu hint. Plain text only: no bullets or dashes outside GSM-7, because one such
character would double the cost of an English page.
"""

from __future__ import annotations

from ..engine import Reply
from ..knowledge import Knowledge
from . import replies
from .pages import Block

_NO_FOOTER = ("greeting", "help", "out_of_scope", "language")


def _listing(resource: dict) -> str:
    line = resource["name"]
    detail = resource["phone"] or resource.get("website") or ""
    if detail:
        line += f": {detail}"
    if not resource["verified"]:
        line += " " + replies.unverified()
    return line


def _group(lines: list[str]) -> list[Block]:
    return [Block(line, "\n\n" if n == 0 else "\n") for n, line in enumerate(lines)]


def blocks(reply: Reply, knowledge: Knowledge) -> list[Block]:
    """Call inside `force_locale(reply.language)`: the fixed parts are translated."""
    lang = reply.language
    attributions = [f"- {a}" for a in reply.attributions]
    with_phone = [_listing(r) for r in reply.resources if r["phone"]]
    without_phone = [_listing(r) for r in reply.resources if not r["phone"]]
    out = [Block(reply.answer, prose=True)]
    out += _group(attributions[:1])
    out += _group(with_phone)
    out += _group(attributions[1:])
    out += _group(without_phone)
    if reply.menu:
        labels = [f"{n}. {knowledge.intents[i].text(lang, 'label')}" for n, i in
                  enumerate(reply.menu, 1)]  # fmt: skip
        out += _group([*labels, replies.reply_with_number()])
    if reply.intent not in _NO_FOOTER and (reply.sources or reply.resources):
        out.append(Block(replies.write_menu()))
    return out
