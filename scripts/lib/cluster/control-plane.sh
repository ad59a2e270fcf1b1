# shellcheck shell=bash
# Start, stop and inspect the local control plane. Sourced by scripts/cluster (after env.sh, common.sh).

CLUSTER_DIR="${PERISCOPE_CLUSTER_DIR:-$PERISCOPE_CACHE/cluster}"
CLUSTER_APISERVER_PORT="${PERISCOPE_APISERVER_PORT:-16443}"
CLUSTER_ETCD_CLIENT_PORT="${PERISCOPE_ETCD_CLIENT_PORT:-12379}"
CLUSTER_ETCD_PEER_PORT="${PERISCOPE_ETCD_PEER_PORT:-12380}"
CLUSTER_KCM_PORT="${PERISCOPE_KCM_PORT:-16257}"
CLUSTER_SCHEDULER_PORT="${PERISCOPE_SCHEDULER_PORT:-16259}"
CLUSTER_KWOK_PORT="${PERISCOPE_KWOK_PORT:-16247}"
# The loopback OIDC issuer kube-apiserver trusts (scripts/lib/oidc-issuer.js). 0: a free port the
# kernel picks when the issuer starts (no race with other listeners); `up` records the one it got.
CLUSTER_OIDC_PORT="${PERISCOPE_OIDC_PORT:-0}"
CLUSTER_OIDC_AUDIENCE=periscope-local
# `kubectl proxy` with the admin kubeconfig on plain HTTP, loopback only: the Kubernetes plugin's
# standard local-development path (authProvider localKubectlProxy). The demo portal reaches the
# cluster through it via the catalog entity examples/local-cluster.yaml (whose URL names this port).
CLUSTER_KUBECTL_PROXY_PORT="${PERISCOPE_KUBECTL_PROXY_PORT:-18001}"
# The address published in the default/kubernetes Service endpoints. The apiserver still binds
# to 127.0.0.1 only, but Endpoints may not hold a loopback address, so a TEST-NET-1 address
# (RFC 5737, never routed) stands in; without it `kubernetes` would show as a Service with no endpoints.
CLUSTER_ADVERTISE_ADDRESS="${PERISCOPE_APISERVER_ADVERTISE_ADDRESS:-192.0.2.1}"
CLUSTER_NODES="${PERISCOPE_CLUSTER_NODES:-3}"
CLUSTER_TIMEOUT="${PERISCOPE_CLUSTER_TIMEOUT:-60}"
CLUSTER_STOP_TIMEOUT="${PERISCOPE_CLUSTER_STOP_TIMEOUT:-10}"

CLUSTER_ADMIN_KUBECONFIG="$CLUSTER_DIR/kubeconfig"
CLUSTER_READONLY_KUBECONFIG="$CLUSTER_DIR/kubeconfig-readonly"
CLUSTER_MARKER="$CLUSTER_DIR/.periscope-cluster"
# issuer, audience, signing key file and kid for tests that sign user tokens (packages/test-utils)
CLUSTER_OIDC_INFO="$CLUSTER_DIR/oidc.json"
CLUSTER_COMPONENTS=(etcd oidc-issuer kube-apiserver kube-controller-manager kube-scheduler kwok kubectl-proxy)


CLUSTER_UP_OK=0
CLUSTER_STARTED_ANY=0

# fail STEP LOGFILE WHAT-TO-DO: the single way `up` gives up. The EXIT trap stops what was started.
fail() {
  local step="$1" logfile="$2" todo="$3"
  {
    echo "[periscope] ERROR: cluster up: step '$step' failed."
    if [ -n "$logfile" ] && [ -f "$logfile" ]; then
      echo "[periscope] last lines of $logfile:"
      tail -n 15 "$logfile" | sed 's/^/    /'
      echo "[periscope] full log: $logfile"
    fi
    echo "[periscope] what to do: $todo"
  } >&2
  exit 1
}

component_port() {
  case "$1" in
    etcd) echo "$CLUSTER_ETCD_CLIENT_PORT" ;;
    kube-apiserver) echo "$CLUSTER_APISERVER_PORT" ;;
    kube-controller-manager) echo "$CLUSTER_KCM_PORT" ;;
    kube-scheduler) echo "$CLUSTER_SCHEDULER_PORT" ;;
    kwok) echo "$CLUSTER_KWOK_PORT" ;;
    oidc-issuer) echo "$CLUSTER_OIDC_PORT" ;;
    kubectl-proxy) echo "$CLUSTER_KUBECTL_PROXY_PORT" ;;
  esac
}

component_health_url() {
  case "$1" in
    etcd) echo "http://127.0.0.1:$CLUSTER_ETCD_CLIENT_PORT/health" ;;
    kube-apiserver) echo "https://127.0.0.1:$CLUSTER_APISERVER_PORT/readyz" ;;
    kube-controller-manager) echo "https://127.0.0.1:$CLUSTER_KCM_PORT/healthz" ;;
    kube-scheduler) echo "https://127.0.0.1:$CLUSTER_SCHEDULER_PORT/healthz" ;;
    kwok) echo "http://127.0.0.1:$CLUSTER_KWOK_PORT/healthz" ;;
    oidc-issuer) echo "https://127.0.0.1:$CLUSTER_OIDC_PORT/healthz" ;;
    # the apiserver's /readyz, answered through the proxy (so: proxy up and apiserver reachable)
    kubectl-proxy) echo "http://127.0.0.1:$CLUSTER_KUBECTL_PROXY_PORT/readyz" ;;
  esac
}

# component_healthy NAME: 0 when its health endpoint answers ok.
component_healthy() {
  local url body
  url="$(component_health_url "$1")"
  case "$1" in
    kube-apiserver | oidc-issuer)
      body="$(curl -sS --max-time 3 --cacert "$CLUSTER_DIR/pki/ca.crt" "$url" 2>/dev/null)" || return 1 ;;
    *) body="$(curl -sSk --max-time 3 "$url" 2>/dev/null)" || return 1 ;;
  esac
  case "$1" in
    etcd) [[ "$body" == *'"health":"true"'* ]] ;;
    *) [ "$body" = "ok" ] ;;
  esac
}

pid_file() { echo "$CLUSTER_DIR/pids/$1.pid"; }

# component_pid NAME: prints the pid when that process is alive and is ours (its command line names
# our state dir), so a recycled pid is never signalled.
component_pid() {
  local f pid
  f="$(pid_file "$1")"
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CLUSTER_DIR" || return 1
  echo "$pid"
}

# port_owner PORT: prints who listens on 127.0.0.1:PORT (or any address), empty when free.
port_owner() {
  ss -Hltnp "sport = :$1" 2>/dev/null | awk '{print $4, $6}' | head -n 1
}

# start_component NAME BINARY ARGS...: runs it detached (own session), logs to logs/NAME.log.
start_component() {
  local name="$1" binary="$2"
  shift 2
  # fd 8 is the up/down lock: the component must not keep it held.
  setsid "$binary" "$@" </dev/null >"$CLUSTER_DIR/logs/$name.log" 2>&1 8>&- &
  local pid=$! i state
  echo "$pid" >"$(pid_file "$name")"
  CLUSTER_STARTED_ANY=1
  # Until the forked shell has exec'd the binary, /proc/PID/cmdline is still this script's, and
  # component_pid (which checks the command line names our state dir) would call it gone: a busy
  # machine made `up` report "exited during start-up" with an empty log. Wait for the exec (or exit).
  for ((i = 0; i < 200; i++)); do
    component_pid "$name" >/dev/null && return 0
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 0
    [ -n "$state" ] && [ "$state" != Z ] || return 0
    sleep 0.05
  done
}

# wait_healthy NAME: waits up to CLUSTER_TIMEOUT s; fails early when the process exits.
wait_healthy() {
  local name="$1" deadline=$((SECONDS + CLUSTER_TIMEOUT))
  while ! component_healthy "$name"; do
    if ! component_pid "$name" >/dev/null; then
      fail "start $name" "$CLUSTER_DIR/logs/$name.log" \
        "$name exited during start-up; read its log above. A port clash shows as 'address already in use': pick free ports with the PERISCOPE_*_PORT variables (docs/cluster.md)."
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "wait for $name" "$CLUSTER_DIR/logs/$name.log" \
        "$name did not report healthy at $(component_health_url "$name") within ${CLUSTER_TIMEOUT} s. Read its log; on a slow machine raise PERISCOPE_CLUSTER_TIMEOUT and run scripts/cluster up again."
    fi
    sleep 0.3
  done
}

# stop_pid NAME PID: TERM, wait up to CLUSTER_STOP_TIMEOUT s, then KILL.
stop_pid() {
  local name="$1" pid="$2" deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + CLUSTER_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop within ${CLUSTER_STOP_TIMEOUT} s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
}

# orphan_pids: "name pid" for component processes of this state dir that have no pid file any
# more (left by an `up` that was killed, or by two `up`s racing before the lock existed): their
# program is one of ours and their command line names this state dir.
orphan_pids() {
  local pid exe name
  for pid in $(pgrep -f -- "$CLUSTER_DIR/" || true); do
    [ -r "/proc/$pid/cmdline" ] || continue
    exe="$(tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1)"
    name="$(basename "$exe")"
    # the OIDC issuer is `node …/oidc-issuer.js serve …`
    if [ "$name" = node ] && [[ "$(tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n 2p)" == */oidc-issuer.js ]]; then
      name=oidc-issuer
    fi
    # the proxy is `kubectl --kubeconfig=… proxy …`; any other kubectl naming the state dir (a
    # `scripts/cluster kubectl …` someone runs) is not ours to stop
    if [ "$name" = kubectl ]; then
      if [ "$(tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n 3p)" = proxy ]; then name=kubectl-proxy; else continue; fi
    fi
    case " ${CLUSTER_COMPONENTS[*]} " in *" $name "*) echo "$name $pid" ;; esac
  done
}

# stop_group NAMES...: TERM to all of them at once, then wait (KILL after CLUSTER_STOP_TIMEOUT s).
stop_group() {
  local name pid names=() pids=() i deadline
  for name in "$@"; do
    if pid="$(component_pid "$name")"; then
      names+=("$name") pids+=("$pid")
      kill -TERM "$pid" 2>/dev/null || true
    fi
    rm -f "$(pid_file "$name")"
  done
  deadline=$((SECONDS + CLUSTER_STOP_TIMEOUT))
  for i in "${!pids[@]}"; do
    while kill -0 "${pids[$i]}" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      log "${names[$i]} (pid ${pids[$i]}) did not stop within ${CLUSTER_STOP_TIMEOUT} s; sending KILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
      while kill -0 "${pids[$i]}" 2>/dev/null; do sleep 0.1; done
    fi
  done
}

# Clients of the apiserver first, then the apiserver, then its storage and its OIDC issuer.
stop_all() {
  stop_group kubectl-proxy kwok kube-scheduler kube-controller-manager
  stop_group kube-apiserver
  stop_group etcd oidc-issuer
}

on_up_exit() {
  if [ "$CLUSTER_UP_OK" != 1 ] && [ "${REAL_NODE_STARTED:-0}" = 1 ]; then
    log "cluster up did not finish: stopping the real node it started"
    real_node_down
  fi
  if [ "$CLUSTER_UP_OK" != 1 ] && [ "$CLUSTER_STARTED_ANY" = 1 ] && [ "${CLUSTER_WAS_UP:-0}" != 1 ]; then
    log "cluster up did not finish: stopping the components it started (logs stay in $CLUSTER_DIR/logs)"
    stop_all
  fi
}

# The state dir is deleted on `down`; refuse to delete a folder we did not create.
reset_state_dir() {
  if [ -d "$CLUSTER_DIR" ] && [ ! -f "$CLUSTER_MARKER" ] && [ -n "$(ls -A "$CLUSTER_DIR" 2>/dev/null)" ]; then
    fail "prepare state dir" "" \
      "$CLUSTER_DIR is not empty and was not made by scripts/cluster (no .periscope-cluster marker). Point PERISCOPE_CLUSTER_DIR at an empty or new folder."
  fi
  rm -rf "$CLUSTER_DIR"
  mkdir -p "$CLUSTER_DIR"/{pki,pids,logs,components}
  touch "$CLUSTER_MARKER"
}

write_pki() {
  local p="$CLUSTER_DIR/pki" l="$CLUSTER_DIR/logs/pki.log"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout "$p/ca.key" -out "$p/ca.crt" \
      -subj "/CN=periscope-local-ca" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
    openssl req -newkey rsa:2048 -nodes -keyout "$p/apiserver.key" -out "$p/apiserver.csr" -subj "/CN=kube-apiserver"
    printf '%s\n' \
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1" \
      "extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature,keyEncipherment" >"$p/apiserver.ext"
    openssl x509 -req -in "$p/apiserver.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
      -extfile "$p/apiserver.ext" -out "$p/apiserver.crt"
    # Client cert the apiserver presents to aggregated API servers (front proxy).
    openssl req -newkey rsa:2048 -nodes -keyout "$p/front-proxy-client.key" -out "$p/front-proxy-client.csr" -subj "/CN=front-proxy-client"
    printf '%s\n' "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature,keyEncipherment" >"$p/client.ext"
    openssl x509 -req -in "$p/front-proxy-client.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
      -extfile "$p/client.ext" -out "$p/front-proxy-client.crt"
    # Client cert the apiserver presents to kubelets (logs, exec, port-forward on the real node).
    openssl req -newkey rsa:2048 -nodes -keyout "$p/kubelet-client.key" -out "$p/kubelet-client.csr" -subj "/CN=kube-apiserver-kubelet-client"
    openssl x509 -req -in "$p/kubelet-client.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
      -extfile "$p/client.ext" -out "$p/kubelet-client.crt"
    openssl genrsa -out "$p/sa.key" 2048
    openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub"
    # The loopback OIDC issuer: its token signing key and its serving cert (127.0.0.1, by our CA).
    openssl genrsa -out "$p/oidc-signing.key" 2048
    openssl req -newkey rsa:2048 -nodes -keyout "$p/oidc-issuer.key" -out "$p/oidc-issuer.csr" -subj "/CN=periscope-oidc-issuer"
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      "extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature,keyEncipherment" >"$p/oidc-issuer.ext"
    openssl x509 -req -in "$p/oidc-issuer.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 30 \
      -extfile "$p/oidc-issuer.ext" -out "$p/oidc-issuer.crt"
  } >"$l" 2>&1 || fail "generate certificates" "$l" "check that openssl works (openssl version) and that $CLUSTER_DIR is writable."
  chmod 600 "$p"/*.key
}

new_token() { openssl rand -hex 24; }

# write_kubeconfig FILE USER TOKEN CONTEXT
write_kubeconfig() {
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: periscope-local
  cluster:
    server: https://127.0.0.1:$CLUSTER_APISERVER_PORT
    certificate-authority-data: $(base64 -w0 "$CLUSTER_DIR/pki/ca.crt")
users:
- name: $2
  user:
    token: $3
contexts:
- name: $4
  context:
    cluster: periscope-local
    user: $2
current-context: $4
EOF
  chmod 600 "$1"
}

write_credentials() {
  local admin ro kcm sched kwok
  admin="$(new_token)" ro="$(new_token)" kcm="$(new_token)" sched="$(new_token)" kwok="$(new_token)"
  # token,user,uid,"groups" — read by kube-apiserver --token-auth-file.
  cat >"$CLUSTER_DIR/pki/tokens.csv" <<EOF
$admin,periscope-admin,periscope-admin,"system:masters"
$ro,periscope-readonly,periscope-readonly,"periscope:readonly"
$kcm,system:kube-controller-manager,system:kube-controller-manager
$sched,system:kube-scheduler,system:kube-scheduler
$kwok,kwok-controller,kwok-controller,"system:masters"
EOF
  chmod 600 "$CLUSTER_DIR/pki/tokens.csv"
  write_kubeconfig "$CLUSTER_ADMIN_KUBECONFIG" periscope-admin "$admin" periscope-local
  write_kubeconfig "$CLUSTER_READONLY_KUBECONFIG" periscope-readonly "$ro" periscope-local-readonly
  write_kubeconfig "$CLUSTER_DIR/components/kube-controller-manager.kubeconfig" system:kube-controller-manager "$kcm" kcm
  write_kubeconfig "$CLUSTER_DIR/components/kube-scheduler.kubeconfig" system:kube-scheduler "$sched" scheduler
  write_kubeconfig "$CLUSTER_DIR/components/kwok.kubeconfig" kwok-controller "$kwok" kwok
  cat >"$CLUSTER_DIR/components/kube-scheduler.yaml" <<EOF
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: $CLUSTER_DIR/components/kube-scheduler.kubeconfig
  qps: 500
  burst: 1000
leaderElection:
  leaderElect: false
EOF
}

write_cluster_env() {
  cat >"$CLUSTER_DIR/cluster.env" <<EOF
CLUSTER_APISERVER_PORT=$CLUSTER_APISERVER_PORT
CLUSTER_ETCD_CLIENT_PORT=$CLUSTER_ETCD_CLIENT_PORT
CLUSTER_ETCD_PEER_PORT=$CLUSTER_ETCD_PEER_PORT
CLUSTER_KCM_PORT=$CLUSTER_KCM_PORT
CLUSTER_SCHEDULER_PORT=$CLUSTER_SCHEDULER_PORT
CLUSTER_KWOK_PORT=$CLUSTER_KWOK_PORT
CLUSTER_KUBECTL_PROXY_PORT=$CLUSTER_KUBECTL_PROXY_PORT
CLUSTER_BIN=$CLUSTER_BIN
EOF
}

# check_port_free VAR PORT: fails `up` (naming VAR) when PORT is not a port number or is in use.
check_port_free() {
  local var="$1" port="$2" owner
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] \
    || fail "check ports" "" "$var='$port' is not a port number; set it to a free TCP port (1-65535)$([ "$var" = PERISCOPE_OIDC_PORT ] && echo ', or 0 for any free port')."
  owner="$(port_owner "$port")"
  if [ -n "$owner" ]; then
    fail "check ports" "" "port $port ($var) is already in use ($owner). Stop that process, or choose another port: $var=<free port> scripts/cluster up. If it is an earlier cluster, run scripts/cluster down."
  fi
}

check_ports_free() {
  local pair var port
  for pair in "PERISCOPE_ETCD_CLIENT_PORT:$CLUSTER_ETCD_CLIENT_PORT" "PERISCOPE_ETCD_PEER_PORT:$CLUSTER_ETCD_PEER_PORT" \
    "PERISCOPE_APISERVER_PORT:$CLUSTER_APISERVER_PORT" "PERISCOPE_KCM_PORT:$CLUSTER_KCM_PORT" \
    "PERISCOPE_SCHEDULER_PORT:$CLUSTER_SCHEDULER_PORT" "PERISCOPE_KWOK_PORT:$CLUSTER_KWOK_PORT" \
    "PERISCOPE_OIDC_PORT:$CLUSTER_OIDC_PORT" "PERISCOPE_KUBECTL_PROXY_PORT:$CLUSTER_KUBECTL_PROXY_PORT"; do
    var="${pair%%:*}" port="${pair##*:}"
    # PERISCOPE_OIDC_PORT=0 (the default): the issuer takes any free port when it starts
    [ "$var" = PERISCOPE_OIDC_PORT ] && [ "$port" = 0 ] && continue
    check_port_free "$var" "$port"
  done
}

start_etcd() {
  start_component etcd "$CLUSTER_BIN/etcd" \
    --name=periscope --data-dir="$CLUSTER_DIR/etcd-data" \
    --listen-client-urls="http://127.0.0.1:$CLUSTER_ETCD_CLIENT_PORT" \
    --advertise-client-urls="http://127.0.0.1:$CLUSTER_ETCD_CLIENT_PORT" \
    --listen-peer-urls="http://127.0.0.1:$CLUSTER_ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$CLUSTER_ETCD_PEER_PORT" \
    --initial-cluster="periscope=http://127.0.0.1:$CLUSTER_ETCD_PEER_PORT" \
    --initial-cluster-state=new --unsafe-no-fsync --auto-compaction-retention=1 \
    --quota-backend-bytes=4294967296 --log-level=warn
  wait_healthy etcd
}

# start_oidc_issuer: the loopback OIDC issuer (scripts/lib/oidc-issuer.js) kube-apiserver trusts,
# started like every component (pid file, log, stopped by `down`). Once listening it writes
# oidc.json (issuer URL, audience, signing key file, kid); the port it got goes into cluster.env
# and the issuer URL into the apiserver's AuthenticationConfiguration.
start_oidc_issuer() {
  local p="$CLUSTER_DIR/pki" node deadline=$((SECONDS + CLUSTER_TIMEOUT))
  node="$(command -v node)" || fail "find node" "" "Node.js runs the OIDC issuer; install Node 22 (scripts/lib/env.sh ensure_node) and run again."
  start_component oidc-issuer "$node" "$PERISCOPE_ROOT/scripts/lib/oidc-issuer.js" serve \
    --signing-key="$p/oidc-signing.key" --tls-cert="$p/oidc-issuer.crt" --tls-key="$p/oidc-issuer.key" \
    --ca="$p/ca.crt" --port="$CLUSTER_OIDC_PORT" --audience="$CLUSTER_OIDC_AUDIENCE" --info-out="$CLUSTER_OIDC_INFO"
  while [ ! -s "$CLUSTER_OIDC_INFO" ]; do
    component_pid oidc-issuer >/dev/null || fail "start oidc-issuer" "$CLUSTER_DIR/logs/oidc-issuer.log" \
      "the OIDC issuer exited during start-up; read its log above. With PERISCOPE_OIDC_PORT set, 'address already in use' means that port is taken: unset it (any free port) or choose another."
    [ "$SECONDS" -lt "$deadline" ] || fail "wait for oidc-issuer" "$CLUSTER_DIR/logs/oidc-issuer.log" \
      "the OIDC issuer did not write $CLUSTER_OIDC_INFO within ${CLUSTER_TIMEOUT} s; read its log."
    sleep 0.1
  done
  CLUSTER_OIDC_PORT="$(sed -n 's/^ *"port": *\([0-9]*\).*/\1/p' "$CLUSTER_OIDC_INFO")"
  [ -n "$CLUSTER_OIDC_PORT" ] || fail "read oidc.json" "$CLUSTER_DIR/logs/oidc-issuer.log" "$CLUSTER_OIDC_INFO names no port; read it and the issuer's log."
  echo "CLUSTER_OIDC_PORT=$CLUSTER_OIDC_PORT" >>"$CLUSTER_DIR/cluster.env"
  wait_healthy oidc-issuer
  write_authentication_config
}

# write_authentication_config: kube-apiserver --authentication-config: ID tokens from the loopback
# issuer, audience periscope-local; user = the `email` claim, groups = the `groups` claim, both
# prefixed "oidc:" (so they can never collide with system: or static-token users).
write_authentication_config() {
  {
    cat <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: https://127.0.0.1:$CLUSTER_OIDC_PORT
    audiences: [$CLUSTER_OIDC_AUDIENCE]
    certificateAuthority: |
EOF
    sed 's/^/      /' "$CLUSTER_DIR/pki/ca.crt"
    cat <<EOF
  claimMappings:
    username:
      claim: email
      prefix: "oidc:"
    groups:
      claim: groups
      prefix: "oidc:"
EOF
  } >"$CLUSTER_DIR/components/authentication-config.yaml"
}

start_apiserver() {
  local p="$CLUSTER_DIR/pki"
  start_component kube-apiserver "$CLUSTER_BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$CLUSTER_ETCD_CLIENT_PORT" \
    --bind-address=127.0.0.1 --advertise-address="$CLUSTER_ADVERTISE_ADDRESS" --secure-port="$CLUSTER_APISERVER_PORT" \
    --cert-dir="$p" --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" \
    --client-ca-file="$p/ca.crt" --token-auth-file="$p/tokens.csv" \
    --authentication-config="$CLUSTER_DIR/components/authentication-config.yaml" \
    --requestheader-client-ca-file="$p/ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$p/front-proxy-client.crt" --proxy-client-key-file="$p/front-proxy-client.key" \
    --kubelet-client-certificate="$p/kubelet-client.crt" --kubelet-client-key="$p/kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP,Hostname,InternalDNS,ExternalDNS,ExternalIP \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=true --profiling=false \
    --max-requests-inflight=1000 --max-mutating-requests-inflight=500
  wait_healthy kube-apiserver
}

start_controllers() {
  local c="$CLUSTER_DIR/components" p="$CLUSTER_DIR/pki"
  start_component kube-controller-manager "$CLUSTER_BIN/kube-controller-manager" \
    --kubeconfig="$c/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$c/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="$c/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$CLUSTER_KCM_PORT" --cert-dir="$c/kcm-serving" \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$p/sa.key" --root-ca-file="$p/ca.crt" \
    --cluster-signing-cert-file="$p/ca.crt" --cluster-signing-key-file="$p/ca.key" \
    --leader-elect=false --kube-api-qps=500 --kube-api-burst=1000 \
    --concurrent-deployment-syncs=20 --concurrent-replicaset-syncs=20 --profiling=false
  start_component kube-scheduler "$CLUSTER_BIN/kube-scheduler" \
    --config="$c/kube-scheduler.yaml" \
    --authentication-kubeconfig="$c/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$c/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$CLUSTER_SCHEDULER_PORT" --cert-dir="$c/scheduler-serving"
  start_component kwok "$CLUSTER_BIN/kwok" \
    --kubeconfig="$c/kwok.kubeconfig" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --config="$PERISCOPE_ROOT/scripts/seed/kwok/pod-stages.yaml" \
    --config="$PERISCOPE_ROOT/scripts/seed/kwok/failure-stages.yaml" \
    --cidr=10.244.0.1/16 --node-lease-duration-seconds=40 \
    --server-address="127.0.0.1:$CLUSTER_KWOK_PORT"
  wait_healthy kube-controller-manager
  wait_healthy kube-scheduler
  wait_healthy kwok
}

# start_kubectl_proxy: `kubectl proxy` with the admin kubeconfig on http://127.0.0.1:PORT, managed
# like every component (pid file, logs/kubectl-proxy.log, stopped by `down`). Requests through it
# carry no credentials (authProvider localKubectlProxy) and act as the admin user, so it binds to
# loopback and accepts only loopback Host headers (kubectl's defaults). kubectl's default
# --reject-paths stay: pods/exec and pods/attach are refused; logs (follow too), watch, server-side
# apply and every other verb pass.
start_kubectl_proxy() {
  start_component kubectl-proxy "$CLUSTER_BIN/kubectl" --kubeconfig="$CLUSTER_ADMIN_KUBECONFIG" proxy \
    --address=127.0.0.1 --port="$CLUSTER_KUBECTL_PROXY_PORT"
  wait_healthy kubectl-proxy
}

kube() { "$CLUSTER_BIN/kubectl" --kubeconfig="$CLUSTER_ADMIN_KUBECONFIG" "$@"; }

setup_rbac() {
  local l="$CLUSTER_DIR/logs/setup.log"
  kube create clusterrolebinding periscope-readonly-view --clusterrole=view --user=periscope-readonly >>"$l" 2>&1 \
    || fail "grant the read-only user" "$l" "the apiserver refused the ClusterRoleBinding; read the log and $CLUSTER_DIR/logs/kube-apiserver.log."
  # OIDC people: namespace shop, oidc:shop-deployers edit it, oidc:viewers view it (see the file)
  kube apply --server-side --field-manager=periscope-cluster-up -f "$PERISCOPE_ROOT/scripts/lib/cluster/oidc-rbac.yaml" >>"$l" 2>&1 \
    || fail "grant the OIDC groups" "$l" "the apiserver refused scripts/lib/cluster/oidc-rbac.yaml; read the log and $CLUSTER_DIR/logs/kube-apiserver.log."
}

# oidc_token USER [GROUPS [TTL]]: an ID token from the loopback issuer's key (GROUPS comma-separated).
oidc_token() {
  node "$PERISCOPE_ROOT/scripts/lib/oidc-issuer.js" token --info="$CLUSTER_OIDC_INFO" --user="$1" --groups="${2:-}" --ttl="${3:-600}"
}

# oidc_whoami TOKEN: the username kube-apiserver sees for TOKEN (a SelfSubjectReview), empty when refused.
oidc_whoami() {
  curl -sS --max-time 5 --cacert "$CLUSTER_DIR/pki/ca.crt" -X POST -H "Authorization: Bearer $1" \
    -H 'Content-Type: application/json' \
    -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
    "https://127.0.0.1:$CLUSTER_APISERVER_PORT/apis/authentication.k8s.io/v1/selfsubjectreviews" 2>/dev/null \
    | sed -n 's/.*"username": *"\([^"]*\)".*/\1/p' | head -n 1
}

# wait_oidc_accepted: kube-apiserver fetches the issuer's keys in the background after start; `up`
# returns only once it accepts a signed token, so tests never race it.
wait_oidc_accepted() {
  local deadline=$((SECONDS + CLUSTER_TIMEOUT)) token who=""
  token="$(oidc_token periscope-up-check@periscope.local)" \
    || fail "sign an OIDC token" "$CLUSTER_DIR/logs/oidc-issuer.log" "scripts/lib/oidc-issuer.js token failed (message above); check $CLUSTER_OIDC_INFO."
  while who="$(oidc_whoami "$token")"; [ "$who" != "oidc:periscope-up-check@periscope.local" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "wait for OIDC tokens to be accepted" "$CLUSTER_DIR/logs/kube-apiserver.log" \
      "kube-apiserver did not accept a token from https://127.0.0.1:$CLUSTER_OIDC_PORT within ${CLUSTER_TIMEOUT} s (it saw '${who:-no user}'). Look for 'jwt' or 'oidc' in its log and read $CLUSTER_DIR/logs/oidc-issuer.log."
    sleep 0.3
  done
}

# gen_nodes PREFIX COUNT POOL: Node manifests kwok manages (annotation kwok.x-k8s.io/node=fake).
gen_nodes() {
  local prefix="$1" count="$2" pool="$3" i name zones=(a b c)
  for ((i = 0; i < count; i++)); do
    name="$(printf '%s-%03d' "$prefix" "$i")"
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    periscope.dev/simulated: "true"
    periscope.dev/pool: $pool
    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node.kubernetes.io/instance-type: m5.2xlarge
    topology.kubernetes.io/zone: local-${zones[$((i % 3))]}
status:
  allocatable: {cpu: "8", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi}
  capacity: {cpu: "8", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi}
EOF
  done
}

# create_nodes PREFIX COUNT POOL STEP-NAME
create_nodes() {
  local l="$CLUSTER_DIR/logs/setup.log"
  gen_nodes "$1" "$2" "$3" | kube apply --server-side -f - >>"$l" 2>&1 \
    || fail "$4" "$l" "the simulated nodes could not be created; read the log and $CLUSTER_DIR/logs/kube-apiserver.log."
  kube wait --for=condition=Ready node -l "periscope.dev/pool=$3" --timeout="${CLUSTER_TIMEOUT}s" >>"$l" 2>&1 \
    || fail "$4 (wait Ready)" "$CLUSTER_DIR/logs/kwok.log" "kwok did not mark the nodes Ready within ${CLUSTER_TIMEOUT} s; read its log."
}

# lock_cluster: one up/down at a time per state dir (two `up`s racing would both pass the port
# check). The lock file sits beside the state dir, which `down` deletes.
lock_cluster() {
  mkdir -p "$(dirname "$CLUSTER_DIR")"
  exec 8>"${CLUSTER_DIR%/}.lock"
  if ! flock -n 8; then
    log "another scripts/cluster up/down on $CLUSTER_DIR is in progress; waiting for it (up to $((CLUSTER_TIMEOUT * 30)) s)"
    flock -w $((CLUSTER_TIMEOUT * 30)) 8 \
      || fail "wait for another up/down" "" "another scripts/cluster process holds ${CLUSTER_DIR%/}.lock; wait for it to finish or stop it, then run again."
  fi
  # The other process may have started or stopped the cluster meanwhile: re-read its ports.
  if [ -f "$CLUSTER_DIR/cluster.env" ] && any_running; then
    # shellcheck disable=SC1091
    source "$CLUSTER_DIR/cluster.env"
  fi
}

all_running() {
  local name
  for name in "${CLUSTER_COMPONENTS[@]}"; do component_pid "$name" >/dev/null || return 1; done
}

# core_running: every component but the kubectl proxy (all that seed and kubectl need)
core_running() {
  local name
  for name in "${CLUSTER_COMPONENTS[@]}"; do
    [ "$name" = kubectl-proxy ] || component_pid "$name" >/dev/null || return 1
  done
}

# all_but_proxy_running: a cluster started before `up` ran kubectl proxy (or whose proxy died)
all_but_proxy_running() { core_running && ! component_pid kubectl-proxy >/dev/null; }

# add_kubectl_proxy: `up` on a running cluster that lacks only its proxy starts just the proxy; a
# failure stops only the proxy, never the running cluster.
add_kubectl_proxy() {
  CLUSTER_BIN="${CLUSTER_BIN:-$(kube_bin_dir)}"
  [ -x "$CLUSTER_BIN/kubectl" ] || fail "find kubectl" "" "$CLUSTER_BIN/kubectl is missing; run scripts/cluster down, then up."
  check_port_free PERISCOPE_KUBECTL_PROXY_PORT "$CLUSTER_KUBECTL_PROXY_PORT"
  trap 'component_pid kubectl-proxy >/dev/null && [ "$CLUSTER_UP_OK" != 1 ] && stop_group kubectl-proxy' EXIT
  trap 'exit 130' INT TERM
  log "the cluster is up but its kubectl proxy is not running: starting it on http://127.0.0.1:$CLUSTER_KUBECTL_PROXY_PORT"
  start_kubectl_proxy
  sed -i '/^CLUSTER_KUBECTL_PROXY_PORT=/d' "$CLUSTER_DIR/cluster.env"
  echo "CLUSTER_KUBECTL_PROXY_PORT=$CLUSTER_KUBECTL_PROXY_PORT" >>"$CLUSTER_DIR/cluster.env"
  CLUSTER_UP_OK=1
}

# add_real_node: `up --real-node` on a running cluster starts just the real node; a failure stops
# only the real node, never the running control plane.
add_real_node() {
  CLUSTER_BIN="${CLUSTER_BIN:-$(kube_bin_dir)}"
  CLUSTER_WAS_UP=1 CLUSTER_UP_OK=0
  trap on_up_exit EXIT
  trap 'exit 130' INT TERM
  real_node_up
  CLUSTER_UP_OK=1
}

any_running() {
  local name
  for name in "${CLUSTER_COMPONENTS[@]}"; do component_pid "$name" >/dev/null && return 0; done
  return 1
}

cluster_up() {
  local t0=$SECONDS real_node="${PERISCOPE_REAL_NODE:-0}" arg
  for arg in "$@"; do
    case "$arg" in
      --real-node) real_node=1 ;;
      *) die "cluster up: unknown argument '$arg'. Usage: scripts/cluster up [--real-node]" ;;
    esac
  done
  lock_cluster
  if all_running && component_healthy kube-apiserver; then
    log "cluster is already up (scripts/cluster status for details)"
    [ "$real_node" = 1 ] && add_real_node
    echo "$CLUSTER_ADMIN_KUBECONFIG"
    return 0
  fi
  if all_but_proxy_running && component_healthy kube-apiserver; then
    add_kubectl_proxy
    [ "$real_node" = 1 ] && add_real_node
    echo "$CLUSTER_ADMIN_KUBECONFIG"
    return 0
  fi
  if any_running; then
    fail "check existing cluster" "" \
      "some components from an earlier 'up' are still running in $CLUSTER_DIR but not all (see scripts/cluster status). Run scripts/cluster down, then up."
  fi
  command -v openssl >/dev/null || fail "find openssl" "" "install openssl (apt-get install -y openssl) and run again."
  command -v curl >/dev/null || fail "find curl" "" "install curl (apt-get install -y curl) and run again."
  command -v ss >/dev/null || fail "find ss" "" "install iproute2 (apt-get install -y iproute2) and run again."
  ensure_node # runs the OIDC issuer
  [[ "$CLUSTER_NODES" =~ ^[0-9]+$ ]] && [ "$CLUSTER_NODES" -ge 1 ] \
    || fail "check settings" "" "PERISCOPE_CLUSTER_NODES='$CLUSTER_NODES' must be a whole number of at least 1."

  CLUSTER_BIN="$("$PERISCOPE_ROOT/scripts/build-tools" --core | tail -n 1)" \
    || fail "build the control plane" "" "the build error is printed above (logs under $KUBE_CACHE/<pins>/logs). Fix it and run scripts/cluster up again."
  check_ports_free
  # the real node's own checks (root, ports, one per machine) before anything starts
  [ "$real_node" = 1 ] && real_node_check_machine

  trap on_up_exit EXIT
  trap 'exit 130' INT TERM
  reset_state_dir
  write_pki
  write_credentials
  write_cluster_env
  log "starting etcd on 127.0.0.1:$CLUSTER_ETCD_CLIENT_PORT"
  start_etcd
  start_oidc_issuer
  log "OIDC issuer on https://127.0.0.1:$CLUSTER_OIDC_PORT ($CLUSTER_OIDC_INFO)"
  log "starting kube-apiserver on https://127.0.0.1:$CLUSTER_APISERVER_PORT"
  start_apiserver
  setup_rbac
  wait_oidc_accepted
  log "starting kube-controller-manager, kube-scheduler and kwok"
  start_controllers
  log "starting kubectl proxy on http://127.0.0.1:$CLUSTER_KUBECTL_PROXY_PORT (admin, loopback only)"
  start_kubectl_proxy
  log "creating $CLUSTER_NODES simulated nodes"
  create_nodes periscope-node "$CLUSTER_NODES" default "create simulated nodes"
  [ "$real_node" = 1 ] && real_node_up
  CLUSTER_UP_OK=1
  log "cluster up in $((SECONDS - t0)) s; logs in $CLUSTER_DIR/logs; read-only kubeconfig: $CLUSTER_READONLY_KUBECONFIG; kubectl proxy: http://127.0.0.1:$CLUSTER_KUBECTL_PROXY_PORT"
  echo "$CLUSTER_ADMIN_KUBECONFIG"
}

cluster_down() {
  local name port owner leftover=0 recorded=0
  lock_cluster
  # The ports to verify are the ones this state dir's cluster used; without a record there is
  # nothing of ours to verify (a cluster elsewhere may be using the defaults).
  if [ -f "$CLUSTER_DIR/cluster.env" ]; then
    # shellcheck disable=SC1091
    source "$CLUSTER_DIR/cluster.env"
    recorded=1
  fi
  # the real node first: its kubelet talks to the apiserver, its containers hold mounts in the state dir
  real_node_down
  if ! any_running; then
    log "no cluster component is running (state dir $CLUSTER_DIR)"
  else
    stop_all
    log "stopped all components"
  fi
  local orphan
  while read -r name orphan; do
    [ -n "$orphan" ] || continue
    log "stopping $name (pid $orphan): started for $CLUSTER_DIR but no longer in its pid files"
    stop_pid "$name" "$orphan"
  done < <(orphan_pids)
  for name in "${CLUSTER_COMPONENTS[@]}"; do
    [ "$recorded" = 1 ] || break
    port="$(component_port "$name")"
    # an issuer that never got its port (up stopped early) left none to check
    case "$port" in "" | 0) continue ;; esac
    owner="$(port_owner "$port")"
    if [ -n "$owner" ]; then
      log "WARNING: port $port ($name) is still in use by $owner — not a process this script started, left alone"
      leftover=1
    fi
  done
  if [ -d "$CLUSTER_DIR" ] && { [ -f "$CLUSTER_MARKER" ] || [ -z "$(ls -A "$CLUSTER_DIR")" ]; }; then
    rm -rf "$CLUSTER_DIR"
    log "removed $CLUSTER_DIR"
  elif [ -d "$CLUSTER_DIR" ]; then
    log "WARNING: $CLUSTER_DIR was not made by scripts/cluster (no marker); not deleted"
  fi
  return "$leftover"
}

cluster_status() {
  local name pid port health all=0 none=1
  printf '%-24s %-8s %-7s %s\n' COMPONENT PID PORT HEALTH
  for name in "${CLUSTER_COMPONENTS[@]}"; do
    port="$(component_port "$name")"
    if pid="$(component_pid "$name")"; then
      none=0
      if component_healthy "$name"; then health="ok ($(component_health_url "$name"))"; else health="NOT READY ($(component_health_url "$name"))"; all=1; fi
    else
      pid="-" health="not running"; all=1
    fi
    printf '%-24s %-8s %-7s %s\n' "$name" "$pid" "$port" "$health"
  done
  real_node_status || all=1
  if [ "$none" = 1 ]; then
    echo "cluster: down"
    return 3
  elif [ "$all" = 0 ]; then
    echo "cluster: up; admin kubeconfig $CLUSTER_ADMIN_KUBECONFIG, read-only $CLUSTER_READONLY_KUBECONFIG, kubectl proxy http://127.0.0.1:$CLUSTER_KUBECTL_PROXY_PORT"
  else
    echo "cluster: degraded (logs in $CLUSTER_DIR/logs; scripts/cluster down, then up)"
    return 1
  fi
}

require_up() {
  core_running && component_healthy kube-apiserver \
    || die "cluster: the cluster is not up (state dir $CLUSTER_DIR). Run scripts/cluster up first."
  CLUSTER_BIN="${CLUSTER_BIN:-$(kube_bin_dir)}"
}

cluster_kubectl() {
  require_up
  kube "$@"
}

# While a cluster is running, the ports it recorded win over the current environment, so
# status/down/seed/up talk to the cluster that exists. With nothing running, the environment wins.
if [ -f "$CLUSTER_DIR/cluster.env" ] && any_running; then
  # shellcheck disable=SC1091
  source "$CLUSTER_DIR/cluster.env"
fi
