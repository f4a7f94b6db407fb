#!/usr/bin/env bash
# Scale benchmark of the local PostgreSQL cluster (docs/benchmarks.md): scripts/cluster.sh up 3, then
# N passes (one group) through the batch API via the load balancer, with passes/s, database size and
# memory per silo; then one change of that group.
# usage: scripts/bench-cluster.sh [PASSES]      (default 1000000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
passes=${1:-1000000}
work=${BENCH_WORK:-$root/.bench}/cluster; rm -rf "$work"; mkdir -p "$work"
"$root/scripts/cluster.sh" down >/dev/null 2>&1 || true
trap '"$root/scripts/cluster.sh" down >/dev/null 2>&1 || true' EXIT
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
start=$(date +%s.%N)
curl -sf -X PUT -H "$A" -H 'Content-Type: application/json' -d '{"fields":{"gate":"2"}}' $lb/api/groups/scale
end=$(date +%s.%N)
python3 -c "print(f' <- group change of $passes passes answered in {($end-$start)*1000:.0f} ms (no device registered: no pushes to send)')"
