"""Building a pyscipopt model from an ormodel input, and the SCIP settings of the benchmark protocol.

The learned-branching pieces work on a native ``pyscipopt.Model``. An input is a
:class:`~ormodel.standard_form.StandardForm`, a :class:`~ormodel.problem.Problem`, an MPS/LP path
or an existing ``pyscipopt.Model``; forms and Problems are built by the SCIP backend
(:meth:`ormodel.solvers.scip.ScipBackend.build`), files are read by SCIP itself.

Protocol of Gasse et al. 2019 (learn2branch ``utilities.init_scip_params``): cuts at the root only
(``separating/maxrounds = 0``) and no restarts (``presolving/maxrestarts = 0``). Everything else
keeps SCIP's defaults.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["PROTOCOL_PARAMETERS", "apply_common_settings", "apply_protocol", "scip_model"]

PROTOCOL_PARAMETERS: dict[str, int] = {"separating/maxrounds": 0, "presolving/maxrestarts": 0}


def _pyscipopt() -> Any:
    try:
        import pyscipopt
    except ImportError as error:  # pragma: no cover - pyscipopt is a declared extra
        raise RuntimeError("GNN branching needs pyscipopt; install it with: pip install 'ormodel[learned]'") from error
    return pyscipopt


def scip_model(model_input: Any) -> Any:
    """A fresh ``pyscipopt.Model`` holding ``model_input`` (form, Problem, MPS/LP path, or a Model)."""
    pyscipopt = _pyscipopt()
    if isinstance(model_input, pyscipopt.Model):
        return model_input
    scip = pyscipopt.Model()
    scip.hideOutput()
    if isinstance(model_input, (str, os.PathLike)):
        path = os.fspath(model_input)
        if not os.path.exists(path):
            raise FileNotFoundError(f"model file {path!r} does not exist")
        scip.readProblem(path)
        return scip
    from ormodel.solvers.scip import ScipBackend

    return ScipBackend().build(model_input).model


def apply_common_settings(scip: Any, time_limit: float | None = None, seed: int = 0, verbose: bool = False,
                          node_limit: int | None = None, gap: float | None = None) -> None:
    """One thread, a seed, optional limits and output."""
    if not verbose:
        scip.hideOutput()
    scip.setIntParam("parallel/maxnthreads", 1)
    scip.setIntParam("lp/threads", 1)
    seed = int(seed) % 2147483648
    scip.setIntParam("randomization/permutationseed", seed)
    scip.setIntParam("randomization/randomseedshift", seed)
    if time_limit is not None:
        scip.setRealParam("limits/time", float(time_limit))
    if node_limit is not None:
        scip.setLongintParam("limits/nodes", int(node_limit))
    if gap is not None:
        scip.setRealParam("limits/gap", float(gap))


def apply_protocol(scip: Any) -> None:
    """Root-only cuts and no restarts (the evaluation protocol of Gasse et al. 2019)."""
    for name, value in PROTOCOL_PARAMETERS.items():
        scip.setIntParam(name, value)
