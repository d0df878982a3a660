0
run --ref examples/resnet18.xg --random-inputs 1 --random-weights 2 -o /dev/null
