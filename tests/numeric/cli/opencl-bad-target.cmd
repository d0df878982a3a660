2
run --target=gpu tests/numeric/cli/oob.xg --model shifted --random-inputs 1
