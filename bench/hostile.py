"""Hostile input and the rate limiter, measured (part of `make bench`; alone:
`.venv/bin/python -m bench.hostile`).

The hostile-input tests (tests/test_hostile_input.py) only guard against hangs; the
cost of the worst inputs is a figure, measured here through the WSGI app. The worst
found is a full-length message of words nobody has sent before: each one misses
the matcher's caches and pays for a typo search and a stemmer, so the cost grows
with the number of words, which MAX_MESSAGE_CHARS bounds (about 200 words).
The rate limiter's cost is one upsert on the real SQLite file per chat request.
"""

from __future__ import annotations

import random
import statistics
import string
import tempfile
import time
from pathlib import Path

from bot import create_app
from bot.platform.db import connect
from bot.platform.rate_limits import Counter

ROUNDS = 50


def _words(rng: random.Random, length: int, limit: int = 1000) -> str:
    count = limit // (length + 1)
    return " ".join("".join(rng.choices(string.ascii_lowercase, k=length)) for _ in range(count))


def _cases(rng: random.Random) -> dict:
    """name -> a function making a fresh message (fresh, so caches never help)."""
    return {
        "typical question (es)": lambda: "si reporto un robo me preguntan por mis papeles?",
        "1,000 chars of unseen 4-letter words": lambda: _words(rng, 4),
        "1,000 chars of unseen 8-letter words": lambda: _words(rng, 8),
        "one unseen 1,000-letter word": lambda: _words(rng, 999),
        "1,000 emoji": lambda: "\U0001f600" * 1000,
        "ZWJ family sequences, 980 code points": lambda: "\U0001f468\u200d\U0001f469\u200d"
        "\U0001f467\u200d\U0001f466" * 140,
        "Arabic, 1,000 chars": lambda: ("هل تسألني الشرطة عن أوراقي؟ " * 40)[:1000],
        "combining marks (Zalgo), 1,000": lambda: "p" + "\u0301" * 999,
        "NUL x 1,000": lambda: "\x00" * 1000,
    }


def _ms(values: list[float]) -> str:
    p99 = statistics.quantiles(values, n=100, method="inclusive")[98]
    return f"p50 {statistics.median(values):6.2f}   p99 {p99:6.2f}   max {max(values):6.2f} ms"


def main() -> None:
    rng = random.Random(6)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE": str(Path(tmp) / "bench.sqlite3"), "SECRET_KEY": "bench",
                          "CHAT_RATE_LIMIT_PER_MINUTE": 0})  # fmt: skip
        client = app.test_client()
        client.post("/api/chat", json={"message": "hola"})  # load everything once
        print("hostile input, POST /api/chat through the WSGI app, fresh message each time:")
        for name, make in _cases(rng).items():
            times = []
            for _ in range(ROUNDS):
                message = make()
                start = time.perf_counter()
                resp = client.post("/api/chat", json={"message": message})
                times.append((time.perf_counter() - start) * 1000)
                assert resp.status_code == 200, (name, resp.status_code)
            print(f"  {name:40} {_ms(times)}")

        # The whole request with the limit on and off, interleaved so load on the
        # machine hits both alike: the difference is what the limiter costs a chat.
        limited = create_app({"DATABASE": str(Path(tmp) / "bench.sqlite3"),
                              "SECRET_KEY": "bench", "CHAT_RATE_LIMIT_PER_MINUTE": 10**9})
        clients = {"off": client, "on": limited.test_client()}
        per_request = {"off": [], "on": []}
        body = {"message": "si reporto un robo me preguntan por mis papeles?"}
        for c in clients.values():  # each app loads its engine on its first request
            c.post("/api/chat", json=body)
        for _ in range(300):
            for name, c in clients.items():
                start = time.perf_counter_ns()
                assert c.post("/api/chat", json=body).status_code == 200
                per_request[name].append((time.perf_counter_ns() - start) / 1e6)

        db = connect(str(Path(tmp) / "bench.sqlite3"))
        counter = Counter(limit=10**9)
        keys = [f"{n:032x}" for n in range(200)]  # 200 addresses in one minute
        for key in keys[:10]:
            counter.hit(db, key)
        times = []
        for n in range(5000):
            start = time.perf_counter_ns()
            counter.hit(db, keys[n % len(keys)])
            times.append((time.perf_counter_ns() - start) / 1000)
        db.conn.close()
    q = statistics.quantiles(times, n=100, method="inclusive")
    print("rate limit, one counted request (upsert + commit, WAL, synchronous=NORMAL):")
    print(f"  the upsert alone, open connection: p50 {statistics.median(times):.0f} µs   "
          f"p99 {q[98]:.0f} µs   (5,000 requests)")  # fmt: skip
    for name in ("off", "on"):
        print(f"  POST /api/chat, limit {name:3}: {_ms(per_request[name])}   (300 requests)")


if __name__ == "__main__":
    main()
