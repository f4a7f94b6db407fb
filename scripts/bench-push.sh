#!/usr/bin/env bash
# Push throughput on loopback (docs/benchmarks.md): the APNs client alone against a TLS/HTTP/2 APNs
# stand-in, then the whole server: a group of N devices (each with its own pass, downloaded and
# registered like a Wallet would) changed once, timed until the stand-in got every push.
# usage: scripts/bench-push.sh [DEVICES]        (default 100000; takes a few minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
models=$root/samples/models
devices=${1:-100000}
work=${BENCH_WORK:-$root/.bench}/push; rm -rf "$work"; mkdir -p "$work"
dotnet build -c Release "$root/src/PassGrains.Server" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/bench/PassGrains.PushBench" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/src/PassGrains.Cli" -v quiet -nologo >/dev/null
bench=(dotnet "$root/bench/PassGrains.PushBench/bin/Release/net10.0/PassGrains.PushBench.dll")
pids=(); cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }; trap cleanup EXIT
wait_for() { for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(dotnet --version) SDK"
echo "## APNs client alone, one ApnsClient, 2,000 pushes in flight"
"${bench[@]}" client --pushes 200000 --concurrency 2000

curl -sf -o /dev/null http://127.0.0.1:5302/ && { echo "port 5302 is taken: is an earlier stand-in still running?" >&2; exit 1; }
"${bench[@]}" double --port 5301 --stats-port 5302 --ca-out "$work/apns-ca.pem" >"$work/double.log" 2>&1 & pids+=($!)
wait_for http://127.0.0.1:5302/
dotnet "$root/src/PassGrains.Cli/bin/Release/net10.0/passgrains.dll" certs dev --out "$work/certs" --pass-type-id pass.com.example.event --team-id ABCDE12345 >/dev/null
key=bench-issuer-key-0123456789
export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=http://127.0.0.1:5300
export PassGrains__DataDirectory=$work/data PassGrains__PublicUrl=http://127.0.0.1:5300/ PassGrains__IssuerApiKeys__0=$key
export PassGrains__PassTypes__0__Identifier=pass.com.example.event PassGrains__PassTypes__0__TeamIdentifier=ABCDE12345
export PassGrains__PassTypes__0__CertificatePath=$work/certs/pass.p12 PassGrains__PassTypes__0__CertificatePassword=dev
export PassGrains__PassTypes__0__WwdrPath=$work/certs/wwdr.pem PassGrains__Apns__Endpoint=https://127.0.0.1:5301/
export PassGrains__Apns__TrustedCaPath=$work/apns-ca.pem Logging__LogLevel__Default=Warning
export PassGrains__Cluster__SiloPort=21311
# The stand-in's devices never call back, so there is no load to pace by: this measures how fast the dispatcher can
# send (PassGrains:Pushes:Pacing off). Set PUSH_PACING=true to see the default pace instead.
export PassGrains__Pushes__Pacing__Adaptive=${PUSH_PACING:-false}
dotnet "$root/src/PassGrains.Server/bin/Release/net10.0/PassGrains.Server.dll" >"$work/server.log" 2>&1 & pids+=($!)
wait_for http://127.0.0.1:5300/openapi/v1.json
python3 "$root/scripts/zip-model.py" "$models/small.pass" "$work/small.zip"
curl -sf -X PUT -H "Authorization: Bearer $key" -H 'Content-Type: application/zip' --data-binary @"$work/small.zip" http://127.0.0.1:5300/api/templates/bench >/dev/null
echo "## group fan-out through the server, $devices devices"
"${bench[@]}" group --server http://127.0.0.1:5300/ --api-key $key --template bench --devices "$devices" --stats http://127.0.0.1:5302/
