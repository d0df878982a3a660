/* backends/opencl/contract.c -- where contraction nests (matmul, conv: a
 * sum over k of a product of two reads, lower/contract.c's shape) get a
 * specialised kernel: tiled in local memory with register blocking
 * (backends/opencl/gemm*.c, to come).  Until those exist every nest takes
 * the generic path of kernel.c, which is correct for every statement. */
#include "backends/opencl/ocl_int.h"

int ocl_emit_contraction(OclGen *g, const LoopKernel *k, int nest) {
  (void)g, (void)k, (void)nest;
  return 0; /* not handled: the generic kernel */
}
