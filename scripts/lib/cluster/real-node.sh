# shellcheck shell=bash
# The real node: one kubelet (built from the pinned Kubernetes sources) with containerd + runc and the
# CNI bridge plugin (Debian packages), registered as node periscope-real-0 beside kwok's simulated
# nodes. Started by `scripts/cluster up --real-node` (or PERISCOPE_REAL_NODE=1), stopped by `down`.
# Sourced by scripts/cluster after control-plane.sh. Needs root (containers, cgroups, mounts).
#
# Everything it creates lives in places `down` removes:
#   $CLUSTER_DIR/real-node/           containerd root+state, runc state, netns mounts, kubelet root dir,
#                                     pod logs, CNI config and IPAM data, the image registry's storage
#   $REAL_NODE_RUN (/run/periscope/real-node)   containerd's socket (unix socket paths are short)
#   cgroup $REAL_NODE_CGROUP_ROOT in every v1 hierarchy    the kubelet's pods
#   bridge $REAL_NODE_BRIDGE (CNI, no iptables rules: no masquerade, no portmap)
#   /var/log/containers/*.log         the kubelet's symlinks into the pod log dir (only ours)
#   sysctls the kubelet sets (vm.overcommit_memory, vm.panic_on_oom, kernel.panic, kernel.panic_on_oops,
#   kernel.keys.root_maxkeys, kernel.keys.root_maxbytes): saved by `up`, restored by `down`
# One real node per machine (bridge, cgroup root and socket are machine-wide); `up` refuses a second.

REAL_NODE_NAME="${PERISCOPE_REAL_NODE_NAME:-periscope-real-0}"
REAL_NODE_DIR="$CLUSTER_DIR/real-node"
REAL_NODE_RUN="${PERISCOPE_REAL_NODE_RUN_DIR:-/run/periscope/real-node}"
REAL_NODE_SOCK="$REAL_NODE_RUN/containerd.sock"
REAL_NODE_REGISTRY_PORT="${PERISCOPE_REAL_NODE_REGISTRY_PORT:-16500}"
REAL_NODE_KUBELET_PORT="${PERISCOPE_KUBELET_PORT:-16250}"
REAL_NODE_KUBELET_HEALTHZ_PORT="${PERISCOPE_KUBELET_HEALTHZ_PORT:-16251}"
REAL_NODE_SUBNET="${PERISCOPE_REAL_NODE_SUBNET:-10.250.0.0/24}"
REAL_NODE_BRIDGE="${PERISCOPE_REAL_NODE_BRIDGE:-periscope-rn0}"
REAL_NODE_CGROUP_ROOT="${PERISCOPE_REAL_NODE_CGROUP_ROOT:-/periscope-real-node}"
REAL_NODE_TAINT_KEY=periscope.dev/real-node
REAL_NODE_COMPONENTS=(real-node-registry containerd kubelet)
REAL_NODE_PACKAGES=(containerd runc containernetworking-plugins busybox-static)
REAL_NODE_SYSCTLS=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes)
REAL_NODE_CNI_BIN="${PERISCOPE_REAL_NODE_CNI_BIN:-/usr/lib/cni}"
REAL_NODE_STARTED=0
# paths the kubelet and libcni do not let us move
REAL_NODE_DEVICE_PLUGIN_SOCK=/var/lib/kubelet/device-plugins/kubelet.sock
REAL_NODE_CNI_CACHE=/var/lib/cni/results

real_node_enabled() { [ -f "$REAL_NODE_DIR/enabled" ]; }

real_node_component_port() {
  case "$1" in
    real-node-registry) echo "$REAL_NODE_REGISTRY_PORT" ;;
    containerd) echo "-" ;;
    kubelet) echo "$REAL_NODE_KUBELET_PORT" ;;
  esac
}

real_node_health_url() {
  case "$1" in
    real-node-registry) echo "http://127.0.0.1:$REAL_NODE_REGISTRY_PORT/v2/" ;;
    containerd) echo "unix://$REAL_NODE_SOCK" ;;
    kubelet) echo "http://127.0.0.1:$REAL_NODE_KUBELET_HEALTHZ_PORT/healthz" ;;
  esac
}

real_node_healthy() {
  case "$1" in
    real-node-registry) [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$(real_node_health_url "$1")")" = 200 ] ;;
    containerd) ctr --address "$REAL_NODE_SOCK" --timeout 3s version >/dev/null 2>&1 ;;
    kubelet) [ "$(curl -s --max-time 3 "$(real_node_health_url "$1")")" = ok ] ;;
  esac
}

# real_node_wait NAME: like wait_healthy, for the real node's components
real_node_wait() {
  local name="$1" deadline=$((SECONDS + CLUSTER_TIMEOUT))
  while ! real_node_healthy "$name"; do
    component_pid "$name" >/dev/null || fail "start $name" "$CLUSTER_DIR/logs/$name.log" \
      "$name exited during start-up; read its log above (docs/cluster.md, 'Real node')."
    [ "$SECONDS" -lt "$deadline" ] || fail "wait for $name" "$CLUSTER_DIR/logs/$name.log" \
      "$name did not report healthy at $(real_node_health_url "$name") within ${CLUSTER_TIMEOUT} s; read its log. On a slow machine raise PERISCOPE_CLUSTER_TIMEOUT."
    sleep 0.3
  done
}

# real_node_packages: installs the Debian packages the node runs on when a binary is missing
real_node_packages() {
  local missing=() l="$CLUSTER_DIR/logs/real-node-apt.log"
  command -v containerd >/dev/null && command -v ctr >/dev/null && command -v containerd-shim-runc-v2 >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || [ -x /usr/sbin/runc ] || missing+=(runc)
  [ -x "$REAL_NODE_CNI_BIN/bridge" ] && [ -x "$REAL_NODE_CNI_BIN/host-local" ] && [ -x "$REAL_NODE_CNI_BIN/loopback" ] || missing+=(containernetworking-plugins)
  [ -x /bin/busybox ] && ! LC_ALL=C readelf -l /bin/busybox 2>/dev/null | grep -q 'program interpreter' || missing+=(busybox-static)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || fail "install real-node packages" "" \
    "missing: ${missing[*]}; this needs Debian's apt-get (or install the packages ${REAL_NODE_PACKAGES[*]} yourself)."
  log "installing Debian packages for the real node: ${missing[*]} (log: $l)"
  { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }
  } >"$l" 2>&1 || fail "install real-node packages" "$l" "apt-get could not install ${missing[*]}; read the log (a stale package list is refreshed once with apt-get update)."
}

# real_node_check_machine: the things this node cannot run without, each with its own message
real_node_check_machine() {
  [ "$(id -u)" = 0 ] || fail "check real-node prerequisites" "" "the real node needs root (containers, cgroups, mounts, a bridge). Run as root, or leave out --real-node."
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || fail "check real-node prerequisites" "" "no memory cgroup controller under /sys/fs/cgroup; the kubelet cannot enforce memory limits here."
  grep -qw overlay /proc/filesystems || fail "check real-node prerequisites" "" "the kernel has no overlay filesystem; containerd's overlayfs snapshotter needs it."
  if [ -f "$REAL_NODE_RUN/owner" ] && [ "$(cat "$REAL_NODE_RUN/owner")" != "$CLUSTER_DIR" ]; then
    local other; other="$(cat "$REAL_NODE_RUN/owner")"
    if [ -d "$other/real-node" ]; then
      fail "check real-node prerequisites" "" "another cluster ($other) runs the real node on this machine (one per machine). Run PERISCOPE_CLUSTER_DIR=$other scripts/cluster down first."
    fi
  fi
  ip link show "$REAL_NODE_BRIDGE" >/dev/null 2>&1 && [ ! -f "$REAL_NODE_RUN/owner" ] \
    && fail "check real-node prerequisites" "" "the bridge $REAL_NODE_BRIDGE exists but no real node owns it; remove it (ip link del $REAL_NODE_BRIDGE) or set PERISCOPE_REAL_NODE_BRIDGE."
  local pair var port
  for pair in "PERISCOPE_REAL_NODE_REGISTRY_PORT:$REAL_NODE_REGISTRY_PORT" "PERISCOPE_KUBELET_PORT:$REAL_NODE_KUBELET_PORT" \
    "PERISCOPE_KUBELET_HEALTHZ_PORT:$REAL_NODE_KUBELET_HEALTHZ_PORT"; do
    var="${pair%%:*}" port="${pair##*:}"
    check_port_free "$var" "$port"
  done
}

# real_node_ip: the address other components reach the kubelet on: the source address of the
# default route (the kubelet refuses loopback node IPs)
real_node_ip() {
  local ip
  ip="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n 1)"
  [ -n "$ip" ] || ip="$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -n 1)"
  echo "$ip"
}

real_node_cert() {
  local p="$CLUSTER_DIR/pki" d="$REAL_NODE_DIR/pki" l="$CLUSTER_DIR/logs/real-node-pki.log"
  mkdir -p "$d"
  {
    openssl req -newkey rsa:2048 -nodes -keyout "$d/kubelet-client.key" -out "$d/kubelet-client.csr" \
      -subj "/O=system:nodes/CN=system:node:$REAL_NODE_NAME"
    printf '%s\n' "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature,keyEncipherment" >"$d/client.ext"
    openssl x509 -req -in "$d/kubelet-client.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
      -extfile "$d/client.ext" -out "$d/kubelet-client.crt"
  } >"$l" 2>&1 || fail "real node: client certificate" "$l" "openssl failed; read the log."
  chmod 600 "$d"/*.key
  cat >"$REAL_NODE_DIR/kubelet.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: periscope-local
  cluster:
    server: https://127.0.0.1:$CLUSTER_APISERVER_PORT
    certificate-authority: $p/ca.crt
users:
- name: $REAL_NODE_NAME
  user:
    client-certificate: $d/kubelet-client.crt
    client-key: $d/kubelet-client.key
contexts:
- name: kubelet
  context: {cluster: periscope-local, user: $REAL_NODE_NAME}
current-context: kubelet
EOF
  chmod 600 "$REAL_NODE_DIR/kubelet.kubeconfig"
}

real_node_start_registry() {
  local bin="${PERISCOPE_REGISTRY_BIN:-/usr/bin/docker-registry}" d="$REAL_NODE_DIR/registry"
  [ -x "$bin" ] || fail "real node: image registry" "" "$bin is missing: apt-get install -y docker-registry (the OCI registry the tests use too)."
  mkdir -p "$d/storage"
  {
    printf '%s\n' 'version: 0.1' 'log:' '  level: warn' '  accesslog:' '    disabled: true' 'storage:' '  filesystem:' \
      "    rootdirectory: $d/storage" '  delete:' '    enabled: true' 'http:' "  addr: 127.0.0.1:$REAL_NODE_REGISTRY_PORT" \
      "  secret: periscope-real-node-$RANDOM$RANDOM"
  } >"$d/config.yml"
  start_component real-node-registry "$bin" serve "$d/config.yml"
  real_node_wait real-node-registry
  local l="$CLUSTER_DIR/logs/real-node-images.log"
  real_node_push_images "http://127.0.0.1:$REAL_NODE_REGISTRY_PORT" "$REAL_NODE_DIR/images" >"$l" 2>&1 \
    || fail "real node: build and push images" "$l" "the busybox-static image could not be built or pushed; read the log."
}

real_node_write_containerd_config() {
  local d="$REAL_NODE_DIR" reg="127.0.0.1:$REAL_NODE_REGISTRY_PORT" host
  mkdir -p "$d/containerd/root" "$d/containerd/state" "$d/runc" "$d/cni/net.d" "$d/cni/ipam" "$d/certs.d" "$REAL_NODE_RUN"
  # every public registry a manifest may name resolves to the local one (and only to it: a missing
  # image or tag fails as "not found", as it would against the real registry)
  for host in docker.io registry.k8s.io quay.io ghcr.io gcr.io registry-1.docker.io "$reg"; do
    mkdir -p "$d/certs.d/$host"
    printf 'server = "http://%s"\n\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' "$reg" "$reg" >"$d/certs.d/$host/hosts.toml"
  done
  cat >"$d/containerd/config.toml" <<EOF
version = 2
root = "$d/containerd/root"
state = "$d/containerd/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "$REAL_NODE_SOCK"

[ttrpc]
  address = "$REAL_NODE_SOCK.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  netns_mounts_under_state_dir = true
  # this machine denies lowering oom_score_adj (no CAP_SYS_RESOURCE): runc would fail every sandbox
  # ("failed to update /proc/self/oom_score_adj: Permission denied"); clamp to containerd's own score
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  max_container_log_line_size = 16384
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$d/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$REAL_NODE_CNI_BIN"
    conf_dir = "$d/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$d/certs.d"
EOF
  cat >"$d/cni/net.d/10-periscope.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "periscope-real-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$REAL_NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$REAL_NODE_SUBNET"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$d/cni/ipam"
      }
    }
  ]
}
EOF
}

# real_node_cgroups_create: the kubelet's --cgroup-root must exist in every hierarchy (cgroup v1)
real_node_cgroups_create() {
  local h
  for h in /sys/fs/cgroup/*/; do
    [ -f "$h/cgroup.procs" ] || continue
    mkdir -p "$h${REAL_NODE_CGROUP_ROOT#/}" 2>/dev/null || continue
    if [ -f "$h/cpuset.cpus" ]; then
      cat "$h/cpuset.cpus" >"$h${REAL_NODE_CGROUP_ROOT#/}/cpuset.cpus" 2>/dev/null || true
      cat "$h/cpuset.mems" >"$h${REAL_NODE_CGROUP_ROOT#/}/cpuset.mems" 2>/dev/null || true
    fi
  done
}

real_node_write_kubelet_config() {
  local d="$REAL_NODE_DIR" ip="$1"
  mkdir -p "$d/kubelet" "$d/pod-logs"
  cat >"$d/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $ip
port: $REAL_NODE_KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $REAL_NODE_KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $CLUSTER_DIR/pki/ca.crt}
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$REAL_NODE_SOCK
cgroupDriver: cgroupfs
cgroupRoot: $REAL_NODE_CGROUP_ROOT
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
failSwapOn: false
failCgroupV1: false
podLogsDir: $d/pod-logs
clusterDomain: cluster.local
clusterDNS: [10.96.0.10]
resolvConf: /etc/resolv.conf
maxPods: 30
serializeImagePulls: false
registerNode: true
registerWithTaints:
- key: $REAL_NODE_TAINT_KEY
  value: "true"
  effect: NoSchedule
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
nodeStatusReportFrequency: 10s
nodeStatusUpdateFrequency: 10s
syncFrequency: 10s
fileCheckFrequency: 20s
runtimeRequestTimeout: 2m
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
localStorageCapacityIsolation: true
EOF
}

# real_node_sysctls_save: the kernel settings the kubelet changes, so `down` can put them back
real_node_sysctls_save() {
  local k
  [ -f "$REAL_NODE_RUN/sysctls" ] && return 0
  for k in "${REAL_NODE_SYSCTLS[@]}"; do
    [ -r "/proc/sys/$k" ] && echo "$k $(cat "/proc/sys/$k")"
  done >"$REAL_NODE_RUN/sysctls"
}

real_node_sysctls_restore() {
  local k v
  [ -f "$REAL_NODE_RUN/sysctls" ] || return 0
  while read -r k v; do
    [ -n "$k" ] && echo "$v" >"/proc/sys/$k" 2>/dev/null || true
  done <"$REAL_NODE_RUN/sysctls"
}

real_node_wait_ready() {
  local deadline=$((SECONDS + CLUSTER_TIMEOUT * 2)) l="$CLUSTER_DIR/logs/setup.log"
  until kube get node "$REAL_NODE_NAME" >/dev/null 2>&1; do
    component_pid kubelet >/dev/null || fail "start kubelet" "$CLUSTER_DIR/logs/kubelet.log" "the kubelet exited; read its log above."
    [ "$SECONDS" -lt "$deadline" ] || fail "register $REAL_NODE_NAME" "$CLUSTER_DIR/logs/kubelet.log" "the kubelet did not register the node within $((CLUSTER_TIMEOUT * 2)) s; read its log."
    sleep 0.5
  done
  kube wait --for=condition=Ready "node/$REAL_NODE_NAME" --timeout="$((CLUSTER_TIMEOUT * 2))s" >>"$l" 2>&1 \
    || fail "wait for $REAL_NODE_NAME Ready" "$CLUSTER_DIR/logs/kubelet.log" "the node did not become Ready; read the kubelet log (and containerd.log: CNI or runtime errors)."
}

# real_node_up: starts registry, containerd and kubelet for the running control plane
real_node_up() {
  local t0=$SECONDS ip kubelet_bin
  if real_node_enabled && component_pid kubelet >/dev/null && real_node_healthy kubelet; then
    log "real node $REAL_NODE_NAME is already running"
    return 0
  fi
  real_node_check_machine
  real_node_packages
  CLUSTER_BIN="${CLUSTER_BIN:-$(kube_bin_dir)}"
  if [ -n "$(kube_node_missing "$CLUSTER_BIN")" ]; then
    "$PERISCOPE_ROOT/scripts/build-tools" --node >/dev/null \
      || fail "build the kubelet" "" "the build error is printed above; fix it and run scripts/cluster up --real-node again."
  fi
  kubelet_bin="$CLUSTER_BIN/kubelet"
  ip="$(real_node_ip)"
  [ -n "$ip" ] || fail "real node: find the node address" "" "no global IPv4 address on this machine; the kubelet needs a non-loopback node IP."
  [ -f "$CLUSTER_DIR/pki/kubelet-client.crt" ] \
    || log "WARNING: this control plane was started without a kubelet client certificate: logs and exec through the apiserver will fail for $REAL_NODE_NAME. Run scripts/cluster down, then up --real-node."
  REAL_NODE_STARTED=1
  mkdir -p "$REAL_NODE_DIR" "$REAL_NODE_RUN"
  echo "$CLUSTER_DIR" >"$REAL_NODE_RUN/owner"
  # what containerd's shims, libcni and the kubelet make outside the state dir (fixed paths):
  # `down` removes the folders it finds empty and the kubelet's device-plugin socket, when they did
  # not exist before `up`
  local fixed
  for fixed in /run/containerd/s /run/containerd /var/log/containers /var/lib/cni/results /var/lib/cni \
    /var/lib/kubelet/device-plugins /var/lib/kubelet; do
    [ -e "$fixed" ] || echo "$fixed"
  done >>"$REAL_NODE_RUN/created-dirs"
  [ -e "$REAL_NODE_DEVICE_PLUGIN_SOCK" ] || echo "$REAL_NODE_DEVICE_PLUGIN_SOCK" >>"$REAL_NODE_RUN/created-files"
  touch "$REAL_NODE_DIR/enabled"
  cat >"$REAL_NODE_DIR/real-node.env" <<EOF
REAL_NODE_REGISTRY_PORT=$REAL_NODE_REGISTRY_PORT
REAL_NODE_KUBELET_PORT=$REAL_NODE_KUBELET_PORT
REAL_NODE_KUBELET_HEALTHZ_PORT=$REAL_NODE_KUBELET_HEALTHZ_PORT
REAL_NODE_BRIDGE=$REAL_NODE_BRIDGE
REAL_NODE_CGROUP_ROOT=$REAL_NODE_CGROUP_ROOT
REAL_NODE_RUN=$REAL_NODE_RUN
REAL_NODE_SOCK=$REAL_NODE_SOCK
EOF
  log "real node: image registry on 127.0.0.1:$REAL_NODE_REGISTRY_PORT (busybox-static images)"
  real_node_start_registry
  real_node_write_containerd_config
  log "real node: starting containerd ($REAL_NODE_SOCK)"
  start_component containerd "$(command -v containerd)" --config "$REAL_NODE_DIR/containerd/config.toml"
  real_node_wait containerd
  real_node_cert
  kube apply --server-side --field-manager=periscope-cluster-up -f - >>"$CLUSTER_DIR/logs/setup.log" 2>&1 <<EOF || fail "real node: RBAC" "$CLUSTER_DIR/logs/setup.log" "the apiserver refused the ClusterRoleBinding; read the log."
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: periscope-apiserver-kubelet-client
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kubelet-api-admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}
EOF
  real_node_cgroups_create
  real_node_sysctls_save
  real_node_write_kubelet_config "$ip"
  log "real node: starting kubelet for $REAL_NODE_NAME ($ip:$REAL_NODE_KUBELET_PORT)"
  start_component kubelet "$kubelet_bin" \
    --config="$REAL_NODE_DIR/kubelet-config.yaml" --kubeconfig="$REAL_NODE_DIR/kubelet.kubeconfig" \
    --root-dir="$REAL_NODE_DIR/kubelet" --cert-dir="$REAL_NODE_DIR/kubelet/pki" \
    --hostname-override="$REAL_NODE_NAME" --node-ip="$ip" \
    --node-labels="periscope.dev/real-node=true,periscope.dev/pool=real" --v=1
  real_node_wait kubelet
  real_node_wait_ready
  log "real node $REAL_NODE_NAME Ready in $((SECONDS - t0)) s (taint $REAL_NODE_TAINT_KEY=true:NoSchedule)"
}

# real_node_mounts: mount points under our dirs, deepest first
real_node_mounts() {
  awk '{print $5}' /proc/self/mountinfo | sed 's/\\040/ /g' \
    | grep -E "^(${REAL_NODE_DIR//./\\.}|${REAL_NODE_RUN//./\\.})(/|$)" | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-
}

# real_node_down: stops kubelet, every container, containerd and the registry; removes mounts, network
# namespaces, cgroups, the bridge, log symlinks; restores sysctls. Safe to run when nothing runs.
real_node_down() {
  local pid m id i h left=0
  # the values the running node used (it may have been started with other settings)
  # shellcheck disable=SC1091
  [ -f "$REAL_NODE_DIR/real-node.env" ] && source "$REAL_NODE_DIR/real-node.env"
  [ -d "$REAL_NODE_DIR" ] || [ "$(cat "$REAL_NODE_RUN/owner" 2>/dev/null)" = "$CLUSTER_DIR" ] || return 0
  stop_group kubelet
  # every container and sandbox: kill the tasks, let the shims exit cleanly, delete the containers
  if real_node_healthy containerd; then
    for id in $(ctr --address "$REAL_NODE_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$REAL_NODE_SOCK" -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    for ((i = 0; i < 50; i++)); do
      ctr --address "$REAL_NODE_SOCK" -n k8s.io tasks ls 2>/dev/null | grep -q RUNNING || break
      sleep 0.1
    done
    for id in $(ctr --address "$REAL_NODE_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$REAL_NODE_SOCK" -n k8s.io tasks delete -f "$id" >/dev/null 2>&1 || true
    done
    for id in $(ctr --address "$REAL_NODE_SOCK" -n k8s.io containers ls -q 2>/dev/null); do
      ctr --address "$REAL_NODE_SOCK" -n k8s.io containers delete "$id" >/dev/null 2>&1 || true
    done
  fi
  # the shims' ttrpc sockets live in containerd's fixed /run/containerd/s, named by a hash of our
  # socket, the namespace and the container id; a shim that exits cleanly removes its own, one that
  # is killed below does not: note them all now
  local shim_sockets=() sandboxes=() ns_dir
  # libcni caches each attachment in /var/lib/cni/results/<network>-<sandbox id>-<ifname>; CNI DEL
  # would remove them, killing the sandboxes does not: note our sandbox ids
  for m in "$REAL_NODE_DIR"/containerd/root/io.containerd.grpc.v1.cri/sandboxes/*/; do
    [ -d "$m" ] && sandboxes+=("$(basename "$m")")
  done
  for ns_dir in "$REAL_NODE_DIR"/containerd/state/io.containerd.runtime.v2.task/*/; do
    [ -d "$ns_dir" ] || continue
    for id in $(ls "$ns_dir" 2>/dev/null); do
      shim_sockets+=("/run/containerd/s/$(printf '%s' "$REAL_NODE_SOCK/$(basename "$ns_dir")/$id" | sha256sum | cut -d' ' -f1)")
    done
  done
  stop_group containerd real-node-registry
  # our processes without a pid file (an `up` killed half-way): their command line names our dir
  for pid in $(pgrep -f -- "$REAL_NODE_DIR/" || true); do
    case "$(basename "$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1)")" in
      kubelet | containerd | docker-registry) log "real node: stopping leftover $pid"; stop_pid real-node "$pid" ;;
    esac
  done
  # shims or containers that outlived containerd (a killed `up`): shims name our socket
  for pid in $(pgrep -f -- "-address $REAL_NODE_SOCK" || true); do
    log "real node: stopping leftover shim $pid"
    kill -KILL "$pid" 2>/dev/null || true
  done
  for m in "${shim_sockets[@]}"; do rm -f "$m"; done
  for id in "${sandboxes[@]}"; do rm -f "$REAL_NODE_CNI_CACHE"/*-"$id"-*; done
  rm -f "$REAL_NODE_CNI_CACHE"/periscope-real-node-*
  if [ -d "$REAL_NODE_DIR/runc" ]; then
    for h in "$REAL_NODE_DIR"/runc/*/; do
      [ -d "$h" ] || continue
      for id in $(runc --root "$h" list -q 2>/dev/null); do
        runc --root "$h" delete --force "$id" >/dev/null 2>&1 || true
      done
    done
  fi
  # mounts: overlay rootfs, sandbox shm, netns bind mounts, kubelet volumes (deepest first)
  for ((i = 0; i < 3; i++)); do
    while read -r m; do
      [ -n "$m" ] && umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done < <(real_node_mounts)
  done
  if [ -n "$(real_node_mounts)" ]; then
    log "WARNING: real node: mounts left under $REAL_NODE_DIR: $(real_node_mounts | tr '\n' ' ')"
    left=1
  fi
  # cgroups the kubelet made under its root, deepest first (only empty ones can go)
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h${REAL_NODE_CGROUP_ROOT#/}" ] || continue
    find "$h${REAL_NODE_CGROUP_ROOT#/}" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    if [ -d "$h${REAL_NODE_CGROUP_ROOT#/}" ]; then
      log "WARNING: real node: cgroup $h${REAL_NODE_CGROUP_ROOT#/} still has processes"; left=1
    fi
  done
  ip link show "$REAL_NODE_BRIDGE" >/dev/null 2>&1 && ip link del "$REAL_NODE_BRIDGE" 2>/dev/null || true
  # the kubelet's /var/log/containers symlinks that point into our pod log dir
  find /var/log/containers -maxdepth 1 -type l -lname "$REAL_NODE_DIR/*" -delete 2>/dev/null || true
  real_node_sysctls_restore
  if [ -f "$REAL_NODE_RUN/created-files" ]; then
    while read -r m; do [ -n "$m" ] && rm -f "$m"; done <"$REAL_NODE_RUN/created-files"
  fi
  if [ -f "$REAL_NODE_RUN/created-dirs" ]; then
    while read -r m; do
      [ -d "$m" ] && find "$m" -depth -type d -empty -delete 2>/dev/null
    done <"$REAL_NODE_RUN/created-dirs"
  fi
  rm -rf "$REAL_NODE_RUN"
  rmdir "$(dirname "$REAL_NODE_RUN")" 2>/dev/null || true
  [ "$left" = 0 ] && rm -rf "$REAL_NODE_DIR"
  return 0
}

# real_node_status_rows: status lines for the real node's components (when it was started)
real_node_status() {
  local name pid health bad=0
  real_node_enabled || return 0
  # shellcheck disable=SC1091
  [ -f "$REAL_NODE_DIR/real-node.env" ] && source "$REAL_NODE_DIR/real-node.env"
  for name in "${REAL_NODE_COMPONENTS[@]}"; do
    if pid="$(component_pid "$name")"; then
      if real_node_healthy "$name"; then health="ok ($(real_node_health_url "$name"))"; else health="NOT READY ($(real_node_health_url "$name"))"; bad=1; fi
    else
      pid="-" health="not running"; bad=1
    fi
    printf '%-24s %-8s %-7s %s\n' "$name" "$pid" "$(real_node_component_port "$name")" "$health"
  done
  return "$bad"
}
