#!/usr/bin/env bash
# End-to-end test of the real node (scripts/cluster up --real-node, docs/cluster.md "Real node"):
# up -> node Ready with its taint -> real-node scenario states -> logs through the apiserver ->
# simulated workloads stay off the node -> down leaves nothing (processes, mounts, network
# namespaces, bridge, cgroups, sockets, folders; sysctls restored) -> the same after kubelet and
# containerd were killed. Needs root. Prints "N passed, N failed" last; exits non-zero when anything failed.
# Uses its own state dir and ports (PERISCOPE_REAL_NODE_SELFTEST_PORT_BASE, default 27000), so it does
# not disturb a running cluster; the real node itself is one per machine, so none may be running.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
source "$root/scripts/lib/env.sh"
ensure_node
base="${PERISCOPE_REAL_NODE_SELFTEST_PORT_BASE:-27000}"
state="$(mktemp -d "${TMPDIR:-/tmp}/periscope-real-node-selftest.XXXXXX")"
export PERISCOPE_CLUSTER_DIR="$state/cluster"
export PERISCOPE_ETCD_CLIENT_PORT=$((base + 379)) PERISCOPE_ETCD_PEER_PORT=$((base + 380))
export PERISCOPE_APISERVER_PORT=$((base + 443)) PERISCOPE_KCM_PORT=$((base + 257))
export PERISCOPE_SCHEDULER_PORT=$((base + 259)) PERISCOPE_KWOK_PORT=$((base + 247))
export PERISCOPE_KUBECTL_PROXY_PORT=$((base + 1)) PERISCOPE_SECURITY_KWOK_PORT=$((base + 248))
export PERISCOPE_REAL_NODE_REGISTRY_PORT=$((base + 500)) PERISCOPE_KUBELET_PORT=$((base + 250))
export PERISCOPE_KUBELET_HEALTHZ_PORT=$((base + 251))
cluster="$root/scripts/cluster"
run_dir=/run/periscope/real-node
passed=0 failed=0

check() { # check NAME COMMAND...
  local name="$1"; shift
  if "$@" >"$state/last.out" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     | /' "$state/last.out" | tail -n 25
  fi
}

k() { "$cluster" kubectl "$@"; }
sysctls() { local s; for s in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes; do echo "$s=$(cat "/proc/sys/$s")"; done; }
node_ready() {
  local out
  out="$(k get node periscope-real-0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}/{.status.nodeInfo.kubeletVersion}/{.status.nodeInfo.containerRuntimeVersion}/{.spec.taints[*].key}={.spec.taints[*].value}:{.spec.taints[*].effect}')"
  [ "$out" = "True/v1.35.4/containerd://1.6.20/periscope.dev/real-node=true:NoSchedule" ] || [[ "$out" == True/v1.35.4/containerd://*/periscope.dev/real-node=true:NoSchedule ]] || { echo "$out"; return 1; }
}
status_ok() {
  local out
  out="$("$cluster" status)" || { echo "$out"; return 1; }
  echo "$out"
  for c in real-node-registry containerd kubelet; do grep -Eq "^$c +[0-9]+ .* ok " <<<"$out" || return 1; done
}
# while the container restarts, the kubelet may just have removed the one before it: try for 30 s
previous_log() {
  local i out
  for ((i = 0; i < 15; i++)); do
    out="$(k -n real-node logs deploy/rn-bad-command --previous 2>&1)" && grep -q 'sh: periscope-server: not found' <<<"$out" && return 0
    sleep 2
  done
  echo "$out"
  return 1
}
# six replicas without the toleration: the scheduler spreads them over the simulated nodes only
stays_off() {
  k -n shop create deployment selftest-spread --image=busybox:1.36 --replicas=6 >/dev/null || return 1
  k -n shop rollout status deployment/selftest-spread --timeout=60s >/dev/null || return 1
  local nodes; nodes="$(k -n shop get pods -l app=selftest-spread -o jsonpath='{.items[*].spec.nodeName}')"
  k -n shop delete deployment selftest-spread --wait=false >/dev/null
  [[ "$nodes" != *periscope-real-0* ]] && [ -n "$nodes" ] || { echo "pods on: $nodes"; return 1; }
}
nothing_left() {
  local bad=0 out
  out="$(pgrep -af -- "$PERISCOPE_CLUSTER_DIR|$run_dir" || true)"; [ -z "$out" ] || { echo "processes: $out"; bad=1; }
  out="$(grep -E "$PERISCOPE_CLUSTER_DIR|$run_dir" /proc/self/mountinfo || true)"; [ -z "$out" ] || { echo "mounts: $out"; bad=1; }
  ! ip link show periscope-rn0 >/dev/null 2>&1 || { echo "bridge periscope-rn0 still there"; bad=1; }
  out="$(ls -d /sys/fs/cgroup/*/periscope-real-node 2>/dev/null || true)"; [ -z "$out" ] || { echo "cgroups: $out"; bad=1; }
  [ ! -e "$run_dir" ] || { echo "$run_dir still there"; bad=1; }
  [ ! -e "$PERISCOPE_CLUSTER_DIR" ] || { echo "$PERISCOPE_CLUSTER_DIR still there"; bad=1; }
  out="$(find /run/containerd /var/log/containers /var/lib/cni /var/lib/kubelet -newer "$state/before-up" 2>/dev/null || true)"; [ -z "$out" ] || { echo "files: $out"; bad=1; }
  [ "$(sysctls)" = "$(cat "$state/sysctls-before")" ] || { echo "sysctls: $(sysctls | tr '\n' ' ') (before: $(tr '\n' ' ' <"$state/sysctls-before"))"; bad=1; }
  return "$bad"
}
killed_then_down() {
  kill -KILL "$(cat "$PERISCOPE_CLUSTER_DIR/pids/kubelet.pid")" "$(cat "$PERISCOPE_CLUSTER_DIR/pids/containerd.pid")" || return 1
  sleep 1
  "$cluster" down
}

if [ "$(id -u)" != 0 ]; then
  echo "FAIL the real node needs root"; echo "0 passed, 1 failed"; exit 1
fi
sysctls >"$state/sysctls-before"
touch "$state/before-up"
check "up --real-node" "$cluster" up --real-node
check "node periscope-real-0 Ready (v1.35.4, containerd) with its NoSchedule taint" node_ready
check "status: real-node-registry, containerd and kubelet healthy" status_ok
check "seed --profile real-node (every scenario in its state)" "$cluster" seed --profile real-node
check "previous container log read through the apiserver from the kubelet" previous_log
check "workloads without the toleration stay off the real node" stays_off
check "down" "$cluster" down
check "nothing of the node left after down" nothing_left
check "up --real-node again" "$cluster" up --real-node
check "seed --profile real-node again" "$cluster" seed --profile real-node
check "down after kubelet and containerd were killed" killed_then_down
check "nothing of the node left after that down" nothing_left
# whatever failed above: never leave the node running
"$cluster" down >/dev/null 2>&1
rm -rf "$state" "${PERISCOPE_CLUSTER_DIR%/}.lock"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
