import os

import pytest
from hypothesis import settings

from bot import create_app

# Property-based tests (hypothesis, schemathesis). With CI set, every run draws the
# same examples (derandomize: seeded from each test's own code) and no example saved
# by an earlier run is replayed, so CI cannot pass or fail by the luck of the draw.
# `make fuzz` searches ten times wider with fresh randomness (HYPOTHESIS_PROFILE=fuzz);
# tests scale their example counts with `scaled()`.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("fuzz", max_examples=1000, print_blob=True)
_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _ci else "default"))


def scaled(examples: int) -> int:
    """A test's example count, times ten under the fuzz profile (its max_examples/100)."""
    return max(1, examples * settings.default.max_examples // 100)


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """Build an app on this test's own database; keyword arguments override settings.

    Twilio settings from the developer's shell are dropped, so a request a test
    signs is checked against the URL the test client uses, with the test's token.
    """
    for name in ("TWILIO_AUTH_TOKEN", "BOT_TWILIO_AUTH_TOKEN", "BOT_PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    def make(**config):
        return create_app(
            {
                "TESTING": True,
                "DATABASE": str(tmp_path / "bot.sqlite3"),
                "SECRET_KEY": "test-secret-key",
                "SENDER_HASH_KEY": "test-sender-hash-key",
                **config,
            }
        )

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ask(client):
    """Send one chat message, carrying the session like a browser would."""

    class Asker:
        session = None

        def __call__(self, message, lang=None, **extra):
            body = {"message": message, **extra}
            if lang:
                body["lang"] = lang
            if self.session:
                body["session"] = self.session
            resp = client.post("/api/chat", json=body)
            assert resp.status_code == 200, resp.get_json()
            data = resp.get_json()
            self.session = data["session"]
            return data

    return Asker()
