/* backends/opencl/rows.c -- nests computed row by row (lower/fuse.c's
 * fused softmax, layernorm, attention; a reduction over the last axis) as
 * a work-group per row with tree reductions (backends/opencl/reduce.c).  A
 * GPU nest of the shape
 *     for (up to 3 parallel grid loops, or one of 1 iteration: the rows):
 *       r = identity; for d in [0, n): r red= expr(d)    a reduction
 *       for d in [0, n): statements(d)                  the row's elements
 *       stack[0] = expr, out[...] = expr                per-row scalars
 * in any order and number becomes one; each loop over the row has its own
 * extent n.  The statements of an element may hold loops and registers of
 * their own (attention's scores: a dot product each).  Stack buffers
 * written in a loop over the row (softmax's e, attention's p) live in
 * local memory; those of one element in each work-item.  Rows must be
 * long enough for a work-group, or have elements of some work of their own
 * (else the generic kernel runs, a work-item per row), and in a reduction
 * or a loop of plain stores every read that
 * moves along the row must move by one element (else a work-item per row
 * reads its neighbours' elements better: a matrix-vector product of a
 * row-major matrix).  docs/opencl.md, "Fast kernels". */
#include "backends/opencl/fast.h"
#include "backends/opencl/ocl_int.h"

#include <math.h>
#include <string.h>

enum { MAX_STEPS = 32 };

typedef struct Rows Rows;
typedef struct StepCtx {
  Rows *R;
  const LoopStmt *s;
  const LoopExpr *value; /* REDUCE: what it accumulates, registers inlined */
} StepCtx;

struct Rows {
  OclGen *g;
  const LoopNest *n;
  const LoopStmt *grid[LOOP_GPU_DIMS];
  int ng;
  int64_t rows, d;
  int nsteps;
  OclRowStep steps[MAX_STEPS];
  int nbufs;
  const char *bufs[MAX_STEPS];
  int bufid[MAX_STEPS];
  int64_t elems[MAX_STEPS];
  StepCtx ctx[MAX_STEPS];
  unsigned char *priv;   /* per variable: a register of one element's work */
  const LoopExpr **defs; /* per variable: a register set once in a reduction's
                            loop (a fused producer's value), inlined */
};

static int mentions(const LoopExpr *e, int var) {
  if (e->kind == LE_VAR && e->var == var) return 1;
  for (int i = 0; i < e->nargs; i++)
    if (mentions(e->args[i], var)) return 1;
  return e->guard && mentions(e->guard, var);
}

/* The coefficient of d in offset e, which must be affine in d (other
 * terms may be anything); 0 when it is not. */
static int d_coef(const LoopExpr *e, int d, int64_t *c) {
  if (!mentions(e, d)) return *c = 0, 1;
  int64_t x, y;
  switch (e->kind) {
  case LE_VAR: return *c = 1, 1;
  case LE_UNARY: return e->op == OP_NEG && d_coef(e->args[0], d, &x) && (*c = -x, 1);
  case LE_BINARY:
    if (e->op == OP_ADD || e->op == OP_SUB) {
      if (!d_coef(e->args[0], d, &x) || !d_coef(e->args[1], d, &y)) return 0;
      *c = e->op == OP_ADD ? x + y : x - y;
      return 1;
    }
    if (e->op == OP_MUL && e->args[0]->kind == LE_CONST && d_coef(e->args[1], d, &y))
      return *c = e->args[0]->i * y, 1;
    if (e->op == OP_MUL && e->args[1]->kind == LE_CONST && d_coef(e->args[0], d, &x))
      return *c = e->args[1]->i * x, 1;
    return 0;
  case LE_CONST:
  case LE_LOAD:
  case LE_CALL:
  case LE_SELECT:
  case LE_CAST:
  case LE__COUNT: return 0;
  }
  return 0;
}

/* Every load of e that moves with d moves by one element (or is an image
 * read: the texture cache takes it). */
static int contiguous(const OclGen *g, const LoopExpr *e, int d) {
  if (e->kind == LE_LOAD && e->nargs == 1 && mentions(e->args[0], d)) {
    int64_t c;
    if (!d_coef(e->args[0], d, &c) || (c != 1 && c != -1)) return 0;
    (void)g;
  }
  for (int i = 0; i < e->nargs; i++)
    if (!contiguous(g, e->args[i], d)) return 0;
  return !e->guard || contiguous(g, e->guard, d);
}

/* ------------------------------------------------------------ callbacks */

static void put(OclCode *out, OclStr *s) {
  ocl_code_printf(out, "%s", ocl_text(s));
  ocl_str_free(s);
}

/* The statements of s (a loop's body or one store) as text, without the
 * last newline (the generator indents and closes them). */
static void stmts(Rows *R, const LoopStmt *s, OclCode *out) {
  OclKernel *kc = R->g->kc;
  OclStr keep = kc->body;
  memset(&kc->body, 0, sizeof kc->body);
  if (s->kind == LS_LOOP)
    for (int i = 0; i < s->body.n; i++) ocl_emit_stmt(R->g, s->body.items[i], 2);
  else ocl_emit_stmt(R->g, s, 2);
  OclStr got = kc->body;
  kc->body = keep;
  const char *t = ocl_text(&got);
  size_t n = strlen(t);
  while (n && (t[n - 1] == '\n')) n--;
  while (*t == ' ') t++, n--;
  ocl_code_printf(out, "%.*s", (int)n, t);
  ocl_str_free(&got);
}

static void bind_row(Rows *R, const char *row) {
  int64_t w = 1;
  for (int i = R->ng - 1; i >= 0; i--) {
    const LoopStmt *l = R->grid[i];
    const char *v;
    if (R->ng == 1) v = row;
    else if (i == R->ng - 1) v = arena_printf(R->g->a, "(%s %% %lld)", row, (long long)l->hi);
    else if (i == 0) v = arena_printf(R->g->a, "(%s / %lld)", row, (long long)w);
    else v = arena_printf(R->g->a, "(%s / %lld %% %lld)", row, (long long)w, (long long)l->hi);
    R->g->kc->vname[l->var] = v;
    w *= l->hi;
  }
}

static void reduce_fn(void *ctx, OclCode *out, const char *row, const char *d) {
  StepCtx *c = ctx;
  bind_row(c->R, row);
  c->R->g->kc->vname[c->s->var] = d;
  OclStr s = {0};
  ocl_expr(c->R->g, &s, c->value, 0);
  put(out, &s);
}

static void map_fn(void *ctx, OclCode *out, const char *row, const char *d) {
  StepCtx *c = ctx;
  bind_row(c->R, row);
  if (c->s->kind == LS_LOOP) c->R->g->kc->vname[c->s->var] = d;
  stmts(c->R, c->s, out);
}

/* --------------------------------------------------------------- matching */

static int identity_of(const LoopExpr *init, Reduction red) {
  if (init->kind != LE_CONST || init->type != ELEM_F32) return 0;
  switch (red) {
  case RD_SUM:
  case RD_MEAN: return init->f == 0.0;
  case RD_PROD: return init->f == 1.0;
  case RD_MAX: return init->f < 0 && isinf(init->f);
  case RD_MIN: return init->f > 0 && isinf(init->f);
  case RD__COUNT: return 0;
  }
  return 0;
}

static int step(Rows *R, OclRowStepKind kind, OclRed red, const char *name, const LoopStmt *s) {
  if (R->nsteps == MAX_STEPS) return 0;
  StepCtx *c = &R->ctx[R->nsteps];
  c->R = R, c->s = s, c->value = NULL;
  OclRowStep *st = &R->steps[R->nsteps++];
  st->kind = kind, st->red = red, st->name = name, st->ctx = c;
  st->fn = kind == OCL_ROW_REDUCE ? reduce_fn : map_fn;
  st->n = kind == OCL_ROW_REDUCE || kind == OCL_ROW_MAP ? s->hi : 0;
  return 1;
}

/* A loop over (part of) the row: from 0; the row's D is the longest. */
static int row_loop(Rows *R, const LoopStmt *s) {
  if (s->kind != LS_LOOP || s->lo != 0 || s->loop == LOOP_PARALLEL || s->loop == LOOP_VECTOR)
    return 0;
  if (s->hi > R->d) R->d = s->hi;
  return 1;
}

/* A stack buffer stored to inside a loop over the row: a row buffer in
 * local memory (f32; one of a single element is a private scalar, which
 * the work-items would each write: not here). */
static int row_buffer(Rows *R, int buf) {
  const LoopBuf *b = R->g->p->bufs[buf];
  if (b->kind != LB_STACK) return b->kind != LB_IMAGE;
  if (b->elems == 1 || b->elem != ELEM_F32) return 0;
  for (int i = 0; i < R->nbufs; i++)
    if (R->bufid[i] == buf) return 1;
  if (R->nbufs == MAX_STEPS) return 0;
  R->bufid[R->nbufs] = buf, R->elems[R->nbufs++] = b->elems;
  return 1;
}

/* The body of a MAP loop: stores to row buffers and memory, and the
 * private work of one element (registers set inside it, inner loops);
 * *plain: stores only. */
static int map_body(Rows *R, const LoopStmt *s, unsigned char *priv, int *plain) {
  for (int i = 0; i < s->body.n; i++) {
    const LoopStmt *t = s->body.items[i];
    switch (t->kind) {
    case LS_STORE:
      if (!row_buffer(R, t->buf)) return 0;
      break;
    case LS_LET: priv[t->var] = 1, *plain = 0; break;
    case LS_ACCUM:
      if (!priv[t->var]) return 0; /* a register of the row, not of the element */
      *plain = 0;
      break;
    case LS_LOOP:
    case LS_IF:
      if ((t->kind == LS_LOOP && (t->loop == LOOP_PARALLEL || t->loop == LOOP_VECTOR)) ||
          !map_body(R, t, priv, plain))
        return 0;
      *plain = 0;
      break;
    case LS__COUNT: return 0;
    }
  }
  return 1;
}

static int classify(Rows *R, const LoopStmt *body) {
  const LoopNest *n = R->n;
  for (int i = 0; i < body->body.n; i++) {
    const LoopStmt *s = body->body.items[i];
    if (s->kind == LS_LET) { /* r = identity, then for d: (h = ...;) r red= x */
      const LoopStmt *l = i + 1 < body->body.n ? body->body.items[i + 1] : NULL;
      if (!l || !row_loop(R, l) || l->body.n < 1) return 0;
      for (int j = 0; j + 1 < l->body.n; j++) {
        const LoopStmt *h = l->body.items[j];
        if (h->kind != LS_LET || h->var == s->var || R->defs[h->var]) return 0;
        R->defs[h->var] = ocl_inline_lets(R->g->a, h->value, R->defs);
      }
      const LoopStmt *a = l->body.items[l->body.n - 1];
      if (a->kind != LS_ACCUM || a->var != s->var || n->vars[s->var].type != ELEM_F32 ||
          !identity_of(s->value, a->red))
        return 0;
      const LoopExpr *value = ocl_inline_lets(R->g->a, a->value, R->defs);
      if (!contiguous(R->g, value, l->var)) return 0;
      OclRed red = a->red == RD_PROD  ? OCL_RED_PROD
                   : a->red == RD_MAX ? OCL_RED_MAX
                   : a->red == RD_MIN ? OCL_RED_MIN
                                      : OCL_RED_SUM;
      const char *name = ocl_name(R->g, "r");
      R->g->kc->vname[s->var] = name;
      if (!step(R, OCL_ROW_REDUCE, red, name, l)) return 0;
      R->ctx[R->nsteps - 1].value = value;
      i++;
    } else if (s->kind == LS_LOOP) { /* for d: the elements */
      int plain = 1;
      if (!row_loop(R, s) || !map_body(R, s, R->priv, &plain)) return 0;
      for (int j = 0; plain && j < s->body.n; j++)
        if (!contiguous(R->g, ((const LoopStmt *)s->body.items[j])->value, s->var)) return 0;
      if (!step(R, OCL_ROW_MAP, OCL_RED_SUM, NULL, s)) return 0;
    } else if (s->kind == LS_STORE) { /* a per-row scalar */
      const LoopBuf *b = R->g->p->bufs[s->buf];
      if (b->kind == LB_STACK && b->elems != 1) return 0;
      if (b->kind == LB_IMAGE) return 0;
      if (!step(R, b->kind == LB_STACK ? OCL_ROW_ALL : OCL_ROW_ONCE, OCL_RED_SUM, NULL, s))
        return 0;
    } else {
      return 0;
    }
  }
  return R->nsteps > 0 && R->d > 0;
}

int ocl_emit_rows(OclGen *g, const LoopKernel *k, int nest) {
  Rows R;
  memset(&R, 0, sizeof R);
  R.g = g, R.n = k->nests[nest];
  const LoopStmt *s = R.n->loop;
  while (R.ng < LOOP_GPU_DIMS && s->kind == LS_LOOP && s->loop == LOOP_PARALLEL && s->lo == 0) {
    R.grid[R.ng++] = s;
    const LoopStmt *c = s->body.n == 1 ? s->body.items[0] : NULL;
    if (!c || c->kind != LS_LOOP || c->loop != LOOP_PARALLEL) break;
    s = c;
  }
  if (R.ng == 0 && s->kind == LS_LOOP && s->lo == 0 && s->hi == 1) R.grid[R.ng++] = s; /* one row */
  if (R.ng == 0) return 0;
  R.rows = 1;
  for (int i = 0; i < R.ng; i++) R.rows *= R.grid[i]->hi;
  OclKernel kc;
  ocl_kernel_begin(g, &kc, k, nest); /* names the variables; abandoned when no match */
  R.priv = arena_alloc(g->a, (size_t)R.n->nvars + 1);
  R.defs = arena_alloc(g->a, sizeof *R.defs * (size_t)(R.n->nvars + 1));
  if (!classify(&R, R.grid[R.ng - 1])) return 0;
  OclStr regs = {0}; /* the element-private registers */
  for (int v = 0; v < R.n->nvars; v++)
    if (R.priv[v])
      ocl_printf(&regs, "  %s %s;\n", ocl_ctype_name(ocl_ctype_of(R.n->vars[v].type)),
                 kc.vname[v]);
  OclRow row;
  memset(&row, 0, sizeof row);
  row.body_only = 1;
  row.rows = R.rows, row.d = R.d;
  row.nsteps = R.nsteps, row.steps = R.steps;
  for (int i = 0; i < R.nbufs; i++) R.bufs[i] = ocl_buf(g, R.bufid[i], 1);
  row.nbufs = R.nbufs, row.bufs = R.bufs, row.buf_elems = R.elems;
  row.prologue = regs.n ? arena_strndup(g->a, ocl_text(&regs), regs.n) : NULL;
  ocl_str_free(&regs);
  OclLimits lim = ocl_limits_default();
  char err[256], attr[64];
  if (ocl_row_choose(&row, &lim, err, sizeof err)) return 0;
  /* short rows whose elements have work of their own (a Swin window's
   * attention: 49 keys, a dot product each) still get a warp */
  int priv = 0;
  for (int v = 0; v < R.n->nvars; v++) priv |= R.priv[v];
  if (row.wg == 1 && priv && R.d >= 16 && lim.max_wg >= 32) {
    row.wg = 32;
    if (ocl_row_check(&row, &lim, err, sizeof err)) return 0;
  }
  if (row.wg == 1) return 0; /* a work-item per row: the generic kernel is that */
  for (int i = 0; i < R.nbufs; i++) kc.bdeclared[R.bufid[i]] = 1;
  OclCode code;
  ocl_code_init(&code);
  if (ocl_row_emit(&row, &lim, &code, err, sizeof err)) {
    ocl_error(g, "%s", err);
    ocl_code_free(&code);
    return -1;
  }
  ocl_puts(&kc.body, ocl_code_str(&code));
  ocl_code_free(&code);
  ocl_row_attribute(&row, attr, sizeof attr);
  kc.attr = arena_strndup(g->a, attr, strlen(attr));
  size_t gs[3], ls[3];
  ocl_row_ndrange(&row, gs, ls);
  uint64_t global[3] = {gs[0], 1, 1}, local[3] = {ls[0], 1, 1};
  ocl_kernel_end(g, ocl_nest_kernel_name(g, k, nest), 1, global, local);
  return 1;
}
