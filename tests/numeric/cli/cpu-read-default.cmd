0
run tests/numeric/cli/oob.xg --model shifted_default --random-inputs 1
