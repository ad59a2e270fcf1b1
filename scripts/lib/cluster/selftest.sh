#!/usr/bin/env bash
# End-to-end test of scripts/cluster against the real control plane:
# up -> readyz + RBAC + OIDC users + scenario states -> down -> no process or port left; bad input is refused.
# Prints "N passed, N failed" last; exits non-zero when anything failed.
# Uses its own state dir and ports (PERISCOPE_SELFTEST_PORT_BASE, default 26000) so it does not
# disturb a cluster you are running.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
# Node signs the OIDC tokens (scripts/lib/oidc-issuer.js token)
source "$root/scripts/lib/env.sh"
ensure_node
base="${PERISCOPE_SELFTEST_PORT_BASE:-26000}"
state="$(mktemp -d "${TMPDIR:-/tmp}/periscope-cluster-selftest.XXXXXX")"
export PERISCOPE_CLUSTER_DIR="$state/cluster"
export PERISCOPE_ETCD_CLIENT_PORT=$((base + 379)) PERISCOPE_ETCD_PEER_PORT=$((base + 380))
export PERISCOPE_APISERVER_PORT=$((base + 443)) PERISCOPE_KCM_PORT=$((base + 257))
export PERISCOPE_SCHEDULER_PORT=$((base + 259)) PERISCOPE_KWOK_PORT=$((base + 247))
export PERISCOPE_KUBECTL_PROXY_PORT=$((base + 1)) PERISCOPE_SECURITY_KWOK_PORT=$((base + 248))
ports=("$PERISCOPE_ETCD_CLIENT_PORT" "$PERISCOPE_ETCD_PEER_PORT" "$PERISCOPE_APISERVER_PORT" "$PERISCOPE_KCM_PORT" "$PERISCOPE_SCHEDULER_PORT" "$PERISCOPE_KWOK_PORT" "$PERISCOPE_KUBECTL_PROXY_PORT" "$PERISCOPE_SECURITY_KWOK_PORT")
cluster="$root/scripts/cluster"
passed=0 failed=0

check() { # check NAME COMMAND...
  local name="$1"; shift
  if "$@" >"$state/last.out" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     | /' "$state/last.out" | tail -n 25
  fi
}

# Helpers used as check commands.
ports_free() { local p; for p in "${ports[@]}"; do [ -z "$(ss -Hltn "sport = :$p")" ] || { echo "port $p still listening: $(ss -Hltnp "sport = :$p")"; return 1; }; done; }
no_processes() { local out; out="$(pgrep -af -- "$PERISCOPE_CLUSTER_DIR" || true)"; [ -z "$out" ] || { echo "left running: $out"; return 1; }; }
state_removed() { [ ! -e "$PERISCOPE_CLUSTER_DIR" ] || { echo "$PERISCOPE_CLUSTER_DIR still exists"; return 1; }; }
kubectl_() { "$bin/kubectl" "$@"; }
readyz_ok() { [ "$(kubectl_ --kubeconfig "$kubeconfig" get --raw=/readyz)" = ok ]; }
# the `view` ClusterRole gets its rules from the controller manager's aggregation controller, a
# moment after start: allow it 30 s, then show what the apiserver said
readonly_can_list() {
  local i out
  for ((i = 0; i < 15; i++)); do
    out="$(kubectl_ --kubeconfig "$PERISCOPE_CLUSTER_DIR/kubeconfig-readonly" get pods -n shop -o name 2>&1)" && grep -q pod/ <<<"$out" && return 0
    sleep 2
  done
  echo "$out"
  return 1
}
readonly_cannot_write() {
  local out
  out="$(kubectl_ --kubeconfig "$PERISCOPE_CLUSTER_DIR/kubeconfig-readonly" create configmap selftest -n shop 2>&1)" && return 1
  grep -qi forbidden <<<"$out" || { echo "$out"; return 1; }
}
# oidc_kubectl EMAIL GROUPS ARGS...: kubectl as that person, with a token from the cluster's OIDC issuer only
oidc_kubectl() {
  local who="$1" groups="$2" t
  shift 2
  t="$(node "$root/scripts/lib/oidc-issuer.js" token --info="$PERISCOPE_CLUSTER_DIR/oidc.json" --user="$who" --groups="$groups")" || return 1
  kubectl_ --kubeconfig=/dev/null --server="https://127.0.0.1:$PERISCOPE_APISERVER_PORT" \
    --certificate-authority="$PERISCOPE_CLUSTER_DIR/pki/ca.crt" --token="$t" "$@"
}
oidc_user_known() {
  local out
  out="$(oidc_kubectl alice@example.com shop-deployers auth whoami -o jsonpath='{.status.userInfo.username}' 2>&1)"
  [ "$out" = "oidc:alice@example.com" ] || { echo "$out"; return 1; }
}
oidc_deployer_can_write() {
  oidc_kubectl alice@example.com shop-deployers create configmap selftest-oidc -n shop \
    && oidc_kubectl alice@example.com shop-deployers delete configmap selftest-oidc -n shop
}
oidc_viewer_cannot_write() {
  local out
  out="$(oidc_kubectl bob@example.com viewers create configmap selftest-oidc-bob -n shop 2>&1)" && return 1
  grep -qi forbidden <<<"$out" || { echo "$out"; return 1; }
}
# kubectl proxy: plain HTTP on loopback, no credentials sent (the portal's localKubectlProxy path)
proxy_url() { echo "http://127.0.0.1:$PERISCOPE_KUBECTL_PROXY_PORT$1"; }
proxy_serves_api() {
  local out
  out="$(curl -sS --max-time 5 "$(proxy_url /readyz)")" && [ "$out" = ok ] || { echo "readyz: $out"; return 1; }
  out="$(curl -sS --max-time 5 "$(proxy_url /api/v1/namespaces/default)")" && grep -q '"name": *"default"' <<<"$out" || { echo "$out"; return 1; }
}
proxy_server_side_apply() { # PATCH application/apply-patch+yaml, as module deploys do
  local out
  out="$(curl -sS --max-time 10 -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
    --data-binary $'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: selftest-proxy, namespace: default}\ndata: {a: "1"}\n' \
    "$(proxy_url '/api/v1/namespaces/default/configmaps/selftest-proxy?fieldManager=selftest&force=true')")" \
    && grep -q '"a": *"1"' <<<"$out" || { echo "$out"; return 1; }
  curl -sS --max-time 5 -X DELETE "$(proxy_url /api/v1/namespaces/default/configmaps/selftest-proxy)" >/dev/null
}
proxy_watches() { # a watch streams events (the API server ends it after timeoutSeconds)
  local out
  out="$(curl -sSN --max-time 15 "$(proxy_url '/api/v1/namespaces/shop/pods?watch=true&timeoutSeconds=2')")" \
    && grep -q '"type":"ADDED"' <<<"$out" || { echo "$out" | head -c 2000; return 1; }
}
proxy_streams_logs() { # a followed container log (the Tetragon export the Security tab reads)
  local out
  out="$(curl -sSN --max-time 3 "$(proxy_url '/api/v1/namespaces/kube-system/pods/tetragon-export/log?container=export-stdout&follow=true&tailLines=2')")"
  [ -n "$out" ] || { echo "no log lines through the proxy"; return 1; }
}
proxy_refuses_exec() { # kubectl's default --reject-paths
  local code
  code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -X POST "$(proxy_url '/api/v1/namespaces/kube-system/pods/tetragon-export/exec?command=true')")"
  [ "$code" = 403 ] || { echo "exec answered $code"; return 1; }
}
up_prints_kubeconfig_last() { [ "$(tail -n 1 "$state/up.out")" = "$PERISCOPE_CLUSTER_DIR/kubeconfig" ]; }
second_up_reports() { local out; out="$("$cluster" up 2>"$state/up2.err")" && [ "$(tail -n 1 <<<"$out")" = "$PERISCOPE_CLUSTER_DIR/kubeconfig" ] && grep -q 'already up' "$state/up2.err"; }
port_clash_refused() { # a second cluster on the same apiserver port must fail, name the step and the variable
  local out
  out="$(PERISCOPE_CLUSTER_DIR="$state/other" "$cluster" up 2>&1)" && { echo "second up succeeded"; return 1; }
  grep -q "step 'check ports' failed" <<<"$out" && grep -q 'PERISCOPE_ETCD_CLIENT_PORT' <<<"$out" || { echo "$out"; return 1; }
}
bad_port_refused() {
  local out
  out="$(PERISCOPE_CLUSTER_DIR="$state/bad" PERISCOPE_APISERVER_PORT=notaport PERISCOPE_ETCD_CLIENT_PORT=$((base + 10)) PERISCOPE_ETCD_PEER_PORT=$((base + 11)) "$cluster" up 2>&1)" && return 1
  grep -q "PERISCOPE_APISERVER_PORT='notaport' is not a port number" <<<"$out" || { echo "$out"; return 1; }
}
bad_profile_refused() { local out; out="$("$cluster" seed --profile nope 2>&1)" && return 1; grep -q "unknown profile 'nope'" <<<"$out" || { echo "$out"; return 1; }; }
start_failure_cleans_up() { # kube-controller-manager cannot bind (etcd holds its port): up must fail and stop the rest
  local out dir="$state/broken" p=$((base + 600))
  out="$(PERISCOPE_CLUSTER_DIR="$dir" PERISCOPE_ETCD_CLIENT_PORT=$p PERISCOPE_KCM_PORT=$p PERISCOPE_ETCD_PEER_PORT=$((p + 1)) \
    PERISCOPE_APISERVER_PORT=$((p + 2)) PERISCOPE_SCHEDULER_PORT=$((p + 3)) PERISCOPE_KWOK_PORT=$((p + 4)) \
    PERISCOPE_KUBECTL_PROXY_PORT=$((p + 5)) "$cluster" up 2>&1)" && return 1
  grep -q "step 'start kube-controller-manager' failed" <<<"$out" && grep -q "$dir/logs/kube-controller-manager.log" <<<"$out" || { echo "$out"; return 1; }
  [ -z "$(pgrep -af -- "$dir/" || true)" ] || { echo "left running: $(pgrep -af -- "$dir/")"; return 1; }
  [ -z "$(ss -Hltn "sport = :$p")" ] || { echo "port $p still listening"; return 1; }
}
proxy_restarted_by_up() {
  local pid out
  pid="$(cat "$PERISCOPE_CLUSTER_DIR/pids/kubectl-proxy.pid")" && kill "$pid" || return 1
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  "$cluster" status >/dev/null && { echo "status is ok without the proxy"; return 1; }
  out="$("$cluster" up 2>&1)" || { echo "$out"; return 1; }
  grep -q 'kubectl proxy is not running: starting it' <<<"$out" || { echo "$out"; return 1; }
  [ "$(cat "$PERISCOPE_CLUSTER_DIR/pids/kubectl-proxy.pid")" != "$pid" ] && "$cluster" status && proxy_serves_api
}
status_down() { "$cluster" status; [ $? -eq 3 ]; }

cleanup() { "$cluster" down >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT

check "status reports down before up" status_down
check "bad port value is refused with its variable named" bad_port_refused
t0=$SECONDS
check "cluster up" bash -c "'$cluster' up >'$state/up.out' 2>'$state/up.err' || { cat '$state/up.err'; exit 1; }"
echo "     (up took $((SECONDS - t0)) s)"
bin="$(sed -n 's/^CLUSTER_BIN=//p' "$PERISCOPE_CLUSTER_DIR/cluster.env" 2>/dev/null)"
kubeconfig="$PERISCOPE_CLUSTER_DIR/kubeconfig"
# the OIDC issuer's port is picked at start: it must be free again after down, like the others
oidc_port="$(sed -n 's/^CLUSTER_OIDC_PORT=//p' "$PERISCOPE_CLUSTER_DIR/cluster.env" 2>/dev/null)"
[ -n "$oidc_port" ] && ports+=("$oidc_port")
check "up prints the admin kubeconfig path as its last line" up_prints_kubeconfig_last
check "apiserver /readyz is ok" readyz_ok
check "status: every component healthy" "$cluster" status
check "second up reports and prints the kubeconfig" second_up_reports
check "kubectl proxy serves the API on loopback without credentials" proxy_serves_api
check "kubectl proxy passes server-side apply" proxy_server_side_apply
check "a stopped kubectl proxy is restarted by up (cluster left running)" proxy_restarted_by_up
check "an OIDC token authenticates its e-mail as oidc:<email>" oidc_user_known
check "OIDC shop deployer can create and delete a ConfigMap in shop" oidc_deployer_can_write
check "OIDC viewer cannot create in shop" oidc_viewer_cannot_write
check "port clash is refused, naming step and variable" port_clash_refused
check "seed --profile scenarios" "$cluster" seed --profile scenarios
check "scenario states" "$cluster" check-scenarios
check "kubectl proxy streams a watch" proxy_watches
check "kubectl proxy streams a followed pod log" proxy_streams_logs
check "kubectl proxy refuses pods/exec (kubectl's default --reject-paths)" proxy_refuses_exec
check "read-only kubeconfig can list pods" readonly_can_list
check "read-only kubeconfig cannot create" readonly_cannot_write
check "bad seed profile is refused" bad_profile_refused
check "a component failing at start stops the others, naming step and log" start_failure_cleans_up
check "cluster down" "$cluster" down
check "no component process left" no_processes
check "no port left listening" ports_free
check "state dir removed" state_removed
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
