#!/usr/bin/env bash
# A Tetragon pod whose export-stdout container "logs" are corpus events, on the local control plane.
#
# The cluster's kwok serves no container logs (its nodes get no address / kubelet port and it loads
# no ClusterLogs). This script runs a second kwok that manages one tainted node of its own
# (periscope-security-node, InternalIP 127.0.0.1, kubelet port PERISCOPE_SECURITY_KWOK_PORT) and
# serves the export-stdout log of pod kube-system/tetragon-export from a file via a ClusterLogs resource.
# The API server then answers GET /api/v1/namespaces/kube-system/pods/tetragon-export/log?follow=true.
#
#   scripts/seed/security/tetragon-logs.sh up     # after `scripts/cluster up`
#   scripts/seed/security/tetragon-logs.sh down   # before `scripts/cluster down`
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
source "$ROOT/scripts/lib/env.sh"
CLUSTER_DIR="${PERISCOPE_CLUSTER_DIR:-$PERISCOPE_CACHE/cluster}"
STATE="$CLUSTER_DIR/security"
PORT="${PERISCOPE_SECURITY_KWOK_PORT:-16248}"
CORPORA="${PERISCOPE_CORPORA:-$ROOT/../shared/corpora}"
KUBECONFIG_FILE="$CLUSTER_DIR/kubeconfig"

die() { echo "[periscope] ERROR: security seed: $*" >&2; exit 1; }
[ -f "$CLUSTER_DIR/cluster.env" ] || die "the cluster is not up ($CLUSTER_DIR/cluster.env missing): run scripts/cluster up first"
# shellcheck disable=SC1091
source "$CLUSTER_DIR/cluster.env"
kube() { "$CLUSTER_BIN/kubectl" --kubeconfig="$KUBECONFIG_FILE" "$@"; }

up() {
  mkdir -p "$STATE"
  ensure_node >/dev/null
  node "$HERE/make-export-log.mjs" "$CORPORA" "$STATE/export-stdout.log" >"$STATE/make-log.log" 2>&1 \
    || { cat "$STATE/make-log.log" >&2; die "could not write the export log"; }
  sed "s#@LOGFILE@#$STATE/export-stdout.log#" "$HERE/kwok-cluster-logs.yaml" >"$STATE/kwok-cluster-logs.yaml"
  if [ -f "$STATE/kwok.pid" ] && kill -0 "$(cat "$STATE/kwok.pid")" 2>/dev/null; then
    echo "[periscope] security kwok already running (pid $(cat "$STATE/kwok.pid"))"
  else
    if ss -Hltn "sport = :$PORT" | grep -q .; then die "port $PORT is in use: set PERISCOPE_SECURITY_KWOK_PORT to a free port"; fi
    setsid "$CLUSTER_BIN/kwok" --kubeconfig="$KUBECONFIG_FILE" --manage-all-nodes=false \
      --manage-nodes-with-annotation-selector=periscope.dev/security-logs=true \
      --node-ip=127.0.0.1 --node-port="$PORT" --server-address="127.0.0.1:$PORT" \
      --config="$STATE/kwok-cluster-logs.yaml" --cidr=10.245.0.1/24 \
      </dev/null >"$STATE/kwok.log" 2>&1 &
    echo $! >"$STATE/kwok.pid"
  fi
  kube apply --server-side --force-conflicts -f "$HERE/tetragon-export.yaml" >"$STATE/apply.log" 2>&1 \
    || { cat "$STATE/apply.log" >&2; die "applying $HERE/tetragon-export.yaml failed"; }
  local i
  for i in $(seq 1 60); do
    [ "$(kube -n kube-system get pod tetragon-export -o 'jsonpath={.status.phase}' 2>/dev/null)" = Running ] && break
    sleep 1
  done
  [ "$i" -lt 60 ] || die "pod kube-system/tetragon-export is not Running after 60 s; read $STATE/kwok.log"
  kube -n kube-system logs tetragon-export -c export-stdout --tail=1 >/dev/null 2>&1 \
    || die "the API server cannot read the export-stdout log; read $STATE/kwok.log"
  echo "[periscope] kube-system/tetragon-export serves $(wc -l <"$STATE/export-stdout.log") corpus events on export-stdout"
}

down() {
  kube delete pod -n kube-system tetragon-export --grace-period=0 --force >/dev/null 2>&1 || true
  kube delete node periscope-security-node >/dev/null 2>&1 || true
  if [ -f "$STATE/kwok.pid" ]; then
    local pid; pid="$(cat "$STATE/kwok.pid")"
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$STATE"; then kill -TERM "$pid" 2>/dev/null || true; fi
    rm -f "$STATE/kwok.pid"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: scripts/seed/security/tetragon-logs.sh up|down" ;;
esac
