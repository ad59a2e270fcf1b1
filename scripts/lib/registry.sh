# Local OCI registries for the tests: Debian's docker-registry package (the CNCF distribution
# registry), filesystem storage under ${PERISCOPE_REGISTRY_DIR:-$PERISCOPE_CACHE/registry},
# deletes enabled, listening on loopback only:
#   open  127.0.0.1:${PERISCOPE_REGISTRY_PORT:-15000}, no auth
#   auth  127.0.0.1:$((PORT + 1)), htpasswd (basic) auth with a throw-away password
# Source after env.sh and ports.sh. registry_up exports PERISCOPE_REGISTRY_URL,
# PERISCOPE_REGISTRY_STORAGE (the tests tamper with stored blobs there),
# PERISCOPE_REGISTRY_AUTH_URL and PERISCOPE_REGISTRY_AUTH_CREDENTIALS (user:password);
# registry_up also writes those exports to $PERISCOPE_REGISTRY_DIR/registry.env, so a caller
# may run it in a subshell (where a die cannot end the caller) and source that file after.
# registry_down stops what registry_up started.
PERISCOPE_REGISTRY_PORT="${PERISCOPE_REGISTRY_PORT:-15000}"
PERISCOPE_REGISTRY_DIR="${PERISCOPE_REGISTRY_DIR:-${PERISCOPE_CACHE:-$HOME/.cache/periscope}/registry}"
PERISCOPE_REGISTRY_BIN="${PERISCOPE_REGISTRY_BIN:-/usr/bin/docker-registry}"

registry_bin() {
  [ -x "$PERISCOPE_REGISTRY_BIN" ] \
    || die "the OCI registry binary $PERISCOPE_REGISTRY_BIN is missing: apt-get install -y docker-registry (as root), or set PERISCOPE_REGISTRY_BIN to a distribution registry binary"
  echo "$PERISCOPE_REGISTRY_BIN"
}

# registry_config PORT STORAGE [HTPASSWD]: a registry configuration (YAML) on stdout
registry_config() {
  printf '%s\n' \
    'version: 0.1' \
    'log:' \
    '  level: warn' \
    '  accesslog:' \
    '    disabled: true' \
    'storage:' \
    '  filesystem:' \
    "    rootdirectory: $2" \
    '  delete:' \
    '    enabled: true' \
    '  maintenance:' \
    '    uploadpurging:' \
    '      enabled: false' \
    'http:' \
    "  addr: 127.0.0.1:$1" \
    "  secret: periscope-test-$RANDOM$RANDOM" \
    '  headers:' \
    '    X-Content-Type-Options: [nosniff]'
  if [ -n "${3:-}" ]; then
    printf '%s\n' 'auth:' '  htpasswd:' '    realm: periscope-test' "    path: $3"
  fi
}

# _registry_start NAME PORT [HTPASSWD]: starts one registry, waits until /v2/ answers
_registry_start() {
  local name="$1" port="$2" htpasswd="${3:-}" bin dir pid i code
  bin="$(registry_bin)" || return 1
  require_port_free "$port" "the test OCI registry '$name' (set PERISCOPE_REGISTRY_PORT to use another pair of ports)"
  dir="$PERISCOPE_REGISTRY_DIR/$name"
  rm -rf "$dir" && mkdir -p "$dir/storage"
  registry_config "$port" "$dir/storage" "$htpasswd" >"$dir/config.yml"
  # setsid: its own process group; registry_down stops it by the recorded id and nothing else
  setsid "$bin" serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/registry.pid"
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$dir/registry.log" >&2
      die "the OCI registry '$name' exited at start (log above, in $dir/registry.log)"
    fi
    # 200 without auth, 401 with it: either way it is serving
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" 2>/dev/null)"
    [ "$code" = 200 ] || [ "$code" = 401 ] && return 0
    sleep 0.1
  done
  registry_down
  die "the OCI registry '$name' did not answer http://127.0.0.1:$port/v2/ within 10 s (see $dir/registry.log)"
}

# prints user:password and writes the bcrypt htpasswd file (cost 4: a throw-away test password,
# and the registry checks it on every request); fails when no bcrypt is at hand
_registry_htpasswd() {
  local file="$1" pass hash
  pass="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  hash="$(python3 -W ignore -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' "$pass" 2>/dev/null)" || return 1
  case "$hash" in '$2'*) ;; *) return 1 ;; esac
  printf 'periscope:%s\n' "$hash" >"$file"
  echo "periscope:$pass"
}

registry_up() {
  local auth_port=$((PERISCOPE_REGISTRY_PORT + 1)) creds
  registry_down
  unset PERISCOPE_REGISTRY_AUTH_URL PERISCOPE_REGISTRY_AUTH_CREDENTIALS
  rm -f "$PERISCOPE_REGISTRY_DIR/registry.env"
  mkdir -p "$PERISCOPE_REGISTRY_DIR"
  _registry_start open "$PERISCOPE_REGISTRY_PORT" || return 1
  export PERISCOPE_REGISTRY_URL="http://127.0.0.1:$PERISCOPE_REGISTRY_PORT"
  export PERISCOPE_REGISTRY_STORAGE="$PERISCOPE_REGISTRY_DIR/open/storage"
  if creds="$(_registry_htpasswd "$PERISCOPE_REGISTRY_DIR/htpasswd")"; then
    _registry_start auth "$auth_port" "$PERISCOPE_REGISTRY_DIR/htpasswd" || return 1
    export PERISCOPE_REGISTRY_AUTH_URL="http://127.0.0.1:$auth_port"
    export PERISCOPE_REGISTRY_AUTH_CREDENTIALS="$creds"
  else
    log "no bcrypt (python3 crypt) for an htpasswd file: the registry auth tests will skip"
  fi
  env | grep -E '^PERISCOPE_REGISTRY_(URL|STORAGE|AUTH_URL|AUTH_CREDENTIALS)=' \
    | sed "s/^\([A-Z_]*\)=\(.*\)$/export \1='\2'/" >"$PERISCOPE_REGISTRY_DIR/registry.env"
}

# stops the registries registry_up started (by their recorded process ids)
registry_down() {
  local pidfile pid i
  for pidfile in "$PERISCOPE_REGISTRY_DIR"/open/registry.pid "$PERISCOPE_REGISTRY_DIR"/auth/registry.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$pidfile"
  done
  return 0
}
