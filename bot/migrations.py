"""Schema changes, in order, as registered functions (sqlite-utils Migrations).

Never edit a migration that has shipped: add a new one below it.
"""

from sqlite_utils import Migrations

migrations = Migrations("bot")


def all_sets() -> list[Migrations]:
    """Every migration set, applied in this order (channels keep their own sets)."""
    return [migrations]


@migrations()
def m001_listings(db):
    # Open Referral HSDS names where HSDS has the field; the rest is what HSDS lacks.
    db["listings"].create(
        {
            "id": int,
            "organization": str,
            "name": str,
            "name_es": str,
            "description": str,
            "description_es": str,
            "status": str,  # active | inactive | temporarily_closed
            "phone": str,
            "website": str,
            "email": str,
            "address": str,
            "hours": str,
            "languages": str,
            "eligibility": str,
            "cost": str,
            "categories": str,  # space-separated category ids
            "verified": int,
            "last_verified_at": str,
            "verified_by": str,
            "source": str,
            "source_date": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name", "status", "categories"},
        defaults={"status": "active", "verified": 0},
    )
