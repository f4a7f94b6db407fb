#!/usr/bin/env bash
# The device herd (issue 13, docs/benchmarks.md "Device herd"): N Wallet devices, each registered for its own pass of
# one group with its own push token, and one change of the group. The driver (bench/PassGrains.PushBench herd) holds
# the APNs stand-in; each push it accepts makes its device list the serials changed since its tag, fetch each with
# If-Modified-Since (patience 60 s; 5xx/429 retried after Retry-After), check 1 in 100 passes (CMS signature, manifest
# SHA-1s, pass.json), keep the new tag. Reported: time from the change to the last device holding the new version, per
# device push->list->pass p50/p99/max, 5xx/429/timeouts/needless 200s, pushes per device, server CPU (/proc of the
# server's processes), and the floor of the same run: N / (openssl speed rsa2048 signatures/s, all cores)
# + N / (passes/s a bare Kestrel sends of the same bytes to the driver's client), each the median of readings taken before
# and after the herd (the machine's speed drifts within minutes).
# usage: scripts/bench-herd.sh [DEVICES] [WHERE] [MODELS]
#   DEVICES  default 2000 (up to 100000)
#   WHERE    node (one server, SQLite), cluster (scripts/cluster.sh up 3: three silos, PostgreSQL, the balancer) or "node cluster" (default)
#   MODELS   samples/models names, default "event small"
# e.g. scripts/bench-herd.sh 60000 node event; scripts/bench-herd.sh 100000 cluster event
# HERD_DRIVER_ENV ("NAME=value ..."): environment of the driver only (the server's is this script's).
# HERD_WARMUP (default 5000, a tenth below 10,000 devices): devices of a second group changed once, untimed, first.
# Ports: HERD_PORT (default 5710: server; +1 APNs stand-in, +2 bare Kestrel; cluster balancer +10, silos +11..+13);
# the cluster's PostgreSQL on PASSGRAINS_CLUSTER_PG_PORT (default 55470 here). Setup (issuing, installing) is timed apart.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
devices=${1:-2000}; where=${2:-node cluster}; models=${3:-event small}
port=${HERD_PORT:-5710}
# Devices of a group of their own changed once before the measured change (not timed): the measured herd meets a
# server that has pushed before, as a running one has: 5,000 of them leave a few tenths of a second of JIT in the measured
# window, where 1,000 left about two seconds in each process (docs/benchmarks.md, "Response slices again"). HERD_WARMUP=0
# measures a server's very first change.
warmup=${HERD_WARMUP:-$(( devices < 10000 ? devices / 10 : 5000 ))}
work=${BENCH_WORK:-$root/.bench}/herd; rm -rf "$work"; mkdir -p "$work"
dotnet build -c Release "$root/src/PassGrains.Server" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/src/PassGrains.Cli" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/bench/PassGrains.PushBench" -v quiet -nologo >/dev/null
dotnet build -c Release "$root/bench/PassGrains.BareKestrel" -v quiet -nologo >/dev/null
bench=(dotnet "$root/bench/PassGrains.PushBench/bin/Release/net10.0/PassGrains.PushBench.dll")
cli=(dotnet "$root/src/PassGrains.Cli/bin/Release/net10.0/passgrains.dll")
export PASSGRAINS_CLUSTER_DIR=$work/cluster PASSGRAINS_CLUSTER_LB_PORT=$((port + 10)) PASSGRAINS_CLUSTER_SILO_PORT=$((21000 + port % 1000 + 10))
export PASSGRAINS_CLUSTER_PG_PORT=${PASSGRAINS_CLUSTER_PG_PORT:-55470}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ ! -f "$work/cluster/env" ] || "$root/scripts/cluster.sh" down >/dev/null 2>&1 || true
}
trap cleanup EXIT
wait_for() { for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }
for p in "$port" $((port + 1)) $((port + 2)) $((port + 10)); do
  ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "port $p is taken (HERD_PORT moves them)" >&2; exit 1; }
done

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, $(dotnet --version) SDK, $(openssl version | cut -d' ' -f1-2); $(date -u '+%Y-%m-%d %H:%M UTC')"
"${cli[@]}" certs dev --out "$work/certs" --pass-type-id pass.com.example.event --team-id ABCDE12345 >/dev/null
"${bench[@]}" apns-certs --out "$work/apns"
key=bench-issuer-key-0123456789
export ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning PassGrains__IssuerApiKeys__0=$key
export PassGrains__PassTypes__0__Identifier=pass.com.example.event PassGrains__PassTypes__0__TeamIdentifier=ABCDE12345
export PassGrains__PassTypes__0__CertificatePath=$work/certs/pass.p12 PassGrains__PassTypes__0__CertificatePassword=dev
export PassGrains__PassTypes__0__WwdrPath=$work/certs/wwdr.pem
export PassGrains__Apns__Enabled=true PassGrains__Apns__Endpoint=https://127.0.0.1:$((port + 1))/ PassGrains__Apns__TrustedCaPath=$work/apns/ca.pem

# The bare Kestrel of the transfer floor serves the first device's pass, which the driver writes at setup.
dotnet "$root/bench/PassGrains.BareKestrel/bin/Release/net10.0/PassGrains.BareKestrel.dll" --urls "http://127.0.0.1:$((port + 2))" --pkpass "$work/sample.pkpass" >/dev/null 2>&1 & pids+=($!)
wait_for "http://127.0.0.1:$((port + 2))/"

herd() { # MODEL SERVER_URL CPU_PIDS
  python3 "$root/scripts/zip-model.py" "$root/samples/models/$1.pass" "$work/$1.zip"
  curl -sf -X PUT -H "Authorization: Bearer $key" -H 'Content-Type: application/zip' --data-binary @"$work/$1.zip" "$2api/templates/$1" >/dev/null
  env ${HERD_DRIVER_ENV:-} "${bench[@]}" herd --server "$2" --api-key "$key" --template "$1" --devices "$devices" --apns-port $((port + 1)) --apns-certs "$work/apns" \
    --wwdr "$work/certs/wwdr.pem" --bare "http://127.0.0.1:$((port + 2))/" --sample-out "$work/sample.pkpass" \
    --cpu-pids "$3" --patience 60 --warm-up "$warmup" ${HERD_ARGS:-}
}

for w in $where; do
  for model in $models; do
    rm -f "$work/sample.pkpass"
    if [ "$w" = node ]; then
      echo "## one node (SQLite), $model.pass, $devices devices"
      rm -rf "$work/data"
      ASPNETCORE_URLS=http://127.0.0.1:$port PassGrains__DataDirectory=$work/data PassGrains__PublicUrl=http://127.0.0.1:$port/ \
      PassGrains__Cluster__SiloPort=$((21000 + port % 1000)) \
        dotnet "$root/src/PassGrains.Server/bin/Release/net10.0/PassGrains.Server.dll" >"$work/server-$model.log" 2>&1 & server=$!; pids+=($server)
      wait_for "http://127.0.0.1:$port/openapi/v1.json"
      herd "$model" "http://127.0.0.1:$port/" "$server" || echo "herd failed (exit $?)"
      kill "$server"; wait "$server" 2>/dev/null || true
    else
      echo "## three silos on PostgreSQL behind the balancer, $model.pass, $devices devices"
      "$root/scripts/cluster.sh" up 3 >/dev/null
      cpu=$(cat "$work"/cluster/silo*.pid "$work/cluster/lb.pid" | paste -sd,),$(head -n 1 "$work/cluster/pg/data/postmaster.pid")
      herd "$model" "http://127.0.0.1:$((port + 10))/" "$cpu" || echo "herd failed (exit $?)"
      for i in 1 2 3; do echo "silo$i memory: $(grep VmRSS "/proc/$(cat "$work/cluster/silo$i.pid")/status" | awk '{printf "%.0f MiB", $2/1024}')"; done
      "$root/scripts/cluster.sh" down >/dev/null
    fi
  done
done
