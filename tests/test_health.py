from bot import create_app


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_broken_data_is_503_not_a_crash(tmp_path):
    bad = tmp_path / "intents"
    bad.mkdir()
    (bad / "_lexicon.yaml").write_text("spellings: {}\n")
    (bad / "greeting.yaml").write_text("intent: greeting\n")
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"),
                      "SECRET_KEY": "k", "INTENTS_DIR": str(bad)})  # fmt: skip
    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    resp = client.post("/api/chat", json={"message": "hola"})
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "unavailable"
