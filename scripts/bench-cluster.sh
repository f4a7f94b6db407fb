#!/usr/bin/env bash
# Scale benchmark of the local PostgreSQL cluster (docs/benchmarks.md): scripts/cluster.sh up 3, then
# N passes (one group) through the batch API via the load balancer, with passes/s, database size and
# memory per silo; then DEVICES of those passes get a device each (downloaded and registered like a Wallet)
# and the whole group changes once, timed until the APNs stand-in received the last push.
# usage: scripts/bench-cluster.sh [PASSES] [DEVICES]      (defaults 1000000 and 20000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
passes=${1:-1000000}
devices=${2:-20000}
work=${BENCH_WORK:-$root/.bench}/cluster; rm -rf "$work"; mkdir -p "$work"
"$root/scripts/cluster.sh" down >/dev/null 2>&1 || true
dotnet build -c Release "$root/bench/PassGrains.PushBench" -v quiet -nologo >/dev/null
bench=(dotnet "$root/bench/PassGrains.PushBench/bin/Release/net10.0/PassGrains.PushBench.dll")
curl -sf -o /dev/null http://127.0.0.1:5402/ && { echo "port 5402 is taken: is an earlier APNs stand-in still running?" >&2; exit 1; }
"${bench[@]}" double --port 5401 --stats-port 5402 --ca-out "$work/apns-ca.pem" >"$work/double.log" 2>&1 & double=$!
trap '"$root/scripts/cluster.sh" down >/dev/null 2>&1 || true; kill -9 $double 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf -o /dev/null http://127.0.0.1:5402/ && break; sleep 0.5; done
export PassGrains__Apns__Enabled=true PassGrains__Apns__Endpoint=https://127.0.0.1:5401/ PassGrains__Apns__TrustedCaPath=$work/apns-ca.pem
# Devices of the stand-in never call back: the fan-out is timed unpaced (PUSH_PACING=true for the default pace).
export PassGrains__Pushes__Pacing__Adaptive=${PUSH_PACING:-false}
"$root/scripts/cluster.sh" up 3
lb=http://127.0.0.1:5100; A="Authorization: Bearer ${PassGrains__IssuerApiKeys__0:-local-cluster-issuer-key}"
python3 - "$root/samples/models/boarding.pass" "$work/model.zip" "$work/passes.ndjson" "$passes" <<'PY'
import os, sys, zipfile
src, out, lines, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with zipfile.ZipFile(out, "w") as z:
    for f in os.listdir(src): z.write(os.path.join(src, f), f)
with open(lines, "w") as f:
    for i in range(n):
        f.write('{"templateId":"scale","groupId":"scale","serialNumber":"S%d","fields":{"seat":"%d"}}\n' % (i, i % 300))
PY
curl -sf -X PUT -H "$A" -H 'Content-Type: application/zip' --data-binary @"$work/model.zip" $lb/api/templates/scale >/dev/null
curl -sf -X PUT -H "$A" -H 'Content-Type: application/json' -d '{"templateId":"scale","fields":{"gate":"1"}}' $lb/api/groups/scale >/dev/null
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $passes passes, 3 silos + PostgreSQL 15 + load balancer on this machine"
start=$(date +%s.%N)
job=$(curl -sf -X POST -H "$A" -H 'Content-Type: application/x-ndjson' --data-binary @"$work/passes.ndjson" $lb/api/passes/batch | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
while true; do
  status=$(curl -sf -H "$A" $lb/api/jobs/$job || true)
  echo "$status" | grep -q '"completed"' && break
  sleep 5
done
end=$(date +%s.%N)
echo "batch: $(echo "$status" | head -c 160)"
python3 -c "print(f'issued $passes passes in {$end-$start:.0f} s = {$passes/($end-$start):.0f} passes/s')"
echo "database: $(psql -h 127.0.0.1 -p ${PASSGRAINS_CLUSTER_PG_PORT:-55440} -U postgres -d passgrains -Atc "select pg_size_pretty(pg_database_size('passgrains'))")"
for i in 1 2 3; do echo "silo$i memory: $(grep VmRSS /proc/$(cat "$root/.cluster/silo$i.pid")/status | awk '{printf "%.0f MiB", $2/1024}')"; done
echo "## $devices of the $passes passes installed on a device each, then one change of the whole group"
"${bench[@]}" group --server $lb --api-key "${PassGrains__IssuerApiKeys__0:-local-cluster-issuer-key}" --devices "$devices" \
  --stats http://127.0.0.1:5402/ --existing-group scale --serial-prefix S
