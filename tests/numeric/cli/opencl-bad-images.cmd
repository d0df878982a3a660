2
build --target=opencl --opencl-images=maybe tests/numeric/cli/oob.xg --model shifted -o oob.so
