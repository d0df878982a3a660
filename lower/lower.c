/* lower/lower.c -- a model graph as a loop program: a buffer for every
 * graph tensor and node local, the groups of nodes (one kernel each), their
 * statements as nests, live ranges and the memory plan; and the count of
 * floating-point operations. */
#include "lower/lower_int.h"

#include <string.h>

/* ------------------------------------------------------------------ flops */

static int is_float(ElemType t) { return t == ELEM_F32 || t == ELEM_F16 || t == ELEM_FLOAT; }

static double expr_flops(const IrNode *n, const IrExpr *e) {
  if (!e) return 0;
  int64_t v;
  switch (e->kind) {
  case IE_CONST:
  case IE_INDEX:
  case IE_DIM:
  case IE__COUNT: return 0;
  case IE_READ: return expr_flops(n, e->dflt);
  case IE_CAST: return expr_flops(n, e->args[0]);
  case IE_SELECT: {
    double a = expr_flops(n, e->args[1]), b = expr_flops(n, e->args[2]);
    return expr_flops(n, e->args[0]) + (a > b ? a : b);
  }
  case IE_UNARY:
  case IE_BINARY:
  case IE_CALL: {
    double f = is_float(e->type) && !(e->kind == IE_UNARY && e->op == OP_NOT);
    for (int i = 0; i < e->nargs; i++) f += expr_flops(n, e->args[i]);
    return f;
  }
  case IE_REDUCE: {
    double pts = 1;
    for (int i = 0; i < e->nred; i++)
      pts *= dim_is_const(n->indices[e->red[i]].extent.dim, &v) ? (double)v : 0;
    double f = pts * (expr_flops(n, e->args[0]) + is_float(e->type));
    return f + (e->reduce == RD_MEAN && is_float(e->type));
  }
  }
  return 0;
}

double lower_stmt_flops(const IrNode *n, const IrStmt *s) {
  double pts = 1;
  int64_t v;
  for (int i = 0; i < s->nlhs; i++)
    pts *= dim_is_const(n->indices[s->lhs[i]].extent.dim, &v) ? (double)v : 0;
  return pts * expr_flops(n, s->rhs);
}

double lower_node_flops(const IrNode *n) {
  double f = 0;
  for (int i = 0; i < n->nstmts; i++) f += lower_stmt_flops(n, &n->stmts[i]);
  return f;
}

/* ---------------------------------------------------------------- buffers */

static LoopBuf *new_buf(LowerCtx *L, const IrTensor *t, LoopBufKind kind, int index) {
  LoopProgram *p = L->p;
  LoopBuf *b = arena_alloc(L->a, sizeof *b);
  b->id = p->nbufs;
  b->name = t->name;
  b->kind = kind;
  b->elem = t->elem;
  b->rank = t->rank;
  b->index = index;
  b->tensor = t;
  b->first = b->last = -1;
  int64_t *shape = arena_alloc(L->a, sizeof *shape * (size_t)(t->rank + 1));
  b->elems = 1;
  for (int i = 0; i < t->rank; i++) {
    if (!lw_const_dim(L, t->dims[i].dim, t->loc, &shape[i])) return NULL;
    b->elems *= shape[i];
  }
  b->shape = shape;
  static const int size[ELEM__COUNT] = {
      [ELEM_F32] = 4, [ELEM_F16] = 2, [ELEM_I32] = 4, [ELEM_I8] = 1, [ELEM_BOOL] = 1};
  b->bytes = b->elems * size[t->elem];
  LoopBuf **v = arena_alloc(L->a, sizeof *v * (size_t)(p->nbufs + 1));
  if (p->nbufs) memcpy(v, p->bufs, sizeof *v * (size_t)p->nbufs);
  v[p->nbufs++] = b;
  p->bufs = v;
  return b;
}

int lower_new_buf(LowerCtx *L, const char *name, LoopBufKind kind, ElemType elem, int64_t elems) {
  LoopProgram *p = L->p;
  LoopBuf *b = arena_alloc(L->a, sizeof *b);
  int64_t *shape = arena_alloc(L->a, sizeof *shape);
  shape[0] = elems;
  *b = (LoopBuf){.id = p->nbufs,
                 .name = name,
                 .kind = kind,
                 .elem = elem,
                 .rank = 1,
                 .shape = shape,
                 .elems = elems,
                 .bytes = elems * (elem == ELEM_F16                       ? 2
                                   : elem == ELEM_I8 || elem == ELEM_BOOL ? 1
                                                                          : 4),
                 .index = -1,
                 .first = L->kernel,
                 .last = L->kernel};
  LoopBuf **v = arena_alloc(L->a, sizeof *v * (size_t)(p->nbufs + 1));
  if (p->nbufs) memcpy(v, p->bufs, sizeof *v * (size_t)p->nbufs);
  v[p->nbufs++] = b;
  p->bufs = v;
  return b->id;
}

int lower_persistent(LowerCtx *L, int buf) {
  L->p->bufs[buf]->persistent = 1;
  if (L->p->prepared < 0) {
    L->p->prepared = lower_new_buf(L, "prepared", LB_SCRATCH, ELEM_I32, 1);
    L->p->bufs[L->p->prepared]->persistent = 1;
  }
  return buf;
}

static int position(IrTensor *const *v, int n, const IrTensor *t) {
  for (int i = 0; i < n; i++)
    if (v[i] == t) return i;
  return -1;
}

static int graph_buffers(LowerCtx *L) {
  const IrGraph *g = L->p->graph;
  L->tensor_buf = arena_alloc(L->a, sizeof(int) * (size_t)(g->ntensors + 1));
  for (int i = 0; i < g->ntensors; i++) {
    const IrTensor *t = g->tensors[i];
    LoopBufKind k = t->kind == IR_INPUT    ? LB_INPUT
                    : t->kind == IR_WEIGHT ? LB_WEIGHT
                    : t->is_output         ? LB_OUTPUT
                                           : LB_SCRATCH;
    int idx = k == LB_INPUT    ? position(g->inputs, g->ninputs, t)
              : k == LB_WEIGHT ? position(g->weights, g->nweights, t)
              : k == LB_OUTPUT ? position(g->outputs, g->noutputs, t)
                               : -1;
    LoopBuf *b = new_buf(L, t, k, idx);
    if (!b) return 0;
    L->tensor_buf[i] = b->id;
  }
  return 1;
}

int lower_buf_of(LowerCtx *L, const IrTensor *t) {
  return t->kind == IR_LOCAL ? L->local_buf[t->id] : L->tensor_buf[t->id];
}

/* ---------------------------------------------------------------- kernels */

/* The groups of nodes, one kernel each: one node per group until the graph
 * IR fuses (the fusion issue); a kernel lowers its nodes in order. */
static LoopKernel **make_groups(LowerCtx *L, int *n) {
  const IrGraph *g = L->p->graph;
  LoopKernel **ks = arena_alloc(L->a, sizeof *ks * (size_t)(g->nnodes + 1));
  for (int i = 0; i < g->nnodes; i++) {
    LoopKernel *k = arena_alloc(L->a, sizeof *k);
    k->id = i;
    k->nnodes = 1;
    k->nodes = arena_alloc(L->a, sizeof *k->nodes);
    k->nodes[0] = g->nodes[i];
    k->name = g->nodes[i]->name;
    ks[i] = k;
  }
  *n = g->nnodes;
  return ks;
}

static void use_buf(LoopBuf *b, int kernel) {
  if (b->kind != LB_SCRATCH && b->kind != LB_IMAGE) return;
  if (b->first < 0 || kernel < b->first) b->first = kernel;
  if (kernel > b->last) b->last = kernel;
}

static int lower_node(LowerCtx *L, LoopKernel *k, const IrNode *n) {
  L->node = n;
  L->kernel = k->id;
  L->ext = arena_alloc(L->a, sizeof(int64_t) * (size_t)(n->nindices + 1));
  for (int i = 0; i < n->nindices; i++)
    if (!lw_const_dim(L, n->indices[i].extent.dim, n->loc, &L->ext[i])) return 0;
  L->local_buf = arena_alloc(L->a, sizeof(int) * (size_t)(n->nlocals + 1));
  for (int i = 0; i < n->nlocals; i++) {
    LoopBuf *b = new_buf(L, n->locals[i], LB_SCRATCH, -1);
    if (!b) return 0;
    L->local_buf[i] = b->id;
    use_buf(b, k->id);
  }
  image_node(L, k, fuse_prefix(L) > 0);
  for (int i = 0; i < n->ninputs; i++) use_buf(L->p->bufs[lower_buf_of(L, n->inputs[i])], k->id);
  for (int i = 0; i < n->noutputs; i++) use_buf(L->p->bufs[lower_buf_of(L, n->outputs[i])], k->id);
  int fused = fuse_node(L, k);
  if (fused) return fused > 0;
  for (int i = 0; i < n->nstmts; i++)
    if (!nest_stmt(L, k, &n->stmts[i])) return 0;
  return 1;
}

static int *sig_bufs(LowerCtx *L, IrTensor *const *ts, int n) {
  int *v = arena_alloc(L->a, sizeof(int) * (size_t)(n + 1));
  for (int i = 0; i < n; i++) v[i] = L->tensor_buf[ts[i]->id];
  return v;
}

LoopProgram *lower_model(IrCtx *c, const IrGraph *g, const LowerTarget *t) {
  if (g->nsyms > 0) {
    diag_error(c->diag, g->loc,
               "the %s back end needs constant shapes: model '%s' has symbolic "
               "dims (%s%s), which are not supported yet",
               lower_backend_name(t), g->name, g->syms[0], g->nsyms > 1 ? ", ..." : "");
    return NULL;
  }
  LowerCtx L = {.ir = c, .a = c->arena, .dc = &c->dc, .t = t, .lanes = lower_lanes(t)};
  LoopProgram *p = L.p = arena_alloc(c->arena, sizeof *p);
  p->name = g->name;
  p->graph = g;
  p->target = *t;
  p->prepared = -1;
  if (!graph_buffers(&L)) return NULL;
  p->ninputs = g->ninputs, p->noutputs = g->noutputs, p->nweights = g->nweights;
  p->inputs = sig_bufs(&L, g->inputs, g->ninputs);
  p->outputs = sig_bufs(&L, g->outputs, g->noutputs);
  p->weights = sig_bufs(&L, g->weights, g->nweights);
  p->kernels = make_groups(&L, &p->nkernels);
  for (int i = 0; i < p->nkernels; i++) {
    LoopKernel *k = p->kernels[i];
    for (int j = 0; j < k->nnodes; j++)
      if (!lower_node(&L, k, k->nodes[j])) return NULL;
    p->flops += k->flops;
  }
  if (L.errors) return NULL;
  lower_plan_memory(p);
  return p;
}
