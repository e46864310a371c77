#!/usr/bin/env bash
# Install and build the real test dapps (tests/fixtures/real-dapps/*) with the real package managers from
# the npm registry, outside the repository: $BLOCKLET_TEST_CACHE/real-dapps/<name>-<hash>/ (the hash covers
# the fixture's files and this recipe), with $BLOCKLET_TEST_CACHE/real-dapps/<name> pointing at the current
# one. Idempotent: a finished install is kept until its fixture changes. The one install script of the one
# dapp harness (tests/real_dapps.py; tests/integration/test_real_dapps.py, tests/e2e/test_real_dapps_server.py,
# benchmarks/real_dapps.py, benchmarks/zip_mode.py).
#
#   harbor-notes-api   npm; sqlite3 (a native addon) compiled from source once per Node ABI and shared; dotenv
#   lantern-vite-dapp  pnpm (installed with npm into the cache); `vite build`
#   tide-nest-api      npm; `tsc`
#   quay-workspace     npm workspaces; the app uses a sibling package
#   node-libs          pnpm; popular server libraries (pino, socket.io, axios, nanoid, …) for the zip tracer
# Tools, in $BLOCKLET_TEST_CACHE/real-dapps/tools: esbuild (what `bundle --compact` fetches) and Bun (what
# Blocklet Server 1.17.12 installs a compact release's external dependencies with), both from npm.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
FIXTURES="$REPO/tests/fixtures/real-dapps"
CACHE="${BLOCKLET_TEST_CACHE:-$HOME/.cache/blocklet-cli-tests}/real-dapps"
RECIPE=2  # tests/real_dapps.py RECIPE
PNPM_VERSION=9.15.0
ESBUILD_VERSION=0.24.2  # blocklet_cli/core/bundle/esbuild.py ESBUILD_VERSION (what `bundle --compact` fetches)
SQLITE3_VERSION=5.1.7
BUN_VERSION=1.2.18  # tests/real_dapps.py BUN_VERSION (ArcBlock/blocklet-server core/state/lib/util/ensure-bun.js)
NPM_FLAGS=(--no-audit --no-fund --loglevel=error)

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

log() { printf 'install-real-dapps: %s\n' "$*" >&2; }

fixture_hash() {  # same algorithm as tests/real_dapps.py:fixture_hash
    { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); echo "recipe $RECIPE"; } \
        | sha256sum | cut -c1-16
}

node_gyp_flags() {  # build against the local Node headers when they are there (no header download)
    local prefix
    prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
    if [ -f "$prefix/include/node/node.h" ]; then
        echo "--nodedir=$prefix"
    fi
}

ensure_pnpm() {
    PNPM="$CACHE/tools/pnpm-$PNPM_VERSION/node_modules/.bin/pnpm"
    if [ ! -x "$PNPM" ]; then
        log "installing pnpm@$PNPM_VERSION with npm"
        mkdir -p "$CACHE/tools/pnpm-$PNPM_VERSION"
        npm install --prefix "$CACHE/tools/pnpm-$PNPM_VERSION" "${NPM_FLAGS[@]}" "pnpm@$PNPM_VERSION" >&2
    fi
}

ensure_sqlite3() {  # compiled once per Node ABI, shared by every install that needs it
    local abi
    abi="$(node -p process.versions.modules)"
    SQLITE3_BUILD="$CACHE/native/sqlite3-$SQLITE3_VERSION-abi$abi"
    if [ ! -f "$SQLITE3_BUILD/.done" ]; then
        log "compiling sqlite3@$SQLITE3_VERSION from source (once)"
        rm -rf "$SQLITE3_BUILD"
        mkdir -p "$SQLITE3_BUILD"
        echo '{"name":"sqlite3-build","private":true}' > "$SQLITE3_BUILD/package.json"
        # shellcheck disable=SC2046
        (cd "$SQLITE3_BUILD" && JOBS=2 npm install "${NPM_FLAGS[@]}" --build-from-source $(node_gyp_flags) \
            "sqlite3@$SQLITE3_VERSION" >&2)
        test -f "$SQLITE3_BUILD/node_modules/sqlite3/build/Release/node_sqlite3.node"
        touch "$SQLITE3_BUILD/.done"
    fi
}

ensure_esbuild() {  # for the tests: `bundle --compact` finds it through ESBUILD_BINARY_PATH
    local dir="$CACHE/tools/esbuild-$ESBUILD_VERSION"
    if [ ! -x "$dir/node_modules/.bin/esbuild" ]; then
        log "installing esbuild@$ESBUILD_VERSION with npm"
        mkdir -p "$dir"
        npm install --prefix "$dir" "${NPM_FLAGS[@]}" "esbuild@$ESBUILD_VERSION" >&2
    fi
}

ensure_bun() {  # for the e2e server: it runs `bun install` for the externals a compact release records
    local dir="$CACHE/tools/bun-$BUN_VERSION"
    if [ ! -x "$dir/node_modules/.bin/bun" ]; then
        log "installing bun@$BUN_VERSION with npm"
        mkdir -p "$dir"
        npm install --prefix "$dir" "${NPM_FLAGS[@]}" "bun@$BUN_VERSION" >&2
    fi
}

recipe() {  # run in the scratch copy of fixture $1
    case "$1" in
        harbor-notes-api)
            ensure_sqlite3
            npm install "${NPM_FLAGS[@]}" --ignore-scripts >&2
            mkdir -p node_modules/sqlite3/build/Release
            cp "$SQLITE3_BUILD/node_modules/sqlite3/build/Release/node_sqlite3.node" node_modules/sqlite3/build/Release/
            node -e "require('sqlite3')" ;;
        lantern-vite-dapp)
            ensure_pnpm
            "$PNPM" install --store-dir "$CACHE/pnpm-store" --config.confirmModulesPurge=false >&2
            "$PNPM" run build >&2 ;;
        tide-nest-api)
            npm install "${NPM_FLAGS[@]}" >&2
            npm run build >&2 ;;
        quay-workspace)
            npm install "${NPM_FLAGS[@]}" >&2 ;;
        node-libs)
            ensure_pnpm
            "$PNPM" install --store-dir "$CACHE/pnpm-store" --config.confirmModulesPurge=false >&2 ;;
        *)
            log "no recipe for $1"; return 1 ;;
    esac
}

ensure_node_headers() {  # native addons compile against them (the tests' and the e2e server's sqlite3 too)
    [ -n "$(node_gyp_flags)" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then  # Debian's nodejs keeps them in libnode-dev
        apt-get install -y -qq libnode-dev >/dev/null 2>&1 || true
    fi
    [ -n "$(node_gyp_flags)" ] || log "warning: no Node headers next to node; node-gyp will try to download them"
}

ensure_node_headers
ensure_esbuild
ensure_bun
for source in "$FIXTURES"/*/; do
    name="$(basename "$source")"
    hash="$(fixture_hash "$source")"
    target="$CACHE/$name-$hash"
    if [ ! -f "$target/.done" ]; then
        log "$name: installing into $target"
        rm -rf "$target" "$target.tmp"
        cp -r "$source" "$target.tmp"
        (cd "$target.tmp" && recipe "$name")
        echo "$hash" > "$target.tmp/.fixture-hash"
        touch "$target.tmp/.done"
        mv "$target.tmp" "$target"
    fi
    ln -sfn "$name-$hash" "$CACHE/$name"
done
log "ready in $CACHE"
