"""CSV import (preview, then apply) and the two exports.

Between the preview and "apply" the upload waits in SQLite (any worker can apply
it) and the signed session keeps its id, its SHA-256 and the digest of the previewed
plan. Apply re-reads the file, checks the hash, re-validates every row and
re-plans under the write lock: a swapped file, or a directory that changed
meanwhile, is shown again as a new preview instead of being written.
"""

from __future__ import annotations

import hashlib
import time
from datetime import date

from flask import Response, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ...directory import hsds, import_export
from ...platform.db import get_db
from . import actor, bp, known_intents

PENDING_MAX_AGE = 24 * 3600


def _preview(plan, status: int = 200, notice: str | None = None):
    return render_template("admin/import.html", plan=plan, notice=notice), status


@bp.get("/import")
def import_form():
    return render_template("admin/import.html", plan=None, notice=None)


@bp.post("/import")
def import_preview():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("admin/import.html", plan=None, notice=None,
                               file_error=_("Choose a CSV file to import.")), 422  # fmt: skip
    content = upload.read()
    db = get_db()
    plan = import_export.plan(db, content, known_intents())
    if not plan.ok:
        session.pop("import", None)
        return _preview(plan, 422)
    digest = hashlib.sha256(content).hexdigest()
    with db.atomic():
        db.execute("delete from pending_imports where created_at < ?",
                   [time.time() - PENDING_MAX_AGE])  # fmt: skip
        pending_id = db["pending_imports"].insert({
            "staff_id": g.staff["id"], "sha256": digest, "filename": upload.filename[:200],
            "content": content, "created_at": time.time(),
        }).last_pk  # fmt: skip
    session["import"] = {"id": pending_id, "sha256": digest, "plan": plan.digest()}
    return _preview(plan)


@bp.post("/import/apply")
def import_apply():
    ticket = session.get("import")
    db = get_db()
    rows = []
    if isinstance(ticket, dict):
        rows = list(db.query(
            "select * from pending_imports where id = ? and staff_id = ?",
            [ticket.get("id"), g.staff["id"]],
        ))  # fmt: skip
    if not rows or hashlib.sha256(rows[0]["content"]).hexdigest() != ticket.get("sha256"):
        session.pop("import", None)
        flash(_("There is no previewed file to import. Choose the file again."), "error")
        return redirect(url_for("admin.import_form"), 303)
    content = rows[0]["content"]
    try:
        plan = import_export.apply(db, content, actor(), expected_digest=ticket.get("plan"),
                                   known_intents=known_intents())  # fmt: skip
    except import_export.Stale as stale:
        if stale.fresh.ok:
            session["import"] = {**ticket, "plan": stale.fresh.digest()}
        else:
            session.pop("import", None)
        return _preview(stale.fresh, 409, _(
            "The directory changed after your preview, so nothing was imported. This is "
            "the preview again: check it and apply once more."
        ))  # fmt: skip
    with db.atomic():
        db.execute("delete from pending_imports where id = ?", [rows[0]["id"]])
    session.pop("import", None)
    flash(_("Imported: %(new)d new, %(changed)d changed, %(unchanged)d unchanged.",
            new=len(plan.of("new")), changed=len(plan.of("changed")),
            unchanged=len(plan.of("unchanged"))), "ok")  # fmt: skip
    return redirect(url_for("admin.listings"), 303)


@bp.get("/export.csv")
def export_csv():
    name = f"directory-{date.today().isoformat()}.csv"
    return Response(import_export.export_csv(get_db()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@bp.get("/export-hsds.zip")
def export_hsds():
    name = f"directory-hsds-{date.today().isoformat()}.zip"
    return Response(hsds.export_zip(get_db()), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
