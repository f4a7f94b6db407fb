#!/usr/bin/env bash
# One pass held by many devices (docs/benchmarks.md): the Release server (SQLite, APNs = the PushBench stand-in), one
# pass, N devices registering for it through Apple's web service, each registration timed (the 100th against the
# last), then one change of the pass, timed until the stand-in has a push for every device. RUNS passes, one after another,
# on the same server.
# usage: scripts/bench-pass-devices.sh [DEVICES] [RUNS] [CONCURRENCY]   (default 100000 1 1)
#        PASSGRAINS_SERVER_DLL=/path/to/PassGrains.Server.dll runs another build of the server (an earlier commit's) instead
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
models=$root/samples/models
devices=${1:-100000}
runs=${2:-1}
concurrency=${3:-1}
work=${BENCH_WORK:-$root/.bench}/pass-devices; rm -rf "$work"; mkdir -p "$work"
dotnet build -c Release "$root/src/PassGrains.Server" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/bench/PassGrains.PushBench" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/src/PassGrains.Cli" -v quiet -nologo >/dev/null
server_dll=${PASSGRAINS_SERVER_DLL:-$root/src/PassGrains.Server/bin/Release/net10.0/PassGrains.Server.dll}
bench=(dotnet "$root/bench/PassGrains.PushBench/bin/Release/net10.0/PassGrains.PushBench.dll")
pids=(); cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }; trap cleanup EXIT
wait_for() { for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(dotnet --version) SDK; server $server_dll"
curl -sf -o /dev/null http://127.0.0.1:5312/ && { echo "port 5312 is taken: is an earlier stand-in still running?" >&2; exit 1; }
"${bench[@]}" double --port 5311 --stats-port 5312 --ca-out "$work/apns-ca.pem" >"$work/double.log" 2>&1 & pids+=($!)
wait_for http://127.0.0.1:5312/
dotnet "$root/src/PassGrains.Cli/bin/Release/net10.0/passgrains.dll" certs dev --out "$work/certs" --pass-type-id pass.com.example.event --team-id ABCDE12345 >/dev/null
key=bench-issuer-key-0123456789
export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=http://127.0.0.1:5310
export PassGrains__DataDirectory=$work/data PassGrains__PublicUrl=http://127.0.0.1:5310/ PassGrains__IssuerApiKeys__0=$key
export PassGrains__PassTypes__0__Identifier=pass.com.example.event PassGrains__PassTypes__0__TeamIdentifier=ABCDE12345
export PassGrains__PassTypes__0__CertificatePath=$work/certs/pass.p12 PassGrains__PassTypes__0__CertificatePassword=dev
export PassGrains__PassTypes__0__WwdrPath=$work/certs/wwdr.pem PassGrains__Apns__Endpoint=https://127.0.0.1:5311/
export PassGrains__Apns__TrustedCaPath=$work/apns-ca.pem Logging__LogLevel__Default=Warning
export PassGrains__Cluster__SiloPort=21321
# The stand-in's devices never call back, so there is no load to pace by: this measures how fast the dispatcher can
# send (PassGrains:Pushes:Pacing off). Set PUSH_PACING=true to see the default pace instead.
export PassGrains__Pushes__Pacing__Adaptive=${PUSH_PACING:-false}
dotnet "$server_dll" >"$work/server.log" 2>&1 & pids+=($!)
wait_for http://127.0.0.1:5310/openapi/v1.json
python3 "$root/scripts/zip-model.py" "$models/small.pass" "$work/small.zip"
curl -sf -X PUT -H "Authorization: Bearer $key" -H 'Content-Type: application/zip' --data-binary @"$work/small.zip" http://127.0.0.1:5310/api/templates/bench >/dev/null
for run in $(seq 1 "$runs"); do
  echo "## run $run: one pass, $devices devices, $concurrency registration(s) in flight"
  "${bench[@]}" pass-devices --server http://127.0.0.1:5310/ --api-key $key --template bench --devices "$devices" \
    --concurrency "$concurrency" --stats http://127.0.0.1:5312/ --serial "coupon-$run-$(date +%H%M%S)"
done
