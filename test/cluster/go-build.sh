# Sourced by build.sh, build-node.sh and build-gateway.sh: one cached, logged Go build of a binary
# from a pinned wrapper module. The caller defines say, fail, $here and $logdir.
#
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
