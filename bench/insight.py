"""What staff insight costs a request: `.venv/bin/python -m bench.insight`.

Figures, not tests (docs/staff.md quotes them): the turn hook (the count
added to the process's tally, plus the scrubbed question written for an unanswered
one), the tally's write every COUNTS_FLUSH_SECONDS, the learned-patterns
version check every chat request makes, and the engine rebuild each worker does
once after a pattern is added or removed.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bot import create_app, insight, services
from bot.engine.sessions import State
from bot.insight import learned
from bot.platform.db import get_db

from .quality import BLIND, load_sentences


def _ms(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {cuts[49]:.3f} ms, p99 {cuts[98]:.3f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE": str(Path(tmp) / "bench.sqlite3"), "SECRET_KEY": "bench",
                          "CHAT_RATE_LIMIT_PER_MINUTE": 0, "PURGE_INTERVAL_SECONDS": 0,
                          "COUNTS_FLUSH_SECONDS": 3600})
        messages = [t for lang in ("en", "es") for ts in load_sentences(BLIND, lang).values()
                    for t in ts]  # fmt: skip
        with app.test_request_context():
            engine = services.engine()
            turns = [(m, engine.respond(m, State(), services.listings)[0]) for m in messages]
            answered = [t for t in turns if t[1].intent != "out_of_scope"]
            unanswered = [t for t in turns if t[1].intent == "out_of_scope"]
            hook = {"answered": [], "unanswered": []}
            for _ in range(3):
                for kind, batch in (("answered", answered), ("unanswered", unanswered)):
                    for message, reply in batch:
                        start = time.perf_counter_ns()
                        insight.on_turn("chat", message, reply)
                        hook[kind].append((time.perf_counter_ns() - start) / 1e6)
                flush = time.perf_counter_ns()
                insight.flush_counts()
                hook.setdefault("flush", []).append((time.perf_counter_ns() - flush) / 1e6)
            db, source = get_db(), learned.LearnedPatterns()
            version = []
            for _ in range(5000):
                start = time.perf_counter_ns()
                source.version(db)
                version.append((time.perf_counter_ns() - start) / 1e6)
            rebuild = []
            knowledge = services.engine().knowledge
            for _ in range(5):
                start = time.perf_counter()
                from bot.engine.turn import Engine

                Engine(source.apply(knowledge, db), engine.service)
                rebuild.append((time.perf_counter() - start) * 1000)
    print(f"turn hook, answered (count added to the tally): {_ms(hook['answered'])}"
          f" over {len(hook['answered'])} turns")
    print(f"turn hook, unanswered (scrub + tally + queue insert): {_ms(hook['unanswered'])}"
          f" over {len(hook['unanswered'])} turns")
    print(f"tally written (one transaction, {len(turns)} turns' counts): "
          f"{', '.join(f'{v:.2f}' for v in hook['flush'])} ms")
    print(f"learned-patterns version check (per chat/SMS request): {_ms(version)}")
    print(f"engine rebuild after a pattern change (per worker, once): "
          f"median {statistics.median(rebuild):.0f} ms, max {max(rebuild):.0f} ms of 5")


if __name__ == "__main__":
    main()
