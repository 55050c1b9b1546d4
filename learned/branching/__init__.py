"""Learned branching for SCIP (Gasse et al. 2019): bipartite observation, strong-branching expert,
explore-then-expert sampling, the GCN policy, training, and the policy as a SCIP branching rule.

Heavy dependencies (torch, torch_geometric, pyscipopt) are imported by the submodules that need them:

* :mod:`~ormodel.learned.branching.observation` — the 5 / 1 / 19 bipartite graph of the node LP.
* :mod:`~ormodel.learned.branching.expert` — full strong branching without side effects.
* :mod:`~ormodel.learned.branching.sampling` — explore-then-expert sample collection.
* :mod:`~ormodel.learned.branching.collect` — parallel collection over instances (CLI).
* :mod:`~ormodel.learned.branching.policy` — the GCN policy and its fixed pre-normalization.
* :mod:`~ormodel.learned.branching.train` — training CLI (cross-entropy to the expert).
* :mod:`~ormodel.learned.branching.rule` — the policy as a SCIP branching rule, ``solve_with_policy``.
* :mod:`~ormodel.learned.branching.method` — the ``gnn-branching`` method.
* :mod:`~ormodel.learned.branching.memory` — heap reuse for large inference tensors (glibc).
* :mod:`~ormodel.learned.branching.describe` — training records of checkpoints as a table.
"""
