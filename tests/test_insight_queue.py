"""The unanswered-questions queue and the counts, driven through the real chat API and
the real (signed) SMS webhook, over a real SQLite file."""

import os
import secrets
import time
from datetime import date, timedelta

import pytest
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.insight import _flush_at_exit, counts, flush_counts, queue, weeks
from bot.platform import retention
from bot.platform.db import connect

TOKEN = "0123456789abcdef0123456789abcdef"
PII_QUESTION = ("me llamo Rosa López, me quitan la custodia de mis hijos si me detiene "
                "inmigracion? mi cel 520-555-1234, vivo en 4821 W Calle Sol")  # fmt: skip
QUEUE_COLUMNS = {"id", "text", "lang", "day", "week", "closest_intent", "closest_score"}


@pytest.fixture
def app(make_app):
    return make_app(TWILIO_AUTH_TOKEN=TOKEN)


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.conn.close()


def chat(client, message, **extra):
    resp = client.post("/api/chat", json={"message": message, **extra})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def sms(client, body, number="+15205551234", sid=None):
    form = {"MessageSid": sid or "SM" + secrets.token_hex(16), "AccountSid": "AC" + "1" * 32,
            "From": number, "To": "+15205550000", "Body": body, "NumMedia": "0"}  # fmt: skip
    signature = RequestValidator(TOKEN).compute_signature("http://localhost/sms", form)
    resp = client.post("/sms", data=form, headers={"X-Twilio-Signature": signature})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp


def questions(db):
    return list(db.query("select * from unanswered_questions"))


def count_rows(app, db):
    """The counts once this process has written what it holds (counts.Tally)."""
    with app.app_context():
        flush_counts()
    return {(r["lang"], r["channel"], r["intent"]): r["n"]
            for r in db.query("select * from insight_counts")}  # fmt: skip


def test_an_unanswered_question_is_kept_scrubbed_and_linked_to_nobody(app, client, db):
    reply = chat(client, PII_QUESTION)
    assert reply["intent"] == "out_of_scope"
    [row] = questions(db)
    assert set(row) == QUEUE_COLUMNS  # no sender, session, request or time of day
    assert row["text"] == ("me llamo [name], me quitan la custodia de mis hijos si me detiene "
                           "inmigracion? mi cel [phone], vivo en [address]")  # fmt: skip
    assert row["lang"] == "es" and row["day"] == weeks.today(app.config).isoformat()
    assert row["week"] == weeks.iso_week(date.fromisoformat(row["day"]))
    assert row["closest_intent"] and 0 <= row["closest_score"] < 1
    # Not anywhere in the file or its write-ahead log either.
    db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    path = app.config["DATABASE"]
    with open(path, "rb") as main, open(path + "-wal", "rb") as wal:
        raw = main.read() + wal.read()
    for secret in (b"Rosa", "López".encode(), b"555-1234", b"Milagro"):
        assert secret not in raw


def test_answered_questions_are_counted_not_kept(app, client, db):
    assert chat(client, "si reporto un robo me preguntan por mis papeles?")["intent"] == (
        "report_crime"
    )
    assert chat(client, "will cops call ICE if i call 911 for my neighbor", lang="en")[
        "intent"
    ] != "out_of_scope"
    assert questions(db) == []
    found = count_rows(app, db)
    assert found[("es", "chat", "report_crime")] == 1
    assert sum(found.values()) == 2


def test_queue_off_keeps_no_text_but_still_counts(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "off.sqlite3"),
                      "SECRET_KEY": "k", "QUEUE_ENABLED": False})  # fmt: skip
    chat(app.test_client(), PII_QUESTION)
    database = connect(app.config["DATABASE"])
    assert questions(database) == []
    assert count_rows(app, database) == {("es", "chat", "out_of_scope"): 1}


@pytest.mark.parametrize(("name", "value"), [("QUEUE_RETENTION_DAYS", 0),
                                             ("QUEUE_RETENTION_DAYS", "30"),
                                             ("COUNTS_RETENTION_DAYS", -1),
                                             ("QUEUE_ENABLED", "no")])  # fmt: skip
def test_bad_settings_are_refused_at_start(tmp_path, name, value):
    with pytest.raises(ValueError, match=name):
        create_app({"TESTING": True, "DATABASE": str(tmp_path / "x.sqlite3"),
                    "SECRET_KEY": "k", name: value})  # fmt: skip


def test_a_bare_number_or_punctuation_is_not_kept(client, db):
    for message in ("99", "???", "520 555 1234"):
        chat(client, message)
    assert questions(db) == []


def test_sms_questions_and_opt_outs_are_counted_once_and_never_by_sender(app, client, db):
    sms(client, "me quitan la custodia de mis hijos si me detiene inmigracion")
    sms(client, "PARAR", number="+15205550001")
    retry = "SM" + secrets.token_hex(16)
    sms(client, "STOP", number="+15205550002", sid=retry)
    sms(client, "STOP", number="+15205550002", sid=retry)  # Twilio's retry of the same message
    sms(client, "STOP", number="+15205550002")  # already opted out: nothing changes
    sms(client, "START", number="+15205550002")
    found = count_rows(app, db)
    assert found[("es", "sms", "out_of_scope")] == 1
    assert found[("es", "sms", "opt_out")] == 1
    assert found[("en", "sms", "opt_out")] == 1
    assert found[("en", "sms", "opt_in")] == 1
    [row] = questions(db)
    assert set(row) == QUEUE_COLUMNS and row["text"].startswith("me quitan la custodia")


def test_an_sms_retry_does_not_count_a_question_twice(app, client, db):
    sid = "SM" + secrets.token_hex(16)
    sms(client, "me quitan la custodia de mis hijos si me detiene inmigracion", sid=sid)
    sms(client, "me quitan la custodia de mis hijos si me detiene inmigracion", sid=sid)
    assert count_rows(app, db) == {("es", "sms", "out_of_scope"): 1}
    assert len(questions(db)) == 1


def test_a_broken_insight_table_never_costs_the_resident_an_answer(make_app):
    app = make_app(COUNTS_FLUSH_SECONDS=0)  # written at every turn: the failure is in the request
    db = connect(app.config["DATABASE"])
    db.execute("alter table insight_counts rename to insight_counts_away")
    reply = chat(app.test_client(), "si reporto un robo me preguntan por mis papeles?")
    assert reply["intent"] == "report_crime"
    assert questions(db) == []
    assert app.extensions["insight_tally"].pending() == 1  # refused, logged and kept
    db.execute("alter table insight_counts_away rename to insight_counts")
    assert count_rows(app, db) == {("es", "chat", "report_crime"): 1}  # written at the next try


def test_a_broken_insight_table_costs_a_text_neither_its_answer_nor_its_state(make_app):
    """The counts are written inside the text's own transaction when they are due (one
    writer turn per text): when that fails, only their part rolls back."""
    app = make_app(TWILIO_AUTH_TOKEN=TOKEN, COUNTS_FLUSH_SECONDS=0)
    db = connect(app.config["DATABASE"])
    db.execute("alter table insight_counts rename to insight_counts_away")
    first = sms(app.test_client(), "necesito un abogado de inmigracion").get_data(as_text=True)
    assert "<Message>" in first
    [sender] = list(db.query("select lang, pending from sms_senders"))
    assert sender["lang"] == "es"
    assert db["sms_replies"].count == 1
    db.execute("alter table insight_counts_away rename to insight_counts")
    assert count_rows(app, db) == {("es", "sms", "legal_help"): 1}


def test_counts_wait_in_the_process_and_are_written_together_when_due(app, client, db):
    tally = app.extensions["insight_tally"]
    now = [1000.0]
    tally._clock = lambda: now[0]
    chat(client, "si reporto un robo me preguntan por mis papeles?")
    chat(client, "necesito un abogado")
    assert list(db.query("select * from insight_counts")) == []  # not one write per turn
    assert tally.pending() == 2
    now[0] += app.config["COUNTS_FLUSH_SECONDS"]
    chat(client, "si reporto un robo me preguntan por mis papeles?")  # the turn that finds them due
    assert tally.pending() == 0
    assert sum(r["n"] for r in db.query("select n from insight_counts")) == 3


def test_a_stopping_worker_writes_the_counts_it_holds(app, client, db):
    chat(client, "si reporto un robo me preguntan por mis papeles?")
    tally = app.extensions["insight_tally"]
    assert tally.pending() == 1
    _flush_at_exit(tally, app.config["DATABASE"])  # what atexit runs
    assert tally.pending() == 0
    assert [r["n"] for r in db.query("select n from insight_counts")] == [1]


# -- grouping ------------------------------------------------------------------


def add(db, text, lang="es", day=None, closest=("legal_help", 0.3)):
    with db.atomic():
        assert queue.record(db, text, lang, closest, day or date(2025, 2, 12))


def test_near_duplicates_group_together_with_a_count(db):
    for text in ("¿Me quitan la custodia de mis hijos si me detiene inmigración?",
                 "me quitan la custodia de mis hijos si me detiene inmigracion",
                 "Me quitan la custodia de mis hijos si me detiene inmigracion??",
                 "me kitan la custodia de mis hijos si me detiene inmigracion"):  # fmt: skip
        add(db, text)
    add(db, "donde saco la licencia de manejo", closest=("status_check", 0.35))
    add(db, "donde puedo sacar la licencia de manejo", closest=("status_check", 0.33))
    add(db, "me pueden deportar")  # shares words with the first group, not the question
    add(db, "will they take my kids if i get deported", lang="en")
    add(db, "me quitan la custodia de mis hijos si me detiene inmigracion",
        day=date(2025, 2, 19))  # next week
    found = queue.groups(db, "2025-W07", "es")
    assert [g.count for g in found] == [4, 2, 1]
    kids, licence, _deport = found
    assert kids.text == "me quitan la custodia de mis hijos si me detiene inmigracion"
    assert kids.closest_intent == "legal_help" and len(kids.variants) == 4
    assert licence.closest_intent == "status_check" and licence.closest_score == 0.35
    assert [g.count for g in queue.groups(db, "2025-W07", "en")] == [1]
    assert [g.count for g in queue.groups(db, "2025-W08", "es")] == [1]


def test_a_group_is_found_again_by_its_key(db):
    add(db, "me quitan la custodia de mis hijos si me detiene inmigracion")
    add(db, "Me quitan la custodia de mis hijos si me detiene inmigracion??")
    [group] = queue.groups(db, "2025-W07", "es")
    again = queue.find(db, "2025-W07", "es", group.key)
    assert again is not None and sorted(again.ids) == sorted(group.ids)
    assert queue.find(db, "2025-W07", "es", "0" * 16) is None


def test_the_pattern_suggestion_leaves_out_what_was_scrubbed(db):
    add(db, "me llamo Rosa, me quitan la custodia de mis hijos si me detiene inmigracion")
    [group] = queue.groups(db, "2025-W07", "es")
    question = "me quitan la custodia de mis hijos si me detiene inmigracion"
    assert group.text == f"me llamo [name], {question}"
    assert group.suggestion == f"me llamo , {question}"


# -- retention -------------------------------------------------------------------


def test_questions_expire_after_the_retention_days(app, db):
    today = weeks.today(app.config)
    add(db, "pregunta vieja sobre algo", day=today - timedelta(days=31))
    add(db, "pregunta de hace un mes justo", day=today - timedelta(days=30))
    add(db, "pregunta de hoy", day=today)
    removed = queue.purge(db, int(time.time()), app.config)
    assert removed == 1
    assert sorted(r["text"] for r in questions(db)) == ["pregunta de hace un mes justo",
                                                        "pregunta de hoy"]  # fmt: skip


def test_the_retention_setting_and_the_registry(app, db):
    today = weeks.today(app.config)
    add(db, "pregunta de la semana pasada", day=today - timedelta(days=8))
    assert "unanswered_questions" in dict(retention.purgers())
    config = {**app.config, "QUEUE_RETENTION_DAYS": 7}
    removed = dict(retention.purgers())["unanswered_questions"](db, int(time.time()), config)
    assert removed == 1 and questions(db) == []


def test_turning_the_queue_off_empties_it_at_the_next_purge(app, db):
    add(db, "pregunta de hoy", day=weeks.today(app.config))
    config = {**app.config, "QUEUE_ENABLED": False}
    assert queue.purge(db, int(time.time()), config) == 1


def test_counts_are_kept_longer_and_then_go(app, db):
    today = weeks.today(app.config)
    old = weeks.iso_week(today - timedelta(days=800))
    recent = weeks.iso_week(today - timedelta(days=400))
    with db.atomic():
        counts.record(db, old, "es", "sms", "legal_help")
        counts.record(db, recent, "es", "sms", "legal_help")
    assert counts.purge(db, int(time.time()), app.config) == 1
    assert [r["week"] for r in db.query("select week from insight_counts")] == [recent]


def test_a_worker_stopping_after_its_database_was_removed_creates_no_new_one(app, client):
    chat(client, "si reporto un robo me preguntan por mis papeles?")
    path = app.config["DATABASE"]
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    _flush_at_exit(app.extensions["insight_tally"], path)
    assert not os.path.exists(path)
