"""Plugins through entry points: found lazily, third-party ones too, and a clear error when one cannot load."""

from __future__ import annotations

from pathlib import Path

import pytest

from ormodel import plugins
from ormodel.cli import main

TOY_BACKEND = '''
from ormodel.solvers.highs import HighsBackend


class ToyBackend(HighsBackend):
    """HiGHS under another name: what a third-party backend package declares."""

    name = "toy"
'''


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Install a distribution (metadata and modules) into a folder on sys.path; entry point caches reset around it."""

    def install(name: str, entry_points: str, modules: dict[str, str] | None = None) -> None:
        site = tmp_path / "site"
        info = site / f"{name}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(entry_points)
        for module, source in (modules or {}).items():
            (site / f"{module}.py").write_text(source)
        monkeypatch.syspath_prepend(str(site))
        plugins.entry_points_of.cache_clear()

    yield install
    plugins.entry_points_of.cache_clear()


def test_ormodel_declares_every_group_in_pyproject() -> None:
    for group, names in (("ormodel.backends", {"highs", "scip", "cpsat", "pyomo"}), ("ormodel.file_formats", {"mps", "lp"}),
                         ("ormodel.methods", {"auto", "balans", "dispatch", "gnn-branching", "neur2ro", "nl2opt"}),
                         ("ormodel.suites", {"gen", "jssp", "nl"}), ("ormodel.loaders", {"generated"}),
                         ("ormodel.commands", {"bench", "datasets", "nl2opt"})):
        assert names <= set(plugins.entry_point_names(group)), group


def test_a_third_party_backend_is_one_entry_point(installed, examples_dir: Path) -> None:
    import ormodel
    from ormodel.backends import backend_names

    installed("ormodel-toy", "[ormodel.backends]\ntoy = toy_backend:ToyBackend\n", {"toy_backend": TOY_BACKEND})
    assert "toy" in backend_names()
    result = ormodel.solve(str(examples_dir / "transportation.yaml"), solver="toy")
    assert result.status.value == "optimal" and result.solver == "toy" and result.objective == pytest.approx(153.675)


def test_a_plugin_that_cannot_load_says_which_and_why(installed, examples_dir: Path, capsys) -> None:
    from ormodel.methods import get_method, method_names

    installed("ormodel-broken", "[ormodel.methods]\nbroken = ormodel_missing_module:run\n"
                                "[ormodel.commands]\nbrokencmd = ormodel_missing_module:add_commands\n"
                                "[ormodel.suites]\nghost = ormodel.suites:no_such_factory\n")
    assert "broken" in method_names()  # declared, not imported
    with pytest.raises(ValueError, match=r"method 'broken' is not available.*ormodel_missing_module.*pip install"):
        get_method("broken")
    with pytest.raises(ValueError, match=r"suite kind ghost is not available.*no_such_factory does not exist"):
        from ormodel.suites import parse_suite

        parse_suite("ghost:anything")
    # The other commands still work; the broken one says why it cannot.
    assert main(["validate", str(examples_dir / "transportation.yaml")]) == 0
    capsys.readouterr()
    assert main(["brokencmd"]) == 1
    assert "ormodel.commands plugin 'brokencmd'" in capsys.readouterr().err
    assert main(["solve", "--method", "broken", str(examples_dir / "transportation.yaml")]) == 1
    assert "ormodel_missing_module" in capsys.readouterr().err


def test_unknown_plugin_names_the_declared_ones() -> None:
    with pytest.raises(plugins.PluginError, match=r"no ormodel.backends plugin named 'nope'; declared: .*highs"):
        plugins.load_entry_point("ormodel.backends", "nope")


def test_matrix_files_go_through_the_file_format_protocol(tmp_path: Path) -> None:
    from ormodel.formats import FileFormat, file_format, format_name
    from ormodel.io import load, save

    assert format_name("instances/air04.MPS.gz") == "mps" and format_name("model.lp") == "lp"
    assert isinstance(file_format("model.mps"), FileFormat)
    with pytest.raises(ValueError, match=r"no reader/writer for \.sav \(matrix formats: \.lp, \.mps\)"):
        file_format("model.sav")
    from ormodel.datasets.milp import generate

    form = generate("setcover", "easy", 0)
    save(form, tmp_path / "cover.lp")
    again = load(tmp_path / "cover.lp")
    assert (again.num_rows, again.num_columns, again.matrix.nnz) == (form.num_rows, form.num_columns, form.matrix.nnz)
