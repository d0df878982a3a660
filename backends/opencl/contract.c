/* backends/opencl/contract.c -- contraction nests as tiled, register-
 * blocked kernels (backends/opencl/gemm.c).  A GPU nest of the shape
 *     for (up to 3 parallel grid loops):
 *       acc = 0.0
 *       for (reduction loops): acc += A * B
 *       C[addr] = value(acc)
 * is a contraction C[b, m, n] = value(sum_k A(b, m, k) B(b, k, n)): grid
 * loops read by both factors are the batch, those read by one factor only
 * are M (A's) or N (B's, the innermost grid loop among them when it can be:
 * the stores are contiguous along it), the reduction loops K; each group's
 * loops flatten row-major.  A factor that is a load at an affine offset
 * consistent with that flattening is strided (float4 loads where the
 * strides allow); any other (a `??` window, an image read) is emitted by
 * ocl_expr with each loop variable replaced by its digit of the flat index
 * -- the reduction loops' variables by K's digits (gemm.c: a conv's window
 * costs nothing in the loop over k).  docs/opencl.md, "Fast kernels". */
#include "backends/opencl/fast.h"
#include "backends/opencl/ocl_int.h"

#include <string.h>

/* Contractions of fewer multiply-adds, or of a shorter K, keep the
 * generic kernel (one work-item per output). */
#define GEMM_MIN_MACS (1 << 14)
#define GEMM_MIN_K 8

typedef struct Group {
  int n;
  int var[LOOP_MAX_RANK];
  int64_t ext[LOOP_MAX_RANK];
  int64_t total;
} Group;

typedef struct Match {
  const LoopNest *n;
  int acc;
  const LoopExpr *a, *b; /* a: the M side */
  const LoopStmt *store;
  const LoopExpr *value; /* the store's value, the registers set before it inlined */
  const LoopExpr **defs; /* per variable: the value of a register set once
                            between the sum and the store (a fused epilogue's
                            `h = acc + bias`), or NULL */
  Group bat, m, nn, k;
} Match;

/* ------------------------------------------------------------- matching */

static int mentions(const LoopExpr *e, int var) {
  if (e->kind == LE_VAR && e->var == var) return 1;
  for (int i = 0; i < e->nargs; i++)
    if (mentions(e->args[i], var)) return 1;
  return e->guard && mentions(e->guard, var);
}

const LoopExpr *ocl_inline_lets(Arena *a, const LoopExpr *e, const LoopExpr *const *defs) {
  if (e->kind == LE_VAR) return defs[e->var] ? defs[e->var] : e;
  LoopExpr *c = NULL;
  for (int i = 0; i < e->nargs; i++) {
    const LoopExpr *x = ocl_inline_lets(a, e->args[i], defs);
    if (x == e->args[i]) continue;
    if (!c) {
      c = arena_alloc(a, sizeof *c);
      *c = *e;
      c->args = arena_alloc(a, sizeof *c->args * (size_t)e->nargs);
      memcpy(c->args, e->args, sizeof *c->args * (size_t)e->nargs);
    }
    c->args[i] = (LoopExpr *)x;
  }
  const LoopExpr *gd = e->guard ? ocl_inline_lets(a, e->guard, defs) : NULL;
  if (gd != e->guard) {
    if (!c) {
      c = arena_alloc(a, sizeof *c);
      *c = *e;
    }
    c->guard = (LoopExpr *)gd;
  }
  return c ? c : e;
}

/* Records `var = value` (a register set once, its value with the earlier
 * ones inlined) in defs; 0 when var was set before. */
static int define(Arena *a, const LoopStmt *s, const LoopExpr **defs) {
  if (defs[s->var]) return 0;
  defs[s->var] = ocl_inline_lets(a, s->value, defs);
  return 1;
}

/* Does e use only the variables marked in ok? */
static int vars_within(const LoopExpr *e, const unsigned char *ok) {
  if (e->kind == LE_VAR && !ok[e->var]) return 0;
  for (int i = 0; i < e->nargs; i++)
    if (!vars_within(e->args[i], ok)) return 0;
  return !e->guard || vars_within(e->guard, ok);
}

static void add(Group *g, int var, int64_t ext) {
  if (g->n == 0) g->total = 1;
  g->var[g->n] = var, g->ext[g->n] = ext, g->n++;
  g->total *= ext;
}

static int64_t total(const Group *g) { return g->n ? g->total : 1; }

/* The chain of reduction loops from s: perfectly nested, from 0, ending in
 * `acc += x * y`.  Fills m->k, m->a, m->b. */
static int chain(Match *m, const LoopStmt *s) {
  while (s->kind == LS_LOOP) {
    if (s->lo != 0 || s->body.n != 1 || s->loop == LOOP_PARALLEL || s->loop == LOOP_VECTOR ||
        m->k.n == LOOP_MAX_RANK)
      return 0;
    add(&m->k, s->var, s->hi);
    s = s->body.items[0];
  }
  if (s->kind != LS_ACCUM || s->var != m->acc || s->red != RD_SUM) return 0;
  const LoopExpr *p = s->value;
  if (p->kind != LE_BINARY || p->op != OP_MUL || p->type != ELEM_F32) return 0;
  m->a = p->args[0], m->b = p->args[1];
  return m->k.n > 0;
}

static int match(OclGen *g, const LoopNest *n, Match *m) {
  memset(m, 0, sizeof *m);
  m->n = n;
  const LoopStmt *grid[LOOP_GPU_DIMS], *s = n->loop;
  int ng = 0;
  while (ng < LOOP_GPU_DIMS && s->kind == LS_LOOP && s->loop == LOOP_PARALLEL && s->lo == 0) {
    grid[ng++] = s;
    const LoopStmt *c = s->body.n == 1 ? s->body.items[0] : NULL;
    if (!c || c->kind != LS_LOOP || c->loop != LOOP_PARALLEL) break;
    s = c;
  }
  /* acc = 0.0; the loops of the sum; registers set once (the epilogue's
   * producers, `h = acc + bias`); the store */
  if (ng == 0 || grid[ng - 1]->body.n < 3) return 0;
  const LoopStmt *body = grid[ng - 1];
  const LoopStmt *let = body->body.items[0], *red = body->body.items[1];
  m->store = body->body.items[body->body.n - 1];
  if (let->kind != LS_LET || let->value->kind != LE_CONST || let->value->f != 0.0 ||
      n->vars[let->var].type != ELEM_F32)
    return 0;
  m->acc = let->var;
  m->defs = arena_alloc(g->a, sizeof *m->defs * (size_t)(n->nvars + 1));
  if (red->kind != LS_LOOP || !chain(m, red)) return 0;
  for (int i = 2; i + 1 < body->body.n; i++) {
    const LoopStmt *t = body->body.items[i];
    if (t->kind != LS_LET || t->var == m->acc || !define(g->a, t, m->defs)) return 0;
  }
  const LoopStmt *st = m->store;
  if (st->kind != LS_STORE) return 0;
  m->value = ocl_inline_lets(g->a, st->value, m->defs);
  if (!mentions(m->value, m->acc) || mentions(st->addr, m->acc)) return 0;
  const LoopBuf *out = g->p->bufs[st->buf];
  if (out->elem != ELEM_F32 || out->kind == LB_IMAGE || out->kind == LB_STACK) return 0;
  /* which variables each part may use */
  unsigned char *ok = arena_alloc(g->a, (size_t)n->nvars + 1);
  for (int i = 0; i < ng; i++) ok[grid[i]->var] = 1;
  unsigned char *okr = arena_alloc(g->a, (size_t)n->nvars + 1);
  memcpy(okr, ok, (size_t)n->nvars);
  for (int i = 0; i < m->k.n; i++) okr[m->k.var[i]] = 1;
  if (!vars_within(m->a, okr) || !vars_within(m->b, okr) || !vars_within(st->addr, ok)) return 0;
  ok[m->acc] = 1;
  if (!vars_within(m->value, ok)) return 0;
  /* the store is contiguous along the innermost grid loop: make it N */
  int last = grid[ng - 1]->var;
  if (mentions(m->a, last) && !mentions(m->b, last)) {
    const LoopExpr *t = m->a;
    m->a = m->b, m->b = t;
  }
  for (int i = 0; i < ng; i++) {
    int v = grid[i]->var, ia = mentions(m->a, v), ib = mentions(m->b, v);
    if (ia && ib) add(&m->bat, v, grid[i]->hi);
    else if (ia) add(&m->m, v, grid[i]->hi);
    else if (ib) add(&m->nn, v, grid[i]->hi);
    else return 0; /* a broadcast of the sum: the generic kernel */
  }
  double macs = (double)total(&m->bat) * (double)total(&m->m) * (double)total(&m->nn) *
                (double)total(&m->k);
  /* a (batched) matrix-vector product, M or N of 1, streams its matrix
   * once either way: the generic kernel, without padded tiles */
  return macs >= GEMM_MIN_MACS && total(&m->k) >= GEMM_MIN_K && total(&m->m) > 1 &&
         total(&m->nn) > 1;
}

/* ------------------------------------------------------ strided operands */

/* e as c + sum coef[v] * v over loop variables; 0 when it is not affine. */
static int affine(const LoopExpr *e, int64_t *coef, int64_t *c, int64_t scale) {
  switch (e->kind) {
  case LE_CONST: *c += scale * e->i; return e->type == ELEM_INT;
  case LE_VAR: coef[e->var] += scale; return 1;
  case LE_UNARY: return e->op == OP_NEG && affine(e->args[0], coef, c, -scale);
  case LE_BINARY:
    if (e->type != ELEM_INT) return 0;
    if (e->op == OP_ADD || e->op == OP_SUB)
      return affine(e->args[0], coef, c, scale) &&
             affine(e->args[1], coef, c, e->op == OP_SUB ? -scale : scale);
    if (e->op == OP_MUL && e->args[0]->kind == LE_CONST)
      return affine(e->args[1], coef, c, scale * e->args[0]->i);
    if (e->op == OP_MUL && e->args[1]->kind == LE_CONST)
      return affine(e->args[0], coef, c, scale * e->args[1]->i);
    return 0;
  case LE_LOAD:
  case LE_CALL:
  case LE_SELECT:
  case LE_CAST:
  case LE__COUNT: return 0;
  }
  return 0;
}

/* The stride of a group's flat index in coef (its variables' coefficients
 * must be stride * the row-major weights); 0 when inconsistent. */
static int group_stride(const Group *gr, const int64_t *coef, int64_t *stride) {
  *stride = gr->n ? coef[gr->var[gr->n - 1]] : 0;
  int64_t w = 1;
  for (int i = gr->n - 1; i >= 0; i--) {
    if (coef[gr->var[i]] != *stride * w) return 0;
    w *= gr->ext[i];
  }
  return 1;
}

/* A plain load at off + s0 * flat(g0) + s1 * flat(g1) + s2 * flat(g2) with
 * offsets >= 0, from a buffer whose start is 16-byte aligned. */
static int strided(OclGen *g, int buf, const LoopExpr *off, const Group *g0, const Group *g1,
                   const Group *g2, int64_t *o, int64_t *s0, int64_t *s1, int64_t *s2) {
  const LoopBuf *b = g->p->bufs[buf];
  if (b->elem != ELEM_F32 || b->kind == LB_IMAGE || b->kind == LB_STACK ||
      (b->kind == LB_SCRATCH && b->offset % 16 != 0))
    return 0;
  int nv = g->kc->n->nvars;
  int64_t *coef = arena_alloc(g->a, sizeof *coef * (size_t)(nv + 1));
  *o = 0;
  if (!affine(off, coef, o, 1) || *o < 0) return 0;
  int64_t n0 = 0;
  for (int v = 0; v < nv; v++) n0 += coef[v] != 0;
  int64_t in = 0;
  for (int i = 0; i < g0->n; i++) in += coef[g0->var[i]] != 0;
  for (int i = 0; i < g1->n; i++) in += coef[g1->var[i]] != 0;
  for (int i = 0; i < g2->n; i++) in += coef[g2->var[i]] != 0;
  return in == n0 && group_stride(g0, coef, s0) && group_stride(g1, coef, s1) &&
         group_stride(g2, coef, s2) && *s0 >= 0 && *s1 >= 0 && *s2 >= 0;
}

/* ------------------------------------------------------------ callbacks */

typedef struct Emit {
  OclGen *g;
  const Match *m;
  const LoopExpr *e; /* a factor */
  const Group *r;    /* its rows: m or nn */
} Emit;

/* Each variable of group gr as its digit of the flat index x. */
static void bind(OclGen *g, const Group *gr, const char *x) {
  int64_t w = 1;
  for (int i = gr->n - 1; i >= 0; i--) {
    const char *d;
    if (gr->n == 1) d = x;
    else if (i == gr->n - 1) d = arena_printf(g->a, "(%s %% %lld)", x, (long long)gr->ext[i]);
    else if (i == 0) d = arena_printf(g->a, "(%s / %lld)", x, (long long)w);
    else d = arena_printf(g->a, "(%s / %lld %% %lld)", x, (long long)w, (long long)gr->ext[i]);
    g->kc->vname[gr->var[i]] = d;
    w *= gr->ext[i];
  }
}

static void put(OclCode *out, OclStr *s) {
  ocl_code_printf(out, "%s", ocl_text(s));
  ocl_str_free(s);
}

static void load_cb(void *ctx, OclCode *out, const char *b, const char *r, const char *k) {
  Emit *c = ctx;
  bind(c->g, &c->m->bat, b), bind(c->g, c->r, r), bind(c->g, &c->m->k, k);
  OclStr s = {0};
  ocl_expr(c->g, &s, c->e, 0);
  put(out, &s);
}

/* The same with the reduction loops' variables as K's digits. */
static void load_kd_cb(void *ctx, OclCode *out, const char *b, const char *r,
                       const char *const *kd) {
  Emit *c = ctx;
  bind(c->g, &c->m->bat, b), bind(c->g, c->r, r);
  for (int i = 0; i < c->m->k.n; i++) c->g->kc->vname[c->m->k.var[i]] = kd[i];
  OclStr s = {0};
  ocl_expr(c->g, &s, c->e, 0);
  put(out, &s);
}

static void bind_out(Emit *c, const char *b, const char *m, const char *n) {
  bind(c->g, &c->m->bat, b), bind(c->g, &c->m->m, m), bind(c->g, &c->m->nn, n);
}

static void epilogue_cb(void *ctx, OclCode *out, const char *b, const char *m, const char *n,
                        const char *acc) {
  Emit *c = ctx;
  bind_out(c, b, m, n);
  c->g->kc->vname[c->m->acc] = acc;
  OclStr s = {0};
  ocl_store_value(c->g, &s, ELEM_F32, c->m->value);
  put(out, &s);
}

static void store_cb(void *ctx, OclCode *out, const char *b, const char *m, const char *n,
                     const char *value) {
  Emit *c = ctx;
  bind_out(c, b, m, n);
  OclStr s = {0};
  ocl_printf(&s, "%s[", ocl_buf(c->g, c->m->store->buf, 1));
  ocl_expr(c->g, &s, c->m->store->addr, 0);
  ocl_printf(&s, "] = %s;", value);
  put(out, &s);
}

/* ------------------------------------------------------------- emission */

static void input(OclGen *g, const Match *m, OclGemmInput *in, Emit *em, const LoopExpr *e,
                  const Group *r) {
  memset(in, 0, sizeof *in);
  em->g = g, em->m = m, em->e = e, em->r = r;
  if (e->kind == LE_LOAD && e->nargs == 1 && !e->guard &&
      strided(g, e->buf, e->args[0], &m->bat, r, &m->k, &in->off, &in->sb, &in->sr, &in->sk)) {
    in->kind = OCL_ACCESS_STRIDED;
    in->ptr = ocl_buf(g, e->buf, 0);
    return;
  }
  in->kind = OCL_ACCESS_CUSTOM;
  in->load = load_cb, in->ctx = em;
  if (m->k.n > 1 && m->k.n <= OCL_GEMM_MAX_KDIG) in->load_kd = load_kd_cb;
  /* B's rows are the store's contiguous dim (a conv's pixels): work-items
   * load along them; A's along k */
  in->r_major = r == &m->nn;
}

int ocl_emit_contraction(OclGen *g, const LoopKernel *k, int nest) {
  const LoopNest *n = k->nests[nest];
  Match m;
  if (!match(g, n, &m)) return 0;
  OclKernel kc;
  ocl_kernel_begin(g, &kc, k, nest);
  OclGemm G;
  memset(&G, 0, sizeof G);
  G.body_only = 1;
  G.batch = total(&m.bat), G.m = total(&m.m), G.n = total(&m.nn), G.k = total(&m.k);
  if (m.k.n > 1 && m.k.n <= OCL_GEMM_MAX_KDIG) { /* K's digits: the reduction loops */
    G.nkdig = m.k.n;
    for (int i = 0; i < m.k.n; i++) G.kdig[i] = m.k.ext[i];
  }
  Emit ea, eb, ec;
  input(g, &m, &G.a, &ea, m.a, &m.m);
  input(g, &m, &G.b, &eb, m.b, &m.nn);
  ec.g = g, ec.m = &m, ec.e = NULL, ec.r = NULL;
  const LoopStmt *st = m.store;
  G.c.epilogue = epilogue_cb, G.c.epi_ctx = &ec;
  if (strided(g, st->buf, st->addr, &m.bat, &m.m, &m.nn, &G.c.off, &G.c.sb, &G.c.sm, &G.c.sn)) {
    G.c.kind = OCL_ACCESS_STRIDED;
    G.c.ptr = ocl_buf(g, st->buf, 1);
  } else {
    G.c.kind = OCL_ACCESS_CUSTOM;
    G.c.store = store_cb, G.c.ctx = &ec;
  }
  OclLimits lim = ocl_limits_default();
  char err[256], attr[64];
  OclCode code;
  ocl_code_init(&code);
  if (ocl_gemm_choose(&G, &lim, err, sizeof err)) return 0; /* sizes past the tiles' limits */
  if (ocl_gemm_emit(&G, &lim, &code, err, sizeof err)) {
    ocl_error(g, "%s", err);
    ocl_code_free(&code);
    return -1;
  }
  ocl_puts(&kc.body, ocl_code_str(&code));
  ocl_code_free(&code);
  ocl_gemm_attribute(&G, attr, sizeof attr);
  kc.attr = arena_strndup(g->a, attr, strlen(attr));
  size_t gs[3], ls[3];
  ocl_gemm_ndrange(&G, gs, ls);
  uint64_t global[3] = {gs[0], gs[1], gs[2]}, local[3] = {ls[0], ls[1], ls[2]};
  ocl_kernel_end(g, ocl_nest_kernel_name(g, k, nest), 3, global, local);
  return 1;
}
