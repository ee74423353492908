#!/usr/bin/env bash
# Builds Traefik, the real node's gateway (its Kubernetes Gateway provider serves the HTTPRoutes
# Ria renders), from the Go module proxy through the pinned wrapper module test/cluster/go/traefik
# (which copies Traefik's three `replace` directives). Called by build.sh with --node; runnable
# on its own. Cached like the rest: ${RIA_CACHE_DIR:-$HOME/.cache/ria}/traefik-<version>/traefik.
# Prints TRAEFIK_BIN_DIR=DIR last (read by engine/dev/cluster/binaries.ts).
#
# Measured on this project's 2-core machine: see the README (First run).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/go-build.sh"
go_build_setup "ria gateway build"
export CGO_ENABLED=0
TRAEFIK=$(v traefik)
[ -n "$TRAEFIK" ] || fail "cannot read the traefik version from $versions"

dir="$cache/traefik-$TRAEFIK"
mkdir -p "$dir"
go_build traefik github.com/traefik/traefik/v3/cmd/traefik traefik "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK" "$dir" 0 "" \
  "2,500 packages: 10-60 min on 2 cores, longest on a busy machine"

echo "TRAEFIK_BIN_DIR=$dir"
