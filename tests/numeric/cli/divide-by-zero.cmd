1
run --ref tests/numeric/cli/oob.xg --model divided --random-inputs 3
