1
run --ref examples/mlp.xg --random-weights 1 --input no-such-file.npy
