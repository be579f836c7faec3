"""What the answers and the staff search read: ranking, status, FTS in both languages."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlite_utils
from staff_pages import db  # noqa: F401 (fixture)

from bot import services
from bot.directory import listing_edits
from bot.directory import listings as directory
from bot.directory.listing_edits import Actor
from bot.engine.sessions import State

CLI = Actor("cli:test")


def listing(db, **fields):  # noqa: F811
    base = {"name": "X", "description": "x", "description_es": "x", "categories": "police",
            "status": "active"}  # fmt: skip
    return listing_edits.create(db, {**base, **fields}, CLI)


def names(db, text):  # noqa: F811
    rows, _total = directory.search(db, q=text)
    return [r["name"] for r in rows]


def test_search_ignores_accents_both_ways(db):  # noqa: F811
    assert "Clínica Amistad" in names(db, "clinica")
    assert "Clínica Amistad" in names(db, "CLÍNICA")
    listing(db, name="Policia sin acento", description="abc")
    found = names(db, "policía")
    assert "Policia sin acento" in found


def test_search_covers_spanish_descriptions_and_prefixes(db):  # noqa: F811
    listing(db, name="Only Spanish match", description="nothing here",
            description_es="Defensa contra la deportación")  # fmt: skip
    assert "Only Spanish match" in names(db, "deportacion")
    assert "Only Spanish match" in names(db, "deport")


def test_search_treats_query_syntax_as_text(db):  # noqa: F811
    assert directory.search(db, q='" AND OR NEAR( -')[1] >= 0  # no FTS5 syntax error


def test_index_follows_every_write(db):  # noqa: F811
    listing_id = listing(db, name="Zebra Legal Clinic")
    assert names(db, "zebra") == ["Zebra Legal Clinic"]
    current = listing_edits.get(db, listing_id)
    listing_edits.update(db, listing_id, {**current, "name": "Quokka Legal Clinic"}, CLI)
    assert names(db, "zebra") == []
    assert names(db, "quokka") == ["Quokka Legal Clinic"]


def test_filters_by_category_status_and_staleness(db):  # noqa: F811
    old = listing(db, name="Old check", categories="food")
    new = listing(db, name="New check", categories="food")
    listing(db, name="Never checked", categories="food")
    long_ago = (datetime.now(UTC) - timedelta(days=200)).isoformat(timespec="seconds")
    db["listings"].update(old, {"verified": 1, "last_verified_at": long_ago})
    listing_edits.verify(db, new, CLI)

    def found(**kw):
        return {r["name"] for r in directory.search(db, category="food", **kw)[0]
                if r["name"] in ("Old check", "New check", "Never checked")}  # fmt: skip

    assert found(staleness="stale") == {"Old check"}
    assert found(staleness="unverified") == {"Never checked"}
    assert found(staleness="needs_check") == {"Old check", "Never checked"}
    assert found(staleness="current") == {"New check"}
    assert found(stale_after_days=365, staleness="stale") == set()
    listing_edits.retire(db, new, CLI)
    assert "New check" not in {r["name"] for r in directory.search(db, status="active")[0]}


def test_answers_show_only_active_listings_in_the_residents_language(db):  # noqa: F811
    listing_id = listing(db, name="Shelter EN", name_es="Refugio ES", categories="shelter",
                         phone="(520) 791-0001")  # fmt: skip
    es = directory.listings_for(db, ["shelter"], "es", 50)
    assert "Refugio ES" in [r["name"] for r in es]
    listing_edits.retire(db, listing_id, CLI)
    assert "Shelter EN" not in [
        r["name"] for r in directory.listings_for(db, ["shelter"], "en", 50)
    ]


def test_intent_preference_ranks_within_category(db):  # noqa: F811
    # Seeded: TPD's line is marked for report_crime, the complaints office for racial_profiling.
    crime = directory.listings_for(db, ["police"], "en", 3, intent="report_crime")
    profiling = directory.listings_for(db, ["police"], "en", 3, intent="racial_profiling")
    assert "emergency and non-emergency" in crime[0]["name"]
    assert "Professional Standards" in profiling[0]["name"]
    # Without an intent, the old order (listings with a phone first, then by id) holds.
    plain = directory.listings_for(db, ["police"], "en", 10)
    assert all(r["phone"] for r in plain[:3])


def test_round_robin_across_categories(db):  # noqa: F811
    found = directory.listings_for(db, ["police", "hotline", "victim_services"], "en", 3)
    assert [r["categories"][0] for r in found] == ["police", "hotline", "victim_services"]


def test_engine_passes_the_intent_to_the_directory(app):
    with app.test_request_context("/api/chat"):
        engine = services.engine()
        reply, _state = engine.respond("1", State(lang="en", menu=["racial_profiling"]),
                                       services.listings)  # fmt: skip
        assert reply.intent == "racial_profiling"
        assert "Professional Standards" in reply.resources[0]["name"]
        calls = []
        reply, _state = engine.respond(
            "1", State(lang="en", menu=["racial_profiling"]),
            lambda cats, lang, n, intent: calls.append((cats, lang, n, intent)) or [],
        )  # fmt: skip
        assert calls == [(["police"], "en", 3, "racial_profiling")] and reply.resources == []


@pytest.mark.parametrize(("verified_days_ago", "expected"), [(None, "unverified"), (10, None),
                                                              (181, "stale")])  # fmt: skip
def test_needs_check(verified_days_ago, expected):
    now = datetime(2025, 6, 1, tzinfo=UTC)
    row = {"verified": 0, "last_verified_at": None}
    if verified_days_ago is not None:
        at = (now - timedelta(days=verified_days_ago)).isoformat(timespec="seconds")
        row = {"verified": 1, "last_verified_at": at}
    assert directory.needs_check(row, 180, now) == expected


def test_directory_check_command(runner, db):  # noqa: F811
    result = runner.invoke(args=["directory-check"])
    assert result.exit_code == 0, result.output
    assert "0 broken fields" in result.output and "35 unverified" in result.output
    db["listings"].update(1, {"phone": "call them"})  # as an old import might have left it
    result = runner.invoke(args=["directory-check"])
    assert result.exit_code == 1
    assert "BROKEN" in result.output and "call them" in result.output


def test_upgrade_from_the_first_schema_indexes_existing_listings(tmp_path):
    from bot.platform import db as database
    from bot.platform import migrations

    path = str(tmp_path / "old.sqlite3")
    old = database.connect(path)
    migrations.migrations.apply(old, stop_before="m002_listings_search")
    old["listings"].insert({"name": "Clínica Vieja", "description": "d", "status": "active",
                            "categories": "health", "verified": 0})  # fmt: skip
    old.conn.close()
    applied = database.upgrade(path)
    assert "m002_listings_search" in applied and "m006_audit_log" in applied
    upgraded = database.connect(path)
    assert [r["name"] for r in directory.search(upgraded, q="clinica vieja")[0]] == [
        "Clínica Vieja"
    ]
    assert upgraded["listings"].count == 1  # an existing directory is not re-seeded


def test_answers_follow_every_change_made_on_another_connection(app, client):
    """Each worker keeps the answers' listings in memory (ListingsCache): a change made
    anywhere else (another worker, the CLI, a hand-run UPDATE) must show in the
    very next answer, whatever wrote it."""
    question = {"message": "where can i find a free immigration lawyer", "lang": "en"}

    def shown():
        reply = client.post("/api/chat", json=question).get_json()
        assert reply["intent"] == "legal_help"
        return [r["name"] for r in reply["resources"]]

    first = shown()
    assert first and shown() == first  # the second answer comes from memory
    other = sqlite_utils.Database(app.config["DATABASE"])  # not the app's connection
    top = other.execute("select id from listings where name = ?", [first[0]]).fetchone()[0]

    other.execute("update listings set name = 'Renamed by hand' where id = ?", [top])
    other.conn.commit()
    assert shown()[0] == "Renamed by hand"

    other.execute("update listings set status = 'inactive' where id = ?", [top])
    other.conn.commit()
    assert "Renamed by hand" not in shown()

    other.execute("delete from listings where id = ?", [top])
    other.execute("update listings set status = 'active'")
    other.conn.commit()
    assert "Renamed by hand" not in shown()
    other["listings"].insert({"name": "Inserted by hand", "status": "active", "verified": 1,
                              "categories": "legal", "phone": "520-555-0100",
                              "featured_for": "legal_help",
                              "serves_undocumented": 1})  # fmt: skip
    other.conn.commit()
    assert shown()[0] == "Inserted by hand"
