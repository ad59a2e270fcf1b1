#!/usr/bin/env bash
# Diagnostics benchmark: times `periscope diagnose --kubeconfig` and the `k8sgpt analyze` binary
# against the same cluster (the `scale` seed profile of ./scripts/cluster), several interleaved
# rounds, and prints both median wall times, the ratio (goal: periscope <= 0.5 x k8sgpt) and both
# finding counts. Both run k8sgpt's 14 core analyzers; k8sgpt runs without an AI backend.
#
# Usage: bench/diagnostics/run.sh [rounds]       (default 5)
# Env:   PERISCOPE_KUBECONFIG  kubeconfig of the cluster (required), e.g.
#          ./scripts/cluster up && ./scripts/cluster seed --profile scale
#          PERISCOPE_KUBECONFIG=$(./scripts/cluster kubeconfig) bench/diagnostics/run.sh
#        K8SGPT_BIN            k8sgpt binary (default: $PERISCOPE_CACHE/kube/*/bin/k8sgpt)
#        BENCH_DIR             scratch folder (default: $TMPDIR/periscope-bench-diagnostics)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
ensure_node

ROUNDS="${1:-5}"
DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/periscope-bench-diagnostics}"
KUBECONFIG_PATH="${PERISCOPE_KUBECONFIG:-}"

[ -n "$KUBECONFIG_PATH" ] || die "set PERISCOPE_KUBECONFIG to the kubeconfig of a cluster seeded with the scale profile (./scripts/cluster up && ./scripts/cluster seed --profile scale; the path is printed by ./scripts/cluster kubeconfig)"
[ -r "$KUBECONFIG_PATH" ] || die "PERISCOPE_KUBECONFIG=$KUBECONFIG_PATH is not a readable file"

K8SGPT="${K8SGPT_BIN:-}"
if [ -z "$K8SGPT" ]; then
  for candidate in "$PERISCOPE_CACHE"/kube/*/bin/k8sgpt; do
    [ -x "$candidate" ] && K8SGPT="$candidate" && break
  done
fi
[ -n "$K8SGPT" ] && [ -x "$K8SGPT" ] || die "no k8sgpt binary: expected $PERISCOPE_CACHE/kube/<version>/bin/k8sgpt (built by scripts/build-tools) or set K8SGPT_BIN to one"

mkdir -p "$DIR"
# Bundle the CLI once, as an installed (built) periscope would run, and the driver.
"$ROOT/node_modules/.bin/esbuild" "$ROOT/packages/cli/src/main.ts" --bundle --platform=node --target=node22 \
  --outfile="$DIR/periscope.js" --log-level=error \
  || die "esbuild could not bundle packages/cli/src/main.ts (are dependencies installed?)"
"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/diagnostics/driver.ts" --bundle --platform=node --target=node22 \
  --outfile="$DIR/driver.js" --log-level=error \
  || die "esbuild could not bundle bench/diagnostics/driver.ts"

node "$DIR/driver.js" --periscope "$DIR/periscope.js" --k8sgpt "$K8SGPT" \
  --kubeconfig "$KUBECONFIG_PATH" --rounds "$ROUNDS"
