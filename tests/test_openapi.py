"""The chat API's OpenAPI description (bot/channels/api_spec/openapi.yaml) and the app agree:
schemathesis generates valid and invalid requests from it, sends them to the WSGI
app, and checks every answer against it; real answers in both languages too."""

import os
import re
import subprocess
import sys

import jsonschema
import pytest
import schemathesis
from conftest import scaled
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from bot import create_app
from bot.channels.api_spec import spec


def make_app(tmp_path):
    return create_app({"TESTING": True, "DATABASE": str(tmp_path / "bot.sqlite3"),
                       "SECRET_KEY": "k", "CHAT_RATE_LIMIT_PER_MINUTE": 0})  # fmt: skip


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_app_answers_as_described(tmp_path, mode):
    # Status codes, content types, headers and bodies must be the documented ones and
    # never a 5xx; requests the schema allows are accepted (positive), those it
    # forbids refused with a 4xx (negative). Driven through hypothesis directly:
    # schemathesis' pytest loader does not run under this pytest.
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", make_app(tmp_path))

    @given(case=api.as_strategy(generation_mode=mode))
    @settings(max_examples=scaled(80), deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate()

    check()


def validator(name: str):
    document = spec()
    return jsonschema.Draft7Validator({"$ref": f"#/components/schemas/{name}", **document})


@pytest.mark.parametrize(
    ("message", "lang"),
    [("will cops call ICE if i call 911 for my neighbor", "en"),
     ("si reporto un robo me preguntan por mis papeles?", "es"),
     ("necesito un abogado gratis", "es"), ("menu", "en"), ("hola", "es")],
)  # fmt: skip
def test_real_answers_in_both_languages_match_the_schema(client, message, lang):
    resp = client.post("/api/chat", json={"message": message})
    assert resp.status_code == 200
    body = resp.get_json()
    validator("ChatReply").validate(body)
    assert body["language"] == lang


def test_every_example_matches_its_schema_in_both_languages():
    document = spec()
    checked = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(status, r) for status, r in operation["responses"].items()]
            for where, part in bodies:
                media = part.get("content", {}).get("application/json", {})
                for name, example in media.get("examples", {}).items():
                    resolver_doc = {**document, **media["schema"]}
                    jsonschema.Draft7Validator(resolver_doc).validate(example["value"])
                    checked.add((path, method, where, name))
    # Questions, answers, and the errors a resident sees, each shown in both languages.
    for where in ("request", "200", "400", "429"):
        names = {n for (_, _, w, n) in checked if w == where}
        assert {"english", "spanish"} <= names, where


def test_served_document_is_the_data_file(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_json() == spec()
    assert resp.get_json()["openapi"].startswith("3.")


def test_documented_limits_are_the_configured_ones(app):
    request = spec()["components"]["schemas"]["ChatRequest"]["properties"]
    assert request["message"]["maxLength"] == app.config["MAX_MESSAGE_CHARS"]
    assert [v for v in request["lang"]["enum"] if v] == app.config["LANGUAGES"]


def test_a_message_of_only_white_space_is_outside_the_schema_and_refused(client):
    # What schemathesis generated in the review: allowed by the old pattern (\S read
    # as ECMA/ASCII does), refused by the app as empty.
    message = validator("ChatRequest")
    for text in ("\u001c\u001c", " ", "\u3000\u00a0\t", "\x85"):
        assert not message.is_valid({"message": text}), repr(text)
        resp = client.post("/api/chat", json={"message": text})
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "empty_message"
    assert message.is_valid({"message": "\u001chola\u001c"})


def test_the_message_pattern_is_what_the_app_strips_for_every_character():
    """Each code point, one by one: the schema's pattern (as schemathesis compiles it,
    ECMA with ASCII classes) matches it exactly when the app keeps it after strip()."""
    from schemathesis.generation.jsonschema.strategy import compile_ecma_pattern

    source = spec()["components"]["schemas"]["ChatRequest"]["properties"]["message"]["pattern"]
    readings = [re.compile(source), compile_ecma_pattern(source)]
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        for pattern in readings:
            assert bool(pattern.search(char)) == bool(char.strip()), (hex(code), pattern.flags)


def test_ci_draws_the_same_examples_every_run():
    """With CI set, conftest loads a derandomized profile without an example database."""
    script = "import conftest; from hypothesis import settings as s; " \
             "print(s.default.derandomize, s.default.database)"
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    run = [sys.executable, "-c", script]
    tests_dir = os.path.dirname(__file__)
    on_ci = subprocess.run(run, env={**env, "CI": "true"}, cwd=tests_dir, capture_output=True,
                           text=True, check=True)  # fmt: skip
    assert on_ci.stdout.split() == ["True", "None"]
    local = subprocess.run(run, env=env, cwd=tests_dir, capture_output=True, text=True,
                           check=True)  # fmt: skip
    assert local.stdout.split()[0] == "False"
