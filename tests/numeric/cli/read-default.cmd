0
run --ref tests/numeric/cli/oob.xg --model shifted_default --random-inputs 1
