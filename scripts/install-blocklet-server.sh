#!/usr/bin/env bash
# Install the real Blocklet Server (@blocklet/cli 1.17.12) for the end-to-end deploy tests.
#
# Idempotent and cached outside the repository in
#   ${BLOCKLET_TEST_CACHE:-$HOME/.cache/blocklet-cli-tests}/server
# A second run only checks the stamp file (well under a second).
#
# - sharp is overridden to 0.33.5: its binary and libvips come from npm packages, so the install
#   works with --ignore-scripts and no download from GitHub (0.32.6 crash-loops the service).
# - sqlite3 is rebuilt from source with the local Node headers (no header download needed).
# - Debian packages the tests need (iproute2 for `ip netns`, a C++ toolchain for sqlite3) are
#   installed when missing and when we are root.
set -euo pipefail
CACHE="${BLOCKLET_TEST_CACHE:-$HOME/.cache/blocklet-cli-tests}"
SERVER_DIR="$CACHE/server"
STAMP="$SERVER_DIR/.installed-1.17.12-sharp0.33.5-v1"
log() { echo "install-blocklet-server: $*" >&2; }

if [ -f "$STAMP" ] && [ -d "$SERVER_DIR/node_modules/@blocklet/cli" ]; then
  log "ready in $SERVER_DIR"
  exit 0
fi

# Debian packages: install only what is missing, only as root with apt-get available.
missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v make >/dev/null || missing+=(make)
command -v g++ >/dev/null || missing+=(g++)
command -v python3 >/dev/null || missing+=(python3)
command -v node >/dev/null || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    log "missing tools (${missing[*]}); install them or run as root"; exit 1
  fi
fi

# Node headers for node-gyp: use the ones installed with node, so nothing is downloaded from
# nodejs.org (Debian's own nodejs keeps them in libnode-dev).
NODE_PREFIX="$(dirname "$(dirname "$(command -v node)")")"
if [ -z "${npm_config_nodedir:-}" ]; then
  if [ ! -f "$NODE_PREFIX/include/node/node.h" ] && [ ! -f /usr/include/node/node.h ] \
     && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && dpkg -s nodejs 2>/dev/null | grep -q dfsg; then
    log "installing libnode-dev (Node headers for the sqlite3 build)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnode-dev >/dev/null || true
  fi
  for prefix in "$NODE_PREFIX" /usr; do
    if [ -f "$prefix/include/node/node.h" ]; then export npm_config_nodedir="$prefix"; break; fi
  done
fi

mkdir -p "$SERVER_DIR"
cd "$SERVER_DIR"
cat > package.json <<'JSON'
{ "name": "blocklet-cli-test-server", "private": true,
  "dependencies": { "@blocklet/cli": "1.17.12" },
  "overrides": { "sharp": "0.33.5" } }
JSON
start=$(date +%s)
log "installing @blocklet/cli 1.17.12 into $SERVER_DIR (about 3 minutes, ~900 MB)"
npm install --ignore-scripts --no-audit --no-fund --loglevel=error
log "rebuilding sqlite3 from source${npm_config_nodedir:+ (node headers: $npm_config_nodedir)}"
npm rebuild sqlite3 --loglevel=error
vips="$(node -e "console.log(require('sharp').versions.vips)")"
node -e "require('sqlite3')"
log "sharp libvips $vips, sqlite3 loads; took $(( $(date +%s) - start )) s"
touch "$STAMP"
log "ready in $SERVER_DIR"
