#!/bin/sh
# run.sh of the OpenCL device kit (made by tests/opencl/make-kit.sh): runs
# every case's library on the first OpenCL device through the runtime,
# libxgrt's xg_model_load and xg_model_run, with bin/xgrun (the inputs and
# weights of xgc run's --random-inputs 7 --random-weights 11), compares
# each output with the reference interpreter's (bin/npycmp; rtol 1e-5 and
# 2e-5 of the largest value, or the line of ./tolerances), then times the
# example networks with images off and on (median of RUNS runs after the
# first).  Prints one line per failure, a summary, the device, the times.
# The kernel binaries go into a kernel-binary cache that starts empty
# (XG_CACHE_DIR, a fresh directory unless set): each case's run builds its
# program and stores the binary, the timed runs load it from there.
#   KIT/run.sh [CASE...]        Environment: JOBS (4), RUNS (20), TIME (1:
#                               time the examples, those named when CASEs are
#                               given; 0: no), XG_CACHE_DIR.
kit=$(cd "$(dirname "$0")" && pwd)
JOBS=${JOBS:-4}
RUNS=${RUNS:-20}
TIME=${TIME:-1}
LD_LIBRARY_PATH=$kit/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
XGRUN=$kit/bin/xgrun
NPYCMP=$kit/bin/npycmp

# One case (`run.sh --job MODEL MODE OUTS...`, for xargs): "PASS ..." or
# "FAIL ..." and the reason.
if [ "$1" = --job ]; then
  model=$2 im=$3
  shift 3
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/xg-oclkit.XXXXXX") || exit 1
  trap 'rm -rf "$tmp"' EXIT
  outs=$*
  set -- "$kit/models/$model.$im.so" --random-inputs 7 --random-weights 11 --runs 1
  for o in $outs; do set -- "$@" -o "$o=$tmp/$o.npy"; done
  if ! "$XGRUN" "$@" >"$tmp/log" 2>&1; then
    echo "FAIL $model (images $im): xgrun: $(tr '\n' ' ' <"$tmp/log" | cut -c1-400)"
    exit 0
  fi
  rtol=1e-5 atol=2e-5
  line=$(grep "^$model " "$kit/tolerances")
  # shellcheck disable=SC2086 # the line is split on purpose
  [ -n "$line" ] && set -- $line && rtol=$2 atol=$3
  for o in $outs; do
    if ! "$NPYCMP" --rtol "$rtol" --atol-max "$atol" "$kit/data/$model.out-$o.npy" "$tmp/$o.npy" \
      >"$tmp/cmp" 2>&1; then
      echo "FAIL $model (images $im): output $o: $(tail -1 "$tmp/cmp")"
      exit 0
    fi
  done
  echo "PASS $model $im"
  exit 0
fi

if [ -z "${XG_CACHE_DIR:-}" ]; then
  XG_CACHE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/xg-oclkit-cache.XXXXXX") || exit 1
  trap 'rm -rf "$XG_CACHE_DIR"' EXIT
fi
export XG_CACHE_DIR
first=$(head -1 "$kit/cases")
"$XGRUN" "$kit/models/${first%% *}.$(echo "$first" | cut -d' ' -f2).so" --random-inputs 7 \
  --random-weights 11 --runs 1 --info 2>&1 | head -1
start=$(date +%s)
if [ $# -gt 0 ]; then
  for c in "$@"; do grep "^$c " "$kit/cases"; done
else
  cat "$kit/cases"
fi >"$kit/.todo"
xargs -P "$JOBS" -L 1 sh "$0" --job <"$kit/.todo" >"$kit/.results"
grep -v '^PASS ' "$kit/.results"
pass=$(grep -c '^PASS ' "$kit/.results")
fail=$(grep -c -v '^PASS ' "$kit/.results")
echo "opencl kit: $pass passed, $fail failed of $(wc -l <"$kit/.todo") ($(($(date +%s) - start)) s)"
[ "$TIME" = 1 ] || exit $((fail > 0))
echo "times (xgrun --runs $RUNS --time: xg_model_run from writing the inputs to reading" \
  "the outputs; the program from the cache; the first run runs the once launches):"
for so in "$kit"/models/*.so; do
  name=$(basename "$so" .so)
  case ${name%.*} in
    resnet18 | resnet50 | mobilenetv2 | bert_encoder | gpt2_block | vit_tiny | swin_block | cnn | \
      resblock | transformer) ;;
    *) continue ;;
  esac
  [ $# = 0 ] || grep -q "^${name%.*} " "$kit/.todo" || continue
  t=$("$XGRUN" "$so" --random-inputs 7 --random-weights 11 --runs "$RUNS" --time 2>&1)
  printf '  %-22s %s\n' "$name" "${t#*: }"
done
exit $((fail > 0))
