1
bench examples/mlp.xg --profile --runs 1 --warmup 1
