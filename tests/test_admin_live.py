"""A change saved through the staff pages is in the very next chat reply, from every worker.

Runs the app under gunicorn exactly as the Procfile does, with several worker
processes sharing the SQLite file, and drives it over real HTTP like a browser.
"""

import json
import re

import pytest
import requests
from live_server import live_server
from staff_pages import EMAIL, PASSWORD

from bot import create_app
from bot.platform.db import connect
from bot.staff import accounts as staff

QUESTION = "I need a free lawyer for my immigration case"
CONSULATE = 7  # seeded: the first legal listing shown for legal_help, with a phone


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def ask(base: str) -> dict:
    # A new connection each time, so the workers take turns answering.
    resp = requests.post(f"{base}/api/chat", json={"message": QUESTION, "lang": "en"},
                         timeout=10, headers={"Connection": "close"})  # fmt: skip
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["intent"] == "legal_help", "matcher: pick another clearly legal question"
    return data


@pytest.mark.server
def test_phone_fixed_in_the_pages_shows_in_every_workers_next_reply(tmp_path):
    database = str(tmp_path / "bot.sqlite3")
    create_app({"DATABASE": database, "SECRET_KEY": "live-test"})  # migrate and seed
    staff.create(connect(database), EMAIL, PASSWORD)
    env = {"BOT_DATABASE": database, "BOT_SECRET_KEY": "live-test",
           "BOT_SESSION_COOKIE_SECURE": "false"}  # plain http on loopback  # fmt: skip
    with live_server(env, workers=3, log_path=tmp_path / "gunicorn.log") as base:
        for _ in range(9):  # every worker has answered once before the change
            assert "(520) 882-5595" in ask(base)["reply"]

        browser = requests.Session()
        page = browser.get(f"{base}/admin/sign-in", timeout=10)
        signed_in = browser.post(f"{base}/admin/sign-in", timeout=10, data={
            "csrf_token": token(page.text), "email": EMAIL, "password": PASSWORD})  # fmt: skip
        assert signed_in.url.endswith("/admin/listings"), signed_in.text[:500]
        form_page = browser.get(f"{base}/admin/listings/{CONSULATE}", timeout=10).text
        row = next(connect(database).query("select * from listings where id = ?", [CONSULATE]))
        fields = dict(re.findall(r'<input id="f-([a-z_]+)" name="\1" type="text" value="([^"]*)"',
                                 form_page))  # fmt: skip
        textareas = dict(re.findall(r'<textarea id="f-([a-z_]+)" name="\1"[^>]*>([^<]*)</textarea>',
                                    form_page))  # fmt: skip
        data = {**fields, **textareas, "phone": "(520) 882-5599",
                "status": "active", "csrf_token": token(form_page),
                "base": re.search(r'name="base" value="([^"]+)"', form_page).group(1)}  # fmt: skip
        data = {k: v.replace("&amp;", "&").replace("&#39;", "'").replace("&#34;", '"')
                for k, v in data.items()}  # fmt: skip
        # The checkboxes as the page has them ticked.
        data.update(categories=row["categories"].split(), featured_for=row["featured_for"].split(),
                    serves_undocumented="1")  # fmt: skip
        saved = browser.post(f"{base}/admin/listings/{CONSULATE}", data=data, timeout=10)
        assert saved.status_code == 200 and "Saved." in saved.text, saved.text[:2000]

        for _ in range(12):
            reply = ask(base)["reply"]
            assert "(520) 882-5599" in reply and "(520) 882-5595" not in reply
    entries = list(connect(database).query("select * from audit_log"))
    assert [(e["actor"], e["action"], e["listing_id"]) for e in entries] == [
        (EMAIL, "update", CONSULATE)]  # fmt: skip
    assert json.loads(entries[0]["after"]) == {"phone": "(520) 882-5599"}  # nothing else lost
