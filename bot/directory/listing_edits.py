"""Every write to a listing: create, edit, mark verified, retire; each with its audit entry.

Each function is one transaction (`db.atomic()`): the listing, its search index
(kept by triggers) and the audit entry change together or not at all. Listings are
never deleted: retiring sets the status to inactive, so the history stays readable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ..platform import audit
from .validation import CONTACT_FACTS, EDITABLE, empty_value

VERIFICATION = ("verified", "last_verified_at", "verified_by")


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a staff account, or a command-line user (staff_id None)."""

    name: str
    staff_id: int | None = None


class Conflict(Exception):
    """The listing changed since the form was opened; saving would overwrite that."""


class NotFound(Exception):
    pass


def fingerprint(row: dict) -> str:
    """A digest of what a form showed, to notice a change made by someone else meanwhile."""
    data = {k: row.get(k) for k in (*EDITABLE, *VERIFICATION)}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def get(db, listing_id: int) -> dict:
    rows = list(db.query("select * from listings where id = ?", [listing_id]))
    if not rows:
        raise NotFound(listing_id)
    return rows[0]


def _verification(actor: Actor, at: str) -> dict:
    return {"verified": 1, "last_verified_at": at, "verified_by": actor.name}


def create(db, clean: dict, actor: Actor, *, confirmed: bool = False,
           action: str = "create") -> int:  # fmt: skip
    at = audit.now_iso()
    row = {name: clean.get(name, empty_value(name)) for name in EDITABLE}
    row.update(verified=0, last_verified_at=None, verified_by=None)
    if confirmed:
        row.update(_verification(actor, at))
    row.update(created_at=at, updated_at=at)
    with db.atomic():
        listing_id = db["listings"].insert(row).last_pk
        after = {k: v for k, v in row.items() if v not in ("", None)}
        audit.record(db, actor=actor.name, staff_id=actor.staff_id, listing_id=listing_id,
                     action=action, before={}, after=after, at=at)  # fmt: skip
    return listing_id


def planned_changes(current: dict, clean: dict, actor: Actor, *, confirmed: bool,
                    at: str) -> dict:  # fmt: skip
    """The column values an edit would write (empty when nothing would change).

    A changed phone, website, email, address, hours or status without the "I
    confirmed this" box clears `verified`: the old check does not cover the new facts.
    """
    new = {name: clean.get(name, empty_value(name)) for name in EDITABLE}
    _old, changed = audit.diff(current, new, EDITABLE)
    if confirmed:
        changed.update(_verification(actor, at))
    elif current["verified"] and any(name in changed for name in CONTACT_FACTS):
        changed["verified"] = 0
    return changed


def update(db, listing_id: int, clean: dict, actor: Actor, *, confirmed: bool = False,
           base: str | None = None, action: str = "update") -> dict:  # fmt: skip
    """Save an edit; return the changed fields' new values ({} when nothing changed)."""
    at = audit.now_iso()
    with db.atomic():
        current = get(db, listing_id)
        if base is not None and base != fingerprint(current):
            raise Conflict(listing_id)
        changed = planned_changes(current, clean, actor, confirmed=confirmed, at=at)
        if not changed:
            return {}
        before = {name: current[name] for name in changed}
        db["listings"].update(listing_id, {**changed, "updated_at": at})
        audit.record(db, actor=actor.name, staff_id=actor.staff_id, listing_id=listing_id,
                     action=action, before=before, after=changed, at=at)  # fmt: skip
    return changed


def verify(db, listing_id: int, actor: Actor) -> None:
    at = audit.now_iso()
    with db.atomic():
        current = get(db, listing_id)
        after = _verification(actor, at)
        before = {name: current[name] for name in after}
        db["listings"].update(listing_id, {**after, "updated_at": at})
        audit.record(db, actor=actor.name, staff_id=actor.staff_id, listing_id=listing_id,
                     action="verify", before=before, after=after, at=at)  # fmt: skip


def retire(db, listing_id: int, actor: Actor) -> bool:
    """Set the status to inactive; False when it already was."""
    at = audit.now_iso()
    with db.atomic():
        current = get(db, listing_id)
        if current["status"] == "inactive":
            return False
        db["listings"].update(listing_id, {"status": "inactive", "updated_at": at})
        audit.record(db, actor=actor.name, staff_id=actor.staff_id, listing_id=listing_id,
                     action="retire", before={"status": current["status"]},
                     after={"status": "inactive"}, at=at)  # fmt: skip
    return True
