/* lower/fuse.c -- the statements of one node in one nest: when they all
 * start their left-hand sides with the same indices (softmax, layernorm:
 * the rows l...), one loop over those indices (parallel when the node is
 * big enough) runs every statement for one row, and the node's locals
 * shrink to per-row buffers on the stack (a row max or a row sum to one
 * element, which lives in a register).  So a softmax reads its input once
 * from memory instead of four passes over full-size intermediates. */
#include "lower/lower_int.h"

#include <string.h>

#define FUSE_PAR_WORK 32768.0
/* Per-iteration buffers larger than this stay in the scratch arena (and
 * the statements in separate nests). */
#define FUSE_MAX_STACK_BYTES (64 << 10)

/* The number of leading left-hand indices every statement shares. */
static int common_prefix(const IrNode *n) {
  int np = n->stmts[0].nlhs;
  for (int i = 1; i < n->nstmts; i++) {
    const IrStmt *s = &n->stmts[i];
    int k = 0;
    while (k < np && k < s->nlhs && s->lhs[k] == n->stmts[0].lhs[k]) k++;
    np = k;
  }
  return np;
}

/* Is t written by a statement of the node (a local, or an output read by a
 * later statement)? */
static int node_tensor(const IrNode *n, const IrTensor *t) {
  for (int i = 0; i < n->nstmts; i++)
    if (n->stmts[i].target == t) return 1;
  return 0;
}

/* Every read of a tensor the node writes must name the prefix indices at
 * the prefix positions: then one iteration reads only what it wrote. */
static int reads_ok(const IrNode *n, const IrExpr *e, const int *prefix, int np) {
  if (!e) return 1;
  if (e->kind == IE_READ && node_tensor(n, e->tensor)) {
    if (e->flat || e->nargs < np) return 0;
    for (int i = 0; i < np; i++)
      if (e->args[i]->kind != IE_INDEX || e->args[i]->index != prefix[i]) return 0;
  }
  for (int i = 0; i < e->nargs; i++)
    if (!reads_ok(n, e->args[i], prefix, np)) return 0;
  return reads_ok(n, e->dflt, prefix, np);
}

static int fusable(LowerCtx *L, int np) {
  const IrNode *n = L->node;
  const int *prefix = n->stmts[0].lhs;
  int64_t bytes = 0;
  for (int i = 0; i < n->nstmts; i++)
    if (!reads_ok(n, n->stmts[i].rhs, prefix, np)) return 0;
  for (int i = 0; i < n->nlocals; i++) {
    const IrTensor *t = n->locals[i];
    int64_t e = 1;
    for (int d = np; d < t->rank; d++) e *= L->p->bufs[L->local_buf[i]]->shape[d];
    bytes += 4 * e;
  }
  return bytes <= FUSE_MAX_STACK_BYTES;
}

/* The locals become stack buffers of their dims after the prefix. */
static void shrink_locals(LowerCtx *L, int np) {
  const IrNode *n = L->node;
  for (int i = 0; i < n->nlocals; i++) {
    LoopBuf *b = L->p->bufs[L->local_buf[i]];
    b->kind = LB_STACK;
    b->rank -= np;
    b->shape += np;
    b->elems = 1;
    for (int d = 0; d < b->rank; d++) b->elems *= b->shape[d];
    b->bytes = b->elems * (b->elem == ELEM_F16                          ? 2
                           : b->elem == ELEM_I8 || b->elem == ELEM_BOOL ? 1
                                                                        : 4);
    b->first = b->last = -1;
  }
}

/* The loop over the prefix indices (fused into one when there are several):
 * each index is (p / stride) % extent. */
static LoopStmt *prefix_loop(LowerCtx *L, const int *prefix, int np, int parallel) {
  int64_t total = 1;
  for (int i = 0; i < np; i++) total *= L->ext[prefix[i]];
  int v = nest_var(L, np > 1 ? "p" : L->node->indices[prefix[0]].name, ELEM_INT, 0, total);
  LoopStmt *loop = ls_loop(L->a, v, 0, total, parallel ? LOOP_PARALLEL : LOOP_SERIAL, 0);
  const Dim *p = dim_sym(L->dc, L->nb->syms[v]);
  int64_t stride = 1;
  for (int i = np - 1; i >= 0; i--) {
    const Dim *d = dim_div(L->dc, p, dim_const(L->dc, stride));
    if (i > 0) d = dim_mod(L->dc, d, dim_const(L->dc, L->ext[prefix[i]]));
    L->nb->env[prefix[i]] = d;
    stride *= L->ext[prefix[i]];
  }
  return loop;
}

int fuse_prefix(LowerCtx *L) {
  const IrNode *n = L->node;
  if (n->nstmts < 2 || n->nlocals == 0) return 0;
  int np = common_prefix(n);
  return np > 0 && fusable(L, np) ? np : 0;
}

int fuse_node(LowerCtx *L, LoopKernel *k) {
  const IrNode *n = L->node;
  int np = fuse_prefix(L);
  if (!np) return 0;
  const int *prefix = n->stmts[0].lhs;
  double work = 0, flops = 0, rows = 1;
  for (int i = 0; i < n->nstmts; i++) {
    work += sched_work(L, &n->stmts[i]);
    flops += lower_stmt_flops(n, &n->stmts[i]);
  }
  for (int i = 0; i < np; i++) rows *= (double)L->ext[prefix[i]];
  shrink_locals(L, np);
  NestB nb;
  nest_begin(L, &nb);
  L->shrink = np;
  LoopStmt *root, *inner;
  if (!L->t->gpu) {
    root = inner = prefix_loop(L, prefix, np, work >= FUSE_PAR_WORK && rows >= 2);
  } else if (!(root = nest_gpu_grid(L, prefix, NULL, np, &inner))) {
    root = inner = ls_loop(L->a, nest_var(L, "one", ELEM_INT, 0, 1), 0, 1, LOOP_SERIAL, 0);
  }
  int ok = 1;
  for (int i = 0; i < n->nstmts && ok; i++) {
    Plan plan;
    sched_inner(L, &n->stmts[i], np, &plan);
    ok = nest_body(L, inner, &n->stmts[i], &plan, np);
  }
  L->shrink = 0;
  const char *name = n->stmts[n->nstmts - 1].target->name;
  LoopNest *nest = nest_end(L, name, root, flops);
  if (!ok) return -1;
  nest_add(L, k, nest);
  return 1;
}
