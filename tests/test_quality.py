"""Measured quality on sentences the engine never trained on.

bench/blind3 was written in session 8 from the intent list alone and committed unread
before that session's changes; bench/blind2 likewise in session 7; bench/blind before
the learned engine; bench/heldout after session 1's tuning. None is trained on
(tests/test_training_data.py checks no training sentence equals one of theirs).
Every sentence must get its intent, except those in tests/data/known_failures.yaml,
each of which must keep failing until it is fixed (then it leaves the list). The
figures are `make bench`'s; the thresholds came from cross-validation.
"""

from pathlib import Path

import pytest
import yaml

from bench.known_failures import SETS
from bench.quality import load_sentences
from bot.engine.knowledge import load
from bot.engine.language import LanguageDetector
from bot.engine.matcher import Matcher
from bot.platform.config import ROOT

DATA = Path(__file__).parent / "data"
LANGS = ("en", "es")


@pytest.fixture(scope="module")
def knowledge():
    return load(ROOT / "intents", ROOT / "resources")


@pytest.fixture(scope="module")
def matcher(knowledge):
    return Matcher(knowledge)


def known_failures() -> list[dict]:
    doc = yaml.safe_load((DATA / "known_failures.yaml").read_text(encoding="utf-8")) or {}
    return doc.get("failures") or []


def cases():
    for name, folder in SETS.items():
        for lang in LANGS:
            for intent, texts in load_sentences(folder, lang).items():
                for text in texts:
                    yield name, lang, intent, text


@pytest.mark.parametrize("set_name", list(SETS))
@pytest.mark.parametrize("lang", LANGS)
def test_every_sentence_gets_its_intent_or_is_a_known_failure(matcher, set_name, lang):
    known = {(c["set"], c["lang"], c["text"]) for c in known_failures()}
    wrong = []
    for name, lng, intent, text in cases():
        if (name, lng) != (set_name, lang) or (name, lng, text) in known:
            continue
        got = matcher.match(text).intent
        if got != intent:
            wrong.append(f"  {text!r}: expected {intent}, got {got}")
    assert not wrong, "new misses (fix them; never by training on these sentences):\n" + (
        "\n".join(wrong))


@pytest.mark.parametrize("case", known_failures(), ids=lambda c: c["text"][:40])
def test_known_failures_still_fail(matcher, case):
    """When one of these starts passing, remove it from known_failures.yaml."""
    assert matcher.match(case["text"]).intent != case["expected"], (
        f"{case['text']!r} now matches {case['expected']}: remove it from known_failures.yaml"
    )


def test_known_failures_are_real_test_sentences():
    assert known_failures(), "an empty list would make the test above vanish, not pass"
    every = {(name, lang, intent, text) for name, lang, intent, text in cases()}
    for c in known_failures():
        assert (c["set"], c["lang"], c["expected"], c["text"]) in every, c


def test_no_emergency_is_a_known_failure():
    """Missing someone in danger is the worst failure: it is never accepted as known."""
    assert [c["text"] for c in known_failures() if c["expected"] == "emergency"] == []


@pytest.mark.parametrize("set_name", ["blind", "blind2", "blind3"])
@pytest.mark.parametrize("lang", LANGS)
def test_the_blind_sets_meet_issue_14s_targets(matcher, set_name, lang):
    """In-domain at least 97%, out of scope rejected at least 95%, every emergency."""
    from bench.quality import evaluate

    found = evaluate(matcher, load_sentences(SETS[set_name], lang))
    assert found["accuracy"] >= 0.97, found["misses"]
    assert found["rejection"] >= 0.95, found["accepted"]
    assert found["emergencies_caught"] == found["emergencies"] >= 60


@pytest.mark.parametrize("lang", LANGS)
def test_the_engine_is_two_points_above_the_plain_classifier_on_blind3(knowledge, matcher,
                                                                       lang):
    """Issue 14's margin over scikit-learn's defaults fitted on the same data. Met with
    no sentence to spare (10 of 497 more right in each language; 2 points needs 9.94):
    a change that loses one must say so (docs/figures.md), never lower this."""
    from bench.baseline import PlainClassifier
    from bench.quality import BLIND3, evaluate

    sentences = load_sentences(BLIND3, lang)
    engine = evaluate(matcher, sentences)["accuracy"]
    plain = evaluate(PlainClassifier(knowledge), sentences)["accuracy"]
    assert engine - plain >= 0.02, (engine, plain)


def test_exact_keywords_are_whole_messages_only(matcher):
    doc = yaml.safe_load((DATA / "exact_keywords.yaml").read_text(encoding="utf-8"))
    for lang in LANGS:
        for intent, texts in doc[lang].items():
            for text in texts:
                assert matcher.match(text).intent == intent, (lang, text)
    assert matcher.match("stop the raids").intent != "opt_out"
    assert matcher.match("cancelar mi cita de la migra").intent != "opt_out"
    assert matcher.match("please start helping me").intent != "opt_in"


def test_language_detection(knowledge):
    detector = LanguageDetector(knowledge)
    cases = yaml.safe_load((DATA / "language_detection.yaml").read_text(encoding="utf-8"))
    wrong = [(c["text"], c["lang"]) for c in cases if detector.detect(c["text"]).lang != c["lang"]]
    assert len(wrong) <= len(cases) * 0.05, wrong
