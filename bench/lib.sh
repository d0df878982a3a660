# lib.sh -- what bench/run.sh and bench/examples.sh share, sourced (POSIX
# sh): JSON on one line, the time and the load, and the wait for a quiet
# moment on a shared machine (docs/benchmarks.md, "A shared machine").
# The caller sets PYTHON and WAIT_IDLE first.

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "== $*" >&2; }
# One JSON document per line, whatever the tool's layout.
compact() { "$PYTHON" -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))'; }
words_json() { echo "$*" | "$PYTHON" -c 'import json, sys; print(json.dumps(sys.stdin.read().split()))'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# The percentage of the CPUs busy over one second, from /proc/stat.
busy_percent() {
  a=$(head -n 1 /proc/stat); sleep 1; b=$(head -n 1 /proc/stat)
  echo "$a|$b" | awk -F'|' '{ split($1, x, " "); split($2, y, " "); t = 0
    for (i = 2; i <= 9; i++) t += y[i] - x[i]
    printf "%d\n", t ? 100 * (1 - (y[5] - x[5]) / t) : 0 }'
}
# Waits (at most WAIT_IDLE s) for a second in which the CPUs are under 5%
# busy; adds the seconds waited to $waited.
waited=0
idle_gate() {
  w=0
  while [ "$w" -lt "$WAIT_IDLE" ] && [ "$(busy_percent)" -ge 5 ]; do w=$((w + 1)); done
  waited=$((waited + w))
}
# The result file: DIR/HOST-DATE[-N]SUFFIX.json, -2, -3... for later runs
# that day.  result_file DIR SUFFIX
result_file() {
  host=$(hostname -s 2>/dev/null || hostname) date=$(date +%Y-%m-%d)
  f=$1/$host-$date$2.json n=1
  while [ -e "$f" ]; do n=$((n + 1)); f=$1/$host-$date$2-$n.json; done
  echo "$f"
}
# Warns on stderr when the load average says that others are running.
warn_load() {
  load=$(cut -d' ' -f1 /proc/loadavg) ncpu=$(nproc)
  if awk -v l="$load" -v n="$ncpu" 'BEGIN { exit !(l > n / 4) }'; then
    echo "$(basename "$0"): warning: load average $load on $ncpu CPUs: others are running," \
         "the numbers will be noisy" >&2
  fi
}
