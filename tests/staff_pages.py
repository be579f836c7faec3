"""Helpers for tests of the staff pages: a staff account, a signed-in client, CSRF tokens."""

from __future__ import annotations

import re

import pytest

from bot.platform.db import connect
from bot.staff import accounts as staff

EMAIL = "ana.staff@tucsonaz.gov"
PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def sign_in(client, email=EMAIL, password=PASSWORD, lang=None):
    page = client.get("/admin/sign-in")
    return client.post(
        "/admin/sign-in",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "email": email,
              "password": password},
    )  # fmt: skip


def post_form(client, page_url: str, action_url: str, data: dict, **kw):
    """POST a form the way a browser does: fetch its page first for the CSRF token."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(action_url, data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                         **data}, **kw)  # fmt: skip


def set_language(client, lang: str):
    page = client.get("/admin/sign-in", follow_redirects=True)
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/admin/language", data={"csrf_token": token, "lang": lang, "next": "/admin/"}
    )


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.conn.close()


@pytest.fixture
def account(db):
    return staff.create(db, EMAIL, PASSWORD)


@pytest.fixture
def staff_client(client, account):
    resp = sign_in(client)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client
