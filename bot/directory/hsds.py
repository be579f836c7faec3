"""The directory in Open Referral HSDS 3.0 tabular form, for 2-1-1 and other directories.

Four CSVs zipped together: organizations, services, phones and languages. IDs are
UUIDv5 of our own ids, so a re-export updates the receiver's records instead of
duplicating them. Staff emails (`verified_by`) stay out: `assurer_email` is left
empty so a partner never receives the city's staff addresses.

HSDS has one text per field, so the Spanish forms ride along where a reader looks
for them: the Spanish name as the service's `alternate_name`, a phone's Spanish
label after its English one ("non-emergency (520) 791-4444 / no emergencias (520)
791-4444"), and the Spanish languages text after the English one in `note`. Every
cell is escaped against spreadsheet formulas (spreadsheet.py).
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile

import phonenumbers

from . import spreadsheet

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tucson-community-bot:hsds")
STATUS = {"active": "active", "inactive": "inactive", "temporarily_closed": "temporarily closed"}
ORGANIZATION_FIELDS = ("id", "name", "alternate_name", "description", "email", "website")
SERVICE_FIELDS = (
    "id", "organization_id", "name", "alternate_name", "description", "url", "email",
    "status", "interpretation_services", "application_process", "fees_description",
    "eligibility_description", "assured_date", "assurer_email", "alert", "last_modified",
)  # fmt: skip
PHONE_FIELDS = ("id", "service_id", "number", "extension", "type", "description")
LANGUAGE_FIELDS = ("id", "service_id", "name", "code", "note")
# Languages named in the free-text "languages served" field (English or Spanish names).
LANGUAGES = {
    "english": ("English", "en"), "inglés": ("English", "en"), "ingles": ("English", "en"),
    "spanish": ("Spanish", "es"), "español": ("Spanish", "es"), "espanol": ("Spanish", "es"),
    "arabic": ("Arabic", "ar"), "árabe": ("Arabic", "ar"), "french": ("French", "fr"),
    "swahili": ("Swahili", "sw"), "kinyarwanda": ("Kinyarwanda", "rw"),
    "dari": ("Dari", "prs"), "pashto": ("Pashto", "ps"), "somali": ("Somali", "so"),
    "vietnamese": ("Vietnamese", "vi"), "portuguese": ("Portuguese", "pt"),
    "mandarin": ("Mandarin Chinese", "cmn"), "chinese": ("Chinese", "zh"),
    "tigrinya": ("Tigrinya", "ti"), "burmese": ("Burmese", "my"), "nepali": ("Nepali", "ne"),
    "ukrainian": ("Ukrainian", "uk"), "russian": ("Russian", "ru"), "farsi": ("Persian", "fa"),
}  # fmt: skip


def _id(kind: str, key) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


def _bilingual(en: str, es: str) -> str:
    en, es = en.strip(), (es or "").strip()
    return f"{en} / {es}" if es and es != en else en


def phones(listing_id: int, text: str, text_es: str = "") -> list[dict]:
    """One HSDS phone per number found; the part it came from (and its Spanish form,
    the same part of `text_es`) is its description."""
    out = []
    parts_es = [p.strip() for p in (text_es or "").split(";")]
    for n, part in enumerate(p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        part_es = parts_es[n] if n < len(parts_es) else ""
        kind = "voice"
        if re.search(r"\b(tty|tdd)\b", part, re.IGNORECASE):
            kind = "textphone"
        elif re.search(r"\b(text|texto|sms)\b", part, re.IGNORECASE):
            kind = "text"
        found = list(phonenumbers.PhoneNumberMatcher(part, "US"))
        numbers = [
            (phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.NATIONAL),
             m.number.extension or "")
            for m in found
        ]  # fmt: skip
        if not numbers:  # 911, 2-1-1, 988, an SMS short code: digits as dialled
            digits = re.findall(r"\d[\d\-]*\d|\d", part)
            numbers = [(re.sub(r"\D", "", d), "") for d in digits[-1:]]
        for m, (number, extension) in enumerate(numbers):
            out.append({
                "id": _id("phone", f"{listing_id}:{n}:{m}"),
                "service_id": _id("service", listing_id),
                "number": number, "extension": extension, "type": kind,
                "description": _bilingual(part, part_es),
            })  # fmt: skip
    return out


def languages(listing_id: int, text: str, text_es: str = "") -> list[dict]:
    text = (text or "").strip()
    if not text:
        return []
    found: dict[str, tuple[str, str]] = {}
    note = _bilingual(text, text_es)
    for word in re.findall(r"\w+", text.lower()):
        if word in LANGUAGES:
            found.setdefault(LANGUAGES[word][1], LANGUAGES[word])
    entries = list(found.values()) or [("", "")]
    return [
        {"id": _id("language", f"{listing_id}:{code or 'note'}"),
         "service_id": _id("service", listing_id), "name": name, "code": code, "note": note}
        for name, code in entries
    ]  # fmt: skip


def tables(db) -> dict[str, list[dict]]:
    listings = list(db.query("select * from listings order by id"))
    organizations: dict[str, dict] = {}
    services, phone_rows, language_rows = [], [], []
    for item in listings:
        org_name = (item["organization"] or item["name"]).strip()
        org_id = _id("organization", org_name.casefold())
        organizations.setdefault(org_id, {
            "id": org_id, "name": org_name, "alternate_name": "",
            "description": item["description"] or "", "email": item["email"] or "",
            "website": item["website"] or "",
        })  # fmt: skip
        alternate = item["name_es"] if item["name_es"] and item["name_es"] != item["name"] else ""
        services.append({
            "id": _id("service", item["id"]), "organization_id": org_id,
            "name": item["name"], "alternate_name": alternate,
            "description": item["description"] or "", "url": item["website"] or "",
            "email": item["email"] or "", "status": STATUS.get(item["status"], "inactive"),
            "interpretation_services": "", "application_process": "",
            "fees_description": item["cost"] or "",
            "eligibility_description": item["eligibility"] or "",
            "assured_date": (item["last_verified_at"] or "")[:10] if item["verified"] else "",
            "assurer_email": "", "alert": "", "last_modified": item["updated_at"] or "",
        })  # fmt: skip
        phone_rows += phones(item["id"], item["phone"], item.get("phone_es") or "")
        language_rows += languages(item["id"], item["languages"], item.get("languages_es") or "")
    return {
        "organizations": list(organizations.values()),
        "services": services,
        "phones": phone_rows,
        "languages": language_rows,
    }


def export_zip(db) -> bytes:
    fields = {"organizations": ORGANIZATION_FIELDS, "services": SERVICE_FIELDS,
              "phones": PHONE_FIELDS, "languages": LANGUAGE_FIELDS}  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables(db).items():
            body = spreadsheet.rows_to_csv(
                fields[name], ([row.get(f, "") for f in fields[name]] for row in rows)
            )
            archive.writestr(f"{name}.csv", body.encode("utf-8"))
    return buffer.getvalue()
