#!/usr/bin/env bash
# Install a real Vite dev server (vite 5 + vite-plugin-blocklet, as the create-blocklet templates use) for the
# `blocklet dev` gateway test (tests/cli/test_dev_vite.py).
#
# Idempotent and cached outside the repository in
#   ${BLOCKLET_TEST_CACHE:-$HOME/.cache/blocklet-cli-tests}/vite
set -euo pipefail
CACHE="${BLOCKLET_TEST_CACHE:-$HOME/.cache/blocklet-cli-tests}"
DIR="$CACHE/vite"
STAMP="$DIR/.installed-vite5-v1"
log() { echo "install-vite: $*" >&2; }

if [ -f "$STAMP" ] && [ -f "$DIR/node_modules/vite/bin/vite.js" ]; then
  log "ready in $DIR"
  exit 0
fi
command -v npm >/dev/null || { log "npm is missing (install nodejs and npm)"; exit 1; }
mkdir -p "$DIR"
[ -f "$DIR/package.json" ] || echo '{"name": "blocklet-cli-tests-vite", "private": true}' > "$DIR/package.json"
(cd "$DIR" && npm install --no-audit --no-fund --loglevel=error vite@5 vite-plugin-blocklet)
touch "$STAMP"
log "installed in $DIR"
