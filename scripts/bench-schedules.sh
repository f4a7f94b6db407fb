#!/usr/bin/env bash
# Scheduled changes at scale (issue 14, docs/benchmarks.md "Schedules"): one node (SQLite), N passes of event.pass issued
# by a batch job, then N schedules (a PATCH of each pass) all due in the same minute, made through the issuer API;
# prints how fast they were made, and when the last one ran after the minute began (from the event feed).
# usage: scripts/bench-schedules.sh [N (100000)] [THREADS (16)] [PORT (5130)]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-100000}; threads=${2:-16}; port=${3:-5130}
work=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build -c Release "$root/src/PassGrains.Server" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/src/PassGrains.Cli" -v quiet -nologo >/dev/null
dotnet "$root/src/PassGrains.Cli/bin/Release/net10.0/passgrains.dll" certs dev --out "$work/certs" --pass-type-id pass.com.example.event --team-id ABCDE12345 >/dev/null
key=bench-issuer-key-0123456789; B=http://127.0.0.1:$port; A="Authorization: Bearer $key"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(dotnet --version) SDK; $(date -u '+%Y-%m-%d %H:%M UTC'); $(git -C "$root" rev-parse --short HEAD)"
ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=$B PassGrains__DataDirectory=$work/data PassGrains__PublicUrl=$B/ \
PassGrains__IssuerApiKeys__0=$key PassGrains__PassTypes__0__Identifier=pass.com.example.event PassGrains__PassTypes__0__TeamIdentifier=ABCDE12345 \
PassGrains__PassTypes__0__CertificatePath=$work/certs/pass.p12 PassGrains__PassTypes__0__CertificatePassword=dev \
PassGrains__PassTypes__0__WwdrPath=$work/certs/wwdr.pem PassGrains__Cluster__SiloPort=$((port + 1000)) Logging__LogLevel__Default=Warning \
  dotnet "$root/src/PassGrains.Server/bin/Release/net10.0/PassGrains.Server.dll" >"$work/server.log" 2>&1 & pid=$!
for _ in $(seq 1 120); do curl -sf -o /dev/null $B/openapi/v1.json && break; sleep 0.5; done
python3 "$root/scripts/zip-model.py" "$root/samples/models/event.pass" "$work/event.zip"
curl -sf -X PUT -H "$A" -H 'Content-Type: application/zip' --data-binary @"$work/event.zip" $B/api/templates/event >/dev/null
python3 "$root/scripts/make-batch.py" "$work/batch.ndjson" "$n"
job=$(curl -sf -X POST -H "$A" -H 'Content-Type: application/x-ndjson' --data-binary @"$work/batch.ndjson" $B/api/passes/batch | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
while ! curl -sf -H "$A" $B/api/jobs/$job | grep -q '"completed"'; do sleep 0.5; done
echo "setup: $n passes issued (batch job $job)"
cpu0=$(awk '{print $14 + $15}' /proc/$pid/stat)
SERVER_PID=$pid python3 "$root/scripts/bench-schedules.py" "$B" "$key" "$n" "$threads"
echo "server CPU over setup and run: $(awk -v c0="$cpu0" -v hz="$(getconf CLK_TCK)" '{printf "%.1f s", ($14 + $15 - c0) / hz}' /proc/$pid/stat)"
grep -c "could not be tried" "$work/server.log" | sed 's/^/server warnings "could not be tried": /' || true
