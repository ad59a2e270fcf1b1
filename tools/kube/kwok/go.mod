// Wrapper module pinning kwok for scripts/build-tools: v0.7.0 (its go.mod says go 1.24.0, so Go 1.26 builds it without a toolchain download; it carries the Stage API used by scripts/seed/kwok).
module periscope.local/tools/kube/kwok

go 1.24.0

require sigs.k8s.io/kwok v0.7.0
