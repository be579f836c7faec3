"""Security headers on every response: each route in app.url_map, its errors, its
static files, over HTTP and HTTPS. A new route is covered the moment it exists."""

import pytest
from werkzeug.routing.converters import NumberConverter

from bot import create_app
from bot.platform.security import STRICT_CSP

HOST = "https://www.city.example"
FRAMABLE = {"/chat"}  # the only page a host site may frame (ALLOWED_EMBED_ORIGINS)


@pytest.fixture
def app(make_app):
    return make_app(
        TWILIO_AUTH_TOKEN="0123456789abcdef0123456789abcdef", ALLOWED_EMBED_ORIGINS=[HOST]
    )


def concrete(rule) -> str:
    """A URL for a rule, with made-up values for its variables."""
    values = {"filename": "widget/chat.css"}
    for name in rule.arguments:
        number = isinstance(rule._converters[name], NumberConverter)  # bounds.BoundedInt too
        values.setdefault(name, 1 if number else "x")
    url = rule.rule
    for name, value in values.items():
        url = url.replace(f"<{name}>", str(value))
        for kind in ("int", "path", "string", "float", "uuid", "any"):
            url = url.replace(f"<{kind}:{name}>", str(value))
    return url


def every_request(app):
    """(method, url) for every method of every route, plus one method it refuses."""
    for rule in app.url_map.iter_rules():
        url = concrete(rule)
        methods = set(rule.methods) | {"PUT", "DELETE"}
        for method in sorted(methods):
            yield method, url


def assert_headers(resp, url, secure=False):
    h = resp.headers
    where = f"{resp.request.method} {url} -> {resp.status_code}"
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("Referrer-Policy") in ("no-referrer", "same-origin"), where
    assert "camera=()" in h.get("Permissions-Policy", ""), where
    csp = h.get("Content-Security-Policy", "")
    assert "default-src" in csp and "base-uri 'none'" in csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    if url in FRAMABLE and resp.status_code == 200:
        assert "X-Frame-Options" not in h, where  # it would override frame-ancestors
        assert f"frame-ancestors 'self' {HOST}" in csp, where
    else:
        assert h.get("X-Frame-Options") == "DENY", where
        assert "frame-ancestors 'self'" not in csp and HOST not in csp, where
    if secure:
        assert h.get("Strict-Transport-Security") == "max-age=31536000", where
    else:
        assert "Strict-Transport-Security" not in h, where


def test_every_route_and_method_gets_the_headers(app):
    client = app.test_client()
    seen = 0
    for method, url in every_request(app):
        resp = client.open(url, method=method)
        assert_headers(resp, url)
        seen += 1
    assert seen > 50  # every route: no route list to forget to update


def test_https_requests_get_hsts_on_every_route(app):
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        url = concrete(rule)
        for method in rule.methods:
            resp = client.open(url, method=method, base_url="https://bot.example")
            assert_headers(resp, url, secure=True)


def test_hsts_follows_the_proxy_only_when_proxy_fix_trusts_it(tmp_path):
    def app_with(**config):
        return create_app({"TESTING": True, "DATABASE": str(tmp_path / "b.sqlite3"),
                           "SECRET_KEY": "k", **config})  # fmt: skip

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    plain = app_with().test_client().get("/healthz", headers=forwarded)
    assert "Strict-Transport-Security" not in plain.headers  # anyone can send the header
    proxied = app_with(PROXY_FIX=1).test_client().get("/healthz", headers=forwarded)
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=")
    off = app_with(HSTS_MAX_AGE=0).test_client().get("/healthz", base_url="https://b.example")
    assert "Strict-Transport-Security" not in off.headers


def test_non_pages_allow_nothing(client):
    assert client.get("/healthz").headers["Content-Security-Policy"] == STRICT_CSP
    assert client.get("/nothing-here").headers["Content-Security-Policy"] == STRICT_CSP
    assert client.get("/static/widget/chat.js").headers["Content-Security-Policy"] == STRICT_CSP
    api = client.post("/api/chat", json={"message": "hola"})
    assert api.status_code == 200
    assert api.headers["Content-Security-Policy"] == STRICT_CSP
    assert api.headers["X-Frame-Options"] == "DENY"
    sms = client.post("/sms", data={"Body": "hola"})  # unsigned: refused, still headed
    assert sms.status_code == 403
    assert sms.headers["Content-Security-Policy"] == STRICT_CSP


def test_pages_keep_their_own_policies(client):
    chat = client.get("/chat")
    assert "script-src 'self'" in chat.headers["Content-Security-Policy"]
    assert chat.headers["Referrer-Policy"] == "no-referrer"
    admin = client.get("/admin/sign-in")
    assert "frame-ancestors 'none'" in admin.headers["Content-Security-Policy"]
    assert "form-action 'self'" in admin.headers["Content-Security-Policy"]
    # Flask-WTF checks the Referer of forms posted over HTTPS: it must be sent.
    assert admin.headers["Referrer-Policy"] == "same-origin"
    assert admin.headers["Cache-Control"] == "no-store"
