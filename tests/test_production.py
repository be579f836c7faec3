"""With BOT_PRODUCTION=true the app will not start on made-up keys (docs/operations.md)."""

import logging
import urllib.request

import pytest
from live_server import live_server

from bot import create_app
from bot.production import ConfigurationError

KEY = "k" * 48
HASH = "h" * 48


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("BOT_SECRET_KEY", "BOT_SENDER_HASH_KEY", "BOT_TWILIO_AUTH_TOKEN",
                 "TWILIO_AUTH_TOKEN", "BOT_PRODUCTION", "BOT_PUBLIC_BASE_URL",
                 "BOT_PROXY_FIX"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def make(tmp_path, **config):
    return create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), **config})


def test_development_still_starts_with_keys_made_in_instance(tmp_path):
    app = make(tmp_path)
    assert app.config["SECRET_KEY"] and app.config["SENDER_HASH_KEY"]


@pytest.mark.parametrize(
    "config,missing",
    [
        ({}, ["BOT_SECRET_KEY is not set", "BOT_SENDER_HASH_KEY is not set"]),
        ({"SECRET_KEY": KEY}, ["BOT_SENDER_HASH_KEY is not set"]),
        ({"SENDER_HASH_KEY": HASH, "SECRET_KEY": "short"}, ["BOT_SECRET_KEY is shorter"]),
    ],
)
def test_production_refuses_to_start_and_says_what_is_missing(
    tmp_path, caplog, config, missing
):
    with caplog.at_level(logging.CRITICAL), pytest.raises(ConfigurationError) as info:
        make(tmp_path, PRODUCTION=True, **config)
    for text in missing:
        assert text in str(info.value)
    assert any(r.levelno == logging.CRITICAL for r in caplog.records)
    assert not (tmp_path / "db.sqlite3").exists()  # stopped before touching anything


def test_production_starts_with_keys_from_the_environment(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("BOT_PRODUCTION", "true")
    monkeypatch.setenv("BOT_SECRET_KEY", KEY)
    monkeypatch.setenv("BOT_SENDER_HASH_KEY", "1" * 40)  # all digits: parsed as a number
    with caplog.at_level(logging.ERROR):
        app = make(tmp_path)
    assert app.config["PRODUCTION"] is True and app.config["SENDER_HASH_KEY"] == "1" * 40
    # No Twilio token: the web chat still serves, and the log says SMS will not.
    assert any("BOT_TWILIO_AUTH_TOKEN" in r.getMessage() for r in caplog.records)
    assert app.config["SECRET_KEY"] == KEY
    assert KEY not in caplog.text and "1" * 40 not in caplog.text


# -- the webhook's URL is the operator's, never the request's (issue 15, finding 5) ----

TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("base", [None, "bot.example.org", "http://bot.example.org",
                                  "https://bot.example.org/?x=1"])  # fmt: skip
def test_production_with_sms_on_refuses_to_start_without_an_https_public_base_url(
    tmp_path, monkeypatch, caplog, base
):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)  # the SMS channel is on
    config = {"PUBLIC_BASE_URL": base} if base else {}
    with caplog.at_level(logging.CRITICAL), pytest.raises(ConfigurationError) as info:
        make(tmp_path, PRODUCTION=True, SECRET_KEY=KEY, SENDER_HASH_KEY=HASH, **config)
    assert "BOT_PUBLIC_BASE_URL" in str(info.value)
    assert not (tmp_path / "db.sqlite3").exists()


def test_production_starts_with_the_public_base_url_or_without_sms(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_PUBLIC_BASE_URL", "https://bot.example.org")
    app = make(tmp_path, PRODUCTION=True, SECRET_KEY=KEY, SENDER_HASH_KEY=HASH,
               TWILIO_AUTH_TOKEN=TOKEN)  # fmt: skip
    assert app.config["PUBLIC_BASE_URL"] == "https://bot.example.org"
    monkeypatch.delenv("BOT_PUBLIC_BASE_URL")
    web_chat_only = make(tmp_path, PRODUCTION=True, SECRET_KEY=KEY, SENDER_HASH_KEY=HASH)
    assert web_chat_only.config["PUBLIC_BASE_URL"] is None


@pytest.mark.server
@pytest.mark.parametrize("proxy_fix", ["0", "1"])
def test_gunicorn_trusts_forwarded_headers_only_through_proxy_fix(tmp_path, proxy_fix):
    """The finding: from loopback gunicorn's default trusted X-Forwarded-Proto. HSTS is
    sent only on requests the app sees as HTTPS, so it shows what was believed."""
    database = str(tmp_path / "db.sqlite3")
    make(tmp_path, SECRET_KEY=KEY)  # migrate and seed
    env = {"BOT_DATABASE": database, "BOT_SECRET_KEY": KEY, "BOT_SENDER_HASH_KEY": HASH,
           "BOT_PROXY_FIX": proxy_fix}  # fmt: skip
    with live_server(env, workers=1, log_path=tmp_path / "gunicorn.log") as base:
        request = urllib.request.Request(base + "/healthz", headers={
            "X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on",
            "X-Forwarded-Protocol": "ssl"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 (loopback)
            hsts = resp.headers.get("Strict-Transport-Security")
    # PROXY_FIX=0: no one is trusted, loopback included; PROXY_FIX=1: the proxy is.
    assert (hsts is not None) == (proxy_fix == "1")
