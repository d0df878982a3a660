1
run --ref examples/mlp.xg --random-weights 1 --random-inputs 1 -o z=out.npy
