#!/usr/bin/env bash
# Install the real dapp test projects (tests/fixtures/dapps/*) from the npm registry, once with npm
# and once with pnpm, into $BLOCKLET_TEST_CACHE/dapps (default ~/.cache/blocklet-cli-tests/dapps).
# Each install is keyed by a hash of the project's package.json, the package manager and the Node
# version, so reruns are instant. Native addons (sqlite3) are compiled from source with the local
# Node headers (no prebuilt binary download). pnpm itself is installed with npm into the cache.
# Used by tests/integration/test_real_dapps.py; `make test` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${BLOCKLET_TEST_CACHE:-$HOME/.cache/blocklet-cli-tests}"
DAPPS="$CACHE/dapps"
TOOLS="$CACHE/tools"
PNPM_VERSION=10.34.9
command -v node >/dev/null || { echo "install-dapp-projects: node is required" >&2; exit 1; }
mkdir -p "$DAPPS" "$TOOLS"
if [ ! -x "$TOOLS/node_modules/.bin/pnpm" ] || [ ! -f "$TOOLS/.pnpm-$PNPM_VERSION" ]; then
  echo "install-dapp-projects: installing pnpm $PNPM_VERSION into $TOOLS"
  (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error --no-save "pnpm@$PNPM_VERSION")
  touch "$TOOLS/.pnpm-$PNPM_VERSION"
fi
export PATH="$TOOLS/node_modules/.bin:$PATH"
# compile native addons against the installed Node's headers, never download prebuilt binaries
for nodedir in /usr /usr/local "$(dirname "$(dirname "$(command -v node)")")"; do
  if [ -f "$nodedir/include/node/node_api.h" ]; then export npm_config_nodedir="$nodedir"; break; fi
done
if [ -z "${npm_config_nodedir:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -qq libnode-dev >/dev/null 2>&1 || true  # Debian's nodejs keeps its headers there
  [ -f /usr/include/node/node_api.h ] && export npm_config_nodedir=/usr
fi
export npm_config_build_from_source=true
NODE_VERSION="$(node --version)"
for project in tests/fixtures/dapps/*/; do
  name="$(basename "$project")"
  for manager in npm pnpm; do
    key="$( { cat "$project/package.json"; echo "$manager $PNPM_VERSION $NODE_VERSION"; } | sha256sum | cut -c1-16)"
    target="$DAPPS/$name-$manager-$key"
    if [ -f "$target/.installed" ]; then
      echo "install-dapp-projects: $name ($manager) ready in $target"
      continue
    fi
    rm -rf "$target" "$target.tmp"
    mkdir -p "$target.tmp"
    cp "$project/package.json" "$target.tmp/"
    echo "install-dapp-projects: installing $name with $manager into $target (native addons compile from source: minutes)"
    if [ "$manager" = npm ]; then
      (cd "$target.tmp" && npm install --no-audit --no-fund --loglevel=error)
    else
      (cd "$target.tmp" && pnpm install --store-dir "$CACHE/pnpm-store" --config.package-import-method=copy \
         --reporter=append-only --loglevel=warn)
    fi
    touch "$target.tmp/.installed"
    mv "$target.tmp" "$target"
    echo "install-dapp-projects: $name ($manager) ready in $target"
  done
done
