"""Schema changes, in order, as registered functions (sqlite-utils Migrations).

Never edit a migration that has shipped: add a new one below it. Every table's
schema lives in this package, under the platform, so `flask db-upgrade` needs no
channel or staff code: this module holds the core set ("bot": listings, staff,
audit log, rate limits), sms.py the SMS channel's set, insight.py staff insight's.
A set's name, not its module, is what the database records as applied.
"""

from sqlite_utils import Migrations

migrations = Migrations("bot")


def all_sets() -> list[Migrations]:
    """Every migration set, applied in this order (one set per owner)."""
    from .insight import migrations as insight  # queue, counts, learned patterns
    from .sms import migrations as sms  # the SMS channel's own set

    return [migrations, sms, insight]


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


@migrations()
def m002_listings_search(db):
    # Residents and staff type "policia" for "Policía": fold accents in the index, and
    # let triggers keep it in step with every insert, update and delete.
    db["listings"].enable_fts(
        ["name", "name_es", "organization", "description", "description_es"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize="unicode61 remove_diacritics 2",
    )
    db["listings"].create_index(["status"])


@migrations()
def m003_listings_featured_for(db):
    # Space-separated intent ids whose answers show this listing first in its category
    # (the TPD line for report_crime, the complaints office for racial_profiling).
    db["listings"].add_column("featured_for", str, not_null_default="")


@migrations()
def m004_staff(db):
    db["staff"].create(
        {
            "id": int,
            "email": str,
            "password_hash": str,
            "active": int,
            # Rotated when the password changes or the account is disabled, which
            # ends every signed-in session of that account at its next request.
            "session_nonce": str,
            "created_at": str,
            "last_sign_in_at": str,
            "disabled_at": str,
        },
        pk="id",
        not_null={"email", "password_hash", "active", "session_nonce", "created_at"},
        defaults={"active": 1},
    )
    db["staff"].create_index(["email"], unique=True)


@migrations()
def m005_sign_in_attempts(db):
    # Keys are keyed hashes of the account and the client address: the table limits
    # guessing across workers without keeping a list of who tried to sign in from where.
    db["sign_in_attempts"].create(
        {"id": int, "key": str, "at": float}, pk="id", not_null={"key", "at"}
    )
    db["sign_in_attempts"].create_index(["key", "at"])


@migrations()
def m006_audit_log(db):
    db["audit_log"].create(
        {
            "id": int,
            "at": str,
            "actor": str,  # the staff email, or "cli:<user>" for a command-line change
            "staff_id": int,
            "listing_id": int,
            "action": str,
            "before": str,  # JSON: the changed fields' old values
            "after": str,  # JSON: the same fields' new values
        },
        pk="id",
        not_null={"at", "actor", "action", "before", "after"},
    )
    db["audit_log"].create_index(["listing_id"])
    # Append-only in the database itself, not just in the pages.
    db.execute(
        "create trigger audit_log_no_update before update on audit_log "
        "begin select raise(abort, 'audit_log is append-only'); end"
    )
    db.execute(
        "create trigger audit_log_no_delete before delete on audit_log "
        "begin select raise(abort, 'audit_log is append-only'); end"
    )


@migrations()
def m007_pending_imports(db):
    # An uploaded CSV waits here between its preview and "apply", so every gunicorn
    # worker can apply it; the signed session holds its id and SHA-256.
    db["pending_imports"].create(
        {
            "id": int,
            "staff_id": int,
            "sha256": str,
            "filename": str,
            "content": bytes,
            "created_at": float,
        },
        pk="id",
        not_null={"staff_id", "sha256", "content", "created_at"},
    )


@migrations()
def m008_rate_limits(db):
    # Requests per client address per fixed window (bot/platform/rate_limits.py). The key is an
    # HMAC of the address, never the address; rows go once their window has passed.
    db.execute(
        "create table rate_limits (key text not null, window_start integer not null, "
        "hits integer not null, primary key (key, window_start)) without rowid"
    )


@migrations()
def m009_maintenance(db):
    # When each scheduled job last ran (bot/platform/retention.py): a request that finds the
    # purge due claims it with one UPDATE, so only one gunicorn worker runs it.
    db["maintenance"].create({"job": str, "last_run": float}, pk="job", not_null={"last_run"})
    db["maintenance"].insert({"job": "purge", "last_run": 0.0})


@migrations()
def m010_listings_version(db):
    # A number that changes with every change to the listings, whoever makes it (staff
    # pages, CSV import, the CLI, a hand-run UPDATE): triggers bump it in the writer's
    # own transaction. Each worker keeps the answers' listings in memory and reads only
    # this number per reply (bot/directory/listings.py, ListingsCache).
    db["listings_version"].insert({"id": 1, "version": 0}, pk="id")
    for event in ("insert", "update", "delete"):
        db.execute(
            f"create trigger listings_version_{event} after {event} on listings "  # noqa: S608
            "begin update listings_version set version = version + 1 where id = 1; end"
        )


@migrations()
def m011_sign_in_failures_only(db):
    # Sign-in limits now count failures only, per account+address pair
    # (bot/staff/sign_in_limits.py).
    # Rows written under the old rule counted successes too: kept, an office's morning
    # sign-ins would count as its failures for one more window after the upgrade.
    db.execute("delete from sign_in_attempts")


@migrations()
def m015_listings_spanish_contact_and_undocumented(db):
    # A phone's labels and the languages served, as a Spanish-speaking resident reads
    # them ("911; no emergencias (520) 791-4444"): empty means the same as the English
    # field, which only a field with no words in it may be (bot/directory/validation.py).
    db["listings"].add_column("phone_es", str, not_null_default="")
    db["listings"].add_column("languages_es", str, not_null_default="")
    # 1 when a source says the service helps people whatever their immigration
    # status (living in the community, not only in detention). Answers for an
    # undocumented resident list these first (bot/directory/listings.py).
    db["listings"].add_column("serves_undocumented", int, not_null_default=0)


@migrations()
def m016_listings_issue16_fixes(db):
    # Databases seeded before issue 16 get what the new seed has (data in
    # resources/listing_fixes/m016.json, frozen with this migration): Spanish phone
    # labels and languages, who serves undocumented residents, the corrected
    # "show first" topics and categories, descriptions held to the statements, and
    # the 911 and Poison Control listings. A field staff have changed since the seed
    # is left as they wrote it; every change is in the audit log, by "migration:m016".
    # An empty directory is left empty: the seed fills it after the migrations.
    if not db["listings"].count:
        return
    apply_listing_fixes(db, "m016")


def apply_listing_fixes(db, name: str) -> None:
    """Apply resources/listing_fixes/<name>.json to a seeded directory (data migrations
    share this; change it only in ways that keep what earlier ones did)."""
    import json
    from datetime import UTC, datetime

    from .. import audit
    from ..config import ROOT
    from ..seed import SEED_VERIFIER

    data = json.loads((ROOT / "resources" / "listing_fixes" / f"{name}.json").read_text("utf-8"))
    at = datetime.now(UTC).isoformat(timespec="seconds")
    actor = f"migration:{name}"
    seeded = 0
    for fix in data["fixes"]:
        rows = list(db.query("select * from listings where name = ? order by id", [fix["name"]]))
        if not rows:
            continue  # renamed or never seeded: staff see it in the directory check
        seeded += 1
        row = rows[0]
        changes = {}
        # A field still as the old seed wrote it takes the corrected text.
        for field, key in (("description", "description"), ("description_es", "description_es"),
                           ("name_es", "name_es"), ("source", "source"), ("phone", "set_phone")):
            if key in fix and (row[field] or "") == fix[key]["from"]:
                changes[field] = fix[key]["to"]
        same_phone = changes.get("phone", row["phone"] or "") == fix["phone"]
        if "phone_es" in fix and same_phone and not row["phone_es"]:
            changes["phone_es"] = fix["phone_es"]
        if "languages_es" in fix and (row["languages"] or "") == fix["languages"] and not (
            row["languages_es"]
        ):
            changes["languages_es"] = fix["languages_es"]
        if fix.get("serves_undocumented") and not row["serves_undocumented"]:
            changes["serves_undocumented"] = 1
        for field, key in (("categories", "add_categories"), ("featured_for", "add_featured_for")):
            words = (row[field] or "").split()
            added = [w for w in fix.get(key, []) if w not in words]
            if added:
                changes[field] = " ".join(words + added)
        if fix.get("verify") and same_phone and not row["verified"]:
            changes.update(verified=1, last_verified_at=at, verified_by=SEED_VERIFIER)
        if not changes:
            continue
        before = {k: row[k] for k in changes}
        db["listings"].update(row["id"], {**changes, "updated_at": at})
        audit.record(db, actor=actor, staff_id=None, listing_id=row["id"], action="update",
                     before=before, after=changes, at=at)  # fmt: skip
    if not seeded:
        return  # not a directory seeded from resources/listings.csv: not ours to add to
    for new in data["new"]:
        if db.execute("select 1 from listings where name = ?", [new["name"]]).fetchone():
            continue
        official = new.pop("verified", False)
        row = {
            **{k: "" for k in ("email", "hours", "eligibility")},
            **new,
            "status": "active",
            "verified": int(official),
            "last_verified_at": at if official else None,
            "verified_by": SEED_VERIFIER if official else None,
            "created_at": at,
            "updated_at": at,
        }
        listing_id = db["listings"].insert(row).last_pk
        after = {k: v for k, v in row.items() if v not in ("", None)}
        audit.record(db, actor=actor, staff_id=None, listing_id=listing_id, action="create",
                     before={}, after=after, at=at)  # fmt: skip
