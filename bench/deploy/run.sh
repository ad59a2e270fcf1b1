#!/usr/bin/env bash
# Deploy benchmark: Periscope's engine (render with the real cue + server-side diff + apply + wait)
# versus `timoni apply` of the same module, values and cluster, side by side with the ratio; then
# both again without readiness waits (the engine's wait: false, `timoni apply --wait=false`), so the
# engine's own cost is visible apart from waiting (Periscope watches, timoni polls).
#
# Usage: bench/deploy/run.sh [iterations]        (default 3; each iteration = fresh install + one upgrade, with and without waits)
# Needs: a running local cluster (./scripts/cluster up) or PERISCOPE_KUBECONFIG; cue and timoni
# from ./scripts/build-tools (or PERISCOPE_CUE_BIN / PERISCOPE_TIMONI_BIN). Without timoni the
# Periscope column is still measured and the peer column says why it is missing.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib/env.sh"
ensure_node
if [ -z "${PERISCOPE_KUBECONFIG:-}" ]; then
  [ -x "$PERISCOPE_ROOT/scripts/cluster" ] || die "set PERISCOPE_KUBECONFIG to a cluster's kubeconfig"
  "$PERISCOPE_ROOT/scripts/cluster" status >/dev/null 2>&1 \
    || die "the local cluster is not running: start it with ./scripts/cluster up, or set PERISCOPE_KUBECONFIG"
  PERISCOPE_KUBECONFIG="$("$PERISCOPE_ROOT/scripts/cluster" kubeconfig)"
fi
export PERISCOPE_KUBECONFIG
cd "$PERISCOPE_ROOT"
exec node -r @backstage/cli/config/nodeTransform.cjs bench/deploy/bench.ts "${1:-3}"
