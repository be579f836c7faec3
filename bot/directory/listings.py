"""The resource directory as it is read: by the answers, and by staff looking for a listing.

A staff edit shows in the next answer in every worker without a restart: each reply
reads the listings' version number (bumped by triggers on every change, migration
m010) and a worker queries the listings again only when it has moved.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

from .validation import offers_emergency_number


def _in(listing: dict, field: str, es: bool) -> str:
    """The Spanish form of a field when there is one, else the field (a number alone)."""
    return ((listing.get(f"{field}_es") if es else "") or listing[field] or "").strip()


def _row(listing: dict, lang: str) -> dict:
    """A listing as the answers show it, in the resident's language.

    `verified` is also true for a listing that offers 911, 988 or Poison Help: those
    numbers are right wherever they are dialled, and "911 (unverified)" must never be
    what a person in danger reads.
    """
    es = lang == "es"
    return {
        "id": listing["id"],
        "name": (listing["name_es"] if es and listing["name_es"] else listing["name"]),
        "description": (
            listing["description_es"]
            if es and listing["description_es"]
            else listing["description"]
        ),
        "phone": _in(listing, "phone", es),
        "website": listing["website"] or "",
        "languages": _in(listing, "languages", es),
        "categories": (listing["categories"] or "").split(),
        "verified": bool(listing["verified"]) or offers_emergency_number(listing["phone"]),
        "serves_undocumented": bool(listing.get("serves_undocumented")),
    }


def listings_for(
    db, categories: list[str], lang: str, limit: int, intent: str | None = None
) -> list[dict]:
    """Active listings for an answer: one per category in the intent's order, then again.

    Taking turns across categories keeps a food question from showing three food
    banks and no shelter. Within a category, listings staff marked as "show first"
    for this intent lead (the TPD line for report_crime, the complaints office for
    racial_profiling), then listings that serve undocumented residents (many who ask
    are), then listings with a phone, then verified ones.
    """
    if not categories or limit <= 0:
        return []
    per_category: list[list[dict]] = []
    for category in categories:
        rows = db.query(
            "select * from listings where status = 'active' "
            "and (' ' || categories || ' ') like :category "
            "order by (' ' || coalesce(featured_for, '') || ' ') like :intent desc, "
            "coalesce(serves_undocumented, 0) desc, (coalesce(phone, '') = ''), "
            "verified desc, id",
            {"category": f"% {category} %", "intent": f"% {intent} %" if intent else ""},
        )
        per_category.append([_row(r, lang) for r in rows])
    found: list[dict] = []
    seen: set[int] = set()
    for turn in range(max((len(rows) for rows in per_category), default=0)):
        for rows in per_category:
            if turn < len(rows) and rows[turn]["id"] not in seen:
                seen.add(rows[turn]["id"])
                found.append(rows[turn])
                if len(found) == limit:
                    return found
    return found


class ListingsCache:
    """One worker's answers' listings, kept while the listings' version stays the same.

    Querying them cost about 0.1 ms a reply, a tenth of a chat turn in `make load`;
    the version is one read of one row. Entries are per version, so a query that saw
    a newer table than the version read before it only costs a query more.
    Callers get the same dicts each time: they must not change them.
    """

    def __init__(self):
        self._version: int | None = None
        self._entries: dict[tuple, list[dict]] = {}
        self._lock = threading.Lock()

    def listings_for(self, db, categories: list[str], lang: str, limit: int,
                     intent: str | None = None) -> list[dict]:  # fmt: skip
        row = db.execute("select version from listings_version where id = 1").fetchone()
        if row is None:  # no version to go by: read them every time
            return listings_for(db, categories, lang, limit, intent=intent)
        version = row[0]
        with self._lock:
            if version != self._version:
                self._version, self._entries = version, {}
            entries = self._entries
        key = (tuple(categories), lang, limit, intent)
        found = entries.get(key)
        if found is None:
            found = entries[key] = listings_for(db, categories, lang, limit, intent=intent)
        return found


# -- staff: search, filters, staleness ----------------------------------------

STALENESS = ("needs_check", "unverified", "stale", "current")


def fts_query(text: str) -> str:
    """Words as FTS5 prefix terms: "abog inmig" finds "abogados de inmigración".

    Each word is quoted, so FTS5 syntax typed by a person ("AND", quotes, a
    trailing "-") is searched as text instead of failing.
    """
    words = re.findall(r"\w+", text)
    return " ".join(f'"{w}"*' for w in words)


def stale_before(stale_after_days: int, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return (now - timedelta(days=stale_after_days)).isoformat(timespec="seconds")


def needs_check(listing: dict, stale_after_days: int, now: datetime | None = None) -> str | None:
    """ "unverified", "stale" (verified longer ago than the limit), or None when current."""
    if not listing["verified"] or not listing["last_verified_at"]:
        return "unverified"
    if listing["last_verified_at"] < stale_before(stale_after_days, now):
        return "stale"
    return None


def search(
    db,
    *,
    q: str = "",
    category: str = "",
    status: str = "",
    staleness: str = "",
    stale_after_days: int = 180,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[dict], int]:
    """The listings staff asked for, best match first when searching, and how many in all."""
    where, params = ["1 = 1"], {}
    joins, order = "", "listings.name collate nocase, listings.id"
    match = fts_query(q)
    if match:
        joins = "join listings_fts on listings_fts.rowid = listings.id"
        where.append("listings_fts match :match")
        params["match"] = match
        order = "listings_fts.rank, listings.id"
    if category:
        where.append("(' ' || listings.categories || ' ') like :category")
        params["category"] = f"% {category} %"
    if status:
        where.append("listings.status = :status")
        params["status"] = status
    params["before"] = stale_before(stale_after_days, now)
    unverified = "(listings.verified = 0 or listings.last_verified_at is null)"
    stale = f"(not {unverified} and listings.last_verified_at < :before)"
    if staleness == "needs_check":
        where.append(f"({unverified} or {stale})")
    elif staleness == "unverified":
        where.append(unverified)
    elif staleness == "stale":
        where.append(stale)
    elif staleness == "current":
        where.append(f"not ({unverified} or {stale})")
    sql_where = " and ".join(where)
    total = db.execute(
        f"select count(*) from listings {joins} where {sql_where}",  # noqa: S608
        params,
    ).fetchone()[0]
    rows = list(
        db.query(
            f"select listings.* from listings {joins} where {sql_where} "  # noqa: S608
            f"order by {order} limit :limit offset :offset",
            {**params, "limit": limit, "offset": offset},
        )
    )
    return rows, total
