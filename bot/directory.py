"""The resource directory as the answers see it: active listings, in the reply's language.

Read from SQLite on every reply, so a staff edit shows in the next answer in every
worker without a restart.
"""

from __future__ import annotations


def _row(listing: dict, lang: str) -> dict:
    es = lang == "es"
    return {
        "id": listing["id"],
        "name": (listing["name_es"] if es and listing["name_es"] else listing["name"]),
        "description": (
            listing["description_es"]
            if es and listing["description_es"]
            else listing["description"]
        ),
        "phone": listing["phone"] or "",
        "website": listing["website"] or "",
        "languages": listing["languages"] or "",
        "categories": (listing["categories"] or "").split(),
        "verified": bool(listing["verified"]),
    }


def listings_for(db, categories: list[str], lang: str, limit: int) -> list[dict]:
    """Active listings for an answer: one per category in the intent's order, then again.

    Taking turns across categories keeps a food question from showing three food
    banks and no shelter; within a category, listings with a phone come first.
    """
    if not categories or limit <= 0:
        return []
    per_category: list[list[dict]] = []
    for category in categories:
        rows = db.query(
            "select * from listings where status = 'active' "
            "and (' ' || categories || ' ') like ? "
            "order by (coalesce(phone, '') = ''), verified desc, id",
            [f"% {category} %"],
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
