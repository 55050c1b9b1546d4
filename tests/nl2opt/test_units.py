"""Configuration, answer extraction, checks and retrieval."""

from __future__ import annotations

from pathlib import Path

import pytest
from ormodel.nl2opt.agent import describe_changes
from ormodel.nl2opt.checks import structural_findings
from ormodel.nl2opt.config import LLMConfig, LLMNotConfigured, load_config
from ormodel.nl2opt.extract import FormulationParseError, extract_document
from ormodel.nl2opt.retrieval import ExampleLibrary, load_golden, tokens

from ormodel.io import problem_from_dict

from .conftest import PRODUCTION, production

GOLDEN = Path(__file__).resolve().parent / "golden"


def test_without_configuration_the_error_says_how_to_set_one_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(LLMNotConfigured, match="no server address") as caught:
        load_config(environ={})
    text = str(caught.value)
    assert "OPENAI_API_KEY" in text and "11434" in text and "vllm" in text.lower()
    with pytest.raises(LLMNotConfigured, match="does not exist"):
        load_config(environ={"ORMODEL_LLM_CONFIG": str(tmp_path / "missing.toml")})


def test_configuration_from_environment_file_and_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    openai = load_config(environ={"OPENAI_API_KEY": "sk-test", "HOME": str(tmp_path)})
    assert (openai.base_url, openai.model, openai.api_key) == ("https://api.openai.com/v1", "gpt-4o-mini", "sk-test")
    local = load_config(environ={"ORMODEL_LLM_BASE_URL": "http://localhost:11434/v1/", "ORMODEL_LLM_MODEL": "qwen2.5:7b"})
    assert (local.base_url, local.model, local.api_key) == ("http://localhost:11434/v1", "qwen2.5:7b", "not-needed")
    config_file = tmp_path / "llm.toml"
    config_file.write_text('base_url = "http://127.0.0.1:8000/v1"\nmodel = "served"\napi_key_env = "MY_KEY"\n'
                           'timeout = 9\nstructured_output = "none"\n')
    from_file = load_config(environ={"ORMODEL_LLM_CONFIG": str(config_file), "MY_KEY": "secret"})
    assert (from_file.model, from_file.api_key, from_file.timeout, from_file.structured_output) == ("served", "secret", 9, "none")
    overridden = load_config(model="other", environ={"ORMODEL_LLM_CONFIG": str(config_file)}, timeout=3.0)
    assert (overridden.model, overridden.timeout) == ("other", 3.0)
    assert "api_key" not in overridden.describe()
    with pytest.raises(LLMNotConfigured, match="no model name"):
        load_config(environ={"ORMODEL_LLM_BASE_URL": "http://localhost:8000/v1"})
    with pytest.raises(ValueError, match="structured_output"):
        LLMConfig(base_url="http://x/v1", model="m", structured_output="xml")


def test_extract_reads_json_fenced_json_and_yaml() -> None:
    assert extract_document('{"variables": {"x": {}}}') == {"variables": {"x": {}}}
    assert extract_document("Model:\n```yaml\nvariables:\n  x: {type: binary}\n```") == {"variables": {"x": {"type": "binary"}}}
    assert extract_document("```\n{\"objective\": {\"expression\": \"x\"}}\n```") == {"objective": {"expression": "x"}}
    with pytest.raises(FormulationParseError, match="invalid JSON at line 1"):
        extract_document('{"variables": {"x": {}')
    with pytest.raises(FormulationParseError, match="no JSON object or fenced"):
        extract_document("I think the answer is 42.")
    with pytest.raises(FormulationParseError, match="empty"):
        extract_document("   ")


def test_structural_findings_name_unused_data_and_variables() -> None:
    document = production(parameters={**PRODUCTION["parameters"], "unused_cost": 4},
                          variables={**PRODUCTION["variables"], "idle": {"type": "binary"}})
    kinds = {finding.kind: finding.message for finding in structural_findings(problem_from_dict(document))}
    assert "unused_cost" in kinds["unused_parameter"] and "idle" in kinds["unused_variable"]
    assert structural_findings(problem_from_dict(PRODUCTION)) == []
    # NL4Opt 233: the message names what to keep, since the model deleted the used variables instead of the unused one.
    assert kinds["unused_variable"] == ("variable 'idle' appears in no constraint and not in the objective: use it where "
                                        "the problem needs it, or delete only 'idle' and keep 'make' as it is")
    two = production(variables={**PRODUCTION["variables"], "idle": {"type": "binary"}, "spare": {"lower": 0}})
    [message] = [finding.message for finding in structural_findings(problem_from_dict(two)) if finding.kind == "unused_variable"]
    assert message.startswith("variables 'idle', 'spare' appear in no constraint") and "delete only 'idle', 'spare'" in message
    constant = production(objective={"sense": "minimize", "expression": "b_limit"})
    assert "constant_objective" in {finding.kind for finding in structural_findings(problem_from_dict(constant))}


def test_describe_changes_lists_element_differences() -> None:
    after = production(constraints=PRODUCTION["constraints"][:1], parameters={**PRODUCTION["parameters"], "b_limit": 7})
    changes = describe_changes(PRODUCTION, after)
    assert changes == ["changed parameter `b_limit`", "removed constraint `b_cap`"]
    assert describe_changes(PRODUCTION, PRODUCTION) == []


def test_retrieval_finds_similar_golden_examples_and_excludes_the_problem_itself() -> None:
    library = ExampleLibrary(load_golden(GOLDEN))
    assert len(library.examples) >= 60
    tour = library.select("A salesman must visit every city once and return home; find the shortest round trip.", 3)
    assert any("tour" in example.summary.lower() or "tsp" in example.summary.lower() for example in tour)
    flow = library.select("Maximum flow of water through pipelines from the reservoir to the city", 1)[0]
    assert "flow" in flow.summary.lower()
    excluded = library.select("Maximum flow of water through pipelines from the reservoir to the city", 3, exclude=[flow.key])
    assert flow.key not in {example.key for example in excluded}
    shots = library.few_shot("diet with protein and calories at least cost", 2)
    assert len(shots) == 2 and all(isinstance(document, dict) and "variables" in document for _, document in shots)
    assert tokens("Cities_and TOURS, the costs") == ["city", "tour", "cost"]


def test_an_answer_with_special_constructs_passes_the_schema_and_the_checks() -> None:
    """Semi-continuous variables, SOS families and piecewise terms: the core takes them, so an LLM answer may use them."""
    import json

    from ormodel.io import validate_document
    from ormodel.nl2opt.agent import _read_answer

    import ormodel as om

    document = {
        "name": "special", "sets": {"K": [1, 2, 3]},
        "parameters": {"gain": {"index": ["K"], "values": [3, 5, 4]}},
        "variables": {"x": {"index": ["K"], "upper": 4}, "run": {"type": "semicontinuous", "lower": 2, "upper": 6},
                      "n": {"type": "semi-integer", "lower": 1, "upper": 3}},
        "objective": {"sense": "maximize", "expression": "sum(gain[k] * x[k] for k in K) - piecewise(run, [0, 3, 6], [0, 3, 9]) - n"},
        "constraints": [{"name": "pick", "expression": "sos1(x[k] for k in K)"},
                        {"name": "link", "expression": "sum(x[k] for k in K) <= run + n"}],
    }
    answer, notes = _read_answer("```json\n" + json.dumps(document) + "\n```")
    assert notes == []
    validate_document(answer)
    problem = problem_from_dict(answer)
    assert [family.name for family in problem.sos_sets] == ["pick"] and problem.variables["n"].semicontinuous
    assert not [finding for finding in structural_findings(problem) if "pick" in str(finding)]
    result = om.solve(problem, solver="highs")
    assert result.status == om.Status.OPTIMAL and result.objective == pytest.approx(16.0)  # x[2] = 4 from run 3 (cost 3) and n 1
