0
run --ref tests/numeric/cli/oob.xg --model gathered --random-inputs 1
