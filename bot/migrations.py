"""Schema changes, in order, as registered functions (sqlite-utils Migrations).

Never edit a migration that has shipped: add a new one below it.
"""

from sqlite_utils import Migrations

migrations = Migrations("bot")


def all_sets() -> list[Migrations]:
    """Every migration set, applied in this order (channels keep their own sets)."""
    from .insight.migrations import migrations as insight  # queue, counts, learned patterns
    from .sms.migrations import migrations as sms  # the SMS channel's own set

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
    # Requests per client address per fixed window (bot/rate_limits.py). The key is an
    # HMAC of the address, never the address; rows go once their window has passed.
    db.execute(
        "create table rate_limits (key text not null, window_start integer not null, "
        "hits integer not null, primary key (key, window_start)) without rowid"
    )


@migrations()
def m009_maintenance(db):
    # When each scheduled job last ran (bot/retention.py): a request that finds the
    # purge due claims it with one UPDATE, so only one gunicorn worker runs it.
    db["maintenance"].create({"job": str, "last_run": float}, pk="job", not_null={"last_run"})
    db["maintenance"].insert({"job": "purge", "last_run": 0.0})


@migrations()
def m010_listings_version(db):
    # A number that changes with every change to the listings, whoever makes it (staff
    # pages, CSV import, the CLI, a hand-run UPDATE): triggers bump it in the writer's
    # own transaction. Each worker keeps the answers' listings in memory and reads only
    # this number per reply (bot/directory.py, ListingsCache).
    db["listings_version"].insert({"id": 1, "version": 0}, pk="id")
    for event in ("insert", "update", "delete"):
        db.execute(
            f"create trigger listings_version_{event} after {event} on listings "  # noqa: S608
            "begin update listings_version set version = version + 1 where id = 1; end"
        )


@migrations()
def m011_sign_in_failures_only(db):
    # Sign-in limits now count failures only, per account+address pair (bot/sign_in_limits.py).
    # Rows written under the old rule counted successes too: kept, an office's morning
    # sign-ins would count as its failures for one more window after the upgrade.
    db.execute("delete from sign_in_attempts")
