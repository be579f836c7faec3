"""Staff pages at /admin: sign-in, the directory, its CSV import/export and audit log.

Every page except sign-in and the language switch needs a signed-in, active staff
account; every form carries a CSRF token (Flask-WTF, checked here for this
blueprint only: the JSON API and the SMS webhook carry no cookies to ride on).
"""

from __future__ import annotations

import time
import unicodedata
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.urls import iri_to_uri

from ... import services
from ...directory.listing_edits import Actor
from ...directory.validation import category_labels, labels, status_labels
from ...platform.db import get_db
from ...platform.i18n import best_request_language
from .. import accounts as staff

bp = Blueprint("admin", __name__, url_prefix="/admin")
csrf = CSRFProtect()

OPEN_ENDPOINTS = {"admin.sign_in", "admin.language"}
# Flask reads a request body only up to this; the CSV upload gets a larger allowance.
LARGE_BODY_ENDPOINTS = {"admin.import_preview"}


def signed_in_staff() -> dict | None:
    """The session's account, if it is still active, its session nonce still current
    (no sign-out, disabling or password change since), and it signed in less than
    STAFF_SESSION_MAX_SECONDS ago. The idle limit is Flask's own: a cookie not renewed
    within PERMANENT_SESSION_LIFETIME fails its signature's age check and is empty."""
    staff_id = session.get("staff_id")
    if staff_id is None:
        return None
    since = session.get("since")
    age = time.time() - since if isinstance(since, int | float) else None
    fresh = age is not None and -60 <= age <= current_app.config["STAFF_SESSION_MAX_SECONDS"]
    account = staff.by_id(get_db(), staff_id) if fresh and isinstance(staff_id, int) else None
    if not account or not account["active"] or account["session_nonce"] != session.get("nonce"):
        session.clear()
        return None
    return account


def actor() -> Actor:
    return Actor(g.staff["email"], g.staff["id"])


def safe_next(target: str | None) -> str:
    """Only a path inside /admin: a crafted ?next= must not send staff to another site.

    Nor carry a control character, white space or a backslash: a line break in a
    Location header was a 500 (werkzeug refuses it), and browsers read "\\" as "/".
    """
    if target and len(target) <= 2000 and not any(
        c.isspace() or c == "\\" or unicodedata.category(c)[0] == "C" for c in target
    ):
        parts = urlsplit(target)
        inside = parts.path == "/admin" or parts.path.startswith("/admin/")
        if not parts.scheme and not parts.netloc and inside:
            return iri_to_uri(target)
    return url_for("admin.listings")


def topics() -> dict[str, str]:
    """Intent ids a listing can be shown first for, with their labels in the staff language."""
    if not services.ready():
        return {}
    knowledge = services.engine().knowledge
    return {
        intent_id: intent.text(g.lang, "label") or intent_id
        for intent_id, intent in knowledge.intents.items()
        if intent.categories
    }


def known_intents():
    return list(services.engine().knowledge.intents) if services.ready() else None


@bp.before_request
def guard():
    languages = current_app.config["LANGUAGES"]
    g.lang = (
        session.get("admin_lang")
        if session.get("admin_lang") in languages
        else best_request_language(languages) or current_app.config["DEFAULT_LANGUAGE"]
    )
    g.staff = signed_in_staff()
    if g.staff is None and request.endpoint not in OPEN_ENDPOINTS:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("admin.sign_in", next=request.full_path.rstrip("?")))
        return redirect(url_for("admin.sign_in"), 303)
    if request.endpoint in LARGE_BODY_ENDPOINTS:
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
    csrf.protect()
    return None


@bp.context_processor
def label_functions():
    """Labels are functions, called while rendering, so they follow the staff language."""
    return {"field_labels": labels, "category_labels": category_labels,
            "status_labels": status_labels}  # fmt: skip


@bp.after_request
def headers(response):
    """The staff pages' own policy; bot/platform/security.py adds every response's headers."""
    response.headers["Cache-Control"] = "no-store"
    # Not no-referrer: over HTTPS Flask-WTF checks that a form's Referer is this site.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    return response


def _error_page(status: int, message: str):
    return render_template("admin/error.html", status=status, message=message), status


@bp.errorhandler(CSRFError)
def csrf_error(_exc):
    return _error_page(400, _(
        "This form has expired or did not come from these pages. Go back, reload the "
        "page and try again."
    ))  # fmt: skip


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    limit = current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)
    return _error_page(413, _("The file is too large: the limit is %(limit)d MB.", limit=limit))


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    messages = {
        404: _("There is nothing at this address."),
        405: _("This address does not accept that method."),
    }
    return _error_page(exc.code or 500, messages.get(exc.code, exc.name))


@bp.post("/language")
def language():
    """Switch the staff pages between English and Spanish (kept in the session)."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["admin_lang"] = lang
    return redirect(safe_next(request.form.get("next")), 303)


@bp.get("/")
def index():
    return redirect(url_for("admin.listings"))


@bp.app_template_filter("admin_when")
def when(value: str | None) -> str:
    """An ISO timestamp in the city's time zone, formatted for the staff language."""
    if not value:
        return ""
    try:
        return format_datetime(datetime.fromisoformat(value), "yyyy-MM-dd HH:mm")
    except ValueError:
        return value


def init_app(app) -> None:
    from .. import cli as staff_cli
    from .. import directory_cli
    from . import audit_log, auth, listings, transfer  # noqa: F401 (registers the views)

    for name in ("STAFF_SESSION_MAX_SECONDS", "SIGN_IN_WINDOW_SECONDS"):
        value = app.config.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a whole number of seconds from 1: {value!r}")
    csrf.init_app(app)
    app.register_blueprint(bp)
    staff_cli.init_app(app)
    directory_cli.init_app(app)
