"""A staff member editing listings through the staff pages while residents use the bot.

She signs in with the CSRF form, opens a listing, changes its hours and Spanish
description to values no other edit has (accents, «», <, &, quotes, an emoji, a
second line), saves, follows the redirect and reads the values back from the form,
switching the pages between English and Spanish now and then. Every edit is kept so
bench/load.py can check, after the server has stopped, that each one is in the audit
log exactly as typed and that the last one per listing is what the database holds.
"""

from __future__ import annotations

import gettext
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

from .load_traffic import FORM, Conn, Recorder

ROOT = Path(__file__).resolve().parent.parent
EDITED = ("hours", "description_es")


def saved_flash(lang: str) -> str:
    """'Saved.' as the pages say it in `lang`, from the compiled catalog."""
    if lang == "en":
        return "Saved."
    catalog = gettext.translation("messages", ROOT / "translations", [lang])
    return catalog.gettext("Saved.")


class FormParser(HTMLParser):
    """The fields of one <form>, as a browser would submit them."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, []
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action and a.get("method") == "post"
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("text", "hidden") or (kind == "checkbox" and "checked" in a):
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # Browsers send a textarea's line breaks as CRLF.
            self.fields.append((self._textarea, "".join(self._text).replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [v for v, sel in self._options if sel] or [self._options[0][0]]
            self.fields.append((self._select, chosen[0]))
            self._select = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    parser = FormParser(action)
    parser.feed(html)
    if not parser.fields:
        raise ValueError(f"no form posting to {action} on the page")
    return parser.fields


def edit_values(n: int) -> dict[str, str]:
    """Values unique to edit `n`, with what tends to get mangled: markup, quotes, accents."""
    return {
        "hours": f"Edición de carga {n:05d}: lun–vie 9:00–17:00 · «café & <té>» \"ñandú\" 🌵",
        "description_es": (f"Carga {n:05d} — servicio gratuito en español e inglés; "
                           f"acentos áéíóú ü ñ, 'comillas' & <etiquetas>.\n"
                           f"Segunda línea {n:05d} ✓"),  # fmt: skip
    }


@dataclass
class Staff:
    host: str
    port: int
    email: str
    password: str
    listing_ids: list[int]
    rec_of: Callable[[], Recorder]
    think_seconds: float = 0.2
    switch_every: int = 25
    edits: list[dict] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    failure: str | None = None

    def _call(self, conn: Conn, kind: str, method: str, path: str, data=None,
              expect: int = 200) -> tuple[dict, str]:  # fmt: skip
        body = urlencode(data, doseq=True).encode() if data is not None else b""
        start = time.perf_counter()
        status, head, raw = conn.request(method, path, body, FORM if data is not None else {})
        elapsed = (time.perf_counter() - start) * 1000
        text = raw.decode("utf-8")
        if status != expect:
            raise RuntimeError(f"{kind} {method} {path}: HTTP {status}, expected {expect}: "
                               f"{text[:300]!r}")  # fmt: skip
        self.rec_of().ok(kind, elapsed)
        return head, text

    def _csrf(self, html: str, action: str) -> str:
        return dict(form_fields(html, action))["csrf_token"]

    def run(self) -> None:
        conn = Conn(self.host, self.port)
        try:
            self._session(conn)
        except Exception as exc:  # noqa: BLE001 - any failure ends the run as an error
            self.failure = f"{type(exc).__name__}: {exc}"
            self.rec_of().error("staff", self.failure)
        finally:
            conn.close()

    def _session(self, conn: Conn) -> None:
        _h, page = self._call(conn, "staff sign-in", "GET", "/admin/sign-in")
        head, _t = self._call(conn, "staff sign-in", "POST", "/admin/sign-in", {
            "csrf_token": self._csrf(page, "/admin/sign-in"), "email": self.email,
            "password": self.password, "next": ""}, expect=303)  # fmt: skip
        if not head.get("location", "").endswith("/admin/listings"):
            raise RuntimeError(f"sign-in went to {head.get('location')!r}")
        lang, n = "en", 0
        while not self.stop.is_set():
            listing_id = self.listing_ids[n % len(self.listing_ids)]
            path = f"/admin/listings/{listing_id}"
            if n % 3 == 0:  # look it up first, as staff do
                self._call(conn, "staff page", "GET", "/admin/listings?q=tucson&category=legal")
            _h, page = self._call(conn, "staff page", "GET", path)
            fields = form_fields(page, path)
            values = edit_values(n)
            submitted = [(k, v) for k, v in fields if k not in EDITED]
            submitted += [("hours", values["hours"]),
                          ("description_es", values["description_es"].replace("\n", "\r\n"))]
            head, _t = self._call(conn, "staff save", "POST", path, submitted, expect=303)
            if not head.get("location", "").endswith(path):
                raise RuntimeError(f"save of {path} went to {head.get('location')!r}")
            _h, page = self._call(conn, "staff page", "GET", path)
            if saved_flash(lang) not in page:
                raise RuntimeError(f"edit {n} of {path}: no “{saved_flash(lang)}” after saving")
            shown = dict(form_fields(page, path))
            for name in EDITED:
                if shown[name].replace("\r\n", "\n") != values[name]:
                    raise RuntimeError(f"edit {n} of {path}: {name} reads back as "
                                       f"{shown[name]!r}, not {values[name]!r}")  # fmt: skip
            self.edits.append({"n": n, "listing_id": listing_id, **values})
            n += 1
            if n % self.switch_every == 0:
                lang = "es" if lang == "en" else "en"
                self._call(conn, "staff page", "POST", "/admin/language", {
                    "csrf_token": self._csrf(page, "/admin/language"), "lang": lang,
                    "next": path}, expect=303)  # fmt: skip
            self.stop.wait(self.think_seconds)


def snapshot(db_path: Path) -> dict[int, dict]:
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        return {r["id"]: dict(r) for r in db.execute("select * from listings")}


def verify_edits(db_path: Path, before: dict[int, dict], edits: list[dict],
                 email: str) -> list[str]:  # fmt: skip
    """Every problem with the staff edits as stored; empty when each is present and intact."""
    problems = []
    after = snapshot(db_path)
    with sqlite3.connect(db_path) as db:
        log = db.execute("select listing_id, action, after from audit_log where actor = ? "
                         "order by id", [email]).fetchall()  # fmt: skip
    logged = [(lid, json.loads(a)) for lid, action, a in log if action == "update"]
    expected = [(e["listing_id"], {k: e[k] for k in EDITED}) for e in edits]
    if len(logged) != len(expected):
        problems.append(f"{len(expected)} edits saved, {len(logged)} in the audit log")
    for i, (want, got) in enumerate(zip(expected, logged, strict=False)):
        if want != got:
            problems.append(f"edit {i}: audit log has {got!r}, expected {want!r}")
            if len(problems) > 10:
                break
    last = {e["listing_id"]: e for e in edits}
    for listing_id, row in after.items():
        old = before.get(listing_id)
        if old is None:
            problems.append(f"listing {listing_id} appeared during the run")
            continue
        # An edited listing may also get a new updated_at and lose its verification
        # (hours changed without "I confirmed"); nothing else of any listing may move.
        may_change = ("updated_at", "verified", "last_verified_at", "verified_by") \
            if listing_id in last else ()  # fmt: skip
        for name, value in row.items():
            if listing_id in last and name in EDITED:
                if value != last[listing_id][name]:
                    problems.append(f"listing {listing_id} {name} is {value!r}, "
                                    f"last saved {last[listing_id][name]!r}")  # fmt: skip
            elif name not in may_change and value != old[name]:
                problems.append(f"listing {listing_id} {name} changed: {old[name]!r} → {value!r}")
    if len(after) != len(before):
        problems.append(f"{len(before)} listings before, {len(after)} after")
    return problems
