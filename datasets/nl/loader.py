"""Read NL suite files in their native formats into :class:`NLRecord` lists.

The data stays outside the project: every function takes the data root (the folder holding
``nl4opt/``, ``mamo_easylp/`` and so on). Errors name the file, the line and what to do.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ormodel.datasets.nl.records import AnswerStatus, NLDataError, NLRecord, parse_answer
from ormodel.datasets.nl.suites import SUITES, CrossCheck, IssueFile, SuiteSpec

__all__ = ["SuiteStatus", "available_suites", "load_suite", "read_normalized", "read_rows", "write_normalized"]

QUESTION_FIELDS = ("en_question", "question", "Question", "description", "question.txt", "description.txt")
ANSWER_FIELDS = ("en_answer", "answer", "Answer")
ID_FIELDS = ("id", "index", "ori")
ORIGINAL_ANSWER_FIELDS = ("original_answer", "orginal_answer")


# --------------------------------------------------------------------------- raw rows


def _fix_hint(spec: SuiteSpec) -> str:
    return f"fix or remove that entry, or copy the file again from {spec.source}"


def read_rows(path: Path, spec: SuiteSpec) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, row)`` pairs of a suite file in its declared format (jsonl, json or csv)."""
    if spec.file_format == "jsonl":
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise NLDataError(
                        f"{path}, line {number}: not valid JSON ({error.msg} at column {error.colno}); {_fix_hint(spec)}"
                    ) from None
                if not isinstance(row, dict):
                    raise NLDataError(
                        f"{path}, line {number}: expected a JSON object per line, got {type(row).__name__}; {_fix_hint(spec)}"
                    )
                yield number, row
    elif spec.file_format == "json":
        text = path.read_text(encoding="utf-8-sig")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise NLDataError(
                f"{path}, line {error.lineno}: not valid JSON ({error.msg} at column {error.colno}); {_fix_hint(spec)}"
            ) from None
        if not isinstance(data, list):
            raise NLDataError(f"{path}: expected a JSON array of problems, got {type(data).__name__}; {_fix_hint(spec)}")
        for position, row in enumerate(data, start=1):
            if not isinstance(row, dict):
                raise NLDataError(f"{path}, element {position}: expected a JSON object; {_fix_hint(spec)}")
            yield position, row
    elif spec.file_format == "csv":
        csv.field_size_limit(1 << 28)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                if None in row or any(value is None for value in row.values()):
                    raise NLDataError(
                        f"{path}, line {reader.line_num}: {len(row) + len(row.get(None, [])) - 1} fields where the header "
                        f"has {len(reader.fieldnames or [])}; {_fix_hint(spec)}"
                    )
                yield reader.line_num, {key.strip(): value for key, value in row.items()}
    else:
        raise NLDataError(f"suite {spec.name}: unknown file format {spec.file_format!r}")


def _first(row: dict[str, Any], names: tuple[str, ...]) -> tuple[str | None, Any]:
    for name in names:
        if name in row:
            return name, row[name]
    return None, None


def _require(row: dict[str, Any], names: tuple[str, ...], what: str, path: Path, number: int, spec: SuiteSpec) -> Any:
    key, value = _first(row, names)
    if key is None:
        raise NLDataError(
            f"{path}, line {number}: no {what} field (expected one of {', '.join(names)}; found {', '.join(sorted(row))}); "
            f"{_fix_hint(spec)}"
        )
    return value


def _json_field(value: Any, path: Path, number: int, field: str, spec: SuiteSpec) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise NLDataError(f"{path}, line {number}: field {field} is not valid JSON ({error.msg}); {_fix_hint(spec)}") from None


def _metadata(row: dict[str, Any], skip: set[str]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in skip and not key.endswith(".py")}


# --------------------------------------------------------------------------- readers per format


def _question_answer(path: Path, spec: SuiteSpec) -> list[NLRecord]:
    question_fields = (spec.question_field,) if spec.question_field else QUESTION_FIELDS
    answer_fields = (spec.answer_field,) if spec.answer_field else ANSWER_FIELDS
    id_fields = (spec.id_field,) if spec.id_field else ID_FIELDS
    records = []
    for position, (number, row) in enumerate(read_rows(path, spec), start=1):
        text = _require(row, question_fields, "question", path, number, spec)
        raw_answer = _require(row, answer_fields, "answer", path, number, spec)
        answer, status, flags = parse_answer(raw_answer)
        id_key, identifier = _first(row, id_fields)
        original_key, original = _first(row, ORIGINAL_ANSWER_FIELDS)
        if original_key is not None:
            flags.append(f"answer-corrected (original: {original})")
        skip = set(question_fields) | set(answer_fields) | {id_key or "", original_key or ""}
        records.append(NLRecord(
            id=str(identifier) if identifier is not None else str(position), suite=spec.name, text=str(text),
            answer=answer, tolerance=spec.tolerance, reference_formulation=None, source=spec.source,
            known_issues=flags, answer_status=status, metadata=_metadata(row, skip),
        ))
    return records


def _results_dict(path: Path, spec: SuiteSpec) -> list[NLRecord]:
    records = []
    for position, (number, row) in enumerate(read_rows(path, spec), start=1):
        text = _require(row, ("question",), "question", path, number, spec)
        results = _require(row, ("results",), "results", path, number, spec)
        if not isinstance(results, dict) or not results:
            raise NLDataError(f"{path}, line {number}: 'results' must be a non-empty object of named values; {_fix_hint(spec)}")
        values: dict[str, float | str] = {}
        for name, value in results.items():
            parsed, _, _ = parse_answer(value)
            values[name] = parsed if parsed is not None else str(value)
        objective_name = list(results)[-1]
        answer, status, flags = parse_answer(results[objective_name])
        identifier = row.get("index", position)
        records.append(NLRecord(
            id=str(identifier), suite=spec.name, text=str(text), answer=answer, tolerance=spec.tolerance,
            reference_formulation=None, source=spec.source, known_issues=flags, answer_status=status,
            expected_values=values, metadata={"objective_name": objective_name, "index": identifier,
                                              **_metadata(row, {"question", "results", "index"})},
        ))
    return records


def _folder_sample(path: Path, spec: SuiteSpec) -> list[NLRecord]:
    """Chain-of-Experts layout: description.txt, sample [{input, output}], optional gt_model.txt."""
    records = []
    for number, row in read_rows(path, spec):
        identifier = _require(row, ("id",), "id", path, number, spec)
        text = _require(row, ("description.txt",), "description.txt", path, number, spec)
        sample = _json_field(_require(row, ("sample",), "sample", path, number, spec), path, number, "sample", spec)
        if not isinstance(sample, list) or not sample or not isinstance(sample[0], dict) or "output" not in sample[0]:
            raise NLDataError(f"{path}, line {number}: 'sample' must be a list of {{input, output}} objects; {_fix_hint(spec)}")
        answer, status, flags = parse_answer(sample[0]["output"])
        records.append(NLRecord(
            id=str(identifier), suite=spec.name, text=str(text), answer=answer, tolerance=spec.tolerance,
            reference_formulation=row.get("gt_model.txt"), source=spec.source, known_issues=flags, answer_status=status,
            metadata={"sample_input": sample[0].get("input"), "samples": len(sample)},
        ))
    return records


def _folder_nlp4lp(path: Path, spec: SuiteSpec) -> list[NLRecord]:
    """NLP4LP/OptiMUS layout: description.txt, parameters, problem_info (JSON IR), solution {variables, objective}."""
    records = []
    for number, row in read_rows(path, spec):
        identifier = _require(row, ("id",), "id", path, number, spec)
        text = _require(row, ("description.txt", "description"), "description", path, number, spec)
        solution = _json_field(_require(row, ("solution",), "solution", path, number, spec), path, number, "solution", spec)
        if not isinstance(solution, dict):
            raise NLDataError(f"{path}, line {number}: 'solution' must be an object with 'objective'; {_fix_hint(spec)}")
        answer, status, flags = parse_answer(solution.get("objective"))
        problem_info = _json_field(row.get("problem_info"), path, number, "problem_info", spec)
        parameters = _json_field(row.get("parameters"), path, number, "parameters", spec)
        records.append(NLRecord(
            id=str(identifier), suite=spec.name, text=str(text), answer=answer, tolerance=spec.tolerance,
            reference_formulation=json.dumps(problem_info, indent=1, ensure_ascii=False) if problem_info else None,
            source=spec.source, known_issues=flags, answer_status=status,
            expected_values=solution.get("variables"),
            metadata={"parameters": parameters, "problem_type": row.get("problem_type")},
        ))
    return records


def _orthought_full(path: Path, spec: SuiteSpec) -> list[NLRecord]:
    """ORThought per-problem folders: question.txt, answer {status, obj}, model.txt."""
    records = []
    for number, row in read_rows(path, spec):
        identifier = _require(row, ("id",), "id", path, number, spec)
        text = _require(row, ("question.txt",), "question.txt", path, number, spec)
        answer, status, flags = parse_answer(_require(row, ("answer",), "answer", path, number, spec))
        sample = row.get("sample")
        records.append(NLRecord(
            id=str(identifier), suite=spec.name, text=str(text), answer=answer, tolerance=spec.tolerance,
            reference_formulation=row.get("model.txt"), source=spec.source, known_issues=flags, answer_status=status,
            metadata={"sample": sample} if sample is not None else {},
        ))
    return records


def _nlp4lp_csv(path: Path, spec: SuiteSpec) -> list[NLRecord]:
    return _folder_nlp4lp(path, spec)


_ANNOTATION_FIELDS = ("vars", "params", "obj_declaration", "const_declarations")


def _nl4opt_generation(path: Path, spec: SuiteSpec) -> list[NLRecord]:
    """NL4Opt competition generation split: ``{hash: {document, vars, params, obj_declaration, ...}}`` per line."""
    records = []
    for number, row in read_rows(path, spec):
        if len(row) != 1:
            raise NLDataError(f"{path}, line {number}: expected one {{id: problem}} object per line; {_fix_hint(spec)}")
        identifier, problem = next(iter(row.items()))
        if not isinstance(problem, dict) or "document" not in problem:
            raise NLDataError(f"{path}, line {number}: problem {identifier} has no 'document'; {_fix_hint(spec)}")
        annotation = {name: problem.get(name) for name in _ANNOTATION_FIELDS}
        records.append(NLRecord(
            id=str(identifier), suite=spec.name, text=str(problem["document"]), answer=None, tolerance=spec.tolerance,
            reference_formulation=json.dumps(annotation, indent=1, ensure_ascii=False), source=spec.source,
            known_issues=["no-objective-value"], answer_status=AnswerStatus.MISSING,
            metadata={"order_mapping": problem.get("order_mapping")},
        ))
    return records


READERS: dict[str, Callable[[Path, SuiteSpec], list[NLRecord]]] = {
    "question_answer": _question_answer,
    "results_dict": _results_dict,
    "folder_sample": _folder_sample,
    "folder_nlp4lp": _folder_nlp4lp,
    "orthought_full": _orthought_full,
    "nlp4lp_csv": _nlp4lp_csv,
    "nl4opt_generation": _nl4opt_generation,
}


# --------------------------------------------------------------------------- known issues


def _prob_id(raw: str) -> str:
    raw = raw.strip()
    return raw if raw.startswith("prob_") else f"prob_{int(raw):03d}" if raw.isdigit() else raw


def _issue_flags(root: Path, issue: IssueFile) -> dict[str, list[str]] | None:
    """id -> flags from one ORThought side file, or ``None`` when the file is absent."""
    path = root / issue.path
    if not path.exists():
        return None
    flags: dict[str, list[str]] = {}
    if issue.kind == "orthought_kept":
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise NLDataError(f"{path}, line {error.lineno}: not valid JSON ({error.msg})") from None
        return {key: [] for key in kept}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if issue.kind == "orthought_deleted":
        for number, row in enumerate(rows, start=1):
            if len(row) < 2:
                raise NLDataError(f"{path}, line {number}: expected 'problem number,reason'")
            flags.setdefault(_prob_id(row[0]), []).append(f"removed-by-orthought: {row[1].strip()}")
        return flags
    header = [cell.strip() for cell in rows[0]] if rows else []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        cells = [cell.strip() for cell in row]
        if issue.kind == "orthought_wrong":
            if len(cells) < 3:
                raise NLDataError(f"{path}, line {number}: expected 'id,answer,wrong_answer[,note]'")
            note = f" ({', '.join(cells[3:])})" if len(cells) > 3 and any(cells[3:]) else ""
            flags.setdefault(_prob_id(cells[0]), []).append(
                f"answer-corrected-by-orthought: {cells[1]} (original: {cells[2]}){note}"
            )
        elif issue.kind == "orthought_error_type":
            detail = ": ".join(cell for cell in cells[1:] if cell)
            flags.setdefault(_prob_id(cells[0]), []).append(f"reference-model-error: {detail}")
        else:
            raise NLDataError(f"issue file {path}: unknown kind {issue.kind!r} (header {header})")
    return flags


def _normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


_PREFIX = 150


def _match_key(record: NLRecord, match_by: str) -> str:
    if match_by == "question":
        return _normalized(record.text)
    if match_by == "index":
        return str(record.metadata.get("index", record.id))
    return record.id


def _apply_cross_check(records: list[NLRecord], other: list[NLRecord], check: CrossCheck) -> None:
    """Flag records that ``other`` drops, rewrites (same opening, other text) or answers differently."""
    by_key = {_match_key(record, check.match_by): record for record in other}
    by_prefix: dict[str, list[NLRecord]] = {}
    if check.match_by == "question":
        for record in other:
            by_prefix.setdefault(_normalized(record.text)[:_PREFIX], []).append(record)
    for record in records:
        key = _match_key(record, check.match_by)
        match = by_key.get(key)
        if match is None and check.match_by == "question":
            candidates = by_prefix.get(key[:_PREFIX], [])
            if len(candidates) == 1:
                match = candidates[0]
                record.known_issues.append(f"{check.label}-revised-text")
        if match is None:
            record.known_issues.append(f"absent-from-{check.label}")
        elif not match.tolerance.accepts(record.answer, match.answer) and not record.tolerance.accepts(match.answer, record.answer):
            shown = match.answer if match.answer is not None else match.answer_status
            record.known_issues.append(f"{check.label}-answer: {shown}")


def _annotate(records: list[NLRecord], spec: SuiteSpec, root: Path) -> None:
    for record in records:
        record.known_issues[:0] = list(spec.flags)
    for issue in spec.issue_files:
        flags = _issue_flags(root, issue)
        if flags is None:
            continue
        if issue.kind == "orthought_kept":
            for record in records:
                if record.id not in flags:
                    record.known_issues.append("absent-from-orthought-corrected")
            continue
        for record in records:
            record.known_issues.extend(flags.get(record.id, []))
    for check in spec.cross_checks:
        other = SUITES[check.suite]
        if (root / other.path).exists():
            _apply_cross_check(records, _read(other, root), check)


# --------------------------------------------------------------------------- public API


def _root(data_root: str | os.PathLike[str]) -> Path:
    root = Path(data_root)
    if not root.is_dir():
        raise NLDataError(
            f"{root}: NL data folder not found; pass the folder holding nl4opt/, mamo_easylp/, ... "
            "(in this project ../shared/data/nl)"
        )
    return root


def _spec(name: str) -> SuiteSpec:
    try:
        return SUITES[name]
    except KeyError:
        raise NLDataError(f"unknown NL suite {name!r}; known suites: {', '.join(SUITES)}") from None


def _read(spec: SuiteSpec, root: Path) -> list[NLRecord]:
    path = root / spec.path
    if not path.exists():
        raise NLDataError(f"{path}: file of suite {spec.name!r} not found; copy it from {spec.source} to {spec.path} under {root}")
    records = READERS[spec.reader](path, spec)
    seen: dict[str, int] = {}
    for record in records:
        count = seen.get(record.id, 0)
        seen[record.id] = count + 1
        if count:
            record.id = f"{record.id}#{count + 1}"
    return records


def load_suite(name: str, data_root: str | os.PathLike[str], known_issues: bool = True) -> list[NLRecord]:
    """All records of suite ``name`` under ``data_root``, with known-issue flags unless ``known_issues=False``."""
    spec = _spec(name)
    root = _root(data_root)
    records = _read(spec, root)
    if known_issues:
        _annotate(records, spec, root)
    return records


@dataclass
class SuiteStatus:
    """Whether a registered suite is present under a data root, and how many records it has."""

    spec: SuiteSpec
    present: bool
    count: int | None
    error: str | None = None


def available_suites(data_root: str | os.PathLike[str] | None, count: bool = True) -> list[SuiteStatus]:
    """Every registered suite with presence (and record count) under ``data_root`` (``None``: all missing)."""
    root = Path(data_root) if data_root is not None else None
    statuses = []
    for spec in SUITES.values():
        present = root is not None and (root / spec.path).exists()
        records: int | None = None
        error = None
        if present and count:
            assert root is not None
            try:
                records = len(_read(spec, root))
            except NLDataError as problem:
                error = str(problem)
        statuses.append(SuiteStatus(spec, present, records, error))
    return statuses


def write_normalized(records: list[NLRecord], path: str | os.PathLike[str]) -> Path:
    """Write records as normalized JSONL (one :meth:`NLRecord.to_json` object per line)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
    return target


def read_normalized(path: str | os.PathLike[str]) -> list[NLRecord]:
    """Read a normalized JSONL file written by :func:`write_normalized`."""
    from ormodel.datasets.nl.records import TOLERANCES, TolerancePolicy

    source = Path(path)
    if not source.exists():
        raise NLDataError(f"{source}: no such file; write it with 'ormodel datasets export'")
    records = []
    with source.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                tolerance = row["tolerance"]
                policy = TOLERANCES.get(tolerance["name"]) or TolerancePolicy(
                    tolerance["name"], relative=float(tolerance["relative"]), absolute=float(tolerance["absolute"])
                )
                records.append(NLRecord(
                    id=str(row["id"]), suite=str(row["suite"]), text=str(row["text"]), answer=row["answer"],
                    tolerance=policy, reference_formulation=row.get("reference_formulation"), source=str(row["source"]),
                    known_issues=list(row.get("known_issues", [])), answer_status=str(row.get("answer_status", "optimal")),
                    expected_values=row.get("expected_values"), metadata=dict(row.get("metadata") or {}),
                ))
            except json.JSONDecodeError as error:
                raise NLDataError(f"{source}, line {number}: not valid JSON ({error.msg}); re-export the suite") from None
            except (KeyError, TypeError, ValueError) as error:
                raise NLDataError(f"{source}, line {number}: not a normalized record ({error!r} missing or wrong); "
                                  "re-export the suite") from None
    return records
