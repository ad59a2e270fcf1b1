#!/usr/bin/env bash
# Health-scan benchmark: one background scan of a large cluster (the `scale` seed profile of
# ./scripts/cluster: 5,000 pods, 1,000 Deployments) by the Health backend's scan code, in
# process (scanClusters of plugins/k8s-diagnostics-backend, the scan its scheduled task runs:
# the default analyzers, k8sgpt-operator Results, row-first reads), beside
# `periscope diagnose --kubeconfig` with the same analyzers on the same cluster. Each run is a
# fresh Node process (bundled with esbuild, as the CLI is installed); one untimed warm-up of each,
# then ROUNDS interleaved rounds. Prints the median wall time of the scan (after loading), the API
# requests it sent (counted where Node sends them), the peak RSS of its process (maxRSS) and the
# finding counts, and whether the goal is met: the Health scan within 1.5 x the CLI's time, and
# under 300 MiB.
#
# The cluster is the operator's: this script reads it and changes nothing. Seed it first, e.g. a
# second local control plane on ports of its own beside the default one:
#   PERISCOPE_CLUSTER_DIR=/tmp/scale-cluster PERISCOPE_APISERVER_PORT=28443 PERISCOPE_ETCD_CLIENT_PORT=28379 \
#   PERISCOPE_ETCD_PEER_PORT=28380 PERISCOPE_KCM_PORT=28257 PERISCOPE_SCHEDULER_PORT=28259 \
#   PERISCOPE_KWOK_PORT=28247 PERISCOPE_KUBECTL_PROXY_PORT=28001 \
#     sh -c './scripts/cluster up && ./scripts/cluster seed --profile scale'
# (or simply ./scripts/cluster up && ./scripts/cluster seed --profile scale), then
#   PERISCOPE_KUBECONFIG=<its kubeconfig> bench/health-scan/run.sh [rounds]     (default 3)
# Env: BENCH_DIR  scratch folder (default: a temporary one, removed at the end)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
ensure_node

ROUNDS="${1:-3}"
[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -gt 0 ]] || die "rounds must be a whole number of at least 1, not '$ROUNDS'"
KUBECONFIG_PATH="${PERISCOPE_KUBECONFIG:-}"
[ -n "$KUBECONFIG_PATH" ] || die "set PERISCOPE_KUBECONFIG to the kubeconfig of a cluster seeded with the scale profile (./scripts/cluster up && ./scripts/cluster seed --profile scale; ./scripts/cluster kubeconfig prints the path)"
[ -r "$KUBECONFIG_PATH" ] || die "PERISCOPE_KUBECONFIG=$KUBECONFIG_PATH is not a readable file"

if [ -n "${BENCH_DIR:-}" ]; then DIR="$BENCH_DIR"; mkdir -p "$DIR"; KEEP=1
else DIR="$(mktemp -d "${TMPDIR:-/tmp}/periscope-bench-health-scan.XXXXXX")"; KEEP=0; fi
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$DIR"; }
trap cleanup EXIT

"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/health-scan/driver.ts" --bundle --platform=node --target=node22 \
  --alias:punycode=punycode/ --external:better-sqlite3 --external:pg --external:mysql2 --external:sqlite3 \
  --outfile="$DIR/driver-bundle.js" --log-level=error \
  || die "esbuild could not bundle bench/health-scan/driver.ts (are dependencies installed?)"
printf "require('node:module').enableCompileCache?.();\nrequire('./driver-bundle.js');\n" > "$DIR/driver.js"

# What the cluster holds (a Table of pods per namespace is what the scan reads first).
node -e '
const { KubeConfig, CoreV1Api } = require(process.argv[2]);
const kc = new KubeConfig(); kc.loadFromFile(process.argv[1]);
kc.makeApiClient(CoreV1Api).listPodForAllNamespaces({ limit: 10000 }).then(l => {
  const by = {}; for (const p of l.items) by[p.status.phase] = (by[p.status.phase] || 0) + 1;
  const ns = new Set(l.items.map(p => p.metadata.namespace)).size;
  console.log(`cluster: ${l.items.length} pods in ${ns} namespaces (${Object.entries(by).map(([k, v]) => `${v} ${k}`).join(", ")})`);
  if (l.items.length < 5000) console.log("note: fewer than 5,000 pods: seed the scale profile (./scripts/cluster seed --profile scale) for the figures the goal is about");
}).catch(e => { console.error(`cannot list the pods of ${process.argv[1]}: ${e.message}`); process.exit(1); });
' "$KUBECONFIG_PATH" "$(cd "$ROOT/plugins/k8s-diagnostics-node" && node -p 'require.resolve("@kubernetes/client-node")')" \
  || die "the cluster of $KUBECONFIG_PATH does not answer"

log "warm-up: one untimed run of each"
node "$DIR/driver.js" one health "$KUBECONFIG_PATH" >/dev/null || die "the Health scan failed (above)"
node "$DIR/driver.js" one cli "$KUBECONFIG_PATH" >/dev/null || die "periscope diagnose failed (above)"
: >"$DIR/runs.jsonl"
for ((i = 1; i <= ROUNDS; i++)); do
  log "round $i of $ROUNDS"
  node "$DIR/driver.js" one health "$KUBECONFIG_PATH" >>"$DIR/runs.jsonl" || die "the Health scan failed (above)"
  node "$DIR/driver.js" one cli "$KUBECONFIG_PATH" >>"$DIR/runs.jsonl" || die "periscope diagnose failed (above)"
done
node "$DIR/driver.js" table "$DIR/runs.jsonl"
