#!/usr/bin/env bash
# A PostgreSQL-backed PassGrains cluster on loopback, the docker-compose topology without Docker:
# a throwaway PostgreSQL (initdb as the postgres user), N silos (each its own server process) and a
# YARP load balancer in front. Silos inherit every PassGrains__* variable of the caller (pass types,
# API keys, APNs, a cluster certificate); PublicUrl points at the balancer. Without a cluster certificate
# given, one is made (passgrains certs cluster) and silos authenticate each other with it (mutual TLS).
# State lives in .cluster/ of the repository.
#   scripts/cluster.sh up N      start PostgreSQL, N silos and the balancer; prints "lb URL" and "siloI URL" lines
#   scripts/cluster.sh down      stop everything (the database files are removed)
#   scripts/cluster.sh kill I    SIGKILL silo I
#   scripts/cluster.sh start I   start silo I again
# Ports: PASSGRAINS_CLUSTER_PG_PORT (55440), PASSGRAINS_CLUSTER_LB_PORT (5100; silo I answers HTTP on it + I),
# PASSGRAINS_CLUSTER_SILO_PORT (21100; silo I talks to the others on it + I); the state folder PASSGRAINS_CLUSTER_DIR.
# PASSGRAINS_CLUSTER_PG_OPTIONS adds server settings, e.g. "-c shared_preload_libraries=pg_stat_statements".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${PASSGRAINS_CLUSTER_DIR:-$root/.cluster}
pg_port=${PASSGRAINS_CLUSTER_PG_PORT:-55440}
lb_port=${PASSGRAINS_CLUSTER_LB_PORT:-5100}
silo_port=${PASSGRAINS_CLUSTER_SILO_PORT:-21100}
server_dll=$root/src/PassGrains.Server/bin/Release/net10.0/PassGrains.Server.dll
lb_dll=$root/src/PassGrains.LoadBalancer/bin/Release/net10.0/PassGrains.LoadBalancer.dll
cli_dll=$root/src/PassGrains.Cli/bin/Release/net10.0/passgrains.dll
connection="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=passgrains;Maximum Pool Size=20"

pg_bin() {
  local bin; bin=$(pg_config --bindir 2>/dev/null || true)
  [ -x "$bin/initdb" ] || bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries are needed (Debian: apt-get install postgresql)" >&2; exit 1; }
  echo "$bin"
}

wait_for() { for _ in $(seq 1 120); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1 (see $state/*.log)" >&2; return 1; }

start_silo() {
  local i=$1
  [ -f "$state/env" ] || { echo "the cluster is not up: scripts/cluster.sh up N" >&2; exit 1; }
  # shellcheck disable=SC1091
  source "$state/env"
  mkdir -p "$state/silo$i"
  (
    export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$((lb_port + i))"
    export PassGrains__DataDirectory="$state/silo$i" PassGrains__PublicUrl="http://127.0.0.1:$lb_port/"
    export PassGrains__Storage__Provider=Postgres PassGrains__Storage__ConnectionString="$connection"
    export PassGrains__Cluster__SiloPort=$((silo_port + i))
    export PassGrains__Cluster__ClusterId=passgrains-local PassGrains__Cluster__AdvertisedAddress=127.0.0.1
    # Several silos share this machine's cores: idle thread-pool workers spinning for work steal CPU from
    # the silo that has work (measured: docs/benchmarks.md). On a machine of its own a silo may spin.
    export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=${DOTNET_ThreadPool_UnfairSemaphoreSpinLimit:-0}
    exec setsid dotnet "$server_dll" >"$state/silo$i.log" 2>&1
  ) &
  echo $! > "$state/silo$i.pid"
  wait_for "http://127.0.0.1:$((lb_port + i))/health"
  echo "silo$i http://127.0.0.1:$((lb_port + i))/"
}

case "${1:-}" in
  up)
    n=${2:-3}
    [ ! -f "$state/env" ] || { echo "already up; scripts/cluster.sh down first" >&2; exit 1; }
    mkdir -p "$state"
    dotnet build -c Release "$root/src/PassGrains.Server" -v quiet -nologo >/dev/null
    dotnet build -c Release "$root/src/PassGrains.LoadBalancer" -v quiet -nologo >/dev/null
    dotnet build -c Release "$root/src/PassGrains.Cli" -v quiet -nologo >/dev/null
    bin=$(pg_bin)
    mkdir -p "$state/pg"; chown postgres "$state/pg"
    su postgres -s /bin/sh -c "'$bin/initdb' -D '$state/pg/data' -A trust -U postgres" >/dev/null
    su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$state/pg/data' -w -l '$state/pg/log' -o \"-p $pg_port -k '$state/pg' -c listen_addresses=127.0.0.1 -c max_connections=200 ${PASSGRAINS_CLUSTER_PG_OPTIONS:-}\" start" >/dev/null
    su postgres -s /bin/sh -c "'$bin/createdb' -h 127.0.0.1 -p $pg_port passgrains"
    dotnet "$cli_dll" db migrate --connection "$connection"
    {
      echo "n=$n"
      # Every silo must derive the same tokens and link signatures.
      echo "export PassGrains__SecretKey=${PassGrains__SecretKey:-$(head -c 32 /dev/urandom | base64)}"
      if [ -z "${PassGrains__PassTypes__0__Identifier:-}" ]; then
        dotnet "$cli_dll" certs dev --out "$state/certs" --pass-type-id pass.com.example.event --team-id ABCDE12345 >/dev/null
        echo "export PassGrains__PassTypes__0__Identifier=pass.com.example.event PassGrains__PassTypes__0__TeamIdentifier=ABCDE12345"
        echo "export PassGrains__PassTypes__0__CertificatePath=$state/certs/pass.p12 PassGrains__PassTypes__0__CertificatePassword=dev"
        echo "export PassGrains__PassTypes__0__WwdrPath=$state/certs/wwdr.pem PassGrains__Apns__Enabled=\${PassGrains__Apns__Enabled:-false}"
      fi
      [ -n "${PassGrains__IssuerApiKeys__0:-}" ] || echo "export PassGrains__IssuerApiKeys__0=local-cluster-issuer-key"
      # Silos admit each other by mutual TLS with one cluster certificate (unless the caller gives its own).
      if [ -z "${PassGrains__Cluster__Certificate__Path:-}" ] && [ "${PassGrains__Cluster__AllowInsecure:-}" != "true" ]; then
        dotnet "$cli_dll" certs cluster --out "$state/cluster" >/dev/null
        echo "export PassGrains__Cluster__Certificate__Path=$state/cluster/cluster.p12"
      fi
    } > "$state/env"
    urls=""
    for i in $(seq 1 "$n"); do start_silo "$i"; urls="$urls,http://127.0.0.1:$((lb_port + i))/"; done
    (exec setsid dotnet "$lb_dll" --urls "http://127.0.0.1:$lb_port" --silos "${urls#,}" >"$state/lb.log" 2>&1) &
    echo $! > "$state/lb.pid"
    wait_for "http://127.0.0.1:$lb_port/alive"
    echo "lb http://127.0.0.1:$lb_port/"
    ;;
  down)
    for pid in "$state"/*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true; done
    # Graceful stop (in-flight requests finish, silos leave the membership), then no mercy after 30 s.
    for _ in $(seq 1 60); do
      alive=0; for pid in "$state"/*.pid; do [ -f "$pid" ] && kill -0 "$(cat "$pid")" 2>/dev/null && alive=1; done
      [ "$alive" = 0 ] && break; sleep 0.5
    done
    for pid in "$state"/*.pid; do [ -f "$pid" ] && kill -9 "$(cat "$pid")" 2>/dev/null || true; done
    if [ -d "$state/pg/data" ]; then bin=$(pg_bin); su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$state/pg/data' -m fast stop" >/dev/null 2>&1 || true; fi
    rm -rf "$state"
    echo "down"
    ;;
  kill)
    i=${2:?usage: cluster.sh kill I}
    kill -9 "$(cat "$state/silo$i.pid")" && echo "silo$i killed"
    ;;
  start)
    start_silo "${2:?usage: cluster.sh start I}"
    ;;
  *)
    sed -n "2,14p" "$0"; exit 2
    ;;
esac
