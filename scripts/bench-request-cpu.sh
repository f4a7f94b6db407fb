#!/usr/bin/env bash
# Server CPU per device request (list 204, latest pass 304, a full signed download), read from /proc/<pid>/stat around wrk runs.
# Throughput on this machine drifts by a third within minutes; CPU per request drifts less, and
# alternating checkouts round by round lets the drift hit every build alike.
# usage: scripts/bench-request-cpu.sh [SECONDS] [ROUNDS] [CHECKOUT...]   (default: this checkout)
#   e.g. git worktree add /tmp/old 97610b6 && scripts/bench-request-cpu.sh 6 2 /tmp/old .
# needs: wrk, curl, python3, unzip
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
models=$here/samples/models
seconds=${1:-6}; rounds=${2:-2}; shift $(( $# > 2 ? 2 : $# ))
checkouts=("$@"); [ ${#checkouts[@]} -gt 0 ] || checkouts=("$here")
work=${BENCH_WORK:-$here/.bench}/request-cpu; rm -rf "$work"; mkdir -p "$work"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }

dotnet build -c Release "$here/src/PassGrains.Cli" -v quiet -nologo >/dev/null
for c in "${checkouts[@]}"; do dotnet build -c Release "$c/src/PassGrains.Server" -v quiet -nologo >/dev/null; done
dotnet "$here/src/PassGrains.Cli/bin/Release/net10.0/passgrains.dll" certs dev --out "$work/certs" --pass-type-id pass.com.example.event --team-id ABCDE12345 >/dev/null
python3 "$here/scripts/zip-model.py" "$models/event.pass" "$work/event.zip"

server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null || true' EXIT
wait_for() { for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }
key=bench-issuer-key-0123456789; B=http://127.0.0.1:5100; A="Authorization: Bearer $key"; P=pass.com.example.event; D=benchdevice0123456789
export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=$B PassGrains__PublicUrl=$B/ PassGrains__IssuerApiKeys__0=$key
export PassGrains__PassTypes__0__Identifier=$P PassGrains__PassTypes__0__TeamIdentifier=ABCDE12345
export PassGrains__PassTypes__0__CertificatePath=$work/certs/pass.p12 PassGrains__PassTypes__0__CertificatePassword=dev
export PassGrains__PassTypes__0__WwdrPath=$work/certs/wwdr.pem Logging__LogLevel__Default=Warning

cpu() { awk '{print $14+$15}' "/proc/$server/stat"; } # utime+stime in clock ticks (1/100 s)
measure() { # NAME WRK-ARGS...
  local name=$1; shift
  local c0 c1 out n
  c0=$(cpu); out=$(wrk -t2 -c64 -d"${seconds}s" "$@"); c1=$(cpu)
  n=$(echo "$out" | grep -oP '\d+(?= requests in)')
  printf '  %-9s %9s req/s  %6s µs server CPU per request\n' "$name" "$(echo "$out" | grep -oP 'Requests/sec:\s+\K[0-9.]+')" \
    "$(python3 -c "print(f'{($c1-$c0)*10000/$n:.1f}')")"
}

echo "# machine: $(nproc) cores, $(dotnet --version) SDK; wrk -t2 -c64 -d${seconds}s"
for round in $(seq 1 "$rounds"); do
  for c in "${checkouts[@]}"; do
    echo "round $round: $(git -C "$c" log --oneline -1 | cut -c1-60)"
    rm -rf "$work/data"; export PassGrains__DataDirectory=$work/data
    dotnet "$c/src/PassGrains.Server/bin/Release/net10.0/PassGrains.Server.dll" >"$work/server.log" 2>&1 & server=$!
    wait_for $B/openapi/v1.json
    curl -sf -X PUT -H "$A" -H 'Content-Type: application/zip' --data-binary @"$work/event.zip" $B/api/templates/event >/dev/null
    curl -sf -X POST -H "$A" -H 'Content-Type: application/json' -d '{"templateId":"event","serialNumber":"BENCH-1"}' $B/api/passes >/dev/null
    url=$(curl -sf -H "$A" $B/api/passes/$P/BENCH-1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["downloadUrl"])')
    curl -sf -o "$work/p.pkpass" "$url"
    T=$(unzip -p "$work/p.pkpass" pass.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["authenticationToken"])')
    curl -sf -X POST -H "Authorization: ApplePass $T" -H 'Content-Type: application/json' -d '{"pushToken":"00112233445566778899aabbccddeeff"}' $B/v1/devices/$D/registrations/$P/BENCH-1 >/dev/null
    sleep 1.1 # a list tag is never newer than one second before the request
    tag=$(curl -sf "$B/v1/devices/$D/registrations/$P" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lastUpdated"])')
    lm=$(curl -sf -D - -o /dev/null -H "Authorization: ApplePass $T" $B/v1/passes/$P/BENCH-1 | grep -i '^last-modified' | cut -d' ' -f2- | tr -d '\r')
    wrk -t2 -c64 -d3s "$B/v1/devices/$D/registrations/$P?passesUpdatedSince=$tag" >/dev/null
    wrk -t2 -c64 -d3s -H "Authorization: ApplePass $T" -H "If-Modified-Since: $lm" $B/v1/passes/$P/BENCH-1 >/dev/null
    measure "list 204" "$B/v1/devices/$D/registrations/$P?passesUpdatedSince=$tag"
    measure "304" -H "Authorization: ApplePass $T" -H "If-Modified-Since: $lm" $B/v1/passes/$P/BENCH-1
    measure "download" "$url"
    kill "$server"; wait "$server" 2>/dev/null || true; server=
  done
done
