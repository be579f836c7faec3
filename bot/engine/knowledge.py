"""Intents, statements and the lexicon: loaded from data files and validated together.

Staff and translators edit YAML, not Python, so every mistake must come back as a
sentence naming the file and the entry at fault, never as a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

from . import training
from .training import Example

LANGS = ("en", "es")

# The intent ids of the chat API's public contract (shared/intent-taxonomy.md).
REQUIRED_INTENTS = (
    "report_crime", "deportation_force", "federal_cooperation", "status_check",
    "policy_unchanged", "sanctuary_city", "racial_profiling", "city_support",
    "legal_help", "citizenship", "hate_crime", "community_resources",
    "emergency", "greeting", "help", "thanks", "language", "human",
    "opt_out", "opt_in", "forget_me", "out_of_scope",
)  # fmt: skip

CATEGORIES = (
    "legal", "citizenship", "refugee", "victim_services", "police",
    "hotline", "community", "health", "food", "shelter",
    # the numbers under an emergency reply, by kind of danger (intents/emergency.yaml)
    "emergency", "poison", "crisis", "domestic_violence",
)  # fmt: skip

_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_LANG_BLOCK = {
    "type": "object",
    "required": ["patterns"],
    "additionalProperties": False,
    "properties": {
        "label": {"type": "string", "minLength": 1, "maxLength": 30},
        # The SMS menu's name for the topic, a word or two (bot/channels/sms/compose.py).
        "sms_label": {"type": "string", "minLength": 1, "maxLength": 20},
        "patterns": _STRINGS,
        "keywords": _STRINGS,
        "answer": {"type": "string", "minLength": 1},
        # A shorter answer for SMS only, sized for the first text (bot/engine/sms_budget.py).
        "sms": {"type": "string", "minLength": 1},
        # safety only: said, with the intent's sources, when danger comes with fear of
        # immigration enforcement (intents/emergency.yaml)
        "fear": {"type": "string", "minLength": 1},
        "fear_sms": {"type": "string", "minLength": 1},
    },
}
# An intent's or a statement's id: a file name, a token part (sessions.py) and a
# listing's featured_for entry (bot/directory/validation.py) all rely on this shape.
ID_PATTERN = "^[a-z][a-z0-9_]*$"
ID = re.compile(ID_PATTERN)

_KIND_LANG = {
    "type": "object",
    "required": ["answer"],
    "additionalProperties": False,
    "properties": {"answer": {"type": "string", "minLength": 1},
                   "sms": {"type": "string", "minLength": 1}},
}  # fmt: skip
# A safety intent's reply by kind of danger: its own words, numbers and statements.
_KINDS = {
    "type": "object",
    "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
    "additionalProperties": {
        "type": "object",
        "required": ["categories", "en", "es"],
        "additionalProperties": False,
        "properties": {
            "categories": {"type": "array", "items": {"enum": list(CATEGORIES)}},
            "sources": _STRINGS,
            "en": _KIND_LANG,
            "es": _KIND_LANG,
        },
    },
}
INTENT_SCHEMA = {
    "type": "object",
    "required": ["intent", "type", "en", "es"],
    "additionalProperties": False,
    "properties": {
        "kinds": _KINDS,
        "intent": {"type": "string", "pattern": ID_PATTERN},
        "type": {"enum": ["content", "safety", "conversation"]},
        "menu": {"type": "integer", "minimum": 1},
        "categories": {"type": "array", "items": {"enum": list(CATEGORIES)}},
        "sources": _STRINGS,
        "match": {"enum": ["fuzzy", "exact"]},
        "en": _LANG_BLOCK,
        "es": _LANG_BLOCK,
    },
}
_LOCALIZED = {
    "type": "object",
    "required": list(LANGS),
    "properties": {lang: {"type": "string", "minLength": 1} for lang in LANGS},
}
STATEMENTS_SCHEMA = {
    "type": "object",
    "required": ["statements"],
    "properties": {
        "statements": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "id", "document", "speaker", "role", "outlet", "date", "quote_en", "quote_es"
                ],
                "properties": {
                    "id": {"type": "string", "pattern": ID_PATTERN},
                    "document": {"type": "string"},
                    "speaker": {"type": "string", "minLength": 1},
                    "role": _LOCALIZED,
                    "outlet": _LOCALIZED,
                    "date": _LOCALIZED,
                    "quote_en": {"type": "string", "minLength": 1},
                    "quote_es": {"type": "string", "minLength": 1},
                },
            },
        }
    },
}  # fmt: skip
LEXICON_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "spellings": {"type": "object", "additionalProperties": {"type": "string"}},
        "synonyms": {"type": "object", "additionalProperties": {"type": "string"}},
        "phrases": {"type": "object", "additionalProperties": {"type": "string"}},
        "stopwords": {
            "type": "object",
            "required": list(LANGS),
            "properties": {lang: _STRINGS for lang in LANGS},
        },
        "language_names": {
            "type": "object",
            "required": list(LANGS),
            "properties": {lang: _STRINGS for lang in LANGS},
        },
    },
}


class KnowledgeError(Exception):
    """The data files do not fit together; `problems` lists each fault with its place."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Intent:
    id: str
    type: str
    path: str
    match: str = "fuzzy"
    menu: int | None = None
    categories: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    lang: dict = field(default_factory=dict)  # "en"/"es" -> {label, patterns, keywords, answer}
    kinds: dict = field(default_factory=dict)  # safety: kind -> {categories, sources, en, es}

    def text(self, lang: str, key: str):
        return self.lang[lang].get(key)


@dataclass
class Knowledge:
    intents: dict[str, Intent]
    statements: dict[str, dict]
    lexicon: dict
    examples: list[Example] = field(default_factory=list)  # intents/training/
    # intents/_danger.yaml and intents/_places.yaml: the safety net and other places
    danger: dict = field(default_factory=dict)
    places: dict = field(default_factory=dict)
    model: dict = field(default_factory=dict)  # intents/_model.yaml: chosen by bench/tune.py

    @property
    def menu(self) -> list[str]:
        """Content intents in menu order: the numbered topics a resident can pick."""
        numbered = [i for i in self.intents.values() if i.menu]
        return [i.id for i in sorted(numbered, key=lambda i: i.menu)]


def _where(path: str, error: jsonschema.ValidationError) -> str:
    place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"{path}: {place.lstrip('.') or '(top level)'}: {error.message}"


def _load_yaml(path: Path, problems: list[str]):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{path}: cannot be read as UTF-8 YAML: {exc}")
        return None


def _check(schema: dict, data, path: Path, problems: list[str]) -> bool:
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=str)
    problems.extend(_where(str(path), e) for e in errors)
    return not errors


def load(
    intents_dir: str | Path, resources_dir: str | Path, sms_max_segments: int | None = None
) -> Knowledge:
    """Read and cross-check every data file; raise KnowledgeError listing all faults.

    `sms` answers are checked against `sms_max_segments`, by default the shipped
    SMS_MAX_SEGMENTS: a deployment may raise it (more room), not lower it."""
    intents_dir, resources_dir = Path(intents_dir), Path(resources_dir)
    problems: list[str] = []

    statements: dict[str, dict] = {}
    st_path = resources_dir / "statements.yaml"
    st_data = _load_yaml(st_path, problems)
    if st_data is not None and _check(STATEMENTS_SCHEMA, st_data, st_path, problems):
        for n, st in enumerate(st_data["statements"]):
            if st["id"] in statements:
                problems.append(f"{st_path}: statements[{n}]: duplicate id {st['id']!r}")
            statements[st["id"]] = st

    lexicon: dict = {}
    lex_path = intents_dir / "_lexicon.yaml"
    lex_data = _load_yaml(lex_path, problems)
    if lex_data is not None and _check(LEXICON_SCHEMA, lex_data, lex_path, problems):
        lexicon = lex_data

    intents: dict[str, Intent] = {}
    for path in sorted(intents_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        data = _load_yaml(path, problems)
        if data is None or not _check(INTENT_SCHEMA, data, path, problems):
            continue
        if data["intent"] != path.stem:
            problems.append(f"{path}: intent: {data['intent']!r} must match the file name")
            continue
        intents[data["intent"]] = Intent(
            id=data["intent"],
            type=data["type"],
            path=str(path),
            match=data.get("match", "fuzzy"),
            menu=data.get("menu"),
            categories=data.get("categories", []),
            sources=data.get("sources", []),
            lang={lang: data[lang] for lang in LANGS},
            kinds=data.get("kinds", {}),
        )

    danger = _side_file(intents_dir / "_danger.yaml", DANGER_SCHEMA, problems)
    places = _side_file(intents_dir / "_places.yaml", PLACES_SCHEMA, problems)
    model = _side_file(intents_dir / "_model.yaml", MODEL_SCHEMA, problems)
    problems.extend(_cross_check(intents, statements, intents_dir))
    problems.extend(_sms_check(intents, statements, sms_max_segments))
    knowledge = Knowledge(intents=intents, statements=statements, lexicon=lexicon,
                          danger=danger, places=places, model=model)  # fmt: skip
    if not problems:
        problems.extend(_danger_check(knowledge, intents_dir / "_danger.yaml"))
        files, faults = training.read(intents_dir, _load_yaml, _check)
        problems.extend(faults)
        from .language import LanguageDetector  # it reads the knowledge loaded so far

        detect = LanguageDetector(knowledge).detect
        emergency = intents.get("emergency")
        kinds = set(emergency.kinds) if emergency else set()
        knowledge.examples, faults = training.cross_check(files, intents, LANGS, kinds, detect)
        problems.extend(faults)
    if problems:
        raise KnowledgeError(problems)
    return knowledge


_BY_LANG = {
    "type": "object",
    "required": list(LANGS),
    "additionalProperties": False,
    "properties": {lang: _STRINGS for lang in LANGS},
}
DANGER_SCHEMA = {
    "type": "object",
    "required": ["kinds", "immigration"],
    "additionalProperties": False,
    "properties": {
        "kinds": {"type": "object", "additionalProperties": _BY_LANG},
        "always": {"type": "object", "additionalProperties": _BY_LANG},
        "any": _BY_LANG,
        "against_me": _BY_LANG,
        "not": _BY_LANG,
        "immigration": _BY_LANG,
    },
}
MODEL_SCHEMA = {
    "type": "object",
    "required": ["c", "temperature", "reject_below", "emergency_at", "defer_above"],
    "additionalProperties": False,
    "properties": {
        "c": {"type": "number", "exclusiveMinimum": 0},
        "temperature": {"type": "number", "exclusiveMinimum": 0},
        "reject_below": {"type": "number", "minimum": 0, "maximum": 1},
        "emergency_at": {"type": "number", "minimum": 0, "maximum": 1},
        "defer_above": {"type": "number", "minimum": 0, "maximum": 1},
    },
}
PLACES_SCHEMA = {
    "type": "object",
    "required": ["here", "elsewhere"],
    "additionalProperties": False,
    "properties": {"here": _STRINGS, "elsewhere": _STRINGS},
}


def _side_file(path: Path, schema: dict, problems: list[str]) -> dict:
    data = _load_yaml(path, problems)
    if data is not None and _check(schema, data, path, problems):
        return data
    return {}


def _danger_check(knowledge: Knowledge, path: Path) -> list[str]:
    """Every kind of danger the lexicon names has a reply, and every reply a kind."""
    emergency = knowledge.intents.get("emergency")
    replies = set(emergency.kinds) if emergency else set()
    named = set(knowledge.danger.get("kinds", {}))
    problems = [f"{path}: always.{k}: not one of the kinds above"
                for k in sorted(set(knowledge.danger.get("always", {})) - named - {"any"})]
    problems += [f"{path}: kinds.{k}: intents/emergency.yaml has no reply for this kind"
                for k in sorted(named - replies)]  # fmt: skip
    problems += [f"{emergency.path}: kinds.{k}: the danger lexicon ({path.name}) has no words "
                 "for this kind" for k in sorted(replies - named)]  # fmt: skip
    lists = [*knowledge.danger.get("kinds", {}).values(),
             *knowledge.danger.get("always", {}).values()]
    lists += [knowledge.danger.get(k) or {} for k in ("any", "against_me", "not", "immigration")]
    for block in lists:
        for entries in block.values():
            problems += [f"{path}: {e!r}: a word ending in * needs 3 letters before it"
                         for e in entries if e.endswith("*") and len(e.split()[-1]) < 4]
    for kind, block in (emergency.kinds.items() if emergency else ()):
        for n, src in enumerate(block.get("sources", [])):
            if src not in knowledge.statements:
                problems.append(f"{emergency.path}: kinds.{kind}.sources[{n}]: "
                                f"unknown statement {src!r}")  # fmt: skip
    return problems


def _cross_check(intents: dict[str, Intent], statements: dict, intents_dir: Path) -> list[str]:
    problems = []
    for missing in sorted(set(REQUIRED_INTENTS) - set(intents)):
        problems.append(f"{intents_dir}/{missing}.yaml: required intent {missing!r} is missing")
    seen_patterns: dict[str, str] = {}
    menus: dict[int, str] = {}
    for intent in intents.values():
        p = intent.path
        for n, src in enumerate(intent.sources):
            if src not in statements:
                problems.append(f"{p}: sources[{n}]: unknown statement {src!r}")
        if intent.type == "content":
            if not intent.sources:
                problems.append(f"{p}: sources: a content answer must cite a statement")
            if intent.menu is None:
                problems.append(f"{p}: menu: a content intent needs a menu position")
        elif intent.menu is not None:
            problems.append(f"{p}: menu: only content intents are menu topics")
        if intent.menu is not None:
            if intent.menu in menus:
                problems.append(f"{p}: menu: position {intent.menu} is also {menus[intent.menu]}")
            menus[intent.menu] = intent.id
        for lang in LANGS:
            block = intent.lang[lang]
            has_answer = "answer" in block
            if intent.type in ("content", "safety") and not has_answer:
                problems.append(f"{p}: {lang}.answer: missing ({intent.type} intents answer)")
            if intent.type == "conversation" and has_answer:
                problems.append(
                    f"{p}: {lang}.answer: conversation replies come from the catalogs; remove it"
                )
            if intent.type == "content" and "label" not in block:
                problems.append(f"{p}: {lang}.label: a menu topic needs a label")
            if intent.id != "out_of_scope" and not block["patterns"]:
                problems.append(f"{p}: {lang}.patterns: at least one pattern is needed")
            for n, pattern in enumerate(block["patterns"]):
                key = " ".join(pattern.casefold().split())
                other = seen_patterns.get(key)
                if other and other != intent.id:
                    problems.append(
                        f"{p}: {lang}.patterns[{n}]: {pattern!r} is also a pattern of {other}"
                    )
                seen_patterns[key] = intent.id
    if menus and sorted(menus) != list(range(1, len(menus) + 1)):
        problems.append(f"{intents_dir}: menu positions must run 1..{len(menus)} without gaps")
    return problems


def _sms_check(intents: dict[str, Intent], statements: dict, max_segments: int | None) -> list[str]:
    """What a text sends, checked before any resident reads it (bot/engine/sms_budget.py says
    how it is counted). An `sms` answer is in both languages or neither, only where
    there is an answer. Whatever a content intent sends by SMS (its `sms`, else its
    answer) names a year and leaves room on the first text for its attribution
    ("- speaker, year"), a phone number and the MORE prompt: the claim and who said
    it never land on different texts. A content answer names a year as well."""
    from ..platform.config import DEFAULTS
    from . import sms_budget as budget

    max_segments = max_segments or DEFAULTS["SMS_MAX_SEGMENTS"]
    problems = []
    for intent in intents.values():
        p = intent.path
        has = {lang: "sms" in intent.lang[lang] for lang in LANGS}
        if intent.type == "conversation":
            if any(has.values()):
                problems.append(f"{p}: sms: conversation replies come from the catalogs; remove it")
            continue
        if not any(has.values()) and intent.type != "content":
            continue
        for lang in LANGS:
            if any(has.values()) and not has[lang]:
                other = next(o for o in LANGS if has[o])
                problems.append(
                    f"{p}: {lang}.sms: missing: {intent.id} has an sms answer in {other}, "
                    f"so it needs one in {lang} too"
                )
                continue
            key = "sms" if has[lang] else "answer"
            sms = intent.lang[lang].get(key)
            if not sms:
                continue  # a missing answer is reported by _cross_check
            if intent.type == "content":
                for checked in dict.fromkeys((key, "answer")):
                    why = budget.no_year(intent.lang[lang].get(checked) or "")
                    if why:
                        problems.append(f"{p}: {lang}.{checked}: {intent.id} ({lang}) {why}")
            source = statements.get(intent.sources[0]) if intent.sources else None
            attribution = source and budget.short_attribution(
                source["speaker"], source["date"][lang]
            )
            more, unverified = budget.fixed_strings(DEFAULTS["BABEL_TRANSLATION_DIRECTORIES"], lang)
            why = budget.problem(sms, attribution, more, unverified, max_segments)
            if why:
                problems.append(f"{p}: {lang}.{key}: {intent.id} ({lang}): {why}")
    return problems
