"""With BOT_PRODUCTION=true the app will not start on made-up keys (README "production")."""

import logging

import pytest

from bot import create_app
from bot.production import ConfigurationError

KEY = "k" * 48
HASH = "h" * 48


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("BOT_SECRET_KEY", "BOT_SENDER_HASH_KEY", "BOT_TWILIO_AUTH_TOKEN",
                 "TWILIO_AUTH_TOKEN", "BOT_PRODUCTION"):  # fmt: skip
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
