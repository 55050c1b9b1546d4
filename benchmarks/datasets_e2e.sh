#!/usr/bin/env bash
# End-to-end check of the datasets commands and of `ormodel bench` on each kind of suite (the "Datasets" section
# of benchmarks/RESULTS.md):
#   1. `ormodel datasets list` (NL suites, job-shop and MIP files, generators);
#   2. one generated distribution three ways — MPS folder, five-element YAML folder, generated in the worker —
#      run with HiGHS (1 thread); `bench compare` must find the same statuses, objectives and node counts;
#   3. Taillard's ta01-ta80 written by `ormodel datasets jobshop` and compared with the published files
#      (when ../shared/data/jssp is present), then a job-shop set run with two dispatching rules and CP-SAT.
# NL suites run through `ormodel bench nl` (see benchmarks/nl_golden_replay.py) or `bench run nl:SUITE`.
# Usage: benchmarks/datasets_e2e.sh [OUTPUT_FOLDER] [DATA_ROOT]   (defaults: benchmarks/results/datasets_e2e, ../shared/data)
# Runs a few minutes on one core; on a shared machine start it through `cpu_slot`.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-benchmarks/results/datasets_e2e}
DATA=${2:-../shared/data}
FILES=$(mktemp -d)   # generated instance files: not kept (tables and reports are)
trap 'rm -rf "$FILES"' EXIT
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== 1. datasets list"
COLUMNS=200 ormodel datasets list --data "$DATA" --no-count | tail -n 12

echo "== 2. one distribution as MPS, as five-element YAML, and generated in the worker"
ormodel datasets generate gisp --level easy --seeds 0-2 --out "$FILES/gisp_mps" > /dev/null
ormodel datasets generate gisp --level easy --seeds 0-2 --format yaml --out "$FILES/gisp_yaml" > /dev/null
for kind in mps models gen; do
  case $kind in
    mps) suite="mps:$FILES/gisp_mps" ;;
    models) suite="models:$FILES/gisp_yaml" ;;
    gen) suite="gen:gisp:easy:0-2" ;;
  esac
  ormodel bench run "$suite" -m highs:threads=1 --time-limit 60 --jobs 1 --no-progress --table "$OUT/gisp_$kind.jsonl"
done
ormodel bench compare "$OUT/gisp_mps.jsonl" "$OUT/gisp_gen.jsonl"
ormodel bench compare "$OUT/gisp_models.jsonl" "$OUT/gisp_gen.jsonl"

echo "== 3. Taillard's instances from his generator vs the published files; a job-shop set through the runner"
ormodel datasets jobshop --taillard --out "$FILES/taillard" > /dev/null
if [ -d "$DATA/jssp/instances/ta" ]; then
  same=0
  for file in "$DATA"/jssp/instances/ta/*.txt; do
    name=$(basename "$file")
    if diff -q <(sed 's/ *$//' "$file") <(sed 's/ *$//' "$FILES/taillard/$name") > /dev/null; then same=$((same + 1)); else echo "differs: $name"; fi
  done
  echo "$same of 80 Taillard instances identical to the published files"
fi
ormodel bench run jssp:taillard:ta01-ta05 -m spt=dispatch:param.rule=spt,param.improve=false \
  -m mwkr=dispatch:param.rule=mwkr,param.improve=false -m mwkr+cpsat=dispatch:param.rule=mwkr,param.workers=1 \
  --time-limit 10 --jobs 1 --no-progress --table "$OUT/taillard.jsonl"
ormodel bench report "$OUT/taillard.jsonl" -o "$OUT/taillard_report" --title "ta01-ta05: dispatching rules and CP-SAT (10 s, 1 worker)"
