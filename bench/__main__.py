"""`make bench`: the engine's speed, and its quality beside a plain classifier's.

Figures, not tests: docs/figures.md quotes them with this command. Latency is measured
per message over the held-out and blind sentences (three passes, after a warm-up
pass), with the directory lookups against a real SQLite file, as a chat request
does them. Quality is measured three ways, each beside the plain TF-IDF + linear
SVM fitted on the same data (bench/baseline.py): 5-fold cross-validation on the
training data, the held-out set, and the blind set (bench/blind/README.md).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from bot import create_app, services
from bot.engine.knowledge import load
from bot.engine.normalise import Normaliser
from bot.engine.sessions import State

from .baseline import PlainClassifier, plain_pipeline
from .known_failures import SETS
from .quality import evaluate, load_sentences
from .tune import FOLDS, REPEATS, SEED, _unused_models, decide_all, facts, out_of_fold, score

LANGS = ("en", "es")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]


def speed(messages: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # One address sends every message, so the per-address limit is raised out of
        # the way (its counter still runs and is in the figure), and the per-request
        # log lines are not printed between the figures.
        app = create_app({
            "DATABASE": str(Path(tmp) / "bench.sqlite3"), "SECRET_KEY": "bench",
            "CHAT_RATE_LIMIT_PER_MINUTE": 10**9, "LOG_LEVEL": "WARNING",
        })
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
            match_times = []
            for m in messages:
                start = time.perf_counter_ns()
                engine.matcher.match(m)
                match_times.append((time.perf_counter_ns() - start) / 1e6)
        client = app.test_client()
        start = time.perf_counter()
        for m in messages:
            resp = client.post("/api/chat", json={"message": m})
            assert resp.status_code == 200, resp.get_data(as_text=True)
        wsgi_rate = len(messages) / (time.perf_counter() - start)
    print(f"messages: {len(messages)} held-out and blind sentences, en + es")
    print("engine.respond (match + reply + directory lookup), in-process, ms per message:")
    print(f"  p50 {percentile(times, 50):.3f}   p99 {percentile(times, 99):.3f}   "
          f"max {max(times):.3f}")  # fmt: skip
    print(f"matcher.match alone: p50 {percentile(match_times, 50):.3f}   "
          f"p99 {percentile(match_times, 99):.3f}")  # fmt: skip
    print(f"POST /api/chat through the WSGI app (Flask test client, one process): "
          f"{wsgi_rate:.0f} messages/s")  # fmt: skip


def line(name: str, r: dict) -> str:
    return (f"{name}: in-domain {r['in_domain']:.1%}, out-of-scope rejected "
            f"{r['rejected']:.1%}, emergencies caught {r['emergencies']}")  # fmt: skip


def cross_validation(knowledge) -> None:
    from bot.engine.matcher import Matcher

    settings = knowledge.model
    matcher = Matcher(knowledge, models=_unused_models())
    print(f"cross-validation on the training data ({FOLDS} folds, seed {SEED}; the "
          f"settings were chosen on these folds and {REPEATS - 1} other splits):")  # fmt: skip
    variants = {
        "engine": matcher.normaliser,
        "engine without typo correction": Normaliser(knowledge, typos=False),
        "engine without the lexicon or typo correction": Normaliser(knowledge, typos=False,
                                                                    lexicon=False),
    }  # fmt: skip
    for name, normaliser in variants.items():
        oof = out_of_fold(knowledge, normaliser, settings["c"])
        got = decide_all(facts(matcher, oof, settings["temperature"]), settings)
        r = score(oof.labels, got, oof.langs)
        for lang in LANGS:
            print(f"  {lang} {line(name, r[lang])}")
        if name == "engine":
            plain = _plain_cv(oof)
            for lang in LANGS:
                print(f"  {lang} {line('plain TF-IDF + SVM', plain[lang])}")


def _plain_cv(oof) -> dict:
    pred = np.empty(len(oof.texts), dtype=object)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(oof.texts, oof.labels):
        plain = plain_pipeline()
        plain.fit([oof.texts[i] for i in train], oof.labels[train])
        pred[test] = plain.predict([oof.texts[i] for i in test])
    return score(oof.labels, pred, oof.langs)


def held_out(knowledge, engine_matcher) -> None:
    plain = PlainClassifier(knowledge)
    for name, folder in SETS.items():
        print(f"{name} set ({folder.relative_to(folder.parent.parent)}), never trained on:")
        for lang in LANGS:
            sentences = load_sentences(folder, lang)
            for who, m in (("engine", engine_matcher), ("plain TF-IDF + SVM", plain)):
                r = evaluate(m, sentences)
                fig = {"in_domain": r["accuracy"], "rejected": r["rejection"],
                       "emergencies": f"{r['emergencies_caught']}/{r['emergencies']}"}
                print(f"  {lang} {line(who, fig)} ({r['in_domain']} in-domain, "
                      f"{r['out_of_scope']} out-of-scope)")  # fmt: skip


def main() -> None:
    from bot.engine.matcher import Matcher
    from bot.platform.config import ROOT

    knowledge = load(ROOT / "intents", ROOT / "resources")
    messages = [t for folder in SETS.values() for lang in LANGS
                for ts in load_sentences(folder, lang).values() for t in ts]  # fmt: skip
    speed(messages)
    print()
    held_out(knowledge, Matcher(knowledge))
    print()
    cross_validation(knowledge)


if __name__ == "__main__":
    main()
    print()
    from . import hostile  # worst-case inputs and the rate limiter's cost

    hostile.main()
