2
weights examples/mlp.xg --seed 1
