0
run --ref examples/mlp.xg --random-weights 1 --random-inputs 2 --checksum
