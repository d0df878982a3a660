/* lower/sched.c -- the schedule of one statement, chosen from its access
 * functions, its shape and the target: which index is vectorized (the
 * store's contiguous dim or a reduced index, by the strides of the reads),
 * and which outer loops are fused into one parallel loop. */
#include "lower/lower_int.h"

/* Statements of less work than this run on one thread: a parallel loop
 * costs a few microseconds (docs/runtime.md). */
#define SCHED_PAR_WORK 32768.0
/* The parallel loop should have at least this many iterations (load
 * balance for up to 16 threads), and fuses outer dims until it has. */
#define SCHED_PAR_MIN 16
#define SCHED_PAR_TARGET 256

/* ----------------------------------------------------------------- work */

static double expr_work(LowerCtx *L, const IrExpr *e) {
  if (!e) return 0;
  double w =
      e->kind == IE_READ || e->kind == IE_BINARY || e->kind == IE_UNARY || e->kind == IE_CALL;
  if (e->kind == IE_REDUCE) {
    double n = 1;
    for (int i = 0; i < e->nred; i++) n *= (double)L->ext[e->red[i]];
    return n * (expr_work(L, e->args[0]) + 1);
  }
  for (int i = 0; i < e->nargs; i++) w += expr_work(L, e->args[i]);
  return w + expr_work(L, e->dflt);
}

static double points(LowerCtx *L, const IrStmt *s) {
  double n = 1;
  for (int i = 0; i < s->nlhs; i++) n *= (double)L->ext[s->lhs[i]];
  return n;
}

double sched_work(LowerCtx *L, const IrStmt *s) {
  return points(L, s) * (1 + expr_work(L, s->rhs));
}

/* ------------------------------------------------------------ strides */

/* How the lanes of a read move: one element, contiguous, a small constant
 * stride (2 to 4: wide loads and a shuffle; neither gained nor lost), or a
 * gather. */
typedef enum Access { ACC_UNIFORM, ACC_CONTIG, ACC_STRIDED, ACC_GATHER } Access;

/* Does e read index ix anywhere? */
int sched_mentions(const IrExpr *e, int ix) {
  if (!e) return 0;
  if (e->kind == IE_INDEX && e->index == ix) return 1;
  for (int i = 0; i < e->nargs; i++)
    if (sched_mentions(e->args[i], ix)) return 1;
  return sched_mentions(e->dflt, ix);
}

/* How a read's offset moves with index ix: each subscript that is index
 * arithmetic contributes its coefficient times the stride; any other
 * subscript (a gathered id) must not mention ix. */
static Access classify_read(LowerCtx *L, const IrExpr *e, int ix) {
  int64_t stride = 1, v, coef = 0, c;
  for (int i = e->nargs - 1; i >= 0; i--) {
    const Dim *d = lw_expr_dim(L, e->args[i], NULL);
    if (!d) {
      if (sched_mentions(e->args[i], ix)) return ACC_GATHER;
    } else if (!lw_dim_coef(L, d, ix, &c)) {
      return ACC_GATHER;
    } else {
      coef += c * stride;
    }
    if (!e->flat && i > 0) {
      if (!dim_is_const(e->tensor->dims[i].dim, &v)) return ACC_GATHER;
      stride *= v;
    }
  }
  if (coef >= 2 && coef <= 4) return ACC_STRIDED;
  return coef == 0 ? ACC_UNIFORM : coef == 1 ? ACC_CONTIG : ACC_GATHER;
}

/* The sum over the reads of e of +1 (contiguous in ix), -2 (gathered). */
static int score_reads(LowerCtx *L, const IrExpr *e, int ix) {
  if (!e) return 0;
  int s = 0;
  if (e->kind == IE_READ) {
    Access a = classify_read(L, e, ix);
    s += a == ACC_CONTIG ? 1 : a == ACC_GATHER ? -2 : 0;
  }
  for (int i = 0; i < e->nargs; i++) s += score_reads(L, e->args[i], ix);
  return s + score_reads(L, e->dflt, ix);
}

/* The one reduction of e, or NULL when there are none or several. */
const IrExpr *sched_only_reduce(const IrExpr *e, int *count) {
  if (!e) return NULL;
  const IrExpr *found = NULL;
  if (e->kind == IE_REDUCE) {
    ++*count;
    found = e;
  }
  for (int i = 0; i < e->nargs; i++) {
    const IrExpr *r = sched_only_reduce(e->args[i], count);
    if (r) found = r;
  }
  const IrExpr *r = sched_only_reduce(e->dflt, count);
  return r ? r : found;
}

/* --------------------------------------------------------------- plans */

static void choose_vector(LowerCtx *L, const IrStmt *s, Plan *p, int first) {
  int best = 0;
  p->vec = VEC_NONE;
  p->vec_index = -1;
  if (s->nlhs > first) {
    int ix = s->lhs[s->nlhs - 1];
    int sc = score_reads(L, s->rhs, ix) + 1; /* + the contiguous store */
    if (L->ext[ix] >= p->lanes && sc > best) best = sc, p->vec = VEC_LHS, p->vec_index = ix;
  }
  int nred = 0;
  const IrExpr *r = sched_only_reduce(s->rhs, &nred);
  if (nred != 1) return;
  for (int i = 0; i < r->nred; i++) {
    int ix = r->red[i];
    int sc = score_reads(L, r->args[0], ix);
    if (L->ext[ix] >= p->lanes && sc > best) best = sc, p->vec = VEC_RED, p->vec_index = ix;
  }
}

/* Fuses leading left-hand dims into the parallel loop; when they are too
 * few for SCHED_PAR_MIN iterations, cuts the vectorized dim into blocks. */
static void choose_parallel(LowerCtx *L, const IrStmt *s, Plan *p) {
  p->par = 0;
  p->block = 0;
  if (sched_work(L, s) < SCHED_PAR_WORK) return;
  int outer = s->nlhs - (p->vec == VEC_LHS);
  double prod = 1;
  while (p->par < outer && prod < SCHED_PAR_TARGET) prod *= (double)L->ext[s->lhs[p->par++]];
  if (prod >= SCHED_PAR_MIN || p->vec != VEC_LHS) {
    if (prod < 2) p->par = 0;
    return;
  }
  int64_t e = L->ext[p->vec_index], want = (int64_t)((SCHED_PAR_MIN + prod - 1) / prod);
  int64_t b = (e + want - 1) / want;
  b = (b + p->lanes - 1) / p->lanes * p->lanes;
  if (b < 4 * p->lanes) b = 4 * p->lanes;
  if (e / b * prod < 2) { /* too little to cut */
    if (prod < 2) p->par = 0;
    return;
  }
  p->par = outer;
  p->block = b;
}

/* A GPU statement: every left-hand dim is parallel (nest.c maps them to
 * the NDRange); no vector loops (a work-item is a lane). */
static void gpu_plan(const IrStmt *s, Plan *p) {
  p->vec = VEC_NONE;
  p->vec_index = -1;
  p->par = s->nlhs;
  p->block = 0;
}

void sched_stmt(LowerCtx *L, const IrStmt *s, Plan *p) {
  p->lanes = L->lanes;
  if (L->t->gpu) {
    gpu_plan(s, p);
    return;
  }
  choose_vector(L, s, p, 0);
  choose_parallel(L, s, p);
}

void sched_inner(LowerCtx *L, const IrStmt *s, int first, Plan *p) {
  p->lanes = L->lanes;
  p->par = 0;
  p->block = 0;
  if (L->t->gpu) {
    p->vec = VEC_NONE;
    p->vec_index = -1;
    return;
  }
  choose_vector(L, s, p, first);
}
