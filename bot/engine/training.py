"""Training sentences: what residents write, labelled, as data anyone can read and extend.

intents/training/<lang>/<intent>.yaml holds one intent's sentences in one language
(the layout of home-assistant/intents: the folder says the language). The classifier
learns from these and from every intent's patterns. An emergency file sorts its
sentences by kind (medical, fire, ...), which picks the emergency reply; an
out-of-scope file sorts them into groups, for the people who extend it.

Checked with the rest of the data by `flask check-intents`: the file's intent and
language, a sentence given to two intents, a sentence clearly in the other language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .text import tokens

TRAINING_DIR = "training"

_SENTENCES = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 1000}}
_BY_NAME = {
    "type": "object",
    "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
    "additionalProperties": _SENTENCES,
}
SCHEMA = {
    "type": "object",
    "required": ["language", "intent"],
    "additionalProperties": False,
    "properties": {
        "language": {"type": "string"},
        "intent": {"type": "string"},
        "sentences": _SENTENCES,
        "kinds": _BY_NAME,  # emergency only: sentences by kind of danger
        "groups": _BY_NAME,  # any intent: sentences sorted for the people who edit them
    },
    "anyOf": [{"required": ["sentences"]}, {"required": ["kinds"]}, {"required": ["groups"]}],
}


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    lang: str
    kind: str | None = None  # emergency's kind of danger, where the file gives one


def key(text: str) -> str:
    """Folded words: two sentences with the same key are the same sentence."""
    return " ".join(tokens(text))


def read(intents_dir: Path, load_yaml, check) -> tuple[list[tuple[Path, dict]], list[str]]:
    """Every training file that parses and fits the schema, and the faults of the rest."""
    problems: list[str] = []
    found = []
    for path in sorted((intents_dir / TRAINING_DIR).glob("*/*.yaml")):
        data = load_yaml(path, problems)
        if data is None or not check(SCHEMA, data, path, problems):
            continue
        found.append((path, data))
    return found, problems


def examples_of(path: Path, data: dict) -> list[Example]:
    lang, intent = data["language"], data["intent"]
    out = [Example(t, intent, lang) for t in data.get("sentences", [])]
    for kind, texts in (data.get("kinds") or {}).items():
        out.extend(Example(t, intent, lang, kind) for t in texts)
    for texts in (data.get("groups") or {}).values():
        out.extend(Example(t, intent, lang) for t in texts)
    return out


def cross_check(files, intents: dict, langs, kinds: set[str], detect) -> tuple[list, list[str]]:
    """Examples of the files that fit the intents, and a fault for each that does not.

    `detect(text)` is the language detector (bot/engine/language.py): a sentence it finds
    *clearly* in the other language is filed under the wrong one."""
    problems: list[str] = []
    examples: list[Example] = []
    owner: dict[str, tuple[str, str]] = {}  # key -> (intent, where)
    for intent in intents.values():
        for lang in langs:
            for n, p in enumerate(intent.lang[lang]["patterns"]):
                owner.setdefault(key(p), (intent.id, f"{intent.path}: {lang}.patterns[{n}]"))
    for path, data in files:
        where = str(path)
        lang, intent_id = data["language"], data["intent"]
        if lang not in langs or path.parent.name != lang:
            problems.append(f"{where}: language: {lang!r} must be the folder's, one of {langs}")
            continue
        if intent_id != path.stem:
            problems.append(f"{where}: intent: {intent_id!r} must match the file name")
            continue
        intent = intents.get(intent_id)
        if intent is None:
            problems.append(f"{where}: intent: unknown intent {intent_id!r}")
            continue
        if intent.match == "exact":
            problems.append(f"{where}: {intent_id} answers exact keywords only; it has no "
                            "training sentences")  # fmt: skip
            continue
        if data.get("kinds") and intent_id != "emergency":
            problems.append(f"{where}: kinds: only emergency sentences have kinds")
            continue
        for kind in data.get("kinds") or {}:
            if kind not in kinds:
                problems.append(f"{where}: kinds.{kind}: not a kind of intents/emergency.yaml "
                                f"({', '.join(sorted(kinds))})")  # fmt: skip
        for ex in examples_of(path, data):
            k = key(ex.text)
            if not k:
                problems.append(f"{where}: {ex.text!r} has no words")
                continue
            other = owner.get(k)
            if other and other[0] != intent_id:
                problems.append(f"{where}: {ex.text!r} is also given to {other[0]} ({other[1]})")
                continue
            if other:
                continue  # the same sentence twice for one intent teaches nothing more
            found = detect(ex.text)
            if found.clear and found.lang != lang:
                problems.append(f"{where}: {ex.text!r} reads as {found.lang}, not {lang}")
                continue
            owner[k] = (intent_id, where)
            examples.append(ex)
    return examples, problems
