#!/usr/bin/env bash
# What `make test` needs before it installs anything; runs in a second or two.
# One line per missing thing on stderr and exit 1, or one summary line and exit 0.
#
#   PYTHON                 the interpreter make uses for .venv (default python3): 3.10+ with venv/ensurepip
#   node >= 18, npm        the npm oracles and the real Blocklet Server (scripts/install-*.sh)
#   git                    the tests make real repositories (and clone this one)
#   make, g++              sqlite3 is compiled from source: by the server and test-dapp installs, and on every e2e
#                          run by the real server itself (it installs a compact release's external dependencies)
#   disk                   2 GB free in the cache (~/.cache/blocklet-cli-tests) before the first install
#                          (server ~900 MB, oracles ~60 MB), 1 GB free in the temporary folder
#   root + `ip netns`      the end-to-end tests run the server in a private network namespace; without
#                          them they are skipped (a warning), or this check fails when
#                          BLOCKLET_REQUIRE_E2E is set (.ci/run sets it)
set -uo pipefail
PYTHON="${PYTHON:-python3}"
CACHE="${BLOCKLET_TEST_CACHE:-$HOME/.cache/blocklet-cli-tests}"
TMP="${TMPDIR:-/tmp}"
problems=0
missing() { echo "check-prereqs: $*" >&2; problems=$((problems + 1)); }
free_mb() {  # free MB on the file system holding $1 (or its nearest existing parent)
  local dir="$1"
  while [ ! -d "$dir" ]; do dir="$(dirname "$dir")"; done
  df -Pm "$dir" | awk 'NR == 2 { print $4 }'
}

python_version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)"
if [ -z "$python_version" ]; then
  missing "$PYTHON not found: Python 3.10+ is needed (apt-get install python3 python3-venv)"
elif ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  missing "$PYTHON is $python_version: Python 3.10+ is needed"
elif [ ! -x .venv/bin/python ] && ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  missing "$PYTHON cannot create a virtual environment (apt-get install python3-venv)"
fi

node_version="$(node --version 2>/dev/null)"
if [ -z "$node_version" ]; then
  missing "node not found: Node.js 18+ and npm are needed (apt-get install nodejs npm)"
else
  major="${node_version#v}"; major="${major%%.*}"
  [ "$major" -ge 18 ] 2>/dev/null || missing "node is $node_version: Node.js 18+ is needed"
fi
command -v npm >/dev/null || missing "npm not found (apt-get install npm)"
command -v git >/dev/null || missing "git not found (apt-get install git)"

server_ready=no
compgen -G "$CACHE/server/.installed-*" >/dev/null && [ -d "$CACHE/server/node_modules/@blocklet/cli" ] && server_ready=yes
# the real test dapps (scripts/install-real-dapps.sh): one install per fixture in tests/fixtures/real-dapps
dapps_ready=yes
for fixture in tests/fixtures/real-dapps/*/; do
  compgen -G "$CACHE/real-dapps/$(basename "$fixture")-*/.done" >/dev/null || dapps_ready=no
done
# sqlite3 is compiled on every e2e run too: the server installs the compact release's external dependencies
command -v make >/dev/null || missing "make not found: sqlite3 (server, test dapps, e2e) is compiled (apt-get install make)"
command -v g++ >/dev/null || missing "g++ not found: sqlite3 (server, test dapps, e2e) is compiled (apt-get install g++)"
if [ "$server_ready" = no ] || [ "$dapps_ready" = no ]; then
  need=2048
else
  need=200
fi
cache_free="$(free_mb "$CACHE")"
[ "${cache_free:-0}" -ge "$need" ] || missing "only ${cache_free:-0} MB free for $CACHE; $need MB needed"
tmp_free="$(free_mb "$TMP")"
[ "${tmp_free:-0}" -ge 1024 ] || missing "only ${tmp_free:-0} MB free in $TMP; 1024 MB needed"

e2e=yes
why=""
if [ "$(id -u)" != 0 ]; then
  e2e=no; why="not root (the network namespace needs root)"
elif ! command -v ip >/dev/null; then
  e2e=no; why="\`ip\` not found (apt-get install iproute2)"
else
  probe="bltcheck$$"
  if ip netns add "$probe" 2>/dev/null; then ip netns delete "$probe" 2>/dev/null; else e2e=no; why="\`ip netns add\` fails here"; fi
fi
if [ "$e2e" = no ]; then
  if [ -n "${BLOCKLET_REQUIRE_E2E:-}" ]; then
    missing "end-to-end tests cannot run: $why (BLOCKLET_REQUIRE_E2E is set)"
  else
    echo "check-prereqs: warning: the end-to-end tests against the real Blocklet Server will be skipped: $why" >&2
  fi
fi

if [ "$problems" -gt 0 ]; then
  echo "check-prereqs: $problems missing; see docs/setup.md" >&2
  exit 1
fi
echo "check-prereqs: ok (python $python_version, node $node_version, server installed: $server_ready," \
     "cache ${cache_free} MB free, e2e: $e2e)"
