"""The import and export pages: upload, preview, apply, and a preview that cannot be swapped."""

import io
import zipfile

from staff_pages import account, csrf_from, db, set_language, staff_client  # noqa: F401
from test_import_export import new_row, rows_of, to_csv

from bot.directory import import_export, listing_edits


def upload(client, content: bytes, filename="directory.csv"):
    page = client.get("/admin/import").get_data(as_text=True)
    return client.post("/admin/import", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data")  # fmt: skip


def apply(client, page_html: str):
    return client.post("/admin/import/apply", data={"csrf_token": csrf_from(page_html)})


def test_preview_then_apply(staff_client, db):  # noqa: F811
    rows = rows_of(staff_client.get("/admin/export.csv").data)
    rows[21]["phone"] = "911; non-emergency (520) 791-4446"
    rows[21]["phone_es"] = "911; no emergencias (520) 791-4446"
    rows.append(new_row(7))
    preview = upload(staff_client, to_csv(rows))
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "New listings: 1" in text and "Changed listings: 1" in text
    assert "Unchanged listings: 38" in text and "(520) 791-4446" in text
    assert listing_edits.get(db, 22)["phone"].endswith("791-4444")  # not yet
    done = apply(staff_client, text)
    assert done.status_code == 303
    assert listing_edits.get(db, 22)["phone"].endswith("791-4446")
    assert db["listings"].count == 40
    assert {r["action"] for r in db.query("select action from audit_log")} == {
        "import_create", "import_update"}  # fmt: skip
    assert apply(staff_client, text).status_code == 303  # a second apply finds no ticket
    assert db["listings"].count == 40


def test_bad_row_writes_nothing_and_is_listed_then_fixed(staff_client, db):  # noqa: F811
    rows = rows_of(staff_client.get("/admin/export.csv").data)
    rows[21]["phone"] = "911; non-emergency (520) 791-4446"
    rows[21]["phone_es"] = "911; no emergencias (520) 791-4446"
    rows[9]["website"] = "literacyconnects.org"
    resp = upload(staff_client, to_csv(rows))
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Nothing was imported" in text
    assert "<td>11</td><td>Literacy Connects</td>" in text and "https://" in text
    assert "Apply these changes" not in text
    assert apply(staff_client, text).status_code == 303  # nothing to apply
    assert listing_edits.get(db, 22)["phone"].endswith("791-4444")
    assert db["audit_log"].count == 0
    rows[9]["website"] = "https://literacyconnects.org"
    text = upload(staff_client, to_csv(rows)).get_data(as_text=True)
    apply(staff_client, text)
    assert listing_edits.get(db, 22)["phone"].endswith("791-4446")


def test_errors_in_spanish(staff_client, db):  # noqa: F811
    set_language(staff_client, "es")
    content = to_csv([new_row(1, phone="(520) 79")]).decode("utf-8-sig").encode("cp1252")
    text = upload(staff_client, content).get_data(as_text=True)
    assert "UTF-8" in text and "No se importó nada" in text


def test_swapped_upload_is_not_applied(staff_client, db):  # noqa: F811
    rows = rows_of(staff_client.get("/admin/export.csv").data)
    rows[21]["phone"] = "911; (520) 791-4447"
    rows[21]["phone_es"] = "911; no emergencias (520) 791-4447"
    text = upload(staff_client, to_csv(rows)).get_data(as_text=True)
    # Someone with database access swaps the waiting file for another one.
    rows[21]["phone"] = "911; (520) 791-6666"
    db.execute("update pending_imports set content = ?", [to_csv(rows)])
    resp = apply(staff_client, text)
    assert resp.status_code == 303 and resp.location.endswith("/admin/import")
    assert listing_edits.get(db, 22)["phone"].endswith("791-4444")


def test_directory_changed_between_preview_and_apply(staff_client, db):  # noqa: F811
    rows = rows_of(staff_client.get("/admin/export.csv").data)
    rows[0]["hours"] = "9-5"
    text = upload(staff_client, to_csv(rows)).get_data(as_text=True)
    current = listing_edits.get(db, 3)
    listing_edits.update(db, 3, {**current, "hours": "late edit"}, listing_edits.Actor("cli:x"))
    resp = apply(staff_client, text)
    assert resp.status_code == 409 and "changed after your preview" in resp.get_data(as_text=True)
    assert listing_edits.get(db, 1)["hours"] in ("", None)
    again = apply(staff_client, resp.get_data(as_text=True))  # the new preview can be applied
    assert again.status_code == 303 and listing_edits.get(db, 1)["hours"] == "9-5"


def test_no_file_and_too_large_file(staff_client, app):  # noqa: F811
    page = staff_client.get("/admin/import").get_data(as_text=True)
    resp = staff_client.post("/admin/import", data={"csrf_token": csrf_from(page)})
    assert resp.status_code == 422 and "Choose a CSV file" in resp.get_data(as_text=True)
    app.config["IMPORT_MAX_BYTES"] = 50_000
    resp = upload(staff_client, b"id,name\r\n" + b"x" * 60_000)
    assert resp.status_code == 413 and "too large" in resp.get_data(as_text=True)


def test_large_upload_beyond_the_api_body_limit_is_accepted(staff_client, db, app):  # noqa: F811
    rows = [new_row(n) for n in range(300)]
    content = to_csv(rows)
    assert len(content) > app.config["MAX_CONTENT_LENGTH"]
    assert "New listings: 300" in upload(staff_client, content).get_data(as_text=True)


def test_exports(staff_client, db):  # noqa: F811
    resp = staff_client.get("/admin/export.csv")
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    assert resp.data == import_export.export_csv(db)
    resp = staff_client.get("/admin/export-hsds.zip")
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    assert sorted(names) == ["languages.csv", "organizations.csv", "phones.csv", "services.csv"]
