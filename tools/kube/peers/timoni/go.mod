// Wrapper module pinning timoni for scripts/build-tools (built with -mod=mod).
module periscope.local/tools/kube/peers/timoni

go 1.25.0

require github.com/stefanprodan/timoni v0.25.2
