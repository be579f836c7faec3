"""Accuracy of the matcher on labelled sentence files (shared by the bench and the tests)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = ROOT / "bench" / "heldout"
BLIND = ROOT / "bench" / "blind"
BLIND2 = ROOT / "bench" / "blind2"
BLIND3 = ROOT / "bench" / "blind3"


def load_sentences(folder: Path, lang: str) -> dict[str, list[str]]:
    doc = yaml.safe_load((folder / f"{lang}.yaml").read_text(encoding="utf-8"))
    assert doc["language"] == lang
    return doc["intents"]


def evaluate(matcher, by_intent: dict[str, list[str]]) -> dict:
    inside = [(t, i) for i, texts in by_intent.items() if i != "out_of_scope" for t in texts]
    misses = []
    for text, intent in inside:
        got = matcher.match(text).intent
        if got != intent:
            misses.append({"text": text, "expected": intent, "got": got})
    outside = by_intent.get("out_of_scope", [])
    accepted = [
        {"text": t, "got": g} for t in outside if (g := matcher.match(t).intent) != "out_of_scope"
    ]
    emergencies = by_intent.get("emergency", [])
    caught = sum(matcher.match(t).intent == "emergency" for t in emergencies)
    return {
        "in_domain": len(inside),
        "accuracy": 1 - len(misses) / len(inside) if inside else 0.0,
        "out_of_scope": len(outside),
        "rejection": 1 - len(accepted) / len(outside) if outside else 0.0,
        "emergencies": len(emergencies),
        "emergencies_caught": caught,
        "misses": misses,
        "accepted": accepted,
    }
