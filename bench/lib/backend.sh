# shellcheck shell=bash
# What the benchmarks that start a Periscope backend share (bench/portal, bench/backend-load):
# the cluster to use, a port of their own, waiting for the backend, stopping its process group.
# Source it after scripts/lib/env.sh and scripts/lib/ports.sh.

# bench_kubeconfig: PERISCOPE_KUBECONFIG, or that of ./scripts/cluster (which must be running);
# with "scenarios", the local cluster must hold the seeded scenario workloads too.
bench_kubeconfig() {
  if [ -z "${PERISCOPE_KUBECONFIG:-}" ]; then
    "$ROOT/scripts/cluster" status >/dev/null 2>&1 \
      || die "the local cluster is not running: start it with ./scripts/cluster up && ./scripts/cluster seed, or set PERISCOPE_KUBECONFIG"
    PERISCOPE_KUBECONFIG="$("$ROOT/scripts/cluster" kubeconfig)"
    if [ "${1:-}" = scenarios ]; then
      "$ROOT/scripts/cluster" kubectl -n shop get deployment checkout >/dev/null 2>&1 \
        || die "the local cluster holds no scenario workloads (namespace shop): run ./scripts/cluster seed"
    fi
  fi
  [ -r "$PERISCOPE_KUBECONFIG" ] || die "PERISCOPE_KUBECONFIG=$PERISCOPE_KUBECONFIG is not a readable file"
}

# bench_port: PORT from BENCH_PORT, or the first free one from 7600 (never the portal's 7007 or 3000)
bench_port() {
  local p
  PORT="${BENCH_PORT:-}"
  if [ -z "$PORT" ]; then
    for ((p = 7600; p < 7700; p++)); do port_free "$p" && PORT=$p && break; done
    [ -n "$PORT" ] || die "no free port in 7600-7699; set BENCH_PORT"
  fi
  [ "$PORT" != 7007 ] && [ "$PORT" != 3000 ] || die "BENCH_PORT must not be 7007 or 3000 (the portal's)"
  require_port_free "$PORT" "the benchmark's backend"
}

# stop_group PGID: TERM to the process group, KILL after 10 s
stop_group() {
  local g="$1" i
  kill -0 -- "-$g" 2>/dev/null || return 0
  kill -TERM -- "-$g" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 -- "-$g" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$g" 2>/dev/null || true
}

# wait_backend PGID PORT LOG: the three Periscope backends answer /health within 240 s while the
# backend's process group lives; else the log's tail and a failure
wait_backend() {
  local pgid="$1" port="$2" logfile="$3" plugin i
  for plugin in k8s-diagnostics module-deploy runtime-security; do
    for ((i = 0; ; i++)); do
      curl -fsS -o /dev/null "http://127.0.0.1:$port/api/$plugin/health" 2>/dev/null && break
      if ! kill -0 -- "-$pgid" 2>/dev/null; then
        tail -n 40 "$logfile" >&2
        die "the backend exited while starting (log above: $logfile)"
      fi
      if [ "$i" -ge 240 ]; then
        tail -n 40 "$logfile" >&2
        die "the backend did not answer /api/$plugin/health within 240 s (log above: $logfile)"
      fi
      sleep 1
    done
  done
}
