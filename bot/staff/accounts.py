"""Staff accounts: made only from the command line, passwords hashed with Argon2id.

There is no default account and no sign-up page: a person with shell access to the
server decides who can change the directory. The account's session nonce is a
generation number for its sessions: each signed-in cookie carries the nonce it was
issued under, checked against this table at every request. Signing out, disabling
the account or changing its password rotates it, which ends every open session of
the account at once, copies of the cookie included.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email

from ..platform.audit import now_iso

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # Argon2 hashes anything, but a megabyte "password" is a DoS.

_hasher = PasswordHasher()  # Argon2id, argon2-cffi's RFC 9106 low-memory profile
# Verified when the account does not exist, so a wrong email takes as long as a
# wrong password and the timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class StaffError(ValueError):
    """A refusal the command line shows as it is (never raised by the pages)."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters.")


def find(db, email: str) -> dict | None:
    rows = list(db.query("select * from staff where email = ?", [normalize_email(email)]))
    return rows[0] if rows else None


def by_id(db, staff_id) -> dict | None:
    rows = list(db.query("select * from staff where id = ?", [staff_id]))
    return rows[0] if rows else None


def create(db, email: str, password: str) -> dict:
    email = normalize_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise StaffError(f"Not an email address: {email!r} ({exc}).") from None
    if find(db, email):
        raise StaffError(f"An account for {email} already exists.")
    check_password_rules(password)
    with db.atomic():
        db["staff"].insert(
            {
                "email": email,
                "password_hash": _hasher.hash(password),
                "active": 1,
                "session_nonce": secrets.token_urlsafe(16),
                "created_at": now_iso(),
            }
        )
    return find(db, email)


def _require(db, email: str) -> dict:
    account = find(db, email)
    if account is None:
        raise StaffError(f"No account for {normalize_email(email)}.")
    return account


def end_sessions(db, staff_id: int) -> None:
    """Sign the account out everywhere: every cookie issued before now stops working."""
    db["staff"].update(staff_id, {"session_nonce": secrets.token_urlsafe(16)})


def set_active(db, email: str, active: bool) -> None:
    account = _require(db, email)
    db["staff"].update(
        account["id"],
        {
            "active": int(active),
            "disabled_at": None if active else now_iso(),
            "session_nonce": secrets.token_urlsafe(16),
        },
    )


def set_password(db, email: str, password: str) -> None:
    account = _require(db, email)
    check_password_rules(password)
    db["staff"].update(
        account["id"],
        {"password_hash": _hasher.hash(password), "session_nonce": secrets.token_urlsafe(16)},
    )


def authenticate(db, email: str, password: str) -> dict | None:
    """The active account these credentials open, or None (same time either way)."""
    account = find(db, email)
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    try:
        _hasher.verify(account["password_hash"] if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not account["active"]:
        return None
    changes = {"last_sign_in_at": now_iso()}
    if _hasher.check_needs_rehash(account["password_hash"]):
        changes["password_hash"] = _hasher.hash(password)
    db["staff"].update(account["id"], changes)
    return account
