#!/usr/bin/env bash
# Signing benchmark, side by side with the Node.js anchors in one run (docs/benchmarks.md):
#   passgrains bench sign --threads 1, then on all cores, then bench/anchors/anchors.sh
# on the same model with the same throwaway signing chain (RSA-2048).
# usage: scripts/bench-sign.sh [MODEL_DIR] [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
models=$root/samples/models
model=$(cd "${1:-$models/event.pass}" && pwd) # absolute: the anchors run in their own folder
seconds=${2:-10}
work=${BENCH_WORK:-$root/.bench}
mkdir -p "$work"
"$root/bench/anchors/make-certs.sh" "$work/certs" >/dev/null

dotnet build -c Release "$root/src/PassGrains.Cli" -v quiet -nologo >/dev/null
cli=(dotnet "$root/src/PassGrains.Cli/bin/Release/net10.0/passgrains.dll")
sign=("${cli[@]}" bench sign --model "$model" --cert "$work/certs/pass.p12" --password test --wwdr "$work/certs/wwdr.pem" --seconds "$seconds")

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(dotnet --version) SDK, $(openssl version)"
echo "# model: $model"
echo "## openssl speed rsa2048 (the floor: one signature per pass)"
openssl speed -seconds 3 rsa2048 2>/dev/null | tail -1
echo "## passgrains, 1 thread"
"${sign[@]}" --threads 1
echo "## passgrains, all cores ($(nproc) threads)"
"${sign[@]}" --threads 0
echo "## anchors (one thread each)"
"$root/bench/anchors/anchors.sh" "$work/anchors" 300 "$model"
