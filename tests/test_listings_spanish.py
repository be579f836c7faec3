"""Listings in the resident's language: Spanish phone labels and languages, kept apart
from the English ones, carried by the form, the CSV and HSDS; emergency numbers never
marked unverified."""

import csv
import io
import re
import zipfile

import pytest
from staff_pages import account, csrf_from, db, staff_client  # noqa: F401 (fixtures)
from test_admin_listings import edit
from test_import_export import rows_of, to_csv

from bot.directory import hsds, import_export, listing_edits
from bot.directory import listings as directory
from bot.directory.listing_edits import Actor
from bot.directory.validation import clean_listing, offers_emergency_number

CLI = Actor("cli:test")
# English words that the seed's phone labels and languages used to carry into Spanish
# replies ("911; non-emergency ...", "24-hour bilingual hotline", "text START to
# 88788", "(advocates M-F 8am-5pm)"), and others a label could have.
ENGLISH = {
    "non", "emergency", "hotline", "bilingual", "hour", "hours", "text", "to", "advocates",
    "reception", "infoline", "cases", "court", "city", "english", "spanish", "staff",
    "speak", "languages", "language", "sheet", "info", "serves", "people", "with",
    "limited", "proficiency", "rights", "bill", "victims", "in", "the", "and", "only",
    "outreach", "education", "site", "content", "both", "complaint", "questionnaire",
    "pamphlet", "line", "speaking", "interpreter", "phone", "by", "multilingual",
    "materials", "safe", "befree", "crime", "hate", "call", "daily", "am", "pm",
}
# Kept as they are dialled or read in Spanish too: TTY/TDD, and the keyword the
# national domestic-violence text line answers to.
LITERAL = {"tty", "tdd", "start"}


def english_in(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-záéíóúñü]+", text.lower()) if w in ENGLISH} - LITERAL


@pytest.fixture
def ctx(app):
    with app.test_request_context("/admin"):
        yield


def test_every_listing_reads_in_spanish_without_english(ctx, db):  # noqa: F811
    """The Spanish form of every seeded listing's phone and languages has no English."""
    for row in db.query("select * from listings where status = 'active'"):
        shown = directory._row(row, "es")
        assert not english_in(shown["phone"]), (row["name"], shown["phone"])
        assert not english_in(shown["languages"]), (row["name"], shown["languages"])
        clean, errors = clean_listing(row)
        assert not errors, (row["name"], errors)  # the seed passes its own rules


@pytest.mark.parametrize("message", [
    "quiero reportar un crimen", "me atacaron por ser mexicano, es un crimen de odio",
    "necesito un abogado de inmigracion", "hay comida gratis o un albergue?",
    "necesito hablar con una persona",
])  # fmt: skip
def test_spanish_chat_reply_has_no_english_in_its_listings(client, message):
    reply = client.post("/api/chat", json={"message": message, "lang": "es"}).get_json()
    assert reply["resources"], reply["intent"]
    for resource in reply["resources"]:
        assert not english_in(resource["phone"]), resource["phone"]
        assert not english_in(resource["languages"]), resource["languages"]
    for phrase in ("non-emergency", "hotline", "text START", "advocates", "(unverified)"):
        assert phrase not in reply["reply"]


def test_a_change_to_one_language_never_changes_the_other(staff_client, client, db):  # noqa: F811
    tpd = db.execute("select id from listings where featured_for like '%report_crime%' "
                     "and categories like '%police%'").fetchone()[0]  # fmt: skip

    def phone(lang):
        reply = client.post("/api/chat", json={"message": "I want to report a crime"
                            if lang == "en" else "quiero reportar un crimen",
                            "lang": lang}).get_json()  # fmt: skip
        return next(r["phone"] for r in reply["resources"] if r["id"] == tpd)

    assert phone("en") == "911; non-emergency (520) 791-4444"
    assert phone("es") == "911; no emergencias (520) 791-4444"
    resp = edit(staff_client, db, tpd, phone_es="911; para lo que no es emergencia (520) 791-4444")
    assert resp.status_code == 303
    assert phone("es") == "911; para lo que no es emergencia (520) 791-4444"
    assert phone("en") == "911; non-emergency (520) 791-4444"
    resp = edit(staff_client, db, tpd, phone="911; non-emergency line (520) 791-4444")
    assert resp.status_code == 303
    assert phone("en") == "911; non-emergency line (520) 791-4444"
    assert phone("es") == "911; para lo que no es emergencia (520) 791-4444"


def test_staff_form_shows_and_saves_the_spanish_fields(staff_client, db):  # noqa: F811
    page = staff_client.get("/admin/listings/new").get_data(as_text=True)
    assert 'name="phone_es"' in page and 'name="languages_es"' in page
    assert 'name="serves_undocumented"' in page
    resp = staff_client.post("/admin/listings/new", data={
        "csrf_token": csrf_from(page), "name": "Clínica Nueva", "description": "A clinic.",
        "description_es": "Una clínica.", "categories": "health",
        "phone": "(520) 555-0100 (front desk)", "languages": "English, Spanish",
    })  # fmt: skip
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "write it with the words in Spanish too" in text
    assert "Write the languages in Spanish too" in text
    resp = staff_client.post("/admin/listings/new", data={
        "csrf_token": csrf_from(page), "name": "Clínica Nueva", "description": "A clinic.",
        "description_es": "Una clínica.", "categories": "health",
        "phone": "(520) 555-0100 (front desk)", "phone_es": "(520) 555-0101 (recepción)",
        "languages": "English, Spanish", "languages_es": "inglés, español",
    })  # fmt: skip
    assert resp.status_code == 422
    assert "same numbers as in the English phone" in resp.get_data(as_text=True)
    resp = staff_client.post("/admin/listings/new", data={
        "csrf_token": csrf_from(page), "name": "Clínica Nueva", "description": "A clinic.",
        "description_es": "Una clínica.", "categories": "health",
        "phone": "(520) 555-0100 (front desk)", "phone_es": "(520) 555-0100 (recepción)",
        "languages": "English, Spanish", "languages_es": "inglés, español",
        "serves_undocumented": "1",
    })  # fmt: skip
    assert resp.status_code == 303
    row = next(db.query("select * from listings where name = 'Clínica Nueva'"))
    assert (row["phone_es"], row["languages_es"], row["serves_undocumented"]) == (
        "(520) 555-0100 (recepción)", "inglés, español", 1)  # fmt: skip
    page = staff_client.get(f"/admin/listings/{row['id']}").get_data(as_text=True)
    assert 'value="(520) 555-0100 (recepción)"' in page
    assert re.search(r'name="serves_undocumented" value="1"\s+checked', page)


@pytest.mark.parametrize(("value", "stored"), [("yes", 1), ("sí", 1), ("1", 1), ("", 0),
                                               ("no", 0), ("0", 0)])  # fmt: skip
def test_serves_undocumented_reads_yes_and_no(ctx, value, stored):
    base = {"name": "x", "description": "x", "description_es": "x", "categories": "legal"}
    clean, errors = clean_listing({**base, "serves_undocumented": value})
    assert not errors and clean["serves_undocumented"] == stored


def test_serves_undocumented_refuses_anything_else(ctx):
    base = {"name": "x", "description": "x", "description_es": "x", "categories": "legal"}
    _clean, errors = clean_listing({**base, "serves_undocumented": "maybe"})
    assert "serves_undocumented" in errors


def test_csv_carries_the_new_columns_and_old_files_keep_them(ctx, db):  # noqa: F811
    exported = import_export.export_csv(db)
    rows = rows_of(exported)
    tpd = next(r for r in rows if r["phone"].startswith("911; non-emergency"))
    assert tpd["phone_es"] == "911; no emergencias (520) 791-4444"
    assert {r["serves_undocumented"] for r in rows} == {"0", "1"}
    # A file exported before the columns existed still imports, changing nothing.
    old_columns = [c for c in import_export.COLUMNS
                   if c not in ("phone_es", "languages_es", "serves_undocumented")]  # fmt: skip
    plan = import_export.plan(db, to_csv(rows, columns=old_columns))
    assert plan.ok and not plan.of("changed"), plan.row_errors
    # The Spanish label alone changes through a CSV, the English one stays.
    tpd["phone_es"] = "911; línea de no emergencias (520) 791-4444"
    plan = import_export.plan(db, to_csv(rows))
    [changed] = plan.of("changed")
    assert set(changed.changes) == {"phone_es"}
    import_export.apply(db, to_csv(rows), CLI)
    row = listing_edits.get(db, int(tpd["id"]))
    assert row["phone"] == "911; non-emergency (520) 791-4444"
    assert row["phone_es"] == "911; línea de no emergencias (520) 791-4444"


def test_hsds_export_carries_the_spanish_labels(db):  # noqa: F811
    archive = zipfile.ZipFile(io.BytesIO(hsds.export_zip(db)))
    phones = list(csv.DictReader(io.StringIO(archive.read("phones.csv").decode("utf-8"))))
    langs = list(csv.DictReader(io.StringIO(archive.read("languages.csv").decode("utf-8"))))
    descriptions = {p["description"] for p in phones}
    assert "non-emergency (520) 791-4444 / no emergencias (520) 791-4444" in descriptions
    assert any(n["note"] == "English, Spanish / inglés, español" for n in langs)
    assert hsds.phones(1, "text START to 88788", "")[0]["description"] == "text START to 88788"


def test_emergency_numbers_are_never_shown_unverified(client, db):  # noqa: F811
    """Even with every listing unverified (a hand-run UPDATE, a fresh import), a
    listing that offers 911, 988 or Poison Help is never marked "(unverified)"."""
    db.execute("update listings set verified = 0, last_verified_at = null")
    db.conn.commit()
    for row in db.query("select * from listings"):
        if offers_emergency_number(row["phone"]):
            assert directory._row(row, "es")["verified"], row["name"]
        else:
            assert not directory._row(row, "es")["verified"], row["name"]
    for lang, message in (("es", "quiero reportar un crimen"), ("en", "I want to report a crime"),
                          ("es", "me atacaron por mi raza, crimen de odio")):  # fmt: skip
        reply = client.post("/api/chat", json={"message": message, "lang": lang}).get_json()
        lines = [line for line in reply["reply"].splitlines() if "911" in line]
        assert lines and all("verific" not in line for line in lines), lines


def test_the_emergency_rule(ctx):
    for phone in ("911", "911; non-emergency (520) 791-4444", "(520) 622-6000; 988",
                  "1-800-222-1222", "Poison Help 1 (800) 222-1222"):  # fmt: skip
        assert offers_emergency_number(phone), phone
    for phone in ("(520) 791-4444", "2-1-1", "1-800-799-7233 (SAFE)", "(520) 791-9110", ""):
        assert not offers_emergency_number(phone), phone


def test_seeded_emergency_listings_are_verified(db):  # noqa: F811
    row = next(db.query("select * from listings where categories like '%emergency%'"))
    assert row["phone"] == "911" and row["verified"] == 1 and row["verified_by"]


def test_directory_check_names_a_listing_still_missing_its_spanish_phone(runner, db):  # noqa: F811
    """A listing staff wrote before phone_es existed keeps its English label in Spanish
    replies until someone writes one: `flask directory-check` lists it."""
    db["listings"].insert({"name": "Old listing", "description": "d", "description_es": "d",
                           "categories": "community", "status": "active",
                           "phone": "front desk (520) 555-0100"})  # fmt: skip
    db.conn.commit()
    result = runner.invoke(args=["directory-check"])
    assert result.exit_code == 1
    assert "Old listing: Phone (Spanish): The phone has words in it" in result.output
