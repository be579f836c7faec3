"""The right listings for the question, descriptions held to the statements, the
emergency kinds, and the same corrections applied to a directory seeded before them."""

import pytest
from staff_pages import db  # noqa: F401 (fixture)

from bot import services
from bot.directory import listings as directory
from bot.directory.validation import EMERGENCY_CATEGORIES, offers_emergency_number
from bot.platform import db as database
from bot.platform import migrations as migrations_module
from bot.platform import seed
from bot.platform.config import ROOT

# Topics where the person asking may well be undocumented and needs a lawyer.
FOR_UNDOCUMENTED = ("legal_help", "status_check", "deportation_force", "federal_cooperation")
TPD = "Tucson Police Department - emergency and non-emergency"
OLD_SEED = ROOT / "tests" / "data" / "listings_before_issue16.csv"


def shown(app, db, intent, lang="en"):  # noqa: F811
    """The listings an answer on `intent` shows, as the engine asks for them."""
    with app.app_context():
        categories = services.engine().knowledge.intents[intent].categories
    return directory.listings_for(db, categories, lang, app.config["LISTINGS_PER_ANSWER"],
                                  intent=intent)  # fmt: skip


def field(db, listing_id, name):  # noqa: F811
    return db.execute(f"select {name} from listings where id = ?", [listing_id]).fetchone()[0]  # noqa: S608


@pytest.mark.parametrize("intent", FOR_UNDOCUMENTED)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_listing_shown_for_legal_questions_serves_undocumented(app, db, intent, lang):  # noqa: F811
    listings = shown(app, db, intent, lang)
    assert len(listings) == app.config["LISTINGS_PER_ANSWER"]
    for item in listings:
        assert field(db, item["id"], "serves_undocumented") == 1, item["name"]


@pytest.mark.parametrize(("message", "lang"), [
    ("necesito un abogado", "es"), ("where can i find a free immigration lawyer", "en"),
    ("me pueden deportar si llamo a la policia", "es"),
])  # fmt: skip
def test_the_chat_shows_only_services_for_undocumented_residents(client, db, message, lang):  # noqa: F811
    reply = client.post("/api/chat", json={"message": message, "lang": lang}).get_json()
    assert reply["intent"] in FOR_UNDOCUMENTED and reply["resources"]
    for item in reply["resources"]:
        assert field(db, item["id"], "serves_undocumented") == 1, item["name"]


def test_a_new_listing_that_cannot_serve_them_does_not_get_ahead(app, db):  # noqa: F811
    db["listings"].insert({"name": "Legal aid for citizens only", "status": "active",
                           "categories": "legal", "phone": "(520) 555-0100", "verified": 1,
                           "serves_undocumented": 0})  # fmt: skip
    db.conn.commit()
    assert "Legal aid for citizens only" not in [r["name"] for r in shown(app, db, "legal_help")]


def test_hate_crime_shows_hate_and_victim_lines_first(app, db):  # noqa: F811
    listings = shown(app, db, "hate_crime")
    for item in listings:
        assert "hate_crime" in field(db, item["id"], "featured_for").split(), item["name"]
        assert "domestic_violence" not in item["categories"], item["name"]


def test_citizenship_and_daca_show_an_organisation_that_does_daca_first(app, db):  # noqa: F811
    for lang in ("en", "es"):
        first = shown(app, db, "citizenship", lang)[0]
        assert "DACA" in first["description"], first["name"]


def test_tpd_description_holds_to_the_general_orders(db):  # noqa: F811
    """The General Orders say victims and witnesses "will not be the focus of"
    status inquiries, not that TPD never asks."""
    texts = [t for row in db.query("select description, description_es from listings")
             for t in row.values()]  # fmt: skip
    assert not any("not to ask" in t or "no preguntar" in t for t in texts)
    tpd = next(db.query("select * from listings where featured_for like '%report_crime%' "
                        "and categories like '%police%'"))  # fmt: skip
    assert "will not be the focus of immigration-status inquiries" in tpd["description"]
    assert "no serán el foco de las preguntas sobre su estatus" in tpd["description_es"]
    assert "la policía de Tucson (TPD)" in tpd["description_es"]


@pytest.mark.parametrize("category", EMERGENCY_CATEGORIES)
def test_each_emergency_kind_has_a_sourced_number_in_both_languages(app, db, category):  # noqa: F811
    rows = list(db.query("select * from listings where status = 'active' and "
                         "(' ' || categories || ' ') like ?", [f"% {category} %"]))  # fmt: skip
    assert rows, category
    for row in rows:
        assert row["phone"] and row["source"] and row["name_es"] and row["description_es"]
        for lang in ("en", "es"):
            [item] = [r for r in directory.listings_for(db, [category], lang, 10)
                      if r["id"] == row["id"]]  # fmt: skip
            assert item["phone"]
    verified = [r for r in rows if r["verified"]]
    assert verified, f"no verified listing for {category}"
    assert all(directory._row(r, "es")["verified"] for r in rows if category != "domestic_violence")


def test_emergency_kinds_kept_their_other_categories(db):  # noqa: F811
    crisis = next(db.query("select * from listings where categories like '%crisis%' and "
                           "phone like '%988%'"))  # fmt: skip
    assert crisis["categories"].split() == ["hotline", "crisis"]
    dv = {r["name"]: r["categories"].split() for r in db.query(
        "select * from listings where categories like '%domestic_violence%'")}  # fmt: skip
    assert dv == {"Emerge Center Against Domestic Abuse": ["victim_services", "domestic_violence"],
                  "National Domestic Violence Hotline": ["hotline", "domestic_violence"]}
    nine11 = next(db.query("select * from listings where categories = 'emergency'"))
    assert nine11["phone"] == "911" and offers_emergency_number(nine11["phone"])


# -- a directory seeded before these corrections --------------------------------

COMPARED = ("name_es", "description", "description_es", "categories", "phone", "phone_es",
            "languages", "languages_es", "serves_undocumented", "featured_for", "verified")


def _old_directory(path: str, staff_edit: bool = False):
    """A database as the previous release left it: migrations up to m015, the old seed."""
    old = database.connect(path)
    migrations_module.migrations.apply(old, stop_before="m016_listings_issue16_fixes")
    with old.atomic():
        old["listings"].insert_all(seed.seed_rows(OLD_SEED))
        if staff_edit:  # a staff member already reworded the TPD listing
            old.execute("update listings set description = 'Reworded by staff.' where name = ?",
                        [TPD])
    old.conn.close()


def _by_name(db):  # noqa: F811
    return {r["name"]: {k: r[k] for k in COMPARED} for r in db.query("select * from listings")}


def test_an_existing_directory_gets_the_corrections(app, db, tmp_path):  # noqa: F811
    path = str(tmp_path / "before.sqlite3")
    _old_directory(path)
    applied = database.upgrade(path)
    assert "m016_listings_issue16_fixes" in applied
    upgraded = database.connect(path)
    assert _by_name(upgraded) == _by_name(db)  # the same as a directory seeded today
    for intent in (*FOR_UNDOCUMENTED, "hate_crime", "citizenship", "report_crime"):
        assert [r["name"] for r in shown(app, upgraded, intent)] == [
            r["name"] for r in shown(app, db, intent)], intent  # fmt: skip
    actors = {r["actor"] for r in upgraded.query("select actor from audit_log")}
    assert actors == {"migration:m016"}
    assert database.upgrade(path) == []  # once only
    upgraded.conn.close()


def test_the_correction_leaves_what_staff_changed(tmp_path):
    path = str(tmp_path / "edited.sqlite3")
    _old_directory(path, staff_edit=True)
    database.upgrade(path)
    upgraded = database.connect(path)
    tpd = next(upgraded.query("select * from listings where name = ?", [TPD]))
    assert tpd["description"] == "Reworded by staff."
    assert tpd["phone_es"] == "911; no emergencias (520) 791-4444"  # what staff left alone
    assert "la policía de Tucson (TPD)" in tpd["description_es"]
    upgraded.conn.close()


def test_another_citys_directory_is_not_given_tucson_listings(tmp_path):
    path = str(tmp_path / "other.sqlite3")
    other = database.connect(path)
    migrations_module.migrations.apply(other, stop_before="m016_listings_issue16_fixes")
    other["listings"].insert({"name": "Springfield Legal Clinic", "status": "active",
                              "categories": "legal", "description": "d"})  # fmt: skip
    other.conn.close()
    database.upgrade(path)
    other = database.connect(path)
    assert [r["name"] for r in other.query("select name from listings")] == [
        "Springfield Legal Clinic"]  # fmt: skip
    other.conn.close()
