"""The plain classifier the engine must beat: TF-IDF words + linear SVM, argmax.

Fitted on exactly what the engine learns from (bot.engine.matcher.corpus), with
scikit-learn's defaults and no normalisation, thresholds or safety net, so `make
bench` shows what the engine's own parts add.
"""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from bot.engine.matcher import Match, corpus


def plain_pipeline():
    """scikit-learn's defaults: word TF-IDF and a linear SVM, nothing of ours."""
    return make_pipeline(TfidfVectorizer(), LinearSVC(random_state=0))


class PlainClassifier:
    def __init__(self, knowledge):
        rows = corpus(knowledge)
        self.pipeline = plain_pipeline()
        self.pipeline.fit([t for t, _, _ in rows], [i for _, i, _ in rows])

    def match(self, message: str) -> Match:
        return Match(str(self.pipeline.predict([message])[0]), 1.0)
