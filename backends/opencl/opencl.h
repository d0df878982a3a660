/* opencl.h -- the OpenCL back end: a loop program lowered for a GPU target
 * (lower/loop.h, LowerTarget.gpu) as OpenCL C 1.2 kernels, the memory
 * objects they use and the launches of one run: the data of an OpenCL
 * model (runtime/xg_abi.h, xg_abi_ocl), which backends/llvm writes into the
 * model library.  Generates text only: nothing here includes CL/cl.h.
 * docs/opencl.md. */
#ifndef XG_OPENCL_H
#define XG_OPENCL_H

#include "lower/loop.h"
#include "runtime/xg_abi.h"

#include <stdio.h>

/* Where 4-D f32 tensors may live in the image layout (docs/opencl.md). */
typedef enum OclImages {
  OCL_IMAGES_AUTO, /* the default: where the back end expects a gain */
  OCL_IMAGES_ON,   /* every eligible tensor (so that tests exercise images) */
  OCL_IMAGES_OFF   /* never: buffers only */
} OclImages;

typedef struct OclOptions {
  OclImages images;
} OclOptions;

/* "auto", "on", "off" -> *out; 0, or -1 for another word. */
int ocl_images_parse(const char *s, OclImages *out);
const char *ocl_images_name(OclImages m);

/* The OpenCL model of program p, which was lowered for a GPU target: its
 * OpenCL C source (one kernel per loop nest), its memory objects and its
 * launches in run order.  Everything lives in arena a.  Returns NULL after
 * reporting to d (an internal error: a program the generator cannot
 * express). */
xg_abi_ocl *ocl_generate(const LoopProgram *p, const OclOptions *o, Arena *a, Diag *d);

/* `xgc --emit=opencl`: a header comment listing the memory objects and the
 * launches (kernel, NDRange, arguments), then the source. */
void ocl_print(FILE *out, const LoopProgram *p, const xg_abi_ocl *m);

#endif
