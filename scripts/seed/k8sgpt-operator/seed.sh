# shellcheck shell=bash
# Sourced by scripts/lib/cluster/seed.sh: installs the k8sgpt-operator Result CRD and the Results the
# operator would have written about the shop scenarios (see SOURCES.md). Uses kube, log and die.

K8SGPT_OPERATOR_SEED_DIR="$PERISCOPE_ROOT/scripts/seed/k8sgpt-operator"
K8SGPT_OPERATOR_NAMESPACE=k8sgpt-operator-system

# render_k8sgpt_results FILE: FILE with {{pod:SEL}} / {{pod-stripped:SEL}} replaced by the live pod names in shop.
render_k8sgpt_results() {
  local file="$1" out sel pod sels
  out="$(cat "$file")"
  sels="$(grep -v '^#' "$file" | grep -o '{{pod:[^}]*}}' | sort -u | sed 's/^{{pod:\(.*\)}}$/\1/')"
  while IFS= read -r sel; do
    [ -n "$sel" ] || continue
    pod="$(kube get pods -n shop -l "$sel" -o 'jsonpath={.items[0].metadata.name}' 2>/dev/null || true)"
    [ -n "$pod" ] || die "cluster seed: step 'k8sgpt-operator Results' failed: no pod in namespace shop matches '$sel' (named in $file). Seed the shop scenarios first, or regenerate the file with $K8SGPT_OPERATOR_SEED_DIR/generate.sh."
    out="${out//"{{pod:$sel}}"/$pod}"
    out="${out//"{{pod-stripped:$sel}}"/${pod//-/}}"
  done <<<"$sels"
  printf '%s\n' "$out"
}

seed_k8sgpt_operator() {
  local l="$CLUSTER_DIR/logs/seed.log" n rendered keep old
  log "installing the k8sgpt-operator Result CRD and Results ($K8SGPT_OPERATOR_SEED_DIR)"
  kube apply --server-side --force-conflicts -f "$K8SGPT_OPERATOR_SEED_DIR/core.k8sgpt.ai_results.yaml" >>"$l" 2>&1 \
    || { tail -n 15 "$l" >&2; die "cluster seed: step 'k8sgpt-operator CRD' failed; read $l."; }
  kube wait --for=condition=Established --timeout=60s crd/results.core.k8sgpt.ai >>"$l" 2>&1 \
    || { tail -n 15 "$l" >&2; die "cluster seed: step 'k8sgpt-operator CRD' failed: results.core.k8sgpt.ai was not Established within 60 s; read $l and kube-apiserver.log."; }
  kube create namespace "$K8SGPT_OPERATOR_NAMESPACE" --dry-run=client -o yaml | kube apply --server-side -f - >>"$l" 2>&1 \
    || { tail -n 15 "$l" >&2; die "cluster seed: step 'k8sgpt-operator namespace' failed; read $l."; }
  rendered="$(render_k8sgpt_results "$K8SGPT_OPERATOR_SEED_DIR/results.yaml")" || exit 1
  printf '%s\n' "$rendered" | kube apply --server-side --force-conflicts -f - >>"$l" 2>&1 \
    || { tail -n 15 "$l" >&2; die "cluster seed: step 'k8sgpt-operator Results' failed; read $l. Fix $K8SGPT_OPERATOR_SEED_DIR/results.yaml (or regenerate it with generate.sh)."; }
  # Like the operator, delete its Results that the analysis no longer yields (e.g. pods replaced since
  # the last seed), after the apply, so a reader never sees the set empty. Result names have no '/'.
  keep="$(printf '%s\n' "$rendered" | sed -n 's/^  name: "\([^"/]*\)"$/\1/p')"
  for old in $(kube get results.core.k8sgpt.ai -n "$K8SGPT_OPERATOR_NAMESPACE" -l k8sgpts.k8sgpt.ai/name=k8sgpt-shop -o 'jsonpath={.items[*].metadata.name}'); do
    grep -qxF "$old" <<<"$keep" || kube delete results.core.k8sgpt.ai -n "$K8SGPT_OPERATOR_NAMESPACE" "$old" >>"$l" 2>&1 || true
  done
  n="$(kube get results.core.k8sgpt.ai -n "$K8SGPT_OPERATOR_NAMESPACE" -o name 2>/dev/null | wc -l)"
  log "k8sgpt-operator: $n Results in $K8SGPT_OPERATOR_NAMESPACE"
}
