#!/bin/sh
# ab.sh -- two xgc binaries (A and B: e.g. before and after a runtime change)
# alternated on the same models in one run, so that both see the same
# machine load: REPS rounds; in each, for every CASE and in turn A then B
# (B then A in odd rounds), one `xgc bench --json` whose median is kept.
# Prints one line per (case, binary): min / median / max of the REPS
# medians.  docs/benchmarks.md "A and B in one run".
#
#   bench/ab.sh OLD_XGC NEW_XGC REPS CASE...
#   CASE = FILE:THREADS[:RUNS], e.g. examples/resnet18.xg:2:20
#
# STDLIB (default stdlib/ beside this script) is passed as --stdlib-dir;
# RAW names a file that receives every single median (case, binary, ms).
# A contended machine on purpose: AB_CPUS (e.g. 0,1) runs xgc under
# `taskset -c AB_CPUS`; AB_HOG (a CPU number, e.g. 1) keeps a busy loop on
# that CPU for the whole run, so that one of the pool's threads shares its
# CPU with another process, as on a loaded machine.
set -eu
[ $# -ge 4 ] || { echo "usage: $0 A_XGC B_XGC REPS FILE:THREADS[:RUNS]..." >&2; exit 2; }
a=$1 b=$2 reps=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
stdlib=${STDLIB:-$here/../stdlib}
raw=${RAW:-$(mktemp)}
: >"$raw"
for x in "$a" "$b"; do [ -x "$x" ] || { echo "$0: '$x' is not an executable" >&2; exit 2; }; done
case $reps in '' | *[!0-9]*) echo "$0: REPS '$reps' is not a count" >&2; exit 2 ;; esac

hog=
stop_hog() { [ -z "$hog" ] || kill "$hog" 2>/dev/null || true; }
trap stop_hog EXIT
trap 'exit 1' INT TERM
if [ -n "${AB_HOG:-}" ]; then
  taskset -c "$AB_HOG" sh -c 'while :; do :; done' &
  hog=$!
fi
pin=
[ -z "${AB_CPUS:-}" ] || pin="taskset -c $AB_CPUS"

one() { # one BIN LABEL FILE THREADS RUNS
  ms=$($pin "$1" bench "$3" --threads "$4" --runs "$5" --json --stdlib-dir="$stdlib" |
    sed -n 's/.*"median_ms": \([0-9.e+-]*\).*/\1/p')
  [ -n "$ms" ] || { echo "$0: no median from $1 bench $3 --threads $4" >&2; exit 1; }
  echo "$3:$4 $2 $ms" >>"$raw"
}

r=0
while [ "$r" -lt "$reps" ]; do
  for c in "$@"; do
    file=${c%%:*} rest=${c#*:}
    threads=${rest%%:*} runs=20
    [ "$rest" = "$threads" ] || runs=${rest#*:}
    if [ $((r % 2)) -eq 0 ]; then
      one "$a" A "$file" "$threads" "$runs"; one "$b" B "$file" "$threads" "$runs"
    else
      one "$b" B "$file" "$threads" "$runs"; one "$a" A "$file" "$threads" "$runs"
    fi
  done
  r=$((r + 1))
done

python3 - "$raw" <<'EOF'
import statistics, sys
cells = {}
for line in open(sys.argv[1]):
    case, who, ms = line.split()
    cells.setdefault(case, {}).setdefault(who, []).append(float(ms))
print("%-44s %-2s %4s %9s %9s %9s" % ("case (file:threads)", "", "n", "min ms", "median", "max ms"))
for case, by in cells.items():
    for who in sorted(by):
        v = by[who]
        print("%-44s %-2s %4d %9.3f %9.3f %9.3f" % (case, who, len(v), min(v),
                                                   statistics.median(v), max(v)))
    if "A" in by and "B" in by:
        print("%-44s B/A of the medians: %.3f" % ("", statistics.median(by["B"]) /
                                                statistics.median(by["A"])))
EOF
