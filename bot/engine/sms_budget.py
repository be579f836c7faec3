"""How long an intent's short `sms` answer may be: the first text must still carry
who said it, when, and a number to call.

A resident reads the first text and may read no other, so the claim never travels
without its attribution: the SMS layout (bot/channels/sms/compose.py, pages.py)
keeps "- speaker, year" right after the answer on the first text, and this check
refuses a short text that leaves it no room there, or that carries no year of its
own (statements from 2016-2017 must not read as today's).

A Spanish answer is UCS-2 (one á makes the whole text so), 67 characters a segment,
201 in the three segments a reply may cost; the long answers alone are 260-320. So
content and safety intents may carry a short `sms` wording, and the data check
makes sure it leaves room, on that first text, for the worst case the layout
(the same compose.py, pages.py) falls back to: the attribution as "- speaker, year", one
phone number as wide as a US number is written ("(201) 555-0123") with its
"(unverified)" mark, the MORE prompt and the blank lines between them. The check
builds that text and counts its segments with sms_segments.py, so the limit follows
the encoding (GSM-7 or UCS-2) and SMS_MAX_SEGMENTS, not a number typed here.

This runs while the data is loaded, before any request or app context, so the
two fixed strings are read from the compiled catalogs with Babel directly; a
test keeps their msgids equal to the ones bot/channels/sms/replies.py translates.

It lives in the engine, not the SMS channel, because loading the data runs it
(bot/engine/knowledge.py): the engine imports no channel.
"""

from __future__ import annotations

import re
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import phonenumbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from . import sms_segments as segments

MORE_MSGID = "Reply MORE for the rest."  # replies.more_prompt()
UNVERIFIED_MSGID = "(unverified)"  # replies.unverified()
SEPARATOR = "\n\n"  # the widest join between two blocks on a page
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def year(date: str) -> str:
    """The year in a statement's date ("principios de 2017" -> "2017"), else the date."""
    found = YEAR.findall(date)
    return found[-1] if found else date


def short_attribution(speaker: str, date: str) -> str:
    """Who said it and when, as "- speaker, year": the attribution for a first text
    with no room for the whole line (role and outlet follow later; the chat shows
    the whole line). The short answer itself names the role."""
    return f"- {speaker}, {year(date)}"


def no_year(text: str) -> str | None:
    """Why `text` fails to say when its statement was made, or None."""
    if YEAR.search(text):
        return None
    return (
        "names no year: say when the statement was made (\"In 2017 the police chief "
        "wrote...\"), so a 2016-2017 statement never reads as today's"
    )


@lru_cache(maxsize=1)
def widest_number() -> str:
    """A US number in the national format the directory writes, "(201) 555-0123"."""
    example = phonenumbers.example_number("US")
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


@lru_cache(maxsize=8)
def _catalog(translations_dir: str, lang: str) -> NullTranslations:
    if lang == "en":
        return NullTranslations()  # the msgids are the English
    folder = Path(translations_dir) / lang / "LC_MESSAGES"
    if not (folder / "messages.mo").is_file() and (folder / "messages.po").is_file():
        # Not compiled here (a read-only install compiles into instance/, bot/platform/i18n.py):
        # the same strings, compiled in memory, so the limit is the one texts get.
        with open(folder / "messages.po", "rb") as f:
            catalog = read_po(f, locale=lang)
        buffer = BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return Translations(buffer)
    return Translations.load(translations_dir, [lang])


def fixed_strings(translations_dir: str | Path, lang: str) -> tuple[str, str]:
    """The MORE prompt and the "(unverified)" mark in `lang`."""
    catalog = _catalog(str(translations_dir), lang)
    return catalog.gettext(MORE_MSGID), catalog.gettext(UNVERIFIED_MSGID)


def worst_first_page(sms: str, attribution: str | None, more: str, unverified: str) -> str:
    """The smallest first text the layout guarantees: the short answer, the short
    attribution, one bare number and the MORE prompt."""
    parts = [sms, attribution, f"{widest_number()} {unverified}", more]
    return SEPARATOR.join(p for p in parts if p)


def longest_fitting(sms: str, attribution: str | None, more: str, unverified: str,
                    max_segments: int) -> int:  # fmt: skip
    """How many of `sms`'s characters fit; said in the error so an editor knows
    how much to cut."""
    n = len(sms)
    while n and not segments.fits(worst_first_page(sms[:n], attribution, more, unverified),
                                  max_segments):  # fmt: skip
        n -= 1
    return n


def problem(sms: str, attribution: str | None, more: str, unverified: str,
            max_segments: int) -> str | None:  # fmt: skip
    """Why `sms` is too long for a first text, or None."""
    page = worst_first_page(sms.strip(), attribution, more, unverified)
    if segments.fits(page, max_segments):
        return None
    enc = segments.encoding(page)
    limit = longest_fitting(sms.strip(), attribution, more, unverified, max_segments)
    return (
        f"{len(sms.strip())} characters leave no room on the first text for the attribution "
        f"({attribution or 'none'!r}), a phone number and the MORE prompt, so the claim and "
        f"who said it would land on different texts: together they cost "
        f"{segments.count(page)} segments, more than SMS_MAX_SEGMENTS={max_segments} "
        f"({enc}: {segments.PART[enc]} characters a segment). Shorten it to at most "
        f"{limit} characters."
    )
