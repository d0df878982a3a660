/* llvm.h -- the CPU back end: loop programs (lower/loop.h) to native code
 * through the LLVM-C API, an object file per model, and a shared library
 * linked by the system C compiler.  The only part of xgc that includes
 * llvm-c; nothing here exposes LLVM types.  docs/cpu.md. */
#ifndef XG_LLVM_H
#define XG_LLVM_H

#include "lower/loop.h"
#include "runtime/xg_abi.h"

#include <stdio.h>

/* A target machine for x86-64: the CPU, its features, and what the
 * schedules need to know of it. */
typedef struct LlvmTarget LlvmTarget;

/* Makes the target of `cpu`: "native" (the host's CPU name and features) or
 * one of llvm_known_cpus().  Fills *info for the lowering.  Returns NULL
 * with a message in err for an unknown CPU. */
LlvmTarget *llvm_target_new(const char *cpu, LowerTarget *info, char *err, size_t errlen);
void llvm_target_free(LlvmTarget *t);
/* "x86-64, x86-64-v2, ..., skylake-avx512, ...": the CPUs --cpu accepts. */
const char *llvm_known_cpus(void);

typedef struct LlvmOptions {
  FILE *emit_llvm; /* where to print the module before and after optimization, or NULL */
} LlvmOptions;

/* Compiles program p for target t: one LLVM module (its own LLVMContext),
 * verified with LLVMVerifyModule, optimized by the new pass manager (a
 * pipeline for code xgc has scheduled itself, or $XGC_LLVM_PASSES;
 * docs/cpu.md), written as a position-independent object to obj_path.
 * The object defines xg_model_describe (runtime/xg_abi.h) and calls
 * xg_parallel_for and libm.  Returns 0, or -1 with a message in err (an
 * invalid module is an internal error). */
int llvm_compile(const LoopProgram *p, LlvmTarget *t, const LlvmOptions *o, const char *obj_path,
                 char *err, size_t errlen);

/* The model library's object of an OpenCL model (backends/opencl made
 * ocl for p): the descriptor alone, xg_abi_model with run NULL and ocl
 * holding the source, the memory objects and the launches, as constants
 * (runtime/xg_abi.h); written for t like llvm_compile.  Returns 0, or -1
 * with a message in err. */
int llvm_compile_ocl(const LoopProgram *p, const xg_abi_ocl *ocl, LlvmTarget *t,
                     const LlvmOptions *o, const char *obj_path, char *err, size_t errlen);

/* Links an object into a shared library: `$CC -shared -o so_path obj_path -lm`
 * ($XG_CC, else "cc").  Returns 0, or -1 with the command's exit status and
 * its standard error in err. */
int llvm_link_shared(const char *obj_path, const char *so_path, char *err, size_t errlen);

#endif
