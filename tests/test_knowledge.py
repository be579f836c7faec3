"""The intent data validator: the shipped data passes, and each kind of fault is named."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.engine.knowledge import REQUIRED_INTENTS, KnowledgeError, load
from bot.platform.config import ROOT

INTENTS = ROOT / "intents"
RESOURCES = ROOT / "resources"
TAXONOMY = ROOT.parent / "shared" / "intent-taxonomy.md"


def test_shipped_data_is_valid():
    knowledge = load(INTENTS, RESOURCES)
    assert set(REQUIRED_INTENTS) <= set(knowledge.intents)
    assert len(knowledge.menu) == 12


@pytest.mark.skipif(not TAXONOMY.exists(), reason="shared/ is not beside this checkout")
def test_required_ids_match_the_taxonomy():
    ids = set(re.findall(r"^\| `([a-z_]+)` \|", TAXONOMY.read_text(), re.M))
    assert ids == set(REQUIRED_INTENTS)


def test_every_content_answer_cites_an_existing_statement():
    knowledge = load(INTENTS, RESOURCES)
    for intent in knowledge.intents.values():
        if intent.type == "content":
            assert intent.sources
            assert all(s in knowledge.statements for s in intent.sources)


def test_background_document_is_never_quoted():
    knowledge = load(INTENTS, RESOURCES)
    docs = {st["document"] for st in knowledge.statements.values()}
    assert "004_c91209a87b05da07.txt" not in docs


@pytest.fixture
def data(tmp_path):
    intents = tmp_path / "intents"
    resources = tmp_path / "resources"
    shutil.copytree(INTENTS, intents)
    shutil.copytree(RESOURCES, resources)
    return intents, resources


def edit(path: Path, change):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def problems(intents, resources) -> str:
    with pytest.raises(KnowledgeError) as exc:
        load(intents, resources)
    return "\n".join(exc.value.problems)


def test_missing_intent(data):
    intents, resources = data
    (intents / "hate_crime.yaml").unlink()
    assert "required intent 'hate_crime' is missing" in problems(*data)


def test_missing_language(data):
    intents, _ = data
    edit(intents / "legal_help.yaml", lambda d: d.pop("es"))
    out = problems(*data)
    assert "legal_help.yaml" in out and "'es' is a required property" in out


def test_unknown_statement(data):
    intents, _ = data
    edit(intents / "sanctuary_city.yaml", lambda d: d["sources"].append("nobody_said_this"))
    out = problems(*data)
    assert "sanctuary_city.yaml: sources[" in out and "nobody_said_this" in out


def test_duplicate_pattern_across_intents(data):
    intents, _ = data
    edit(intents / "citizenship.yaml", lambda d: d["en"]["patterns"].append("I need a LAWYER"))
    edit(intents / "legal_help.yaml", lambda d: d["en"]["patterns"].append("i need a lawyer"))
    out = problems(*data)
    assert "is also a pattern of" in out


def test_content_without_answer(data):
    intents, _ = data
    edit(intents / "racial_profiling.yaml", lambda d: d["es"].pop("answer"))
    assert "racial_profiling.yaml: es.answer: missing" in problems(*data)


def test_unknown_field_and_wrong_type(data):
    intents, _ = data
    edit(intents / "greeting.yaml", lambda d: d.update(colour="blue"))
    edit(intents / "thanks.yaml", lambda d: d["en"].update(patterns="thanks"))
    out = problems(*data)
    assert "greeting.yaml" in out and "colour" in out
    assert "thanks.yaml: en.patterns: 'thanks' is not of type 'array'" in out


def test_file_name_must_match_id(data):
    intents, _ = data
    edit(intents / "human.yaml", lambda d: d.update(intent="person"))
    assert "human.yaml: intent: 'person' must match the file name" in problems(*data)


def test_broken_yaml_is_named(data):
    intents, _ = data
    (intents / "help.yaml").write_text("intent: help\n  bad: [indent\n")
    assert "help.yaml: cannot be read as UTF-8 YAML" in problems(*data)


def test_statement_missing_attribution(data):
    _, resources = data
    edit(resources / "statements.yaml", lambda d: d["statements"][0].pop("date"))
    assert "statements.yaml: statements[0]: 'date' is a required property" in problems(*data)


def test_cli_reports_ok_and_faults(runner, data, app):
    result = runner.invoke(args=["check-intents"])
    assert result.exit_code == 0 and result.output.startswith("OK:")
    intents, resources = data
    (intents / "opt_in.yaml").unlink()
    app.config.update(INTENTS_DIR=str(intents), RESOURCES_DIR=str(resources))
    result = runner.invoke(args=["check-intents"])
    assert result.exit_code == 1 and "opt_in" in result.output
