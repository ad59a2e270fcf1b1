# port_free PORT: 0 when nothing listens on 127.0.0.1:PORT / *:PORT
port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
require_port_free() {
  local port="$1" what="$2" who=""
  if ! port_free "$port"; then
    who="$(ss -ltnp 2>/dev/null | awk -v p=":$port" '$4 ~ p"$" {print $6}' | head -1)"
    die "port $port (needed for $what) is already in use${who:+ by $who}. Stop that process (or a portal that is still running) and run this again."
  fi
}
wait_http() { # wait_http URL SECONDS
  local url="$1" secs="$2" i
  for ((i = 0; i < secs; i++)); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 1
  done
  return 1
}
