/* llvm_int.h -- what the files of backends/llvm share: the target machine,
 * the code generator's state, values that are scalars or vectors, and the
 * emitters of statements, expressions and vector code. */
#ifndef XG_LLVM_INT_H
#define XG_LLVM_INT_H

#include "backends/llvm/llvm.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

struct LlvmTarget {
  LLVMTargetMachineRef tm;
  char *triple;   /* LLVM's string */
  char *cpu;      /* malloc'd */
  char *features; /* malloc'd */
};

/* The pass pipeline llvm_optimize runs: $XGC_LLVM_PASSES when set and not
 * empty (a pipeline string of LLVM's new pass manager, e.g. "default<O3>"),
 * else xgc's own (target.c).  A static or environment string. */
const char *llvm_pipeline(void);
/* Runs llvm_pipeline() over m with t's target machine; 0 or -1 with err
 * (an internal error for xgc's pipeline; for $XGC_LLVM_PASSES, the
 * message names it). */
int llvm_optimize(LLVMModuleRef m, LlvmTarget *t, char *err, size_t errlen);
/* Writes m as an object file; 0 or -1 with err. */
int llvm_emit_object(LLVMModuleRef m, LlvmTarget *t, const char *path, char *err, size_t errlen);

/* A value of the code being emitted: a scalar (the same in every lane), or
 * a vector of Cg.lanes elements. */
typedef struct Val {
  LLVMValueRef v;
  int vec;
} Val;

/* The code generator: the module, and the function being emitted. */
typedef struct Cg {
  LLVMContextRef ctx;
  LLVMModuleRef mod;
  LLVMBuilderRef b;
  const LoopProgram *p;
  LlvmTarget *target;
  LLVMTypeRef t_void, t_i1, t_i8, t_i16, t_i32, t_i64, t_half, t_f32, t_f64, t_ptr;
  /* the function */
  LLVMValueRef fn;
  const LoopNest *nest;
  LLVMBasicBlockRef entry; /* where allocas go */
  LLVMValueRef *bufs;      /* per buffer: its base pointer (NULL: unused) */
  LLVMValueRef err;        /* the run's i32 error flag */
  LLVMValueRef *slots;     /* per variable: scalar register (alloca) */
  LLVMValueRef *vslots;    /* per variable: vector register (alloca) */
  LLVMValueRef *ivals;     /* per loop index: its current value (i64) */
  /* vector code: inside a vector loop */
  int lanes;           /* 0: scalar code */
  int lane_var;        /* the vectorized loop's index */
  int lane_base;       /* the lane index reads as its first lane (a scalar) */
  int64_t lane_align;  /* the first lane's index is a multiple of it */
  unsigned char *vdef; /* per variable: a vector register in this loop */
  unsigned char *vred; /* per variable: reduced across the lanes after the loop */
  Val tail;            /* the last, partial vector of a loop: its active lanes
                               (v NULL: all lanes); every load, store, check and
                               accumulation honours it */
  int tail_last;       /* the last active lane of tail */
  int streamed;        /* the function made non-temporal stores: it ends
                          with sfence, so that they are visible to whoever
                          synchronizes with its end */
} Cg;

/* ---------------------------------------------------------------- types */
LLVMTypeRef cg_type(Cg *g, ElemType t);      /* of values in registers */
LLVMTypeRef cg_mem_type(Cg *g, ElemType t);  /* of elements in memory */
LLVMTypeRef cg_vec(Cg *g, LLVMTypeRef elem); /* a vector of g->lanes of them */
int cg_is_float(ElemType t);

/* -------------------------------------------------------------- helpers */
LLVMValueRef cg_i64(Cg *g, int64_t v);
LLVMValueRef cg_i32(Cg *g, int32_t v);
Val cg_scalar(LLVMValueRef v);
Val cg_splat(Cg *g, Val x); /* x as a vector */
/* The declaration of an overloaded intrinsic ("llvm.sqrt") for types. */
LLVMValueRef cg_intrinsic(Cg *g, const char *name, LLVMTypeRef *types, int ntypes,
                          LLVMTypeRef *fnty);
LLVMValueRef cg_call(Cg *g, LLVMValueRef fn, LLVMTypeRef fnty, LLVMValueRef *args, int n);
/* An alloca in the function's entry block. */
LLVMValueRef cg_alloca(Cg *g, LLVMTypeRef t, const char *name);
/* Any lane of a condition (i1 or a vector of i1) true? */
LLVMValueRef cg_any(Cg *g, Val c);
/* Records failure `code` in the run's error flag where c holds (in any lane). */
void cg_fail_if(Cg *g, Val c, int code);
/* Applies a binary operation to two values, splatting a scalar against a
 * vector. */
typedef LLVMValueRef (*CgBin)(LLVMBuilderRef, LLVMValueRef, LLVMValueRef, const char *);
Val cg_bin(Cg *g, CgBin f, Val x, Val y);
/* NaN-propagating max/min of floats, max/min of ints. */
Val cg_maxmin(Cg *g, int is_max, ElemType t, Val x, Val y);
/* x `red` y for an accumulation. */
Val cg_combine(Cg *g, Reduction red, ElemType t, Val x, Val y);

/* ---------------------------------------------------------- expressions */
/* The value of e where `mask` holds (mask.v == NULL: everywhere). */
Val cg_expr(Cg *g, const LoopExpr *e, Val mask);

/* ---------------------------------------------------------- statements */
void cg_stmt(Cg *g, const LoopStmt *s);
/* The body of a loop for index `var` = i. */
void cg_body(Cg *g, const LoopStmt *loop, LLVMValueRef i);
/* for i in [lo, hi) step `step` ((hi - lo) a multiple of step): calls
 * body(g, arg, i) to emit the body. */
typedef void (*CgBodyFn)(Cg *g, void *arg, LLVMValueRef i);
void cg_for(Cg *g, LLVMValueRef lo, LLVMValueRef hi, int64_t step, CgBodyFn body, void *arg);
void cg_loop(Cg *g, const LoopStmt *s, LLVMValueRef lo, LLVMValueRef hi);

/* ------------------------------------------------------- shared bodies */
enum { CG_STACK = -2 };
/* Per buffer of p: its position among nest n's parameters (the order of
 * first use), CG_STACK for the stack buffers it uses, -1 for the others;
 * *nparams gets the number of parameters.  malloc'd. */
int *cg_buf_order(const LoopProgram *p, const LoopNest *n, int *nparams);
/* Are nests a and b the same code once their buffers are parameters (pa,
 * pb from cg_buf_order)? */
int cg_nest_same(const LoopProgram *p, const LoopNest *a, const int *pa, const LoopNest *b,
                 const int *pb);

/* ------------------------------------------------------ module (emit.c) */
void cg_init_types(Cg *g);
/* Starts g: a context, a module for p with t's triple and data layout, a
 * builder and the types.  cg_finish ends it. */
void cg_start(Cg *g, const LoopProgram *p, LlvmTarget *t);
/* Ends g: disposes the builder, prints the module (--emit=llvm), verifies
 * it, optimizes it when `optimize` (printing it again), writes the object
 * to obj_path unless NULL, and disposes the module and the context.  0, or
 * -1 with err set. */
int cg_finish(Cg *g, const LlvmOptions *o, int optimize, const char *obj_path, char *err,
              size_t errlen);
/* A private constant global holding init. */
LLVMValueRef cg_private_const(Cg *g, LLVMValueRef init, const char *name);
/* A NUL-terminated string constant. */
LLVMValueRef cg_cstring(Cg *g, const char *s);
/* The xg_abi_model descriptor of g->p and xg_model_describe: run NULL for
 * an OpenCL model, ocl (a constant xg_abi_ocl) NULL for a CPU model. */
void cg_descriptor(Cg *g, LLVMValueRef run, LLVMValueRef ocl);
void cg_print_module(LLVMModuleRef m, FILE *out, const char *when);

/* ---------------------------------------------------------- vector code */
Val cg_load(Cg *g, const LoopExpr *e, Val mask);
void cg_store(Cg *g, const LoopStmt *s);
void cg_vector_loop(Cg *g, const LoopStmt *s, LLVMValueRef lo, LLVMValueRef hi);
/* The value of the lane index (a vector base, base + 1, ...). */
Val cg_lane_index(Cg *g);

#endif
