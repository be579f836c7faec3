"""Sign-in and sign-out for staff; accounts are made with `flask staff-create`."""

from __future__ import annotations

import math
import time

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ...platform.db import get_db
from ...platform.rate_limits import client_address
from .. import accounts as staff
from .. import sign_in_limits
from ..sign_in_limits import Limits
from . import bp, safe_next

__all__ = ["client_address"]  # kept importable from here; it lives in rate_limits


@bp.context_processor
def sign_in_labels():
    """How the audit log names the entry bot/staff/sign_in_limits.py writes (_audit_table.html)."""
    return {
        "sign_in_actions": {"sign_in_failures": _("Many failed sign-ins")},
        "sign_in_fields": {"account": _("Account"),
                           "failed_sign_ins": _("Failed sign-ins in the last %(minutes)d minutes",
                               minutes=current_app.config["SIGN_IN_WINDOW_SECONDS"] // 60)},
    }  # fmt: skip


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
    limits, address = Limits.from_config(current_app.config), client_address()
    error, status, headers = None, 200, {}
    if not email or not password:
        error, status = _("Write your email and password."), 422
    elif not (attempt := limits.begin(db, email, address)).allowed:
        # Only this address's own failures refuse it (docs/operations.md).
        minutes = max(1, math.ceil(attempt.retry_after / 60))
        error, status = (
            _(
                "Too many sign-in attempts. Wait %(minutes)d minutes and try again.",
                minutes=minutes,
            ),
            429,
        )
        headers["Retry-After"] = str(attempt.retry_after)
    else:
        # The account failed often, from anywhere: slowed, not refused.
        sign_in_limits.wait(attempt.delay)
        account = staff.authenticate(db, email, password)
        if account is None:
            error, status = _("That email and password do not match an active account."), 401
            known = staff.find(db, email)
            failures = limits.failed(db, email, known["id"] if known else None)
            if failures == limits.alert_after:
                current_app.logger.warning(
                    "sign-in: %d failures for one account in %d s (staff id %s)",
                    failures, limits.window, known["id"] if known else "none",
                )  # fmt: skip
        else:
            limits.succeeded(db, attempt, email, address)
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
