/* ir/expr.c -- IR expressions: constructors, type coercion, indices as
 * symbols of the dimension algebra, and canonical folding of integer parts. */
#include "ir/ir_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- constructors */

static const char *const expr_kinds[] = {
#define X(k, s) s,
    XG_IR_EXPRS(X)
#undef X
};
_Static_assert(sizeof expr_kinds / sizeof *expr_kinds == IE__COUNT, "expression kinds");

const char *ir_expr_kind_name(IrExprKind k) {
  return (unsigned)k < IE__COUNT ? expr_kinds[k] : "?";
}

IrExpr *ir_expr_new(IrCtx *c, IrExprKind k, ElemType type, Loc loc, int nargs) {
  IrExpr *e = arena_alloc(c->arena, sizeof *e);
  e->kind = k;
  e->type = type;
  e->loc = loc;
  e->index = -1;
  e->nargs = nargs;
  if (nargs > 0) e->args = arena_alloc(c->arena, sizeof *e->args * (size_t)nargs);
  return e;
}

IrExpr *ir_const_int(IrCtx *c, ElemType type, int64_t v, Loc loc) {
  IrExpr *e = ir_expr_new(c, IE_CONST, type, loc, 0);
  e->i = v;
  return e;
}

IrExpr *ir_const_float(IrCtx *c, ElemType type, double v, Loc loc) {
  IrExpr *e = ir_expr_new(c, IE_CONST, type, loc, 0);
  e->f = v;
  return e;
}

IrExpr *ir_index_expr(IrCtx *c, int index, Loc loc) {
  IrExpr *e = ir_expr_new(c, IE_INDEX, ELEM_INT, loc, 0);
  e->index = index;
  return e;
}

IrExpr *ir_unary(IrCtx *c, AstOp op, ElemType type, IrExpr *a, Loc loc) {
  IrExpr *e = ir_expr_new(c, IE_UNARY, type, loc, 1);
  e->op = op;
  e->args[0] = a;
  return e;
}

IrExpr *ir_binary(IrCtx *c, AstOp op, ElemType type, IrExpr *a, IrExpr *b, Loc loc) {
  IrExpr *e = ir_expr_new(c, IE_BINARY, type, loc, 2);
  e->op = op;
  e->args[0] = a;
  e->args[1] = b;
  return e;
}

int ir_is_float(ElemType t) { return t == ELEM_F32 || t == ELEM_F16 || t == ELEM_FLOAT; }
int ir_is_int(ElemType t) { return t == ELEM_INT || t == ELEM_I32 || t == ELEM_I8; }
int ir_is_tensor_elem(ElemType t) {
  return t == ELEM_F32 || t == ELEM_F16 || t == ELEM_I32 || t == ELEM_I8 || t == ELEM_BOOL;
}

const char *ir_intern(IrCtx *c, const char *s) { return intern_cstr(&c->f->names, s); }

static const struct {
  const char *name;
  int arity;
  BuiltinKind kind;
} builtins[] = {
#define X(id, s, n, k) {s, n, k},
    XG_BUILTINS(X)
#undef X
};
_Static_assert(sizeof builtins / sizeof *builtins == BI__COUNT, "builtin table");

static const char *const reductions[] = {
#define X(id, s) s,
    XG_REDUCTIONS(X)
#undef X
};
_Static_assert(sizeof reductions / sizeof *reductions == RD__COUNT, "reduction table");

int ir_builtin_arity(Builtin b) { return (unsigned)b < BI__COUNT ? builtins[b].arity : -1; }
BuiltinKind ir_builtin_kind(Builtin b) {
  return (unsigned)b < BI__COUNT ? builtins[b].kind : BF_FLOAT;
}
const char *ir_builtin_name(Builtin b) { return (unsigned)b < BI__COUNT ? builtins[b].name : "?"; }
const char *ir_reduction_name(Reduction r) { return (unsigned)r < RD__COUNT ? reductions[r] : "?"; }

/* --------------------------------------------------------------- coercion */

/* Is e made of literals only (through arithmetic, calls, reductions and
 * the arms of selects)?  Such an `int` expression may take any numeric
 * type, as a literal does. */
static int literal_only(const IrExpr *e) {
  switch (e->kind) {
  case IE_CONST: return 1;
  case IE_UNARY: return e->op == OP_NEG && literal_only(e->args[0]);
  case IE_BINARY:
    return e->op <= OP_MOD && literal_only(e->args[0]) && literal_only(e->args[1]);
  case IE_SELECT: return literal_only(e->args[1]) && literal_only(e->args[2]);
  case IE_CALL: case IE_REDUCE:
    for (int i = 0; i < e->nargs; i++)
      if (!literal_only(e->args[i])) return 0;
    return 1;
  case IE_INDEX: case IE_DIM: case IE_READ: case IE_CAST: case IE__COUNT:
    break;
  }
  return 0;
}

/* The value of integer arithmetic on literals (floor division, as the
 * language has it); 0 on overflow or division by zero. */
static int lit_int(const IrExpr *e, int64_t *v) {
  int64_t a, b;
  if (e->kind == IE_CONST) {
    *v = e->i;
    return 1;
  }
  if (e->kind == IE_UNARY && e->op == OP_NEG && lit_int(e->args[0], &a) && a != INT64_MIN) {
    *v = -a;
    return 1;
  }
  if (e->kind != IE_BINARY || !lit_int(e->args[0], &a) || !lit_int(e->args[1], &b)) return 0;
  switch (e->op) {
  case OP_ADD: return !__builtin_add_overflow(a, b, v);
  case OP_SUB: return !__builtin_sub_overflow(a, b, v);
  case OP_MUL: return !__builtin_mul_overflow(a, b, v);
  case OP_DIV: case OP_MOD:
    if (b == 0 || (a == INT64_MIN && b == -1)) return 0;
    *v = e->op == OP_DIV ? a / b - ((a % b != 0) && ((a < 0) != (b < 0)))
                         : a % b + ((a % b != 0) && ((a < 0) != (b < 0)) ? b : 0);
    return 1;
  case OP__COUNT: case OP_NEG: case OP_NOT: case OP_EQ: case OP_NE: case OP_LT: case OP_LE:
  case OP_GT: case OP_GE: case OP_AND: case OP_OR:
    break;
  }
  return 0;
}

/* Retypes an abstract expression (literals, float attributes of generic
 * graphs, arithmetic on them) to the type t, down to its leaves.  Integer
 * arithmetic on literals is computed as integers first: f32 context or
 * not, 7/2 is 3. */
static IrExpr *retype_float(IrCtx *c, IrExpr *e, ElemType t) {
  int64_t v;
  if (e->type == ELEM_INT && (e->kind == IE_UNARY || e->kind == IE_BINARY)) {
    if (lit_int(e, &v)) return ir_coerce(c, ir_const_int(c, ELEM_INT, v, e->loc), t);
    IrExpr *k = ir_expr_new(c, IE_CAST, t, e->loc, 1);
    k->args[0] = e;
    return k;
  }
  switch (e->kind) {
  case IE_CONST: return ir_coerce(c, e, t);
  case IE_DIM: {
    IrExpr *r = ir_expr_new(c, IE_DIM, t, e->loc, 0);
    r->dim = e->dim;
    return r;
  }
  case IE_UNARY: case IE_BINARY: case IE_CALL: case IE_REDUCE: case IE_SELECT: {
    if (e->kind == IE_BINARY && e->op >= OP_EQ) break; /* comparisons are bool */
    IrExpr *r = ir_expr_new(c, e->kind, t, e->loc, e->nargs);
    *r = *e;
    r->type = t;
    r->args = arena_alloc(c->arena, sizeof *r->args * (size_t)e->nargs);
    for (int i = 0; i < e->nargs; i++)
      r->args[i] = e->kind == IE_SELECT && i == 0 ? e->args[0] : ir_coerce(c, e->args[i], t);
    return r;
  }
  case IE_INDEX: case IE_READ: case IE_CAST: case IE__COUNT:
    break;
  }
  IrExpr *k = ir_expr_new(c, IE_CAST, t, e->loc, 1);
  k->args[0] = e;
  return k;
}

IrExpr *ir_coerce(IrCtx *c, IrExpr *e, ElemType t) {
  if (!e || e->type == t || t == ELEM_NONE) return e;
  if (e->kind == IE_CONST) {
    IrExpr *r = ir_expr_new(c, IE_CONST, t, e->loc, 0);
    if (ir_is_float(t)) r->f = ir_is_float(e->type) ? e->f : (double)e->i;
    else r->i = ir_is_float(e->type) ? (int64_t)e->f : e->i;
    return r;
  }
  if ((e->type == ELEM_FLOAT && ir_is_float(t)) ||
      (e->type == ELEM_INT && (ir_is_float(t) || ir_is_int(t)) && literal_only(e)))
    return retype_float(c, e, t);
  IrExpr *k = ir_expr_new(c, IE_CAST, t, e->loc, 1);
  k->args[0] = e;
  return k;
}

/* ------------------------------------------------------- index symbols */

const char *ir_index_sym(IrCtx *c, const IrIndex *ix) {
  if (!c->f) return arena_printf(c->arena, "$%s", ix->name); /* a scratch context */
  return ir_intern(c, arena_printf(c->arena, "$%s", ix->name));
}

int ir_sym_index(const IrNode *n, const char *sym) {
  if (!sym || sym[0] != '$') return -1;
  for (int i = 0; i < n->nindices; i++)
    if (strcmp(n->indices[i].name, sym + 1) == 0) return i;
  return -1;
}

static int atom_has_index(const DimAtom *a) {
  if (a->kind == DIM_SYM) return a->name[0] == '$';
  return ir_dim_has_index(a->num) || ir_dim_has_index(a->den);
}

int ir_dim_has_index(const Dim *d) {
  for (int i = 0; d && i < d->nterms; i++)
    for (int j = 0; j < d->terms[i].natoms; j++)
      if (atom_has_index(d->terms[i].atoms[j])) return 1;
  return 0;
}

static const Dim *arith_dim(IrCtx *c, AstOp op, const Dim *a, const Dim *b, int expand_mod) {
  switch (op) {
  case OP_ADD: return dim_add(&c->dc, a, b);
  case OP_SUB: return dim_sub(&c->dc, a, b);
  case OP_MUL: return dim_mul(&c->dc, a, b);
  case OP_DIV: return dim_div(&c->dc, a, b);
  case OP_MOD:
    if (expand_mod) return dim_sub(&c->dc, a, dim_mul(&c->dc, b, dim_div(&c->dc, a, b)));
    return dim_mod(&c->dc, a, b);
  case OP__COUNT: case OP_NEG: case OP_NOT: case OP_EQ: case OP_NE: case OP_LT: case OP_LE:
  case OP_GT: case OP_GE: case OP_AND: case OP_OR:
    break;
  }
  return NULL;
}

static const Dim *expr_dim(IrCtx *c, const IrNode *n, const IrExpr *e, int expand_mod) {
  if (!e || e->type != ELEM_INT) return NULL;
  switch (e->kind) {
  case IE_CONST: return dim_const(&c->dc, e->i);
  case IE_INDEX:
    if (e->index < 0 || e->index >= n->nindices) return NULL;
    return dim_sym(&c->dc, ir_index_sym(c, &n->indices[e->index]));
  case IE_DIM: return e->dim;
  case IE_UNARY:
    return e->op == OP_NEG ? dim_neg(&c->dc, expr_dim(c, n, e->args[0], expand_mod)) : NULL;
  case IE_BINARY: {
    const Dim *a = expr_dim(c, n, e->args[0], expand_mod);
    const Dim *b = a ? expr_dim(c, n, e->args[1], expand_mod) : NULL;
    return b ? arith_dim(c, e->op, a, b, expand_mod) : NULL;
  }
  case IE_READ: case IE_CALL: case IE_SELECT: case IE_CAST: case IE_REDUCE: case IE__COUNT:
    break;
  }
  return NULL;
}

const Dim *ir_expr_dim(IrCtx *c, const IrNode *n, const IrExpr *e, int expand_mod) {
  c->dc.err = DIM_OK;
  return expr_dim(c, n, e, expand_mod);
}

/* ------------------------------------------------ polynomials to expressions */

/* One atom as a Dim of its own. */
static const Dim *atom_as_dim(IrCtx *c, const DimAtom *a) {
  switch (a->kind) {
  case DIM_SYM: return dim_sym(&c->dc, a->name);
  case DIM_FLOORDIV: return dim_div(&c->dc, a->num, a->den);
  case DIM_MOD: return dim_mod(&c->dc, a->num, a->den);
  }
  return NULL;
}

/* A term of a polynomial split as coef * free * mono, where mono holds the
 * atoms that mention an index; grouped by mono. */
typedef struct Group {
  const Dim *mono;  /* product of the index atoms, coefficient 1 (NULL: none) */
  const DimTerm *t; /* a term of the group, for its index atoms */
  const Dim *coef;  /* sum of the index-free factors */
} Group;

static const Dim *free_part(IrCtx *c, const DimTerm *t, const Dim **mono) {
  const Dim *f = dim_const(&c->dc, t->coef), *m = NULL;
  for (int j = 0; j < t->natoms && f; j++) {
    const DimAtom *a = t->atoms[j];
    if (atom_has_index(a)) m = m ? dim_mul(&c->dc, m, atom_as_dim(c, a)) : atom_as_dim(c, a);
    else f = dim_mul(&c->dc, f, atom_as_dim(c, a));
  }
  *mono = m;
  return f;
}

static IrExpr *dim_leaf(IrCtx *c, const Dim *d, Loc loc) {
  int64_t v;
  if (dim_is_const(d, &v)) return ir_const_int(c, ELEM_INT, v, loc);
  IrExpr *e = ir_expr_new(c, IE_DIM, ELEM_INT, loc, 0);
  e->dim = d;
  return e;
}

static IrExpr *atom_expr(IrCtx *c, const IrNode *n, const DimAtom *a, Loc loc) {
  if (a->kind == DIM_SYM) {
    int ix = ir_sym_index(n, a->name);
    if (ix >= 0) return ir_index_expr(c, ix, loc);
    return dim_leaf(c, dim_sym(&c->dc, a->name), loc);
  }
  AstOp op = a->kind == DIM_FLOORDIV ? OP_DIV : OP_MOD;
  return ir_binary(c, op, ELEM_INT, ir_dim_expr(c, n, a->num, loc), ir_dim_expr(c, n, a->den, loc),
                   loc);
}

/* The index atoms of term t, multiplied. */
static IrExpr *mono_expr(IrCtx *c, const IrNode *n, const DimTerm *t, Loc loc) {
  IrExpr *e = NULL;
  for (int j = 0; j < t->natoms; j++) {
    if (!atom_has_index(t->atoms[j])) continue;
    IrExpr *a = atom_expr(c, n, t->atoms[j], loc);
    e = e ? ir_binary(c, OP_MUL, ELEM_INT, e, a, loc) : a;
  }
  return e;
}

/* The product of t's atoms (coefficient 1). */
static const Dim *term_atoms(IrCtx *c, const DimTerm *t) {
  const Dim *p = dim_const(&c->dc, 1);
  for (int j = 0; j < t->natoms && p; j++) p = dim_mul(&c->dc, p, atom_as_dim(c, t->atoms[j]));
  return p;
}

static int leads_negative(const Dim *d) { return d->nterms > 0 && d->terms[0].coef < 0; }

/* |coef| * mono: a constant factor first (2*i), a dimension after (i*W). */
static IrExpr *group_expr(IrCtx *c, const IrNode *n, const Group *g, const Dim *coef, Loc loc) {
  IrExpr *m = mono_expr(c, n, g->t, loc);
  int64_t v;
  if (dim_is_const(coef, &v) && v == 1) return m;
  if (dim_is_const(coef, &v) || m->kind == IE_BINARY) /* 2*i, CG*(f/G) */
    return ir_binary(c, OP_MUL, ELEM_INT, dim_leaf(c, coef, loc), m, loc);
  return ir_binary(c, OP_MUL, ELEM_INT, m, dim_leaf(c, coef, loc), loc);
}

static IrExpr *add_part(IrCtx *c, IrExpr *acc, IrExpr *part, int neg, Loc loc) {
  if (!acc) return neg ? ir_unary(c, OP_NEG, ELEM_INT, part, loc) : part;
  return ir_binary(c, neg ? OP_SUB : OP_ADD, ELEM_INT, acc, part, loc);
}

/* The first index of n (by position) that mono mentions: groups print in
 * the order of the node's indices (784*n + k, i + u - 1). */
static int first_index(const IrNode *n, const Dim *mono) {
  const char *syms[64];
  int k = dim_syms(mono, syms, 64), best = n->nindices;
  for (int i = 0; i < k; i++) {
    int ix = ir_sym_index(n, syms[i]);
    if (ix >= 0 && ix < best) best = ix;
  }
  return best;
}

static void sort_groups(const IrNode *n, Group *gs, int ng) {
  for (int i = 1; i < ng; i++) {
    Group g = gs[i];
    int key = first_index(n, g.mono), j = i;
    while (j > 0 && first_index(n, gs[j - 1].mono) > key) {
      gs[j] = gs[j - 1];
      j--;
    }
    gs[j] = g;
  }
}

IrExpr *ir_dim_expr(IrCtx *c, const IrNode *n, const Dim *d, Loc loc) {
  if (!ir_dim_has_index(d)) return dim_leaf(c, d, loc);
  Group *gs = arena_alloc(c->arena, sizeof *gs * (size_t)d->nterms);
  int ng = 0;
  const Dim *rest = c->dc.zero;
  for (int i = 0; i < d->nterms; i++) {
    const Dim *mono, *f = free_part(c, &d->terms[i], &mono);
    if (!f) return NULL;
    if (!mono) {
      rest = dim_add(&c->dc, rest, f);
      continue;
    }
    int k = 0;
    while (k < ng && !dim_equal(gs[k].mono, mono)) k++;
    if (k == ng) gs[ng++] = (Group){mono, &d->terms[i], c->dc.zero};
    gs[k].coef = dim_add(&c->dc, gs[k].coef, f);
  }
  sort_groups(n, gs, ng);
  IrExpr *acc = NULL;
  for (int pass = 0; pass < 2; pass++) { /* added parts, then subtracted ones */
    for (int k = 0; k < ng; k++) {
      if (!gs[k].coef || gs[k].coef->nterms == 0 || leads_negative(gs[k].coef) != pass) continue;
      const Dim *coef = pass ? dim_neg(&c->dc, gs[k].coef) : gs[k].coef;
      acc = add_part(c, acc, group_expr(c, n, &gs[k], coef, loc), pass, loc);
    }
    for (int i = 0; rest && i < rest->nterms; i++) { /* the dimension part, term by term */
      const DimTerm *t = &rest->terms[i];
      if ((t->coef < 0) != pass) continue;
      const Dim *one =
          dim_mul(&c->dc, dim_const(&c->dc, pass ? -t->coef : t->coef), term_atoms(c, t));
      if (one) acc = add_part(c, acc, dim_leaf(c, one, loc), pass, loc);
    }
  }
  return acc ? acc : dim_leaf(c, c->dc.zero, loc);
}

/* ---------------------------------------------------------------- folding */

static int is_const(const IrExpr *e) { return e && e->kind == IE_CONST; }

static double cval(const IrExpr *e) { return ir_is_float(e->type) ? e->f : (double)e->i; }

static IrExpr *fold_compare(IrCtx *c, IrExpr *e) {
  double a = cval(e->args[0]), b = cval(e->args[1]);
  int r = 0;
  switch (e->op) {
  case OP_EQ: r = a == b; break;
  case OP_NE: r = a != b; break;
  case OP_LT: r = a < b; break;
  case OP_LE: r = a <= b; break;
  case OP_GT: r = a > b; break;
  case OP_GE: r = a >= b; break;
  case OP_AND: r = e->args[0]->i && e->args[1]->i; break;
  case OP_OR: r = e->args[0]->i || e->args[1]->i; break;
  case OP__COUNT: case OP_NEG: case OP_NOT: case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
  case OP_MOD:
    return e;
  }
  return ir_const_int(c, ELEM_BOOL, r, e->loc);
}

/* Float arithmetic on two constants (integers are the algebra's). */
static IrExpr *fold_binary(IrCtx *c, IrExpr *e) {
  if (!is_const(e->args[0]) || !is_const(e->args[1])) return e;
  if (e->type == ELEM_BOOL) return fold_compare(c, e);
  if (!ir_is_float(e->type)) return e;
  double a = e->args[0]->f, b = e->args[1]->f, r = 0;
  switch (e->op) {
  case OP_ADD: r = a + b; break;
  case OP_SUB: r = a - b; break;
  case OP_MUL: r = a * b; break;
  case OP_DIV: r = a / b; break;
  case OP__COUNT: case OP_NEG: case OP_NOT: case OP_MOD: case OP_EQ: case OP_NE: case OP_LT:
  case OP_LE: case OP_GT: case OP_GE: case OP_AND: case OP_OR:
    return e;
  }
  return ir_const_float(c, e->type, r, e->loc);
}

static IrExpr *fold(IrCtx *c, IrExpr *e) {
  switch (e->kind) {
  case IE_SELECT:
    if (is_const(e->args[0])) return e->args[0]->i ? e->args[1] : e->args[2];
    return e;
  case IE_UNARY:
    if (!is_const(e->args[0])) return e;
    if (e->op == OP_NOT) return ir_const_int(c, ELEM_BOOL, !e->args[0]->i, e->loc);
    if (ir_is_float(e->type)) return ir_const_float(c, e->type, -e->args[0]->f, e->loc);
    return e;
  case IE_BINARY: return fold_binary(c, e);
  case IE_CAST: { /* integers that the type holds exactly */
    const IrExpr *a = e->args[0];
    if (!is_const(a) || !ir_is_int(a->type)) return e;
    if (ir_is_float(e->type) && llabs(a->i) <= 2048)
      return ir_const_float(c, e->type, (double)a->i, e->loc);
    int64_t lim = e->type == ELEM_I8 ? 127 : e->type == ELEM_I32 ? INT32_MAX : -1;
    if (lim > 0 && a->i >= -lim - 1 && a->i <= lim) return ir_const_int(c, e->type, a->i, e->loc);
    return e;
  }
  case IE_CONST: case IE_INDEX: case IE_DIM: case IE_READ: case IE_CALL: case IE_REDUCE:
  case IE__COUNT:
    return e;
  }
  return e;
}

/* The range [lo, hi] of d over its indices' ranges, when d is affine in
 * indices of constant extent with constant coefficients. */
static int bounds(const IrNode *n, const Dim *d, int64_t *lo, int64_t *hi) {
  int64_t l = 0, h = 0, v;
  for (int i = 0; i < d->nterms; i++) {
    const DimTerm *t = &d->terms[i];
    int64_t a = t->coef, x = 0, y = 0;
    if (t->natoms > 1) return 0;
    if (t->natoms == 1) {
      const DimAtom *at = t->atoms[0];
      int ix = at->kind == DIM_SYM ? ir_sym_index(n, at->name) : -1;
      const Dim *ext = ix >= 0 ? n->indices[ix].extent.dim : NULL;
      if (!ext || !dim_is_const(ext, &v) || v < 1 || v > (int64_t)1 << 31 ||
          a > (int64_t)1 << 31 || a < -((int64_t)1 << 31))
        return 0;
      x = a < 0 ? a * (v - 1) : 0;
      y = a < 0 ? 0 : a * (v - 1);
    } else {
      x = y = a;
    }
    if (__builtin_add_overflow(l, x, &l) || __builtin_add_overflow(h, y, &h)) return 0;
  }
  *lo = l;
  *hi = h;
  return 1;
}

/* Uses the indices' ranges: floor(e/c) = 0 and e%c = e when 0 <= e < c
 * (conv2d's group offset f/F with f < F, for one). */
static const Dim *use_ranges(IrCtx *c, const IrNode *n, const Dim *d) {
  if (!d || !ir_dim_has_index(d)) return d;
  const Dim *sum = c->dc.zero;
  for (int i = 0; i < d->nterms && sum; i++) {
    const DimTerm *t = &d->terms[i];
    const Dim *prod = dim_const(&c->dc, t->coef);
    for (int j = 0; j < t->natoms && prod; j++) {
      const DimAtom *a = t->atoms[j];
      const Dim *x;
      if (a->kind == DIM_SYM) {
        x = dim_sym(&c->dc, a->name);
      } else {
        const Dim *num = use_ranges(c, n, a->num), *den = use_ranges(c, n, a->den);
        int64_t lo, hi, cv;
        int small = num && den && dim_is_const(den, &cv) && bounds(n, num, &lo, &hi) && lo >= 0 &&
                    hi < cv;
        if (small) x = a->kind == DIM_FLOORDIV ? c->dc.zero : num;
        else x = a->kind == DIM_FLOORDIV ? dim_div(&c->dc, num, den) : dim_mod(&c->dc, num, den);
      }
      prod = dim_mul(&c->dc, prod, x);
    }
    sum = dim_add(&c->dc, sum, prod);
  }
  return sum;
}

static int is_int_arith(const IrExpr *e) {
  if (e->type != ELEM_INT) return 0;
  switch (e->kind) {
  case IE_UNARY: return e->op == OP_NEG;
  case IE_BINARY: return e->op == OP_ADD || e->op == OP_SUB || e->op == OP_MUL ||
                         e->op == OP_DIV || e->op == OP_MOD;
  case IE_DIM: return 1;
  case IE_CONST: case IE_INDEX: case IE_READ: case IE_CALL: case IE_SELECT: case IE_CAST:
  case IE_REDUCE: case IE__COUNT:
    break;
  }
  return 0;
}

IrExpr *ir_simplify(IrCtx *c, const IrNode *n, IrExpr *e) {
  if (!e) return NULL;
  if (is_int_arith(e)) {
    const Dim *d = use_ranges(c, n, ir_expr_dim(c, n, e, 0));
    IrExpr *r = d ? ir_dim_expr(c, n, d, e->loc) : NULL;
    if (r) return r;
  }
  IrExpr *r = arena_alloc(c->arena, sizeof *r);
  *r = *e;
  if (e->nargs > 0) r->args = arena_alloc(c->arena, sizeof *r->args * (size_t)e->nargs);
  for (int i = 0; i < e->nargs; i++) r->args[i] = ir_simplify(c, n, e->args[i]);
  r->dflt = ir_simplify(c, n, e->dflt);
  return fold(c, r);
}
