"""The staff insight pages, used as a staff member would: sign in, read, post forms."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from staff_pages import (  # noqa: F401 (fixtures)
    EMAIL,
    account,
    csrf_from,
    db,
    set_language,
    sign_in,
    staff_client,
)

from bot import create_app
from bot.insight import counts, queue, weeks

QUESTION = "¿Me quitan la custodia de mis hijos si me detiene inmigración?"
WORDINGS = [QUESTION, "me quitan la custodia de mis hijos si me detiene inmigracion",
            "Me quitan la custodia de mis hijos si me detiene inmigracion??",
            "me llamo Rosa López, me quitan la custodia de mis hijos si me detiene "
            "inmigracion? mi cel 520-555-1234"]
GROUP_TEXT = "me quitan la custodia de mis hijos si me detiene inmigracion"


def chat(client, message, **extra):
    resp = client.post("/api/chat", json={"message": message, **extra})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def form_for(page: str, action: str, group_text: str) -> dict:
    """The fields of the form posting to `action` in the group that shows `group_text`."""
    for article in re.findall(r"<article.*?</article>", page, re.S):
        if f">{group_text}</q>" in article:
            form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>',
                             article, re.S).group(0)  # fmt: skip
            fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"',
                                     form))  # fmt: skip
            pattern = re.search(r'name="pattern"[^>]*value="([^"]*)"', form)
            if pattern:
                fields["pattern"] = pattern.group(1)
            selected = re.search(r'<option value="([a-z_]+)" selected>', form)
            if selected:
                fields["intent"] = selected.group(1)
            return fields
    raise AssertionError(f"no group {group_text!r} on the page")


def audit_rows(db):  # noqa: F811
    return list(db.query("select * from audit_log order by id"))


def test_a_new_staff_member_turns_this_weeks_spanish_questions_into_a_pattern(
    app, client, db  # noqa: F811
):
    """The issue's "done when", end to end through the pages and the chat API."""
    for message in WORDINGS:
        assert chat(client, message)["intent"] == "out_of_scope"
    assert chat(client, "what time does the library open", lang="en")["intent"] == "out_of_scope"

    # A new account, made as docs/staff.md says (flask staff-create), then the sign-in form.
    result = app.test_cli_runner().invoke(args=["staff-create", "nuevo@tucsonaz.gov"],
                                          input="una clave muy larga\nuna clave muy larga\n")
    assert result.exit_code == 0, result.output
    staff = app.test_client()
    signed_in = sign_in(staff, "nuevo@tucsonaz.gov", "una clave muy larga")
    assert signed_in.status_code == 303
    home = staff.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/admin/insight"' in home  # the nav link

    page = staff.get("/admin/insight?lang=es").get_data(as_text=True)
    assert "asked 4×" in page and f">{GROUP_TEXT}</q>" in page
    assert "library" not in page  # English is not shown when Spanish is picked
    assert "Rosa" not in page and "555" not in page
    assert ("me llamo [name], me quitan la custodia de mis hijos si me detiene inmigracion? "
            "mi cel [phone]") in page

    fields = form_for(page, "/admin/insight/pattern", GROUP_TEXT)
    assert fields["pattern"] == GROUP_TEXT  # the suggestion, ready to send
    fields["intent"] = "deportation_force"
    added = staff.post("/admin/insight/pattern", data=fields)
    assert added.status_code == 303
    after = staff.get(added.headers["Location"]).get_data(as_text=True)
    assert "4 question(s) left the queue" in after and f">{GROUP_TEXT}</q>" not in after

    # The same question is answered on the next try.
    again = chat(client, QUESTION)
    assert again["intent"] == "deportation_force" and again["confidence"] >= 0.9
    again = chat(client, "me quitan la custodia de mis hijos si me detiene inmigracion??")
    assert again["intent"] == "deportation_force"
    # Nothing in the queue identifies anyone (and the group left it).
    assert list(db.query("select * from unanswered_questions where lang = 'es'")) == []
    [entry] = audit_rows(db)
    assert entry["actor"] == "nuevo@tucsonaz.gov" and entry["action"] == "pattern_add"
    assert json.loads(entry["after"]) == {"intent": "deportation_force", "lang": "es",
                                          "pattern": GROUP_TEXT}  # fmt: skip
    patterns = staff.get("/admin/insight/patterns").get_data(as_text=True)
    assert GROUP_TEXT in patterns and "nuevo@tucsonaz.gov" in patterns
    log = staff.get("/admin/audit").get_data(as_text=True)
    assert "Pattern added" in log and "nuevo@tucsonaz.gov" in log and GROUP_TEXT in log


def test_every_worker_answers_from_the_new_pattern_without_a_restart(tmp_path):
    """Two apps on one database file stand for two gunicorn workers (see
    test_insight_live.py for real ones): the one that did not take the form learns too."""
    config = {"TESTING": True, "DATABASE": str(tmp_path / "bot.sqlite3"), "SECRET_KEY": "k"}
    one, two = create_app(config), create_app(config)
    assert chat(two.test_client(), QUESTION)["intent"] == "out_of_scope"  # two built its engine
    from bot.platform.db import connect
    from bot.staff import accounts as staff

    staff.create(connect(config["DATABASE"]), EMAIL, "correct horse battery staple")
    browser = one.test_client()
    assert sign_in(browser).status_code == 303
    page = browser.get("/admin/insight?lang=es").get_data(as_text=True)
    fields = form_for(page, "/admin/insight/pattern", QUESTION)
    fields["intent"] = "deportation_force"
    assert browser.post("/admin/insight/pattern", data=fields).status_code == 303
    assert chat(two.test_client(), QUESTION)["intent"] == "deportation_force"


def test_dismiss_deletes_the_group_and_records_who_without_the_text(staff_client, client, db):  # noqa: F811
    for message in WORDINGS[:2]:
        chat(client, message)
    page = staff_client.get("/admin/insight").get_data(as_text=True)
    fields = form_for(page, "/admin/insight/dismiss", GROUP_TEXT)
    resp = staff_client.post("/admin/insight/dismiss", data=fields)
    assert resp.status_code == 303
    assert db["unanswered_questions"].count == 0
    [entry] = audit_rows(db)
    assert entry["actor"] == EMAIL and entry["action"] == "questions_dismiss"
    assert json.loads(entry["before"])["questions"] == 2
    assert "hijos" not in entry["before"] + entry["after"]
    log = staff_client.get("/admin/audit").get_data(as_text=True)
    assert "Unanswered questions dismissed" in log and "Closest topic" in log
    # The same form again: the group is gone, and the page says so.
    again = staff_client.post("/admin/insight/dismiss", data=fields, follow_redirects=True)
    assert "already handled" in again.get_data(as_text=True)


@pytest.mark.parametrize(("pattern", "intent", "error"), [
    ("", "legal_help", "Write the question as a resident would ask it."),
    ("   ", "legal_help", "Write the question as a resident would ask it."),
    ("x " * 150, "legal_help", "at most 200 characters; this one has 299"),
    ("me llamo Rosa y necesito un abogado", "legal_help", "could identify a person"),
    ("mi numero es 520 555 1234", "legal_help", "could identify a person"),
    ("[name] necesito un abogado", "legal_help", "could identify a person"),
    ("necesito un abogado gratis", "", "Choose the topic"),
    ("necesito un abogado gratis", "out_of_scope", "Choose the topic"),
    ("necesito un abogado gratis", "opt_out", "Choose the topic"),
    ("de la el", "legal_help", "needs words the bot can match"),
    ("someone is breaking into my house right now", "report_crime", "call 911"),
], ids=["empty", "blank", "huge", "name", "phone", "placeholder", "no-topic", "oos", "exact",
        "stopwords", "emergency"])  # fmt: skip
def test_a_bad_pattern_gets_a_clear_error_and_keeps_what_was_typed(
    staff_client, client, db, pattern, intent, error  # noqa: F811
):
    chat(client, QUESTION)
    page = staff_client.get("/admin/insight").get_data(as_text=True)
    fields = {**form_for(page, "/admin/insight/pattern", QUESTION), "pattern": pattern,
              "intent": intent}  # fmt: skip
    resp = staff_client.post("/admin/insight/pattern", data=fields)
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert error in text.replace("&#39;", "'")
    assert 'role="alert"' in text and 'aria-invalid="true"' in text
    assert db["learned_patterns"].count == 0 and db["unanswered_questions"].count == 1


def test_a_pattern_another_intent_has_is_refused(staff_client, client, db, app):  # noqa: F811
    chat(client, QUESTION)
    with app.app_context():
        from bot import services

        report = services.engine().knowledge.intents["report_crime"]
        taken = report.lang["es"]["patterns"][0]
    page = staff_client.get("/admin/insight").get_data(as_text=True)
    fields = {**form_for(page, "/admin/insight/pattern", QUESTION), "intent": "legal_help",
              "pattern": taken.upper() + "!!"}  # fmt: skip
    resp = staff_client.post("/admin/insight/pattern", data=fields)
    assert resp.status_code == 422
    assert "already a pattern of another topic (report_crime)" in resp.get_data(as_text=True)


def test_a_learned_pattern_can_be_removed_and_the_bot_forgets_it(staff_client, client, db):  # noqa: F811
    chat(client, QUESTION)
    page = staff_client.get("/admin/insight").get_data(as_text=True)
    fields = {**form_for(page, "/admin/insight/pattern", QUESTION), "intent": "legal_help"}
    assert staff_client.post("/admin/insight/pattern", data=fields).status_code == 303
    assert chat(client, QUESTION)["intent"] == "legal_help"
    listing = staff_client.get("/admin/insight/patterns").get_data(as_text=True)
    action = re.search(r'action="(/admin/insight/patterns/\d+/remove)"', listing).group(1)
    resp = staff_client.post(action, data={"csrf_token": csrf_from(listing)})
    assert resp.status_code == 303
    assert chat(client, QUESTION)["intent"] == "out_of_scope"
    assert [e["action"] for e in audit_rows(db)] == ["pattern_add", "pattern_remove"]
    again = staff_client.post(action, data={"csrf_token": csrf_from(listing)},
                              follow_redirects=True)  # fmt: skip
    assert "already removed" in again.get_data(as_text=True)


ROUTES = [("get", "/admin/insight"), ("get", "/admin/insight/patterns"),
          ("get", "/admin/insight/counts"), ("get", "/admin/insight/counts.csv"),
          ("post", "/admin/insight/pattern"), ("post", "/admin/insight/dismiss"),
          ("post", "/admin/insight/patterns/1/remove")]  # fmt: skip


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_every_page_needs_a_signed_in_staff_member(client, method, url):
    resp = getattr(client, method)(url)
    assert resp.status_code in (302, 303)
    assert "/admin/sign-in" in resp.headers["Location"]


@pytest.mark.parametrize("url", ["/admin/insight/pattern", "/admin/insight/dismiss",
                                 "/admin/insight/patterns/1/remove"])  # fmt: skip
def test_every_form_needs_its_csrf_token(staff_client, client, db, url):  # noqa: F811
    chat(client, QUESTION)
    page = staff_client.get("/admin/insight").get_data(as_text=True)
    fields = form_for(page, "/admin/insight/pattern", QUESTION)
    for token in (None, "forged"):
        data = {**fields, "intent": "legal_help"}
        data.pop("csrf_token")
        if token:
            data["csrf_token"] = token
        resp = staff_client.post(url, data=data)
        assert resp.status_code == 400
        assert "This form has expired" in resp.get_data(as_text=True)
    assert db["learned_patterns"].count == 0 and db["unanswered_questions"].count == 1


def test_the_pages_are_in_spanish_too(staff_client, client):  # noqa: F811
    chat(client, QUESTION)
    set_language(staff_client, "es")
    page = staff_client.get("/admin/insight").get_data(as_text=True)
    for text in ("Preguntas sin respuesta", "Agregar como patrón", "Descartar",
                 "se preguntó 1×"):  # fmt: skip
        assert text in page, text
    assert "Conteos" in staff_client.get("/admin/insight/counts").get_data(as_text=True)
    assert "Patrones aprendidos" in staff_client.get("/admin/insight/patterns").get_data(
        as_text=True
    )


def test_the_pages_run_under_the_staff_content_security_policy(staff_client, client):  # noqa: F811
    chat(client, QUESTION)
    for url in ("/admin/insight", "/admin/insight/counts", "/admin/insight/patterns"):
        resp = staff_client.get(url)
        assert resp.status_code == 200
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        html = resp.get_data(as_text=True)
        assert "<script" not in html and "style=" not in html and "<style" not in html


# -- counts ------------------------------------------------------------------------


def test_counts_page_and_csv_hold_numbers_never_text(app, staff_client, client, db):  # noqa: F811
    chat(client, "si reporto un robo me preguntan por mis papeles?")
    chat(client, "puedo denunciar un robo sin papeles")
    chat(client, QUESTION)
    chat(client, "will cops call ICE if i call 911 for my neighbor", lang="en")
    week = weeks.iso_week(weeks.today(app.config))
    last_year = weeks.iso_week(weeks.today(app.config) - timedelta(weeks=3))
    with db.atomic():
        counts.record(db, week, "es", "sms", "opt_out")
        counts.record(db, last_year, "en", "sms", "legal_help")
    page = staff_client.get("/admin/insight/counts").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    assert re.search(r"2 of 3 answered", page)  # the Spanish bar's title for this week
    assert "<td>67%</td>" not in page and "67%" in page

    resp = staff_client.get("/admin/insight/counts.csv?weeks=4")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert set(rows[0]) == set(counts.CSV_FIELDS)
    table = {(r["week"], r["language"], r["channel"], r["intent"]): r for r in rows}
    assert table[(week, "es", "chat", "report_crime")]["count"] == "2"
    assert table[(week, "es", "chat", "report_crime")]["answered"] == "1"
    assert table[(week, "es", "chat", "out_of_scope")]["answered"] == "0"
    assert table[(week, "es", "sms", "opt_out")]["answered"] == ""
    assert table[(last_year, "en", "sms", "legal_help")]["count"] == "1"
    body = resp.get_data(as_text=True)
    assert "hijos" not in body and "robo" not in body
    # A week outside the range is not exported.
    short = staff_client.get("/admin/insight/counts.csv?weeks=1").get_data(as_text=True)
    assert last_year not in short


def test_counts_summary_shares_and_opt_outs(db):  # noqa: F811
    with db.atomic():
        for intent in ("legal_help", "legal_help", "emergency", "out_of_scope"):
            counts.record(db, "2025-W07", "es", "chat", intent)
        counts.record(db, "2025-W07", "es", "sms", "opt_out")
        counts.record(db, "2025-W07", "es", "sms", "opt_in")
    [es] = [r for r in counts.weekly(db, ["2025-W07"], ["en", "es"]) if r["lang"] == "es"]
    assert (es["questions"], es["answered"], es["share"], es["opt_outs"]) == (4, 3, 0.75, 1)
    by_intent = counts.by_intent(db, ["2025-W07"], ["en", "es"])
    assert by_intent[0] == {"intent": "legal_help", "total": 2, "en": 0, "es": 2}
    assert {r["intent"] for r in by_intent} == {"legal_help", "emergency", "out_of_scope"}


def test_queue_page_filters_are_checked(staff_client):  # noqa: F811
    for query in ("week=2025-W99", "week=<script>", "lang=fr", "week=2025-W07&lang=es"):
        assert staff_client.get(f"/admin/insight?{query}").status_code == 200
    assert staff_client.get("/admin/insight/counts?weeks=100000").status_code == 200


def test_group_lookup_uses_the_stored_questions_only(app, db):  # noqa: F811
    with db.atomic():
        queue.record(db, QUESTION, "es", ("legal_help", 0.3), weeks.today(app.config))
    [group] = queue.groups(db, weeks.iso_week(weeks.today(app.config)), "es")
    assert group.count == 1 and group.closest_intent == "legal_help"


# -- folding learned patterns into intents/ ------------------------------------------


def test_export_then_prune_learned_patterns(tmp_path):
    import shutil

    import yaml

    from bot.insight import learned
    from bot.platform.config import ROOT
    from bot.platform.db import connect

    intents = tmp_path / "intents"
    shutil.copytree(ROOT / "intents", intents)
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "bot.sqlite3"),
                      "SECRET_KEY": "k", "INTENTS_DIR": str(intents)})  # fmt: skip
    database = connect(app.config["DATABASE"])
    with database.atomic():
        learned.add(database, intent_id="deportation_force", lang="es", text=GROUP_TEXT,
                    actor=EMAIL, staff_id=None)  # fmt: skip
        learned.add(database, intent_id="legal_help", lang="en",
                    text="is there a lawyer who speaks spanish near me", actor=EMAIL,
                    staff_id=None)  # fmt: skip
    runner = app.test_cli_runner()
    result = runner.invoke(args=["insight-export-patterns"])
    assert result.exit_code == 0, result.output
    exported = yaml.safe_load(result.stdout)
    assert exported == {"deportation_force": {"es": [GROUP_TEXT]},
                        "legal_help": {"en": ["is there a lawyer who speaks spanish near me"]}}

    # A developer pastes one into the intent's file; --prune deletes just that row.
    path = intents / "deportation_force.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["es"]["patterns"].append(GROUP_TEXT)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert runner.invoke(args=["check-intents"]).exit_code == 0
    result = runner.invoke(args=["insight-export-patterns", "--prune"])
    assert result.exit_code == 0, result.output
    assert "pruned 1" in result.stderr
    assert yaml.safe_load(result.stdout) == {
        "legal_help": {"en": ["is there a lawyer who speaks spanish near me"]}}
    assert [r["pattern"] for r in learned.listing(database)] == [
        "is there a lawyer who speaks spanish near me"]
    actions = [(e["actor"], e["action"]) for e in audit_rows(database)]
    assert actions[-1][0].startswith("cli:") and actions[-1][1] == "pattern_remove"
