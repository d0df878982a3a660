2
inputs examples/mlp.xg --seed -3 -o /tmp
