1
run --ref tests/numeric/cli/oob.xg --model shifted --random-inputs 1
