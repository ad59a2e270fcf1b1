// Wrapper module pinning k8sgpt for scripts/build-tools (built with -mod=mod). go.sum is k8sgpt v0.4.36's own: its buf.build generated modules are not in the checksum database, so their sums come from upstream.
module periscope.local/tools/kube/peers/k8sgpt

go 1.25.0

require github.com/k8sgpt-ai/k8sgpt v0.4.36
