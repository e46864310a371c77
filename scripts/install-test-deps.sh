#!/usr/bin/env bash
# Install what the test suite needs outside Python: the ArcBlock npm packages used as oracles.
# Idempotent; cached outside the repository in $BLOCKLET_TEST_CACHE (default ~/.cache/blocklet-cli-tests).
set -euo pipefail
CACHE="${BLOCKLET_TEST_CACHE:-$HOME/.cache/blocklet-cli-tests}"
ORACLES="$CACHE/oracles"
command -v node >/dev/null || { echo "install-test-deps: node is required (apt-get install nodejs npm)" >&2; exit 1; }
mkdir -p "$ORACLES"
if [ ! -f "$ORACLES/.installed-v3" ]; then
  echo "install-test-deps: installing npm oracles into $ORACLES"
  cat > "$ORACLES/package.json" <<'JSON'
{ "name": "blocklet-cli-oracles", "private": true,
  "dependencies": { "@blocklet/meta": "1.17.12", "@ocap/wallet": "1.29.27", "@ocap/mcrypto": "1.29.27",
                    "@arcblock/did": "1.29.27", "json-stable-stringify": "1.3.0", "ini": "2.0.0",
                    "@arcblock/ipfs-only-hash": "0.0.2" } }
JSON
  (cd "$ORACLES" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
  touch "$ORACLES/.installed-v3"
fi
echo "install-test-deps: oracles ready in $ORACLES/node_modules"
