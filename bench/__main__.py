"""`make bench`: latency and throughput of the engine, and matching quality figures.

Figures, not tests: the README quotes them with this command. Latency is measured
per message over every labelled sentence (three passes, after a warm-up pass), with
the directory lookups against a real SQLite file, as a chat request does them.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bot import create_app, services
from bot.sessions import State

from .quality import DEV_SET, HELD_OUT, evaluate, load_sentences

LANGS = ("en", "es")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # One address sends every message, so the per-address limit is raised out of
        # the way (its counter still runs and is in the figure), and the per-request
        # log lines are not printed between the figures.
        app = create_app({
            "DATABASE": str(Path(tmp) / "bench.sqlite3"), "SECRET_KEY": "bench",
            "CHAT_RATE_LIMIT_PER_MINUTE": 10**9, "LOG_LEVEL": "WARNING",
        })
        messages = [
            t for lang in LANGS for ts in load_sentences(DEV_SET, lang).values() for t in ts
        ]

        with app.app_context():
            engine = services.engine()
            for m in messages:  # warm caches, as a running server would be
                engine.respond(m, State(), services.listings)
            times = []
            for _ in range(3):
                for m in messages:
                    start = time.perf_counter_ns()
                    engine.respond(m, State(), services.listings)
                    times.append((time.perf_counter_ns() - start) / 1e6)
            matcher = engine.matcher
            match_times = []
            for m in messages:
                start = time.perf_counter_ns()
                matcher.match(m)
                match_times.append((time.perf_counter_ns() - start) / 1e6)

        client = app.test_client()
        start = time.perf_counter()
        for m in messages:
            resp = client.post("/api/chat", json={"message": m})
            assert resp.status_code == 200, resp.get_data(as_text=True)
        wsgi_rate = len(messages) / (time.perf_counter() - start)

    print(f"messages: {len(messages)} labelled sentences, en + es")
    print("engine.respond (match + reply + directory lookup), in-process, ms per message:")
    print(f"  p50 {percentile(times, 50):.3f}   p99 {percentile(times, 99):.3f}   "
          f"max {max(times):.3f}")  # fmt: skip
    print(f"matcher.match alone: p50 {percentile(match_times, 50):.3f}   "
          f"p99 {percentile(match_times, 99):.3f}")  # fmt: skip
    print(f"POST /api/chat through the WSGI app (Flask test client, one process): "
          f"{wsgi_rate:.0f} messages/s")  # fmt: skip
    print()
    for name, folder in (("development set (tests/data/sentences)", DEV_SET),
                         ("held-out set (bench/heldout)", HELD_OUT)):  # fmt: skip
        if not (folder / "en.yaml").exists():
            print(f"{name}: missing")
            continue
        print(f"{name}:")
        for lang in LANGS:
            r = evaluate(matcher, load_sentences(folder, lang))
            print(f"  {lang}: in-domain accuracy {r['accuracy']:.1%} ({r['in_domain']}), "
                  f"out-of-scope rejected {r['rejection']:.1%} ({r['out_of_scope']}), "
                  f"emergencies caught {r['emergencies_caught']}/{r['emergencies']}")  # fmt: skip


if __name__ == "__main__":
    main()
    print()
    from . import hostile  # worst-case inputs and the rate limiter's cost

    hostile.main()
