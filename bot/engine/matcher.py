"""Which intent a resident's message is about, and how sure we are.

The decision, in order:

1. SMS keywords (STOP, START, PARAR...) are exact: a whole message equal to one of
   an `exact` intent's patterns, nothing looser (opt-out words are the law's).
2. A linear classifier (bot/engine/classifier.py), fitted on every pattern and training
   sentence (bot/engine/training.py) over normalised text (bot/engine/normalise.py), gives each
   intent a probability.
3. Danger wins: the message is an emergency when the classifier gives emergency at
   least `emergency_at` or more than any other intent, when it holds a word that is
   danger in itself ("not breathing", "shots fired"), or when it names a danger
   (bot/engine/danger.py: "gun", "fire") and no other intent reaches `defer_above`.
   A second classifier, fitted on the emergencies' kinds, names the kind when the
   danger words do not.
4. A message that is nearly a pattern (rapidfuzz, NEAR_EXACT) is that intent: a
   pattern staff learn from an unanswered question answers it from then on. Unless
   it differs from the pattern and the classifier is sure (`defer_above`) of another
   topic: the few letters that differ are then a word that changes the topic
   ("report a crime", "report a hate crime").
5. Otherwise the most likely intent answers if it reaches `reject_below`; below,
   or when it is out_of_scope, the message is out of scope. A Tucson answer to a
   question about another place (bot/engine/places.py) is out of scope too.

The three thresholds and the model's settings are chosen by cross-validation
(bench/tune.py) and kept in intents/_model.yaml.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import math
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rapidfuzz import fuzz, process

from .classifier import LinearModel, features
from .danger import Danger, DangerLexicon, either
from .knowledge import LANGS, Knowledge
from .normalise import Normaliser
from .places import Places
from .text import keyword, tokens

log = logging.getLogger(__name__)

CATCH_ALL = "out_of_scope"
EMERGENCY = "emergency"
# Bump when features or fitting change, so no cached model of the old kind is read.
MODEL_VERSION = "2"
# A message this close to a pattern (rapidfuzz ratio on normalised words) is that
# pattern's intent: a pattern staff add from the unanswered questions answers that
# question next time, whatever the classifier makes of it.
NEAR_EXACT = 92


@dataclass
class Match:
    intent: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    kind: str | None = None  # emergency: the kind of danger, picks the reply
    fear: bool = False  # emergency: fear of immigration enforcement named too
    elsewhere: bool = False  # out_of_scope: about another city's or state's police

    @property
    def closest(self) -> tuple[str, float]:
        """The most likely intent even when the match fell below the threshold."""
        if not self.scores:
            return self.intent, self.confidence
        best = max(self.scores, key=self.scores.get)
        return best, self.scores[best]


class Near(NamedTuple):
    intent: str
    score: float  # rapidfuzz ratio, NEAR_EXACT to 100


@dataclass
class Models:
    intents: LinearModel
    kinds: LinearModel | None  # None when no training sentence has a kind


def corpus(knowledge: Knowledge) -> list[tuple[str, str, str | None]]:
    """(text, intent, kind) for every pattern and training sentence to learn from."""
    rows = [(p, i.id, None) for i in knowledge.intents.values() if i.match == "fuzzy"
            for lang in LANGS for p in i.lang[lang]["patterns"]]  # fmt: skip
    rows += [(e.text, e.intent, e.kind) for e in knowledge.examples]
    return rows


def fingerprint(knowledge: Knowledge) -> str:
    """A hash of everything a fitted model depends on: a cached model is reused only
    for exactly the data and settings it was fitted on."""
    h = hashlib.sha256(MODEL_VERSION.encode())
    # the danger words are typo correction's vocabulary too (bot/engine/normalise.py)
    h.update(json.dumps([corpus(knowledge), knowledge.lexicon, knowledge.model,
                         knowledge.danger, sorted(knowledge.intents)],
                        sort_keys=True).encode())  # fmt: skip
    for i in sorted(knowledge.intents):  # the typo vocabulary comes from these
        intent = knowledge.intents[i]
        for lang in LANGS:
            h.update(json.dumps([i, lang, intent.lang[lang].get("keywords", [])]).encode())
    return h.hexdigest()[:20]


def reading(normaliser: Normaliser, text: str, canon: list[str] | None = None) -> list[str]:
    """What the classifiers read of a message: the features of its canonical words, and
    of its own words that normalisation replaced."""
    canon = normaliser.canonical(text) if canon is None else canon
    return features(canon, normaliser.replaced(text, canon))


def fit(knowledge: Knowledge, normaliser: Normaliser, rows=None) -> Models:
    """Fit both classifiers from the data: seconds, outside any request."""
    rows = corpus(knowledge) if rows is None else rows
    settings = knowledge.model
    docs = [reading(normaliser, t) for t, _, _ in rows]
    intents = LinearModel.fit(docs, [i for _, i, _ in rows], c=settings["c"],
                              temperature=settings["temperature"])  # fmt: skip
    kinded = [(d, k) for d, (_, _, k) in zip(docs, rows, strict=True) if k]
    kinds = None
    if len({k for _, k in kinded}) >= 2:
        kinds = LinearModel.fit([d for d, _ in kinded], [k for _, k in kinded],
                                c=settings["c"])  # fmt: skip
    return Models(intents, kinds)


class _ModelCache:
    """Fitted models by fingerprint: in this process, and as files in a folder
    (the instance folder), so a restart or a second worker does not fit again."""

    def __init__(self, size: int = 4):
        self._memory: OrderedDict[str, Models] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, knowledge: Knowledge, normaliser: Normaliser, folder: Path | None) -> Models:
        fp = fingerprint(knowledge)
        with self._lock:
            if fp in self._memory:
                self._memory.move_to_end(fp)
                models = self._memory[fp]
                if folder and not self.paths(folder, fp)[0].exists():
                    self._write(folder, fp, models)  # fitted for another folder
                return models
            with _FitLock(folder):  # one process fits, the others then read its file
                models = self._read(folder, fp) if folder else None
                if models is None:
                    models = fit(knowledge, normaliser)
                    if folder:
                        self._write(folder, fp, models)
            self._memory[fp] = models
            while len(self._memory) > self._size:
                self._memory.popitem(last=False)
            return models

    @staticmethod
    def paths(folder: Path, fp: str) -> tuple[Path, Path]:
        return folder / f"model-{fp}-intents.npz", folder / f"model-{fp}-kinds.npz"

    def _read(self, folder: Path, fp: str) -> Models | None:
        intents, kinds = self.paths(folder, fp)
        if not intents.exists():  # not fitted yet for this data: the usual first start
            return None
        try:
            return Models(LinearModel.load(intents),
                          LinearModel.load(kinds) if kinds.exists() else None)  # fmt: skip
        except Exception:  # noqa: BLE001 - a half-written or foreign file: fit again
            log.warning("cached model %s unreadable; fitting again", intents, exc_info=True)
            return None

    def _write(self, folder: Path, fp: str, models: Models) -> None:
        intents, kinds = self.paths(folder, fp)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if models.kinds:
                models.kinds.save(kinds)
            models.intents.save(intents)  # last: its presence means the pair is whole
            for old in folder.glob("model-*.npz"):  # one model per data version
                if not old.name.startswith(f"model-{fp}-"):
                    old.unlink(missing_ok=True)
        except OSError:
            log.warning("fitted model not cached in %s", folder, exc_info=True)


class _FitLock:
    """An exclusive lock on the model folder (flock), so two gunicorn workers seeing
    the same new data do not both fit and write: the second waits and reads."""

    def __init__(self, folder: Path | None):
        self.folder, self.handle = folder, None

    def __enter__(self):
        if self.folder is None:
            return self
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.folder / ".fit.lock", "a")  # noqa: SIM115
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        except OSError:
            log.warning("model folder %s not lockable; fitting unlocked", self.folder)
        return self

    def __exit__(self, *exc):
        if self.handle is not None:
            self.handle.close()  # releases the lock


MODELS = _ModelCache()


class NearPatterns:
    """The pattern text closest to a message by `fuzz.ratio`, when at least NEAR_EXACT.

    A ratio of r% needs the two lengths within a factor (200 - r) / r of each other,
    so only patterns of about the message's length are compared: the same answer as
    comparing all of them (ties: the pattern that comes first), in a fifth of the time.
    """

    def __init__(self, texts: list[str]):
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
        self._lengths = [len(texts[i]) for i in order]
        self._texts = [texts[i] for i in order]
        self._index = order

    def best(self, text: str) -> tuple[float, int] | None:
        """(score, index of the pattern in the list given) or None."""
        slack = (200 - NEAR_EXACT) / NEAR_EXACT
        lo = bisect_left(self._lengths, math.floor(len(text) / slack) - 1)
        hi = bisect_right(self._lengths, math.ceil(len(text) * slack) + 1)
        found = process.extract(text, self._texts[lo:hi], scorer=fuzz.ratio,
                                score_cutoff=NEAR_EXACT, limit=None)  # fmt: skip
        if not found:
            return None
        score = max(f[1] for f in found)
        return score, min(self._index[lo + f[2]] for f in found if f[1] == score)




class Matcher:
    def __init__(self, knowledge: Knowledge, models: Models | None = None,
                 model_dir: str | Path | None = None):  # fmt: skip
        self.knowledge = knowledge
        self.danger = DangerLexicon(knowledge.danger, LANGS)
        self.normaliser = Normaliser(knowledge, extra_words=self.danger.words())
        self.settings = knowledge.model
        self.exact: dict[str, str] = {
            keyword(p): i.id for i in knowledge.intents.values() if i.match == "exact"
            for lang in LANGS for p in i.lang[lang]["patterns"]
        }  # fmt: skip
        folder = Path(model_dir) if model_dir else None
        self.models = models or MODELS.get(knowledge, self.normaliser, folder)
        self.places = Places(knowledge.places)
        self.content = {i.id for i in knowledge.intents.values() if i.type == "content"}
        fuzzy = [(" ".join(self.normaliser.canonical(p)), i.id)
                 for i in knowledge.intents.values() if i.match == "fuzzy"
                 for lang in LANGS for p in i.lang[lang]["patterns"]]  # fmt: skip
        self._near = NearPatterns([t for t, _ in fuzzy])
        self._near_intent = [i for _, i in fuzzy]
        stop = knowledge.lexicon.get("stopwords", {})
        self.stopwords = {w for lang in LANGS for s in stop.get(lang, []) for w in tokens(s)}

    def keys(self, text: str) -> set[str]:
        """The words that carry meaning: none means a message of only common words."""
        return {w for w in self.normaliser.canonical(text) if w not in self.stopwords}

    def probabilities(self, message: str, canon: list[str] | None = None) -> dict[str, float]:
        model = self.models.intents
        canon = self.normaliser.canonical(message) if canon is None else canon
        probs = model.probabilities_words(canon, self.normaliser.replaced(message, canon))
        return dict(zip(model.classes, probs.tolist(), strict=True))

    def match(self, message: str) -> Match:
        exact = self.exact.get(keyword(message))
        if exact:
            return Match(exact, 1.0, {exact: 1.0})
        canon = self.normaliser.canonical(message)  # once: the costly part of a message
        return self.decide(message, self.probabilities(message, canon),
                           near=self.near(message, canon),
                           danger=self.danger_in(message, canon))  # fmt: skip

    def danger_in(self, message: str, canon: list[str] | None = None) -> Danger:
        """Danger words as written and with typos corrected ("se esta aogando")."""
        canon = self.normaliser.canonical(message) if canon is None else canon
        return either(self.danger.find(tokens(message)), self.danger.find(canon))

    def near(self, message: str, canon: list[str] | None = None) -> Near | None:
        """The pattern the message nearly equals, if any: its intent and how near."""
        canon = self.normaliser.canonical(message) if canon is None else canon
        found = self._near.best(" ".join(canon))
        return Near(self._near_intent[found[1]], found[0]) if found else None

    def decide(self, message: str, scores: dict[str, float], settings=None,
               near: Near | None = None, danger: Danger | None = None) -> Match:  # fmt: skip
        """The decision from the classifier's probabilities (split out for bench/tune.py,
        which gives it cross-validated ones and other settings). `near`: a pattern the
        message nearly equals, whose intent answers unless danger does, or unless the
        message is not that pattern and the classifier is sure of another topic."""
        s = settings or self.settings
        words = tokens(message)
        danger = self.danger_in(message) if danger is None else danger
        others = {i: p for i, p in scores.items() if i != EMERGENCY}
        best = max(others, key=others.get) if others else CATCH_ALL
        top_other = others.get(best, 0.0)
        p_danger = scores.get(EMERGENCY, 0.0)
        # A danger word yields only to a topic the classifier is sure of, never to
        # "something else": "my mom collapsed" is out of the classifier's experience,
        # not out of scope.
        if (p_danger >= s["emergency_at"] or p_danger > top_other or danger.certain
                or (danger.named and (best == CATCH_ALL or top_other < s["defer_above"]))):
            kind = danger.kind or self._kind(message)
            return Match(EMERGENCY, p_danger, scores, kind=kind, fear=danger.fear)
        overruled = near and near.score < 100 and best not in (near.intent, CATCH_ALL) and (
            top_other >= s["defer_above"])
        if near and near.intent != EMERGENCY and not overruled:
            intent = near.intent
            elsewhere = (intent == CATCH_ALL or intent in self.content) and self.places.elsewhere(
                words)
            if elsewhere:
                return Match(CATCH_ALL, 0.0, scores, elsewhere=True)
            return Match(intent, max(scores.get(intent, 0.0), s["reject_below"]), scores)
        if best == CATCH_ALL or top_other < s["reject_below"]:
            return Match(CATCH_ALL, 0.0, scores, elsewhere=self.places.elsewhere(words))
        if best in self.content and self.places.elsewhere(words):
            return Match(CATCH_ALL, 0.0, scores, elsewhere=True)
        return Match(best, top_other, scores)

    def _kind(self, message: str) -> str | None:
        model = self.models.kinds
        if model is None:
            return None
        canon = self.normaliser.canonical(message)
        scores = model.decision_words(canon, self.normaliser.replaced(message, canon))
        return model.classes[int(scores.argmax())]
