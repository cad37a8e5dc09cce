#!/usr/bin/env bash
# Peer run: installs @portkey-ai/gateway from npm into a temporary folder (never into the project),
# then runs the same matrix with BENCH_TARGETS=bastion,portkey so Bastion/Portkey is measured in one
# run against the same fake provider. Extra env (BENCH_DURATION, ...) is passed through.
#   bash bench/peer/portkey.sh            # PORTKEY_VERSION=1.15.2 by default
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="${PORTKEY_VERSION:-1.15.2}"

dir="$(mktemp -d "${TMPDIR:-/tmp}/portkey-peer-XXXXXX")"
trap 'rm -rf "$dir"' EXIT
echo '{ "name": "portkey-peer", "private": true }' > "$dir/package.json"
# --ignore-scripts: the package's postinstall runs patch-package, which the gateway does not need to run.
npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts "@portkey-ai/gateway@$version" >&2

cd "$root"
PORTKEY_DIR="$dir" BENCH_TARGETS="${BENCH_TARGETS:-bastion,portkey}" node --import tsx bench/gateway/run.ts
