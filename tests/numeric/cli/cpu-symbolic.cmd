1
run tests/numeric/cli/symbolic.xg --random-inputs 1
