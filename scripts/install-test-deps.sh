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

# The first-generation migration (`abtnode blocklet:migrate`, npm @abtnode/cli@1.7.7
# lib/commands/blocklet/migrate/) and the parser of legacy sources it runs on (@blocklet/meta@1.7.7), in a
# folder of their own (joi pinned to the release of that time: newer ones reject its file checks). @abtnode/cli has a huge dependency tree: only its migrate/ folder and lib/util/index.js
# (for `fixFiles`) are extracted from the packed tarball; the few packages they require are installed.
LEGACY="$CACHE/legacy-oracles"
mkdir -p "$LEGACY"
if [ ! -f "$LEGACY/.installed-v2" ]; then
  echo "install-test-deps: installing legacy migration oracles into $LEGACY"
  cat > "$LEGACY/package.json" <<'JSON'
{ "name": "blocklet-cli-legacy-oracles", "private": true,
  "dependencies": { "@blocklet/meta": "1.7.7", "fs-extra": "10.1.0", "lodash": "4.17.21", "shelljs": "0.8.5",
                    "chalk": "4.1.2",
                    "joi": "17.6.0" } }
JSON
  (cd "$LEGACY" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
  rm -rf "$LEGACY/abtnode-cli" "$LEGACY/pack" && mkdir -p "$LEGACY/pack"
  (cd "$LEGACY/pack" && npm pack @abtnode/cli@1.7.7 --silent >/dev/null \
     && tar xzf abtnode-cli-1.7.7.tgz package/lib/commands/blocklet/migrate package/lib/util/index.js package/package.json)
  mv "$LEGACY/pack/package" "$LEGACY/abtnode-cli" && rm -rf "$LEGACY/pack"
  touch "$LEGACY/.installed-v2"
fi
echo "install-test-deps: legacy oracles ready in $LEGACY"
