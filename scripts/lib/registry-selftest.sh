#!/usr/bin/env bash
# Tests scripts/lib/registry.sh: it starts and stops Debian's docker-registry on loopback (open
# and htpasswd), and fails clearly when the binary is missing or the port is taken. Uses its
# own ports and directory, so it does not touch registries the test run started.
# Prints "N passed, N failed".
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
check() { # check NAME EXPECTED_REGEX OUTPUT RC: a failure whose message matches
  if [ "$4" -ne 0 ] && grep -Eq "$2" <<<"$3"; then ok "$1"; else bad "$1" "(exit $4) $3"; fi
}
tmp="$(mktemp -d)"
port=$((15100 + RANDOM % 800))
lib() { # runs registry.sh functions in a subshell with this test's settings
  env PERISCOPE_REGISTRY_DIR="$tmp/reg" PERISCOPE_REGISTRY_PORT="$port" "$@" bash -c "
    source '$ROOT/scripts/lib/env.sh'; source '$ROOT/scripts/lib/ports.sh'; source '$ROOT/scripts/lib/registry.sh'
    $(cat)"
}

# 1. the binary is missing: the message says what to install
out="$(lib PERISCOPE_REGISTRY_BIN="$tmp/none" <<<'registry_up' 2>&1)"; rc=$?
check "missing binary" "docker-registry is missing|$tmp/none is missing: apt-get install -y docker-registry" "$out" "$rc"

if [ ! -x /usr/bin/docker-registry ]; then
  # ./scripts/test installs it: a check that cannot run is a failure, not a skip
  bad "start/stop checks" "/usr/bin/docker-registry is not installed (apt-get install -y docker-registry)"
else
  # 2. up: both answer /v2/ (the auth one only with the credentials), the storage is exported
  out="$(lib <<<'registry_up >&2 && env | grep ^PERISCOPE_REGISTRY_' 2>&1)"; rc=$?
  url="$(sed -n 's/^PERISCOPE_REGISTRY_URL=//p' <<<"$out")"
  aurl="$(sed -n 's/^PERISCOPE_REGISTRY_AUTH_URL=//p' <<<"$out")"
  creds="$(sed -n 's/^PERISCOPE_REGISTRY_AUTH_CREDENTIALS=//p' <<<"$out")"
  if [ "$rc" -eq 0 ] && [ "$url" = "http://127.0.0.1:$port" ] && curl -fsS "$url/v2/" >/dev/null; then
    ok "open registry answers on $url"
  else bad "open registry up" "$out"; fi
  if [ -n "$aurl" ]; then
    code="$(curl -s -o /dev/null -w '%{http_code}' "$aurl/v2/")"
    if [ "$code" = 401 ] && curl -fsS -u "$creds" "$aurl/v2/" >/dev/null; then
      ok "auth registry: 401 without credentials, 200 with them"
    else bad "auth registry" "HTTP $code without credentials"; fi
  else
    bad "auth registry check (no auth registry was started)" "$out"
  fi
  if (source "$tmp/reg/registry.env" && [ "$PERISCOPE_REGISTRY_URL" = "$url" ] && [ "$PERISCOPE_REGISTRY_STORAGE" = "$tmp/reg/open/storage" ]); then
    ok "registry.env holds the exports for a caller that ran registry_up in a subshell"
  else bad "registry.env" "$(cat "$tmp/reg/registry.env" 2>&1)"; fi
  grep -q "rootdirectory: $tmp/reg/open/storage" "$tmp/reg/open/config.yml" && grep -q "addr: 127.0.0.1:$port" "$tmp/reg/open/config.yml" \
    && ok "loopback only, filesystem storage in the cache dir" || bad "config" "$(cat "$tmp/reg/open/config.yml")"

  # 3. the port is taken (by the registry just started): a clear refusal naming the port
  out="$(lib <<<'_registry_start again '"$port" 2>&1)"; rc=$?
  check "port in use" "port $port \(needed for the test OCI registry 'again'.*\) is already in use" "$out" "$rc"

  # 4. down: both stopped, nothing left listening
  pids="$(cat "$tmp"/reg/*/registry.pid 2>/dev/null | tr '\n' ' ')"
  lib <<<'registry_down' >/dev/null 2>&1
  alive=""
  for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
  if [ -z "$alive" ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    ok "down stops both registries"
  else bad "down" "still running:$alive"; fi
fi

rm -rf "$tmp"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
