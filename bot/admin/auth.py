"""Sign-in and sign-out for staff; accounts are made with `flask staff-create`."""

from __future__ import annotations

import time

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from .. import staff
from ..db import get_db
from ..rate_limits import client_address
from ..sign_in_limits import Limits
from . import bp, safe_next

__all__ = ["client_address"]  # kept importable from here; it lives in rate_limits


def _limits() -> Limits:
    # The same HMAC key as phone numbers and chat addresses: SECRET_KEY signs
    # sessions and may be rotated for that reason alone.
    cfg = current_app.config
    return Limits(cfg["SENDER_HASH_KEY"], cfg["SIGN_IN_WINDOW_SECONDS"],
                  cfg["SIGN_IN_MAX_PER_ACCOUNT"], cfg["SIGN_IN_MAX_PER_ADDRESS"])  # fmt: skip


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if request.method == "GET":
        if g.staff is not None:
            return redirect(safe_next(request.args.get("next")))
        return render_template("admin/sign_in.html", email="", next=request.args.get("next", ""))
    email = staff.normalize_email(request.form.get("email", ""))
    password = request.form.get("password", "")
    next_url = request.form.get("next", "")
    db = get_db()
    error, status, headers = None, 200, {}
    if not email or not password:
        error, status = _("Write your email and password."), 422
    elif not _limits().allow(db, email, client_address()):
        minutes = max(1, current_app.config["SIGN_IN_WINDOW_SECONDS"] // 60)
        error, status = (
            _(
                "Too many sign-in attempts. Wait %(minutes)d minutes and try again.",
                minutes=minutes,
            ),
            429,
        )
        # Every refused attempt is counted too, so only a quiet window clears it.
        headers["Retry-After"] = str(current_app.config["SIGN_IN_WINDOW_SECONDS"])
    else:
        account = staff.authenticate(db, email, password)
        if account is None:
            error, status = _("That email and password do not match an active account."), 401
        else:
            _limits().succeeded(db, email)
            lang = session.get("admin_lang")
            session.clear()  # nothing from before sign-in survives into the staff session
            session.permanent = True
            session.update(staff_id=account["id"], nonce=account["session_nonce"],
                           since=int(time.time()))  # fmt: skip
            if lang:
                session["admin_lang"] = lang
            return redirect(safe_next(next_url), 303)
    page = render_template("admin/sign_in.html", email=email, next=next_url, error=error)
    return page, status, headers


@bp.post("/sign-out")
def sign_out():
    """End every session of this account, not just this browser's: a copy of the cookie
    (another device, or one taken from this one) stops working too."""
    staff.end_sessions(get_db(), g.staff["id"])
    lang = session.get("admin_lang")
    session.clear()
    if lang:
        session["admin_lang"] = lang
    return redirect(url_for("admin.sign_in"), 303)
