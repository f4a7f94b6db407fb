#!/usr/bin/env bash
# Batch issuing into SQLite on one node, for A/B runs between builds (docs/benchmarks.md): starts the server of
# the tree ROOT (default: this one), uploads samples/models/event.pass, posts LINES NDJSON lines, waits for the job,
# prints "passes/s" and how many pass.issued events the feed holds.
# usage: scripts/bench-batch.sh [ROOT] [LINES] [PORT]     e.g. farm-bench --vs "scripts/bench-batch.sh /tmp/old" "scripts/bench-batch.sh"
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "${1:-$here}" && pwd); lines=${2:-20000}; port=${3:-5110}
work=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build -c Release "$root/src/PassGrains.Server" -v quiet -nologo >/dev/null
dotnet build -c Release "$here/src/PassGrains.Cli" -v quiet -nologo >/dev/null
dotnet "$here/src/PassGrains.Cli/bin/Release/net10.0/passgrains.dll" certs dev --out "$work/certs" --pass-type-id pass.com.example.event --team-id ABCDE12345 >/dev/null
key=bench-issuer-key-0123456789; B=http://127.0.0.1:$port; A="Authorization: Bearer $key"
ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=$B PassGrains__DataDirectory=$work/data PassGrains__PublicUrl=$B/ \
PassGrains__IssuerApiKeys__0=$key PassGrains__PassTypes__0__Identifier=pass.com.example.event PassGrains__PassTypes__0__TeamIdentifier=ABCDE12345 \
PassGrains__PassTypes__0__CertificatePath=$work/certs/pass.p12 PassGrains__PassTypes__0__CertificatePassword=dev \
PassGrains__PassTypes__0__WwdrPath=$work/certs/wwdr.pem PassGrains__Cluster__SiloPort=$((port + 1000)) Logging__LogLevel__Default=Warning \
  dotnet "$root/src/PassGrains.Server/bin/Release/net10.0/PassGrains.Server.dll" >"$work/server.log" 2>&1 & pid=$!
for _ in $(seq 1 120); do curl -sf -o /dev/null $B/openapi/v1.json && break; sleep 0.5; done
python3 "$here/scripts/zip-model.py" "$here/samples/models/event.pass" "$work/event.zip"
curl -sf -X PUT -H "$A" -H 'Content-Type: application/zip' --data-binary @"$work/event.zip" $B/api/templates/event >/dev/null
python3 "$here/scripts/make-batch.py" "$work/batch.ndjson" "$lines"
start=$(date +%s.%N)
job=$(curl -sf -X POST -H "$A" -H 'Content-Type: application/x-ndjson' --data-binary @"$work/batch.ndjson" $B/api/passes/batch | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
while ! curl -sf -H "$A" $B/api/jobs/$job | grep -q '"completed"'; do sleep 0.2; done
end=$(date +%s.%N)
# The pass.issued events in the feed (a build without GET /api/events says "no feed").
events=$(python3 - "$B" "$key" <<'PY'
import json, sys, urllib.request, urllib.error
base, key, after, issued = sys.argv[1], sys.argv[2], "0", 0
while True:
    request = urllib.request.Request(f"{base}/api/events?after={after}&limit=1000", headers={"Authorization": f"Bearer {key}"})
    try:
        page = json.load(urllib.request.urlopen(request))
    except urllib.error.HTTPError:
        print("no feed"); break
    issued += sum(1 for e in page["events"] if e["type"] == "pass.issued")
    if page["next"] == after:
        print(f"{issued} pass.issued events"); break
    after = page["next"]
PY
)
echo "$(python3 -c "print(f'{$lines/($end-$start):.0f}')") passes/s ($lines lines in $(python3 -c "print(f'{$end-$start:.1f}')") s; feed: $events)"
