"""The audit log page: read-only; no route edits or deletes an entry."""

from __future__ import annotations

from flask import render_template, request

from .. import audit
from ..db import get_db
from . import bp

PAGE_SIZE = 100


@bp.get("/audit")
def audit_page():
    raw = request.args.get("listing", "")
    listing_id = int(raw) if raw.isdigit() else None
    page = int(request.args["page"]) if request.args.get("page", "").isdigit() else 1
    page = max(page, 1)
    db = get_db()
    total = audit.count(db, listing_id)
    entries = audit.entries(db, listing_id=listing_id, limit=PAGE_SIZE,
                            offset=(page - 1) * PAGE_SIZE)  # fmt: skip
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("admin/audit.html", entries=entries, listing_id=listing_id,
                           page=page, pages=pages, total=total)  # fmt: skip
