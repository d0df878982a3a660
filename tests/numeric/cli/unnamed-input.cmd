1
run --ref tests/numeric/cli/oob.xg --model gathered --input tests/numeric/data/ops/relu_0.in-x.npy
