"""First-start seed: the listings shipped in resources/listings.csv.

Every seeded row starts unverified: the compiled sources are public pages, some
years old, and only a staff member's call confirms a number.
"""

import csv
from datetime import UTC, datetime
from pathlib import Path

from .config import ROOT

SEED_FILE = ROOT / "resources" / "listings.csv"


def seed_rows(path: Path = SEED_FILE) -> list[dict]:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            rows.append(
                {
                    "organization": rec["name"],
                    "name": rec["name"],
                    "name_es": rec.get("name_es") or rec["name"],
                    "description": rec["description_en"],
                    "description_es": rec.get("description_es") or "",
                    "status": "active",
                    "phone": rec["phone"],
                    "website": rec["website"],
                    "email": "",
                    "address": rec["address"],
                    "hours": "",
                    "languages": rec["languages"],
                    "eligibility": "",
                    "cost": rec["cost"],
                    "categories": rec["category"],
                    "featured_for": rec.get("featured_for") or "",
                    "verified": 0,
                    "last_verified_at": None,
                    "verified_by": None,
                    "source": rec["source"],
                    "source_date": rec["source_date"],
                    "created_at": now,
                    "updated_at": now,
                }
            )
    return rows


def seed_if_empty(db) -> int:
    if db["listings"].count or not SEED_FILE.exists():
        return 0
    rows = seed_rows()
    with db.atomic():
        db["listings"].insert_all(rows)
    return len(rows)
