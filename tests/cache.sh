#!/bin/sh
# cache.sh -- `xgc cache`: --dir prints XG_CACHE_DIR (else
# $XDG_CACHE_HOME/xgc, else $HOME/.cache/xgc), no option counts the
# entries, --clear removes the cache's own files and nothing else; the
# cache off, bad arguments.  (Real entries: tests/unit/test_ocl.)
# Environment: XGC (from make check).
XGC=${XGC:-./xgc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-cache.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect STATUS WANT CMD...: stdout and stderr together
  want_rc=$1 want=$2
  shift 2
  got=$("$@" 2>&1)
  rc=$?
  [ "$rc" = "$want_rc" ] || fail "$*: exit $rc, want $want_rc ($got)"
  [ "$got" = "$want" ] || fail "$*: got '$got', want '$want'"
}

d="$tmp/c"
key=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
expect 0 "$d" env XG_CACHE_DIR="$d" "$XGC" cache --dir
expect 0 "$tmp/xdg/xgc" env -u XG_CACHE_DIR XDG_CACHE_HOME="$tmp/xdg" "$XGC" cache --dir
expect 0 "$tmp/home/.cache/xgc" env -u XG_CACHE_DIR -u XDG_CACHE_HOME HOME="$tmp/home" \
  "$XGC" cache --dir
expect 0 "the kernel-binary cache holds 0 files (0 bytes) in $d" env XG_CACHE_DIR="$d" "$XGC" cache

mkdir "$d" || exit 99
printf 'XGCLBIN\000 an entry' >"$d/ocl-$key.bin"
printf 'XGCLBIN\000 a leftover' >"$d/ocl-$key.tmp-aB3dE9"
printf 'XGCLBIN\000 not our name' >"$d/notes.bin"
printf 'not the magic' >"$d/ocl-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.bin"
expect 0 "the kernel-binary cache holds 2 files (36 bytes) in $d" env XG_CACHE_DIR="$d" "$XGC" cache
expect 0 "removed 2 files (36 bytes) from $d" env XG_CACHE_DIR="$d" "$XGC" cache --clear
[ ! -e "$d/ocl-$key.bin" ] && [ ! -e "$d/ocl-$key.tmp-aB3dE9" ] || fail "--clear left an entry"
[ -e "$d/notes.bin" ] && [ -e "$d/ocl-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.bin" ] ||
  fail "--clear removed a file that is not the cache's"
expect 0 "removed 0 files (0 bytes) from $d" env XG_CACHE_DIR="$d" "$XGC" cache --clear

expect 1 "xgc: error: no cache: XG_CACHE_DIR=off" env XG_CACHE_DIR=off "$XGC" cache --dir
expect 0 "the kernel-binary cache is off: XG_CACHE_DIR=off" env XG_CACHE_DIR=off "$XGC" cache
expect 0 "the kernel-binary cache is off: XG_CACHE_DIR=off" env XG_CACHE_DIR=off "$XGC" cache --clear
expect 1 "xgc: error: no cache: no XG_CACHE_DIR, XDG_CACHE_HOME or HOME is set" \
  env -u XG_CACHE_DIR -u XDG_CACHE_HOME -u HOME "$XGC" cache --dir
chmod 0 "$tmp/c" 2>/dev/null
if ! ls "$tmp/c" >/dev/null 2>&1; then # not as root: a directory that cannot be read
  expect 1 "xgc: error: cannot open $d: Permission denied" env XG_CACHE_DIR="$d" "$XGC" cache
fi
chmod 700 "$tmp/c"
expect 2 "xgc: error: unknown argument '--all' for 'xgc cache' (--dir or --clear)
(run 'xgc --help' for usage)" "$XGC" cache --all
expect 2 "xgc: error: 'xgc cache' takes --dir or --clear, not both
(run 'xgc --help' for usage)" "$XGC" cache --dir --clear
echo "ok"
