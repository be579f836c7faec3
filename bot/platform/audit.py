"""The audit log: who changed which listing, when, and the values before and after.

Entries are written in the same transaction as the change they describe, so there
is never a change without its entry or an entry for a change that rolled back. The
table refuses updates and deletes (triggers in m006), and no page offers either.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

ACTIONS = ("create", "update", "verify", "retire", "import_create", "import_update")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def iso(timestamp: float) -> str:
    """A Unix time in the entries' own format (so the text compares in time order)."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def diff(before: dict, after: dict, fields) -> tuple[dict, dict]:
    """The fields whose values differ, as (old values, new values)."""
    old, new = {}, {}
    for name in fields:
        a, b = before.get(name), after.get(name)
        if (a if a is not None else "") != (b if b is not None else ""):
            old[name], new[name] = a, b
    return old, new


def record(db, *, actor: str, staff_id: int | None, listing_id: int | None, action: str,
           before: dict, after: dict, at: str | None = None) -> None:  # fmt: skip
    db["audit_log"].insert(
        {
            "at": at or now_iso(),
            "actor": actor,
            "staff_id": staff_id,
            "listing_id": listing_id,
            "action": action,
            "before": json.dumps(before, ensure_ascii=False, sort_keys=True),
            "after": json.dumps(after, ensure_ascii=False, sort_keys=True),
        }
    )


def entries(db, *, listing_id: int | None = None, limit: int = 100, offset: int = 0):
    """Newest first, with the changes decoded and the listing's current name."""
    rows = db.query(
        "select audit_log.*, listings.name as listing_name from audit_log "
        "left join listings on listings.id = audit_log.listing_id "
        "where :listing_id is null or audit_log.listing_id = :listing_id "
        "order by audit_log.id desc limit :limit offset :offset",
        {"listing_id": listing_id, "limit": limit, "offset": offset},
    )
    out = []
    for row in rows:
        before, after = json.loads(row["before"]), json.loads(row["after"])
        row["changes"] = [
            (name, before.get(name), after.get(name)) for name in sorted(set(before) | set(after))
        ]
        out.append(row)
    return out


def count(db, listing_id: int | None = None) -> int:
    if listing_id is None:
        return db["audit_log"].count
    return db["audit_log"].count_where("listing_id = ?", [listing_id])
