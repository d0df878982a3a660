/* compile.c -- the reference interpreter's statement compiler: binds the
 * dims, picks the lane index and turns index expressions into RNode trees,
 * analysing each subscript once into an affine form over the indices. */
#include "backends/ref/ref_int.h"

#include <string.h>

enum { MAX_ATOMS = 8 }; /* non-affine parts of one subscript; more: general */

typedef struct Comp {
  IrCtx *c;
  Arena *a;
  const DimBind *binds;
  int nbinds;
  const IrNode *n;
  int v;          /* the lane index, -1 when none */
  int64_t vext;   /* its extent */
  int64_t *iext;  /* per index: its extent where it is bound, -1 elsewhere */
  int *bound;     /* the indices bound at this point of the walk */
  int nbound;
  const int *snap; /* a copy of bound[0 .. nbound-1] shared by nodes, or NULL */
  int nslots;
  int err;
} Comp;

/* An affine form c0 + sum coef[i]*idx[i] + lane*(lane index) + atoms. */
typedef struct Lin {
  int64_t c0, lane;
  int64_t *coef;
  int natoms;
  RNode *atoms[MAX_ATOMS];
  int64_t acoef[MAX_ATOMS];
} Lin;

RCls ref_cls(ElemType e) {
  switch (e) {
  case ELEM_F32:
  case ELEM_F16:
  case ELEM_FLOAT:
    return RC_F;
  case ELEM_NONE:
  case ELEM_I32:
  case ELEM_I8:
  case ELEM_BOOL:
  case ELEM_INT:
  case ELEM__COUNT:
    break;
  }
  return RC_I;
}

int ref_dim_value(IrCtx *c, const DimBind *binds, int nbinds, const Dim *d, int64_t *v) {
  if (!d) return -1;
  if (dim_is_const(d, v)) return 0;
  c->dc.err = DIM_OK;
  const Dim *s = dim_subst(&c->dc, d, binds, nbinds);
  return s && dim_is_const(s, v) ? 0 : -1;
}

__attribute__((format(printf, 3, 4)))
static void internal(Comp *k, Loc loc, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!k->err) diag_error(k->c->diag, loc, "internal error: reference interpreter: %s", msg);
  k->err = 1;
}

static int64_t dim_or_fail(Comp *k, const Dim *d, Loc loc) {
  int64_t v;
  if (ref_dim_value(k->c, k->binds, k->nbinds, d, &v) == 0) return v;
  internal(k, loc, "dimension '%s' is not constant once the model's dims are bound",
           d ? dim_str(k->c->arena, d) : "...");
  return 0;
}

/* ------------------------------------------------------------ expressions */

static RNode *mk(Comp *k, RKind kind, RCls cls, Loc loc) {
  RNode *r = arena_alloc(k->a, sizeof *r);
  r->kind = kind;
  r->cls = cls;
  r->loc = loc;
  r->slot = k->nslots++;
  if (!k->snap) {
    int *b = arena_alloc(k->a, sizeof(int) * (size_t)(k->nbound + 1));
    memcpy(b, k->bound, sizeof(int) * (size_t)k->nbound);
    k->snap = b;
  }
  r->bound = k->snap;
  r->nbound = k->nbound;
  return r;
}

static RNode *mk1(Comp *k, RKind kind, RCls cls, Loc loc, RNode *x) {
  RNode *r = mk(k, kind, cls, loc);
  r->nargs = 1;
  r->a[0] = x;
  r->vec = x->vec;
  return r;
}

static RNode *as_float(Comp *k, RNode *x) {
  if (x->cls == RC_F) return x;
  RNode *r = mk1(k, RK_CAST, RC_F, x->loc, x);
  r->to = ELEM_FLOAT;
  return r;
}

static RNode *cexpr(Comp *k, const IrExpr *e);

static int is_compare(AstOp op) {
  return op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
}

static RNode *c_binary(Comp *k, const IrExpr *e) {
  RNode *x = cexpr(k, e->args[0]), *y = cexpr(k, e->args[1]);
  RNode *r;
  if (e->op == OP_AND || e->op == OP_OR) {
    r = mk(k, e->op == OP_AND ? RK_AND : RK_OR, RC_I, e->loc);
  } else {
    if (x->cls != y->cls) x = as_float(k, x), y = as_float(k, y);
    r = mk(k, RK_BIN, is_compare(e->op) ? RC_I : x->cls, e->loc);
    r->op = e->op;
  }
  r->nargs = 2;
  r->a[0] = x;
  r->a[1] = y;
  r->vec = x->vec || y->vec;
  return r;
}

/* c ? x : y, the sides converted to one class. */
static RNode *c_select(Comp *k, Loc loc, const IrExpr *c, const IrExpr *x, const IrExpr *y) {
  RNode *rc = cexpr(k, c), *rx = cexpr(k, x), *ry = cexpr(k, y);
  if (rx->cls != ry->cls) rx = as_float(k, rx), ry = as_float(k, ry);
  RNode *r = mk(k, RK_SELECT, rx->cls, loc);
  r->nargs = 3;
  r->a[0] = rc, r->a[1] = rx, r->a[2] = ry;
  r->vec = rc->vec || rx->vec || ry->vec;
  return r;
}

static RNode *c_call(Comp *k, const IrExpr *e) {
  if (e->builtin == BI_SELECT) {
    if (e->nargs != 3) return internal(k, e->loc, "select with %d arguments", e->nargs), NULL;
    return c_select(k, e->loc, e->args[0], e->args[1], e->args[2]);
  }
  int want = e->builtin == BI_POW || e->builtin == BI_MAX || e->builtin == BI_MIN ? 2 : 1;
  if (e->nargs != want) return internal(k, e->loc, "built-in with %d arguments", e->nargs), NULL;
  RNode *args[2];
  for (int i = 0; i < want; i++) args[i] = cexpr(k, e->args[i]);
  int numeric = e->builtin == BI_MAX || e->builtin == BI_MIN;
  int mixed = want == 2 && args[0]->cls != args[1]->cls;
  for (int i = 0; i < want; i++)
    if (!numeric || mixed) args[i] = as_float(k, args[i]);
  RNode *r = mk(k, RK_CALL, args[0]->cls, e->loc);
  r->bi = e->builtin;
  r->nargs = want;
  for (int i = 0; i < want; i++) r->a[i] = args[i], r->vec |= args[i]->vec;
  return r;
}

static RNode *c_cast(Comp *k, const IrExpr *e) {
  RNode *x = cexpr(k, e->args[0]);
  RCls to = ref_cls(e->type);
  if (to == RC_F && x->cls == RC_F) return x; /* no rounding inside: see docs */
  RNode *r = mk1(k, RK_CAST, to, e->loc, x);
  r->to = e->type;
  return r;
}

static double cost(const RNode *r) {
  double c = 1;
  for (int i = 0; i < r->nargs; i++) c += cost(r->a[i]);
  if (r->kind == RK_READ) {
    for (int d = 0; d < r->rd->rank; d++)
      if (r->rd->subs[d].gen) c += cost(r->rd->subs[d].gen);
    if (r->rd->dflt) c += cost(r->rd->dflt);
  }
  if (r->kind == RK_REDUCE) c *= (double)r->count;
  return c;
}

static RNode *c_reduce(Comp *k, const IrExpr *e) {
  int64_t *rext = arena_alloc(k->a, sizeof(int64_t) * (size_t)(e->nred + 1));
  int64_t *saved = arena_alloc(k->a, sizeof(int64_t) * (size_t)(e->nred + 1));
  int64_t count = 1;
  for (int i = 0; i < e->nred; i++) {
    int ix = e->red[i];
    if (ix < 0 || ix >= k->n->nindices || ix == k->v)
      return internal(k, e->loc, "reduction over index %d", ix), NULL;
    if (k->nbound >= k->n->nindices) return internal(k, e->loc, "index %d bound twice", ix), NULL;
    rext[i] = dim_or_fail(k, k->n->indices[ix].extent.dim, e->loc);
    if (rext[i] < 0 || __builtin_mul_overflow(count, rext[i], &count))
      return internal(k, e->loc, "reduction of %lld points", (long long)rext[i]), NULL;
    saved[i] = k->iext[ix];
    k->iext[ix] = rext[i];
    k->bound[k->nbound++] = ix;
    k->snap = NULL;
  }
  RNode *body = cexpr(k, e->args[0]);
  for (int i = e->nred - 1; i >= 0; i--) k->iext[e->red[i]] = saved[i];
  k->nbound -= e->nred;
  k->snap = NULL;
  if (e->reduce == RD_MEAN) body = as_float(k, body);
  RNode *r = mk1(k, RK_REDUCE, body->cls, e->loc, body);
  r->red = e->reduce;
  r->nred = e->nred;
  r->ridx = e->red;
  r->rext = rext;
  r->count = count;
  r->fused_mac = e->reduce == RD_SUM && body->kind == RK_BIN && body->op == OP_MUL &&
                 body->cls == RC_F;
  return r;
}

/* ---------------------------------------------------------------- affine */

static void lin_init(Comp *k, Lin *l) {
  memset(l, 0, sizeof *l);
  l->coef = arena_alloc(k->a, sizeof(int64_t) * (size_t)(k->n->nindices + 1));
}

static int lin_is_const(Comp *k, const Lin *l) {
  if (l->lane || l->natoms) return 0;
  for (int i = 0; i < k->n->nindices; i++)
    if (l->coef[i]) return 0;
  return 1;
}

/* l = l*s; 0 on overflow. */
static int lin_scale(Comp *k, Lin *l, int64_t s) {
  int bad = __builtin_mul_overflow(l->c0, s, &l->c0) | __builtin_mul_overflow(l->lane, s, &l->lane);
  for (int i = 0; i < k->n->nindices; i++) bad |= __builtin_mul_overflow(l->coef[i], s, &l->coef[i]);
  for (int i = 0; i < l->natoms; i++) bad |= __builtin_mul_overflow(l->acoef[i], s, &l->acoef[i]);
  return !bad;
}

/* l += m; 0 on overflow or too many atoms. */
static int lin_add(Comp *k, Lin *l, const Lin *m) {
  int bad = __builtin_add_overflow(l->c0, m->c0, &l->c0) | __builtin_add_overflow(l->lane, m->lane, &l->lane);
  for (int i = 0; i < k->n->nindices; i++) bad |= __builtin_add_overflow(l->coef[i], m->coef[i], &l->coef[i]);
  if (l->natoms + m->natoms > MAX_ATOMS) return 0;
  for (int i = 0; i < m->natoms; i++) {
    l->atoms[l->natoms] = m->atoms[i];
    l->acoef[l->natoms++] = m->acoef[i];
  }
  return !bad;
}

/* The range [lo, hi] of an affine form without atoms over the extents of
 * its indices; 0 when an index has no known extent. */
static int lin_range(Comp *k, const Lin *l, int64_t *lo, int64_t *hi) {
  if (l->natoms) return 0;
  __int128 a = l->c0, b = l->c0;
  for (int i = 0; i <= k->n->nindices; i++) {
    int64_t c = i < k->n->nindices ? l->coef[i] : l->lane;
    int64_t e = i < k->n->nindices ? k->iext[i] : k->vext;
    if (!c) continue;
    if (e <= 0) return 0;
    __int128 t = (__int128)c * (e - 1);
    if (t < 0) a += t;
    else b += t;
  }
  if (a < INT64_MIN || b > INT64_MAX) return 0;
  *lo = (int64_t)a, *hi = (int64_t)b;
  return 1;
}

static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int lin_of(Comp *k, const IrExpr *e, Lin *l);

/* A non-affine part that does not depend on the lane: an atom. */
static int lin_atom(Comp *k, const IrExpr *e, Lin *l) {
  RNode *r = cexpr(k, e);
  if (!r || r->vec || r->cls != RC_I || l->natoms == MAX_ATOMS) return 0;
  l->atoms[l->natoms] = r;
  l->acoef[l->natoms++] = 1;
  return 1;
}

/* x / c and x % c for a constant c > 0 whose quotient is one value over the
 * range of x (f / F with f < F is 0): affine again. */
static int lin_divmod(Comp *k, const IrExpr *e, Lin *l) {
  Lin y;
  int64_t lo, hi;
  lin_init(k, &y);
  if (!lin_of(k, e->args[0], l) || !lin_of(k, e->args[1], &y) || !lin_is_const(k, &y) ||
      y.c0 <= 0 || !lin_range(k, l, &lo, &hi))
    return 0;
  int64_t q = floordiv(lo, y.c0);
  if (floordiv(hi, y.c0) != q) return 0;
  if (e->op == OP_DIV) {
    lin_init(k, l);
    l->c0 = q;
    return 1;
  }
  return !__builtin_sub_overflow(l->c0, q * y.c0, &l->c0);
}

static int lin_binary(Comp *k, const IrExpr *e, Lin *l) {
  Lin y;
  lin_init(k, &y);
  switch (e->op) {
  case OP_ADD:
  case OP_SUB:
    if (!lin_of(k, e->args[0], l) || !lin_of(k, e->args[1], &y)) return 0;
    return (e->op == OP_ADD || lin_scale(k, &y, -1)) && lin_add(k, l, &y);
  case OP_MUL:
    if (!lin_of(k, e->args[0], l) || !lin_of(k, e->args[1], &y)) return 0;
    if (lin_is_const(k, &y)) return lin_scale(k, l, y.c0);
    if (lin_is_const(k, l)) {
      int64_t s = l->c0;
      *l = y;
      return lin_scale(k, l, s);
    }
    return 0;
  case OP_DIV:
  case OP_MOD:
    if (lin_divmod(k, e, l)) return 1;
    lin_init(k, l);
    return lin_atom(k, e, l);
  case OP_NEG:
  case OP_NOT:
  case OP_EQ:
  case OP_NE:
  case OP_LT:
  case OP_LE:
  case OP_GT:
  case OP_GE:
  case OP_AND:
  case OP_OR:
  case OP__COUNT:
    break;
  }
  return lin_atom(k, e, l);
}

/* The affine form of an integer expression e into l (initialized); 0 when
 * e is not affine in the lane index (then e is evaluated per lane). */
static int lin_of(Comp *k, const IrExpr *e, Lin *l) {
  switch (e->kind) {
  case IE_CONST:
    if (ref_cls(e->type) != RC_I) return 0;
    l->c0 = e->i;
    return 1;
  case IE_INDEX:
    if (e->index < 0 || e->index >= k->n->nindices) return 0;
    if (e->index == k->v) l->lane = 1;
    else l->coef[e->index] = 1;
    return 1;
  case IE_DIM:
    l->c0 = dim_or_fail(k, e->dim, e->loc);
    return 1;
  case IE_UNARY:
    if (e->op != OP_NEG) return lin_atom(k, e, l);
    return lin_of(k, e->args[0], l) && lin_scale(k, l, -1);
  case IE_BINARY:
    return lin_binary(k, e, l);
  case IE_READ:
  case IE_CALL:
  case IE_SELECT:
  case IE_CAST:
  case IE_REDUCE:
  case IE__COUNT:
    break;
  }
  return lin_atom(k, e, l);
}

/* ----------------------------------------------------------------- reads */

static void c_sub(Comp *k, const IrExpr *e, int64_t ext, RSub *s) {
  Lin l;
  int64_t lo, hi;
  lin_init(k, &l);
  if (!lin_of(k, e, &l)) {
    s->gen = cexpr(k, e);
    s->checked = 1;
    return;
  }
  s->c0 = l.c0;
  s->lane = l.lane;
  s->terms = arena_alloc(k->a, sizeof(RTerm) * (size_t)(k->n->nindices + 1));
  for (int i = 0; i < k->n->nindices; i++)
    if (l.coef[i]) s->terms[s->nterms++] = (RTerm){i, l.coef[i]};
  s->natoms = l.natoms;
  s->atoms = arena_alloc(k->a, sizeof(RNode *) * (size_t)(l.natoms + 1));
  s->acoef = arena_alloc(k->a, sizeof(int64_t) * (size_t)(l.natoms + 1));
  memcpy(s->atoms, l.atoms, sizeof(RNode *) * (size_t)l.natoms);
  memcpy(s->acoef, l.acoef, sizeof(int64_t) * (size_t)l.natoms);
  s->checked = !(lin_range(k, &l, &lo, &hi) && lo >= 0 && hi < ext);
}

/* The merged offset of a read whose subscripts are all affine without atoms. */
static void c_offset(Comp *k, RRead *rd) {
  int64_t *oc = arena_alloc(k->a, sizeof(int64_t) * (size_t)(k->n->nindices + 1));
  int bad = 0;
  for (int d = 0; d < rd->rank; d++) {
    const RSub *s = &rd->subs[d];
    int64_t t;
    bad |= __builtin_mul_overflow(s->c0, rd->stride[d], &t) | __builtin_add_overflow(rd->oc0, t, &rd->oc0);
    bad |= __builtin_mul_overflow(s->lane, rd->stride[d], &t) | __builtin_add_overflow(rd->olane, t, &rd->olane);
    for (int i = 0; i < s->nterms; i++) {
      bad |= __builtin_mul_overflow(s->terms[i].coef, rd->stride[d], &t);
      bad |= __builtin_add_overflow(oc[s->terms[i].index], t, &oc[s->terms[i].index]);
    }
  }
  if (bad) { /* fall back to per-subscript offsets: evaluated like atoms */
    rd->natoms = 1;
    return;
  }
  rd->oterms = arena_alloc(k->a, sizeof(RTerm) * (size_t)(k->n->nindices + 1));
  for (int i = 0; i < k->n->nindices; i++)
    if (oc[i]) rd->oterms[rd->noterms++] = (RTerm){i, oc[i]};
  rd->fast = 1;
  for (int d = 0; d < rd->rank; d++) rd->fast &= !rd->subs[d].checked;
}

/* The extents and strides a read checks: the tensor's dims, or one flat one. */
static int read_shape(Comp *k, const IrExpr *e, RRead *rd) {
  const IrTensor *t = e->tensor;
  int64_t *dims = arena_alloc(k->a, sizeof(int64_t) * (size_t)(t->rank + 1)), n = 1;
  for (int d = 0; d < t->rank; d++) {
    dims[d] = dim_or_fail(k, t->dims[d].dim, e->loc);
    if (__builtin_mul_overflow(n, dims[d], &n)) return internal(k, e->loc, "tensor too large"), 0;
  }
  rd->rank = e->flat ? 1 : t->rank;
  if (t->rank > REF_MAX_RANK) return internal(k, e->loc, "tensor '%s' of rank %d", t->name, t->rank), 0;
  if (e->nargs != rd->rank)
    return internal(k, e->loc, "read of '%s' with %d subscripts", t->name, e->nargs), 0;
  rd->ext = arena_alloc(k->a, sizeof(int64_t) * (size_t)(rd->rank + 1));
  rd->stride = arena_alloc(k->a, sizeof(int64_t) * (size_t)(rd->rank + 1));
  if (e->flat) {
    rd->ext[0] = n, rd->stride[0] = 1;
    return 1;
  }
  int64_t s = 1;
  for (int d = t->rank - 1; d >= 0; d--) rd->ext[d] = dims[d], rd->stride[d] = s, s *= dims[d];
  return 1;
}

static RNode *c_read(Comp *k, const IrExpr *e) {
  const IrTensor *t = e->tensor;
  if (!t) return internal(k, e->loc, "read without a tensor"), NULL;
  RRead *rd = arena_alloc(k->a, sizeof *rd);
  rd->t = t;
  rd->local = t->kind == IR_LOCAL;
  rd->id = t->id;
  rd->flat = e->flat;
  if (rd->local ? t->id < 0 || t->id >= k->n->nlocals : t->id < 0)
    return internal(k, e->loc, "read of '%s' with id %d", t->name, t->id), NULL;
  if (!read_shape(k, e, rd)) return NULL;
  RNode *r = mk(k, RK_READ, ref_cls(t->elem), e->loc);
  r->rd = rd;
  rd->subs = arena_alloc(k->a, sizeof(RSub) * (size_t)(rd->rank + 1));
  for (int d = 0; d < rd->rank; d++) {
    RSub *s = &rd->subs[d];
    c_sub(k, e->args[d], rd->ext[d], s);
    rd->ngen += s->gen != NULL;
    rd->natoms += s->natoms;
    r->vec |= s->gen ? s->gen->vec : s->lane != 0;
  }
  if (e->dflt) {
    rd->dflt = cexpr(k, e->dflt);
    if (rd->dflt && rd->dflt->cls != r->cls) rd->dflt = as_float(k, rd->dflt);
    if (rd->dflt) r->vec |= rd->dflt->vec;
  }
  if (!rd->ngen && !rd->natoms) c_offset(k, rd);
  return r;
}

static RNode *c_const(Comp *k, const IrExpr *e) {
  RNode *r = mk(k, RK_CONST, ref_cls(e->type), e->loc);
  if (r->cls == RC_F) r->f = e->f;
  else r->i = e->i;
  return r;
}

static RNode *c_index(Comp *k, const IrExpr *e) {
  if (e->index < 0 || e->index >= k->n->nindices)
    return internal(k, e->loc, "index %d out of the node's %d", e->index, k->n->nindices), NULL;
  RNode *r = mk(k, e->index == k->v ? RK_LANE : RK_INDEX, RC_I, e->loc);
  r->index = e->index;
  r->vec = e->index == k->v;
  return r;
}

static RNode *cexpr_kind(Comp *k, const IrExpr *e) {
  switch (e->kind) {
  case IE_CONST:
    return c_const(k, e);
  case IE_INDEX:
    return c_index(k, e);
  case IE_DIM: {
    RNode *r = mk(k, RK_CONST, RC_I, e->loc);
    r->i = dim_or_fail(k, e->dim, e->loc);
    return r;
  }
  case IE_READ:
    return c_read(k, e);
  case IE_UNARY: {
    RNode *x = cexpr(k, e->args[0]);
    return x ? mk1(k, e->op == OP_NOT ? RK_NOT : RK_NEG, x->cls, e->loc, x) : NULL;
  }
  case IE_BINARY:
    return c_binary(k, e);
  case IE_CALL:
    return c_call(k, e);
  case IE_SELECT:
    return c_select(k, e->loc, e->args[0], e->args[1], e->args[2]);
  case IE_CAST:
    return c_cast(k, e);
  case IE_REDUCE:
    return c_reduce(k, e);
  case IE__COUNT:
    break;
  }
  internal(k, e->loc, "expression kind %d", (int)e->kind);
  return NULL;
}

/* An RNode for e; on an internal error a constant 0 (k->err is set). */
static RNode *cexpr(Comp *k, const IrExpr *e) {
  RNode *r = e ? cexpr_kind(k, e) : NULL;
  if (r) return r;
  internal(k, e ? e->loc : k->n->loc, "expression cannot be compiled");
  return mk(k, RK_CONST, RC_I, k->n->loc);
}

/* ------------------------------------------------------------ statements */

/* The lane index: the last dim, unless another is more than twice as long
 * (conv's channels at 7x7 pixels): longer vectors pay less dispatch. */
static int pick_vdim(const RStmt *st) {
  int best = st->rank - 1;
  for (int d = st->rank - 2; d >= 0; d--)
    if (st->ext[d] > 2 * st->ext[best]) best = d;
  return best;
}

static int stmt_target(Comp *k, RStmt *st) {
  const IrStmt *s = st->s;
  const IrTensor *t = s->target;
  if (!t || s->nlhs != t->rank) return internal(k, s->loc, "statement target and lhs differ"), 0;
  st->target = t;
  st->rank = t->rank;
  st->ext = arena_alloc(k->a, sizeof(int64_t) * (size_t)(t->rank + 1));
  st->stride = arena_alloc(k->a, sizeof(int64_t) * (size_t)(t->rank + 1));
  int64_t n = 1;
  for (int d = t->rank - 1; d >= 0; d--) {
    st->ext[d] = dim_or_fail(k, t->dims[d].dim, s->loc);
    st->stride[d] = n;
    if (st->ext[d] < 0 || __builtin_mul_overflow(n, st->ext[d], &n))
      return internal(k, s->loc, "target '%s' too large", t->name), 0;
  }
  for (int d = 0; d < t->rank; d++) {
    int ix = s->lhs[d];
    if (ix < 0 || ix >= k->n->nindices) return internal(k, s->loc, "lhs index %d", ix), 0;
    k->iext[ix] = st->ext[d];
    k->bound[k->nbound++] = ix;
  }
  k->snap = NULL;
  st->vdim = t->rank ? pick_vdim(st) : -1;
  k->v = st->vdim >= 0 ? s->lhs[st->vdim] : -1;
  k->vext = st->vdim >= 0 ? st->ext[st->vdim] : 0;
  return 1;
}

RStmt *ref_compile_stmt(IrCtx *c, Arena *a, const DimBind *binds, int nbinds, const IrNode *n,
                        const IrStmt *s) {
  Comp k = {.c = c, .a = a, .binds = binds, .nbinds = nbinds, .n = n, .v = -1};
  k.iext = arena_alloc(a, sizeof(int64_t) * (size_t)(n->nindices + 1));
  k.bound = arena_alloc(a, sizeof(int) * (size_t)(n->nindices + 1));
  for (int i = 0; i < n->nindices; i++) k.iext[i] = -1;
  RStmt *st = arena_alloc(a, sizeof *st);
  st->node = n;
  st->s = s;
  st->nindices = n->nindices;
  if (!stmt_target(&k, st)) return NULL;
  st->rhs = cexpr(&k, s->rhs);
  st->nslots = k.nslots;
  double elems = 1;
  for (int d = 0; d < st->rank; d++) elems *= (double)st->ext[d];
  st->work = elems * cost(st->rhs);
  return k.err ? NULL : st;
}
