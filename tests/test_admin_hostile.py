"""Every staff route, signed in, with hostile values in every parameter: never a 500.

The parameters are the ones the code reads (found in bot/staff/admin and
bot/insight/views.py, so a new one is walked the day it is added), sent in the query
string and, on POST, in the form with a valid CSRF token: numbers too large for
SQLite (25 nines), a CR LF header injection, and bytes that are not UTF-8; path ids
get the same. The server
must answer each with a page, a redirect or a 4xx: no 500, no traceback, and no
line break in a Location header.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from staff_pages import (  # noqa: F401 (fixtures)
    EMAIL,
    PASSWORD,
    account,
    csrf_from,
    db,
    sign_in,
    staff_client,
)

from bot.platform.config import ROOT

HUGE = "9" * 25
# Raw query/form values, already percent-encoded as a client would send them.
HOSTILE = {
    "25 nines": HUGE,
    "CR LF": "%0d%0aX-Injected:%201",
    "header injection in a path": "/admin%0d%0aX-Injected:%201",
    "not UTF-8": "%ff%fe%c0%af",
    "NUL and DEL": "%00%7f",
}
SOURCES = [*sorted((ROOT / "bot" / "staff" / "admin").glob("*.py")),
           ROOT / "bot" / "insight" / "views.py"]
_READ = re.compile(r"""(?:args|form|source)\.get(?:list)?\(\s*"(\w+)"|query_int\(\s*"(\w+)\"""")


def parameters() -> list[str]:
    names = set()
    for path in SOURCES:
        for pair in _READ.findall(Path(path).read_text(encoding="utf-8")):
            names.update(n for n in pair if n)
    return sorted(names - {"csrf_token"})


def admin_requests(app):
    """(method, rule) for every admin route; signing out last keeps the session."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")]
    rules.sort(key=lambda r: r.endpoint == "admin.sign_out")
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule


def url_for_rule(rule, value: str) -> str:
    return re.sub(r"<(?:int:)?[a-z_]+>", value, rule.rule)


def assert_no_500(resp, where: str):
    assert resp.status_code < 500, where
    text = resp.get_data().decode("utf-8", "replace")
    assert "Traceback" not in text and 'File "' not in text, where
    location = resp.headers.get("Location", "")
    assert "\r" not in location and "\n" not in location, where
    assert "X-Injected" not in resp.headers, where


def test_the_walk_finds_the_parameters_it_must():
    assert {"page", "listing", "next", "lang", "weeks", "q", "week", "email"} <= set(parameters())


def test_every_admin_route_every_parameter_hostile(app, staff_client, caplog):  # noqa: F811
    names = parameters()
    token = csrf_from(staff_client.get("/admin/listings/new").get_data(as_text=True))
    sent = 0
    for method, rule in admin_requests(app):
        for what, value in HOSTILE.items():
            # ids in the path: the hostile value itself, and a real one (listing 1)
            for path_value in {quote(value, safe="%/:"), "1"} if rule.arguments else {""}:
                url = url_for_rule(rule, path_value)
                query = "&".join(f"{name}={value}" for name in names)
                if method == "GET":
                    resp = staff_client.get(f"{url}?{query}")
                else:
                    body = f"csrf_token={token}&{query}".encode("latin-1")
                    resp = staff_client.open(
                        f"{url}?{query}", method=method, data=body,
                        content_type="application/x-www-form-urlencoded",
                    )  # fmt: skip
                assert_no_500(resp, f"{method} {url} ({what}) -> {resp.status_code}")
                sent += 1
            if rule.endpoint == "admin.sign_out":
                assert sign_in(staff_client).status_code == 303
                token = csrf_from(staff_client.get("/admin/listings/new").get_data(as_text=True))
    assert sent >= 150  # 20 routes and methods, 5 values, two ids for those with one
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


# -- each finding of the review, as it was written ----------------------------------


def test_a_line_break_in_next_while_signed_in_goes_to_the_listings(staff_client):  # noqa: F811
    resp = staff_client.get("/admin/sign-in?next=/admin%0d%0aX-Injected:%201")
    assert resp.status_code == 302 and resp.location.endswith("/admin/listings")
    assert "X-Injected" not in resp.headers


def test_a_line_break_in_next_of_the_language_switch(staff_client):  # noqa: F811
    page = staff_client.get("/admin/listings").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "lang": "es", "next": "/admin\r\nX-Injected: 1"}
    resp = staff_client.post("/admin/language", data=form)
    assert resp.status_code == 303 and resp.location.endswith("/admin/listings")
    assert "X-Injected" not in resp.headers


def test_a_line_break_in_next_after_sign_in(client, account):  # noqa: F811
    page = client.get("/admin/sign-in").get_data(as_text=True)
    resp = client.post("/admin/sign-in", data={
        "csrf_token": csrf_from(page), "email": EMAIL, "password": PASSWORD,
        "next": "/admin\r\nX-Injected: 1"})  # fmt: skip
    assert resp.status_code == 303 and resp.location.endswith("/admin/listings")


@pytest.mark.parametrize("target", [
    "/admin/audit?listing=3", "/admin", "/admin/listings?q=polic%C3%ADa&page=2",
])  # fmt: skip
def test_a_same_site_next_is_still_followed(client, account, target):  # noqa: F811
    page = client.get("/admin/sign-in").get_data(as_text=True)
    resp = client.post("/admin/sign-in", data={
        "csrf_token": csrf_from(page), "email": EMAIL, "password": PASSWORD, "next": target})
    assert resp.status_code == 303 and resp.location.endswith(target)


@pytest.mark.parametrize("target", [
    "//evil.example/admin", "/administrator", "/admin\\..\\evil", "https://evil.example/admin",
    "/admin/\u202e", "/admin/\x00", "/admin/listings\t", "",
])  # fmt: skip
def test_a_next_that_is_not_a_clean_admin_path_goes_to_the_listings(client, account, target):  # noqa: F811
    page = client.get("/admin/sign-in").get_data(as_text=True)
    resp = client.post("/admin/sign-in", data={
        "csrf_token": csrf_from(page), "email": EMAIL, "password": PASSWORD, "next": target})
    assert resp.status_code == 303 and resp.location.endswith("/admin/listings")


@pytest.mark.parametrize("url", [
    f"/admin/listings?page={HUGE}", f"/admin/audit?listing={HUGE}", f"/admin/audit?page={HUGE}",
    f"/admin/listings/{HUGE}", f"/admin/insight/counts?weeks={HUGE}",
    f"/admin/listings?page={'9' * 5000}", f"/admin/listings/{'9' * 5000}",
])  # fmt: skip
def test_numbers_too_large_for_sqlite_are_404(staff_client, url):  # noqa: F811
    resp = staff_client.get(url)
    assert resp.status_code == 404
    if "?" in url:  # the staff pages' own 404 (a path no route takes gets Flask's)
        assert "There is nothing at this address." in resp.get_data(as_text=True)


@pytest.mark.parametrize("action", [
    f"/admin/listings/{HUGE}", f"/admin/listings/{HUGE}/verify", f"/admin/listings/{HUGE}/retire",
    f"/admin/insight/patterns/{HUGE}/remove",
])  # fmt: skip
def test_actions_on_ids_too_large_for_sqlite_are_404(staff_client, action):  # noqa: F811
    token = csrf_from(staff_client.get("/admin/listings/new").get_data(as_text=True))
    assert staff_client.post(action, data={"csrf_token": token}).status_code == 404


def test_the_largest_sqlite_id_is_a_plain_404_and_pages_still_work(staff_client):  # noqa: F811
    assert staff_client.get(f"/admin/listings/{2**63 - 1}").status_code == 404
    assert staff_client.get(f"/admin/listings/{2**63}").status_code == 404
    assert staff_client.get("/admin/listings?page=2").status_code == 200
    assert staff_client.get("/admin/listings?page=1000000").status_code == 200
    assert staff_client.get("/admin/audit?listing=1&page=1").status_code == 200
    assert staff_client.get("/admin/listings/1").status_code == 200
