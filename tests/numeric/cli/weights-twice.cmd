2
run --ref examples/mlp.xg --weights a.safetensors --random-weights 1
