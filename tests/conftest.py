import pytest

from bot import create_app


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
