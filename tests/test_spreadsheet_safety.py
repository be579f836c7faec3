"""Every CSV the service writes is safe to open in a spreadsheet (OWASP "CSV Injection"),
the listings import takes the escape off again, and a phone must be a phone."""

import csv
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from staff_pages import account, csrf_from, db, staff_client  # noqa: F401 (fixtures)
from test_admin_import import apply, upload
from test_import_export import new_row, to_csv

from bot.directory import import_export, listing_edits, spreadsheet
from bot.directory.listing_edits import Actor
from bot.directory.validation import clean_listing
from bot.insight import counts

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"911\")", "+1+1", "-2+3", "@SUM(A1)",
            "\tx", "\rx", "'=already quoted", "''", "'plain"]  # fmt: skip
STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def ctx(app):
    with app.test_request_context("/admin"):
        yield


def cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")) for c in row]


def unsafe(text: str) -> list[str]:
    return [c for c in cells(text) if c.startswith(STARTS)]


@settings(derandomize=True, max_examples=300)
@given(st.text(max_size=12))
def test_escape_then_unescape_is_exact(value):
    escaped = spreadsheet.escape(value)
    assert spreadsheet.unescape(escaped) == value
    assert not escaped.startswith(STARTS)


def test_listings_export_is_neutralised_and_reads_back_exactly(staff_client, db):  # noqa: F811
    # Values no page accepts today but a database may hold (an older release, a
    # hand-run UPDATE): the export must still be safe, and each cell read back exact.
    for n, value in enumerate(FORMULAS, start=1):
        db["listings"].update(n, {"description": value})
    db.conn.commit()
    text = staff_client.get("/admin/export.csv").get_data(as_text=True)
    assert not unsafe(text)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    for n, value in enumerate(FORMULAS, start=1):
        assert spreadsheet.unescape(rows[n - 1]["description"]) == value


def test_values_that_need_the_escape_import_back_unchanged(staff_client, db):  # noqa: F811
    # What the rules accept yet a spreadsheet would misread: a phone with a country
    # code, and text that itself starts with a quote.
    db["listings"].update(20, {"phone": "+1 800 799 7233", "phone_es": "+1 800 799 7233",
                               "description": "'=quoted on purpose", "hours": "''",
                               "address": "'plain"})  # fmt: skip
    db.conn.commit()
    exported = staff_client.get("/admin/export.csv")
    text = exported.get_data(as_text=True)
    assert not unsafe(text) and "'+1 800 799 7233" in text and "''=quoted on purpose" in text
    plan = import_export.plan(db, exported.data)
    assert plan.ok and not plan.of("changed") and not plan.of("new"), plan.row_errors
    resp = upload(staff_client, exported.data)
    assert resp.status_code == 200 and "Changed listings: 0" in resp.get_data(as_text=True)
    row = listing_edits.get(db, 20)
    assert (row["phone"], row["description"], row["hours"], row["address"]) == (
        "+1 800 799 7233", "'=quoted on purpose", "''", "'plain")  # fmt: skip


def test_hsds_zip_csvs_are_neutralised(staff_client, db):  # noqa: F811
    db["listings"].update(1, {"name": "=cmd|' /C calc'!A0", "description": "@SUM(1)",
                              "phone": "+1 520 555 0100", "languages": "-English"})  # fmt: skip
    db.conn.commit()
    resp = staff_client.get("/admin/export-hsds.zip")
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    seen = []
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8")
        assert not unsafe(text), name
        seen += cells(text)
    assert "'=cmd|' /C calc'!A0" in seen and "'@SUM(1)" in seen and "'+1 520 555 0100" in seen


def test_insight_counts_csv_is_neutralised(staff_client, db, app):  # noqa: F811
    from bot.insight import weeks

    week = weeks.iso_week(weeks.today(app.config))
    with db.atomic():
        counts.record(db, week, "=1+1", "@chat", "-legal_help")
    text = staff_client.get("/admin/insight/counts.csv?weeks=1").get_data(as_text=True)
    assert not unsafe(text)
    assert {"'=1+1", "'@chat", "'-legal_help"} <= set(cells(text))


@pytest.mark.parametrize("phone", [
    "911", "(520) 791-4444", "1-800-799-7233 (SAFE); text START to 88788", "2-1-1", "988",
    "+1 520 791 4444", "911; non-emergency (520) 791-4444", "TTY 711",
])  # fmt: skip
def test_phones_with_their_labels_are_accepted(ctx, phone):
    data = {"name": "x", "description": "x", "description_es": "x", "categories": "legal",
            "phone": phone, "phone_es": phone}  # fmt: skip
    _clean, errors = clean_listing(data)
    assert "phone" not in errors, errors


@pytest.mark.parametrize("phone", [
    "+HYPERLINK(\"http://evil.example\",\"911\")", "+HYPERLINK(911)", "=911", "-911",
    "@911", "911; +SUM(1)", "Call SUM(911)", "911 +x",
])  # fmt: skip
def test_formulas_are_not_phone_numbers(ctx, phone):
    data = {"name": "x", "description": "x", "description_es": "x", "categories": "legal",
            "phone": phone}  # fmt: skip
    _clean, errors = clean_listing(data)
    assert "phone" in errors, phone


def test_a_formula_phone_is_refused_on_the_form_and_in_an_import(staff_client, db):  # noqa: F811
    page = staff_client.get("/admin/listings/new").get_data(as_text=True)
    resp = staff_client.post("/admin/listings/new", data={
        "csrf_token": csrf_from(page), "name": "Bad", "description": "d",
        "description_es": "d", "categories": "legal", "phone": "+HYPERLINK(911)",
    })  # fmt: skip
    assert resp.status_code == 422
    before = db["listings"].count
    resp = upload(staff_client, to_csv([new_row(1, phone="+HYPERLINK(911)")]))
    assert resp.status_code == 422 and "Nothing was imported" in resp.get_data(as_text=True)
    apply(staff_client, resp.get_data(as_text=True))
    assert db["listings"].count == before


def test_an_escaped_import_cell_is_read_as_the_value(ctx, db):  # noqa: F811
    row = new_row(1, phone="'+1 520 555 0100", phone_es="'+1 520 555 0100")
    import_export.apply(db, to_csv([row]), Actor("cli:test"))
    created = next(db.query("select * from listings where name = 'Imported service 1'"))
    assert created["phone"] == "+1 520 555 0100"
