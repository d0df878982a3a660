1
inputs tests/numeric/cli/symbolic.xg -o /tmp/xg-cli-inputs-never
