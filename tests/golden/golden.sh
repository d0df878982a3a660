# golden.sh -- the loop every golden script shares, sourced (not run) by
# tests/golden/run.sh, tests/golden/{ir,loops,fusion,opencl}/run.sh,
# tests/errors/run.sh and tests/numeric/cli.sh: find xgc and the source
# tree, run xgc, compare what it printed with the committed file or, with
# --update, rewrite that file; count and summarize.  A script reads:
#
#   . "$(dirname "$0")/../golden.sh"      (the path from the script)
#   golden_init "$@"                      (exits 2 on other arguments)
#   for src in tests/golden/loops/*.xg; do
#     golden_xgc merged "$src" "${src%.xg}.loops" --emit=loops "$src"
#   done
#   golden_orphans tests/golden/loops loops
#   golden_finish "golden loops"
#
# Environment: XGC, the compiler (default ./xgc, made absolute), and SRCDIR,
# the source tree (default: the tree holding this file); Makefile.am's
# TESTS_ENVIRONMENT sets both.  golden_init cds to SRCDIR, so files are
# named relative to it in the dumps and messages.  Everything this file
# defines starts with golden_.

# golden_init [--update] [NAME...]: sets golden_update (1 with --update),
# XGC, SRCDIR and golden_tmp (a scratch folder removed on exit), and cds to
# SRCDIR.  NAMEs are refused unless golden_takes_names=1 was set before
# (the script then reads them itself, after `[ $golden_update = 1 ] && shift`).
golden_init() {
  golden_update=0
  if [ "$1" = --update ]; then
    golden_update=1
    shift
  fi
  case "$1" in
    -*) golden_usage ;;
    ?*) [ "${golden_takes_names:-0}" = 1 ] || golden_usage ;;
  esac
  golden_top=$(cd "$(dirname "$0")" && pwd)
  while [ "$golden_top" != / ] && [ ! -f "$golden_top/tests/golden/golden.sh" ]; do
    golden_top=$(dirname "$golden_top")
  done
  SRCDIR=${SRCDIR:-$golden_top}
  XGC=${XGC:-./xgc}
  case "$XGC" in /*) ;; *) XGC=$PWD/$XGC ;; esac
  if [ ! -x "$XGC" ]; then
    echo "$0: error: no xgc binary at '$XGC' (set XGC)" >&2
    exit 99
  fi
  cd "$SRCDIR" || exit 99
  golden_tmp=$(mktemp -d "${TMPDIR:-/tmp}/xgc-golden.XXXXXX") || exit 99
  trap 'rm -rf "$golden_tmp"' EXIT
  trap 'exit 130' INT TERM
  golden_pass=0 golden_fail=0 golden_updated=0
}

golden_usage() {
  if [ "${golden_takes_names:-0}" = 1 ]; then
    echo "usage: $0 [--update] [NAME...]" >&2
  else
    echo "usage: $0 [--update]" >&2
  fi
  exit 2
}

# golden_count OK: one more test passed (OK=1) or failed (OK=0).
golden_count() {
  if [ "$1" = 1 ]; then
    golden_pass=$((golden_pass + 1))
  else
    golden_fail=$((golden_fail + 1))
  fi
}

# golden_compare WANT GOT WHAT: GOT (a file) against the golden file WANT;
# WHAT names the test in messages.  With --update, WANT becomes GOT (its
# folder made if need be; "updated: WANT" when it changed).  Otherwise a
# missing WANT or a difference prints FAIL and the diff (- WANT, + GOT);
# returns 1 then, 0 when they match.
golden_compare() {
  if [ "$golden_update" = 1 ]; then
    if ! cmp -s "$2" "$1" 2>/dev/null; then
      mkdir -p "$(dirname "$1")" && cp "$2" "$1" || return 1
      echo "updated: $1"
      golden_updated=$((golden_updated + 1))
    fi
    return 0
  fi
  if [ ! -f "$1" ]; then
    echo "FAIL: $3: no golden file $1 (run $0 --update, then read it)"
    return 1
  fi
  cmp -s "$1" "$2" && return 0
  echo "FAIL: $3: the output differs from $1 (- expected, + actual):"
  diff -u "$1" "$2" >"$golden_tmp/diff"
  golden_lines=$(wc -l <"$golden_tmp/diff")
  head -n 80 "$golden_tmp/diff"
  [ "$golden_lines" -le 80 ] || echo "... ($((golden_lines - 80)) more lines of diff)"
  return 1
}

# golden_xgc MODE SRC WANT ARGS...: runs "$XGC" ARGS and compares its
# output with WANT (golden_compare), counting the test as SRC's.  MODE
# "clean": the output is stdout, and xgc must exit 0 and print nothing on
# stderr (checked in --update too).  MODE "merged": stdout and stderr
# together are the output, whatever the exit status (a golden may pin an
# error).
golden_xgc() {
  golden_mode=$1 golden_src=$2 golden_want=$3
  shift 3
  golden_got=$golden_tmp/got
  case "$golden_mode" in
    clean)
      if ! "$XGC" "$@" >"$golden_got" 2>"$golden_tmp/err"; then
        echo "FAIL: $golden_src: xgc $* failed:"
        cat "$golden_tmp/err"
        golden_count 0
        return
      fi
      if [ -s "$golden_tmp/err" ]; then
        echo "FAIL: $golden_src: xgc $* printed diagnostics:"
        cat "$golden_tmp/err"
        golden_count 0
        return
      fi
      ;;
    merged) "$XGC" "$@" >"$golden_got" 2>&1 ;;
    *)
      echo "$0: golden_xgc: unknown mode '$golden_mode'" >&2
      exit 99
      ;;
  esac
  if golden_compare "$golden_want" "$golden_got" "$golden_src"; then
    golden_count 1
  else
    golden_count 0
  fi
}

# golden_flags SRC: the options of SRC's first "# xgc-flags: ..." line.
golden_flags() {
  sed -n 's/^# xgc-flags: //p' "$1" | head -n 1
}

# golden_orphans DIR EXT [SRCDIR_OF_DIR]: every DIR/NAME.EXT needs a source
# NAME.xg (in the third argument's folder when given, else in DIR); a
# golden file without one fails.
golden_orphans() {
  for golden_want in "$1"/*."$2"; do
    [ -e "$golden_want" ] || continue
    golden_src=${3:-$1}/$(basename "$golden_want" ."$2").xg
    if [ ! -f "$golden_src" ]; then
      echo "FAIL: $golden_want has no source $golden_src"
      golden_count 0
    fi
  done
}

# golden_finish LABEL: prints the summary and exits: 0 when nothing failed
# and something was checked (or, with --update, rewritten as needed).
golden_finish() {
  if [ "$golden_update" = 1 ]; then
    echo "$1: $golden_updated file(s) updated, $golden_fail failed"
  else
    echo "$1: $golden_pass passed, $golden_fail failed"
  fi
  if [ $((golden_pass + golden_fail)) = 0 ]; then
    echo "FAIL: $1: no tests found under $SRCDIR"
    exit 1
  fi
  [ "$golden_fail" = 0 ] && exit 0
  exit 1
}
