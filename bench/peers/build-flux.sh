#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller, the peer `node dist/bench/peers.js`
# compares Ria with, from the Go module proxy through the pinned wrapper module bench/peers/go/flux
# (which copies the controllers' `replace` directives: see its go.mod). Run by the bench only, never
# by npm start or npm test. Cached like the cluster binaries (test/cluster/go-build.sh):
#   ${RIA_CACHE_DIR:-$HOME/.cache/ria}/flux-<version>/{source-controller,kustomize-controller}
# with the CRDs of both (config/crd/bases of each module) in crds/. Prints FLUX_DIR=DIR last.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../../test/cluster/go-build.sh"
go_build_setup "ria flux build"
export CGO_ENABLED=0
SC=$(v flux-source-controller); KC=$(v flux-kustomize-controller)
[ -n "$SC" ] && [ -n "$KC" ] || fail "cannot read versions from $versions"
[ "$SC" = "$KC" ] || fail "source-controller $SC and kustomize-controller $KC: one cache folder needs one version"

dir="$cache/flux-$SC"
mkdir -p "$dir"
note="2 m 46 s on a quiet machine; 23 min here at load 20-25 beside the control-plane build"
go_build flux github.com/fluxcd/source-controller source-controller "-s -w" "$dir" 0 "" "$note"
go_build flux github.com/fluxcd/kustomize-controller kustomize-controller "-s -w" "$dir" 0 "" "shares most packages with source-controller"

# The CRDs ship in the modules (config/crd/bases of each).
if [ ! -f "$dir/crds/.done" ]; then
  rm -rf "$dir/crds"; mkdir -p "$dir/crds"
  for mod in "github.com/fluxcd/source-controller@$SC" "github.com/fluxcd/kustomize-controller@$KC"; do
    src=$(cd "$here/go/flux" && go mod download -json "$mod" | sed -n 's/.*"Dir": *"\(.*\)".*/\1/p')
    [ -d "$src/config/crd/bases" ] || fail "CRDs not found in module $mod"
    cp "$src"/config/crd/bases/*.yaml "$dir/crds/"
  done
  chmod -R u+w "$dir/crds"; touch "$dir/crds/.done"
  say "CRDs: copied to $dir/crds"
fi

echo "FLUX_DIR=$dir"
