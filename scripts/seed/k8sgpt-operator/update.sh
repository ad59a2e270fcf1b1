#!/usr/bin/env bash
# Re-downloads the k8sgpt-operator Result CRD from the Go module proxy and prints its sha256.
#   scripts/seed/k8sgpt-operator/update.sh [version]     (default: the version in SOURCES.md)
# Then update the version and sha256 in SOURCES.md, and regenerate results.yaml (generate.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2016 # the backquotes are sed pattern text
version="${1:-$(sed -n 's/^\* Version: `\(v[^`]*\)`.*/\1/p' "$here/SOURCES.md")}"
[ -n "$version" ] || { echo "update.sh: no version given and none found in $here/SOURCES.md; pass one, e.g. update.sh v0.2.0" >&2; exit 1; }
command -v go >/dev/null || { echo "update.sh: 'go' is not on PATH; install Go (scripts/build-tools needs it too) and run again" >&2; exit 1; }
modcache="${GOMODCACHE:-${PERISCOPE_CACHE:-$HOME/.cache/periscope}/kube/gomod}"
json="$(GOFLAGS=-mod=mod GOMODCACHE="$modcache" go mod download -json "github.com/k8sgpt-ai/k8sgpt-operator@$version")" \
  || { echo "update.sh: go mod download failed: $json" >&2; exit 1; }
dir="$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
src="$dir/config/crd/bases/core.k8sgpt.ai_results.yaml"
[ -f "$src" ] || { echo "update.sh: $version has no config/crd/bases/core.k8sgpt.ai_results.yaml (module dir: '${dir:-none}'); the error was: $json" >&2; exit 1; }
install -m 0644 "$src" "$here/core.k8sgpt.ai_results.yaml"
echo "copied $src"
sha256sum "$here/core.k8sgpt.ai_results.yaml"
