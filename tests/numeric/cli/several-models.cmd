1
run --ref examples/stdlib_shapes.xg --random-inputs 1
