"""The chat's signed state token: what it carries, and every way a bad one is refused."""

import hashlib
import hmac

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from bot.engine.sessions import _PURPOSE, SessionCodec, State

SECRET = "test-secret-key-that-is-long-enough"


def codec(max_age=3600, secret=SECRET):
    return SessionCodec(secret, max_age, ["en", "es"])


def signer(secret=SECRET):
    key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
    return TimestampSigner(key, key_derivation="none", digest_method=hashlib.sha256)


@pytest.mark.parametrize("menu", [[], ["legal_help"], ["legal_help", "report_crime", "emergency"]])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_token_gives_back_the_language_and_menu(lang, menu):
    token = codec().dumps(State(lang=lang, menu=menu))
    assert codec().loads(token) == State(lang=lang, menu=menu)


def test_a_token_carries_only_ids_never_what_was_typed():
    token = codec().dumps(State(lang="es", menu=["legal_help", "me llamo Rosa, 520-555-1234"]))
    assert "Rosa" not in token and "555" not in token
    assert codec().loads(token).menu == ["legal_help"]


def test_a_changed_token_is_refused():
    token = codec().dumps(State(lang="es", menu=["legal_help"]))
    assert codec().loads(token.replace("es|", "en|", 1)) is None
    assert codec().loads(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None


def test_a_token_signed_with_another_secret_is_refused():
    token = codec(secret="another-secret-key-entirely").dumps(State(lang="es"))
    assert codec().loads(token) is None


def test_another_signed_value_of_the_app_does_not_pass_as_a_token():
    """Flask's cookie session and the old JSON tokens sign with the same SECRET_KEY."""
    old = URLSafeTimedSerializer(SECRET, salt="chat-session").dumps({"l": "es", "m": []})
    assert codec().loads(old) is None
    cookie = URLSafeTimedSerializer(SECRET, salt="cookie-session").dumps("es|")
    assert codec().loads(cookie) is None


def test_an_expired_token_is_refused():
    token = codec().dumps(State(lang="es"))
    assert codec(max_age=-1).loads(token) is None


@pytest.mark.parametrize(
    "value",
    ["", "es", "fr|legal_help", "|legal_help", "es|legal help", "es|legal_help,,x",
     "es|LEGAL", "es|<script>", "es|a.b", "es|legal_help\n", "es|9lives"],  # fmt: skip
)
def test_a_well_signed_token_with_a_malformed_value_is_refused(value):
    assert codec().loads(signer().sign(value).decode()) is None


@pytest.mark.parametrize("token", [None, "", "x", "a.b.c", "é" * 10, "x" * 2001, "es|.1.2"])
def test_garbage_is_refused_without_an_error(token):
    assert codec().loads(token) is None
