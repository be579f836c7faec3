"""Training sentences are data: checked like the patterns, and never a test sentence."""

import shutil

import pytest

from bench.known_failures import SETS
from bench.quality import load_sentences
from bot.engine.knowledge import KnowledgeError, load
from bot.engine.training import key
from bot.platform.config import ROOT

CONTENT = ("report_crime", "deportation_force", "federal_cooperation", "status_check",
           "policy_unchanged", "sanctuary_city", "racial_profiling", "city_support",
           "legal_help", "citizenship", "hate_crime", "community_resources")  # fmt: skip


@pytest.fixture(scope="module")
def knowledge():
    return load(ROOT / "intents", ROOT / "resources")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_enough_sentences_of_each_kind(knowledge, lang):
    count = {}
    for e in knowledge.examples:
        if e.lang == lang:
            count[e.intent] = count.get(e.intent, 0) + 1
    for intent in CONTENT:
        assert count.get(intent, 0) >= 60, intent
    assert count["emergency"] >= 150
    assert count["out_of_scope"] >= 400


def test_no_training_sentence_is_a_test_sentence(knowledge):
    held = {key(t) for folder in SETS.values() for lang in ("en", "es")
            for ts in load_sentences(folder, lang).values() for t in ts}  # fmt: skip
    trained = {key(e.text) for e in knowledge.examples}
    trained |= {key(p) for i in knowledge.intents.values() for lang in ("en", "es")
                for p in i.lang[lang]["patterns"] if i.match == "fuzzy"}  # fmt: skip
    leaked = sorted(held & trained)
    # Patterns were written before the held-out sets; a few short ones ("hola") are
    # in both, and the check is on what the training files add.
    pattern_keys = {key(p) for i in knowledge.intents.values() for lang in ("en", "es")
                    for p in i.lang[lang]["patterns"]}  # fmt: skip
    assert not [k for k in leaked if k not in pattern_keys], leaked


@pytest.fixture
def data(tmp_path):
    """A copy of intents/ and resources/ to break."""
    shutil.copytree(ROOT / "intents", tmp_path / "intents")
    shutil.copytree(ROOT / "resources", tmp_path / "resources")
    return tmp_path


def problems(data) -> list[str]:
    with pytest.raises(KnowledgeError) as exc:
        load(data / "intents", data / "resources")
    return exc.value.problems


def write(data, rel, text):
    path = data / "intents" / "training" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(("rel", "text", "fault"), [
    ("en/parking.yaml", "language: en\nintent: parking\nsentences: [where do i park]\n",
     "unknown intent 'parking'"),
    ("es/legal_help.yaml", "language: en\nintent: legal_help\nsentences: [need a lawyer]\n",
     "must be the folder's"),
    ("en/legal_help.yaml", "language: en\nintent: report_crime\nsentences: [a lawyer]\n",
     "must match the file name"),
    ("en/legal_help.yaml", "language: en\nintent: legal_help\n"
     "sentences: [necesito un abogado gratis por favor para mi esposo]\n", "reads as es"),
    ("en/opt_out.yaml", "language: en\nintent: opt_out\nsentences: [stop texting me]\n",
     "exact keywords only"),
    ("en/emergency.yaml", "language: en\nintent: emergency\nkinds:\n  flood: [water rising]\n",
     "not a kind of intents/emergency.yaml"),
    ("en/legal_help.yaml", "language: en\nintent: legal_help\nwords: [lawyer]\n",
     "Additional properties"),
])  # fmt: skip
def test_a_faulty_training_file_is_named_with_its_fault(data, rel, text, fault):
    write(data, rel, text)
    found = "\n".join(problems(data))
    assert fault in found, found
    assert rel.split("/")[-1] in found


def test_a_sentence_given_to_two_intents_is_refused(data):
    write(data, "en/legal_help.yaml",
          "language: en\nintent: legal_help\nsentences: [\"is tucson a sanctuary city\"]\n")
    assert any("is also given to sanctuary_city" in p for p in problems(data))
