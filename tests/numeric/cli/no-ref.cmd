2
run examples/mlp.xg --random-inputs 1 --random-weights 1
