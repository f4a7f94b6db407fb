#!/usr/bin/env bash
# Alternating device herds of two checkouts (docs/benchmarks.md, "Device herd"): A, B, A, B, ... on the same machine in
# the same stretch of time, since this machine's speed drifts by a third within minutes. One line a herd with what to
# compare: the ratio to the run's floor, p99, the server's CPU per device, the driver's CPU, the peak of device
# requests in flight and the time to the last device. Full reports in $AB_OUT (default .bench/herd-ab/).
# usage: scripts/bench-herd-ab.sh DIR_A DIR_B [DEVICES (20000)] [ROUNDS (2)]
#   e.g. git worktree add /tmp/before HEAD~1 && scripts/bench-herd-ab.sh /tmp/before . 20000 3
# HERD_ARGS, HERD_WARMUP and the ports of scripts/bench-herd.sh apply to both; AB_ENV_A / AB_ENV_B ("NAME=value ...") to one
# side only, e.g. a setting of the server: AB_ENV_B="PassGrains__Pushes__Pacing__TargetLatency=00:00:00.25" ... . . 20000
set -euo pipefail
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); devices=${3:-20000}; rounds=${4:-2}
out=${AB_OUT:-$(cd "$(dirname "$0")/.." && pwd)/.bench/herd-ab}; mkdir -p "$out"
pick() { grep -o "$1" "$2" | head -1 || true; }
for round in $(seq 1 "$rounds"); do
  for side in A B; do
    dir=$a; envs=${AB_ENV_A:-}; [ "$side" = B ] && { dir=$b; envs=${AB_ENV_B:-}; }
    log=$out/round$round-$side.log
    (cd "$dir" && env $envs BENCH_WORK="$out/work-$side" scripts/bench-herd.sh "$devices" node event >"$log" 2>&1) || echo "round $round $side failed: $log" >&2
    echo "round $round $side: $(pick 'floor = [0-9.]*' "$log") | $(pick 'p99 [0-9.]* s' "$log") | server $(pick '[0-9.]* ms per device' "$log") | driver $(pick 'meanwhile: [0-9.]* s = [0-9.]* cores' "$log" | cut -d' ' -f2-) | in flight at most $(pick 'in flight at most: [0-9]*' "$log" | grep -o '[0-9]*$') | to the last device $(pick 'new version: [0-9.]* s' "$log" | grep -o '[0-9.]* s')"
  done
done
