"""NL suite loader on small files written in each suite's real format (no shared data needed)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from ormodel.datasets.nl import (
    ROUNDED_2DP,
    STRICT,
    SUITES,
    AnswerStatus,
    NLDataError,
    available_suites,
    load_suite,
    parse_answer,
)

REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nl"


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _csv(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


FARM = "A farmer has 100 acres to plant wheat and corn. Maximize profit."
DIET = "Imagine you are a dietitian planning meals for a week.\n\nMinimize cost."


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A data root with one small file per reader kind, in the layouts of the real copies."""
    _jsonl(tmp_path / "mamo_easylp/mamo__mamo_easy_lp.jsonl", [
        {"id": 1, "Question": FARM, "Answer": "300", "Category": "optimization", "Type": "easy_lp"},
        {"id": 2, "Question": DIET, "Answer": "12.5", "Category": "optimization", "Type": "easy_lp"},
        {"id": 3, "Question": "A removed problem.", "Answer": "7", "Category": "optimization", "Type": "easy_lp"},
    ])
    _jsonl(tmp_path / "mamo_easylp/sirl__MAMO_EasyLP_fixed.jsonl", [
        {"en_question": FARM, "en_answer": "300", "is_checked": 1},
        {"en_question": "  imagine you are a dietitian planning meals for a week. minimize cost. ",
         "en_answer": "14", "is_checked": 1, "original_answer": "12.5"},
    ])
    _jsonl(tmp_path / "mamo_easylp/llm4or__clean_Mamo_easy_lp.jsonl", [
        {"id": 1, "Question": FARM, "Answer": "300", "Category": "optimization", "Type": "easy_lp"},
    ])
    _jsonl(tmp_path / "nl4opt/optmath__NL4OPT.jsonl", [
        {"en_question": FARM, "en_answer": "No Best Solution"},
        {"en_question": DIET, "en_answer": "1160.0"},
    ])
    _jsonl(tmp_path / "nl4opt/llmopt__nl4opt_test.jsonl", [
        {"question": FARM, "answer": 1160.47, "ori": "5_nl4opt_test", "index": 1},
    ])
    (tmp_path / "optmath_bench").mkdir()
    (tmp_path / "optmath_bench/optmath__OptMATH_Bench.json").write_text(
        json.dumps([{"en_question": FARM, "en_answer": 25.0, "id": 0}]), encoding="utf-8"
    )
    (tmp_path / "optibench").mkdir()
    (tmp_path / "optibench/resocratic__OptiBench.json").write_text(json.dumps([
        {"question": FARM, "index": 0, "type": "linear-notable",
         "results": {"Acres of wheat": "17.0", "Maximized profit": "166.0"}},
    ]), encoding="utf-8")
    _jsonl(tmp_path / "complexor/coe__ComplexOR.jsonl", [
        {"id": "steel4", "description.txt": "Consider a production problem.", "gt_model.txt": "Products: a set",
         "code_example.py": "def steel4(): ...", "sample": [{"input": {"profit": [10, 20]}, "output": [110]}]},
    ])
    _jsonl(tmp_path / "nlp4lp/llm4or__clean_NLP4LP.jsonl", [
        {"id": "0", "description.txt": "Mrs. Watson invests.", "optimus_code.py": "# code",
         "parameters": {"TotalBudget": 760000}, "problem_info": {"parametrized_description": "Maximize"},
         "solution": {"variables": {"InvestmentCondos": 152000.0}, "objective": 684000.0}},
    ])
    _jsonl(tmp_path / "logior/orthought__logior_full.jsonl", [
        {"id": "prob_001", "answer": {"status": "optimal", "obj": 537.0}, "code.py": "import gurobipy",
         "model.txt": "Set:\n1. Parcels", "question.txt": "RapidLink Logistics needs to plan."},
        {"id": "prob_002", "answer": {"status": "infeasible", "obj": None}, "model.txt": "Set:", "question.txt": "Q2"},
    ])
    _jsonl(tmp_path / "nl4opt/nl4optcomp__generation_test.jsonl", [
        {"1117636837": {"document": FARM, "vars": ["wheat", "corn"], "params": ["100"],
                        "obj_declaration": {"direction": "maximize"}, "const_declarations": [], "order_mapping": {}}},
    ])
    _csv(tmp_path / "industryor/orthought__IndustryOR.csv", [
        ["id", "en_question", "en_answer", "difficulty", "problem_type"],
        ["prob_000", "A factory produces two types of food.", "219816.0", "Medium", "MIP"],
        ["prob_004", "An incomplete problem.", "5", "Easy", "LP"],
        ["prob_005", "A transport problem.", "24250.0", "Hard", "IP"],
    ])
    _csv(tmp_path / "industryor/orthought__IndustryOR_wrong.csv", [["id", "answer", "wrong_answer"], ["prob_005", "10755.0", "24250.0"]])
    _csv(tmp_path / "industryor/orthought__IndustryOR_delete_prob_error_type.csv", [["004", "statement incomplete"]])
    (tmp_path / "industryor/orthought__summary_industryor.json").write_text(
        json.dumps({"prob_000": {}, "prob_005": {}}), encoding="utf-8"
    )
    _csv(tmp_path / "industryor/optimind__cleaned_industryor.csv", [
        ["problem_class", "question", "answer"],
        ["['Production Planning Problem']", "A factory produces two types of food.", "[219600.0]"],
    ])
    _csv(tmp_path / "nlp4lp/orthought__nlp4lp.csv", [
        ["id", "description", "solution", "problem_info", "parameters", "optimus_code", "problem_type"],
        ["prob_000", "Invest in condos.", json.dumps({"variables": {"a": 1.0}, "objective": 684000.0}),
         json.dumps({"objective": {"formulation": "max"}}), json.dumps({"B": 1}), "# code", "LP"],
        ["prob_005", "Another.", json.dumps({"variables": {}, "objective": None}), "{}", "{}", "", "MILP"],
    ])
    _csv(tmp_path / "nlp4lp/orthought__nlp4lp_wrong.csv", [
        ["id", "answer", "wrong_answer", "error_note"], ["prob_005", "4000000", "4.07e+35", "var_num"],
    ])
    _csv(tmp_path / "nlp4lp/orthought__nlp4lp_error_type.csv", [
        ["prob_id", " error_type", " error_note"], ["prob_000", "var_type", "should be int"],
    ])
    return tmp_path


def test_question_answer_jsonl_with_corrections_and_cross_checks(root: Path) -> None:
    records = load_suite("mamo-easylp", root)
    assert [record.id for record in records] == ["1", "2", "3"]
    farm, diet, removed = records
    assert farm.text == FARM and farm.answer == 300.0 and farm.tolerance == STRICT
    assert farm.source == SUITES["mamo-easylp"].source and farm.metadata["Type"] == "easy_lp"
    assert farm.known_issues == []
    assert "sirl-fixed-answer: 14.0" in diet.known_issues
    assert "absent-from-llm4or-clean" in diet.known_issues
    assert "absent-from-sirl-fixed" in removed.known_issues
    fixed = load_suite("mamo-easylp-sirl-fixed", root)
    assert fixed[1].answer == 14.0 and "answer-corrected (original: 12.5)" in fixed[1].known_issues
    assert fixed[1].metadata == {"is_checked": 1}


def test_no_best_solution_and_rounded_labels(root: Path) -> None:
    first, second = load_suite("nl4opt", root)
    assert first.answer is None and first.answer_status == AnswerStatus.NO_BEST_SOLUTION
    assert "no-best-solution" in first.known_issues
    assert second.is_correct(1160.0000001) and not second.is_correct(1161.0)
    (llmopt,) = load_suite("nl4opt-llmopt", root)
    assert llmopt.tolerance == ROUNDED_2DP and llmopt.id == "1" and llmopt.metadata["ori"] == "5_nl4opt_test"
    assert {"relabelled-by-llmopt", "labels-rounded-2dp"} <= set(llmopt.known_issues)
    assert llmopt.is_correct(1160.4712) and not llmopt.is_correct(1160.49)


def test_json_array_and_results_dict(root: Path) -> None:
    (bench,) = load_suite("optmath-bench", root)
    assert bench.answer == 25.0 and bench.id == "0"
    (optibench,) = load_suite("optibench", root)
    assert optibench.answer == 166.0
    assert optibench.expected_values == {"Acres of wheat": 17.0, "Maximized profit": 166.0}
    assert optibench.metadata["objective_name"] == "Maximized profit"


def test_reference_formulations(root: Path) -> None:
    (complexor,) = load_suite("complexor", root)
    assert complexor.id == "steel4" and complexor.answer == 110.0
    assert complexor.reference_formulation == "Products: a set"
    assert complexor.metadata["sample_input"] == {"profit": [10, 20]}
    assert all(not key.endswith(".py") for key in complexor.metadata)
    (nlp4lp,) = load_suite("nlp4lp-clean-llm4or", root)
    assert nlp4lp.answer == 684000.0 and "parametrized_description" in (nlp4lp.reference_formulation or "")
    assert nlp4lp.expected_values == {"InvestmentCondos": 152000.0}
    assert "license-cc-by-nc-4.0" in nlp4lp.known_issues
    solved, infeasible = load_suite("logior", root)
    assert solved.answer == 537.0 and solved.reference_formulation == "Set:\n1. Parcels"
    assert infeasible.answer is None and infeasible.answer_status == "infeasible"
    (generation,) = load_suite("nl4opt-generation-test", root)
    assert generation.answer is None and generation.id == "1117636837"
    assert json.loads(generation.reference_formulation or "{}")["vars"] == ["wheat", "corn"]


def test_csv_suites_with_orthought_issue_files(root: Path) -> None:
    base, incomplete, wrong = load_suite("industryor-v2", root)
    assert base.answer == 219816.0 and base.metadata["difficulty"] == "Medium"
    assert base.known_issues[0] == "industryor-v2"
    assert "optimind-answer: 219600.0" in base.known_issues
    assert "removed-by-orthought: statement incomplete" in incomplete.known_issues
    assert "absent-from-orthought-corrected" in incomplete.known_issues
    assert "answer-corrected-by-orthought: 10755.0 (original: 24250.0)" in wrong.known_issues
    (optimind,) = load_suite("industryor-v2-optimind", root)
    assert optimind.answer == 219600.0
    first, second = load_suite("nlp4lp", root)
    assert first.answer == 684000.0 and "reference-model-error: var_type: should be int" in first.known_issues
    assert second.answer is None and any(flag.startswith("answer-corrected-by-orthought: 4000000") for flag in second.known_issues)
    assert load_suite("nlp4lp", root, known_issues=False)[0].known_issues == []


def test_malformed_line_names_file_line_and_fix(root: Path) -> None:
    path = root / "mamo_easylp/mamo__mamo_easy_lp.jsonl"
    lines = path.read_text().splitlines()
    lines.insert(2, '{"id": 9, "Question": "broken", ')
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(NLDataError) as raised:
        load_suite("mamo-easylp", root)
    message = str(raised.value)
    assert str(path) in message and "line 3" in message and "not valid JSON" in message
    assert "copy the file again from FreedomIntelligence/Mamo" in message


def test_missing_field_and_bad_results(root: Path) -> None:
    _jsonl(root / "nl4opt/optmath__NL4OPT.jsonl", [{"en_question": FARM, "en_answer": "1"}, {"en_question": FARM}])
    with pytest.raises(NLDataError, match=r"line 2: no answer field \(expected one of en_answer, answer, Answer"):
        load_suite("nl4opt", root)
    (root / "optibench/resocratic__OptiBench.json").write_text(json.dumps([{"question": "q", "results": []}]))
    with pytest.raises(NLDataError, match="'results' must be a non-empty object"):
        load_suite("optibench", root)


def test_missing_paths_and_unknown_suite(root: Path, tmp_path: Path) -> None:
    with pytest.raises(NLDataError, match="NL data folder not found"):
        load_suite("nl4opt", tmp_path / "nowhere")
    with pytest.raises(NLDataError, match=r"file of suite 'icml24-track3' not found; copy it from caigaojiang/LLMOPT"):
        load_suite("icml24-track3", root)
    with pytest.raises(NLDataError, match="unknown NL suite 'nl5opt'"):
        load_suite("nl5opt", root)


def test_available_suites_reports_presence_and_counts(root: Path) -> None:
    statuses = {status.spec.name: status for status in available_suites(root)}
    assert set(statuses) == set(SUITES)
    assert statuses["mamo-easylp"].present and statuses["mamo-easylp"].count == 3
    assert not statuses["icml24-track3"].present and statuses["icml24-track3"].count is None
    assert all(not status.present for status in available_suites(None))


@pytest.mark.parametrize(("raw", "answer", "status"), [
    ("300", 300.0, "optimal"), (" 1,234.5 ", 1234.5, "optimal"), ("[18.0]", 18.0, "optimal"), ([7], 7.0, "optimal"),
    (-99999, None, "infeasible"), ("No Best Solution", None, "no_best_solution"), (None, None, "missing"),
    ({"status": "optimal", "obj": 4}, 4.0, "optimal"), ("about 12", None, "missing"),
])
def test_parse_answer_spellings(raw: object, answer: float | None, status: str) -> None:
    parsed, parsed_status, _ = parse_answer(raw)
    assert parsed == answer and parsed_status == status


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason="shared NL data folder not present")
def test_real_suites_have_the_documented_counts() -> None:
    for status in available_suites(REAL_DATA):
        if status.present:
            assert status.error is None, status.error
            assert status.count == status.spec.count, status.spec.name


def test_normalized_jsonl_round_trip(root: Path, tmp_path: Path) -> None:
    from ormodel.datasets.nl import read_normalized, write_normalized

    records = load_suite("industryor-v2", root) + load_suite("optibench", root) + load_suite("nl4opt-llmopt", root)
    path = write_normalized(records, tmp_path / "out" / "all.jsonl")
    back = read_normalized(path)
    assert [record.to_json() for record in back] == [record.to_json() for record in records]
    assert back[-1].tolerance == ROUNDED_2DP
    path.write_text(path.read_text() + '{"id": 1}\n')
    with pytest.raises(NLDataError, match=rf"line {len(records) + 1}: not a normalized record"):
        read_normalized(path)
