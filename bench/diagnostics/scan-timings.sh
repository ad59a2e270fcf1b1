#!/usr/bin/env bash
# Where the time of a live diagnostics scan goes: per request start, time-to-first-byte, end and
# decode time, then the analysis time (see scan-timings.ts). Complements run.sh, which times the
# whole CLI against k8sgpt.
#
# Usage: PERISCOPE_KUBECONFIG=<kubeconfig> bench/diagnostics/scan-timings.sh [--pods failing|all] [--workloads failing|all] [--events none|warnings|all] [--filter Analyzer,...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
ensure_node

[ -n "${PERISCOPE_KUBECONFIG:-}" ] || die "set PERISCOPE_KUBECONFIG to the kubeconfig of the cluster to scan (./scripts/cluster kubeconfig prints it)"
[ -r "$PERISCOPE_KUBECONFIG" ] || die "PERISCOPE_KUBECONFIG=$PERISCOPE_KUBECONFIG is not a readable file"
DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/periscope-bench-diagnostics}"
mkdir -p "$DIR"
"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/diagnostics/scan-timings.ts" --bundle --platform=node --target=node22 --alias:punycode=punycode/ \
  --outfile="$DIR/scan-timings.js" --log-level=error \
  || die "esbuild could not bundle bench/diagnostics/scan-timings.ts (are dependencies installed?)"
node "$DIR/scan-timings.js" --kubeconfig "$PERISCOPE_KUBECONFIG" "$@"
