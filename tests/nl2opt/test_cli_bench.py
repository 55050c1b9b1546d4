"""``ormodel ask`` and ``ormodel bench nl`` end to end against the scripted server (no shared data needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ormodel.nl2opt.benchmark import judge
from ormodel.nl2opt.testing import Reply, question_of

from ormodel.cli import main

from .conftest import PRODUCTION, PRODUCTION_OPTIMUM, QUESTION, as_json, production

LLM_VARIABLES = ("ORMODEL_LLM_BASE_URL", "ORMODEL_LLM_MODEL", "ORMODEL_LLM_API_KEY", "ORMODEL_LLM_CONFIG", "OPENAI_API_KEY",
                 "OPENAI_BASE_URL")


@pytest.fixture
def no_llm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in LLM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


def test_ask_without_an_llm_explains_how_to_configure_one(no_llm, capsys) -> None:
    assert main(["ask", "How many chairs?"]) == 2
    error = capsys.readouterr().err
    assert "No LLM is configured" in error and "OPENAI_API_KEY" in error and "ollama" in error.lower()


def test_ask_solves_records_and_replays(no_llm, chat_server, tmp_path: Path, capsys) -> None:
    server = chat_server([Reply("{broken"), Reply(as_json(PRODUCTION))])
    problem_file = tmp_path / "problem.txt"
    problem_file.write_text(QUESTION)
    record = tmp_path / "run.jsonl"
    saved = tmp_path / "model.yaml"
    code = main(["ask", "-f", str(problem_file), "--base-url", server.url, "--model", "scripted", "--examples", "0",
                 "--max-rounds", "3", "--json", "--record", str(record), "--save-model", str(saved)])
    assert code == 0
    live = json.loads(capsys.readouterr().out)
    assert live["status"] == "solved" and live["objective"] == pytest.approx(PRODUCTION_OPTIMUM) and live["rounds"] == 2
    assert saved.exists() and "two_products" in saved.read_text()
    kinds = [json.loads(line)["type"] for line in record.read_text().splitlines()]
    assert kinds == ["run", "call", "call", "answer"]
    server.stop()
    assert main(["ask", "-f", str(problem_file), "--replay", str(record), "--examples", "0", "--max-rounds", "3"]) == 0
    text = capsys.readouterr().out
    assert "## Solution" in text and "**36**" in text and "round 1: the answer could not be read" in text


def _write_logior(root: Path, problems: list[tuple[str, str, object]]) -> None:
    folder = root / "logior"
    folder.mkdir(parents=True)
    with open(folder / "orthought__logior_full.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps({"id": identifier, "question.txt": text, "answer": answer}) + "\n" for identifier, text, answer in problems)


def test_bench_nl_runs_judges_and_replays(no_llm, chat_server, tmp_path: Path, capsys) -> None:
    data = tmp_path / "nl"
    wood_question = "Wood-limited shop: make products a and b for the most profit."
    tight_question = "Same shop, but at least 10 units of a are required."
    wrong_question = "Same shop; the label here expects 40."
    _write_logior(data, [("prob_001", wood_question, {"status": "optimal", "obj": 36.0}),
                         ("prob_002", tight_question, {"status": "infeasible", "obj": None}),
                         ("prob_003", wrong_question, {"status": "optimal", "obj": 40.0})])
    infeasible = production(constraints=PRODUCTION["constraints"] + [{"name": "need_a", "expression": "make['a'] >= 10"}])
    replies = {wood_question: ["{broken", as_json(PRODUCTION)], tight_question: [as_json(infeasible)] * 2,
               wrong_question: [as_json(PRODUCTION)]}
    served: dict[str, int] = {}

    def script(request: dict, index: int) -> Reply:
        question = question_of(request)
        count = served.get(question, 0)
        served[question] = count + 1
        return Reply(replies[question][min(count, len(replies[question]) - 1)])

    server = chat_server(script)
    table, records = tmp_path / "runs.jsonl", tmp_path / "records"
    common = ["bench", "nl", "--suite", "logior", "--data", str(data), "--examples", "0", "--max-rounds", "2", "--jobs", "3",
              "--no-progress", "--json"]
    assert main(common + ["--base-url", server.url, "--model", "scripted", "--table", str(table), "--records", str(records)]) == 0
    live = json.loads(capsys.readouterr().out)
    summary = live["summary"][0]
    assert summary["problems"] == 3 and summary["execution_rate"] == 1.0
    assert summary["accuracy"] == {"abs_0.01": pytest.approx(2 / 3), "rel_1e-6": pytest.approx(2 / 3), "rel_5pct": pytest.approx(2 / 3)}
    assert summary["average_rounds"] == pytest.approx(5 / 3)
    assert summary["tokens_per_problem"] > 0
    by_id = {problem["instance"]: problem for problem in live["problems"]}
    assert by_id["logior/prob_001"]["outcomes"] == ["parse_error", "accepted"]
    assert by_id["logior/prob_002"]["answer_status"] == "infeasible" and by_id["logior/prob_002"]["correct"]["rel_1e-6"]
    assert not by_id["logior/prob_003"]["correct"]["rel_5pct"]
    assert sorted(path.name for path in records.iterdir()) == [f"logior__prob_00{number}.jsonl" for number in (1, 2, 3)]
    _assert_report_agrees(table, summary, tmp_path / "report", capsys)
    server.stop()
    replay_table = tmp_path / "replay.jsonl"
    assert main(common + ["--replay", str(records), "--table", str(replay_table)]) == 0
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["summary"][0]["accuracy"] == summary["accuracy"]
    assert {problem["instance"]: problem["objective"] for problem in replayed["problems"]} == \
           {problem["instance"]: problem["objective"] for problem in live["problems"]}


def _assert_report_agrees(table: Path, summary: dict, folder: Path, capsys) -> None:
    """``bench report`` on the table ``bench nl`` wrote prints the same accuracies, under the same named rules."""
    from ormodel.answers import ANSWER_TOLERANCES
    from ormodel.bench.report import accuracy_by_method, load_rows
    from ormodel.nl2opt.benchmark import summarize, summary_markdown

    rows = load_rows([table])
    assert accuracy_by_method(rows)["scripted"]["accuracy"] == pytest.approx(summary["accuracy"])
    assert main(["bench", "report", str(table), "--output", str(folder), "--no-plots"]) == 0
    capsys.readouterr()
    report = (folder / "report.md").read_text(encoding="utf-8")
    header = next(line for line in report.splitlines() if line.startswith("| method | runs | execution rate"))
    line = next(line for line in report.splitlines() if line.startswith("| scripted | 3 | 100.0 | 3 |"))
    printed = [float(cell) for cell in line.strip("| ").split(" | ")[4:]]
    assert printed == [round(100 * summary["accuracy"][tolerance.name], 1) for tolerance in ANSWER_TOLERANCES]
    nl_table = summary_markdown(summarize(rows))
    for tolerance in ANSWER_TOLERANCES:  # the rule, not only a name, heads both tables
        assert tolerance.table_header in header and f"acc {tolerance.table_header}" in nl_table
    for text in (report, nl_table):  # escaped rules keep every row of a table at its header's number of columns
        for table in re.findall(r"(?:^\|.*\n?)+", text, flags=re.MULTILINE):
            assert len({len(re.split(r"(?<!\\)\|", line)) for line in table.splitlines()}) == 1, table
    assert "|p − a| ≤ atol + rtol·max(1, |a|)" in report and "|p − a| ≤ atol + rtol·max(1, |a|)" in nl_table


def test_answer_rule_is_absolute_plus_relative() -> None:
    from ormodel.answers import AnswerTolerance, judge_answer, row_verdicts

    both = AnswerTolerance("both", absolute=0.5, relative=0.01)
    assert both.accepts(101.5, 100.0) and not both.accepts(101.6, 100.0)  # 0.5 + 0.01 * 100
    assert AnswerTolerance("rel", relative=0.01).accepts(0.009, 0.0)  # max(1, |a|) near zero
    assert not AnswerTolerance("abs", absolute=0.01).accepts(float("nan"), 0.0)
    assert judge_answer("time_limit", 36.0, 36.0) == {"abs_0.01": True, "rel_1e-6": True, "rel_5pct": True}
    assert not any(judge_answer("error", 36.0, 36.0).values())
    assert row_verdicts({"status": "optimal", "objective": 3.0, "best_known": None}) is None  # no label: not judged
    assert all(row_verdicts({"status": "infeasible", "objective": None, "best_known": None,
                             "extra": {"label_status": "no_best_solution"}}).values())


def test_judge_uses_each_tolerance_and_answer_class() -> None:
    record = {"answer": 100.0, "answer_status": "optimal"}
    assert judge(record, "solved", 100.004) == {"abs_0.01": True, "rel_1e-6": False, "rel_5pct": True}
    assert judge(record, "solved", 104.0) == {"abs_0.01": False, "rel_1e-6": False, "rel_5pct": True}
    assert judge(record, "failed", None) == {"abs_0.01": False, "rel_1e-6": False, "rel_5pct": False}
    no_optimum = {"answer": None, "answer_status": "no_best_solution"}
    assert all(judge(no_optimum, "infeasible", None).values())
    assert not any(judge(no_optimum, "solved", 3.0).values())
