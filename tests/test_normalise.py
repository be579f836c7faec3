"""Normalisation: phrases rewrite as the regular expression they replaced did, and
typos go to the word a resident meant."""

import re

import pytest
from conftest import scaled
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.knowledge import load
from bot.engine.matcher import Matcher
from bot.engine.normalise import _FILLERS, Normaliser, _Phrases
from bot.engine.text import tokens


def reference_rewrite(phrases: dict[tuple[str, ...], str], words: list[str]) -> list[str]:
    """The regular expression the matcher used before `_Phrases`."""
    ordered = sorted(phrases, key=len, reverse=True)
    fillers = "(?: (?:" + "|".join(sorted(_FILLERS)) + "))*"
    pattern = re.compile(
        r"\b(?:"
        + "|".join("(" + (fillers + " ").join(map(re.escape, p)) + ")" for p in ordered)
        + r")\b"
    )
    joined = pattern.sub(lambda m: phrases[ordered[m.lastindex - 1]], " ".join(words))
    return joined.split()


PHRASES = {
    ("speaking", "spanish"): "language",
    ("because", "i", "was", "speaking", "spanish"): "profiling",
    ("trabaja", "con", "ice"): "cooperate",
    ("a", "la", "b"): "ab",
    ("la", "migra"): "ice",
}


@pytest.mark.parametrize(("text", "expected"), [
    ("because i was speaking spanish today", ["profiling", "today"]),  # longest first
    ("i was speaking spanish", ["i", "was", "language"]),
    ("trabaja con la ice", ["cooperate"]),  # a filler in between
    ("trabaja con la el de ice", ["cooperate"]),
    ("la trabaja con ice", ["la", "cooperate"]),  # never a filler before the first word
    ("a la la b", ["ab"]),  # fillers give one back when the phrase needs it
    ("a la b la migra", ["ab", "ice"]),  # left to right, no overlap
    ("trabaja con", ["trabaja", "con"]),
    ("", []),
])  # fmt: skip
def test_phrases_rewrite_like_the_regular_expression(text, expected):
    words = text.split()
    assert _Phrases(PHRASES).rewrite(words) == expected
    assert reference_rewrite(PHRASES, words) == expected


@pytest.fixture(scope="module")
def real():
    knowledge = load("intents", "resources")
    return knowledge, Normaliser(knowledge)


def lexicon_phrases(knowledge, m) -> dict[tuple[str, ...], str]:
    """The lexicon's phrases in the matcher's own words, as it reads them."""
    return {tuple(m.synonyms.get(w, w) for w in m._expand(tokens(text))): word
            for text, word in knowledge.lexicon["phrases"].items()}  # fmt: skip


@settings(max_examples=scaled(400), deadline=None)
@given(data=st.data())
def test_the_lexicons_phrases_rewrite_like_the_regular_expression(real, data):
    knowledge, m = real
    phrases = lexicon_phrases(knowledge, m)
    # Words of the phrases and fillers only, so phrases overlap, nest and repeat.
    vocabulary = sorted({w for p in phrases for w in p} | _FILLERS)
    words = data.draw(st.lists(st.sampled_from(vocabulary), max_size=14))
    assert m._phrases.rewrite(words) == reference_rewrite(phrases, words)


def test_a_typo_goes_to_the_word_with_a_letter_left_out_not_one_changed(real):
    knowledge, n = real
    # "later" and "lawyer" are both one edit from "lawer"; only one of them drops a letter.
    assert n.canonical("were can i find a free lawer")[-1] == "lawyer"
    assert Matcher(knowledge).match("were can i find a free lawer").intent == "legal_help"


@pytest.mark.parametrize("text, expected", [
    ("where can i buy ice", "out_of_scope"),
    ("how do i become a police officer", "out_of_scope"),
    ("when is street sweeping on my block", "out_of_scope"),
    # "ice", "policia" and "llamo" are each in some out-of-scope sentence.
    ("si llamo a la policia me va a llevar la migra", "federal_cooperation"),
    ("can la migra take me if i call the police", "federal_cooperation"),
])  # fmt: skip
def test_words_shared_with_other_city_services_do_not_decide(real, text, expected):
    knowledge, _n = real
    assert Matcher(knowledge).match(text).intent == expected


def test_a_typo_is_searched_among_words_of_about_its_length_with_the_same_answer(real):
    """The length buckets give what searching the whole vocabulary gave (edit distance d
    cannot bridge a length difference over d), ties by alphabetical order as before."""
    import random
    import string

    from rapidfuzz import process
    from rapidfuzz.distance import Indel, Levenshtein

    _knowledge, n = real

    def every_word(word, limit):
        found = process.extract(word, n.vocabulary, scorer=Levenshtein.distance,
                                score_cutoff=limit, limit=None)  # fmt: skip
        if not found:
            return word
        return min(found, key=lambda f: (f[1], Indel.distance(word, f[0]), f[2]))[0]

    rng = random.Random(1)
    for w in rng.sample(n.vocabulary, 400):
        t = list(w)
        for _ in range(rng.randrange(1, 3)):
            i = rng.randrange(len(t))
            t[i : i + rng.randrange(2)] = rng.choice(["", rng.choice(string.ascii_lowercase)])
        typo = "".join(t) or "x"
        for limit in (1, 2):
            assert n._search(typo, limit) == every_word(typo, limit), typo


@pytest.mark.parametrize(("text", "word"), [
    ("donde hay lugar pa banarme", "banarme"),  # bañarme, not "matarme"
    ("un reten en la grant", "reten"),  # a checkpoint residents name, not "rehen"
])  # fmt: skip
def test_a_real_word_written_without_its_accent_or_tilde_is_not_a_typo(real, text, word):
    _knowledge, n = real
    assert word in n.canonical(text)


def test_a_typo_is_still_corrected_to_a_danger_word(real):
    knowledge, _n = real  # the matcher's normaliser knows the danger words
    assert Matcher(knowledge).normaliser.canonical("se esta aogando")[-1] == "ahogando"

