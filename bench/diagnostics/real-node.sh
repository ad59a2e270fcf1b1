#!/usr/bin/env bash
# Which real-kubelet failures each tool reports: `periscope diagnose --kubeconfig` and
# `k8sgpt analyze` (no AI backend, its default analyzers) on the namespace `real-node` of a cluster
# with the real node (scripts/seed/real-node: ImagePullBackOff, CrashLoopBackOff with exit 127 and
# exit 1, OOMKilled, failing liveness and readiness probes, CreateContainerConfigError for a missing
# ConfigMap and a missing Secret key, Init:CrashLoopBackOff, a Job at BackoffLimitExceeded, and a
# healthy control). Prints one row per scenario with what each tool said (or "missed"), then the
# counts: the goal is every scenario k8sgpt reports plus those it does not, and nothing on the
# healthy control. A real kubelet alternates states (ErrImagePull / ImagePullBackOff, a container
# between restarts): both tools run back to back, up to three times, until each scenario shows.
#
# Usage: bench/diagnostics/real-node.sh
# Env:   PERISCOPE_KUBECONFIG  kubeconfig of a cluster started with `./scripts/cluster up --real-node`
#                              and seeded with `./scripts/cluster seed --profile real-node` (root)
#        K8SGPT_BIN            k8sgpt binary (default: $PERISCOPE_CACHE/kube/*/bin/k8sgpt)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
ensure_node

KUBECONFIG_PATH="${PERISCOPE_KUBECONFIG:-}"
[ -n "$KUBECONFIG_PATH" ] && [ -r "$KUBECONFIG_PATH" ] \
  || die "set PERISCOPE_KUBECONFIG to the kubeconfig of a cluster with the real node (as root: ./scripts/cluster up --real-node && ./scripts/cluster seed --profile real-node; the path is printed by ./scripts/cluster kubeconfig)"
K8SGPT="${K8SGPT_BIN:-}"
if [ -z "$K8SGPT" ]; then
  for candidate in "$PERISCOPE_CACHE"/kube/*/bin/k8sgpt; do [ -x "$candidate" ] && K8SGPT="$candidate" && break; done
fi
[ -n "$K8SGPT" ] && [ -x "$K8SGPT" ] || die "no k8sgpt binary: build it with ./scripts/build-tools --peers or set K8SGPT_BIN"
DIR="$(mktemp -d "${TMPDIR:-/tmp}/periscope-bench-real-node.XXXXXX")"
trap 'rm -rf "$DIR"' EXIT

for round in 1 2 3; do
  "$ROOT/scripts/periscope" diagnose --kubeconfig "$KUBECONFIG_PATH" --namespace real-node --output json >"$DIR/periscope.json" 2>"$DIR/periscope.err" \
    || die "periscope diagnose failed: $(cat "$DIR/periscope.err")"
  "$K8SGPT" analyze --kubeconfig "$KUBECONFIG_PATH" --namespace real-node --output json >"$DIR/k8sgpt.json" 2>"$DIR/k8sgpt.err" \
    || die "k8sgpt analyze failed: $(cat "$DIR/k8sgpt.err")"
  if node "$ROOT/bench/diagnostics/real-node-table.js" "$DIR/periscope.json" "$DIR/k8sgpt.json" --round "$round"; then break; fi
done
