#!/usr/bin/env bash
# Walks Apple's pass web service as a Wallet device would, against a running server
# (default: the development server of `dotnet run --project src/PassGrains.Server`), and prints
# each answer next to the one Apple's reference expects. Exit 1 when any differs.
# usage: scripts/try-as-device.sh [BASE_URL] [ISSUER_KEY] [TEMPLATE_ID]
set -euo pipefail
base=${1:-http://localhost:5000}; key=${2:-dev-issuer-key-change-me}; template=${3:-demo}
auth="Authorization: Bearer $key"; json='Content-Type: application/json'
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
failed=0
expect() { # expect WHAT WANT GOT [DETAIL]
  if [ "$2" = "$3" ]; then printf 'ok    %-52s %s %s\n' "$1" "$3" "${4:-}"; else printf 'FAIL  %-52s want %s, got %s %s\n' "$1" "$2" "$3" "${4:-}"; failed=1; fi
}
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
code() { curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@"; }

run=$(date +%s%N); group="try-$run"; serial="try-$run"
expect "PUT /api/groups/$group" 201 "$(code -X PUT "$base/api/groups/$group" -H "$auth" -H "$json" -d "{\"templateId\":\"$template\",\"fields\":{}}")"
expect "POST /api/passes (issue)" 201 "$(code -X POST "$base/api/passes" -H "$auth" -H "$json" -d "{\"templateId\":\"$template\",\"serialNumber\":\"$serial\",\"groupId\":\"$group\"}")"
download=$(field "$work/body" downloadUrl)
expect "GET download link" 200 "$(curl -s -o "$work/p.pkpass" -w '%{http_code}' "$download")"
python3 - "$work/p.pkpass" > "$work/pass.env" <<'PY'
import json, sys, zipfile
p = json.loads(zipfile.ZipFile(sys.argv[1]).read("pass.json"))
print(f"ws={p['webServiceURL'].rstrip('/')}\ntoken={p['authenticationToken']}\npt={p['passTypeIdentifier']}")
PY
. "$work/pass.env"
device=$(python3 -c 'import uuid; print(uuid.uuid4().hex)'); push=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
reg="$ws/v1/devices/$device/registrations/$pt"
expect "register" 201 "$(code -X POST "$reg/$serial" -H "Authorization: ApplePass $token" -H "$json" -d "{\"pushToken\":\"$push\"}")"
expect "register again" 200 "$(code -X POST "$reg/$serial" -H "Authorization: ApplePass $token" -H "$json" -d "{\"pushToken\":\"$push\"}")"
expect "register, wrong token" 401 "$(code -X POST "$reg/$serial" -H "Authorization: ApplePass wrong-token-0123456789" -H "$json" -d "{\"pushToken\":\"$push\"}")"
expect "list" 200 "$(code "$reg")" "$(cat "$work/body")"
tag=$(field "$work/body" lastUpdated)
python3 -c "import json,sys; b=json.load(open(sys.argv[1])); assert isinstance(b['lastUpdated'], str) and sys.argv[2] in b['serialNumbers']" "$work/body" "$serial" \
  && expect "list: serialNumbers holds the pass, lastUpdated a string" yes yes || expect "list: serialNumbers holds the pass, lastUpdated a string" yes no
sleep 1.2 # a tag is never newer than one second before the listing; let that second pass
tag=$(code "$reg" >/dev/null; field "$work/body" lastUpdated)
expect "list since that tag" 204 "$(code "$reg?passesUpdatedSince=$tag")"
expect "PATCH the pass (issuer)" 200 "$(code -X PATCH "$base/api/passes/$pt/$serial" -H "$auth" -H "$json" -d '{"pass":{"relevantDate":"2026-12-31T20:00+01:00"}}')"
expect "list since: changed directly" 200 "$(code "$reg?passesUpdatedSince=$tag")" "$(cat "$work/body")"
sleep 1.2; tag=$(code "$reg" >/dev/null; field "$work/body" lastUpdated)
expect "list since a newer tag" 204 "$(code "$reg?passesUpdatedSince=$tag")"
expect "PUT the group (issuer)" 200 "$(code -X PUT "$base/api/groups/$group" -H "$auth" -H "$json" -d "{\"templateId\":\"$template\",\"fields\":{},\"pass\":{\"logoText\":\"changed\"}}")"
expect "list since: changed through its group" 200 "$(code "$reg?passesUpdatedSince=$tag")" "$(cat "$work/body")"
expect "latest pass" 200 "$(code "$ws/v1/passes/$pt/$serial" -H "Authorization: ApplePass $token")"
modified=$(grep -i '^last-modified:' "$work/headers" | cut -d' ' -f2- | tr -d '\r')
expect "latest pass carries Last-Modified" yes "$([ -n "$modified" ] && echo yes || echo no)" "$modified"
expect "latest pass, If-Modified-Since" 304 "$(code "$ws/v1/passes/$pt/$serial" -H "Authorization: ApplePass $token" -H "If-Modified-Since: $modified")"
expect "latest pass, wrong token" 401 "$(code "$ws/v1/passes/$pt/$serial" -H "Authorization: ApplePass wrong-token-0123456789")"
expect "unregister" 200 "$(code -X DELETE "$reg/$serial" -H "Authorization: ApplePass $token")"
expect "list after unregister" 204 "$(code "$reg")"
expect "log" 200 "$(code -X POST "$ws/v1/log" -H "$json" -d '{"logs":["try-as-device.sh says hello"]}')"
exit $failed
