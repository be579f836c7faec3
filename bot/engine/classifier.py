"""A linear model over word and character n-grams: fitted with scikit-learn, applied
as one sparse dot product.

Why this shape: a TF-IDF + linear SVM learns every new way of saying a thing from
labelled sentences, where a hand-written matcher needs a rule for each. Fitting is
scikit-learn's (`TfidfVectorizer` with our own analyzer, `LinearSVC`); predicting a
single message through scikit-learn costs more in per-call checks than the
arithmetic, so `LinearModel` keeps the fitted numbers (vocabulary, idf, weights)
and does the same arithmetic directly: features, sublinear tf x idf, l2 norm, dot.
tests/test_classifier.py holds the two to the same scores.

Scores become probabilities by temperature scaling (one number, fitted on
cross-validated scores, bench/tune.py), so "how sure" means the same on every
intent and a rejection threshold can be chosen by cross-validation.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

N_GRAMS = (2, 5)  # character n-grams of each word, with its edges marked
WORD_CACHE = 50_000  # words whose feature numbers are kept, per fitted model
CACHED_WORD_CHARS = 40  # a longer "word" is computed each time: kept, it costs kilobytes


def features(words: Sequence[str], own: Sequence[str] = ()) -> list[str]:
    """Word unigrams and bigrams, and character n-grams of each word.

    Character n-grams carry what stemming and typo correction miss ("deportan",
    "deportacion", "deporatcion" share most of theirs); word pairs carry what single
    words cannot ("no papers" is not "papers"). `own`: the message's own words that
    normalisation replaced, as words and n-grams but in no pair (their order is gone)."""
    out = [f for w in (*words, *own) for f in word_features(w)]
    out.extend(pairs(words))
    return out


def word_features(word: str) -> list[str]:
    """What one word adds, wherever it stands: itself and its character n-grams."""
    s = f"<{word}>"
    lo, hi = N_GRAMS
    return [f"w {word}", *(f"c {s[i:i + n]}" for n in range(lo, min(hi, len(s)) + 1)
                           for i in range(len(s) - n + 1))]  # fmt: skip


def pairs(words: Sequence[str]) -> list[str]:
    return [f"b {a} {b}" for a, b in zip(words, words[1:], strict=False)]


class LinearModel:
    """Fitted numbers of a TF-IDF + linear classifier, applied without scikit-learn."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, weights: np.ndarray,
                 intercept: np.ndarray, classes: Sequence[str],
                 temperature: float = 1.0):  # fmt: skip
        self.vocabulary = {f: i for i, f in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.weights = np.ascontiguousarray(weights, dtype=np.float64)  # features x classes
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.classes = [str(c) for c in classes]
        self.temperature = float(temperature)
        self._words: dict[str, tuple[int, ...]] = {}

    # -- fitting (scikit-learn) ------------------------------------------------

    @classmethod
    def fit(cls, docs: Sequence[list[str]], labels: Sequence[str], c: float = 0.5,
            temperature: float = 1.0) -> LinearModel:  # fmt: skip
        """`docs` are feature lists (`features(words)`); one class per label."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        vectorizer = cls.vectorizer()
        x = vectorizer.fit_transform(docs)
        svm = LinearSVC(C=c, random_state=0).fit(x, labels)
        coef, intercept = svm.coef_, svm.intercept_
        if len(svm.classes_) == 2:  # scikit-learn keeps one row for two classes
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        assert isinstance(vectorizer, TfidfVectorizer)
        return cls(vectorizer.get_feature_names_out(), vectorizer.idf_, coef.T, intercept,
                   svm.classes_, temperature)  # fmt: skip

    @staticmethod
    def vectorizer():
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float64)

    # -- predicting (plain arithmetic) -----------------------------------------

    def decision(self, feats: list[str]) -> np.ndarray:
        """The linear scores, one per class: what `LinearSVC.decision_function` gives."""
        counts = Counter(i for f in feats if (i := self.vocabulary.get(f)) is not None)
        return self._scores(counts)

    def decision_words(self, words: Sequence[str], own: Sequence[str] = ()) -> np.ndarray:
        """`decision(features(words, own))`, from each word's feature numbers kept
        once found: residents reuse their words, and building every character n-gram
        string of every message was most of a message's time (docs/figures.md)."""
        vocabulary, word = self.vocabulary, self._word
        counts: Counter[int] = Counter()
        for w in words:
            counts.update(word(w))
        for w in own:
            counts.update(word(w))
        for pair in pairs(words):
            if (i := vocabulary.get(pair)) is not None:
                counts[i] += 1
        return self._scores(counts)

    def _word(self, w: str) -> tuple[int, ...]:
        """A word's unigram and n-gram numbers. Kept for at most WORD_CACHE words (all
        dropped when full: no order to keep, no reference back to the model), and never
        for a word over CACHED_WORD_CHARS letters, so memory stays small and bounded."""
        found = self._words.get(w)
        if found is None:
            vocabulary = self.vocabulary
            found = tuple(i for f in word_features(w) if (i := vocabulary.get(f)) is not None)
            if len(w) <= CACHED_WORD_CHARS:
                if len(self._words) >= WORD_CACHE:
                    self._words.clear()
                self._words[w] = found
        return found

    def _scores(self, counts: Counter) -> np.ndarray:
        if not counts:
            return self.intercept.copy()
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(tf) + 1.0) * self.idf[idx]
        values /= math.sqrt(float(values @ values))
        return values @ self.weights[idx] + self.intercept

    def probabilities(self, feats: list[str]) -> np.ndarray:
        return softmax(self.decision(feats), self.temperature)

    def probabilities_words(self, words: Sequence[str], own: Sequence[str] = ()) -> np.ndarray:
        return softmax(self.decision_words(words, own), self.temperature)

    # -- the cache ---------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Written whole or not at all: a worker never reads half a model."""
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        tmp = Path(name)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, vocabulary=np.array(list(self.vocabulary), dtype=str), idf=self.idf,
                     weights=self.weights, intercept=self.intercept,
                     classes=np.array(self.classes, dtype=str),
                     temperature=np.array(self.temperature))  # fmt: skip
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        with np.load(path, allow_pickle=False) as z:
            return cls(z["vocabulary"].tolist(), z["idf"], z["weights"], z["intercept"],
                       z["classes"].tolist(), float(z["temperature"]))  # fmt: skip


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = np.exp(z - z.max())
    return z / z.sum()


def _identity(doc):
    return doc

