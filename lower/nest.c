/* lower/nest.c -- one statement of a node as loop nests, following its
 * plan (sched.c): the parallel loop over fused outer dims, the other
 * left-hand loops, the vectorized one innermost, reductions hoisted into
 * accumulators, and the store. */
#include "lower/lower_int.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------- variables */

static int name_taken(const NestB *b, const char *s) {
  for (int i = 0; i < b->nvars; i++)
    if (!strcmp(b->vars[i].name, s)) return 1;
  return 0;
}

int nest_var(LowerCtx *L, const char *base, ElemType type, int64_t lo, int64_t hi) {
  NestB *b = L->nb;
  if (b->nvars == b->cap) {
    int cap = b->cap ? 2 * b->cap : 16;
    LoopVar *v = arena_alloc(L->a, sizeof *v * (size_t)cap);
    Ival *r = arena_alloc(L->a, sizeof *r * (size_t)cap);
    const char **s = arena_alloc(L->a, sizeof *s * (size_t)cap);
    if (b->nvars) {
      memcpy(v, b->vars, sizeof *v * (size_t)b->nvars);
      memcpy(r, b->ranges, sizeof *r * (size_t)b->nvars);
      memcpy(s, b->syms, sizeof *s * (size_t)b->nvars);
    }
    b->vars = v, b->ranges = r, b->syms = s, b->cap = cap;
  }
  const char *name = base;
  for (int k = 1; name_taken(b, name); k++) name = arena_printf(L->a, "%s.%d", base, k);
  int id = b->nvars++;
  b->vars[id].name = intern_cstr(&L->ir->f->names, name);
  b->vars[id].type = type;
  b->syms[id] = b->vars[id].name;
  b->ranges[id] = lo < hi ? (Ival){lo, hi - 1, 1} : (Ival){0, 0, 0};
  return id;
}

const Dim *nest_var_dim(LowerCtx *L, int v) { return dim_sym(L->dc, L->nb->syms[v]); }

/* ------------------------------------------------------------------ nests */

typedef enum Part { PART_ALL, PART_BLOCKS, PART_TAIL } Part;

typedef struct Build {
  LowerCtx *L;
  const IrStmt *s;
  const Plan *plan;
  Part part;
  LoopStmt *root, *cur;
} Build;

static void push_loop(Build *b, LoopStmt *loop) {
  if (b->root) ls_push(b->L->a, b->cur, loop);
  else b->root = loop;
  b->cur = loop;
}

/* The parallel loop over the first plan->par left-hand dims (and the
 * blocks of the vectorized dim): each index is (p / stride) % extent. */
static const Dim *parallel_loop(Build *b) {
  LowerCtx *L = b->L;
  const IrStmt *s = b->s;
  int par = b->plan->par;
  int64_t nblocks = b->plan->block ? L->ext[b->plan->vec_index] / b->plan->block : 1,
          total = nblocks;
  for (int i = 0; i < par; i++) total *= L->ext[s->lhs[i]];
  int fused = par > 1 || b->plan->block;
  int v = nest_var(L, fused ? "p" : L->node->indices[s->lhs[0]].name, ELEM_INT, 0, total);
  push_loop(b, ls_loop(L->a, v, 0, total, LOOP_PARALLEL, 0));
  const Dim *p = nest_var_dim(L, v), *blk = NULL;
  int64_t stride = 1;
  if (b->plan->block) {
    blk = nblocks > 1 ? dim_mod(L->dc, p, dim_const(L->dc, nblocks)) : L->dc->zero;
    stride = nblocks;
  }
  for (int i = par - 1; i >= 0; i--) {
    const Dim *d = dim_div(L->dc, p, dim_const(L->dc, stride));
    if (i > 0) d = dim_mod(L->dc, d, dim_const(L->dc, L->ext[s->lhs[i]]));
    L->nb->env[s->lhs[i]] = d;
    stride *= L->ext[s->lhs[i]];
  }
  return blk;
}

/* One parallel loop over the live indices live[0..n) of extents e (the
 * first varies slowest): each index is (q / stride) % extent. */
static LoopStmt *grid_loop(LowerCtx *L, const int *live, const int64_t *e, int n) {
  int64_t total = 1;
  for (int i = 0; i < n; i++) total *= e[i];
  int v = nest_var(L, n > 1 ? "p" : L->node->indices[live[0]].name, ELEM_INT, 0, total);
  const Dim *q = nest_var_dim(L, v);
  int64_t stride = 1;
  for (int i = n - 1; i >= 0; i--) {
    const Dim *d = stride > 1 ? dim_div(L->dc, q, dim_const(L->dc, stride)) : q;
    if (i > 0) d = dim_mod(L->dc, d, dim_const(L->dc, e[i]));
    L->nb->env[live[i]] = d;
    stride *= e[i];
  }
  return ls_loop(L->a, v, 0, total, LOOP_PARALLEL, 0);
}

LoopStmt *nest_gpu_grid_classes(LowerCtx *L, const int *ix, const int64_t *ext, int n,
                                const int *cls, LoopStmt **inner) {
  int live[LOOP_MAX_RANK], lcls[LOOP_MAX_RANK], nl = 0;
  int64_t lext[LOOP_MAX_RANK];
  for (int i = 0; i < n; i++) {
    int64_t e = ext ? ext[i] : L->ext[ix[i]];
    if (e == 1) L->nb->env[ix[i]] = L->dc->zero;
    else if (nl < LOOP_MAX_RANK) lext[nl] = e, lcls[nl] = cls ? cls[i] : 0, live[nl++] = ix[i];
  }
  *inner = NULL;
  if (nl == 0) return NULL;
  /* groups of consecutive indices, one loop each: at most LOOP_GPU_DIMS.
     With classes, the last neighbours of one class merge first (a conv with
     a batch: (n, f, i*j), not (n*f, i, j)); then the leading groups fuse.
     An outer group (NDRange dims 1 and 2) of more than LOOP_GPU_OUTER_MAX
     iterations is fused with the next */
  int start[LOOP_MAX_RANK + 1], ng = nl;
  for (int i = 0; i <= nl; i++) start[i] = i;
  while (cls && ng > LOOP_GPU_DIMS) {
    int j = -1;
    for (int g = ng - 2; g >= 0 && j < 0; g--)
      if (lcls[start[g]] == lcls[start[g + 1]]) j = g;
    if (j < 0) break;
    for (int k = j + 1; k < ng; k++) start[k] = start[k + 1]; /* merge j and j + 1 */
    ng--;
  }
  if (ng > LOOP_GPU_DIMS) {
    int drop = ng - LOOP_GPU_DIMS;
    for (int g = 1; g + drop <= ng; g++) start[g] = start[g + drop];
    ng = LOOP_GPU_DIMS;
  }
  for (int g = 0; g < ng - 1;) {
    int64_t t = 1;
    for (int i = start[g]; i < start[g + 1]; i++) t *= lext[i];
    if (t <= LOOP_GPU_OUTER_MAX) {
      g++;
      continue;
    }
    for (int k = g + 1; k < ng; k++) start[k] = start[k + 1]; /* merge g and g + 1 */
    ng--;
  }
  LoopStmt *root = NULL, *cur = NULL;
  for (int g = 0; g < ng; g++) {
    LoopStmt *loop = grid_loop(L, live + start[g], lext + start[g], start[g + 1] - start[g]);
    if (cur) ls_push(L->a, cur, loop);
    else root = loop;
    cur = loop;
  }
  *inner = cur;
  return root;
}

LoopStmt *nest_gpu_grid(LowerCtx *L, const int *ix, const int64_t *ext, int n,
                        LoopStmt **inner) {
  return nest_gpu_grid_classes(L, ix, ext, n, NULL, inner);
}

/* The classes of a contraction's left-hand dims (a sum of a product, with
 * an epilogue): read by both factors (0: a batch), by the first only (1),
 * by the second only (2), by neither (3).  0 when s is no such statement. */
static int gpu_classes(const IrStmt *s, int *cls) {
  int count = 0;
  const IrExpr *red = sched_only_reduce(s->rhs, &count);
  if (count != 1 || red->reduce != RD_SUM || s->nlhs > LOOP_MAX_RANK) return 0;
  const IrExpr *body = red->args[0];
  if (body->kind != IE_BINARY || body->op != OP_MUL) return 0;
  for (int i = 0; i < s->nlhs; i++) {
    int a = sched_mentions(body->args[0], s->lhs[i]), b = sched_mentions(body->args[1], s->lhs[i]);
    cls[i] = a && b ? 0 : a ? 1 : b ? 2 : 3;
  }
  return 1;
}

/* The loop of left-hand dim i (or its binding to 0 when its extent is 1). */
static void lhs_loop(Build *b, int i, const Dim *blk) {
  LowerCtx *L = b->L;
  int ix = b->s->lhs[i];
  const char *name = L->node->indices[ix].name;
  int vec = b->plan->vec == VEC_LHS && ix == b->plan->vec_index;
  int64_t lo = 0, hi = L->ext[ix];
  if (vec && b->part == PART_BLOCKS) hi = b->plan->block;
  if (vec && b->part == PART_TAIL) lo = L->ext[ix] / b->plan->block * b->plan->block;
  if (hi - lo == 1 && !vec) {
    L->nb->env[ix] = dim_const(L->dc, lo);
    return;
  }
  int v = nest_var(L, name, ELEM_INT, lo, hi);
  push_loop(b, ls_loop(L->a, v, lo, hi, vec ? LOOP_VECTOR : LOOP_SERIAL, b->plan->lanes));
  const Dim *d = nest_var_dim(L, v);
  if (vec && b->part == PART_BLOCKS)
    d = dim_add(L->dc, dim_mul(L->dc, blk, dim_const(L->dc, b->plan->block)), d);
  L->nb->env[ix] = d;
}

/* The element offset of the statement's target at the bound indices. */
LoopExpr *lw_store_offset(LowerCtx *L, const IrStmt *s) {
  const Dim *off = L->dc->zero;
  int64_t stride = 1;
  int first = s->target->kind == IR_LOCAL ? L->shrink : 0;
  for (int i = s->nlhs - 1; i >= first; i--) {
    off = dim_add(L->dc, off, dim_mul(L->dc, L->nb->env[s->lhs[i]], dim_const(L->dc, stride)));
    stride *= L->ext[s->lhs[i]];
  }
  return lw_dim_loop(L, off);
}

static double nest_points(const Build *b) {
  double n = 1;
  for (int i = 0; i < b->s->nlhs; i++) {
    int ix = b->s->lhs[i];
    double e = (double)b->L->ext[ix];
    if (b->plan->block && ix == b->plan->vec_index)
      e = b->part == PART_TAIL ? e - (double)(b->L->ext[ix] / b->plan->block * b->plan->block)
                               : (double)(b->L->ext[ix] / b->plan->block * b->plan->block);
    n *= e;
  }
  return n;
}

void nest_begin(LowerCtx *L, NestB *nb) {
  memset(nb, 0, sizeof *nb);
  nb->env = arena_alloc(L->a, sizeof(const Dim *) * (size_t)(L->node->nindices + 1));
  L->nb = nb;
}

LoopNest *nest_end(LowerCtx *L, const char *name, LoopStmt *root, double flops) {
  LoopNest *n = arena_alloc(L->a, sizeof *n);
  n->name = name;
  n->loop = root;
  n->nvars = L->nb->nvars;
  n->vars = L->nb->vars;
  n->flops = flops;
  n->node = L->node;
  L->nb = NULL;
  return n;
}

static LoopNest *build_nest(LowerCtx *L, const IrStmt *s, const Plan *plan, Part part) {
  NestB nb;
  nest_begin(L, &nb);
  Build b = {L, s, plan, part, NULL, NULL};
  const Dim *blk = NULL;
  int first = 0;
  if (L->t->gpu) {
    LoopStmt *inner;
    int cls[LOOP_MAX_RANK];
    int has = gpu_classes(s, cls); /* contractions: backends/opencl/contract.c */
    LoopStmt *root = nest_gpu_grid_classes(L, s->lhs, NULL, plan->par, has ? cls : NULL, &inner);
    if (root) b.root = root, b.cur = inner;
    first = plan->par;
  } else if (part != PART_TAIL && (plan->par > 0 || plan->block)) {
    blk = parallel_loop(&b);
    first = plan->par;
  }
  for (int i = first; i < s->nlhs; i++) lhs_loop(&b, i, blk);
  if (!b.root)
    push_loop(&b, ls_loop(L->a, nest_var(L, "one", ELEM_INT, 0, 1), 0, 1, LOOP_SERIAL, 0));
  LoopExpr *v = lw_value(L, s->rhs, b.cur, plan->vec == VEC_RED ? plan->vec_index : -1);
  if (!v || !lw_store(L, b.cur, s, v)) {
    L->nb = NULL;
    return NULL;
  }
  double pts = 1;
  for (int i = 0; i < s->nlhs; i++) pts *= (double)L->ext[s->lhs[i]];
  const char *name =
      part == PART_TAIL ? arena_printf(L->a, "%s (tail)", s->target->name) : s->target->name;
  LoopNest *n = nest_end(L, name, b.root, lower_stmt_flops(L->node, s) * nest_points(&b) / pts);
  n->stmt = s;
  return n;
}

int nest_body(LowerCtx *L, LoopStmt *parent, const IrStmt *s, const Plan *plan, int first) {
  Build b = {L, s, plan, PART_ALL, parent, parent};
  for (int i = first; i < s->nlhs; i++) lhs_loop(&b, i, NULL);
  LoopExpr *v = lw_value(L, s->rhs, b.cur, plan->vec == VEC_RED ? plan->vec_index : -1);
  return v && lw_store(L, b.cur, s, v);
}

void nest_add(LowerCtx *L, LoopKernel *k, LoopNest *n) {
  LoopNest **v = arena_alloc(L->a, sizeof *v * (size_t)(k->nnests + 1));
  if (k->nnests) memcpy(v, k->nests, sizeof *v * (size_t)k->nnests);
  v[k->nnests++] = n;
  k->nests = v;
  k->flops += n->flops;
}

int nest_stmt(LowerCtx *L, LoopKernel *k, const IrStmt *s) {
  int c = contract_stmt(L, k, s);
  if (c) return c > 0;
  if (L->p->bufs[lower_buf_of(L, s->target)]->kind == LB_IMAGE) {
    LoopNest *n = image_stmt_nest(L, s);
    if (n) nest_add(L, k, n);
    return n != NULL;
  }
  Plan plan;
  sched_stmt(L, s, &plan);
  LoopNest *n = build_nest(L, s, &plan, plan.block ? PART_BLOCKS : PART_ALL);
  if (!n) return 0;
  nest_add(L, k, n);
  if (plan.block && L->ext[plan.vec_index] % plan.block) {
    if (!(n = build_nest(L, s, &plan, PART_TAIL))) return 0;
    nest_add(L, k, n);
  }
  return 1;
}
