/* loop.h -- the loop IR: every fused group of a graph as a kernel of loop
 * nests over constant ranges, with a schedule on each loop (serial,
 * parallel, vectorized, unrolled), stores of scalar expressions at explicit
 * element offsets, register accumulators, and buffers placed by a memory
 * plan.  lower_model makes it from an instantiated graph; loop_print prints
 * it (`xgc --emit=loops`); backends/llvm compiles it.  docs/cpu.md. */
#ifndef XG_LOOP_H
#define XG_LOOP_H

#include "ir/ir.h"
#include "runtime/xg_abi.h"

/* ------------------------------------------------------------------ target
 * What the schedules need to know of the machine.  Filled by the back end
 * (llvm_target_info) from --cpu, or by lower_default_target. */
typedef struct LowerTarget {
  const char *cpu;    /* the CPU name: "skylake-avx512", or the host's;
                         "opencl" for a GPU target */
  int vector_bits;    /* 128, 256 or 512 */
  int vector_regs;    /* architectural vector registers: 16 or 32 */
  int fma;            /* fused multiply-add */
  int64_t l1, l2, l3; /* data cache bytes: per core (l1, l2), shared (l3) */
  int gpu;            /* an OpenCL device (docs/opencl.md): no packed
                         contractions and no vector loops; the leading
                         left-hand loops of every statement are parallel,
                         perfectly nested, at most 3 (the NDRange) */
  int images;         /* GPU: put every eligible tensor in the image layout
                         (LB_IMAGE: 4-D f32 intermediates and weights) */
  int64_t image_max;  /* GPU: the largest image width and height (pixels) */
} LowerTarget;

/* A generic x86-64 target with AVX2 and FMA (256-bit vectors, 32 KiB L1,
 * 1 MiB L2, 8 MiB L3): for tests that must not depend on the host. */
LowerTarget lower_default_target(void);
/* The target of --target=opencl: gpu = 1, 128-bit vectors (float4), no
 * images, images of at most LOWER_IMAGE_MAX pixels a side when enabled. */
enum { LOWER_IMAGE_MAX = 8192 };
LowerTarget lower_gpu_target(void);
/* The most parallel loops a GPU nest starts with (NDRange dimensions), and
 * the most iterations of each but the innermost: NDRange dimensions 1 and
 * 2 beyond 65535 work-groups fail on some drivers (NVIDIA's maps them to
 * CUDA's grid), so such a loop is fused with the next one. */
enum { LOOP_GPU_DIMS = 3, LOOP_GPU_OUTER_MAX = 65535 };
/* "CPU" or "OpenCL": the back end t is for, in messages. */
const char *lower_backend_name(const LowerTarget *t);
/* Lanes of a vector of 32-bit elements. */
int lower_lanes(const LowerTarget *t);

/* ----------------------------------------------------------------- buffers */
#define XG_LOOP_BUFS(X)                                                                            \
  X(LB_INPUT, "input")     /* a model input: args->inputs[index] */                                \
  X(LB_OUTPUT, "output")   /* a model output: args->outputs[index] */                              \
  X(LB_WEIGHT, "weight")   /* a model param: args->weights[index] */                               \
  X(LB_SCRATCH, "scratch") /* in the scratch arena at `offset` (memory plan) */                    \
  X(LB_STACK, "stack")     /* private to each call of one nest's function: a \
                              register tile (kept in registers when every   \
                              offset is constant after unrolling) */                  \
  X(LB_IMAGE, "image")     /* GPU: a 4-D f32 tensor [N, C, H, W] in an image of \
                              W*ceil(C/4) x N*H pixels of 4 floats: element \
                              (n, c, h, w) is channel c%4 of pixel          \
                              (w + W*(c/4), h + H*n) (docs/opencl.md) */

typedef enum LoopBufKind {
#define X(k, s) k,
  XG_LOOP_BUFS(X)
#undef X
      LB__COUNT
} LoopBufKind;

typedef struct LoopBuf {
  int id;           /* index in LoopProgram.bufs */
  const char *name; /* the tensor's name ("h.1", "p.mx") */
  LoopBufKind kind;
  ElemType elem; /* a tensor element type */
  int rank;
  const int64_t *shape;
  int64_t elems, bytes;   /* elements (>= 1) and bytes of the data */
  int index;              /* input/output/weight: position in the signature */
  int64_t offset;         /* LB_SCRATCH: byte offset in the arena (64-aligned) */
  int first, last;        /* LB_SCRATCH: the kernels that use it (live range) */
  int persistent;         /* LB_SCRATCH, LB_IMAGE: prepared once per loaded
                             model (packed weights, weights as images): live
                             in every run, never shared */
  int64_t img_w, img_h;   /* LB_IMAGE: the image's width and height in pixels */
  const IrTensor *tensor; /* the graph tensor or node local it holds; NULL
                             for buffers of the lowering (packed panels) */
} LoopBuf;

/* ---------------------------------------------------------------- variables
 * Loop indices (type ELEM_INT) and registers (accumulators: a tensor
 * element type, ELEM_INT or ELEM_BOOL), numbered per nest. */
typedef struct LoopVar {
  const char *name; /* unique in its nest */
  ElemType type;
} LoopVar;

/* -------------------------------------------------------------- expressions
 * Values are typed as in the graph IR (docs/ir.md "Types"): ELEM_INT is a
 * 64-bit integer with floor division, and element offsets are ELEM_INT. */
#define XG_LOOP_EXPRS(X)                                                                           \
  X(LE_CONST, "const")   /* f (float types) or i (int and bool types) */                           \
  X(LE_VAR, "var")       /* the value of variable `var` */                                         \
  X(LE_LOAD, "load")     /* buf[args[0]]: args[0] is an element offset; an \
                            LB_IMAGE buffer's args are the pixel's x, y and \
                            the channel (0..3) */                               \
  X(LE_UNARY, "unary")   /* op args[0] (OP_NEG, OP_NOT) */                                         \
  X(LE_BINARY, "binary") /* args[0] op args[1] */                                                  \
  X(LE_CALL, "call")     /* builtin(args...) (never BI_SELECT) */                                  \
  X(LE_SELECT, "select") /* args[0] ? args[1] : args[2], only the chosen arm \
                            evaluated: a guarded read is made only there */                     \
  X(LE_CAST, "cast")     /* (type) args[0], the graph IR's conversions */

typedef enum LoopExprKind {
#define X(k, s) k,
  XG_LOOP_EXPRS(X)
#undef X
      LE__COUNT
} LoopExprKind;

typedef struct LoopExpr LoopExpr;
struct LoopExpr {
  LoopExprKind kind;
  ElemType type;
  double f;        /* LE_CONST of a float type */
  int64_t i;       /* LE_CONST of an int or bool type */
  int var;         /* LE_VAR */
  int buf;         /* LE_LOAD */
  LoopExpr *guard; /* LE_LOAD: NULL, or a condition the lowering could not
                         prove (a read without ??): where it is false the
                         read is not made and the run fails (XG_RUN_RANGE) */
  AstOp op;        /* LE_UNARY, LE_BINARY */
  int nonneg;      /* LE_BINARY / and % of ints: the dividend is known
                         >= 0 and the divisor a positive constant */
  Builtin builtin; /* LE_CALL */
  int nargs;
  LoopExpr **args;
};

/* -------------------------------------------------------------- statements */
#define XG_LOOP_KINDS(X)                                                                           \
  X(LOOP_SERIAL, "serial")                                                                         \
  X(LOOP_PARALLEL, "parallel") /* the outermost loop of a nest: its range is \
                                  split over the thread pool (GPU: up to 3  \
                                  perfectly nested ones, the NDRange) */             \
  X(LOOP_VECTOR, "vector")     /* `lanes` iterations at a time in SIMD       \
                                  registers; the remainder one by one */                     \
  X(LOOP_UNROLL, "unroll")     /* every iteration emitted */

typedef enum LoopKind {
#define X(k, s) k,
  XG_LOOP_KINDS(X)
#undef X
      LOOP__COUNT
} LoopKind;

#define XG_LOOP_STMTS(X)                                                                           \
  X(LS_LOOP, "for")    /* for var in [lo, hi) (kind): body */                                      \
  X(LS_STORE, "store") /* buf[addr] = value */                                                     \
  X(LS_LET, "let")     /* var = value */                                                           \
  X(LS_ACCUM, "accum") /* var = var `red` value (sum, prod, max, min) */                           \
  X(LS_IF, "if")       /* if value: body (value the same in every lane) */

typedef enum LoopStmtKind {
#define X(k, s) k,
  XG_LOOP_STMTS(X)
#undef X
      LS__COUNT
} LoopStmtKind;

typedef struct LoopStmt LoopStmt;
struct LoopStmt {
  LoopStmtKind kind;
  int var;         /* LS_LOOP: the index; LS_LET, LS_ACCUM: the register */
  int64_t lo, hi;  /* LS_LOOP: lo < hi */
  LoopKind loop;   /* LS_LOOP */
  int lanes;       /* LS_LOOP of LOOP_VECTOR */
  PtrVec body;     /* LS_LOOP, LS_IF: LoopStmt*, in order */
  int buf;         /* LS_STORE */
  LoopExpr *addr;  /* LS_STORE: element offset; LB_IMAGE: the pixel's x */
  LoopExpr *py;    /* LS_STORE to LB_IMAGE: the pixel's y */
  int pc;          /* LS_STORE to LB_IMAGE: the channel, the index of an
                      enclosing `for pc in [0, 4) unroll` (the pixel loop:
                      its 4 stores make one pixel write) */
  LoopExpr *value; /* LS_STORE, LS_LET, LS_ACCUM; LS_IF: the condition */
  Reduction red;   /* LS_ACCUM: RD_SUM, RD_PROD, RD_MAX or RD_MIN */
};

/* A loop nest: one statement of a node (or a part of one), compiled as one
 * function over the range of its outermost loop; a parallel outermost loop
 * is split over the thread pool. */
typedef struct LoopNest {
  const char *name; /* what it computes: the statement's target */
  LoopStmt *loop;   /* LS_LOOP */
  int nvars;
  LoopVar *vars;
  double flops; /* counted as in lower_node_flops */
  int once;     /* prepares persistent buffers from weights only: runs
                         in the first run of a loaded model, before the rest */
  const IrNode *node; /* the graph node it lowers */
  const IrStmt *stmt; /* the statement, or NULL (a fused nest of several,
                         a packing or copying nest) */
} LoopNest;

/* A kernel: the nests of one fused group of nodes (one node per group until
 * the graph IR fuses), run in order. */
typedef struct LoopKernel {
  int id;
  const char *name; /* the group's last node */
  int nnodes;
  IrNode **nodes; /* the group, in graph order */
  int nnests;
  LoopNest **nests;
  double flops;
} LoopKernel;

/* A whole model. */
typedef struct LoopProgram {
  const char *name;
  const IrGraph *graph;
  LowerTarget target;
  int nbufs;
  LoopBuf **bufs;
  int ninputs, noutputs, nweights;
  int *inputs, *outputs, *weights; /* buffer ids, in signature order */
  int nkernels;
  LoopKernel **kernels;
  int64_t scratch_bytes; /* the memory plan's peak */
  int prepared;          /* a 4-byte persistent buffer: 0 until the `once`
                            nests have run (-1 when there are none) */
  double flops;
} LoopProgram;

/* Why a run of compiled code fails: what xg_abi_model.run returns
 * (XG_RUN_* of runtime/xg_abi.h, which the runtime shares); its text. */
const char *loop_run_error(int code);

/* ------------------------------------------------------------ entry points */

/* Lowers the graph of a model (instantiated, verified) for target t: one
 * kernel per group, buffers for every graph tensor and node local, the
 * memory plan.  Everything lives in c->arena.  Returns NULL after reporting
 * an error: a model with symbolic dims (not supported yet). */
LoopProgram *lower_model(IrCtx *c, const IrGraph *g, const LowerTarget *t);

/* The memory plan: places every LB_SCRATCH buffer at a 64-byte aligned
 * offset such that buffers whose live ranges [first, last] overlap do not
 * overlap in memory (greedy by size); sets p->scratch_bytes to the peak. */
void lower_plan_memory(LoopProgram *p);

/* Floating-point operations of one evaluation of node n, counted from the
 * graph IR: per point of a statement, 1 per arithmetic operation, compare-
 * free built-in call or max/min; per point of a reduction, the body's
 * operations plus 1 for the accumulation (so a multiply-add is 2).  Index
 * arithmetic, selects, comparisons and casts are free.  docs/cpu.md. */
double lower_node_flops(const IrNode *n);

/* `xgc --emit=loops`: a stable text form (docs/cpu.md). */
void loop_print(FILE *out, const LoopProgram *p);
void loop_print_expr(FILE *out, const LoopNest *n, const LoopProgram *p, const LoopExpr *e);

/* Checks the invariants of the loop IR (docs/cpu.md): variables defined
 * before use, types, loop kinds where they may appear, offsets of known
 * buffers.  Reports each violation as an internal error through d and
 * returns their number. */
int loop_verify(const LoopProgram *p, Diag *d);

/* Is e free of loads, integer divisions and conversions that can fail (so
 * safe to evaluate where its value is not needed)? */
int loop_expr_safe(const LoopExpr *e);

const char *loop_kind_name(LoopKind k);
const char *loop_buf_kind_name(LoopBufKind k);

#endif
