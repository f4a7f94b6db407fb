#!/usr/bin/env bash
# Memory per active grain (docs/benchmarks.md, "Memory per grain"): the product's host in the benchmark's own process
# (bench/PassGrains.MemoryBench: one silo, SQLite, the same storage provider and queue as src/PassGrains.Server), one
# run per kind, each on a fresh database: COUNT issued passes of samples/models/event.pass activated as a device's 304 does (view and silo cache entry),
# COUNT devices with one registration each, and COUNT stateless probe grains (what Orleans keeps for any activation).
# Prints RSS and GC heap growth per grain, each after full compacting collections.
# usage: scripts/bench-grain-memory.sh [COUNT] [KINDS]   (default 1000000 "pass device probe")
#        GCDUMP=1 also writes a heap dump per kind (dotnet-gcdump, from PATH or GCDUMP_TOOL) and prints its largest types
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-1000000}
kinds=${2:-pass device probe}
work=${BENCH_WORK:-$root/.bench}/grain-memory; rm -rf "$work"; mkdir -p "$work"
dotnet build -c Release "$root/bench/PassGrains.MemoryBench" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/src/PassGrains.Cli" -v quiet -nologo >/dev/null
dotnet "$root/src/PassGrains.Cli/bin/Release/net10.0/passgrains.dll" certs dev --out "$work/certs" --pass-type-id pass.com.example.event --team-id ABCDE12345 >/dev/null
python3 "$root/scripts/zip-model.py" "$root/samples/models/event.pass" "$work/event.zip"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, $(dotnet --version) SDK; commit $(git -C "$root" rev-parse --short HEAD)"
for kind in $kinds; do
  rm -rf "$work/data"
  dump=()
  if [[ ${GCDUMP:-0} == 1 ]]; then dump=(--gcdump-tool "${GCDUMP_TOOL:-$(command -v dotnet-gcdump)}" --gcdump-out "$work/$kind.gcdump"); fi
  ASPNETCORE_ENVIRONMENT=Production dotnet "$root/bench/PassGrains.MemoryBench/bin/Release/net10.0/PassGrains.MemoryBench.dll" \
    --kind "$kind" --count "$count" --work "$work" --certs "$work/certs" --model-zip "$work/event.zip" "${dump[@]}"
done
