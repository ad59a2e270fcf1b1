// Wrapper module pinning etcd (the release k8s.io/kubernetes v1.35.4 requires) for scripts/build-tools (built with -mod=mod).
module periscope.local/tools/kube/etcd

go 1.24.0

require go.etcd.io/etcd/server/v3 v3.6.5
