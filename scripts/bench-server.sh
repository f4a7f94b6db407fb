#!/usr/bin/env bash
# Load benchmarks of the single-node server on loopback (docs/benchmarks.md), server and driver on
# the same machine: a bare Kestrel constant-JSON endpoint as yardstick, then the device list (204),
# the 304 path, full downloads of samples/models/event.pass (a version kept signed, against a bare Kestrel sending
# the same bytes: the transfer floor; and signed afresh each time, against signing plus transfer, with openssl speed
# rsa2048 over all cores), and batch issuing into SQLite.
# usage: scripts/bench-server.sh [SECONDS] [BATCH_PASSES]      needs: wrk (apt-get install wrk), curl, python3
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
models=$root/samples/models
seconds=${1:-10}; batch=${2:-20000}
work=${BENCH_WORK:-$root/.bench}/server; rm -rf "$work"; mkdir -p "$work"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }

dotnet build -c Release "$root/src/PassGrains.Server" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/src/PassGrains.Cli" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/bench/PassGrains.BareKestrel" -v quiet -nologo >/dev/null
cli=(dotnet "$root/src/PassGrains.Cli/bin/Release/net10.0/passgrains.dll")
"${cli[@]}" certs dev --out "$work/certs" --pass-type-id pass.com.example.event --team-id ABCDE12345 >/dev/null

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_for() { for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }
rate() { grep -oP 'Requests/sec:\s+\K[0-9.]+' ; }

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(dotnet --version) SDK; wrk -t2 -c64 -d${seconds}s"

# The yardstick stays up (idle) beside the server and is measured in every round, right before the
# server's targets, so each ratio compares runs seconds apart: this machine's speed drifts by a third.
dotnet "$root/bench/PassGrains.BareKestrel/bin/Release/net10.0/PassGrains.BareKestrel.dll" --urls http://127.0.0.1:5101 --pkpass "$work/p.pkpass" >/dev/null 2>&1 & pids+=($!)
wait_for http://127.0.0.1:5101/
wrk -t2 -c64 -d3s http://127.0.0.1:5101/ >/dev/null # warm-up

key=bench-issuer-key-0123456789
export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=http://127.0.0.1:5100
export PassGrains__DataDirectory=$work/data PassGrains__PublicUrl=http://127.0.0.1:5100/ PassGrains__IssuerApiKeys__0=$key
export PassGrains__PassTypes__0__Identifier=pass.com.example.event PassGrains__PassTypes__0__TeamIdentifier=ABCDE12345
export PassGrains__PassTypes__0__CertificatePath=$work/certs/pass.p12 PassGrains__PassTypes__0__CertificatePassword=dev
export PassGrains__PassTypes__0__WwdrPath=$work/certs/wwdr.pem Logging__LogLevel__Default=Warning
start_server() { dotnet "$root/src/PassGrains.Server/bin/Release/net10.0/PassGrains.Server.dll" >>"$work/server.log" 2>&1 & server=$!; pids+=($server); wait_for http://127.0.0.1:5100/openapi/v1.json; }
start_server
B=http://127.0.0.1:5100; A="Authorization: Bearer $key"; P=pass.com.example.event; D=benchdevice0123456789

python3 "$root/scripts/zip-model.py" "$models/event.pass" "$work/event.zip"
curl -sf -X PUT -H "$A" -H 'Content-Type: application/zip' --data-binary @"$work/event.zip" $B/api/templates/event >/dev/null
curl -sf -X POST -H "$A" -H 'Content-Type: application/json' -d '{"templateId":"event","serialNumber":"BENCH-1"}' $B/api/passes >/dev/null
url=$(curl -sf -H "$A" $B/api/passes/$P/BENCH-1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["downloadUrl"])')
curl -sf -o "$work/p.pkpass" "$url"
T=$(unzip -p "$work/p.pkpass" pass.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["authenticationToken"])')
curl -sf -X POST -H "Authorization: ApplePass $T" -H 'Content-Type: application/json' -d '{"pushToken":"00112233445566778899aabbccddeeff"}' $B/v1/devices/$D/registrations/$P/BENCH-1 >/dev/null
tag=$(curl -sf $B/v1/devices/$D/registrations/$P | python3 -c 'import json,sys; print(json.load(sys.stdin)["lastUpdated"])')
sleep 1.1 # the listing caps a tag at one second before the request; let it pass so the list answers 204
tag=$(curl -sf "$B/v1/devices/$D/registrations/$P?passesUpdatedSince=0" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lastUpdated"])')
lm=$(curl -sf -D - -o /dev/null -H "Authorization: ApplePass $T" $B/v1/passes/$P/BENCH-1 | grep -i '^last-modified' | cut -d' ' -f2- | tr -d '\r')
[ "$(curl -s -o /dev/null -w '%{http_code}' "$B/v1/devices/$D/registrations/$P?passesUpdatedSince=$tag")" = 204 ] || echo "warning: list did not answer 204"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: ApplePass $T" -H "If-Modified-Since: $lm" $B/v1/passes/$P/BENCH-1)" = 304 ] || echo "warning: pass did not answer 304"

# warm-up (JIT tiering, grain activations), not measured
for _ in 1 2; do
  wrk -t2 -c64 -d3s "$B/v1/devices/$D/registrations/$P?passesUpdatedSince=$tag" >/dev/null
  wrk -t2 -c64 -d3s -H "Authorization: ApplePass $T" -H "If-Modified-Since: $lm" $B/v1/passes/$P/BENCH-1 >/dev/null
done
wrk -t2 -c16 -d3s -H "Authorization: ApplePass $T" $B/v1/passes/$P/BENCH-1 >/dev/null
wrk -t2 -c16 -d3s http://127.0.0.1:5101/pkpass >/dev/null
rounds=${ROUNDS:-3}; bares=(); lists=(); listalls=(); notmods=(); transfers=(); kepts=()
for round in $(seq 1 "$rounds"); do
  bares+=("$(wrk -t2 -c64 -d"${seconds}s" http://127.0.0.1:5101/ | rate)")
  lists+=("$(wrk -t2 -c64 -d"${seconds}s" "$B/v1/devices/$D/registrations/$P?passesUpdatedSince=$tag" | rate)")
  listalls+=("$(wrk -t2 -c64 -d"${seconds}s" "$B/v1/devices/$D/registrations/$P" | rate)")
  notmods+=("$(wrk -t2 -c64 -d"${seconds}s" -H "Authorization: ApplePass $T" -H "If-Modified-Since: $lm" $B/v1/passes/$P/BENCH-1 | rate)")
  transfers+=("$(wrk -t2 -c16 -d"${seconds}s" http://127.0.0.1:5101/pkpass | rate)")
  kepts+=("$(wrk -t2 -c16 -d"${seconds}s" -H "Authorization: ApplePass $T" $B/v1/passes/$P/BENCH-1 | rate)")
  echo "round $round: bare Kestrel ${bares[-1]}, list 204 ${lists[-1]}, list 200 ${listalls[-1]}, 304 ${notmods[-1]} req/s; the same pass bytes from bare Kestrel ${transfers[-1]}, a kept version ${kepts[-1]} passes/s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
bare=$(median "${bares[@]}"); list=$(median "${lists[@]}"); listall=$(median "${listalls[@]}"); notmod=$(median "${notmods[@]}")
echo "median of $rounds rounds:"
echo "bare Kestrel constant JSON: $bare req/s"
echo "list (204, passesUpdatedSince): $list req/s ($(python3 -c "print(f'{$list/$bare:.2f}')")× bare Kestrel)"
echo "list (200, all serials): $listall req/s"
echo "latest pass, 304: $notmod req/s ($(python3 -c "print(f'{$notmod/$bare:.2f}')")× bare Kestrel)"
transfer=$(median "${transfers[@]}"); kept=$(median "${kepts[@]}")
echo "transfer floor: bare Kestrel sending the same $(stat -c %s "$work/p.pkpass") bytes: $transfer passes/s"
# Also the median of the round-by-round ratios: each pair ran seconds apart, so the machine's drift hits both alike.
pairs() { python3 -c "import statistics,sys; a=sys.argv[1].split(); b=sys.argv[2].split(); r=[float(x)/float(y) for x,y in zip(a,b)]; print(' / '.join(f'{x:.2f}' for x in r), f'(median {statistics.median(r):.2f})')" "$1" "$2"; }
echo "latest pass, 200, a version kept signed: $kept passes/s ($(python3 -c "print(f'{$kept/$transfer:.2f}')")× the transfer floor; round by round $(pairs "${kepts[*]}" "${transfers[*]}"))"
# Every download signed afresh: the same server with its signed-pass cache off, against one signature per pass on
# every core plus sending the bytes (both measured now).
kill "$server"; wait "$server" 2>/dev/null || true
sign=$(openssl speed -seconds 3 -multi "$(nproc)" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $(NF-1)}')
PassGrains__Rendering__CacheMegabytes=0 start_server
wrk -t2 -c16 -d3s -H "Authorization: ApplePass $T" $B/v1/passes/$P/BENCH-1 >/dev/null
transfers2=(); signeds=(); floors=()
for round in $(seq 1 "$rounds"); do
  transfers2+=("$(wrk -t2 -c16 -d"${seconds}s" http://127.0.0.1:5101/pkpass | rate)")
  signeds+=("$(wrk -t2 -c16 -d"${seconds}s" -H "Authorization: ApplePass $T" $B/v1/passes/$P/BENCH-1 | rate)")
  floors+=("$(python3 -c "print(f'{1/(1/$sign+1/${transfers2[-1]}):.0f}')")")
  echo "round $round: the same pass bytes from bare Kestrel ${transfers2[-1]} passes/s (signing-and-transfer floor ${floors[-1]}), signed for every download ${signeds[-1]} passes/s"
done
transfer2=$(median "${transfers2[@]}"); signed=$(median "${signeds[@]}")
floor=$(python3 -c "print(f'{1/(1/$sign+1/$transfer2):.0f}')")
echo "signing floor: openssl speed -multi $(nproc) rsa2048 $sign signatures/s with transfer $transfer2 passes/s (median): $floor passes/s"
echo "latest pass, 200, signed for every download (PassGrains__Rendering__CacheMegabytes=0): $signed passes/s ($(python3 -c "print(f'{$signed/$floor:.2f}')")× the signing-and-transfer floor; round by round $(pairs "${signeds[*]}" "${floors[*]}"))"

python3 "$root/scripts/make-batch.py" "$work/batch.ndjson" "$batch"
start=$(date +%s.%N)
job=$(curl -sf -X POST -H "$A" -H 'Content-Type: application/x-ndjson' --data-binary @"$work/batch.ndjson" $B/api/passes/batch | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
while ! curl -sf -H "$A" $B/api/jobs/$job | grep -q '"completed"'; do sleep 0.2; done
end=$(date +%s.%N)
status=$(curl -sf -H "$A" $B/api/jobs/$job)
echo "batch issue into SQLite: $batch passes in $(python3 -c "print(f'{$end-$start:.1f}')") s = $(python3 -c "print(f'{$batch/($end-$start):.0f}')") passes/s; job: $(echo "$status" | head -c 120)"
echo "database: $(du -sh "$work/data" | cut -f1)"
