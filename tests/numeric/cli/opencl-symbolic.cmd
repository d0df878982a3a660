1
run --target=opencl tests/numeric/cli/symbolic.xg --random-inputs 1
