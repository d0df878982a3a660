/* lower_int.h -- what the files of lower/ share: loop IR constructors, the
 * lowering context, integer expressions as polynomials of the dimension
 * algebra, intervals, and the schedule of one statement. */
#ifndef XG_LOWER_INT_H
#define XG_LOWER_INT_H

#include "lower/loop.h"

/* Tensors of higher rank are reported, not lowered. */
enum { LOOP_MAX_RANK = 32 };
/* Facts (LowerCtx.fact) in force at once: at most a pixel loop's channel
 * and the channels of split reductions around it. */
enum { LOWER_MAX_FACTS = 8 };

/* --------------------------------------------------------- constructors */
LoopExpr *le_new(Arena *a, LoopExprKind k, ElemType type, int nargs);
LoopExpr *le_int(Arena *a, int64_t v);
LoopExpr *le_bool(Arena *a, int v);
LoopExpr *le_float(Arena *a, ElemType type, double v);
LoopExpr *le_var(Arena *a, int var, ElemType type);
LoopExpr *le_load(Arena *a, int buf, ElemType type, LoopExpr *offset);
LoopExpr *le_unary(Arena *a, AstOp op, ElemType type, LoopExpr *x);
/* Integer + - * fold when both operands are constants. */
LoopExpr *le_binary(Arena *a, AstOp op, ElemType type, LoopExpr *x, LoopExpr *y);
LoopExpr *le_select(Arena *a, LoopExpr *c, LoopExpr *x, LoopExpr *y);
LoopExpr *le_cast(Arena *a, ElemType type, LoopExpr *x);
/* x && y, where either may be NULL (true). */
LoopExpr *le_and(Arena *a, LoopExpr *x, LoopExpr *y);

LoopStmt *ls_loop(Arena *a, int var, int64_t lo, int64_t hi, LoopKind kind, int lanes);
LoopStmt *ls_store(Arena *a, int buf, LoopExpr *addr, LoopExpr *value);
LoopStmt *ls_let(Arena *a, int var, LoopExpr *value);
LoopStmt *ls_accum(Arena *a, int var, Reduction red, LoopExpr *value);
LoopStmt *ls_if(Arena *a, LoopExpr *cond);
/* Appends s to the body of a loop or an if. */
void ls_push(Arena *a, LoopStmt *loop, LoopStmt *s);

/* The identity of a reduction for values of type t (0, 1, -inf, inf; the
 * extreme integers for ints). */
LoopExpr *le_identity(Arena *a, Reduction r, ElemType t);

/* ------------------------------------------------------------- intervals */
typedef struct Ival {
  int64_t lo, hi; /* inclusive; known == 0: any value */
  int known;
} Ival;

/* ------------------------------------------------------- the lowering
 * One nest being built: its variables with their ranges, and how the
 * node's indices are expressed in them. */
typedef struct NestB {
  LoopNest *nest;
  int nvars, cap;
  LoopVar *vars;
  Ival *ranges;      /* of each variable: its loop's range; registers unknown */
  const char **syms; /* the Dim symbol of each variable (its interned name) */
  const Dim **env;   /* per node index: its value as a polynomial of variables,
                           or NULL while unbound */
} NestB;

typedef struct LowerCtx {
  IrCtx *ir;
  Arena *a;
  DimCtx *dc;
  LoopProgram *p;
  const LowerTarget *t;
  int lanes;           /* of 32-bit elements */
  int *tensor_buf;     /* graph tensor id -> buffer id */
  int *local_buf;      /* local id of the node being lowered -> buffer id */
  const IrNode *node;  /* the node being lowered */
  int64_t *ext;        /* the constant extent of each of its indices */
  int kernel;          /* its kernel's id */
  NestB *nb;           /* the nest being built */
  int shrink;          /* locals are addressed without their first `shrink`
                           subscripts (per-iteration buffers of fused nests) */
  int no_guard;        /* reads without ?? are known in range: no checks (the
                           packing of contractions, whose reads were proven in
                           range for every valid point) */
  int nfacts;          /* polynomials known to be <= fact_hi where the
                           statement is lowered (the channel of a pixel loop
                           or of a split reduction under `if c < C`): range
                           checks use them */
  const Dim *fact[LOWER_MAX_FACTS];
  int64_t fact_hi[LOWER_MAX_FACTS];
  const IrExpr *subst; /* lw_value gives subst_value for this expression */
  LoopExpr *subst_value;
  int inlining;        /* depth of fused producers being computed in place */
  int in_arm;          /* in an arm of a select: values stay in the arm */
  struct InlineMemo *memo; /* registers of inlined values (inline.c) */
  int nmemo, capmemo;
  const IrNode *epi_root;    /* the group's root when its anchor is lowered: */
  const IrTensor *epi_tensor; /* the anchor's output, read by the epilogue at */
  const Dim **epi_point;      /* the element being stored, whose value is */
  LoopExpr *epi_value;        /* this register */
  int valid_points;    /* the nest visits valid points of the statement only
                          (ranges may be wider: contraction tiles), so fused
                          reads, proven in range by the plan, need no checks */
  const Dim **assume;  /* subscripts known to be in [0, assume_ext) here: */
  int64_t *assume_ext; /* the ?? arm of a fused read that checked them */
  int nassume, capassume;
  int errors;
} LowerCtx;

/* A new variable of the nest: named `base` (made unique with a suffix),
 * ranging over [lo, hi) when it is a loop index (registers: lo == hi). */
int nest_var(LowerCtx *L, const char *base, ElemType type, int64_t lo, int64_t hi);
/* Variable v of the nest being built as a polynomial (its symbol). */
const Dim *nest_var_dim(LowerCtx *L, int v);
/* A buffer of the lowering (a packed panel, a register tile): a flat array
 * of `elems` elements, live in the current kernel only.  Returns its id. */
int lower_new_buf(LowerCtx *L, const char *name, LoopBufKind kind, ElemType elem, int64_t elems);
/* Makes scratch buffer buf persistent (prepared once per loaded model;
 * creates the program's `prepared` flag).  Returns buf. */
int lower_persistent(LowerCtx *L, int buf);
/* The buffer that holds graph tensor or node local t. */
int lower_buf_of(LowerCtx *L, const IrTensor *t);

/* ------------------------------------------------------ polynomials (dims.c)
 * Integer expressions of the graph IR (+ - * / % and unary - over
 * constants, indices and dims) as Dims: with env == NULL each index is the
 * symbol of its name (the node's own view), else env[i] stands for index i.
 * NULL when e is not such an expression (a read, a max, a cast...). */
const Dim *lw_expr_dim(LowerCtx *L, const IrExpr *e, const Dim *const *env);
/* The constant value of dim d (after binding every symbol), or 0 with an
 * error reported at loc when it is symbolic. */
int lw_const_dim(LowerCtx *L, const Dim *d, Loc loc, int64_t *v);
/* A polynomial over the nest's variables as a loop expression, terms in the
 * order of the variables (outer loops first), the constant last. */
LoopExpr *lw_dim_loop(LowerCtx *L, const Dim *d);
/* The interval of a polynomial over the nest's variables. */
Ival lw_dim_range(LowerCtx *L, const Dim *d);
/* With env == NULL polynomials: the coefficient of index `ix`'s symbol in d
 * when d is affine in it (1 and *coef), else 0 (it appears in a product or
 * under a division). */
int lw_dim_coef(LowerCtx *L, const Dim *d, int ix, int64_t *coef);
/* The symbol of node index ix (its name, interned). */
const char *lw_index_sym(LowerCtx *L, int ix);

/* ------------------------------------------------------ expressions (expr.c) */
/* The loop expression of graph expression e under the nest's env; reductions
 * are hoisted into `block` (an LS_LOOP whose body receives the accumulator
 * and its loops) before the value that uses them.  `vec_red` is the index to
 * vectorize among a reduction's indices (-1: none).  NULL after an error. */
LoopExpr *lw_value(LowerCtx *L, const IrExpr *e, LoopStmt *block, int vec_red);
/* The conditions 0 <= d and d < extent that the ranges, the facts and the
 * assumptions in force do not prove (NULL: none); *ok 0 after an error. */
LoopExpr *lw_range_check(LowerCtx *L, const Dim *d, int64_t extent, int *ok);
/* The element offset of t[subs...] (flat: subs[0]) under env. */
LoopExpr *lw_offset(LowerCtx *L, const IrTensor *t, IrExpr *const *subs, int nsubs, int flat);

/* ------------------------------------------------- fused producers (inline.c) */
/* Is t computed where it is read (a fused tensor of the kernel's group, or
 * a local of a fused node being computed in place)? */
int lw_is_inlined(LowerCtx *L, const IrTensor *t);
/* The value of read e of an inlined tensor: its definition lowered with the
 * read's subscripts, in a register of `block` (when given and not in a
 * select's arm) shared by later reads of the same element there. */
LoopExpr *lw_inline_read(LowerCtx *L, const IrExpr *e, LoopStmt *block, int vec_red);
/* Is subscript d known to be in [0, extent) where it is being lowered (an
 * arm that checked it)? */
int lw_assumed_in_range(LowerCtx *L, const Dim *d, int64_t extent);
/* Appends to `block` the store of statement s's value v at the indices
 * bound in the nest: into s's target, or, when s defines the output of the
 * group's anchor, v through the epilogue (the root's statement, the
 * anchor's output standing for v) into the root's output.  0 after an
 * error. */
int lw_store(LowerCtx *L, LoopStmt *block, const IrStmt *s, LoopExpr *v);

/* --------------------------------------------------------- schedules (sched.c) */
typedef enum VecWhere { VEC_NONE, VEC_LHS, VEC_RED } VecWhere;

typedef struct Plan {
  VecWhere vec;
  int vec_index; /* VEC_LHS, VEC_RED: the node index vectorized */
  int lanes;
  int par;       /* leading left-hand dims fused into the parallel loop */
  int64_t block; /* > 0: the vectorized left-hand dim is cut into blocks of
                      this many elements that join the parallel loop; the
                      elements after the last whole block form a tail nest */
} Plan;

void sched_stmt(LowerCtx *L, const IrStmt *s, Plan *plan);
/* Does e read index ix anywhere? */
int sched_mentions(const IrExpr *e, int ix);
/* The one reduction of e (NULL when none); *count gets their number. */
const IrExpr *sched_only_reduce(const IrExpr *e, int *count);
/* Work of one evaluation of s, in element operations (loads and
 * arithmetic; for the threshold of parallel loops). */
double sched_work(LowerCtx *L, const IrStmt *s);

/* ---------------------------------------------------------- nests (nest.c) */
/* Lowers statement s of L->node into nests appended to kernel k. */
int nest_stmt(LowerCtx *L, LoopKernel *k, const IrStmt *s);
/* Under `parent`: the loops of s's left-hand dims from `first` on (plan:
 * which is vectorized; no parallel loop), its value and its store. */
int nest_body(LowerCtx *L, LoopStmt *parent, const IrStmt *s, const Plan *plan, int first);
/* GPU: the loops over node indices ix[0..n) of extents ext (NULL: their
 * extents) as at most LOOP_GPU_DIMS perfectly nested parallel loops (the
 * NDRange): indices of extent 1 are bound to 0, the last two others get a
 * loop each and the leading ones are fused into the first ((p / stride) %
 * extent each); an outer loop of more than LOOP_GPU_OUTER_MAX iterations
 * is fused with the next.  Returns the outermost loop, NULL when every
 * extent is 1; *inner gets the innermost. */
LoopStmt *nest_gpu_grid(LowerCtx *L, const int *ix, const int64_t *ext, int n,
                        LoopStmt **inner);
/* The same with a class per index (cls[i] of ix[i]; NULL: none): before
 * the leading indices fuse, the last neighbours of one class do (a
 * contraction's batch, rows or columns: docs/opencl.md, "Fast kernels"). */
LoopStmt *nest_gpu_grid_classes(LowerCtx *L, const int *ix, const int64_t *ext, int n,
                                const int *cls, LoopStmt **inner);
/* The schedule of s inside a fused nest whose loops bind its first `first`
 * left-hand dims: the vectorized index only. */
void sched_inner(LowerCtx *L, const IrStmt *s, int first, Plan *plan);

/* ---------------------------------------------------- fused nodes (fuse.c) */
/* The number of leading left-hand indices fuse_node would lower the
 * statements of L->node under in one nest, 0 when it would not. */
int fuse_prefix(LowerCtx *L);
/* Lowers all statements of L->node in one nest when they share their
 * leading left-hand indices (softmax's rows): one (parallel) loop over
 * them, the node's locals shrunk to per-iteration stack buffers.  1: done,
 * 0: not fusable, -1: an error was reported. */
int fuse_node(LowerCtx *L, LoopKernel *k);
/* The element offset of s's target at the indices bound in the nest. */
LoopExpr *lw_store_offset(LowerCtx *L, const IrStmt *s);
/* Starts a nest (L->nb) and ends it into a LoopNest. */
void nest_begin(LowerCtx *L, NestB *nb);
LoopNest *nest_end(LowerCtx *L, const char *name, LoopStmt *root, double flops);
void nest_add(LowerCtx *L, LoopKernel *k, LoopNest *n);
double lower_stmt_flops(const IrNode *n, const IrStmt *s);

/* ------------------------------------------------- the image layout (image.c)
 * GPU targets with images (LowerTarget.images): 4-D f32 tensors as
 * LB_IMAGE buffers (loop.h, docs/opencl.md). */
/* Before the statements of L->node are lowered into kernel k: its outputs
 * and locals that may live in images do (unless the node is lowered as one
 * fused nest), and the weights it reads get an image each, prepared by a
 * `once` nest of k (reads then go to the image). */
void image_node(LowerCtx *L, LoopKernel *k, int fused);
/* The pixel's x and y and the channel of element sub (n, c, h, w, or the
 * flat index sub[0]) of image buffer b, as polynomials simplified under the
 * nest.  0 after an error. */
int image_coords(LowerCtx *L, const LoopBuf *b, const Dim *const *sub, int flat,
                 LoopExpr **out);
/* The same from loop expressions (data-dependent subscripts, which a guard
 * or a select proves in range where the read is made). */
void image_coords_e(LowerCtx *L, const LoopBuf *b, LoopExpr *const *sub, int flat,
                    LoopExpr **out);
/* Adds the fact d <= hi (LowerCtx.fact) to those in force. */
void image_fact(LowerCtx *L, const Dim *d, int64_t hi);
/* Should the reduction over node index ix of `body` be split into pixels
 * and channels (ix = 4*q + ch, the loop over ch innermost and unrolled)?
 * Yes when body reads an image at channel ix: the four reads of one pixel
 * are then the same read, next to each other. */
int image_split_reduction(LowerCtx *L, const IrExpr *body, int ix);
/* The nest of statement s whose target is an LB_IMAGE buffer: the grid over
 * its pixels (the channel index c as c/4), then the pixel loop over c%4.
 * NULL after an error. */
LoopNest *image_stmt_nest(LowerCtx *L, const IrStmt *s);

/* ---------------------------------------------------- contractions (contract.c) */
/* Lowers s the BLIS way when it is a contraction worth it (a sum over k of
 * a product of two reads, with an epilogue): packing nests and a
 * register-blocked micro-kernel.  1: done, 0: not a contraction (use
 * nest_stmt), -1: an error was reported. */
int contract_stmt(LowerCtx *L, LoopKernel *k, const IrStmt *s);

#endif
