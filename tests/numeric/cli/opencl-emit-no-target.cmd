1
--emit=opencl tests/numeric/cli/oob.xg
