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

from .knowledge import CATEGORIES
from .knowledge import ID as INTENT_ID

STATUSES = ("active", "inactive", "temporarily_closed")

# Every field a staff member can write, in the order the form and the CSV show them.
EDITABLE = (
    "name", "name_es", "organization", "description", "description_es", "categories",
    "status", "phone", "website", "email", "address", "hours", "languages",
    "eligibility", "cost", "featured_for", "source", "source_date",
)  # fmt: skip
# Fields that state how to reach the service: changing one without calling to confirm
# means the old verification no longer covers what residents are shown.
CONTACT_FACTS = ("phone", "website", "email", "address", "hours", "status")

_MAX = {"description": 2000, "description_es": 2000, "source": 2000, "website": 500}
_SINGLE_LINE = {"name", "name_es", "organization", "phone", "website", "email", "categories",
                "status", "featured_for", "source_date"}  # fmt: skip
# N11 and crisis numbers are dialled as they are; 5-6 digit numbers are SMS short codes.
_SHORT_NUMBERS = {"211", "311", "411", "511", "611", "711", "811", "911", "988"}
_PHONE_CHARS = re.compile(r"^[\w\s()+\-./,:;#*'&]*$")
_DIGIT_GROUP = re.compile(r"\d[\d\-. ]*\d|\d")
# A cell starting with one of these is run as a formula when a spreadsheet opens the
# export; refusing them at entry keeps both exports safe without altering the data.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
        "website": _("Website"),
        "email": _("Email"),
        "address": _("Address"),
        "hours": _("Hours"),
        "languages": _("Languages served"),
        "eligibility": _("Who can use it"),
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
        elif value.startswith(_FORMULA_START) and not (name == "phone" and value[0] == "+"):
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
    unknown = [c for c in categories if c not in CATEGORIES]
    if "categories" in errors:
        pass
    elif not categories:
        errors["categories"] = _("Choose at least one category.")
    elif unknown:
        errors["categories"] = _(
            "Unknown category: %(names)s. Use: %(known)s.",
            names=", ".join(unknown),
            known=", ".join(CATEGORIES),
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

    for name, check in (
        ("phone", phone_problem),
        ("website", website_problem),
        ("email", email_problem),
    ):
        if clean[name] and name not in errors:
            problem = check(clean[name])
            if problem:
                errors[name] = problem
    return clean, errors
