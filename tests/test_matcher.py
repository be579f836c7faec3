"""The decision around the classifier: near-exact patterns, and the fast search for
them giving what comparing every pattern gives."""

import pytest
from conftest import scaled
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot.engine.knowledge import load
from bot.engine.matcher import NEAR_EXACT, Matcher, NearPatterns
from bot.platform.config import ROOT


@pytest.fixture(scope="module")
def matcher():
    return Matcher(load(ROOT / "intents", ROOT / "resources"))


@settings(max_examples=scaled(300), deadline=None)
@given(data=st.data())
def test_near_patterns_find_what_comparing_every_pattern_finds(matcher, data):
    texts = matcher._near._texts
    base = data.draw(st.sampled_from(texts))
    cut = data.draw(st.integers(0, 3))
    extra = data.draw(st.text("abcdeiou ", max_size=3))
    text = (base[: len(base) - cut] if cut else base) + extra
    every = process.extractOne(text, texts, scorer=fuzz.ratio, score_cutoff=NEAR_EXACT)
    found = NearPatterns(texts).best(text)
    assert (found and found[0]) == (every and every[1])


def test_near_patterns_break_ties_by_the_first_pattern():
    near = NearPatterns(["zzzz", "abcd", "abce", "abcd"])
    assert near.best("abcd") == (100.0, 1)
    assert near.best("") is None


def test_a_message_that_is_a_pattern_gets_its_intent_whatever_the_model_says(matcher):
    from dataclasses import replace

    knowledge = matcher.knowledge
    question = "me quitan la custodia de mis hijos si me detiene inmigracion"
    assert matcher.match(question).intent == "out_of_scope"
    intent = knowledge.intents["legal_help"]
    es = {**intent.lang["es"], "patterns": [*intent.lang["es"]["patterns"], question]}
    taught = replace(knowledge, intents={**knowledge.intents,
                                         "legal_help": replace(intent, lang={**intent.lang,
                                                                             "es": es})})
    learned = Matcher(taught)
    again = "¿Me quitan la custodia de mis hijos si me detiene inmigración??"
    assert learned.match(again).intent == "legal_help"


def test_danger_still_wins_over_a_near_pattern(matcher):
    # "help" is a pattern of the menu; "help someone is breaking in" is not near it
    assert matcher.match("help me please someone is breaking in").intent == "emergency"


def test_a_near_pattern_yields_to_a_classifier_sure_of_another_topic(matcher):
    """"report hate crimes" is a few letters from a report_crime pattern; the word that
    differs is the topic. An exact pattern still wins (the test above)."""
    message = "how do i report hate crimes in tucson"
    near = matcher.near(message)
    assert near and near.intent == "report_crime" and NEAR_EXACT <= near.score < 100
    assert matcher.match(message).intent == "hate_crime"

