#!/bin/bash
# The benchmark run recorded in benchmarks/RESULTS.md (runs inside cpu_slot: one core).
cd /work/main
OUT=/work/branching_data/v2/bench
export OMP_NUM_THREADS=1
date -u > $OUT/started_running
.venv/bin/python benchmarks/branching.py --levels medium --instances 2 --time-limit 50 --methods scip gnn --torch-threads 1 --out $OUT
.venv/bin/python benchmarks/branching.py --levels easy --instances 2 --time-limit 25 --methods scip gnn gnn-mixed --torch-threads 1 --out $OUT
date -u > $OUT/finished
