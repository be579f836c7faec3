import pytest

from bot import create_app


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "bot.sqlite3"),
            "SECRET_KEY": "test-secret-key",
        }
    )
    yield app


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
