"""The directory as a CSV file: export, then import with a preview and all-or-nothing apply.

Staff fix many listings at once in a spreadsheet, so an export must come back through
import unchanged, and a file with one bad row must write nothing: `plan` checks every
row with the same rules as the edit page before anything is written, and `apply`
writes the whole plan in one transaction, re-checked under the write lock.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask_babel import gettext as _

from . import listing_edits, spreadsheet
from .listing_edits import Actor
from .validation import EDITABLE, OPTIONAL_COLUMNS, clean_listing, labels

READ_ONLY = ("verified", "last_verified_at", "verified_by", "created_at", "updated_at")
COLUMNS = ("id", *EDITABLE, *READ_ONLY)
# A file exported before a column existed still imports: the listing keeps that value.
REQUIRED = tuple(c for c in ("id", *EDITABLE) if c not in OPTIONAL_COLUMNS)


def export_csv(db) -> bytes:
    """Every listing, retired ones too, as UTF-8 with a BOM so Excel reads the accents.

    Cells that a spreadsheet would run as a formula get a leading quote
    (spreadsheet.py); `plan` takes it off again, so the file imports back unchanged.
    """
    rows = (
        [row.get(k) for k in COLUMNS]
        for row in db.query("select * from listings order by id")
    )
    return spreadsheet.rows_to_csv(COLUMNS, rows).encode("utf-8-sig")


def _same(a, b) -> bool:
    return ("" if a is None else str(a)) == ("" if b is None else str(b))


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    name: str
    problems: list[str]


@dataclass
class PlannedRow:
    row: int
    listing_id: int | None
    kind: str  # "new" | "changed" | "unchanged"
    name: str
    clean: dict
    changes: dict = field(default_factory=dict)  # field -> (old, new)


@dataclass
class Plan:
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    def of(self, kind: str) -> list[PlannedRow]:
        return [r for r in self.rows if r.kind == kind]

    def digest(self) -> str:
        """What applying would write; it must match between the preview and the apply."""
        data = [[r.row, r.listing_id, r.kind, r.clean, sorted(r.changes.items())]
                for r in self.rows if r.kind != "unchanged"]  # fmt: skip
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _decode(content: bytes) -> tuple[str | None, str | None]:
    try:
        return content.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        return None, _(
            "The file is not UTF-8 text (the first unreadable character is on line "
            "%(line)d). In Excel, save it as “CSV UTF-8”; in LibreOffice or Google "
            "Sheets, choose UTF-8.",
            line=line,
        )


def plan(db, content: bytes, known_intents=None) -> Plan:
    """Check every row and sort the valid ones into new, changed and unchanged."""
    result = Plan()
    text, problem = _decode(content)
    if problem:
        result.file_errors.append(problem)
        return result
    if "\x00" in text:
        result.file_errors.append(_("The file contains NUL bytes: it is not a CSV file."))
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        result.file_errors.append(_("The file is not a readable CSV file (%(error)s).",
                                    error=str(exc)))  # fmt: skip
        return result
    if not records:
        result.file_errors.append(_("The file is empty."))
        return result
    header = [spreadsheet.unescape(h.strip()) for h in records[0]]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if missing:
        result.file_errors.append(_(
            "Missing columns: %(names)s. Start from an export so the columns match.",
            names=", ".join(missing),
        ))  # fmt: skip
    if unknown:
        result.file_errors.append(_("Unknown columns: %(names)s.", names=", ".join(unknown)))
    if repeated:
        result.file_errors.append(_("Repeated columns: %(names)s.", names=", ".join(repeated)))
    if result.file_errors:
        return result

    names = labels()
    current = {r["id"]: r for r in db.query("select * from listings")}
    seen_ids: dict[int, int] = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line, as spreadsheets leave at the end
        problems = []
        if len(record) != len(header):
            problems.append(_(
                "This row has %(found)d cells but the header has %(expected)d.",
                found=len(record), expected=len(header),
            ))  # fmt: skip
        data = dict(zip(header, (spreadsheet.unescape(c) for c in record), strict=False))
        raw_id = (data.get("id") or "").strip()
        old = current.get(int(raw_id)) if raw_id.isdigit() else None
        for name in OPTIONAL_COLUMNS:
            if name not in header and old is not None:
                data[name] = "" if old[name] is None else str(old[name])
        clean, errors = clean_listing(data, known_intents)
        problems += [f"{names[name]}: {message}" for name, message in errors.items()]
        listing_id = None
        if raw_id:
            if not raw_id.isdigit():
                problems.append(_("ID: “%(id)s” is not a number; leave it empty for a new "
                                  "listing.", id=raw_id))  # fmt: skip
            elif int(raw_id) not in current:
                problems.append(_("ID: no listing has ID %(id)s; leave it empty for a new "
                                  "listing.", id=raw_id))  # fmt: skip
            elif int(raw_id) in seen_ids:
                problems.append(_("ID: %(id)s is also on row %(row)d.", id=raw_id,
                                  row=seen_ids[int(raw_id)]))  # fmt: skip
            else:
                listing_id = int(raw_id)
                seen_ids[listing_id] = number
        name = clean["name"] or (data.get("name") or "").strip()
        if problems:
            result.row_errors.append(RowError(number, name, problems))
            continue
        if listing_id is None:
            result.rows.append(PlannedRow(number, None, "new", name, clean))
            continue
        before = current[listing_id]
        changes = {k: (before[k] if before[k] is not None else "", clean[k])
                   for k in EDITABLE if not _same(before[k], clean[k])}  # fmt: skip
        kind = "changed" if changes else "unchanged"
        result.rows.append(PlannedRow(number, listing_id, kind, name, clean, changes))
    return result


class Stale(Exception):
    """The directory changed after the preview: what would be written is not what was shown."""

    def __init__(self, fresh: Plan):
        super().__init__("the plan changed")
        self.fresh = fresh


@contextmanager
def _write_lock(db):
    """BEGIN IMMEDIATE: no other worker can write between the re-check and the apply."""
    with db.immediate():
        yield


def apply(db, content: bytes, actor: Actor, *, expected_digest: str | None = None,
          known_intents=None) -> Plan:  # fmt: skip
    """Write the whole file or nothing; raise Stale if the plan differs from the preview."""
    with _write_lock(db):
        fresh = plan(db, content, known_intents)
        if not fresh.ok or (expected_digest is not None and fresh.digest() != expected_digest):
            raise Stale(fresh)
        for row in fresh.rows:
            if row.kind == "new":
                listing_edits.create(db, row.clean, actor, action="import_create")
            elif row.kind == "changed":
                listing_edits.update(db, row.listing_id, row.clean, actor, action="import_update")
    return fresh
