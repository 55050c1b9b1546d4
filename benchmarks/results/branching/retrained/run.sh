#!/bin/bash
# The benchmark run of the retrained policies recorded in benchmarks/RESULTS.md
# (2026-11-23 14:34-15:1x UTC, inside cpu_slot: one core, after the training in
# learned/branching/weights/reproduce.sh).
cd "$(dirname "$0")/../../../.."
OUT=${OUT:-/work/branching_data/v3/bench}
export OMP_NUM_THREADS=1
.venv/bin/python benchmarks/branching.py --levels medium --instances 3 --time-limit 90 --methods scip gnn --torch-threads 1 --out $OUT
.venv/bin/python benchmarks/branching.py --report-only --out $OUT   # table.md + branching_time.png
