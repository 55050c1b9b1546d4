#!/bin/sh
echo "== acquired $(date -u +%T)"; uptime
for size in 25 50 75; do
  for repeat in 1 2 3 4 5 6 7; do
    for tree in /tmp/i14_base /work/wt/i14; do
      cd $tree && PYTHONPATH=$tree timeout 120 /work/main/.venv/bin/python benchmarks/build.py --worker ormodel $size | sed "s|^|$tree |"
      cd /tmp/i14_base && PYTHONPATH=/tmp/i14_base timeout 120 /work/main/.venv/bin/python benchmarks/build.py --worker floor_colwise $size | sed "s|^|floor |"
    done
  done
done
echo "== done $(date -u +%T)"; uptime
