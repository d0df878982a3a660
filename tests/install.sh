#!/bin/sh
# install.sh -- `make install DESTDIR=...` installs xgc, xg.h, libxgrt, the
# stdlib and xgc.pc; a program built with `pkg-config --cflags --libs xgc`
# against them runs the build tree's fake model, and so does one that opens
# libxgrt with dlopen(RTLD_LOCAL), and one linked statically.
# Environment: BUILDDIR, SRCDIR, MAKE, CC, SAN_CFLAGS (from make check).
BUILDDIR=${BUILDDIR:-.}
SRCDIR=${SRCDIR:-.}
MAKE=${MAKE:-make}
CC=${CC:-cc}
fake="$BUILDDIR/tests/unit/.libs/fake_model.so"
[ -f "$fake" ] || { echo "install.sh: no fake model at $fake" >&2; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-install.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

# MAKEFLAGS of the enclosing make check would make this one quiet or keep
# going; the install's own output is kept for a failure.
MAKEFLAGS= $MAKE -C "$BUILDDIR" install DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "make install DESTDIR=... failed"; }

root="$tmp/root"
find_one() { # the one installed file called $1
  f=$(find "$root" -name "$1" ! -type d -print | head -n 1)
  [ -n "$f" ] ||
    fail "make install did not install $1 (installed: $(cd "$root" && find . -type f | tr '\n' ' '))"
  echo "$f"
}
xgc=$(find_one xgc) && hdr=$(find_one xg.h) && so=$(find_one libxgrt.so) &&
  pc=$(find_one xgc.pc) && nn=$(find_one nn.xg) || exit 1
case "$hdr" in */include/xg.h) ;; *) fail "xg.h installed as $hdr, not include/xg.h" ;; esac
case "$pc" in */lib*/pkgconfig/xgc.pc) ;; *) fail "xgc.pc installed as $pc" ;; esac
[ -x "$xgc" ] || fail "installed xgc is not executable"
"$xgc" --version >/dev/null || fail "installed xgc does not run"
[ ! -e "$(dirname "$hdr")/xg_abi.h" ] && [ ! -e "$(dirname "$hdr")/rt.h" ] ||
  fail "private headers installed next to xg.h"

flags=$(PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$root" \
  pkg-config --cflags --libs xgc) || fail "pkg-config cannot read $pc"
echo "pkg-config --cflags --libs xgc: $flags"
# shellcheck disable=SC2086
$CC $SAN_CFLAGS -o "$tmp/app" "$SRCDIR/tests/install/app.c" $flags ||
  fail "cannot build a program against the installed runtime"
libdir=$(dirname "$so")
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/app" "$fake" "$tmp/w.safetensors") ||
  fail "the program built against the installed runtime failed: $out"
echo "$out"
want="ok: y[9] = 4 in 16 chunks; /nonexistent/model.so: cannot open: No such file or directory"
[ "$out" = "$want" ] || fail "unexpected output: $out"

# shellcheck disable=SC2086
$CC $SAN_CFLAGS -o "$tmp/app_dlopen" "$SRCDIR/tests/install/app_dlopen.c" \
  -I"$(dirname "$hdr")" -ldl || fail "cannot build app_dlopen"
out=$("$tmp/app_dlopen" "$so" "$fake" "$tmp/w.safetensors") || fail "app_dlopen failed: $out"
echo "$out"

# A static link: libxgrt.a and the private libraries of xgc.pc (libcjson,
# the OpenCL ICD loader, ...); -rdynamic exports xg_parallel_for to models.
static=$(PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$root" \
  pkg-config --static --libs-only-l xgc | sed 's/-lxgrt//') || fail "pkg-config --static failed"
echo "pkg-config --static --libs-only-l xgc (without -lxgrt): $static"
# shellcheck disable=SC2086
$CC $SAN_CFLAGS -rdynamic -I"$(dirname "$hdr")" -o "$tmp/app_static" "$SRCDIR/tests/install/app.c" \
  "$libdir/libxgrt.a" $static || fail "cannot link app.c statically with xgc.pc's Libs.private"
out=$("$tmp/app_static" "$fake" "$tmp/w2.safetensors") || fail "the static program failed: $out"
[ "$out" = "$want" ] || fail "unexpected output of the static program: $out"
echo "static: $out"
