"""Residents' traffic for `make load`: chat conversations and signed Twilio texts, en + es.

The client must cost far less than the server it measures, on the same two cores,
so it speaks HTTP/1.1 over raw keep-alive sockets (http.client parses headers with
the email package, several times slower) and builds every request from data
prepared before the clock starts. bench/load.py reports its CPU time per request.

Messages are the residents' own wording: the held-out set (bench/heldout) and the
blind set (bench/blind), in conversations of
one to four turns that carry the chat `session` token or the same phone number, with
menu digits, MORE/MAS and greetings between questions, as people use the service.
"""

from __future__ import annotations

import itertools
import json
import random
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from .quality import BLIND, HELD_OUT, load_sentences

LANGS = ("en", "es")
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Idle keep-alive connections are closed by gunicorn after `keepalive` (2 s); one idle
# for longer than this is reopened before use rather than raced against the close.
REUSE_IDLE_SECONDS = 1.0

GREETING = {"en": ["hi", "hello", "menu"], "es": ["hola", "buenas", "menú"]}
MORE = {"en": ["MORE", "more"], "es": ["MAS", "más", "Mas"]}


class HttpError(Exception):
    pass


class Conn:
    """One keep-alive HTTP/1.1 connection, as one browser tab or one Twilio worker has."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.sock: socket.socket | None = None
        self.last_used = 0.0
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:  # fmt: skip
        if self.sock is None or time.monotonic() - self.last_used > REUSE_IDLE_SECONDS:
            self.close()
            self.sock = socket.create_connection((self.host, self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        try:
            self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            status, head, data = self._read()
        except (OSError, HttpError, ValueError):
            self.close()
            raise
        self.last_used = time.monotonic()
        if head.get("connection", "").lower() == "close":
            self.close()
        return status, head, data

    def _read(self) -> tuple[int, dict, bytes]:
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise HttpError("connection closed before the response")
            buf += chunk
        head_bytes, _, rest = buf.partition(b"\r\n\r\n")
        status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        head: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie, _, _attrs = value.partition(";")
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
            head[name] = value
        if "chunked" in head.get("transfer-encoding", ""):
            raise HttpError("chunked responses are not expected from this app")
        length = int(head.get("content-length", "0"))
        while len(rest) < length:
            chunk = self.sock.recv(max(65536, length - len(rest)))
            if not chunk:
                raise HttpError("connection closed inside the body")
            rest += chunk
        return status, head, rest[:length]


@dataclass
class Recorder:
    """Latencies (ms) per kind of request and every unexpected answer, for one phase."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    service: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    late: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, kind: str, latency_ms: float, service_ms: float | None = None) -> None:
        self.latencies[kind].append(latency_ms)
        self.service[kind].append(latency_ms if service_ms is None else service_ms)

    def error(self, kind: str, what: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.samples) < 20:
                self.samples.append(f"{kind}: {what}")

    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + sum(self.errors.values())


# A request to send: (kind, method, path, body, headers). A script is a generator that
# yields them and is sent back each (status, headers, body), to carry a session on.
Request = tuple[str, str, str, bytes, dict]
Script = Generator[Request, tuple[int, dict, bytes], None]


class Corpus:
    """The residents' sentences and the ingredients of every conversation."""

    def __init__(self, token: str, sms_url: str, senders: int = 5000, seed: int = 6):
        self.sentences: dict[str, list[str]] = {}
        for lang in LANGS:
            texts = []
            for folder in (HELD_OUT, BLIND):
                if (folder / f"{lang}.yaml").exists():
                    texts += [t for ts in load_sentences(folder, lang).values() for t in ts]
            self.sentences[lang] = texts
        self.validator = RequestValidator(token)
        self.sms_url = sms_url
        rng = random.Random(seed)
        # 555-01xx is reserved for fiction; the rest of 555 is unassigned in practice.
        self.senders = [f"+1520555{n:04d}" for n in rng.sample(range(10000), senders)]

    def chat(self, rng: random.Random, lang: str) -> Script:
        """A web-chat conversation: 1-4 turns on one session token, as the widget sends."""
        session = None
        first = {"lang": lang} if rng.random() < 0.5 else {}
        for turn in range(rng.choice((1, 1, 2, 2, 3, 4))):
            roll = rng.random()
            if turn and roll < 0.25:
                message = str(rng.randint(1, 9))  # a topic from the menu just shown
            elif roll < 0.1:
                message = rng.choice(GREETING[lang])
            else:
                message = rng.choice(self.sentences[lang])
            payload = {"message": message, **(first if turn == 0 else {})}
            if session:
                payload["session"] = session
            status, _head, body = yield (f"chat {lang}", "POST", "/api/chat",
                                         json.dumps(payload).encode(), JSON)  # fmt: skip
            session = json.loads(body)["session"] if status == 200 else None

    def sms(self, rng: random.Random, lang: str) -> Script:
        """Texts from one phone: a question, maybe MORE/MAS, a menu digit, another question."""
        sender = rng.choice(self.senders)
        turns = [rng.choice(GREETING[lang])] if rng.random() < 0.15 else []
        turns.append(rng.choice(self.sentences[lang]))
        if rng.random() < 0.4:
            turns.append(rng.choice(MORE[lang]))
        if rng.random() < 0.2:
            turns.append(str(rng.randint(1, 9)))
        for body_text in turns:
            yield (f"sms {lang}", "POST", "/sms", *self.signed_form(rng, sender, body_text))

    def signed_form(self, rng: random.Random, sender: str, text: str) -> tuple[bytes, dict]:
        """The form Twilio posts for an inbound text, signed as Twilio signs it."""
        sid = "SM" + rng.randbytes(16).hex()
        form = {
            "ToCountry": "US", "ToState": "AZ", "SmsMessageSid": sid, "NumMedia": "0",
            "ToCity": "TUCSON", "FromZip": "85705", "SmsSid": sid, "FromState": "AZ",
            "SmsStatus": "received", "FromCity": "TUCSON", "Body": text, "FromCountry": "US",
            "To": "+15205550000", "ToZip": "85701", "NumSegments": "1",
            "MessageSid": sid, "AccountSid": "AC" + "4" * 32, "From": sender,
            "ApiVersion": "2010-04-01",
        }  # fmt: skip
        signature = self.validator.compute_signature(self.sms_url, form)
        return urlencode(form).encode(), {**FORM, "X-Twilio-Signature": signature,
                                          "User-Agent": "TwilioProxy/1.1"}  # fmt: skip

    def residents(self, rng: random.Random, chat_share: float) -> Iterator[Script]:
        while True:
            lang = rng.choice(LANGS)
            yield self.chat(rng, lang) if rng.random() < chat_share else self.sms(rng, lang)


def conversation_lengths(scripts: Iterator[Script], n: int) -> list[int]:
    """How many requests each of n residents' conversations makes, learned by running
    each against a canned answer (before the clock starts: it signs SMS forms)."""
    canned = (200, {}, b'{"session": null}')
    lengths = []
    for script in itertools.islice(scripts, n):
        count = 0
        try:
            next(script)
            count = 1
            while True:
                script.send(canned)
                count += 1
        except StopIteration:
            lengths.append(count)
    return lengths


def healthz_like(lengths: list[int], start: int = 0) -> Iterator[Script]:
    """GET /healthz in conversations as long as the residents' ones.

    Each conversation opens its own connection (see `_drive`), so the baseline must
    open as many connections per request as the mix does, or the comparison would
    charge connection set-up to the mix alone.
    """

    def gets(n: int) -> Script:
        for _ in range(n):
            yield ("healthz", "GET", "/healthz", b"", {})

    for i in itertools.count(start):
        yield gets(lengths[i % len(lengths)])


def check(kind: str, status: int, body: bytes) -> str | None:
    """Why an answer is wrong, or None: every resident request must get a real reply."""
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    if kind.startswith("chat"):
        data = json.loads(body)
        if not data.get("reply") or not data.get("session"):
            return f"chat answer without reply or session: {body[:200]!r}"
    elif kind.startswith("sms") and b"<Response" not in body:
        return f"not TwiML: {body[:200]!r}"
    elif kind == "healthz" and b'"ok"' not in body:
        return f"not ok: {body[:200]!r}"
    return None


def _drive(conn: Conn, scripts: Iterator[Script], rec_of: Callable[[], Recorder],
           next_start: Callable[[], float | None]) -> None:  # fmt: skip
    """Send script steps at the times `next_start` gives (None: stop), recording each.

    A conversation is one resident: their own browser or phone, so their own
    connection, closed when they are done. Sixteen connections kept for the whole
    run were split unevenly between the gunicorn workers (3:1 measured, one worker
    idle half the time), and the mix measured 600 or 1,000 req/s by luck of the
    accept; new residents arriving go to whichever worker is free, as in service.
    Gunicorn closes a connection idle for 2 s anyway, and residents type slower.
    """
    script = next(scripts)
    req = next(script)
    while (scheduled := next_start()) is not None:
        now = time.perf_counter()
        if scheduled > now:
            time.sleep(scheduled - now)
        rec = rec_of()
        kind, method, path, body, headers = req
        sent = time.perf_counter()
        try:
            status, _head, data = conn.request(method, path, body, headers)
            problem = check(kind, status, data)
        except (OSError, HttpError, ValueError) as exc:
            status, data, problem = 0, b"", f"{type(exc).__name__}: {exc}"
        done = time.perf_counter()
        if problem:
            rec.error(kind, problem)
            conn.close()
            script = next(scripts)  # that resident gives up; the next one starts
            req = next(script)
            continue
        rec.ok(kind, (done - scheduled) * 1000, (done - sent) * 1000)
        if scheduled < sent:
            rec.late.append((sent - scheduled) * 1000)
        try:
            req = script.send((status, {}, data))
        except StopIteration:
            conn.close()  # that resident is done; the next one connects anew
            script = next(scripts)
            req = next(script)
    conn.close()


def closed_loop(host: str, port: int, make_scripts: Callable[[int], Iterator[Script]],
                rec: Recorder, connections: int, seconds: float) -> float:  # fmt: skip
    """Each connection sends its next request as soon as the last is answered.

    This finds the most the server can do (throughput), not its latency at a sane
    load: queues are full by design. Returns the wall-clock time taken.
    """
    end = time.perf_counter() + seconds

    def until_end():
        now = time.perf_counter()
        return now if now < end else None

    threads = [threading.Thread(target=_drive, args=(Conn(host, port), make_scripts(i),
                                                     lambda: rec, until_end),
                                daemon=True)  # Ctrl-C must not wait for them  # fmt: skip
               for i in range(connections)]  # fmt: skip
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def open_loop(host: str, port: int, make_scripts: Callable[[int], Iterator[Script]],
              rec: Recorder, rate: float, seconds: float, connections: int) -> float:  # fmt: skip
    """Requests start on a fixed schedule, `rate` per second, whatever the answers do.

    Latency is counted from the scheduled start, so a slow answer that delays the
    next request on its connection is charged to the server (no coordinated
    omission). Connection i sends requests i, i + n, i + 2n, ... of the schedule.
    """
    total = int(rate * seconds)
    start = time.perf_counter() + 0.2

    def slots(i: int):
        k = i

        def next_start():
            nonlocal k
            if k >= total:
                return None
            at = start + k / rate
            k += connections
            return at

        return next_start

    threads = [threading.Thread(target=_drive, args=(Conn(host, port), make_scripts(i),
                                                     lambda: rec, slots(i)),
                                daemon=True)  # fmt: skip
               for i in range(connections)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start
