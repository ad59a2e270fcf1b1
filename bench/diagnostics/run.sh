#!/usr/bin/env bash
# Diagnostics benchmark: times `periscope diagnose --kubeconfig` and the `k8sgpt analyze` binary
# against the same cluster (the `scale` seed profile of ./scripts/cluster), one untimed warm-up
# and several interleaved rounds, and prints both median wall times and CPU times, the ratio
# (goal: periscope <= 0.5 x k8sgpt) and both finding counts. Both run k8sgpt's 14 core analyzers;
# k8sgpt runs without an AI backend. First it prints what the cluster holds; last, a start-up
# table (each tool without a request, Node alone, @kubernetes/client-node loading a kubeconfig
# alone), which shows how much of periscope's time goes before its first request.
#
# Read the figures with the cluster's state: k8sgpt asks the API server again about objects it
# reports on (the events of each failing pod, of each Service...), one request after another, so
# its wall time grows with the number of failing objects while its CPU time stays small (it
# waits); periscope reads each kind once over one HTTP/2 connection (pods, Deployments and
# ReplicaSets as Table rows, then the failing ones in full; events only of the namespaces its
# analysis looks into), so its time follows the number of objects and namespaces. Measure both
# states:
#   healthy:   ./scripts/cluster up && ./scripts/cluster seed --profile scale
#   failures:  then ./scripts/cluster seed   (adds the scenario workloads and their failures)
#
# Usage: bench/diagnostics/run.sh [rounds]       (default 5)
# Env:   PERISCOPE_KUBECONFIG  kubeconfig of the cluster (required), e.g.
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
# bundle_with_launcher ENTRY NAME: bundles ENTRY (path under the repository) as $DIR/NAME-bundle.js,
# as an installed (built) periscope would run, with the launcher $DIR/NAME.js, which does what
# packages/cli/bin/periscope does when installed: turn on Node's on-disk compile cache, then load
# the bundle (the warm-up round fills the cache, in Node's default folder). The userland punycode
# package stands in for Node's deprecated built-in (which warns when required from outside
# node_modules, as it would be from the bundle).
bundle_with_launcher() {
  "$ROOT/node_modules/.bin/esbuild" "$ROOT/$1" --bundle --platform=node --target=node22 \
    --alias:punycode=punycode/ --outfile="$DIR/$2-bundle.js" --log-level=error \
    || die "esbuild could not bundle $1 (are dependencies installed?)"
  printf "require('node:module').enableCompileCache?.();\nrequire('./%s-bundle.js');\n" "$2" > "$DIR/$2.js"
}
bundle_with_launcher packages/cli/src/main.ts periscope
# client-node alone, bundled as the CLI is, for the start-up table.
bundle_with_launcher bench/diagnostics/kubeconfig-load.ts kubeconfig-load
"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/diagnostics/driver.ts" --bundle --platform=node --target=node22 \
  --outfile="$DIR/driver.js" --log-level=error \
  || die "esbuild could not bundle bench/diagnostics/driver.ts"

# What the cluster holds, so the figures can be read: k8sgpt's time grows with the number of
# failing objects (it asks the API server once more per object it reports on), periscope's with
# the number of objects and namespaces (it reads each kind once).
KUBECTL="$(dirname "$K8SGPT")/kubectl"
if [ -x "$KUBECTL" ]; then
  "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" get pods -A --no-headers -o custom-columns=P:.status.phase 2>/dev/null \
    | sort | uniq -c | awk '{n += $1; s = s sep $1 " " $2; sep = ", "} END {print "cluster: " n " pods (" s ")"}'
  echo "cluster: $("$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" get events -A --no-headers 2>/dev/null | wc -l) events; scenario namespace shop: $("$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" get namespace shop -o name 2>/dev/null | grep -c shop || true)"
fi
node "$DIR/driver.js" --periscope "$DIR/periscope.js" --k8sgpt "$K8SGPT" \
  --kubeconfig "$KUBECONFIG_PATH" --kubeconfig-load "$DIR/kubeconfig-load.js" --rounds "$ROUNDS"
