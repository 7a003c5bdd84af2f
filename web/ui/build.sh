#!/usr/bin/env bash
# Builds the UI into $1 with the system's node/npm: npm ci from package-lock.json (only when the lock changed),
# then esbuild bundles src/ + xterm.js into content-hashed files and writes index.html and the asset list.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:?usage: build.sh OUTDIR}
command -v npm >/dev/null || { echo "the web UI needs node and npm (scripts/deps.sh installs them)" >&2; exit 1; }
if ! cmp -s package-lock.json node_modules/.berth-lock 2>/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.berth-lock
fi
exec node build.mjs "$out"
