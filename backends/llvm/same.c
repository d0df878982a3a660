/* backends/llvm/same.c -- which buffers a nest uses, in the order it first
 * uses them (the order of its body function's parameters), and whether two
 * nests are the same code up to their buffers: the convolutions of one
 * shape in a network then share one compiled body (smaller modules, faster
 * compiles), each called with its own buffers. */
#include "backends/llvm/llvm_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct Order {
  const LoopProgram *p;
  int *pos; /* per buffer: its parameter position, CG_STACK, or -1 */
  int n;
} Order;

static void use(Order *o, int buf) {
  if (o->pos[buf] != -1) return;
  o->pos[buf] = o->p->bufs[buf]->kind == LB_STACK ? CG_STACK : o->n++;
}

static void expr_bufs(Order *o, const LoopExpr *e) {
  if (!e) return;
  if (e->kind == LE_LOAD) use(o, e->buf);
  for (int i = 0; i < e->nargs; i++) expr_bufs(o, e->args[i]);
  expr_bufs(o, e->guard);
}

static void stmt_bufs(Order *o, const LoopStmt *s) {
  switch (s->kind) {
  case LS_LOOP:
    for (int i = 0; i < s->body.n; i++) stmt_bufs(o, s->body.items[i]);
    return;
  case LS_STORE:
    use(o, s->buf);
    expr_bufs(o, s->addr);
    expr_bufs(o, s->value);
    return;
  case LS_LET:
  case LS_ACCUM: expr_bufs(o, s->value); return;
  case LS_IF:
    expr_bufs(o, s->value);
    for (int i = 0; i < s->body.n; i++) stmt_bufs(o, s->body.items[i]);
    return;
  case LS__COUNT: return;
  }
}

int *cg_buf_order(const LoopProgram *p, const LoopNest *n, int *nparams) {
  Order o = {p, malloc(sizeof(int) * (size_t)(p->nbufs + 1)), 0};
  if (!o.pos) abort();
  for (int i = 0; i < p->nbufs; i++) o.pos[i] = -1;
  stmt_bufs(&o, n->loop);
  *nparams = o.n;
  return o.pos;
}

/* ----------------------------------------------------------------- sameness */

typedef struct Pair {
  const LoopProgram *p;
  const int *pa, *pb;
} Pair;

static int same_buf(const Pair *q, int a, int b) {
  const LoopBuf *x = q->p->bufs[a], *y = q->p->bufs[b];
  if (q->pa[a] != q->pb[b] || x->elem != y->elem) return 0;
  return q->pa[a] != CG_STACK || x->elems == y->elems;
}

static int same_expr(const Pair *q, const LoopExpr *a, const LoopExpr *b) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind || a->type != b->type || a->nargs != b->nargs) return 0;
  switch (a->kind) {
  case LE_CONST:
    if (a->i != b->i || memcmp(&a->f, &b->f, sizeof a->f)) return 0;
    break;
  case LE_VAR:
    if (a->var != b->var) return 0;
    break;
  case LE_LOAD:
    if (!same_buf(q, a->buf, b->buf) || !same_expr(q, a->guard, b->guard)) return 0;
    break;
  case LE_UNARY:
  case LE_BINARY:
    if (a->op != b->op || a->nonneg != b->nonneg) return 0;
    break;
  case LE_CALL:
    if (a->builtin != b->builtin) return 0;
    break;
  case LE_SELECT:
  case LE_CAST: break;
  case LE__COUNT: return 0;
  }
  for (int i = 0; i < a->nargs; i++)
    if (!same_expr(q, a->args[i], b->args[i])) return 0;
  return 1;
}

static int same_stmt(const Pair *q, const LoopStmt *a, const LoopStmt *b);

static int same_body(const Pair *q, const PtrVec *a, const PtrVec *b) {
  if (a->n != b->n) return 0;
  for (int i = 0; i < a->n; i++)
    if (!same_stmt(q, a->items[i], b->items[i])) return 0;
  return 1;
}

static int same_stmt(const Pair *q, const LoopStmt *a, const LoopStmt *b) {
  if (a->kind != b->kind) return 0;
  switch (a->kind) {
  case LS_LOOP:
    return a->var == b->var && a->lo == b->lo && a->hi == b->hi && a->loop == b->loop &&
           a->lanes == b->lanes && same_body(q, &a->body, &b->body);
  case LS_STORE:
    return same_buf(q, a->buf, b->buf) && same_expr(q, a->addr, b->addr) &&
           same_expr(q, a->value, b->value);
  case LS_LET: return a->var == b->var && same_expr(q, a->value, b->value);
  case LS_ACCUM: return a->var == b->var && a->red == b->red && same_expr(q, a->value, b->value);
  case LS_IF: return same_expr(q, a->value, b->value) && same_body(q, &a->body, &b->body);
  case LS__COUNT: break;
  }
  return 0;
}

int cg_nest_same(const LoopProgram *p, const LoopNest *a, const int *pa, const LoopNest *b,
                 const int *pb) {
  if (a->nvars != b->nvars) return 0;
  for (int i = 0; i < a->nvars; i++)
    if (a->vars[i].type != b->vars[i].type) return 0;
  Pair q = {p, pa, pb};
  return same_stmt(&q, a->loop, b->loop);
}
