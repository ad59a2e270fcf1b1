// Wrapper module pinning cue (reads CUE language v0.17 modules) for scripts/build-tools (built with -mod=mod).
module periscope.local/tools/kube/peers/cue

go 1.25.0

require cuelang.org/go v0.17.1
