1
run --ref examples/mlp.xg --model mpl
