# shellcheck shell=bash
# `scripts/cluster seed` and `check-scenarios`. Sourced by scripts/cluster after control-plane.sh.

SEED_DIR="$PERISCOPE_ROOT/scripts/seed"
# shellcheck source=scripts/seed/k8sgpt-operator/seed.sh
source "$SEED_DIR/k8sgpt-operator/seed.sh"
SEED_SCALE_NODES="${PERISCOPE_SCALE_NODES:-100}"
SEED_SCALE_DEPLOYMENTS="${PERISCOPE_SCALE_DEPLOYMENTS:-1000}"
SEED_SCALE_PODS="${PERISCOPE_SCALE_PODS:-5000}"
SEED_SCALE_NAMESPACES="${PERISCOPE_SCALE_NAMESPACES:-10}"
SEED_SCALE_TIMEOUT="${PERISCOPE_SCALE_TIMEOUT:-900}"

cluster_seed() {
  local profile=scenarios
  while [ $# -gt 0 ]; do
    case "$1" in
      --profile) profile="${2:-}"; shift 2 || true ;;
      --profile=*) profile="${1#--profile=}"; shift ;;
      *) die "cluster seed: unknown argument '$1'. Usage: scripts/cluster seed [--profile scenarios|scale|real-node]" ;;
    esac
  done
  case "$profile" in
    scenarios | scale | real-node) ;;
    *) die "cluster seed: unknown profile '$profile'. Use --profile scenarios, scale or real-node." ;;
  esac
  require_up
  case "$profile" in
    scale) seed_scale ;;
    real-node) seed_real_node ;;
    *) seed_scenarios ;;
  esac
}

# seed_real_node: the real-node scenarios (scripts/seed/real-node, namespace real-node): failures the
# kubelet, containerd and runc produce on periscope-real-0 (scripts/cluster up --real-node).
seed_real_node() {
  local l="$CLUSTER_DIR/logs/seed.log" t0=$SECONDS deadline out
  kube get node "${REAL_NODE_NAME:-periscope-real-0}" >/dev/null 2>&1 \
    || die "cluster seed: the real node ${REAL_NODE_NAME:-periscope-real-0} is not in this cluster. Run scripts/cluster up --real-node first."
  log "applying real-node scenarios from $SEED_DIR/real-node (log: $l)"
  kube apply --server-side --force-conflicts -f "$SEED_DIR/real-node/" >>"$l" 2>&1 \
    || { tail -n 15 "$l" >&2; die "cluster seed: step 'apply real-node scenarios' failed; read $l."; }
  # the slowest state is a second OOM kill / restart after the kubelet's 10 s back-off
  deadline=$((SECONDS + CLUSTER_TIMEOUT * 3))
  log "waiting for the real-node scenario states (up to $((CLUSTER_TIMEOUT * 3)) s)"
  while :; do
    if out="$(check_real_node_scenarios 2>&1)"; then break; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$out" >&2
      die "cluster seed: step 'wait for real-node scenario states' failed: the checks above did not all pass within $((CLUSTER_TIMEOUT * 3)) s. Read $CLUSTER_DIR/logs/kubelet.log and containerd.log."
    fi
    sleep 2
  done
  echo "$out" >&2
  log "real-node scenarios seeded in $((SECONDS - t0)) s"
}

# check_real_node_scenarios: the state each real-node scenario reaches; states a real kubelet
# alternates between (ErrImagePull/ImagePullBackOff, CrashLoopBackOff/Running) are both accepted.
check_real_node_scenarios() {
  CHECK_PASSED=0 CHECK_FAILED=0
  local n="-n real-node" c='{.items[0].status.containerStatuses[0]'
  # shellcheck disable=SC2086
  {
    expect "rn-healthy: Running and Ready" "$(jp $n pods -l app=rn-healthy '{.items[0].status.phase}/'"$c"'.ready}')" "Running/true"
    expect "rn-image-pull: ErrImagePull or ImagePullBackOff, tag not found" \
      "$(jp $n pods -l app=rn-image-pull "$c"'.state.waiting.reason}: '"$c"'.state.waiting.message}')" "@(ErrImagePull|ImagePullBackOff): *busybox:1.36-does-not-exist*not found*"
    expect "rn-bad-command: restarted, last exit 127" "$(jp $n pods -l app=rn-bad-command "$c"'.lastState.terminated.exitCode}')" "127"
    expect "rn-app-exits: restarted, last exit 1 (Error)" "$(jp $n pods -l app=rn-app-exits "$c"'.lastState.terminated.reason}/'"$c"'.lastState.terminated.exitCode}')" "Error/1"
    expect "rn-oom: OOMKilled, exit 137" "$(jp $n pods -l app=rn-oom "$c"'.lastState.terminated.reason}/'"$c"'.lastState.terminated.exitCode}')" "OOMKilled/137"
    expect "rn-missing-configmap: CreateContainerConfigError" \
      "$(jp $n pods -l app=rn-missing-configmap "$c"'.state.waiting.reason}: '"$c"'.state.waiting.message}')" 'CreateContainerConfigError: configmap "rn-missing-config" not found'
    expect "rn-missing-secret-key: CreateContainerConfigError" \
      "$(jp $n pods -l app=rn-missing-secret-key "$c"'.state.waiting.reason}: '"$c"'.state.waiting.message}')" "CreateContainerConfigError: couldn't find key password in Secret real-node/rn-db"
    expect "rn-liveness: restarted by the liveness probe" "$(jp $n pods -l app=rn-liveness "$c"'.restartCount}')" "[1-9]*"
    expect "rn-readiness: Running, not Ready" "$(jp $n pods -l app=rn-readiness '{.items[0].status.phase}/'"$c"'.ready}')" "Running/false"
    expect "rn-readiness: Service without ready endpoints" \
      "$(jp $n endpointslices -l kubernetes.io/service-name=rn-readiness '{range .items[*].endpoints[*]}{.conditions.ready}{" "}{end}')" "false "
    expect "rn-init-fails: init container exits 2" \
      "$(jp $n pods -l app=rn-init-fails '{.items[0].status.initContainerStatuses[0].lastState.terminated.exitCode}')" "2"
    expect "rn-job-fails: Job Failed, BackoffLimitExceeded" \
      "$(jp $n job rn-job-fails '{.status.conditions[?(@.type=="Failed")].status}/{.status.conditions[?(@.type=="Failed")].reason}')" "True/BackoffLimitExceeded"
  }
  echo "real-node scenario checks: $CHECK_PASSED passed, $CHECK_FAILED failed"
  [ "$CHECK_FAILED" = 0 ]
}

seed_scenarios() {
  local l="$CLUSTER_DIR/logs/seed.log" t0=$SECONDS
  log "applying scenario workloads from $SEED_DIR/scenarios (log: $l)"
  kube apply --server-side --force-conflicts -f "$SEED_DIR/scenarios/" >>"$l" 2>&1 \
    || { tail -n 15 "$l" >&2; die "cluster seed: step 'apply scenarios' failed; read $l. Fix the manifest it names under scripts/seed/scenarios and run seed again."; }
  log "waiting for the scenario states (up to ${CLUSTER_TIMEOUT} s)"
  local deadline=$((SECONDS + CLUSTER_TIMEOUT)) out
  while :; do
    if out="$(check_scenarios 2>&1)"; then break; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$out" >&2
      die "cluster seed: step 'wait for scenario states' failed: the checks above did not all pass within ${CLUSTER_TIMEOUT} s. Read $CLUSTER_DIR/logs/kwok.log (failure stages) and kube-controller-manager.log; raise PERISCOPE_CLUSTER_TIMEOUT on a slow machine."
    fi
    sleep 2
  done
  echo "$out" >&2
  seed_k8sgpt_operator
  log "scenarios seeded in $((SECONDS - t0)) s"
}

# jp RESOURCE-ARGS... JSONPATH: one kubectl get with -o jsonpath, empty on error.
jp() {
  local path="${*: -1}"
  kube get "${@:1:$#-1}" -o "jsonpath=$path" 2>/dev/null || true
}

# expect LABEL ACTUAL EXPECTED-GLOB: records one check.
CHECK_PASSED=0
CHECK_FAILED=0
expect() {
  # shellcheck disable=SC2053
  shopt -s extglob
  if [[ "$2" == $3 ]]; then
    CHECK_PASSED=$((CHECK_PASSED + 1)); echo "ok   $1"
  else
    CHECK_FAILED=$((CHECK_FAILED + 1)); echo "FAIL $1: got '${2}', want '${3}'"
  fi
}

# check_scenarios: each intended scenario state, one line each; non-zero when any is wrong.
check_scenarios() {
  CHECK_PASSED=0 CHECK_FAILED=0
  local n="-n shop"
  # shellcheck disable=SC2086
  {
    expect "checkout: 2/2 replicas available" "$(jp $n deployment checkout '{.status.availableReplicas}')" "2"
    expect "checkout: pods Running" "$(jp $n pods -l app=checkout '{.items[*].status.phase}')" "Running Running"
    expect "checkout: Service has 2 ready endpoints" \
      "$(jp $n endpointslices -l kubernetes.io/service-name=checkout '{range .items[*].endpoints[*]}{.conditions.ready}{" "}{end}')" "true true "
    expect "checkout-pdb: no disruptions allowed" "$(jp $n pdb checkout-pdb '{.spec.maxUnavailable}/{.status.disruptionsAllowed}')" "0/0"
    expect "payments: CrashLoopBackOff" "$(jp $n pods -l app=payments '{.items[0].status.containerStatuses[0].state.waiting.reason}')" "CrashLoopBackOff"
    expect "payments: restartCount 7, last exit Error" \
      "$(jp $n pods -l app=payments '{.items[0].status.containerStatuses[0].restartCount}/{.items[0].status.containerStatuses[0].lastState.terminated.reason}')" "7/Error"
    expect "cart: ImagePullBackOff" "$(jp $n pods -l app=cart '{.items[0].status.phase}/{.items[0].status.containerStatuses[0].state.waiting.reason}')" "Pending/ImagePullBackOff"
    expect "cart-hpa: target cart-v2 missing (AbleToScale False)" \
      "$(jp $n hpa cart-hpa '{.status.conditions[?(@.type=="AbleToScale")].status}/{.status.conditions[?(@.type=="AbleToScale")].reason}')" "False/FailedGetScale"
    expect "recommender: OOMKilled then CrashLoopBackOff" \
      "$(jp $n pods -l app=recommender '{.items[0].status.containerStatuses[0].lastState.terminated.reason}/{.items[0].status.containerStatuses[0].lastState.terminated.exitCode}/{.items[0].status.containerStatuses[0].state.waiting.reason}')" "OOMKilled/137/CrashLoopBackOff"
    expect "search: Pending, Unschedulable" \
      "$(jp $n pods -l app=search '{.items[0].status.phase}/{.items[0].status.conditions[?(@.type=="PodScheduled")].reason}')" "Pending/Unschedulable"
    expect "notifier: CreateContainerConfigError" \
      "$(jp $n pods -l app=notifier '{.items[0].status.containerStatuses[0].state.waiting.reason}')" "CreateContainerConfigError"
    expect "legacy-api: Service without endpoints" \
      "$(jp $n endpointslices -l kubernetes.io/service-name=legacy-api '{.items[*].metadata.name}|{range .items[*].endpoints[*]}{.addresses[0]} {end}')" "legacy-api-*|"
    expect "storefront: Ingress exists, backend storefront-web missing" \
      "$(jp $n ingress storefront '{.spec.rules[0].http.paths[0].backend.service.name}')/$(kube get $n service storefront-web -o name 2>&1 | grep -c NotFound)" "storefront-web/1"
    expect "orders-data: PVC Pending" "$(jp $n pvc orders-data '{.status.phase}')" "Pending"
    expect "nightly-report: CronJob exists" "$(jp $n cronjob nightly-report '{.spec.schedule}')" "30 2 \* \* \*"
    expect "nightly-report-manual: Job Failed" \
      "$(jp $n job nightly-report-manual '{.status.conditions[?(@.type=="Failed")].status}/{.status.conditions[?(@.type=="Failed")].reason}')" "True/BackoffLimitExceeded"
    expect "security: tetragon pods Running on every node" \
      "$(jp -n security pods -l app.kubernetes.io/name=tetragon '{range .items[*]}{.status.phase}{" "}{end}' | wc -w)/$(jp nodes -l periscope.dev/pool=default '{range .items[*]}{.metadata.name}{" "}{end}' | wc -w)/$(jp -n security pods -l app.kubernetes.io/name=tetragon '{.items[*].status.phase}' | tr ' ' '\n' | grep -vc Running)" \
      "$CLUSTER_NODES/$CLUSTER_NODES/0"
  }
  echo "scenario checks: $CHECK_PASSED passed, $CHECK_FAILED failed"
  [ "$CHECK_FAILED" = 0 ]
}

cluster_check_scenarios() {
  require_up
  case "${1:-}" in
    --profile=real-node | real-node) check_real_node_scenarios ;;
    --profile) [ "${2:-}" = real-node ] && check_real_node_scenarios || check_scenarios ;;
    *) check_scenarios ;;
  esac
}

# gen_scale_workloads DIR: namespaces.yaml (scale-00..) and one deployments-NN.yaml per namespace.
gen_scale_workloads() {
  local dir="$1"
  rm -rf "$dir" && mkdir -p "$dir"
  awk -v dir="$dir" -v nsc="$SEED_SCALE_NAMESPACES" -v deps="$SEED_SCALE_DEPLOYMENTS" -v pods="$SEED_SCALE_PODS" 'BEGIN {
    for (n = 0; n < nsc; n++)
      printf "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: scale-%02d\n  labels:\n    periscope.dev/profile: scale\n", n > (dir "/namespaces.yaml")
    base = int(pods / deps); extra = pods - base * deps
    for (d = 0; d < deps; d++) {
      r = base + (d < extra ? 1 : 0)
      f = sprintf("%s/deployments-%02d.yaml", dir, d % nsc)
      printf "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-%04d\n  namespace: scale-%02d\n  labels:\n    app: svc-%04d\n    periscope.dev/profile: scale\n    backstage.io/kubernetes-id: scale-svc-%04d\n", d, d % nsc, d, d > f
      printf "spec:\n  replicas: %d\n  selector:\n    matchLabels:\n      app: svc-%04d\n  template:\n    metadata:\n      labels:\n        app: svc-%04d\n        periscope.dev/profile: scale\n        backstage.io/kubernetes-id: scale-svc-%04d\n", r, d, d, d > f
      printf "    spec:\n      nodeSelector:\n        periscope.dev/pool: scale\n      containers:\n      - name: app\n        image: periscope/scale-app:1.0.%d\n        resources:\n          requests: {cpu: 10m, memory: 16Mi}\n", d % 7 > f
    }
  }'
}

# count_scale_ready: ready replicas summed over the scale Deployments (1,000 objects to list
# instead of 5,000 pods, so polling does not slow the cluster it waits for).
count_scale_ready() {
  kube get deployments -A -l periscope.dev/profile=scale -o jsonpath='{range .items[*]}{.status.readyReplicas}{"\n"}{end}' 2>/dev/null \
    | awk '{ s += $1 } END { print s + 0 }'
}

count_scale_running() {
  kube get pods -A -l periscope.dev/profile=scale --field-selector=status.phase=Running -o name 2>/dev/null | wc -l
}

seed_scale() {
  local l="$CLUSTER_DIR/logs/seed.log" t0=$SECONDS f="$CLUSTER_DIR/scale-workloads" running deadline
  local var val
  for var in SEED_SCALE_NODES SEED_SCALE_DEPLOYMENTS SEED_SCALE_PODS SEED_SCALE_NAMESPACES; do
    val="${!var}"
    [[ "$val" =~ ^[0-9]+$ ]] && [ "$val" -ge 1 ] \
      || die "cluster seed: ${var/SEED_/PERISCOPE_}='$val' must be a whole number of at least 1."
  done
  log "scale profile: $SEED_SCALE_NODES nodes, $SEED_SCALE_DEPLOYMENTS Deployments, $SEED_SCALE_PODS pods in $SEED_SCALE_NAMESPACES namespaces"
  create_nodes periscope-scale-node "$SEED_SCALE_NODES" scale "seed: create scale nodes"
  log "nodes ready after $((SECONDS - t0)) s"
  gen_scale_workloads "$f"
  kube apply --server-side --force-conflicts -f "$f/namespaces.yaml" >>"$l" 2>&1 \
    || { tail -n 15 "$l" >&2; die "cluster seed: step 'apply scale namespaces' failed; read $l."; }
  # kubectl limits itself to about 5 requests/s, so one server-side apply per namespace runs in parallel.
  if ! find "$f" -name 'deployments-*.yaml' -print0 | xargs -0 -P "$SEED_SCALE_NAMESPACES" -I{} \
    "$CLUSTER_BIN/kubectl" --kubeconfig="$CLUSTER_ADMIN_KUBECONFIG" apply --server-side --force-conflicts -o name -f {} >>"$l" 2>&1; then
    tail -n 15 "$l" >&2
    die "cluster seed: step 'apply scale workloads' failed; read $l."
  fi
  log "workloads applied after $((SECONDS - t0)) s; waiting for $SEED_SCALE_PODS pods to be Running (up to ${SEED_SCALE_TIMEOUT} s)"
  deadline=$((SECONDS + SEED_SCALE_TIMEOUT))
  while :; do
    running="$(count_scale_ready)"
    if [ "$running" -ge "$SEED_SCALE_PODS" ]; then
      running="$(count_scale_running)"
      [ "$running" -ge "$SEED_SCALE_PODS" ] && break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "cluster seed: step 'wait for scale pods' failed: $running of $SEED_SCALE_PODS pods Running after ${SEED_SCALE_TIMEOUT} s. Read $CLUSTER_DIR/logs/kube-controller-manager.log, kube-scheduler.log and kwok.log; raise PERISCOPE_SCALE_TIMEOUT on a slow machine."
    fi
    log "  $running/$SEED_SCALE_PODS ready ($((SECONDS - t0)) s)"
    sleep 5
  done
  log "scale profile seeded: $running pods Running in $((SECONDS - t0)) s"
}
