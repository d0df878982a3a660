1
run tests/numeric/cli/oob.xg --model gathered_bad --random-inputs 1
