/* lower/expr.c -- graph IR expressions as loop expressions under a nest's
 * index bindings: reads as loads at explicit offsets with their range checks
 * (only those the index ranges do not prove), `??` as selects, reductions
 * hoisted into register accumulators and loops. */
#include "lower/lower_int.h"

#include <string.h>

/* ---------------------------------------------------------------- reads */

/* The extent of dim i of t, or -1 after an error. */
static int64_t tensor_dim(LowerCtx *L, const IrTensor *t, int i) {
  int64_t v;
  return lw_const_dim(L, t->dims[i].dim, t->loc, &v) ? v : -1;
}

/* A subscript: a polynomial of the nest's variables when it is index
 * arithmetic (then its interval is known), else a loop expression. */
typedef struct Sub {
  const Dim *d;
  LoopExpr *e;
  Ival r;
} Sub;

static int lower_sub(LowerCtx *L, const IrExpr *s, Sub *out) {
  memset(out, 0, sizeof *out);
  out->d = lw_expr_dim(L, s, L->nb->env);
  if (out->d) {
    out->e = lw_dim_loop(L, out->d);
    out->r = lw_dim_range(L, out->d);
    return out->e != NULL;
  }
  out->e = lw_value(L, s, NULL, -1);
  if (out->e) out->e = le_cast(L->a, ELEM_INT, out->e);
  return out->e != NULL;
}

/* The bounds of s that the facts give (L->fact[i] <= fact_hi[i]) when s
 * is k + fact (an upper bound) or k - fact (a lower bound). */
static void fact_bounds(LowerCtx *L, const Sub *s, int *has_hi, int64_t *hi, int *has_lo,
                        int64_t *lo) {
  *has_hi = *has_lo = 0;
  for (int i = 0; s->d && i < L->nfacts; i++) {
    int64_t k, b;
    const Dim *diff = dim_sub(L->dc, s->d, L->fact[i]), *sum = dim_add(L->dc, s->d, L->fact[i]);
    if (diff && dim_is_const(diff, &k) && !__builtin_add_overflow(L->fact_hi[i], k, &b)) {
      if (!*has_hi || b < *hi) *hi = b;
      *has_hi = 1;
    } else if (sum && dim_is_const(sum, &k) && !__builtin_sub_overflow(k, L->fact_hi[i], &b)) {
      if (!*has_lo || b > *lo) *lo = b;
      *has_lo = 1;
    }
  }
}

/* The conditions 0 <= s and s < extent that the interval (and the facts)
 * do not prove. */
static LoopExpr *range_check(LowerCtx *L, const Sub *s, int64_t extent) {
  LoopExpr *c = NULL;
  int has_hi, has_lo;
  int64_t hi = 0, lo = 0;
  fact_bounds(L, s, &has_hi, &hi, &has_lo, &lo);
  int upper_ok = (s->r.known && s->r.hi < extent) || (has_hi && hi < extent);
  int lower_ok = (s->r.known && s->r.lo >= 0) || (has_lo && lo >= 0);
  if (!lower_ok) c = le_binary(L->a, OP_LE, ELEM_BOOL, le_int(L->a, 0), s->e);
  if (!upper_ok)
    c = le_and(L->a, c, le_binary(L->a, OP_LT, ELEM_BOOL, s->e, le_int(L->a, extent)));
  return c;
}

/* offset = sum of sub_i * stride_i, as a polynomial when every subscript
 * is one (so that it prints and simplifies as one), else term by term. */
static LoopExpr *offset_of(LowerCtx *L, const IrTensor *t, Sub *subs, int n, int flat) {
  int64_t stride = 1;
  const Dim *poly = L->dc->zero;
  LoopExpr *sum = NULL;
  int all_poly = 1, first = t->kind == IR_LOCAL && !flat ? L->shrink : 0;
  for (int i = 0; i < n; i++) all_poly &= subs[i].d != NULL;
  for (int i = n - 1; i >= first; i--) {
    if (all_poly) {
      poly = dim_add(L->dc, poly, dim_mul(L->dc, subs[i].d, dim_const(L->dc, stride)));
    } else {
      LoopExpr *term = le_binary(L->a, OP_MUL, ELEM_INT, le_int(L->a, stride), subs[i].e);
      sum = sum ? le_binary(L->a, OP_ADD, ELEM_INT, term, sum) : term;
    }
    if (!flat && i > first) stride *= tensor_dim(L, t, i);
  }
  if (all_poly) return poly ? lw_dim_loop(L, poly) : NULL;
  return sum ? sum : le_int(L->a, 0);
}

/* Lowers the subscripts of a read or store of t into s; *check gets the
 * range conditions still needed (NULL: none).  0 after an error. */
static int lower_subs(LowerCtx *L, const IrTensor *t, IrExpr *const *subs, int nsubs, int flat,
                      Sub *s, LoopExpr **check) {
  *check = NULL;
  if (nsubs > LOOP_MAX_RANK) {
    diag_error(L->ir->diag, t->loc, "the %s back end supports tensors of rank %d at most",
               lower_backend_name(L->t), LOOP_MAX_RANK);
    L->errors++;
    return 0;
  }
  int64_t elems = 1;
  for (int i = 0; i < t->rank; i++) elems *= tensor_dim(L, t, i);
  for (int i = 0; i < nsubs; i++) {
    if (!lower_sub(L, subs[i], &s[i])) return 0;
    int64_t ext = flat ? elems : tensor_dim(L, t, i);
    if (ext < 0) return 0;
    *check = le_and(L->a, *check, range_check(L, &s[i], ext));
  }
  return 1;
}

static LoopExpr *lower_access(LowerCtx *L, const IrTensor *t, IrExpr *const *subs, int nsubs,
                              int flat, LoopExpr **check) {
  Sub s[LOOP_MAX_RANK];
  return lower_subs(L, t, subs, nsubs, flat, s, check) ? offset_of(L, t, s, nsubs, flat) : NULL;
}

/* A read of a tensor in the image layout: the element's pixel and channel
 * (lower/image.c), from the subscripts' polynomials when they all are,
 * else from their loop expressions. */
static LoopExpr *image_load(LowerCtx *L, const IrExpr *e, int buf, LoopExpr **check) {
  Sub s[LOOP_MAX_RANK];
  if (!lower_subs(L, e->tensor, e->args, e->nargs, e->flat, s, check)) return NULL;
  LoopExpr *ld = le_new(L->a, LE_LOAD, e->type, 3);
  ld->buf = buf;
  int all_poly = 1;
  for (int i = 0; i < e->nargs; i++) all_poly &= s[i].d != NULL;
  if (all_poly) {
    const Dim *d[4] = {s[0].d, NULL, NULL, NULL};
    for (int i = 1; i < e->nargs && i < 4; i++) d[i] = s[i].d;
    return image_coords(L, L->p->bufs[buf], d, e->flat, ld->args) ? ld : NULL;
  }
  LoopExpr *x[4] = {s[0].e, NULL, NULL, NULL};
  for (int i = 1; i < e->nargs && i < 4; i++) x[i] = s[i].e;
  image_coords_e(L, L->p->bufs[buf], x, e->flat, ld->args);
  return ld;
}

LoopExpr *lw_offset(LowerCtx *L, const IrTensor *t, IrExpr *const *subs, int nsubs, int flat) {
  LoopExpr *check;
  return lower_access(L, t, subs, nsubs, flat, &check);
}

static LoopExpr *lower_read(LowerCtx *L, const IrExpr *e, LoopStmt *block, int vec_red) {
  LoopExpr *check, *ld;
  int buf = lower_buf_of(L, e->tensor);
  if (L->p->bufs[buf]->kind == LB_IMAGE) {
    if (!(ld = image_load(L, e, buf, &check))) return NULL;
  } else {
    LoopExpr *off = lower_access(L, e->tensor, e->args, e->nargs, e->flat, &check);
    if (!off) return NULL;
    ld = le_load(L->a, buf, e->type, off);
  }
  if (!check) return ld;
  if (!e->dflt) {
    ld->guard = L->no_guard ? NULL : check;
    return ld;
  }
  LoopExpr *d = lw_value(L, e->dflt, block, vec_red);
  return d ? le_select(L->a, check, ld, d) : NULL;
}

/* ----------------------------------------------------------- reductions */

static int64_t red_count(LowerCtx *L, const IrExpr *e) {
  int64_t n = 1, v;
  for (int i = 0; i < e->nred; i++) {
    if (!lw_const_dim(L, L->node->indices[e->red[i]].extent.dim, e->loc, &v)) return -1;
    n *= v;
  }
  return n;
}

/* Under `inner`, the channel loop of reduced index ix, bound so far to its
 * pixel q: `for ch in [0, 4) unroll` with ix = 4*q + ch, and when the
 * extent is not a multiple of 4, `if ix < extent` (a fact for the reads).
 * Returns where the body goes, NULL after an error. */
static LoopStmt *split_channels(LowerCtx *L, LoopStmt *inner, int ix, Loc loc) {
  int64_t ext;
  if (!lw_const_dim(L, L->node->indices[ix].extent.dim, loc, &ext)) return NULL;
  int v = nest_var(L, arena_printf(L->a, "%s.ch", L->node->indices[ix].name), ELEM_INT, 0, 4);
  LoopStmt *loop = ls_loop(L->a, v, 0, 4, LOOP_UNROLL, 0);
  ls_push(L->a, inner, loop);
  const Dim *c = dim_add(L->dc, dim_mul(L->dc, dim_const(L->dc, 4), L->nb->env[ix]),
                         dim_sym(L->dc, L->nb->syms[v]));
  L->nb->env[ix] = c;
  if (ext % 4 == 0) return loop;
  LoopStmt *guard =
      ls_if(L->a, le_binary(L->a, OP_LT, ELEM_BOOL, lw_dim_loop(L, c), le_int(L->a, ext)));
  ls_push(L->a, loop, guard);
  image_fact(L, c, ext - 1);
  return guard;
}

/* acc = identity; for the reduced indices (the vectorized one innermost):
 * acc op= body.  Returns the accumulator's value (divided for mean). */
static LoopExpr *lower_reduce(LowerCtx *L, const IrExpr *e, LoopStmt *block, int vec_red) {
  Arena *a = L->a;
  Reduction r = e->reduce == RD_MEAN ? RD_SUM : e->reduce;
  int acc = nest_var(L, "acc", e->type, 0, 0);
  ls_push(a, block, ls_let(a, acc, le_identity(a, r, e->type)));
  int order[64], n = 0;
  for (int i = 0; i < e->nred && n < 64; i++)
    if (e->red[i] != vec_red) order[n++] = e->red[i];
  for (int i = 0; i < e->nred && n < 64; i++)
    if (e->red[i] == vec_red) order[n++] = e->red[i];
  LoopStmt *inner = block;
  int split[64], nsplit = 0, facts = L->nfacts;
  for (int i = 0; i < n; i++) {
    int ix = order[i];
    int64_t ext;
    if (!lw_const_dim(L, L->node->indices[ix].extent.dim, e->loc, &ext)) return NULL;
    int sp = ext > 4 && ix != vec_red && image_split_reduction(L, e->args[0], ix);
    if (sp) split[nsplit++] = ix, ext = (ext + 3) / 4; /* pixels; channels below */
    LoopKind k = ix == vec_red ? LOOP_VECTOR : ext <= 4 ? LOOP_UNROLL : LOOP_SERIAL;
    int v = nest_var(L, L->node->indices[ix].name, ELEM_INT, 0, ext);
    LoopStmt *loop = ls_loop(a, v, 0, ext, k, L->lanes);
    ls_push(a, inner, loop);
    inner = loop;
    L->nb->env[ix] = dim_sym(L->dc, L->nb->syms[v]);
  }
  for (int i = 0; i < nsplit; i++) /* ix = 4*q + ch, the four channels of a pixel innermost */
    inner = split_channels(L, inner, split[i], e->loc);
  LoopExpr *body = inner ? lw_value(L, e->args[0], inner, -1) : NULL;
  L->nfacts = facts;
  for (int i = 0; i < n; i++) L->nb->env[order[i]] = NULL;
  if (!body) return NULL;
  ls_push(a, inner, ls_accum(a, acc, r, body));
  LoopExpr *v = le_var(a, acc, e->type);
  if (e->reduce != RD_MEAN) return v;
  int64_t cnt = red_count(L, e);
  if (cnt < 0) return NULL;
  LoopExpr *c = e->type == ELEM_INT || e->type == ELEM_I32 || e->type == ELEM_I8
                    ? le_int(a, cnt)
                    : le_float(a, e->type, (double)cnt);
  return le_binary(a, OP_DIV, e->type, v, c);
}

/* ------------------------------------------------------------ expressions */

static LoopExpr *lower_args(LowerCtx *L, const IrExpr *e, LoopExpr *out, LoopStmt *block,
                            int vec_red) {
  for (int i = 0; i < e->nargs; i++)
    if (!(out->args[i] = lw_value(L, e->args[i], block, vec_red))) return NULL;
  return out;
}

/* ---------------------------------------------------------------- selects */

/* When cond compares one loop variable with a constant (c < CA), the
 * variable's range in each arm: so that reads guarded by the condition
 * need no checks of their own (concat). */
typedef struct Narrow {
  int var;
  Ival then_r, else_r;
} Narrow;

static int narrow_of(LowerCtx *L, const IrExpr *c, Narrow *n) {
  if (c->kind != IE_BINARY || c->nargs != 2) return 0;
  AstOp op = c->op;
  const IrExpr *x = c->args[0], *k = c->args[1];
  if (x->kind != IE_INDEX) { /* k < x: x > k */
    const IrExpr *t = x;
    x = k, k = t;
    op = op == OP_LT ? OP_GT : op == OP_LE ? OP_GE : op == OP_GT ? OP_LT : op == OP_GE ? OP_LE : op;
  }
  int64_t v;
  const Dim *kd = lw_expr_dim(L, k, L->nb->env);
  if (x->kind != IE_INDEX || !kd || !dim_is_const(kd, &v) || !L->nb->env[x->index]) return 0;
  const char *sym = dim_as_sym(L->nb->env[x->index]);
  n->var = -1;
  for (int i = 0; i < L->nb->nvars; i++)
    if (L->nb->syms[i] == sym) n->var = i;
  if (n->var < 0 || !L->nb->ranges[n->var].known) return 0;
  Ival r = L->nb->ranges[n->var], t = r, f = r;
  switch (op) { /* x op v: the true range t, the false range f */
  case OP_LT: t.hi = v - 1, f.lo = v; break;
  case OP_LE: t.hi = v, f.lo = v + 1; break;
  case OP_GT: t.lo = v + 1, f.hi = v; break;
  case OP_GE: t.lo = v, f.hi = v - 1; break;
  case OP_NEG:
  case OP_NOT:
  case OP_ADD:
  case OP_SUB:
  case OP_MUL:
  case OP_DIV:
  case OP_MOD:
  case OP_EQ:
  case OP_NE:
  case OP_AND:
  case OP_OR:
  case OP__COUNT: return 0;
  }
  if (t.lo < r.lo) t.lo = r.lo;
  if (t.hi > r.hi) t.hi = r.hi;
  if (f.lo < r.lo) f.lo = r.lo;
  if (f.hi > r.hi) f.hi = r.hi;
  n->then_r = t, n->else_r = f;
  return 1;
}

static LoopExpr *lower_select(LowerCtx *L, const IrExpr *e, LoopStmt *block, int vec_red) {
  Narrow nw;
  if (!narrow_of(L, e->args[0], &nw))
    return lower_args(L, e, le_new(L->a, LE_SELECT, e->type, 3), block, vec_red);
  LoopExpr *s = le_new(L->a, LE_SELECT, e->type, 3);
  Ival saved = L->nb->ranges[nw.var];
  s->args[0] = lw_value(L, e->args[0], block, vec_red);
  /* an empty arm (never chosen) keeps the whole range: its checks stay */
  if (nw.then_r.lo <= nw.then_r.hi) L->nb->ranges[nw.var] = nw.then_r;
  s->args[1] = s->args[0] ? lw_value(L, e->args[1], block, vec_red) : NULL;
  L->nb->ranges[nw.var] = nw.else_r.lo <= nw.else_r.hi ? nw.else_r : saved;
  s->args[2] = s->args[1] ? lw_value(L, e->args[2], block, vec_red) : NULL;
  L->nb->ranges[nw.var] = saved;
  return s->args[2] ? s : NULL;
}

static LoopExpr *lower_index(LowerCtx *L, const IrExpr *e) {
  const Dim *d = L->nb->env[e->index];
  if (!d) {
    diag_error(L->ir->diag, e->loc, "internal error: index '%s' is not bound in the loop nest",
               L->node->indices[e->index].name);
    L->errors++;
    return NULL;
  }
  return lw_dim_loop(L, d);
}

LoopExpr *lw_value(LowerCtx *L, const IrExpr *e, LoopStmt *block, int vec_red) {
  Arena *a = L->a;
  if (e == L->subst) return L->subst_value;
  if (e->type == ELEM_INT && e->kind != IE_CONST && e->kind != IE_READ) {
    const Dim *d = lw_expr_dim(L, e, L->nb->env); /* index arithmetic: canonical */
    if (d) return lw_dim_loop(L, d);
  }
  switch (e->kind) {
  case IE_CONST:
    if (e->type == ELEM_F32 || e->type == ELEM_F16 || e->type == ELEM_FLOAT)
      return le_float(a, e->type, e->f);
    if (e->type == ELEM_BOOL) return le_bool(a, (int)e->i);
    {
      LoopExpr *c = le_int(a, e->i);
      c->type = e->type;
      return c;
    }
  case IE_INDEX: return lower_index(L, e);
  case IE_DIM: {
    int64_t v;
    return lw_const_dim(L, e->dim, e->loc, &v) ? le_int(a, v) : NULL;
  }
  case IE_READ: return lower_read(L, e, block, vec_red);
  case IE_UNARY: {
    LoopExpr *x = lw_value(L, e->args[0], block, vec_red);
    return x ? le_unary(a, e->op, e->type, x) : NULL;
  }
  case IE_BINARY: {
    LoopExpr *x = lw_value(L, e->args[0], block, vec_red);
    LoopExpr *y = x ? lw_value(L, e->args[1], block, vec_red) : NULL;
    return y ? le_binary(a, e->op, e->type, x, y) : NULL;
  }
  case IE_CALL: {
    LoopExpr *c = le_new(a, LE_CALL, e->type, e->nargs);
    c->builtin = e->builtin;
    return lower_args(L, e, c, block, vec_red);
  }
  case IE_SELECT: return lower_select(L, e, block, vec_red);
  case IE_CAST: {
    LoopExpr *x = lw_value(L, e->args[0], block, vec_red);
    return x ? le_cast(a, e->type, x) : NULL;
  }
  case IE_REDUCE:
    if (!block) {
      diag_error(L->ir->diag, e->loc,
                 "the %s back end does not support a reduction inside a subscript",
                 lower_backend_name(L->t));
      L->errors++;
      return NULL;
    }
    return lower_reduce(L, e, block, vec_red);
  case IE__COUNT: break;
  }
  return NULL;
}
