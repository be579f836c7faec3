"""The audit log page: read-only; no route edits or deletes an entry."""

from __future__ import annotations

from flask import render_template

from ...platform import audit
from ...platform.bounds import MAX_PAGE, query_int
from ...platform.db import get_db
from . import bp

PAGE_SIZE = 100


@bp.get("/audit")
def audit_page():
    listing_id = query_int("listing")
    page = max(query_int("page", MAX_PAGE) or 1, 1)
    db = get_db()
    total = audit.count(db, listing_id)
    entries = audit.entries(db, listing_id=listing_id, limit=PAGE_SIZE,
                            offset=(page - 1) * PAGE_SIZE)  # fmt: skip
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("admin/audit.html", entries=entries, listing_id=listing_id,
                           page=page, pages=pages, total=total)  # fmt: skip
