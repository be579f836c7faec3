"""The hand-applied linear model gives scikit-learn's scores; models are cached by the
data they were fitted on; `flask train` fits from the data files."""

import numpy as np
import pytest

from bot.engine.classifier import LinearModel, features
from bot.engine.knowledge import load
from bot.engine.matcher import Matcher, corpus, fingerprint, reading
from bot.engine.normalise import Normaliser
from bot.platform.config import ROOT


@pytest.fixture(scope="module")
def knowledge():
    return load(ROOT / "intents", ROOT / "resources")


def test_scores_are_scikit_learns(knowledge):
    from sklearn.svm import LinearSVC

    n = Normaliser(knowledge)
    rows = corpus(knowledge)[::7]  # a seventh of the data: seconds, all intents
    docs = [reading(n, t) for t, _, _ in rows]
    labels = [i for _, i, _ in rows]
    model = LinearModel.fit(docs, labels, c=1.0)
    vectorizer = LinearModel.vectorizer()
    svm = LinearSVC(C=1.0, random_state=0).fit(vectorizer.fit_transform(docs), labels)
    probe = [reading(n, t) for t in
             ("will tucson police deport me", "mi hijo no respira", "qwxz", "", "hola")]
    expected = svm.decision_function(vectorizer.transform(probe))
    got = np.array([model.decision(d) for d in probe])
    assert list(svm.classes_) == model.classes
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_a_saved_model_reads_back_the_same(knowledge, tmp_path):
    model = Matcher(knowledge).models.intents
    model.save(tmp_path / "m.npz")
    again = LinearModel.load(tmp_path / "m.npz")
    doc = features(["me", "van", "a", "deportar"])
    np.testing.assert_array_equal(model.decision(doc), again.decision(doc))
    assert again.classes == model.classes and again.temperature == model.temperature
    assert not list(tmp_path.glob("*.tmp"))


def test_the_fingerprint_follows_the_data(knowledge):
    from dataclasses import replace

    from bot.engine.training import Example

    more = replace(knowledge, examples=[*knowledge.examples,
                                        Example("una frase nueva", "legal_help", "es")])
    assert fingerprint(knowledge) == fingerprint(load(ROOT / "intents", ROOT / "resources"))
    assert fingerprint(more) != fingerprint(knowledge)
    settings = replace(knowledge, model={**knowledge.model, "c": 9.0})
    assert fingerprint(settings) != fingerprint(knowledge)
    danger = {**knowledge.danger, "any": {"en": ["mayday"], "es": ["auxilio"]}}
    assert fingerprint(replace(knowledge, danger=danger)) != fingerprint(knowledge)


def test_flask_train_writes_the_model_to_the_instance_folder(make_app, tmp_path):
    app = make_app(MODEL_DIR=str(tmp_path / "models"))
    result = app.test_cli_runner().invoke(args=["train"])
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output
    files = sorted(p.name for p in (tmp_path / "models").iterdir())
    fp = fingerprint(load(ROOT / "intents", ROOT / "resources"))
    assert files == [f"model-{fp}-intents.npz", f"model-{fp}-kinds.npz"]


def test_a_broken_cached_model_is_fitted_again(knowledge, tmp_path):
    from bot.engine.matcher import _ModelCache

    fp = fingerprint(knowledge)
    intents, _ = _ModelCache.paths(tmp_path, fp)
    intents.write_bytes(b"not a model")
    models = _ModelCache().get(knowledge, Normaliser(knowledge), tmp_path)
    assert "emergency" in models.intents.classes
    assert LinearModel.load(intents).classes == models.intents.classes


def test_scores_from_kept_word_numbers_are_the_scores_from_features(knowledge):
    """The app's fast path (each word's feature numbers kept) gives what the features
    give, with repeated words, replaced words and words the model never saw."""
    matcher = Matcher(knowledge)
    n, model = matcher.normaliser, matcher.models.intents
    for text in ("will tucson police deport me", "la migra la migra xq", "", "qwxz zzzq",
                 "mi hijo no respira!!", "ICE ice baby", "polisia polisia de tucson"):  # fmt: skip
        canon = n.canonical(text)
        np.testing.assert_allclose(model.decision_words(canon, n.replaced(text, canon)),
                                   model.decision(reading(n, text, canon)),
                                   rtol=1e-12, atol=1e-12)  # fmt: skip


def test_the_classifier_reads_the_words_normalisation_replaced(knowledge):
    n = Normaliser(knowledge)
    canon = n.canonical("la migra")
    assert "migra" not in canon and n.replaced("la migra", canon) == ["migra"]
    assert "w migra" in reading(n, "la migra")

