// Wrapper module pinning timoni for scripts/build-tools (built with -mod=mod).
// The Go module proxy refuses this module (403): scripts/build-tools builds timoni v0.32.0 from
// the release source kept in ../shared/peers instead, and uses this wrapper only without it.
module periscope.local/tools/kube/peers/timoni

go 1.25.0

require github.com/stefanprodan/timoni v0.25.2
