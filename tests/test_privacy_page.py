"""The data policy: PRIVACY.md and PRIVACY.es.md, the `/privacy` page rendered from
them, and the links to it from the chat, the SMS HELP reply and the README."""

import re
import secrets
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from flask_babel import force_locale
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from twilio.request_validator import RequestValidator

from bot import create_app, services
from bot.channels.sms import replies
from bot.channels.sms.store import REPLY_MAX_AGE
from bot.engine import sms_segments as segments
from bot.platform.config import DEFAULTS, ROOT
from bot.platform.privacy import FILES

TOKEN = "privacy-page-test-token"
DAY = 24 * 3600


@pytest.fixture
def app(make_app):
    return make_app(TWILIO_AUTH_TOKEN=TOKEN)


def markdown(lang: str) -> str:
    return FILES[lang].read_text(encoding="utf-8")


def tokens(lang: str):
    return MarkdownIt("commonmark").enable("table").parse(markdown(lang))


def outline(lang: str) -> list[str]:
    """The document's shape: headings by level, list items, table rows, in order."""
    shape = []
    for token in tokens(lang):
        if token.type in ("heading_open", "list_item_open", "tr_open", "table_open"):
            shape.append(token.tag)
    return shape


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.loaded, self.links, self.scripts = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag in ("img", "iframe", "source", "audio", "video") or (
            tag == "link" and attrs.get("rel") == "stylesheet"
        ):
            self.loaded.append(attrs.get("src") or attrs.get("href"))
        if tag == "a":
            self.links.append(attrs.get("href"))


# -- the documents -------------------------------------------------------------


def test_the_spanish_policy_is_the_whole_policy_not_a_summary():
    assert outline("es") == outline("en")
    assert len(outline("en")) > 40
    # The same settings and figures in both: a number changed in one file only fails.
    for pattern in (r"`([A-Z_]+)`", r"\b\d+\b"):
        assert sorted(re.findall(pattern, markdown("es"))) == sorted(
            re.findall(pattern, markdown("en"))
        ), pattern


@pytest.mark.parametrize(
    ("lang", "days", "minutes"), [("en", "days", "minutes"), ("es", "días", "minutos")]
)
def test_the_figures_in_the_policy_are_the_running_defaults(lang, days, minutes):
    text = markdown(lang)
    assert f"**{DEFAULTS['QUEUE_RETENTION_DAYS']} {days}**" in text
    assert f"**{DEFAULTS['COUNTS_RETENTION_DAYS']} {days}**" in text
    assert f"`CONVERSATION_MAX_AGE_DAYS` ({DEFAULTS['CONVERSATION_MAX_AGE_DAYS']})" in text
    assert f"`PURGE_INTERVAL_SECONDS` ({DEFAULTS['PURGE_INTERVAL_SECONDS']})" in text
    assert f"`QUEUE_RETENTION_DAYS` ({DEFAULTS['QUEUE_RETENTION_DAYS']})" in text
    # "1 day" for the SMS conversation, the replies kept for retries and the chat token.
    one_day = {"en": "1 day", "es": "1 día"}[lang]
    assert DEFAULTS["CONVERSATION_MAX_AGE_DAYS"] == 1 and REPLY_MAX_AGE == DAY
    assert DEFAULTS["CHAT_SESSION_MAX_AGE"] == DAY
    assert text.count(one_day) >= 5
    assert DEFAULTS["PURGE_INTERVAL_SECONDS"] == 3600  # "at least once an hour"
    assert f"{DEFAULTS['SIGN_IN_WINDOW_SECONDS'] // 60} {minutes}" in text


def test_the_policy_says_what_it_cannot_promise():
    en, es = (" ".join(markdown(lang).split()) for lang in ("en", "es"))
    for needle in ("Twilio", "We cannot delete those", "BORRAR", "DELETE MY DATA", "STOP",
                   "Clear conversation", "Backups", "flask purge", "911"):  # fmt: skip
        assert needle in en, needle
    for needle in ("Twilio", "no podemos borrarlos", "BORRAR", "DELETE MY DATA", "PARAR",
                   "Borrar la conversación", "Copias de seguridad", "flask purge"):  # fmt: skip
        assert needle in es, needle


def test_the_button_names_in_the_policy_are_the_chats_own(app):
    from bot.channels import widget

    with app.test_request_context():
        strings = widget.strings_for_all_languages()
    assert f"**{strings['en']['clear']}**" in markdown("en")
    assert f"**{strings['es']['clear']}**" in markdown("es")


# -- the page ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "headers", "lang"),
    [
        ("/privacy", {}, "en"),
        ("/privacy?lang=es", {}, "es"),
        ("/privacy", {"Accept-Language": "es-MX,es;q=0.9"}, "es"),
        ("/privacidad", {}, "es"),
        ("/privacidad?lang=en", {}, "en"),
        ("/privacy?lang=fr", {}, "en"),
    ],
)
def test_the_page_is_served_in_the_residents_language(client, url, headers, lang):
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    title = next(t for t in tokens(lang) if t.type == "inline").content
    assert f"<title>{title}</title>" in html
    skip = {"en": "Skip to the policy", "es": "Ir a la política de privacidad"}[lang]
    assert skip in html  # the page's own strings come from the catalogs
    other = {"en": "Leer en español", "es": "Read in English"}[lang]
    assert other in html


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_page_renders_every_part_of_the_document(client, lang):
    html = client.get(f"/privacy?lang={lang}").get_data(as_text=True)
    stream = tokens(lang)
    for i, token in enumerate(stream):
        if token.type == "heading_open":
            heading = escapeHtml(stream[i + 1].content)
            assert f"<{token.tag}>{heading}</{token.tag}>" in html, heading
    assert html.count("<tr>") == outline(lang).count("tr")
    assert html.count("<li>") == outline(lang).count("li")


def test_the_page_loads_nothing_from_elsewhere_and_runs_no_script(client):
    for url in ("/privacy", "/privacidad"):
        resp = client.get(url)
        parser = Assets()
        parser.feed(resp.get_data(as_text=True))
        assert parser.scripts == 0
        assert parser.loaded == ["/static/privacy.css"]
        assert client.get(parser.loaded[0]).status_code == 200
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "style-src 'self'" in csp
        assert "script-src" not in csp
        # Links: the other language, the chat, anchors; never another site.
        for href in parser.links:
            assert href.startswith(("/", "?lang=", "#")), href


def test_raw_html_in_the_policy_would_be_shown_as_text_not_run(monkeypatch, tmp_path):
    from bot.platform import privacy

    hostile = tmp_path / "PRIVACY.md"
    hostile.write_text("# Policy\n\n<script>alert(1)</script> [x](javascript:alert(1))\n")
    monkeypatch.setitem(privacy.FILES, "en", hostile)
    privacy.document.cache_clear()
    try:
        _title, body = privacy.document("en")
    finally:
        privacy.document.cache_clear()
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert 'href="javascript:' not in body


# -- the links to it -------------------------------------------------------------


def test_the_readme_links_the_policy():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(PRIVACY.md)" in readme and "(PRIVACY.es.md)" in readme


@pytest.mark.parametrize(("lang", "path"), [("en", "/privacy"), ("es", "/privacidad")])
def test_the_chat_links_the_policy_in_its_language(client, lang, path):
    html = client.get(f"/chat?lang={lang}").get_data(as_text=True)
    link = re.search(r'<a id="privacy-link" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link and link.group(1) == path
    assert link.group(2) == {"en": "What we keep and how to delete it",
                             "es": "Qué guardamos y cómo borrarlo"}[lang]  # fmt: skip
    # The script switches the link with the language: both addresses are in its data.
    assert '"privacy": {"en": "/privacy", "es": "/privacidad"}' in html


def text_help(app, body, url="http://localhost/sms"):
    """A first text from a new phone: HELP answers in English, AYUDA in Spanish."""
    form = {"MessageSid": "SM" + secrets.token_hex(16), "Body": body, "NumMedia": "0",
            "From": f"+1520555{secrets.randbelow(10_000):04d}"}  # fmt: skip
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    resp = app.test_client().post("/sms", data=form, headers={"X-Twilio-Signature": signature})
    assert resp.status_code == 200
    return ElementTree.fromstring(resp.data).find("Message").text  # noqa: S314


@pytest.mark.parametrize(("word", "url"), [("HELP", "http://localhost/privacy"),
                                           ("AYUDA", "http://localhost/privacidad")])  # fmt: skip
def test_sms_help_gives_the_policy_address_within_the_segment_limit(app, word, url):
    reply = text_help(app, word)
    assert url in reply
    assert ("DELETE MY DATA" if word == "HELP" else "BORRAR") in reply
    assert "911" in reply
    assert segments.count(reply) <= app.config["SMS_MAX_SEGMENTS"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_sms_help_uses_the_public_address_twilio_calls(tmp_path, lang):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "b.sqlite3"),
                      "SECRET_KEY": "k", "TWILIO_AUTH_TOKEN": TOKEN, "SENDER_HASH_KEY": "h",
                      "PUBLIC_BASE_URL": "https://answers.tucsonaz.gov"})  # fmt: skip
    reply = text_help(app, {"en": "HELP", "es": "AYUDA"}[lang],
                      url="https://answers.tucsonaz.gov/sms")  # fmt: skip
    path = {"en": "/privacy", "es": "/privacidad"}[lang]
    assert f"https://answers.tucsonaz.gov{path} " in reply
    assert segments.count(reply) <= 3
    if lang == "en":
        assert segments.encoding(reply) == segments.GSM7


def test_a_public_address_too_long_for_three_segments_leaves_help_without_it(tmp_path):
    base = "https://community-answers.city-of-tucson-arizona.example.org/bots"
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "b.sqlite3"),
                      "SECRET_KEY": "k", "TWILIO_AUTH_TOKEN": TOKEN, "SENDER_HASH_KEY": "h",
                      "PUBLIC_BASE_URL": base})  # fmt: skip
    reply = text_help(app, "AYUDA", url=base + "/sms")
    with app.test_request_context(), force_locale("es"):
        service = services.engine().service
        assert reply == replies.help_text(service["name"]["es"], service["city"])
    assert segments.count(reply) <= 3
    # English (GSM-7, 153 a part) still has room for it.
    assert base + "/privacy" in text_help(app, "HELP", url=base + "/sms")
