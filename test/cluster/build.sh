#!/usr/bin/env bash
# Builds the local control plane's binaries (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok) from the Go module proxy, using the pinned wrapper modules
# in test/cluster/go/, and fetches the Gateway API standard CRDs.
#
# Binaries are cached outside the repo, keyed by version:
#   ${RIA_CACHE_DIR:-$HOME/.cache/ria}/<component>-<version>/<binary>
# A cached binary is never rebuilt. Prints the cache directory of each component on the
# last lines as KEY=DIR, which engine/cluster reads (see test/cluster/versions.json).
#
# With --node, also builds the real node (kubelet, kube-proxy, containerd, runc, crane, Kaniko:
# test/cluster/build-node.sh); with --gateway, the real mode's gateway (Traefik: build-gateway.sh); which the `real`
# cluster mode needs.
set -euo pipefail
node=0; gateway=0
for arg in "$@"; do case "$arg" in --node) node=1;; --gateway) gateway=1;; *) echo "usage: build.sh [--node] [--gateway]" >&2; exit 2;; esac; done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/go-build.sh"
go_build_setup "ria cluster build"
export CGO_ENABLED=0
K8S=$(v kubernetes); ETCD=$(v etcd); KWOK=$(v kwok); GWAPI=$(v gatewayApi); CERTMGR=$(v certManager)
[ -n "$K8S" ] && [ -n "$ETCD" ] && [ -n "$KWOK" ] && [ -n "$GWAPI" ] || fail "cannot read versions from $versions"

ldk8s=$(ldflags_kubernetes "$K8S")
ldetcd="-s -w"

first="first build of the control plane takes about 15-25 min on 2 cores"

k8sdir="$cache/kubernetes-$K8S"; etcddir="$cache/etcd-$ETCD"; kwokdir="$cache/kwok-$KWOK"; gwdir="$cache/gateway-api-$GWAPI"; cmdir="$cache/cert-manager-$CERTMGR"
go_build etcd go.etcd.io/etcd/server/v3 etcd "$ldetcd" "$etcddir" 0 "selinux,notest" "$first"
go_build kubernetes k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "$ldk8s" "$k8sdir" 0 "selinux,notest" "$first"
go_build kwok sigs.k8s.io/kwok/cmd/kwok kwok "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK" "$kwokdir" 0 "selinux,notest" "$first"
go_build kubernetes k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager "$ldk8s" "$k8sdir" 0 "selinux,notest" "$first"
go_build kubernetes k8s.io/kubernetes/cmd/kube-scheduler kube-scheduler "$ldk8s" "$k8sdir" 0 "selinux,notest" "$first"
go_build kubernetes k8s.io/kubernetes/cmd/kubectl kubectl "$ldk8s" "$k8sdir" 0 "selinux,notest" "$first"

# kwok's stage definitions ship in its module; kwok refuses to start without stages.
if [ ! -f "$kwokdir/stages/node-heartbeat-with-lease.yaml" ]; then
  src=$(cd "$here/go/kwok" && go mod download -json "sigs.k8s.io/kwok@$KWOK" | sed -n 's/.*"Dir": *"\(.*\)".*/\1/p')
  [ -d "$src/kustomize/stage" ] || fail "kwok stages not found in module sigs.k8s.io/kwok@$KWOK"
  rm -rf "$kwokdir/stages"; mkdir -p "$kwokdir/stages"
  # node-initialize makes Nodes Ready; heartbeat-with-lease keeps them so; pod-ready/complete/delete
  # move pods through Running, Job pods to Succeeded, and let deleted pods go.
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    cp "$src/kustomize/stage/$f" "$kwokdir/stages/"
  done
  chmod -R u+w "$kwokdir/stages"
  say "kwok stages: copied to $kwokdir/stages"
fi

# Gateway API standard CRDs, so HTTPRoutes are validated by the real server (CEL rules included).
if [ ! -f "$gwdir/standard-install.yaml" ]; then
  src=$(cd "$here/go/kwok" && GOFLAGS= go mod download -json "sigs.k8s.io/gateway-api@$GWAPI" | sed -n 's/.*"Dir": *"\(.*\)".*/\1/p')
  [ -d "$src/config/crd/standard" ] || fail "Gateway API CRDs not found in module sigs.k8s.io/gateway-api@$GWAPI"
  mkdir -p "$gwdir"
  for f in "$src"/config/crd/standard/*.yaml; do case "$f" in *kustomization*) ;; *) cat "$f"; echo "---";; esac; done > "$gwdir/.tmp.yaml"
  mv "$gwdir/.tmp.yaml" "$gwdir/standard-install.yaml"
  say "Gateway API $GWAPI standard CRDs: $gwdir/standard-install.yaml"
fi

# cert-manager's CRDs (not cert-manager itself): rendered Certificates are validated by the real
# server against them. Only the cert-manager.io kinds (not ACME's Orders and Challenges).
if [ -n "$CERTMGR" ] && [ ! -f "$cmdir/crds.yaml" ]; then
  src=$(cd "$here/go/kwok" && GOFLAGS= go mod download -json "github.com/cert-manager/cert-manager@$CERTMGR" | sed -n 's/.*"Dir": *"\(.*\)".*/\1/p')
  [ -f "$src/deploy/crds/cert-manager.io_certificates.yaml" ] || fail "cert-manager CRDs not found in module github.com/cert-manager/cert-manager@$CERTMGR"
  mkdir -p "$cmdir"
  for f in "$src"/deploy/crds/cert-manager.io_*.yaml; do cat "$f"; echo "---"; done > "$cmdir/.tmp.yaml"
  mv "$cmdir/.tmp.yaml" "$cmdir/crds.yaml"
  say "cert-manager $CERTMGR CRDs: $cmdir/crds.yaml"
fi

# The real node, and (only when asked: its cold build is the longest of all, see README) its
# gateway (Traefik: build-gateway.sh). Tests that need Traefik skip, saying why, when it is absent.
if [ "$node" = 1 ]; then bash "$here/build-node.sh"; fi
if [ "$gateway" = 1 ]; then bash "$here/build-gateway.sh"; fi

echo "K8S_BIN_DIR=$k8sdir"
echo "ETCD_BIN_DIR=$etcddir"
echo "KWOK_BIN_DIR=$kwokdir"
echo "GATEWAY_API_DIR=$gwdir"
if [ -f "$cmdir/crds.yaml" ]; then echo "CERT_MANAGER_DIR=$cmdir"; fi
