0
run tests/numeric/cli/oob.xg --model gathered --random-inputs 1
