#!/usr/bin/env bash
# Builds the real node's binaries (kubelet, kube-proxy, containerd + its runc shim, runc, crane,
# the Kaniko executor) from the Go module proxy, using the pinned wrapper modules in
# test/cluster/go/. Called by build.sh with --node; runnable on its own.
#
# Cached like the control plane, keyed by version:
#   ${RIA_CACHE_DIR:-$HOME/.cache/ria}/<component>-<version>/<binary>
# Prints KEY=DIR lines last (read by engine/dev/cluster/binaries.ts).
#
# Needs (Debian): gcc, libseccomp-dev and pkg-config (runc is built with cgo and seccomp, as
# upstream ships it: without seccomp, containers run with no syscall filter at all).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/go-build.sh"
go_build_setup "ria node build"
K8S=$(v kubernetes); CONTAINERD=$(v containerd); RUNC=$(v runc); CRANE=$(v crane); KANIKO=$(v kaniko)
[ -n "$K8S" ] && [ -n "$CONTAINERD" ] && [ -n "$RUNC" ] && [ -n "$CRANE" ] && [ -n "$KANIKO" ] || fail "cannot read versions from $versions"

ldk8s=$(ldflags_kubernetes "$K8S")
ldcontainerd="-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD -X github.com/containerd/containerd/v2/version.Package=github.com/containerd/containerd/v2"
ldrunc="-s -w -X main.version=${RUNC#v}"
ldcrane="-s -w -X github.com/google/go-containerregistry/cmd/crane/cmd.Version=$CRANE"
ldkaniko="-s -w -X github.com/GoogleContainerTools/kaniko/pkg/version.version=$KANIKO"

logdir="$cache/build-logs"; mkdir -p "$logdir"

. "$here/go-build.sh"

k8sdir="$cache/kubernetes-$K8S"; ctrdir="$cache/containerd-$CONTAINERD"; runcdir="$cache/runc-$RUNC"
cranedir="$cache/crane-$CRANE"; kanikodir="$cache/kaniko-$KANIKO"

if [ ! -x "$runcdir/runc" ]; then
  command -v gcc >/dev/null 2>&1 && pkg-config --exists libseccomp 2>/dev/null \
    || fail "runc needs gcc, pkg-config and libseccomp-dev (apt-get install gcc pkg-config libseccomp-dev)"
fi
go_build crane github.com/google/go-containerregistry/cmd/crane crane "$ldcrane" "$cranedir" 0 ""
go_build runc github.com/opencontainers/runc runc "$ldrunc" "$runcdir" 1 "seccomp urfave_cli_no_docs"
go_build containerd github.com/containerd/containerd/v2/cmd/containerd containerd "$ldcontainerd" "$ctrdir" 0 "no_btrfs no_devmapper no_zfs no_aufs"
go_build containerd github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 containerd-shim-runc-v2 "$ldcontainerd" "$ctrdir" 0 ""
go_build kubernetes k8s.io/kubernetes/cmd/kubelet kubelet "$ldk8s" "$k8sdir" 0 "selinux,notest"
go_build kubernetes k8s.io/kubernetes/cmd/kube-proxy kube-proxy "$ldk8s" "$k8sdir" 0 "selinux,notest"
go_build kaniko github.com/GoogleContainerTools/kaniko/cmd/executor executor "$ldkaniko" "$kanikodir" 0 ""

echo "CONTAINERD_BIN_DIR=$ctrdir"
echo "RUNC_BIN_DIR=$runcdir"
echo "CRANE_BIN_DIR=$cranedir"
echo "KANIKO_BIN_DIR=$kanikodir"
