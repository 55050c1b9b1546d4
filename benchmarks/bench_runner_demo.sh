#!/usr/bin/env bash
# Reproduces the "Benchmark runner" section of benchmarks/RESULTS.md:
#   1. a local run of 5 generated set-cover instances x 2 HiGHS option sets, killed after 40 s, then resumed;
#   2. the same grid through a Dask scheduler + 2 workers started on this machine;
#   3. `bench compare` of the two tables and a report (Markdown + plots) of each.
# Usage: benchmarks/bench_runner_demo.sh [OUTPUT_FOLDER]   (default: benchmarks/results/bench_runner)
set -u
cd "$(dirname "$0")/.."
OUT=${1:-benchmarks/results/bench_runner}
PORT=${DASK_PORT:-8786}
mkdir -p "$OUT"
SUITE="gen:setcover:easy:0-4:n_rows=250"
METHODS=(-m highs:threads=1 -m nopresolve=highs:threads=1,presolve=off)
LIMITS=(--time-limit 120 --grace 30)

LOCAL="$OUT/setcover_easy_local.jsonl"
rm -f "$LOCAL"
echo "== local run, interrupted after 40 s"
timeout -s TERM 40 ormodel bench run "$SUITE" "${METHODS[@]}" "${LIMITS[@]}" --jobs 2 --table "$LOCAL"
echo "== rows after the interruption: $(wc -l < "$LOCAL")"
echo "== the same command again: resumes"
ormodel bench run "$SUITE" "${METHODS[@]}" "${LIMITS[@]}" --jobs 2 --table "$LOCAL"
echo "== rows after resuming: $(wc -l < "$LOCAL")"

DASKED="$OUT/setcover_easy_dask.jsonl"
rm -f "$DASKED"
echo "== Dask: a scheduler and 2 single-thread workers on this machine"
dask scheduler --host 127.0.0.1 --port "$PORT" --no-dashboard > "$OUT/.scheduler.log" 2>&1 &
SCHEDULER=$!
sleep 5
dask worker "tcp://127.0.0.1:$PORT" --nworkers 2 --nthreads 1 --no-dashboard > "$OUT/.workers.log" 2>&1 &
WORKERS=$!
ormodel bench run "$SUITE" "${METHODS[@]}" "${LIMITS[@]}" --executor dask --scheduler "tcp://127.0.0.1:$PORT" --table "$DASKED"
kill "$WORKERS"; sleep 3; kill "$SCHEDULER"; wait 2>/dev/null
rm -f "$OUT/.scheduler.log" "$OUT/.workers.log"

echo "== compare"
ormodel bench compare "$LOCAL" "$DASKED"
ormodel bench report "$LOCAL" -o "$OUT/setcover_easy_local" --title "setcover easy (250x1000), HiGHS default vs presolve off — local executor"
ormodel bench report "$DASKED" -o "$OUT/setcover_easy_dask" --title "setcover easy (250x1000), HiGHS default vs presolve off — Dask (scheduler + 2 workers on this machine)"
