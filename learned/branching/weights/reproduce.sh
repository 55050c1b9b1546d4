#!/bin/bash
# Reproduce the shipped policies: expert sample collection on easy instances, then training.
# Budget-limited recipe run on one core (cpu_slot) of a shared 2-core machine; see README.md here.
# Usage: DATA=/path/outside/repo bash learned/branching/weights/reproduce.sh
# Scale to the anchor's protocol by raising --samples / --time-budget (collection) and
# --epoch-size 312 --batch-size 32 without --time-budget (training).
set -e
cd "$(dirname "$0")/../../.."
DATA=${DATA:?set DATA to a folder outside the repository}
PY=${PY:-.venv/bin/python}
W=learned/branching/weights
export OMP_NUM_THREADS=1
collect() {  # family split seeds probability budget-seconds
  $PY -m ormodel.learned.branching.collect --family "$1" --level easy --seeds "$3" --samples 5000 \
    --per-instance 25 --record-probability "$4" --time-limit 45 --time-budget "$5" --jobs 1 --out "$DATA/$1/$2"
}
collect setcover  train 100000:110000 0.5 170
collect setcover  valid 200000:210000 0.5 35
collect cauctions train 100000:110000 0.3 170
collect cauctions valid 200000:210000 0.3 35
collect facility  train 100000:110000 0.5 170
collect facility  valid 200000:210000 0.5 35
collect indset    train 100000:110000 0.5 170
collect indset    valid 200000:210000 0.5 35
train() {  # name budget-seconds train-folders... -- valid-folders...
  local name=$1 budget=$2; shift 2
  local trains=() valids=(); local into=trains
  for arg in "$@"; do if [ "$arg" = "--" ]; then into=valids; elif [ $into = trains ]; then trains+=("$arg"); else valids+=("$arg"); fi; done
  $PY -m ormodel.learned.branching.train --train "${trains[@]}" --valid "${valids[@]}" --out "$W/$name.pt" \
    --epochs 1000 --epoch-size 10 --batch-size 16 --patience 8 --lr-patience 4 --time-budget "$budget" \
    --threads 1 --seed 0 --device auto --name "$name"
}
for family in setcover cauctions facility indset; do
  train "$family" 50 "$DATA/$family/train" -- "$DATA/$family/valid"
done
train mixed 100 "$DATA/setcover/train" "$DATA/cauctions/train" "$DATA/facility/train" "$DATA/indset/train" -- \
  "$DATA/setcover/valid" "$DATA/cauctions/valid" "$DATA/facility/valid" "$DATA/indset/valid"
