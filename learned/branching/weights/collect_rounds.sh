#!/bin/bash
# Resumable expert-sample collection for the four families, round-robin, into a folder outside the
# repository (issue 18). Each round gives every family a training budget and a validation budget
# (seconds; a started instance always finishes), so all families grow together and stopping at any
# time leaves a usable, balanced data set. Re-running resumes: seeds that left samples or a ledger
# row (<folder>/collection.jsonl, with each instance's CPU seconds) are skipped.
#
# Usage: DATA=/work/branching-data JOBS=1 ROUNDS=20 STOP_AT=$(date -d 12:15 +%s) \
#        nice -n 15 bash learned/branching/weights/collect_rounds.sh
# Seeds: training 100000-109999, validation 200000-209999 (test instances of benchmarks/branching.py
# use seeds below 100000). Expert: full strong branching (no iteration limit), explore-then-expert
# with pscost exploration, easy instances of ormodel.datasets.milp.generate, SCIP seed = instance seed.
# Rates (samples per CPU-minute) per family: python -m ormodel.learned.branching.collect --rates DATA
set -e
cd "$(dirname "$0")/../../.."
DATA=${DATA:?set DATA to a folder outside the repository}
PY=${PY:-python}
JOBS=${JOBS:-1}
ROUNDS=${ROUNDS:-20}
STOP_AT=${STOP_AT:-0}
TRAIN_BUDGET=${TRAIN_BUDGET:-240}
VALID_BUDGET=${VALID_BUDGET:-60}
export OMP_NUM_THREADS=1
collect() {  # family split seeds probability per-instance time-limit budget-seconds
  $PY -m ormodel.learned.branching.collect --family "$1" --level easy --seeds "$3" --samples 100000 \
    --per-instance "$5" --record-probability "$4" --time-limit "$6" --time-budget "$7" --jobs "$JOBS" \
    --out "$DATA/$1/$2" --quiet
}
past_stop() { [ "$STOP_AT" -gt 0 ] && [ "$(date +%s)" -ge "$STOP_AT" ]; }
# family  record-probability  samples-per-instance  seconds-per-instance
FAMILIES=${FAMILIES:-"setcover:0.5:50:60 cauctions:0.3:50:60 facility:0.5:50:120 indset:0.5:50:120"}
for round in $(seq 1 "$ROUNDS"); do
  for spec in $FAMILIES; do
    IFS=: read -r family probability per_instance limit <<<"$spec"
    past_stop && exit 0
    echo "$(date -u +%H:%M:%S) round $round $family"
    collect "$family" train 100000:110000 "$probability" "$per_instance" "$limit" "$TRAIN_BUDGET"
    past_stop && exit 0
    collect "$family" valid 200000:210000 "$probability" "$per_instance" "$limit" "$VALID_BUDGET"
  done
done
