"""The HSDS tabular export: four CSVs with Open Referral's field names, stable ids."""

import csv
import io
import zipfile

from staff_pages import db  # noqa: F401 (fixture)

from bot.directory import hsds, listing_edits


def read(db):  # noqa: F811
    archive = zipfile.ZipFile(io.BytesIO(hsds.export_zip(db)))
    return {name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(
        archive.read(name).decode("utf-8")))) for name in archive.namelist()}  # fmt: skip


def test_tables_and_fields(db):  # noqa: F811
    tables = read(db)
    assert set(tables) == {"organizations", "services", "phones", "languages"}
    assert len(tables["services"]) == 39
    assert list(tables["services"][0]) == list(hsds.SERVICE_FIELDS)
    assert list(tables["phones"][0]) == list(hsds.PHONE_FIELDS)
    org_ids = {o["id"] for o in tables["organizations"]}
    assert all(s["organization_id"] in org_ids for s in tables["services"])
    service_ids = {s["id"] for s in tables["services"]}
    assert all(p["service_id"] in service_ids for p in tables["phones"])
    assert {s["status"] for s in tables["services"]} <= {"active", "inactive",
                                                        "temporarily closed"}  # fmt: skip
    assert all(s["assurer_email"] == "" for s in tables["services"])


def test_ids_are_stable_between_exports(db):  # noqa: F811
    assert read(db)["services"] == read(db)["services"]


def test_phones_split_with_their_labels(db):  # noqa: F811
    rows = hsds.phones(22, "911; non-emergency (520) 791-4444; TTY 711; text START to 88788")
    assert [(r["number"], r["type"]) for r in rows] == [
        ("911", "voice"),
        ("(520) 791-4444", "voice"),
        ("711", "textphone"),
        ("88788", "text"),
    ]
    assert rows[1]["description"] == "non-emergency (520) 791-4444"


def test_languages_get_codes(db):  # noqa: F811
    rows = hsds.languages(1, "English, Spanish (bilingual hotline)")
    assert [(r["name"], r["code"]) for r in rows] == [("English", "en"), ("Spanish", "es")]
    assert hsds.languages(1, "staff speak two dozen languages")[0]["note"]


def test_status_and_verification(db):  # noqa: F811
    actor = listing_edits.Actor("ana@tucsonaz.gov")
    listing_edits.verify(db, 22, actor)
    current = listing_edits.get(db, 15)
    listing_edits.update(db, 15, {**current, "status": "temporarily_closed"}, actor)
    services = {s["name"]: s for s in read(db)["services"]}
    tpd = services["Tucson Police Department - emergency and non-emergency"]
    assert len(tpd["assured_date"]) == 10 and tpd["assurer_email"] == ""
    assert services[current["name"]]["status"] == "temporarily closed"
