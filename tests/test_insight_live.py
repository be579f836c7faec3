"""A pattern added on the staff page answers the next question in every gunicorn worker.

Runs the app exactly as the Procfile does, with several worker processes that each
built their matcher before the change, and drives it over real HTTP.
"""

import re

import pytest
import requests
from live_server import live_server
from staff_pages import EMAIL, PASSWORD

from bot import create_app
from bot.platform.db import connect
from bot.staff import accounts as staff

QUESTION = "¿Me quitan la custodia de mis hijos si me detiene inmigración?"


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def ask(base: str) -> dict:
    # A new connection each time, so the workers take turns answering.
    resp = requests.post(f"{base}/api/chat", json={"message": QUESTION}, timeout=10,
                         headers={"Connection": "close"})  # fmt: skip
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.server
def test_a_learned_pattern_reaches_every_worker_without_a_restart(tmp_path):
    database = str(tmp_path / "bot.sqlite3")
    create_app({"DATABASE": database, "SECRET_KEY": "live-test"})  # migrate and seed
    staff.create(connect(database), EMAIL, PASSWORD)
    env = {"BOT_DATABASE": database, "BOT_SECRET_KEY": "live-test",
           "BOT_SESSION_COOKIE_SECURE": "false", "BOT_CHAT_RATE_LIMIT_PER_MINUTE": "0"}  # fmt: skip
    with live_server(env, workers=3, log_path=tmp_path / "gunicorn.log") as base:
        for _ in range(9):  # every worker has answered (and queued it) before the change
            assert ask(base)["intent"] == "out_of_scope"

        browser = requests.Session()
        page = browser.get(f"{base}/admin/sign-in", timeout=10)
        signed_in = browser.post(f"{base}/admin/sign-in", timeout=10, data={
            "csrf_token": token(page.text), "email": EMAIL, "password": PASSWORD})  # fmt: skip
        assert signed_in.status_code == 200, signed_in.text[:500]
        queue_page = browser.get(f"{base}/admin/insight?lang=es", timeout=10).text
        assert "asked 9×" in queue_page
        form = re.search(r'<form method="post" action="/admin/insight/pattern".*?</form>',
                         queue_page, re.S).group(0)  # fmt: skip
        fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
        fields |= {"intent": "deportation_force",
                   "pattern": "me quitan la custodia de mis hijos si me detiene inmigracion",
                   }  # fmt: skip
        added = browser.post(f"{base}/admin/insight/pattern", data=fields, timeout=10)
        assert added.status_code == 200 and "left the queue" in added.text, added.text[:2000]

        for _ in range(12):
            assert ask(base)["intent"] == "deportation_force"
    assert connect(database)["unanswered_questions"].count == 0


@pytest.mark.server
def test_each_worker_writes_the_counts_it_holds_when_gunicorn_stops(tmp_path):
    """Counts wait in each worker (COUNTS_FLUSH_SECONDS); a graceful stop writes them."""
    database = str(tmp_path / "bot.sqlite3")
    create_app({"DATABASE": database, "SECRET_KEY": "live-test"})  # migrate and seed
    env = {"BOT_DATABASE": database, "BOT_SECRET_KEY": "live-test",
           "BOT_CHAT_RATE_LIMIT_PER_MINUTE": "0", "BOT_COUNTS_FLUSH_SECONDS": "3600"}  # fmt: skip
    with live_server(env, workers=3, log_path=tmp_path / "gunicorn.log") as base:
        for _ in range(9):
            ask(base)
        assert connect(database)["insight_counts"].count == 0  # held, not yet written
    rows = list(connect(database).query("select channel, intent, n from insight_counts"))
    assert rows == [{"channel": "chat", "intent": "out_of_scope", "n": 9}]
