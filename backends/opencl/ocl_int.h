/* ocl_int.h -- what the files of backends/opencl share: growable text, the
 * generator's state (the program's memory objects and launches, the kernel
 * being written), the C types and integer ranges of emitted values, and the
 * entry points of each part.  docs/opencl.md. */
#ifndef XG_OCL_INT_H
#define XG_OCL_INT_H

#include "backends/opencl/opencl.h"
#include "lower/lower_int.h"

/* ------------------------------------------------------------------ text */
typedef struct OclStr {
  char *s; /* NUL-terminated (NULL while empty); malloc'd */
  size_t n, cap;
} OclStr;

void ocl_puts(OclStr *s, const char *t);
void ocl_printf(OclStr *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ocl_str_free(OclStr *s);
/* The text ("" when empty). */
const char *ocl_text(const OclStr *s);

/* ---------------------------------------------------------- the helpers
 * Functions of the generated source's preamble, emitted when a kernel uses
 * them (program.c writes them). */
#define XG_OCL_HELPERS(X)                                                                          \
  X(OH_FAIL, "xg_fail")   /* records a run failure in the status word */                           \
  X(OH_DIV, "xg_div")     /* floor division of longs, failing on 0 */                              \
  X(OH_MOD, "xg_mod")     /* floor modulo of longs, failing on 0 */                                \
  X(OH_MAXF, "xg_maxf")   /* NaN-propagating max of floats */                                      \
  X(OH_MINF, "xg_minf")                                                                            \
  X(OH_MAXF4, "xg_maxf4") /* ... of float4s */                                                     \
  X(OH_MINF4, "xg_minf4")                                                                          \
  X(OH_MAXD, "xg_maxd")   /* ... of doubles */                                                     \
  X(OH_MIND, "xg_mind")                                                                            \
  X(OH_MAXL, "xg_maxl")   /* max of longs */                                                       \
  X(OH_MINL, "xg_minl")                                                                            \
  X(OH_FMODF, "xg_fmodf") /* floor modulo of floats */                                             \
  X(OH_FMODD, "xg_fmodd")                                                                          \
  X(OH_F2L, "xg_f2l")     /* checked conversions float -> long, int, char */                       \
  X(OH_F2I, "xg_f2i")                                                                              \
  X(OH_F2C, "xg_f2c")                                                                              \
  X(OH_D2L, "xg_d2l")     /* ... double -> */                                                      \
  X(OH_D2I, "xg_d2i")                                                                              \
  X(OH_D2C, "xg_d2c")                                                                              \
  X(OH_HALF, "xg_half")   /* a float rounded to the nearest half */                                \
  X(OH_SAMPLER, "xg_smp") /* the sampler of image reads: clamped to 0 outside */                   \
  X(OH_CH, "xg_ch")       /* channel c of a pixel */

typedef enum OclHelper {
#define X(k, s) k,
  XG_OCL_HELPERS(X)
#undef X
      OH__COUNT
} OclHelper;

/* ------------------------------------------------------ values and ranges
 * The C type of an emitted value: bools are ints (0 or 1), integer values
 * of the loop IR (64-bit) are `int` where their range is known to fit in
 * 32 bits and `long` elsewhere, f32 and f16 values are `float`, the IR's
 * `float` is `double`. */
typedef enum OclCType { CT_BOOL, CT_INT, CT_LONG, CT_FLOAT, CT_DOUBLE } OclCType;

typedef struct OclVal {
  OclCType t;
  int known;      /* ints: lo..hi holds */
  int64_t lo, hi; /* inclusive */
} OclVal;

/* ------------------------------------------------------------ the kernel */
typedef struct OclKernel {
  const LoopKernel *k;
  int nest;              /* its index in k */
  const LoopNest *n;     /* NULL for a kernel of no nest */
  OclStr body;           /* the statements (kernel.c adds the declarations) */
  const char **vname;    /* per variable: its C name */
  OclVal *vrange;        /* per variable: its type and range (loop indices) */
  const char **bname;    /* per buffer: its C name here, NULL while unused */
  unsigned char *bwrite; /* per buffer: stored to */
  unsigned char *bread;  /* per buffer: loaded from */
  const char *pixel;     /* in a pixel loop: the private float[4] its stores fill */
  int *border, nused;    /* the buffers used, in order of first use */
  const char **names;    /* every name taken in the kernel */
  int nnames;
  int status;       /* the kernel may fail: it takes the status word */
  const char *attr; /* NULL, or an attribute written between `kernel` and
                       `void` (reqd_work_group_size of a tiled kernel) */
  unsigned char *bdeclared; /* per buffer: the body declares it (a row buffer
                               of a row kernel, in local memory), so it is
                               not declared as a private array */
} OclKernel;

/* ----------------------------------------------------------- the program */
typedef struct OclGen {
  const LoopProgram *p;
  const OclOptions *o;
  Arena *a;
  Diag *d;
  int errors;
  OclStr src;             /* the kernels, in order */
  unsigned char helpers[OH__COUNT]; /* used by some kernel */
  int fp64;               /* some kernel computes in double */
  xg_abi_ocl_mem *mems;
  int nmems, capmems;
  xg_abi_ocl_launch *launches;
  int nlaunches, caplaunches;
  int *buf_mem;   /* per buffer: its memory object (scratch: the arena), -1 for stack */
  int arena_mem;  /* -1 when the program has no scratch buffers */
  int status_mem; /* the status word */
  OclKernel *kc;  /* the kernel being written */
} OclGen;

/* Reports an internal error of the generator (a program it cannot express). */
void ocl_error(OclGen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Marks helper h used (the preamble will define it); failing helpers make
 * the kernel take the status word. */
const char *ocl_helper(OclGen *g, OclHelper h);
/* The OpenCL C function of a one-to-one math built-in (exp, sqrt, fabs for
 * abs, pow...), the same name for float, double and floatN; NULL for max,
 * min and select, which need helpers or operators (expr.c). */
const char *ocl_math_fn(Builtin b);

/* ---------------------------------------------------------- kernels (kernel.c)
 * A kernel is written in three steps: ocl_kernel_begin, then its body into
 * kc->body (ocl_buf names the buffers it touches, making them parameters),
 * then ocl_kernel_end with its NDRange, which writes it into the source and
 * adds its launch.  The generic path (ocl_emit_nest) and specialised
 * emitters (contract.c) both go through them. */
void ocl_kernel_begin(OclGen *g, OclKernel *kc, const LoopKernel *k, int nest);
/* The C name of buffer buf in the kernel (a parameter, or a pointer into
 * the arena, or a private array); `write`: the kernel stores to it. */
const char *ocl_buf(OclGen *g, int buf, int write);
/* A fresh C name in the kernel, made of `base` (sanitized, never a keyword
 * or a built-in of OpenCL C). */
const char *ocl_name(OclGen *g, const char *base);
/* global and local (NULL: the driver chooses) of work_dim dims, dim 0 the
 * fastest; `name` the kernel function's name (made unique). */
void ocl_kernel_end(OclGen *g, const char *name, int work_dim, const uint64_t *global,
                    const uint64_t *local);
/* Appends "(int2)(x, y)", the coordinates of a pixel. */
void ocl_image_coords(OclGen *g, OclStr *o, const LoopExpr *x, const LoopExpr *y);
/* The generic kernel of nest `nest` of k: its leading parallel loops are
 * the NDRange (the innermost is dim 0), the rest is C statements. */
void ocl_emit_nest(OclGen *g, const LoopKernel *k, int nest);
/* Can the innermost grid loop `loop` run four elements a work-item
 * (vector.c: one f32 store contiguous in its index, reads contiguous or
 * the same, offsets multiples of 4)? */
int ocl_vec_ok(OclGen *g, const LoopStmt *loop);
/* The body of such a loop for work-item q (a C name): float4 loads and a
 * store at index 4*q, the last partial vector element by element. */
void ocl_vec_body(OclGen *g, const LoopStmt *loop, const char *q);
/* The global size for `iters` work-items in dim d (rounded up so that the
 * driver can choose good work-groups; the kernel returns early past iters). */
uint64_t ocl_global_size(int64_t iters, int dim);

/* Statement s (and what it contains) appended to the kernel's body. */
void ocl_emit_stmt(OclGen *g, const LoopStmt *s, int depth);
/* The name of nest `nest`'s kernel function: k<kernel>_<target> or
 * k<kernel>_<nest>_<target>. */
const char *ocl_nest_kernel_name(OclGen *g, const LoopKernel *k, int nest);
/* A nest computed row by row as a work-group per row with tree reductions
 * (rows.c, backends/opencl/reduce.c): 1 done, 0 not handled, -1 an error
 * was reported. */
int ocl_emit_rows(OclGen *g, const LoopKernel *k, int nest);

/* e with every variable that has a value in defs (a register set once,
 * indexed by variable) replaced by it; e itself when none has.  The copies
 * live in a. */
const LoopExpr *ocl_inline_lets(Arena *a, const LoopExpr *e, const LoopExpr *const *defs);

/* A specialised kernel for a contraction nest (tiled in local memory:
 * backends/opencl/gemm*.c).  1: it wrote the nest's kernels and launches;
 * 0: not handled (the generic path runs); -1: an error was reported. */
int ocl_emit_contraction(OclGen *g, const LoopKernel *k, int nest);

/* ------------------------------------------------------ expressions (expr.c) */
/* The C type and integer range of e as ocl_expr emits it. */
OclVal ocl_val(OclGen *g, const LoopExpr *e);
/* Appends e as C text; parenthesized when its precedence is below min_prec
 * (0: any). */
void ocl_expr(OclGen *g, OclStr *out, const LoopExpr *e, int min_prec);
/* The C type of values of element type t (registers, loads). */
const char *ocl_ctype_name(OclCType t);
OclCType ocl_ctype_of(ElemType t);
/* The C type of elements of a buffer of element type t in memory. */
const char *ocl_mem_type(ElemType t);
/* The precedence ocl_expr gives e (0: ?:, 1: ||, ... 7: unary, 8: primary). */
int ocl_prec(OclGen *g, const LoopExpr *e);
/* Appends v converted for a store into an element of type t. */
void ocl_store_value(OclGen *g, OclStr *out, ElemType t, const LoopExpr *v);

#endif
