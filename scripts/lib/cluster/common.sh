# shellcheck shell=bash
# Shared by scripts/build-tools and scripts/cluster: where the pinned Kubernetes tools live.
# Sourced, never run. Needs scripts/lib/env.sh sourced first (PERISCOPE_ROOT, PERISCOPE_CACHE, log, die).

# Bump when the way binaries are built changes (flags, layout), so old caches are not reused.
KUBE_RECIPE=2
KUBE_TOOLS_DIR="$PERISCOPE_ROOT/tools/kube"
KUBE_CACHE="$PERISCOPE_CACHE/kube"

# name:wrapper-dir:package — the control plane (a failure here fails the build).
KUBE_CORE_TOOLS=(
  "kube-apiserver:kubernetes:k8s.io/kubernetes/cmd/kube-apiserver"
  "kube-controller-manager:kubernetes:k8s.io/kubernetes/cmd/kube-controller-manager"
  "kube-scheduler:kubernetes:k8s.io/kubernetes/cmd/kube-scheduler"
  "kubectl:kubernetes:k8s.io/kubernetes/cmd/kubectl"
  "etcd:etcd:go.etcd.io/etcd/server/v3"
  "kwok:kwok:sigs.k8s.io/kwok/cmd/kwok"
)
# The real node (`scripts/cluster up --real-node`): built only when asked for (`build-tools --node`),
# so a plain `cluster up` never pays for it. Same wrapper module and pins as the control plane.
# shellcheck disable=SC2034 # used by scripts/build-tools and scripts/lib/cluster/real-node.sh
KUBE_NODE_TOOLS=(
  "kubelet:kubernetes:k8s.io/kubernetes/cmd/kubelet"
)
# Peers for benchmarks: a failure is printed and recorded, never fatal.
# shellcheck disable=SC2034 # used by scripts/build-tools
KUBE_PEER_TOOLS=(
  "cue:peers/cue:cuelang.org/go/cmd/cue"
  "timoni:peers/timoni:github.com/stefanprodan/timoni/cmd/timoni"
  "k8sgpt:peers/k8sgpt:github.com/k8sgpt-ai/k8sgpt"
)

# kube_pins_hash: 12 hex chars over the recipe, the Go version and every wrapper go.mod.
# Comment lines are ignored. go.sum is left out on purpose: it only records checksums; the versions built follow from the
# go.mod files alone (minimal version selection over immutable published modules).
kube_pins_hash() {
  local goversion
  goversion="$(go env GOVERSION 2>/dev/null || echo none)"
  {
    echo "recipe=$KUBE_RECIPE go=$goversion"
    (cd "$KUBE_TOOLS_DIR" && find . -name go.mod | LC_ALL=C sort | while read -r f; do
      echo "== $f"; grep -v '^[[:space:]]*//' "$f"; done)
  } | sha256sum | cut -c1-12
}

# kube_bin_dir: the cache folder holding the binaries for the current pins.
kube_bin_dir() { echo "$KUBE_CACHE/$(kube_pins_hash)/bin"; }

# kube_core_missing BIN_DIR: prints the control-plane binaries not yet built there.
kube_core_missing() {
  local entry name
  for entry in "${KUBE_CORE_TOOLS[@]}"; do
    name="${entry%%:*}"
    [ -x "$1/$name" ] || echo "$name"
  done
}

# kube_node_missing BIN_DIR: prints the real-node binaries not yet built there.
kube_node_missing() {
  local entry name
  for entry in "${KUBE_NODE_TOOLS[@]}"; do
    name="${entry%%:*}"
    [ -x "$1/$name" ] || echo "$name"
  done
}
