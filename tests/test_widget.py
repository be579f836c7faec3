"""The web chat's pages and headers, without a browser: what a security reviewer and
a screen-reader user depend on is in the HTML and headers, so it is checked here."""

import json
import re

import pytest

from bot import create_app

HOST = "https://www.city.example"


@pytest.fixture
def app(tmp_path):
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "bot.sqlite3"),
            "SECRET_KEY": "test-secret-key",
            "ALLOWED_EMBED_ORIGINS": [HOST, "https://Other.example/"],
        }
    )


def boot(resp) -> dict:
    html = resp.get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="chat-boot">(.*?)</script>', html, re.S)
    assert found, "the page carries its data as a JSON block"
    return json.loads(found.group(1))


def csp(resp) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in resp.headers["Content-Security-Policy"].split(";")
    }


def test_chat_page_csp_allows_only_configured_framers(client):
    resp = client.get("/chat")
    assert resp.status_code == 200
    policy = csp(resp)
    assert policy["frame-ancestors"] == f"'self' {HOST} https://other.example"
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline'
    assert "X-Frame-Options" not in resp.headers  # would override frame-ancestors in old browsers
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in resp.headers


def test_default_is_same_origin_only(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "b.sqlite3"), "SECRET_KEY": "k"})
    resp = app.test_client().get("/chat")
    assert csp(resp)["frame-ancestors"] == "'self'"


@pytest.mark.parametrize(
    "bad", ["*", "https://*.example", "https://a.example/path", "https://a.example; script-src *",
            "javascript:alert(1)", "'unsafe-inline'"],
)  # fmt: skip
def test_malformed_origins_never_reach_the_header(tmp_path, bad):
    app = create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "b.sqlite3"), "SECRET_KEY": "k",
         "ALLOWED_EMBED_ORIGINS": [bad, HOST]}
    )  # fmt: skip
    resp = app.test_client().get("/chat")
    assert csp(resp)["frame-ancestors"] == f"'self' {HOST}"


def test_origins_from_a_plain_env_string(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_ALLOWED_EMBED_ORIGINS", "https://a.example, https://b.example")
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "b.sqlite3"), "SECRET_KEY": "k"})
    resp = app.test_client().get("/chat")
    assert csp(resp)["frame-ancestors"] == "'self' https://a.example https://b.example"


def test_page_has_no_inline_script_and_only_own_assets(client):
    html = client.get("/chat").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attrs, body in scripts:
        assert 'type="application/json"' in attrs or (body.strip() == "" and 'src="/' in attrs)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url
    assert "style=" not in html  # inline styles would need 'unsafe-inline'


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", ["Clear conversation", "Send", "Your question"]),
     ("es", ["Borrar la conversación", "Enviar", "Su pregunta"])],
)  # fmt: skip
def test_page_strings_in_both_languages(client, lang, expected):
    resp = client.get(f"/chat?lang={lang}")
    html = resp.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    for text in expected:
        assert text in html
    strings = boot(resp)["strings"]
    assert set(strings) == {"en", "es"}
    assert strings["en"].keys() == strings["es"].keys()
    differ = [k for k in strings["en"] if strings["en"][k] != strings["es"][k]]
    assert {"clear", "send", "unverified", "call_911", "said_by"} <= set(differ)
    assert strings["es"]["unverified"] == "Sin verificar"
    assert strings["en"]["unverified"] == "Unverified"


def test_accept_language_picks_spanish(client):
    resp = client.get("/chat", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert boot(resp)["lang"] == "es"


@pytest.mark.parametrize("query", ["lang=fr", "lang=%00", "embed=yes&lang[]=x", "host=%ff%fe"])
def test_odd_queries_are_not_errors(client, query):
    resp = client.get(f"/chat?{query}")
    assert resp.status_code == 200
    assert boot(resp)["lang"] in ("en", "es")


def test_embed_posts_only_to_an_allowed_parent(client):
    ok = boot(client.get(f"/chat?embed=1&host={HOST}"))
    assert ok["embed"] is True and ok["parent_origin"] == HOST
    bad = boot(client.get("/chat?embed=1&host=https://evil.example"))
    assert bad["parent_origin"] is None
    assert boot(client.get(f"/chat?host={HOST}"))["parent_origin"] is None  # not embedded


def test_boot_json_cannot_break_out_of_its_script_block(client):
    resp = client.get("/chat?embed=1&host=</script><script>alert(1)</script>")
    html = resp.get_data(as_text=True)
    assert "<script>alert(1)" not in html


def test_widget_js_is_javascript_with_both_languages(client):
    resp = client.get("/widget.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    body = resp.get_data(as_text=True)
    assert "/*STRINGS*/" not in body
    assert "Ask a question" in body and "Haga una pregunta" in body
    assert "document.currentScript" in body
    assert 'postMessage({ type: "tcb-open" }, bot)' in body  # exact target origin, never "*"
    assert "e.origin !== bot" in body


def test_static_scripts_never_use_html_sinks(client):
    for path in ("/static/widget/chat.js", "/widget.js"):
        body = client.get(path).get_data(as_text=True)
        for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML(", "document.write", "eval("):
            assert sink not in body, (path, sink)
        assert '"*")' not in body


def test_cors_preflight_allowed_origin(client):
    resp = client.options(
        "/api/chat",
        headers={"Origin": HOST, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == HOST
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    assert "content-type" in resp.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in resp.headers


@pytest.mark.parametrize("origin", ["https://evil.example", "null", HOST + ".evil.example", "*"])
def test_cors_denied_origins_get_no_cors_headers(client, origin):
    pre = client.options(
        "/api/chat", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    post = client.post("/api/chat", json={"message": "hello"}, headers={"Origin": origin})
    assert post.status_code == 200  # the server answers; the browser withholds it
    for resp in (pre, post):
        assert not [k for k, _ in resp.headers.items() if k.lower().startswith("access-control")]


def test_cors_on_answers_and_errors_for_allowed_origin(client):
    ok = client.post("/api/chat", json={"message": "hola"}, headers={"Origin": HOST})
    assert ok.headers["Access-Control-Allow-Origin"] == HOST
    assert "Origin" in ok.headers["Vary"]
    bad = client.post("/api/chat", json={"message": ""}, headers={"Origin": HOST})
    assert bad.status_code == 400
    assert bad.headers["Access-Control-Allow-Origin"] == HOST  # so the page can show the error
    assert bad.get_json()["error"]["code"] == "empty_message"


def test_api_does_not_inherit_the_widgets_framing_list(client):
    resp = client.post("/api/chat", json={"message": "hello"})
    assert csp(resp)["frame-ancestors"] == "'none'"  # only /chat may be framed


def test_no_cookies_anywhere_in_the_chat(client):
    for resp in (client.get("/chat"), client.get("/widget.js"),
                 client.post("/api/chat", json={"message": "hola"})):  # fmt: skip
        assert "Set-Cookie" not in resp.headers
