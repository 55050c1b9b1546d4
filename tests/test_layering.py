"""The import contract of docs/architecture.md: every layer imports only layers below it.

The test parses every module of the package (the files setup.py maps into ``ormodel``) with
``ast`` and collects every ``ormodel…`` import, at module level or inside functions, relative
imports included, and every string constant that names an ``ormodel`` module (a lazy
``importlib.import_module("ormodel.learned…")`` or a registry list). It fails on any edge that
goes up, or sideways between the two packages of the methods layer.

Layers, lowest first (the diagram in docs/architecture.md):

    0 core         ormodel/ — model, compiler, Result, protocols (backends, file formats, methods,
                   suites, plugins), answers, errors
    1 backends     ormodel.solvers
    2 data         ormodel.datasets
    3 methods      ormodel.learned | ormodel.nl2opt (siblings; neither imports the other)
    4 application  ormodel.cli, ormodel.__main__, ormodel.bench
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# setup.py's map from installed package to source folder.
FOLDERS = {
    "ormodel": "ormodel",
    "ormodel.solvers": "solvers",
    "ormodel.datasets": "datasets",
    "ormodel.learned": "learned",
    "ormodel.nl2opt": "nl2opt",
}

# (prefix, layer, name); the longest matching prefix decides.
LAYERS = (
    ("ormodel", 0, "core"),
    ("ormodel.solvers", 1, "backends"),
    ("ormodel.datasets", 2, "data"),
    ("ormodel.learned", 3, "methods/learned"),
    ("ormodel.nl2opt", 3, "methods/nl2opt"),
    ("ormodel.cli", 4, "application"),
    ("ormodel.__main__", 4, "application"),
    ("ormodel.bench", 4, "application"),
)


@dataclass(frozen=True)
class Edge:
    module: str
    target: str
    line: int
    how: str


def layer_of(module: str) -> tuple[int, str]:
    """(rank, name) of the layer a dotted module name belongs to."""
    best = ("", -1, "")
    for prefix, rank, name in LAYERS:
        if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best[0]):
            best = (prefix, rank, name)
    return best[1], best[2]


def package_modules() -> dict[str, Path]:
    """Every module of the installed package, by dotted name, from the source folders."""
    modules: dict[str, Path] = {}
    for package, folder in FOLDERS.items():
        base = ROOT / folder
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if any(part.startswith(".") or part == "__pycache__" for part in parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join([package, *parts])] = path
    return modules


def _resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - level + 1]
    return ".".join(parts + ([name] if name else []))


def imports_of(module: str, path: Path) -> list[Edge]:
    """Every ormodel module ``module`` imports or names (in any function, or as a string)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    edges: list[Edge] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            edges += [Edge(module, alias.name, node.lineno, "import") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = (_resolve_relative(module, path.name == "__init__.py", node.level, node.module)
                      if node.level else node.module or "")
            edges.append(Edge(module, target, node.lineno, "from-import"))
            # ``from ormodel import learned`` imports a subpackage (an attribute lands in its module's layer).
            edges += [Edge(module, f"{target}.{alias.name}", node.lineno, "from-import") for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value.strip()
            if text.startswith("ormodel.") and " " not in text:
                edges.append(Edge(module, text.partition(":")[0], node.lineno, "string"))
    return [edge for edge in edges if edge.target == "ormodel" or edge.target.startswith("ormodel.")]


def upward_edges() -> list[str]:
    """Every import that breaks the layering, as readable lines."""
    modules = package_modules()
    broken = []
    for module, path in sorted(modules.items()):
        rank, name = layer_of(module)
        for edge in imports_of(module, path):
            target_rank, target_name = layer_of(edge.target)
            upward = target_rank > rank
            sideways = target_rank == rank and rank == 3 and target_name != name
            if upward or sideways:
                broken.append(f"{path.relative_to(ROOT)}:{edge.line}: {name} {module} → {target_name} {edge.target} ({edge.how})")
    return broken


def test_no_module_imports_a_layer_above_it() -> None:
    broken = upward_edges()
    assert not broken, "imports against the layering of docs/architecture.md:\n" + "\n".join(broken)


def test_the_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The checker itself: module-level, in-function, relative and string imports are all edges."""
    source = tmp_path / "probe.py"
    source.write_text(
        "import ormodel.solvers.highs\n"
        "from ormodel.bench import runner\n"
        "def later():\n"
        "    from ..learned import device\n"
        "    return 'ormodel.nl2opt.cli:add_commands'\n"
        "class Registry:\n"
        "    '''Mentions ormodel.bench.cli in prose only.'''\n",
        encoding="utf-8",
    )
    edges = imports_of("ormodel.datasets.probe", source)
    targets = {(edge.target, edge.how) for edge in edges}
    assert ("ormodel.solvers.highs", "import") in targets
    assert ("ormodel.bench", "from-import") in targets
    assert ("ormodel.learned.device", "from-import") in targets
    assert ("ormodel.nl2opt.cli", "string") in targets
    assert not any(edge.target == "ormodel.bench.cli" for edge in edges)


@pytest.mark.parametrize(("module", "layer"), [
    ("ormodel.compiler", "core"), ("ormodel.plugins", "core"), ("ormodel.suites", "core"),
    ("ormodel.solvers.highs", "backends"), ("ormodel.datasets.milp.suite", "data"),
    ("ormodel.learned.device", "methods/learned"), ("ormodel.nl2opt.benchmark", "methods/nl2opt"),
    ("ormodel.cli", "application"), ("ormodel.bench.runner", "application"),
])
def test_layer_names(module: str, layer: str) -> None:
    assert layer_of(module)[1] == layer


def test_architecture_document_shows_these_layers() -> None:
    """docs/architecture.md states the same layers in the same order."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    start = text.index("<!-- layers -->")
    diagram = text[start:text.index("<!-- /layers -->", start)]
    order = [diagram.index(name) for name in ("application", "methods", "data", "backends", "core")]
    assert order == sorted(order), "the diagram lists the layers top (application) to bottom (core)"
    for package in ("ormodel.bench", "ormodel.cli", "learned/", "nl2opt/", "datasets/", "solvers/", "ormodel/"):
        assert package in diagram, f"the diagram does not place {package}"


def test_importing_ormodel_loads_no_solver_or_torch() -> None:
    """Plugins are found lazily: the core imports no solver package, torch, or layer above it."""
    import subprocess
    import sys

    code = ("import sys, ormodel, ormodel.methods, ormodel.suites, ormodel.formats; "
            "heavy = [name for name in ('pyscipopt', 'ortools', 'torch', 'pyomo', 'highspy') if name in sys.modules]; "
            "above = sorted({name.split('.')[1] for name in sys.modules if name.startswith(('ormodel.solvers', "
            "'ormodel.datasets', 'ormodel.learned', 'ormodel.nl2opt', 'ormodel.bench'))}); "
            "print(heavy, above)")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.strip()
    assert output == "[] []"
