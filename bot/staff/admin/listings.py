"""The directory pages: list and search, create, edit, mark verified, retire."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...directory import listing_edits
from ...directory import listings as directory
from ...directory.validation import EDITABLE, LISTING_CATEGORIES, STATUSES, clean_listing
from ...platform import audit
from ...platform.bounds import MAX_PAGE, query_int
from ...platform.db import get_db
from . import actor, bp, known_intents, topics

PAGE_SIZE = 50


def _page() -> int:
    return max(1, query_int("page", MAX_PAGE) or 1)


@bp.get("/listings")
def listings():
    category = request.args.get("category", "")
    status = request.args.get("status", "")
    staleness = request.args.get("staleness", "")
    filters = {
        "q": request.args.get("q", "").strip()[:200],
        "category": category if category in LISTING_CATEGORIES else "",
        "status": status if status in STATUSES else "",
        "staleness": staleness if staleness in directory.STALENESS else "",
    }
    page = _page()
    days = current_app.config["STALE_AFTER_DAYS"]
    rows, total = directory.search(get_db(), **filters, stale_after_days=days,
                                   limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)  # fmt: skip
    for row in rows:
        row["check"] = directory.needs_check(row, days)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("admin/listings.html", rows=rows, total=total, page=page,
                           pages=pages, filters=filters, stale_days=days)  # fmt: skip


def _form_data() -> dict:
    data = {name: request.form.get(name, "") for name in EDITABLE}
    data["categories"] = " ".join(request.form.getlist("categories"))
    data["featured_for"] = " ".join(request.form.getlist("featured_for"))
    return data


def _render_form(listing: dict | None, values: dict, errors: dict, status: int = 200, **extra):
    days = current_app.config["STALE_AFTER_DAYS"]
    check = directory.needs_check(listing, days) if listing else None
    history = audit.entries(get_db(), listing_id=listing["id"], limit=10) if listing else []
    return render_template(
        "admin/listing_form.html", listing=listing, values=values, errors=errors,
        topics=topics(), check=check, stale_days=days, history=history, **extra,
    ), status  # fmt: skip


def _load(listing_id: int) -> dict:
    try:
        return listing_edits.get(get_db(), listing_id)
    except listing_edits.NotFound:
        abort(404)


@bp.route("/listings/new", methods=["GET", "POST"])
def create():
    if request.method == "GET":
        return _render_form(None, {"status": "active"}, {})
    data = _form_data()
    clean, errors = clean_listing(data, known_intents())
    if errors:
        return _render_form(None, data, errors, 422, confirmed=bool(request.form.get("confirmed")))
    listing_id = listing_edits.create(get_db(), clean, actor(),
                                      confirmed=bool(request.form.get("confirmed")))  # fmt: skip
    flash(_("Listing added."), "ok")
    return redirect(url_for("admin.edit", listing_id=listing_id), 303)


@bp.route("/listings/<int:listing_id>", methods=["GET", "POST"])
def edit(listing_id: int):
    listing = _load(listing_id)
    base = listing_edits.fingerprint(listing)
    if request.method == "GET":
        return _render_form(listing, listing, {}, base=base)
    data = _form_data()
    confirmed = bool(request.form.get("confirmed"))
    clean, errors = clean_listing(data, known_intents())
    if errors:
        return _render_form(listing, data, errors, 422, base=request.form.get("base", base),
                            confirmed=confirmed)  # fmt: skip
    try:
        changed = listing_edits.update(get_db(), listing_id, clean, actor(), confirmed=confirmed,
                                       base=request.form.get("base"))  # fmt: skip
    except listing_edits.Conflict:
        flash(_("Someone else changed this listing while you were editing. Their version is "
                "saved; your changes are below, not saved: check both and save again."),
              "error")  # fmt: skip
        listing = _load(listing_id)
        return _render_form(listing, data, {}, 409, base=listing_edits.fingerprint(listing),
                            confirmed=confirmed)  # fmt: skip
    flash(_("Saved.") if changed else _("Nothing changed."), "ok")
    return redirect(url_for("admin.edit", listing_id=listing_id), 303)


@bp.post("/listings/<int:listing_id>/verify")
def verify(listing_id: int):
    _load(listing_id)
    listing_edits.verify(get_db(), listing_id, actor())
    flash(_("Marked as verified today."), "ok")
    return redirect(url_for("admin.edit", listing_id=listing_id), 303)


@bp.post("/listings/<int:listing_id>/retire")
def retire(listing_id: int):
    _load(listing_id)
    if listing_edits.retire(get_db(), listing_id, actor()):
        flash(_("Retired: the bot no longer shows this listing. Its history is kept."), "ok")
    else:
        flash(_("This listing was already retired."), "ok")
    return redirect(url_for("admin.edit", listing_id=listing_id), 303)
