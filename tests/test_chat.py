"""The chat API contract: shape, languages, sessions, and every kind of bad input."""

import json

import pytest

KEYS = {"session", "language", "intent", "confidence", "reply", "sources", "resources",
        "quick_replies"}  # fmt: skip


def test_spanish_question_gets_sourced_spanish_answer(ask):
    data = ask("si reporto un robo me preguntan por mis papeles?")
    assert set(data) == KEYS
    assert data["intent"] == "report_crime"
    assert data["language"] == "es"
    assert data["sources"], "a content answer cites a statement"
    src = data["sources"][0]
    assert src["speaker"] in data["reply"] and src["date"] in data["reply"]
    assert src["role"] in data["reply"]
    assert data["resources"], "a content answer lists services to call"
    assert any(r["phone"] and r["phone"] in data["reply"] for r in data["resources"])


def test_english_question_with_typos(ask):
    data = ask("will cops call ICE if i call 911 for my neighbor")
    assert data["language"] == "en"
    assert data["intent"] in ("federal_cooperation", "report_crime")
    assert "Magnus" in data["reply"]


def test_emergency_says_911_first_in_both_languages(ask, client):
    data = ask("my husband is hitting me right now")
    assert data["intent"] == "emergency"
    assert data["reply"].lstrip().startswith(data["reply"].lstrip()[:3])
    assert "911" in data["reply"].split("\n")[0]
    es = client.post("/api/chat", json={"message": "alguien esta entrando a mi casa ahorita"})
    es = es.get_json()
    assert es["intent"] == "emergency" and es["language"] == "es"
    assert "911" in es["reply"].split("\n")[0]


def test_unrelated_question_gets_menu_not_reassurance(ask):
    data = ask("how do I pay a parking ticket")
    assert data["intent"] == "out_of_scope"
    assert data["sources"] == []
    assert "1." in data["reply"]
    assert any(q["message"] == "1" for q in data["quick_replies"])


def test_menu_number_picks_topic(ask):
    menu = ask("menu", lang="en")
    assert menu["intent"] == "help"
    first_label = menu["quick_replies"][1]["label"]
    picked = ask("2")
    assert picked["intent"] != "help"
    assert picked["sources"]
    assert first_label  # the second topic's label was offered before it was picked


def test_language_switch_keeps_session(ask):
    assert ask("hola")["language"] == "es"
    switched = ask("english please")
    assert switched["intent"] == "language" and switched["language"] == "en"
    # A short message with no language evidence stays in the conversation's language.
    assert ask("ICE?")["language"] == "en"
    back = ask("en español por favor")
    assert back["language"] == "es"


def test_lang_parameter_sets_reply_language(ask):
    data = ask("ICE", lang="es")
    assert data["language"] == "es"


def test_tampered_session_starts_fresh(client):
    resp = client.post("/api/chat", json={"message": "hola", "session": "forged.token"})
    assert resp.status_code == 200
    assert resp.get_json()["language"] == "es"


def test_forget_me_resets_the_conversation(ask):
    ask("menu", lang="es")
    data = ask("borrar mis datos")
    assert data["intent"] == "forget_me"
    assert data["language"] == "es"


def error_of(resp):
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert "Traceback" not in resp.get_data(as_text=True)
    return body["error"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"message": ""}, 400, "empty_message"),
        ({"message": "   \n "}, 400, "empty_message"),
        ({}, 400, "missing_message"),
        ({"message": 42}, 400, "invalid_message"),
        ({"message": ["hi"]}, 400, "invalid_message"),
        ({"message": "hi", "lang": "fr"}, 400, "invalid_lang"),
        ({"message": "hi", "session": 7}, 400, "invalid_session"),
        ({"message": "x" * 1001}, 400, "message_too_long"),
        ([1, 2], 400, "invalid_json"),
    ],
)
def test_bad_json_bodies(client, body, status, code):
    err = error_of(client.post("/api/chat", json=body))
    assert err["code"] == code


def test_exactly_1000_characters_is_accepted(client):
    resp = client.post("/api/chat", json={"message": "a" * 1000})
    assert resp.status_code == 200


def test_errors_in_residents_language(client):
    err = error_of(client.post("/api/chat", json={"message": "", "lang": "es"}))
    assert err["code"] == "empty_message" and "mensaje" in err["message"].lower()
    err = error_of(client.post("/api/chat", json={"message": ""},
                               headers={"Accept-Language": "es-MX,es;q=0.9"}))  # fmt: skip
    assert "mensaje" in err["message"].lower()
    err = error_of(client.post("/api/chat", json={"message": "", "lang": "en"}))
    assert "message" in err["message"].lower()


def test_not_json(client):
    resp = client.post("/api/chat", data="{not json", content_type="application/json")
    assert resp.status_code == 400 and error_of(resp)["code"] == "invalid_json"


def test_deeply_nested_json(client):
    resp = client.post("/api/chat", data="[" * 5000 + "]" * 5000,
                       content_type="application/json")  # fmt: skip
    assert resp.status_code in (400, 413)
    error_of(resp)


def test_invalid_utf8(client):
    resp = client.post(
        "/api/chat", data=b'{"message": "\xff\xfe"}', content_type="application/json"
    )
    assert resp.status_code == 400 and error_of(resp)["code"] == "invalid_utf8"


def test_wrong_content_type(client):
    resp = client.post("/api/chat", data="message=hola")
    assert resp.status_code == 415
    error_of(resp)


def test_body_over_limit(client, app):
    big = json.dumps({"message": "a" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    resp = client.post("/api/chat", data=big, content_type="application/json")
    assert resp.status_code == 413
    error_of(resp)


def test_lone_surrogate_escape_is_answered(client):
    resp = client.post(
        "/api/chat", data='{"message": "hola \\ud800"}', content_type="application/json"
    )
    assert resp.status_code == 200


def test_wrong_method_and_unknown_path_are_json(client):
    assert error_of(client.get("/api/chat"))["code"] == "method_not_allowed"
    assert error_of(client.get("/api/nope"))["code"] == "not_found"
