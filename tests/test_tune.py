"""bench/tune.py's vectorised decision is `Matcher.decide`, so the settings it picks
mean what they will do in the app."""

import numpy as np
import pytest

from bench.tune import OutOfFold, _unused_models, decide_all, facts
from bot.engine.classifier import softmax
from bot.engine.knowledge import load
from bot.engine.matcher import Matcher
from bot.platform.config import ROOT

TEXTS = [
    "will tucson police deport me", "mi hijo no respira", "my mom collapsed",
    "fire drill at school", "does phoenix pd check papers", "hola", "me quiero matar",
    "set the awnings to 0%", "smoke coming from the kitchen", "necesito un abogado",
]  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_grids_decision_is_the_matchers(seed):
    knowledge = load(ROOT / "intents", ROOT / "resources")
    matcher = Matcher(knowledge, models=_unused_models())
    classes = sorted(i for i in knowledge.intents if knowledge.intents[i].match == "fuzzy")
    rng = np.random.default_rng(seed)
    decisions = rng.normal(0, 1, (len(TEXTS), len(classes)))
    oof = OutOfFold(TEXTS, np.array(["out_of_scope"] * len(TEXTS)), np.array(["en"] * len(TEXTS)),
                    classes, decisions)  # fmt: skip
    t = 0.3
    settings = {"reject_below": 0.3, "emergency_at": 0.3, "defer_above": 0.5}
    got = decide_all(facts(matcher, oof, t), settings)
    for text, d, g in zip(TEXTS, decisions, got, strict=True):
        probs = dict(zip(classes, softmax(d, t).tolist(), strict=True))
        assert matcher.decide(text, probs, settings).intent == g, text
