1
run tests/numeric/cli/oob.xg --model divided --random-inputs 3
