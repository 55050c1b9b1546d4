"""A corpus of hostile and broken model inputs, generated into a folder at test (or benchmark) time.

Each :class:`Case` is one input file with the exit codes ``ormodel validate`` and ``ormodel solve``
must give: 1 for bad input, 3 where a solution is legitimately missing (infeasible, unbounded),
0 only where the input is valid. Big inputs are generated here rather than stored, so the
repository stays small. ``write_corpus(folder)`` writes every case and returns the cases.

Categories: ``yaml`` (document structure, aliases, nesting), ``schema`` (shape of the five
elements), ``numbers`` (NaN, inf, non-numbers), ``size`` (sets, tables, frames past the limits),
``expression`` (expression language: depth, length, code, names), ``encoding`` (bytes that are
not UTF-8 text), ``matrix`` (MPS/LP files), ``markdown`` (the Markdown reader), ``solver`` (models a
solver cannot take, no solution).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["BASE", "CASES", "Case", "write_corpus"]

BASE: dict[str, Any] = {
    "name": "production",
    "sets": {"products": ["doors", "windows"], "plants": ["plant1", "plant2", "plant3"]},
    "parameters": {
        "profit": {"index": ["products"], "values": {"doors": 3, "windows": 5}},
        "hours": {"index": ["plants", "products"],
                  "values": {"plant1": {"doors": 1, "windows": 0}, "plant2": {"doors": 0, "windows": 2}, "plant3": {"doors": 3, "windows": 2}}},
        "available": {"index": ["plants"], "values": {"plant1": 4, "plant2": 12, "plant3": 18}},
    },
    "variables": {"make": {"index": ["products"], "type": "continuous", "lower": 0}},
    "objective": {"sense": "maximize", "expression": "sum(profit[p] * make[p] for p in products)"},
    "constraints": [{"name": "plant_hours", "for": "k in plants", "expression": "sum(hours[k,p] * make[p] for p in products) <= available[k]"}],
}


@dataclass(frozen=True)
class Case:
    """One input: its file name (the suffix picks the format), content, and the exit codes expected."""

    name: str
    category: str
    suffix: str
    content: Callable[[], bytes]
    validate: frozenset[int] = frozenset({1})
    solve: frozenset[int] = frozenset({1})
    solve_args: tuple[str, ...] = ()
    contains: tuple[str, ...] = field(default=())  # text the output must show (e.g. an escaped name)

    @property
    def filename(self) -> str:
        return f"{self.name}{self.suffix}"


def _yaml(document: Any) -> bytes:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=10**9).encode()


def _mutated(**changes: Any) -> Callable[[], bytes]:
    """The base model with elements replaced (``None`` removes one); as YAML."""

    def make() -> bytes:
        document = copy.deepcopy(BASE)
        for key, value in changes.items():
            if value is None:
                document.pop(key, None)
            else:
                document[key] = value
        return _yaml(document)

    return make


def _with(path: tuple[Any, ...], value: Any, as_json: bool = False) -> Callable[[], bytes]:
    """The base model with one nested entry replaced."""

    def make() -> bytes:
        document = copy.deepcopy(BASE)
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return json.dumps(document).encode() if as_json else _yaml(document)

    return make


def _text(text: str) -> Callable[[], bytes]:
    return lambda: text.encode()


def _markdown(limit: int | None) -> bytes:
    """The base model as Markdown (``limit=None``: complete, as ``ormodel convert`` writes it)."""
    from ormodel.io import problem_from_dict
    from ormodel.markdown import to_markdown

    return to_markdown(problem_from_dict(BASE), limit=limit).encode()


def _objective(expression: str) -> Callable[[], bytes]:
    return _with(("objective", "expression"), expression)


def _constraint(expression: str, for_: str | None = "k in plants", when: str | None = None) -> Callable[[], bytes]:
    entry: dict[str, Any] = {"name": "extra", "expression": expression}
    if for_:
        entry["for"] = for_
    if when:
        entry["when"] = when
    return _with(("constraints",), [*BASE["constraints"], entry])


def _billion_laughs() -> bytes:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]" for level in range(1, 10)]
    lines += ["sets: {products: *a9}", "parameters: {}", "variables: {}", "objective: {sense: minimize, expression: '0'}"]
    return ("\n".join(lines) + "\n").encode()


def _mapping_bomb() -> bytes:
    lines = ["base: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}"]
    lines += [f"l{level}: &m{level} {{" + ", ".join(f"k{key}: *m{level - 1}" for key in range(8)) + "}" for level in range(1, 10)]
    lines += ["parameters: {p: {index: [], values: *m9}}", "objective: {sense: minimize, expression: '0'}"]
    return ("\n".join(lines) + "\n").encode()


def _deep_block(depth: int) -> bytes:
    lines = [" " * level + f"k{level}:" for level in range(depth)]
    return ("sets:\n" + "\n".join(" " + line for line in lines) + " 1\n").encode()


def _many_aliases() -> bytes:
    lines = ["pieces: &piece [1, 2]", "sets:", "  products: [doors, windows]", "more: [" + ", ".join(["*piece"] * 20_000) + "]",
             "objective: {sense: minimize, expression: '0'}"]
    return ("\n".join(lines) + "\n").encode()


def _long_sum(count: int, last: str) -> Callable[[], bytes]:
    def make() -> bytes:
        document = copy.deepcopy(BASE)
        document["sets"]["items"] = {"from": 0, "to": count - 1}
        document["variables"]["x"] = {"index": ["items"], "upper": 1}
        document["objective"]["expression"] = " + ".join(f"x[{item}]" for item in range(count - 1)) + f" + {last}"
        return _yaml(document)

    return make


def _mps(rows: str, columns: str, rhs: str = "", bounds: str = "") -> Callable[[], bytes]:
    text = f"NAME hostile\nROWS\n N obj\n{rows}COLUMNS\n{columns}RHS\n{rhs}BOUNDS\n{bounds}ENDATA\n"
    return _text(text)


def _latin1() -> bytes:
    return _yaml(BASE).replace(b"doors", "portes_fenêtre".encode("latin-1"))


CASES: list[Case] = [
    # --- yaml: document structure, aliases and nesting ---------------------------------------
    Case("billion_laughs", "yaml", ".yaml", _billion_laughs),
    Case("mapping_bomb", "yaml", ".yaml", _mapping_bomb),
    Case("recursive_alias", "yaml", ".yaml", _text("sets: &s {I: [1, 2], J: *s}\nobjective: {sense: minimize, expression: '0'}\n")),
    Case("recursive_list_alias", "yaml", ".yaml", _text("sets: {I: &l [1, *l]}\nobjective: {sense: minimize, expression: '0'}\n")),
    Case("many_aliases", "yaml", ".yaml", _many_aliases),
    Case("deep_flow_nesting", "yaml", ".yaml", lambda: ("sets: {I: " + "[" * 100_000 + "]" * 100_000 + "}\n").encode()),
    Case("deep_block_nesting", "yaml", ".yaml", lambda: _deep_block(400)),
    Case("deep_json", "yaml", ".json", lambda: ('{"sets": ' + "[" * 100_000 + "]" * 100_000 + "}").encode()),
    Case("deep_json_objects", "yaml", ".json", lambda: ('{"sets": ' + '{"a": ' * 5_000 + "1" + "}" * 5_000 + "}").encode()),
    Case("invalid_yaml", "yaml", ".yaml", _text("sets: {I: [1, 2}\nobjective: [\n")),
    Case("invalid_json", "yaml", ".json", _text('{"sets": {"I": [1, 2]},, }')),
    Case("tab_indentation", "yaml", ".yaml", _text("sets:\n\tI: [1, 2]\n")),
    Case("empty_file", "yaml", ".yaml", _text("")),
    Case("only_comment", "yaml", ".yaml", _text("# nothing here\n")),
    Case("scalar_document", "yaml", ".yaml", _text("42\n")),
    Case("list_document", "yaml", ".yaml", _text("- sets\n- parameters\n")),
    Case("python_tag", "yaml", ".yaml", _text("sets: !!python/object/apply:os.system ['echo owned']\n")),
    Case("two_documents", "yaml", ".yaml", lambda: _yaml(BASE) + b"---\n" + _yaml(BASE)),
    Case("non_string_keys", "yaml", ".yaml", _text("sets: {[1, 2]: [a], ? {a: 1} : [b]}\nobjective: {sense: minimize, expression: '0'}\n")),
    Case("timestamp_values", "yaml", ".yaml", _with(("parameters", "available", "values", "plant1"), "2024-01-01")),
    Case("binary_garbage", "yaml", ".yaml", lambda: bytes(range(256)) * 64),
    Case("nul_bytes", "yaml", ".yaml", lambda: b"sets:\x00 {I: [1]}\n"),
    # --- schema: the shape of the five elements ----------------------------------------------
    Case("unknown_element", "schema", ".yaml", _mutated(settings={"x": 1})),
    Case("sets_is_list", "schema", ".yaml", _mutated(sets=["products", "plants"])),
    Case("unknown_variable_type", "schema", ".yaml", _with(("variables", "make", "type"), "complex")),
    Case("objective_without_expression", "schema", ".yaml", _mutated(objective={"sense": "maximize"})),
    Case("objective_bad_sense", "schema", ".yaml", _with(("objective", "sense"), "sideways")),
    # No objective is a feasibility model (valid); an expression under sense feasibility is not.
    Case("no_objective", "schema", ".yaml", _mutated(objective=None), validate=frozenset({0}), solve=frozenset({0})),
    Case("feasibility_with_expression", "schema", ".yaml", _mutated(objective={"sense": "feasibility", "expression": "make['doors']"})),
    Case("constraint_without_name", "schema", ".yaml", _with(("constraints",), [{"expression": "make['doors'] <= 1"}])),
    Case("constraint_twice", "schema", ".yaml", _with(("constraints",), BASE["constraints"] * 2)),
    Case("parameter_unknown_set", "schema", ".yaml", _with(("parameters", "profit", "index"), ["product"])),
    Case("variable_unknown_set", "schema", ".yaml", _with(("variables", "make", "index"), ["plant"])),
    Case("reserved_name", "schema", ".yaml", _with(("variables", "sum"), {"index": ["products"]})),
    Case("name_with_space", "schema", ".yaml", _with(("parameters", "my profit"), 3)),
    Case("member_twice", "schema", ".yaml", _with(("sets", "products"), ["doors", "doors"])),
    Case("tuple_widths_differ", "schema", ".yaml", _with(("sets", "routes"), [[1, 2], [1, 2, 3]])),
    Case("key_not_a_member", "schema", ".yaml", _with(("parameters", "profit", "values", "chairs"), 4)),
    Case("dense_values_wrong_shape", "schema", ".yaml", _with(("parameters", "profit"), {"index": ["products"], "values": [1, 2, 3]})),
    Case("bound_names_nothing", "schema", ".yaml", _with(("variables", "make", "upper"), "capacity")),
    # --- numbers: NaN, inf and non-numbers ----------------------------------------------------
    Case("nan_capacity", "numbers", ".yaml", _with(("parameters", "available", "values", "plant2"), float("nan"))),
    Case("nan_text", "numbers", ".yaml", _with(("parameters", "available", "values", "plant2"), "nan")),
    Case("inf_objective_coefficient", "numbers", ".yaml", _with(("parameters", "profit", "values", "doors"), float("inf"))),
    Case("inf_text_coefficient", "numbers", ".yaml", _with(("parameters", "profit", "values", "doors"), "-inf")),
    Case("nan_scalar", "numbers", ".yaml", _with(("parameters", "limit"), float("nan"))),
    Case("nan_in_rows", "numbers", ".yaml", _with(("parameters", "profit"), {"index": ["products"], "rows": [["doors", 3], ["windows", float("nan")]]})),
    Case("nan_in_dense", "numbers", ".yaml", _with(("parameters", "profit"), {"index": ["products"], "values": [3, float("nan")]})),
    Case("inf_default", "numbers", ".yaml", _with(("parameters", "profit"), {"index": ["products"], "default": float("inf")})),
    Case("huge_integer", "numbers", ".yaml", _text(_yaml(BASE).decode().replace("doors: 3", "doors: " + "9" * 400))),
    Case("boolean_value", "numbers", ".yaml", _with(("parameters", "profit", "values", "doors"), True)),
    Case("list_as_value", "numbers", ".yaml", _with(("parameters", "profit", "values", "doors"), [1, 2])),
    Case("nan_bound", "numbers", ".yaml", _with(("variables", "make", "upper"), float("nan"))),
    Case("crossed_infinite_bounds", "numbers", ".yaml", _with(("variables", "make", "lower"), float("inf"))),
    Case("infinite_literal", "numbers", ".yaml", _objective("1e999 * make['doors']")),
    Case("overflow_product", "numbers", ".yaml", _objective("1e300 * 1e300 * make['doors']")),
    Case("inf_minus_inf", "numbers", ".yaml", _constraint("make['doors'] <= 1e308 * 10 - 1e308 * 10")),
    Case("nan_json_constant", "numbers", ".json", lambda: json.dumps(BASE).replace('"doors": 3', '"doors": NaN').encode()),
    # --- size: sets, tables and frames past the limits ----------------------------------------
    Case("range_set_billion", "size", ".yaml", _with(("sets", "big"), {"from": 0, "to": 999_999_999})),
    Case("range_set_beyond_int64", "size", ".yaml", _with(("sets", "big"), {"from": 0, "to": 2**70})),
    Case("range_in_objective", "size", ".yaml", _objective("sum(make['doors'] for t in range(0, 10**9))")),
    Case("range_nested_in_sum", "size", ".yaml", _objective("sum(sum(make[p] for t in range(0, 100000)) for s in range(0, 100000) for p in products)")),
    Case("product_of_sets_parameter", "size", ".yaml", lambda: _with(("sets",), {**BASE["sets"], "I": {"from": 1, "to": 100_000}, "J": {"from": 1, "to": 100_000}})().replace(
        b"parameters:", b"parameters:\n  cost: {index: [I, J], default: 1}", 1)),
    Case("product_of_sets_variable", "size", ".yaml", lambda: _with(("sets",), {**BASE["sets"], "I": {"from": 1, "to": 100_000}, "J": {"from": 1, "to": 100_000}})().replace(
        b"variables:", b"variables:\n  y: {index: [I, J]}", 1)),
    Case("constraint_frame_blowup", "size", ".yaml", lambda: _with(("sets",), {**BASE["sets"], "I": {"from": 1, "to": 10_000}, "J": {"from": 1, "to": 10_000}})().replace(
        b"constraints:", b"constraints:\n- {name: pairs, for: 'i in I, j in J', expression: \"make['doors'] <= i + j\"}", 1)),
    Case("quadratic_blowup", "size", ".yaml", lambda: _with(("sets",), {**BASE["sets"], "I": {"from": 1, "to": 10_000}})().replace(
        b"variables:", b"variables:\n  z: {index: [I], upper: 1}", 1).replace(
        b"sum(profit[p] * make[p] for p in products)", b"sum(z[i] for i in I) * sum(z[j] for j in I)", 1)),
    Case("range_stop_1e300", "size", ".yaml", _objective("sum(make['doors'] for t in range(0, 1e300))")),
    Case("index_beyond_int64", "expression", ".yaml", _long_sum(200, "x[" + "9" * 40 + "]")),
    Case("zero_step", "size", ".yaml", _with(("sets", "big"), {"from": 0, "to": 10, "step": 0})),
    Case("long_expression_text", "size", ".yaml", _objective("make['doors'] " + " " * 25_000_000 + "+ 1")),
    # --- expression: depth, code, names, arity, indices ----------------------------------------
    Case("unary_minus_10k", "expression", ".yaml", _objective("-" * 10_000 + "make['doors']")),
    Case("parentheses_300", "expression", ".yaml", _objective("(" * 300 + "make['doors']" + ")" * 300)),
    Case("power_chain", "expression", ".yaml", _objective("2**" * 5_000 + "2")),
    Case("not_chain", "expression", ".yaml", _constraint("make['doors'] <= 1", when="not " * 5_000 + "make['doors'] == 1")),
    Case("product_chain_100k", "expression", ".yaml", _objective("make['doors']" + " * 1" * 100_000)),
    Case("sum_100k_then_undefined", "expression", ".yaml", _long_sum(100_000, "y[3]")),
    Case("sum_20k_then_out_of_range", "expression", ".yaml", _long_sum(20_000, "x[20000]")),
    Case("import_call", "expression", ".yaml", _objective("__import__('os').system('echo owned')")),
    Case("attribute_access", "expression", ".yaml", _objective("make.__class__.__mro__")),
    Case("lambda", "expression", ".yaml", _objective("(lambda: 1)()")),
    Case("fstring", "expression", ".yaml", _objective("f'{make}'")),
    Case("walrus", "expression", ".yaml", _objective("(y := 3) * make['doors']")),
    Case("dict_literal", "expression", ".yaml", _objective("{1: 2}")),
    Case("slice_index", "expression", ".yaml", _objective("sum(make[0:2])")),
    Case("keyword_argument", "expression", ".yaml", _objective("sum(make[p] for p in products, start=1)")),
    Case("nul_in_expression", "expression", ".yaml", _objective("make['doors']\x00")),
    Case("comparison_as_objective", "expression", ".yaml", _objective("make['doors'] <= 3")),
    Case("strict_inequality", "expression", ".yaml", _constraint("make['doors'] < 3", for_=None)),
    Case("triple_comparison", "expression", ".yaml", _constraint("1 <= make['doors'] <= 2 <= 3", for_=None)),
    Case("undefined_name", "expression", ".yaml", _objective("sum(proft[p] * make[p] for p in products)")),
    Case("wrong_arity", "expression", ".yaml", _objective("sum(hours[p] * make[p] for p in products)")),
    Case("index_out_of_set", "expression", ".yaml", _constraint("make['chairs'] <= 1", for_=None)),
    Case("undefined_set_in_for", "expression", ".yaml", _constraint("make['doors'] <= 1", for_="k in plantz")),
    Case("index_shadows_set", "expression", ".yaml", _constraint("make['doors'] <= 1", for_="products in plants")),
    Case("division_by_zero", "expression", ".yaml", _objective("make['doors'] / 0")),
    # Nonlinear models are valid (validate walks them as SCIP builds them); HiGHS, the default solver, refuses them by name.
    Case("division_by_variable", "expression", ".yaml", _objective("1 / make['doors']"), validate=frozenset({0}),
         contains=("highs cannot take 1 / make['doors'] in the objective",)),
    Case("cube_of_variable", "expression", ".yaml", _objective("make['doors'] ** 3"), validate=frozenset({0}),
         contains=("highs cannot take make['doors']**3 in the objective",)),
    Case("max_over_empty", "expression", ".yaml", _objective("max(profit[p] for p in products if profit[p] > 100)")),
    Case("text_index_arithmetic", "expression", ".yaml", _constraint("make['doors'] <= k + 1")),
    Case("expression_not_text", "expression", ".yaml", _with(("objective", "expression"), ["make"])),
    Case("for_clause_garbage", "expression", ".yaml", _constraint("make['doors'] <= 1", for_="k in plants if if")),
    # --- encoding: bytes that are not UTF-8 text ------------------------------------------------
    Case("latin1_file", "encoding", ".yaml", _latin1),
    Case("utf16_file", "encoding", ".yaml", lambda: _yaml(BASE).decode().encode("utf-16")),
    Case("invalid_utf8_json", "encoding", ".json", lambda: json.dumps(BASE).encode().replace(b"doors", b"do\xffrs")),
    # --- matrix: MPS and LP files ------------------------------------------------------------------
    Case("garbage_mps", "matrix", ".mps", lambda: bytes(range(256)) * 16),
    Case("empty_mps", "matrix", ".mps", _text("")),
    Case("mps_nan_coefficient", "matrix", ".mps", _mps(" L c1\n", "    x  obj  nan  c1  1\n", "    rhs  c1  4\n")),
    Case("mps_inf_coefficient", "matrix", ".mps", _mps(" L c1\n", "    x  obj  1  c1  inf\n", "    rhs  c1  4\n")),
    Case("mps_huge_coefficient", "matrix", ".mps", _mps(" L c1\n", "    x  obj  1e400  c1  1\n", "    rhs  c1  4\n")),
    Case("mps_markup_name", "matrix", ".mps", _mps(" G c1\n", "    [/bold]  obj  1  c1  1\n", "    rhs  c1  4\n", " UP bnd  [/bold]  1\n"),
         validate=frozenset({0}), solve=frozenset({3}), contains=("[/bold]",)),
    Case("lp_garbage", "matrix", ".lp", _text("maximize\n obj: 3 x +\nsubject to\n c1: x <= \nend\n")),
    Case("lp_inf_coefficient", "matrix", ".lp", _text("maximize\n obj: 1e999 x\nsubject to\n c1: x <= 4\nend\n")),
    Case("unknown_extension", "matrix", ".txt", lambda: _yaml(BASE)),
    # --- markdown: the five sections as ormodel writes them, and text that is not --------------------
    Case("markdown_valid", "markdown", ".md", lambda: _markdown(None), validate=frozenset({0}), solve=frozenset({0})),
    Case("markdown_cut_short", "markdown", ".md", lambda: _markdown(1)),
    Case("markdown_code_member", "markdown", ".md", lambda: _markdown(None).replace(b"{'doors', 'windows'}", b"{__import__('os'), 'windows'}")),
    Case("markdown_deep_nesting", "markdown", ".md", lambda: _markdown(None).replace(b"{'doors', 'windows'}", b"{" + b"(" * 5000 + b"1" + b")" * 5000 + b"}")),
    Case("markdown_prose", "markdown", ".md", _text("Maximize profit from doors and windows, please.\n")),
    Case("markdown_bad_expression", "markdown", ".md", lambda: _markdown(None).replace(b"<= available[k]`", b"<= available[k] +`")),
    # --- solver: models the chosen solver cannot take, or without a solution ---------------------
    Case("continuous_on_cpsat", "solver", ".yaml", lambda: _yaml(BASE), validate=frozenset({0}), solve_args=("--solver", "cpsat"),
         contains=("make[doors]",)),
    Case("unknown_solver", "solver", ".yaml", lambda: _yaml(BASE), validate=frozenset({0}), solve_args=("--solver", "nosuchsolver")),
    Case("infeasible", "solver", ".yaml", _constraint("make['doors'] >= 100", for_=None), validate=frozenset({0}), solve=frozenset({3})),
    Case("unbounded", "solver", ".yaml", _mutated(constraints=[]), validate=frozenset({0}), solve=frozenset({3})),
    Case("unbounded_big_m", "solver", ".yaml", _objective("max(make['doors'], make['windows']) - min(make['doors'], 1)")),
]


def write_corpus(folder: str | Path) -> list[Case]:
    """Write every case into ``folder`` (created if needed); returns the cases."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        (folder / case.filename).write_bytes(case.content())
    return CASES
