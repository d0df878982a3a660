1
run tests/numeric/cli/oob.xg --model shifted --random-inputs 1
