#!/usr/bin/env bash
# Tests the failure messages of the set-up scripts (no Node/npm, port in use, unreadable
# kubeconfig for the portal config). Prints "N passed, N failed".
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
passed=0
failed=0
check() { # check NAME EXPECTED_REGEX OUTPUT RC
  if [ "$4" -ne 0 ] && grep -Eq "$2" <<<"$3"; then
    passed=$((passed + 1)); echo "ok   $1"
  else
    failed=$((failed + 1)); echo "FAIL $1 (exit $4): $3"
  fi
}

# 1. neither Node 22 nor npm: the message says what to install
tmp="$(mktemp -d)"
mkdir -p "$tmp/bin"
for t in dirname mkdir chmod cat cut sha256sum; do ln -s "$(command -v $t)" "$tmp/bin/$t"; done
out="$(env -i HOME="$tmp" PATH="$tmp/bin" PERISCOPE_CACHE="$tmp/cache" /bin/bash -c "source '$ROOT/scripts/lib/env.sh'; ensure_node" 2>&1)"; rc=$?
check "no node and no npm" "Node 22 is needed .* Install Node.js 22 or 24" "$out" "$rc"

# 2. a port in use: scripts/start names the port and what to do
# the holder's output goes to /dev/null, or $(port_holder …) would wait for it to exit
port_holder() { python3 -c "import socket,time;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('127.0.0.1',$1));s.listen();time.sleep(120)" >/dev/null 2>&1 & echo $!; }
if (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null; then
  # a check that cannot run is a failure, not a skip
  failed=$((failed + 1)); echo "FAIL port-in-use check: something already listens on :3000 (stop it and run again)"
else
  pid="$(port_holder 3000)"; sleep 0.5
  # `timeout`: should the check ever pass by mistake, no portal is left running
  out="$(PERISCOPE_NO_LOCAL_CLUSTER=1 timeout 120 "$ROOT/scripts/start" 2>&1)"; rc=$?
  kill "$pid" 2>/dev/null
  check "port 3000 in use" "port 3000 \(needed for the portal frontend\) is already in use.*Stop that process" "$out" "$rc"
fi

# 3. the portal config from a kubeconfig that is not one
echo "not: [a kubeconfig" >"$tmp/bad"
out="$(node "$ROOT/scripts/lib/cluster-app-config.js" "$tmp/bad" 2>&1)"; rc=$?
check "bad kubeconfig" "cannot read kubeconfig|has no current context" "$out" "$rc"
out="$(node "$ROOT/scripts/lib/cluster-app-config.js" "$tmp/missing" 2>&1)"; rc=$?
check "missing kubeconfig" "cannot read kubeconfig .*Run ./scripts/cluster up first" "$out" "$rc"

rm -rf "$tmp"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
