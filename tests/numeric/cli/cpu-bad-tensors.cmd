1
run examples/cnn.xg --weights tests/numeric/data/examples/mlp.safetensors --input tests/numeric/data/examples/mlp.in-x.npy
