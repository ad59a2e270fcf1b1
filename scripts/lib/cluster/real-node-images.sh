# shellcheck shell=bash
# Images for the real node, built from Debian's busybox-static (no public registry needed) and pushed
# to the real node's local OCI registry, which containerd uses as docker.io and registry.k8s.io.
# Sourced by scripts/lib/cluster/real-node.sh (after env.sh); also runnable on its own:
#   scripts/lib/cluster/real-node-images.sh push http://127.0.0.1:PORT
#
# One layer (busybox-static as /bin/busybox, a symlink per applet, /etc/passwd, /etc/group, /tmp and
# /www with index.html and healthz), four image configs over it:
#   docker.io/library/busybox:1.36, :latest   Cmd ["sh"]
#   docker.io/periscope/httpd:1               busybox httpd on :8080 serving / and /healthz from /www
#   registry.k8s.io/pause:3.10                the pod sandbox: sleeps (containerd stops it with KILL)
# Anything else (another tag, another image) is not in the registry and fails to pull.

REAL_NODE_BUSYBOX="${PERISCOPE_REAL_NODE_BUSYBOX:-/bin/busybox}"

# _rn_img_blob_push URL REPO FILE MEDIA: uploads FILE as a blob (monolithic POST+PUT) unless present
_rn_img_blob_push() {
  local url="$1" repo="$2" file="$3" digest loc
  digest="sha256:$(sha256sum "$file" | cut -d' ' -f1)"
  if [ "$(curl -s -o /dev/null -w '%{http_code}' -I "$url/v2/$repo/blobs/$digest")" = 200 ]; then return 0; fi
  loc="$(curl -fsS -X POST -D - -o /dev/null "$url/v2/$repo/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')" || return 1
  [ -n "$loc" ] || return 1
  case "$loc" in http*) ;; *) loc="$url$loc" ;; esac
  case "$loc" in *\?*) loc="$loc&digest=$digest" ;; *) loc="$loc?digest=$digest" ;; esac
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$file" "$loc" -o /dev/null
}

# _rn_img_push URL REPO TAG LAYER_GZ DIFF_ID CONFIG_JSON_FILE
_rn_img_push() {
  local url="$1" repo="$2" tag="$3" layer="$4" config="$6" manifest
  _rn_img_blob_push "$url" "$repo" "$layer" || return 1
  _rn_img_blob_push "$url" "$repo" "$config" || return 1
  manifest="$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$(sha256sum "$config" | cut -d' ' -f1)" "$(stat -c %s "$config")" \
    "$(sha256sum "$layer" | cut -d' ' -f1)" "$(stat -c %s "$layer")")"
  curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "$manifest" \
    "$url/v2/$repo/manifests/$tag" -o /dev/null
}

# real_node_build_layer DIR: writes DIR/layer.tar.gz and DIR/diff-id (sha256 of the tar), reproducibly
real_node_build_layer() {
  local dir="$1" root applet
  [ -x "$REAL_NODE_BUSYBOX" ] || { log "no $REAL_NODE_BUSYBOX (Debian package busybox-static)"; return 1; }
  # a static binary only: the image has no libc
  if LC_ALL=C readelf -l "$REAL_NODE_BUSYBOX" 2>/dev/null | grep -q 'Requesting program interpreter'; then
    log "$REAL_NODE_BUSYBOX is dynamically linked; install busybox-static"; return 1
  fi
  root="$dir/rootfs"
  rm -rf "$root" && mkdir -p "$root"/{bin,etc,tmp,www,root}
  cp "$REAL_NODE_BUSYBOX" "$root/bin/busybox"
  for applet in $("$REAL_NODE_BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf '<html><body>periscope httpd</body></html>\n' >"$root/www/index.html"
  printf 'ok\n' >"$root/www/healthz"
  chmod 1777 "$root/tmp"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$dir/layer.tar" . || return 1
  sha256sum "$dir/layer.tar" | cut -d' ' -f1 >"$dir/diff-id"
  gzip -n -f "$dir/layer.tar" || return 1
  rm -rf "$root"
}

# _rn_img_config DIFF_ID CMD_JSON: an OCI image config (linux/amd64) on stdout
_rn_img_config() {
  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$2" "$1"
}

# real_node_push_images REGISTRY_URL [WORK_DIR]: builds the layer and pushes every image
real_node_push_images() {
  local url="$1" work="${2:-$PERISCOPE_CACHE/real-node/images}" diff
  mkdir -p "$work"
  real_node_build_layer "$work" || return 1
  diff="$(cat "$work/diff-id")"
  _rn_img_config "$diff" '["sh"]' >"$work/config-busybox.json"
  _rn_img_config "$diff" '["httpd","-f","-v","-p","8080","-h","/www"]' >"$work/config-httpd.json"
  _rn_img_config "$diff" '["sleep","2147483647"]' >"$work/config-pause.json"
  _rn_img_push "$url" library/busybox 1.36 "$work/layer.tar.gz" "$diff" "$work/config-busybox.json" \
    && _rn_img_push "$url" library/busybox latest "$work/layer.tar.gz" "$diff" "$work/config-busybox.json" \
    && _rn_img_push "$url" periscope/httpd 1 "$work/layer.tar.gz" "$diff" "$work/config-httpd.json" \
    && _rn_img_push "$url" pause 3.10 "$work/layer.tar.gz" "$diff" "$work/config-pause.json"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/lib/env.sh"
  case "${1:-}" in
    push) [ -n "${2:-}" ] || die "usage: $0 push http://127.0.0.1:PORT"; real_node_push_images "$2" ;;
    *) die "usage: $0 push http://127.0.0.1:PORT" ;;
  esac
fi
