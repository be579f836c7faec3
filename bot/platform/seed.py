"""First-start seed: the listings shipped in resources/listings.csv.

Every seeded row starts unverified: the compiled sources are public pages, some
years old, and only a staff member's call confirms a number. The exception is a
row marked `verified=official`: a number a government page gives for everyone
(911, Poison Help, 988, the national domestic-violence line), which residents in
danger must never read as "(unverified)". It is recorded as verified by the seed,
so staff can tell it from their own calls.
"""

import csv
from datetime import UTC, datetime
from pathlib import Path

from .config import ROOT

SEED_FILE = ROOT / "resources" / "listings.csv"


SEED_VERIFIER = "seed: official page in Source"


def seed_rows(path: Path = SEED_FILE) -> list[dict]:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            official = rec.get("verified") == "official"
            rows.append(
                {
                    "organization": rec["name"],
                    "name": rec["name"],
                    "name_es": rec.get("name_es") or rec["name"],
                    "description": rec["description_en"],
                    "description_es": rec.get("description_es") or "",
                    "status": "active",
                    "phone": rec["phone"],
                    "phone_es": rec.get("phone_es") or "",
                    "website": rec["website"],
                    "email": "",
                    "address": rec["address"],
                    "hours": "",
                    "languages": rec["languages"],
                    "languages_es": rec.get("languages_es") or "",
                    "eligibility": "",
                    "serves_undocumented": int(rec.get("serves_undocumented") or 0),
                    "cost": rec["cost"],
                    "categories": rec["category"],
                    "featured_for": rec.get("featured_for") or "",
                    "verified": int(official),
                    "last_verified_at": now if official else None,
                    "verified_by": SEED_VERIFIER if official else None,
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
