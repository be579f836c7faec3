"""The widget in a real headless Chromium (Debian's package, never a download).

A host page on another local port embeds the one-line loader, as the city's site
would; the bot runs under gunicorn exactly as in production (tests/live_server.py).
Assertions use the API's JSON `intent` and the page's structure, not wording, because
matching and answers are tuned elsewhere.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from tests.live_server import free_port, live_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TEL = re.compile(r"^tel:\+?\d+$")
LAUNCHER = {"es": "Haga una pregunta", "en": "Ask a question"}
FRAME = "iframe[src*='/chat?embed=1']"


def host_page(bot: str, lang: str) -> str:
    """A plain page with a link before the launcher and nothing but the embed line."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>City of Tucson'
        '</title></head><body><main><h1>City services</h1><a href="#top">City home</a>'
        "</main>\n"
        f'<script src="{bot}/widget.js" data-lang="{lang}" async></script>\n'
        "</body></html>"
    )


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_dir(directory: Path, port: int):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The bot, an allowed host site and a host site that is not on the list."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make browser-deps` (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("sites")
    allowed_port, denied_port = free_port(), free_port()
    allowed = f"http://127.0.0.1:{allowed_port}"
    env = {
        "BOT_DATABASE": str(tmp / "bot.sqlite3"),
        "BOT_SECRET_KEY": "browser-test-secret",
        "BOT_ALLOWED_EMBED_ORIGINS": json.dumps([allowed]),
    }
    with live_server(env, workers=2, log_path=tmp / "gunicorn.log") as bot:
        servers = []
        for name, port in (("allowed", allowed_port), ("denied", denied_port)):
            site = tmp / name
            site.mkdir()
            for lang in ("es", "en"):
                (site / f"{lang}.html").write_text(host_page(bot, lang), encoding="utf-8")
            servers.append(serve_dir(site, port))
        yield {"bot": bot, "allowed": allowed, "denied": f"http://127.0.0.1:{denied_port}"}
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def open_widget(page, sites, lang: str):
    """Open the host page, click the launcher, wait for the greeting's menu."""
    page.goto(f"{sites['allowed']}/{lang}.html")
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as greeting:
        page.get_by_role("button", name=LAUNCHER[lang]).click()
    data = greeting.value.json()
    assert data["intent"] == "greeting" and data["language"] == lang
    frame = page.frame_locator(FRAME)
    frame.locator("#quick button").first.wait_for()
    return frame


def ask(page, frame, text: str) -> dict:
    """Type a question and send it with Enter; return the API's JSON answer."""
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as answer:
        frame.locator("#message").fill(text)
        frame.locator("#message").press("Enter")
    data = answer.value.json()
    frame.locator(f".msg.bot[data-intent='{data['intent']}']").last.wait_for()
    return data


def check_answer(frame, data: dict) -> None:
    """The last answer shows the reply, its attribution, and listings as cards."""
    msg = frame.locator(".msg.bot").last
    assert msg.get_attribute("lang") == data["language"]
    assert msg.locator(".text").inner_text().strip()
    assert data["sources"], "a content answer names who said it"
    attribution = msg.locator(".sources li .attribution").first.inner_text()
    source = data["sources"][0]
    assert source["speaker"] in attribution and source["date"] in attribution
    assert data["resources"], "a content answer lists services"
    cards = msg.locator(".card")
    assert cards.count() == len(data["resources"])
    hrefs = msg.locator(".card a[href^='tel:']").evaluate_all("els => els.map(e => e.href)")
    assert hrefs and all(TEL.match(h) for h in hrefs), hrefs
    unverified = sum(1 for r in data["resources"] if r["verified"] is False)
    assert msg.locator(".card .badge").count() == unverified


def test_spanish_conversation_in_the_embedded_widget(page, sites):
    frame = open_widget(page, sites, "es")
    assert frame.locator("html").get_attribute("lang") == "es"
    assert frame.get_by_role("button", name="Español").get_attribute("aria-pressed") == "true"
    data = ask(page, frame, "necesito un abogado gratis")
    assert data["intent"] == "legal_help" and data["language"] == "es"
    check_answer(frame, data)
    you = frame.locator(".msg.you").last
    assert you.get_attribute("lang") == "es"
    assert "abogado" in you.inner_text()
    # the first listing's number becomes a tel: link with only digits
    first = data["resources"][0]
    digits = re.sub(r"\D", "", first["phone"].split(";")[0])
    link = frame.locator(".card").first.locator("a[href^='tel:']").first
    href = link.get_attribute("href")
    assert TEL.match(href) and href[4:].lstrip("+") in digits
    assert frame.get_by_role("button", name="Menú").is_visible()  # quick replies as buttons


def test_english_after_the_switch_with_one_link_per_number(page, sites):
    frame = open_widget(page, sites, "es")
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as menu:
        frame.get_by_role("button", name="English", exact=True).first.click()
    assert menu.value.json()["language"] == "en"
    assert frame.locator("html").get_attribute("lang") == "en"
    assert frame.locator("#send").inner_text() == "Send"
    data = ask(page, frame, "can I report a crime if I am undocumented")
    assert data["intent"] == "report_crime" and data["language"] == "en"
    check_answer(frame, data)
    several = [r for r in data["resources"] if ";" in r["phone"]]
    if several:  # "911; non-emergency (520) 791-4444" is two links
        card = frame.locator(".card", has_text=several[0]["name"])
        assert card.locator("a[href^='tel:']").count() == len(several[0]["phone"].split(";"))


def test_text_from_the_server_and_the_resident_is_never_markup(page, sites):
    frame = open_widget(page, sites, "en")
    ask(page, frame, "<img src=x onerror=\"document.title='pwned'\"> <b>bold</b>")
    you = frame.locator(".msg.you").last
    assert "<img" in you.inner_text()
    assert you.locator("img, b").count() == 0
    assert page.title() == "City of Tucson"


def test_emergency_cannot_be_missed(page, sites):
    frame = open_widget(page, sites, "en")
    data = ask(page, frame, "someone is breaking into my house right now, help")
    assert data["intent"] == "emergency"
    msg = frame.locator(".msg.bot").last
    assert msg.get_attribute("role") == "alert"
    assert "emergency" in msg.get_attribute("class")
    # 911 is the first number to tap (in the answer, and again as its listing)
    first = msg.locator("a[href^='tel:']").first
    assert first.get_attribute("href") == "tel:911" and first.is_visible()


def test_keyboard_only_spanish_conversation(page, sites):
    page.goto(f"{sites['allowed']}/es.html")
    page.get_by_role("button", name=LAUNCHER["es"]).wait_for()
    for _ in range(5):  # the host page's link, then the launcher
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == LAUNCHER["es"]:
            break
    assert page.evaluate("document.activeElement.getAttribute('aria-haspopup')") == "dialog"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the launcher shows where focus is"
    page.keyboard.press("Enter")
    frame = page.frame_locator(FRAME)
    frame.locator("#quick button").first.wait_for()
    dialog = page.locator("[role=dialog]")
    assert dialog.get_attribute("aria-modal") == "true"
    # focus moved into the chat, on the question field
    assert frame.locator("#message").evaluate("el => el === document.activeElement")
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as answer:
        page.keyboard.type("necesito un abogado gratis")
        page.keyboard.press("Enter")
    assert answer.value.json()["intent"] == "legal_help"
    frame.locator(".msg.bot[data-intent='legal_help']").wait_for()
    # a quick reply, by keyboard: Tab to "Menú" and press Enter
    for _ in range(60):
        page.keyboard.press("Tab")
        name = frame.locator(":focus").evaluate("el => el.textContent", timeout=2000)
        assert page.evaluate("document.activeElement.tagName") == "IFRAME", "focus stays in"
        if name == "Menú":
            break
    else:
        pytest.fail("the quick reply was not reachable by Tab")
    focused = frame.locator(":focus")
    assert focused.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as menu:
        page.keyboard.press("Enter")
    assert menu.value.json()["intent"] == "help"
    # the trap: a full cycle of Tab and Shift+Tab never leaves the chat
    for key in ["Tab"] * 30 + ["Shift+Tab"] * 30:
        page.keyboard.press(key)
        assert page.evaluate("document.activeElement.tagName") == "IFRAME", key
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.textContent") == LAUNCHER["es"]
    assert page.evaluate("document.activeElement.getAttribute('aria-expanded')") == "false"


def test_clear_conversation_forgets_the_session(page, sites):
    frame = open_widget(page, sites, "en")
    ask(page, frame, "can I report a crime if I am undocumented")
    with page.expect_request(lambda r: r.url.endswith("/api/chat")) as fresh:
        frame.get_by_role("button", name="Clear conversation").click()
    assert "session" not in json.loads(fresh.value.post_data)
    frame.locator(".msg.bot").first.wait_for()
    assert frame.locator(".msg.you").count() == 0
    stored = frame.locator("html").evaluate("() => Object.keys(sessionStorage)")
    local = frame.locator("html").evaluate("() => Object.keys(localStorage).length")
    assert stored == ["tcb.session"] and local == 0
    cookies = page.context.cookies()
    assert cookies == []


@pytest.mark.parametrize("lang, question, forget", [
    ("es", "necesito un abogado gratis", "borrar mis datos"),
    ("en", "can I report a crime if I am undocumented", "delete my data"),
])  # fmt: skip
def test_writing_delete_my_data_clears_the_page(page, sites, lang, question, forget):
    """PRIVACY.md: write "delete my data" and the page clears and starts over."""
    frame = open_widget(page, sites, lang)
    asked = ask(page, frame, question)
    assert frame.locator(".msg.you").count() == 1
    data = ask(page, frame, forget)
    assert data["intent"] == "forget_me" and data["language"] == lang
    # Nothing of the question, the answer or the request to delete is left on the page:
    # only the confirmation, in the resident's language.
    assert frame.locator(".msg.you").count() == 0
    bot = frame.locator(".msg.bot")
    assert bot.count() == 1 and bot.first.get_attribute("data-intent") == "forget_me"
    assert bot.first.get_attribute("lang") == lang
    shown = frame.locator("#log").inner_text()
    assert question not in shown and asked["resources"][0]["name"] not in shown
    # The token kept in the tab remembers the language and no topic.
    token = frame.locator("html").evaluate("() => sessionStorage.getItem('tcb.session')")
    assert token == data["session"] and token.startswith(f"{lang}|.")


def test_an_origin_not_allowed_cannot_frame_the_chat(page, sites):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
    page.goto(f"{sites['denied']}/en.html")
    page.get_by_role("button", name=LAUNCHER["en"]).click()
    page.wait_for_timeout(1500)
    chat_frames = [f for f in page.frames if f != page.main_frame]
    assert chat_frames, "the loader did make an iframe"
    for f in chat_frames:
        assert not f.url.startswith(sites["bot"]) or f.query_selector("#chat") is None
        assert f.query_selector("#message") is None
    assert refused, "Chromium reported the frame-ancestors refusal"


def axe_scan(frame_or_page) -> list[dict]:
    frame_or_page.add_script_tag(path=str(AXE))
    result = frame_or_page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
        " target: v.nodes[0] && v.nodes[0].target}))"
    )
    return result


QUESTIONS = {"es": "necesito un abogado gratis", "en": "can I report a crime if I am undocumented"}


@pytest.mark.parametrize(("lang", "question"), list(QUESTIONS.items()))
def test_axe_finds_no_serious_or_critical_violations(browser, sites, lang, question):
    assert AXE.exists(), "axe-core is missing: run `make browser-deps`"
    # Playwright injects axe as an inline <script>, which the chat's CSP rightly
    # forbids; this context lets the test tool in. Everything else is as served.
    context = browser.new_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        frame = open_widget(page, sites, lang)
        ask(page, frame, question)
        ask(page, frame, "someone is breaking into my house right now, help")
        found = {"host": axe_scan(page)}
        chat = next(f for f in page.frames if "/chat?embed=1" in f.url)
        found["chat"] = axe_scan(chat)
        full = context.new_page()
        full.goto(f"{sites['bot']}/chat?lang={lang}")
        full.locator("#quick button").first.wait_for()
        found["page"] = axe_scan(full)
        if os.environ.get("AXE_REPORT_DIR"):  # keep the full list for a report
            report = Path(os.environ["AXE_REPORT_DIR"]) / f"axe-{lang}.json"
            report.write_text(json.dumps(found, indent=1), encoding="utf-8")
        bad = {
            k: [v for v in vs if v["impact"] in ("serious", "critical")] for k, vs in found.items()
        }
        assert bad == {"host": [], "chat": [], "page": []}
    finally:
        context.close()


def test_phone_sized_spanish_widget(browser, sites, tmp_path):
    """At 360 px the open widget fills the screen with no sideways scrolling."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    try:
        frame = open_widget(page, sites, "es")
        ask(page, frame, "necesito un abogado gratis")
        box = page.locator(FRAME).bounding_box()
        assert box["width"] == 360 and box["height"] == 740
        overflow = frame.locator("html").evaluate("el => el.scrollWidth - el.clientWidth")
        assert overflow <= 0
        frame.locator(".msg.bot").last.scroll_into_view_if_needed()
        shot = tmp_path / "widget-es.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size < 200_000
        if os.environ.get("WIDGET_SCREENSHOT"):  # refresh docs/widget-es.png on request
            shutil.copy(shot, ROOT / os.environ["WIDGET_SCREENSHOT"])
    finally:
        context.close()
