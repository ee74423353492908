# Sourced by build.sh, build-node.sh, build-gateway.sh and bench/peers/build-flux.sh: what every
# one of them starts with (go_build_setup), and one cached, logged Go build of a binary from a
# pinned wrapper module (go_build). The caller defines $here (its folder; the wrapper modules are
# in $here/go/) before sourcing this file.

# go_build_setup <tag> [versions.json]: the cache folder ($cache, $logdir), the versions file
# ($versions, read with `v <key>`), a pinned toolchain (GOTOOLCHAIN=local: never downloads one)
# and module mode, and `say`/`fail` prefixed with [<tag>]. Fails unless Go is on PATH.
go_build_setup() {
  build_tag=$1
  versions=${2:-$here/versions.json}
  cache="${RIA_CACHE_DIR:-$HOME/.cache/ria}"
  logdir="$cache/build-logs"; mkdir -p "$logdir"
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod
  command -v go >/dev/null 2>&1 || fail "the Go toolchain is missing: install Go 1.26 (https://go.dev/doc/install) and put 'go' on PATH"
}
say() { printf '[%s] %s\n' "$build_tag" "$*" >&2; }
fail() { say "ERROR: $*"; exit 1; }
v() { sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" "$versions"; }

# The ldflags upstream stamps Kubernetes binaries with (version.gitVersion and friends), for <version>.
ldflags_kubernetes() {
  local minor=${1#v1.}; minor=${minor%%.*}
  printf '%s' "-s -w -X k8s.io/component-base/version.gitVersion=$1 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$1 -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
}

# go_build <wrapper dir> <package> <output binary> <ldflags> <component dir> <cgo 0|1> <tags> [note]
# A binary already in <component dir> is never rebuilt. While building, a line a minute says so,
# so a long first build never looks stuck.
go_build() {
  local wrapper=$1 pkg=$2 out=$3 ld=$4 dir=$5 cgo=$6 tags=$7 note=${8:-}
  if [ -x "$dir/$out" ]; then say "$out: cached in $dir"; return 0; fi
  mkdir -p "$dir"
  # Two builds of one binary at once (say `npm start` and `npm test` on a fresh machine, or the
  # gateway built in the background) would both compile it: the second waits for the first.
  exec {lockfd}>"$dir/.$out.lock"
  if ! flock -n "$lockfd"; then
    say "$out: another build of it is running; waiting for it"
    flock "$lockfd"
  fi
  if [ -x "$dir/$out" ]; then say "$out: built by the other build, in $dir"; exec {lockfd}>&-; return 0; fi
  local log="$logdir/$out.log" start=$SECONDS
  say "$out: building $pkg (${note:+$note; }log: $log)"
  ( while sleep 60; do say "$out: still building ($(( SECONDS - start ))s)"; done ) & local ticker=$!
  if ! (cd "$here/go/$wrapper" && CGO_ENABLED=$cgo go build -trimpath -tags="$tags" -ldflags "$ld" -o "$dir/.$out.tmp" "$pkg") >"$log" 2>&1; then
    kill $ticker 2>/dev/null || true
    tail -n 20 "$log" >&2
    fail "$out: build failed; full log: $log"
  fi
  kill $ticker 2>/dev/null || true
  mv "$dir/.$out.tmp" "$dir/$out"
  exec {lockfd}>&-
  say "$out: built in $(( SECONDS - start ))s"
}
