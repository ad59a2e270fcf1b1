#!/usr/bin/env bash
# Regenerates results.yaml from a real k8sgpt analysis of the seeded local cluster.
#   K8SGPT_BIN=/path/to/k8sgpt scripts/seed/k8sgpt-operator/generate.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
[ -x "${K8SGPT_BIN:-}" ] || { echo "generate.sh: set K8SGPT_BIN to the k8sgpt binary (scripts/build-tools builds it under the kube cache)" >&2; exit 1; }
kubeconfig="$("$root/scripts/cluster" kubeconfig)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
HOME="$tmp" "$K8SGPT_BIN" analyze --kubeconfig "$kubeconfig" -n shop -o json >"$tmp/analysis.json" 2>"$tmp/k8sgpt.log" \
  || { cat "$tmp/k8sgpt.log" >&2; echo "generate.sh: k8sgpt analyze failed (above); is the cluster up and seeded?" >&2; exit 1; }
"$root/scripts/cluster" kubectl get pods -n shop -o json >"$tmp/pods.json"
source "$root/scripts/lib/env.sh" && ensure_node
node "$here/generate.mjs" "$tmp/analysis.json" "$tmp/pods.json" >"$tmp/results.yaml"
mv "$tmp/results.yaml" "$here/results.yaml"
echo "wrote $here/results.yaml ($(grep -c '^kind: Result' "$here/results.yaml") Results)"
