1
run --ref examples/mlp.xg --random-weights 1 --input y=tests/numeric/data/ops/relu_0.in-x.npy
