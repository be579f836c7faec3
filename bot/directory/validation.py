"""One set of rules for a listing's fields, whether it comes from a page, a CSV or the CLI.

A wrong phone number is the failure a resident remembers, so every write goes
through `clean_listing`: the staff form, the CSV import and `flask directory-check`
can never disagree about what is valid. Messages are built at call time with
`gettext`, so they come out in the staff member's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from ..engine.knowledge import CATEGORIES
from ..engine.knowledge import ID as INTENT_ID
from .spreadsheet import FORMULA_START

STATUSES = ("active", "inactive", "temporarily_closed")

# The emergency kinds the engine asks for by name (911, poison, crisis, domestic
# violence), beside the intents' categories: every city's directory needs them.
EMERGENCY_CATEGORIES = ("emergency", "poison", "crisis", "domestic_violence")
LISTING_CATEGORIES = CATEGORIES + tuple(c for c in EMERGENCY_CATEGORIES if c not in CATEGORIES)
# Numbers that are right wherever a resident dials them (911, the 988 crisis line,
# Poison Help): a listing that offers one is never shown as "(unverified)".
EMERGENCY_NUMBERS = frozenset({"911", "988", "8002221222"})  # without the country code

# Every field a staff member can write, in the order the form and the CSV show them.
EDITABLE = (
    "name", "name_es", "organization", "description", "description_es", "categories",
    "status", "phone", "phone_es", "website", "email", "address", "hours", "languages",
    "languages_es", "eligibility", "serves_undocumented", "cost", "featured_for", "source",
    "source_date",
)  # fmt: skip
# A yes/no field is stored as 0 or 1 (SQLite would keep "" as text and sort it first).
_FLAGS = ("serves_undocumented",)


def empty_value(name: str):
    """What a field holds when nothing was written in it."""
    return 0 if name in _FLAGS else ""


# Fields added after the first CSV exports: an import without them keeps their values.
OPTIONAL_COLUMNS = ("phone_es", "languages_es", "serves_undocumented")
# Fields that state how to reach the service: changing one without calling to confirm
# means the old verification no longer covers what residents are shown.
CONTACT_FACTS = ("phone", "phone_es", "website", "email", "address", "hours", "status")

_MAX = {"description": 2000, "description_es": 2000, "source": 2000, "website": 500}
_SINGLE_LINE = {"name", "name_es", "organization", "phone", "phone_es", "website", "email",
                "categories", "status", "featured_for", "source_date",
                "serves_undocumented"}  # fmt: skip
# N11 and crisis numbers are dialled as they are; 5-6 digit numbers are SMS short codes.
_SHORT_NUMBERS = {"211", "311", "411", "511", "611", "711", "811", "911", "988"}
_PHONE_CHARS = re.compile(r"^[\w\s()+\-./,:;#*'&«»“”]*$")
_DIGIT_GROUP = re.compile(r"\d[\d\-. ]*\d|\d")
# A "+" that is not a country code, or a word run into a bracket, is how a spreadsheet
# formula looks ("+HYPERLINK(...)"); a phone number and its label never need either.
_NOT_A_PHONE = re.compile(r"\+(?!\s*\d)|[^\W\d]\(")
# A cell starting with one of these is run as a formula when a spreadsheet opens the
# export; refusing them at entry (and escaping every exported cell, spreadsheet.py)
# keeps the exports safe. A phone may start with "+" and a digit (a country code).
_FORMULA_START = FORMULA_START
_YES = {"1", "yes", "y", "true", "sí", "si", "x"}
_NO = {"0", "no", "n", "false", ""}


def labels() -> dict[str, str]:
    """Field names as staff read them, in the current language."""
    return {
        "id": _("ID"),
        "name": _("Name (English)"),
        "name_es": _("Name (Spanish)"),
        "organization": _("Organization"),
        "description": _("Description (English)"),
        "description_es": _("Description (Spanish)"),
        "categories": _("Categories"),
        "status": _("Status"),
        "phone": _("Phone"),
        "phone_es": _("Phone (Spanish)"),
        "website": _("Website"),
        "email": _("Email"),
        "address": _("Address"),
        "hours": _("Hours"),
        "languages": _("Languages served"),
        "languages_es": _("Languages served (Spanish)"),
        "eligibility": _("Who can use it"),
        "serves_undocumented": _("Serves undocumented residents"),
        "cost": _("Cost"),
        "featured_for": _("Show first for these topics"),
        "source": _("Source"),
        "source_date": _("Source date"),
        "verified": _("Verified"),
        "last_verified_at": _("Last verified"),
        "verified_by": _("Verified by"),
    }


def category_labels() -> dict[str, str]:
    return {
        "legal": _("Legal"),
        "citizenship": _("Citizenship"),
        "refugee": _("Refugees"),
        "victim_services": _("Victim services"),
        "police": _("Police"),
        "hotline": _("Hotlines"),
        "community": _("Community"),
        "health": _("Health"),
        "food": _("Food"),
        "shelter": _("Shelter"),
        "emergency": _("Emergency (911)"),
        "poison": _("Poison"),
        "crisis": _("Crisis"),
        "domestic_violence": _("Domestic violence"),
    }


def status_labels() -> dict[str, str]:
    return {
        "active": _("Active"),
        "inactive": _("Inactive (retired)"),
        "temporarily_closed": _("Temporarily closed"),
    }


def normalize_text(value) -> str:
    """Trim, unify line endings and compose accents (NFC).

    A file saved on a Mac can spell "Clínica" with a combining accent; composing
    it keeps an unchanged row from showing as "changed" in an import preview.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def split_words(value: str) -> list[str]:
    """Space- or comma-separated ids, in order, without repeats."""
    seen: list[str] = []
    for word in re.split(r"[\s,]+", value.strip()):
        if word and word not in seen:
            seen.append(word)
    return seen


def phone_problem(value: str) -> str | None:
    """Why a phone field is wrong, or None.

    The field may hold several numbers with labels ("911; non-emergency (520)
    791-4444"): each part between semicolons needs one number that `phonenumbers`
    accepts as a valid US number, or a short number such as 911, 2-1-1 or 988.
    """
    if not _PHONE_CHARS.match(value):
        return _("Use only digits, letters, spaces and ( ) - + . ; in a phone number.")
    if _NOT_A_PHONE.search(value):
        return _("This is not a phone number with its label: a + goes only before a "
                 "country code (+1 520 791 4444), and a word never runs into a bracket.")
    for part in (p.strip() for p in value.split(";")):
        if not part:
            return _("Remove the empty part between semicolons.")
        if any(True for _m in phonenumbers.PhoneNumberMatcher(part, "US")):
            continue
        groups = [re.sub(r"\D", "", g) for g in _DIGIT_GROUP.findall(part)]
        texting = re.search(r"\b(text|texto|sms)\b", part, re.IGNORECASE)
        if any(g in _SHORT_NUMBERS or (texting and 5 <= len(g) <= 6) for g in groups):
            continue
        return _(
            "“%(part)s” is not a phone number that can be dialled in the US. Write the "
            "area code, like (520) 791-4444, or a short number such as 911 or 211.",
            part=part,
        )
    return None


def website_problem(value: str) -> str | None:
    if any(c.isspace() for c in value):
        return _("A web address cannot contain spaces.")
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return _("This is not a web address.")
    if parts.scheme.lower() not in ("http", "https"):
        return _("Write the whole address, starting with https:// or http://.")
    if "." not in host or host.startswith(".") or host.endswith(".") or not port_ok:
        return _("This is not a web address.")
    if parts.username or parts.password:
        return _("A web address cannot contain a user name or password.")
    return None


def email_problem(value: str) -> str | None:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return _("This is not an email address, e.g. help@example.org.")
    return None


def clean_listing(
    data: Mapping[str, object], known_intents: Iterable[str] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """The listing's fields normalised, and an error message per wrong field.

    Missing keys count as empty. `known_intents` restricts `featured_for` to intents
    that exist; without it (the intent data failed to load) only the form is checked.
    """
    clean = {name: normalize_text(data.get(name)) for name in EDITABLE}
    errors: dict[str, str] = {}
    for name, value in clean.items():
        limit = _MAX.get(name, 500 if name not in _SINGLE_LINE else 300)
        if len(value) > limit:
            errors[name] = _("Keep this under %(limit)d characters.", limit=limit)
        elif name in _SINGLE_LINE and "\n" in value:
            errors[name] = _("Keep this on one line.")
        elif value.startswith(_FORMULA_START) and not (
            name in ("phone", "phone_es") and re.match(r"\+\s*\d", value)
        ):
            errors[name] = _("This cannot start with = + - or @ (spreadsheets run it).")
        elif any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
            errors[name] = _("Remove the control characters from this field.")
    for name, message in (
        ("name", _("Write the name.")),
        ("description", _("Write a one-line description in English.")),
        ("description_es", _("Write the description in Spanish too: residents read it.")),
    ):
        if not clean[name] and name not in errors:
            errors[name] = message

    categories = split_words(clean["categories"])
    unknown = [c for c in categories if c not in LISTING_CATEGORIES]
    if "categories" in errors:
        pass
    elif not categories:
        errors["categories"] = _("Choose at least one category.")
    elif unknown:
        errors["categories"] = _(
            "Unknown category: %(names)s. Use: %(known)s.",
            names=", ".join(unknown),
            known=", ".join(LISTING_CATEGORIES),
        )
    clean["categories"] = " ".join(categories)

    status = clean["status"] or "active"
    if status not in STATUSES and "status" not in errors:
        errors["status"] = _(
            "Unknown status “%(status)s”. Use: %(known)s.",
            status=status,
            known=", ".join(STATUSES),
        )
    clean["status"] = status

    featured = split_words(clean["featured_for"])
    known = set(known_intents) if known_intents is not None else None
    bad = [i for i in featured if not INTENT_ID.match(i) or (known is not None and i not in known)]
    if bad and "featured_for" not in errors:
        errors["featured_for"] = _("Unknown topic: %(names)s.", names=", ".join(bad))
    clean["featured_for"] = " ".join(featured)

    serves = clean["serves_undocumented"].casefold()
    if serves not in _YES | _NO and "serves_undocumented" not in errors:
        errors["serves_undocumented"] = _("Write yes or no (1 or 0).")
    clean["serves_undocumented"] = 1 if serves in _YES else 0

    for name, check in (
        ("phone", phone_problem),
        ("phone_es", phone_problem),
        ("website", website_problem),
        ("email", email_problem),
    ):
        if clean[name] and name not in errors:
            problem = check(clean[name])
            if problem:
                errors[name] = problem
    _spanish_contact(clean, errors)
    return clean, errors


def _groups(part: str) -> list[str]:
    """Digit groups that are numbers: not "8am-5pm" or "24-hour" (under 3 digits),
    nor the digits of a number spelled in letters ("1-844-9-NO-HATE")."""
    found = []
    for m in _DIGIT_GROUP.finditer(part):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) >= 3 and not re.match(r"-?[^\W\d_]", part[m.end():]):
            found.append(digits)
    return found


def dialled_numbers(phone: str) -> list[str]:
    """Each ";"-part's digits, in order, however it is spaced: "(520) 791-4444" and
    "520-791-4444" both give "5207914444"."""
    return ["".join(_groups(p)) for p in (phone or "").split(";") if _groups(p)]


def offers_emergency_number(phone: str) -> bool:
    """911, 988 or Poison Help anywhere in the field ("911; non-emergency ...")."""
    found = set(dialled_numbers(phone))
    for part in (phone or "").split(";"):
        found.update(_groups(part))
    national = {n[1:] if len(n) == 11 and n.startswith("1") else n for n in found}
    return bool(national & EMERGENCY_NUMBERS)


def _spanish_contact(clean: dict, errors: dict) -> None:
    """The Spanish phone and languages: present wherever the English ones have words,
    with the same numbers, so a Spanish reply never shows an English label."""
    phone, phone_es = clean["phone"], clean["phone_es"]
    if "phone_es" not in errors and "phone" not in errors:
        if phone_es and dialled_numbers(phone_es) != dialled_numbers(phone):
            errors["phone_es"] = _("Write the same numbers as in the English phone, in "
                                   "the same order; only the labels change.")  # fmt: skip
        elif not phone_es and re.search(r"[^\W\d_]", phone):
            errors["phone_es"] = _("The phone has words in it: write it with the words "
                                   "in Spanish too, e.g. 911; no emergencias (520) "
                                   "791-4444.")  # fmt: skip
    if clean["languages"] and not clean["languages_es"] and "languages_es" not in errors:
        errors["languages_es"] = _("Write the languages in Spanish too: residents read "
                                   "them.")  # fmt: skip
