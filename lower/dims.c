/* lower/dims.c -- integer expressions of the graph IR as polynomials of the
 * dimension algebra over the nest's variables: building them, turning them
 * into loop expressions, their intervals and their linear coefficients. */
#include "lower/lower_int.h"

#include <stdlib.h>
#include <string.h>

const char *lw_index_sym(LowerCtx *L, int ix) {
  return intern_cstr(&L->ir->f->names, L->node->indices[ix].name);
}

static const Dim *arith(DimCtx *dc, AstOp op, const Dim *a, const Dim *b) {
  switch (op) {
  case OP_ADD: return dim_add(dc, a, b);
  case OP_SUB: return dim_sub(dc, a, b);
  case OP_MUL: return dim_mul(dc, a, b);
  case OP_DIV: return dim_div(dc, a, b);
  case OP_MOD: return dim_mod(dc, a, b);
  case OP__COUNT:
  case OP_NEG:
  case OP_NOT:
  case OP_EQ:
  case OP_NE:
  case OP_LT:
  case OP_LE:
  case OP_GT:
  case OP_GE:
  case OP_AND:
  case OP_OR: break;
  }
  return NULL;
}

static const Dim *expr_dim(LowerCtx *L, const IrExpr *e, const Dim *const *env) {
  if (!e || e->type != ELEM_INT) return NULL;
  switch (e->kind) {
  case IE_CONST: return dim_const(L->dc, e->i);
  case IE_INDEX:
    if (env) return env[e->index];
    return dim_sym(L->dc, lw_index_sym(L, e->index));
  case IE_DIM: return e->dim;
  case IE_UNARY: return e->op == OP_NEG ? dim_neg(L->dc, expr_dim(L, e->args[0], env)) : NULL;
  case IE_BINARY: {
    const Dim *a = expr_dim(L, e->args[0], env);
    const Dim *b = a ? expr_dim(L, e->args[1], env) : NULL;
    int64_t v;
    if (b && (e->op == OP_DIV || e->op == OP_MOD) && (!dim_is_const(b, &v) || v <= 0))
      return NULL; /* left to the generic code: a division by zero must fail at run time */
    return b ? arith(L->dc, e->op, a, b) : NULL;
  }
  case IE_READ:
  case IE_CALL:
  case IE_SELECT:
  case IE_CAST:
  case IE_REDUCE:
  case IE__COUNT: break;
  }
  return NULL;
}

const Dim *lw_expr_dim(LowerCtx *L, const IrExpr *e, const Dim *const *env) {
  L->dc->err = DIM_OK;
  const Dim *d = expr_dim(L, e, env);
  return L->dc->err == DIM_OK ? d : NULL;
}

int lw_const_dim(LowerCtx *L, const Dim *d, Loc loc, int64_t *v) {
  if (d && dim_is_const(d, v)) return 1;
  diag_error(L->ir->diag, loc,
             "the %s back end needs constant shapes: '%s' is symbolic "
             "(symbolic model dims are not supported yet)",
             lower_backend_name(L->t), d ? dim_str(L->a, d) : "?");
  L->errors++;
  return 0;
}

static int64_t floor_div(int64_t a, int64_t b);

/* ------------------------------------------------------ to loop expressions */

static int sym_var(LowerCtx *L, const char *sym) {
  for (int i = 0; i < L->nb->nvars; i++)
    if (L->nb->syms[i] == sym) return i;
  return -1;
}

static LoopExpr *atom_loop(LowerCtx *L, const DimAtom *a) {
  if (a->kind == DIM_SYM) {
    int v = sym_var(L, a->name);
    return v >= 0 ? le_var(L->a, v, ELEM_INT) : NULL;
  }
  LoopExpr *num = lw_dim_loop(L, a->num), *den = lw_dim_loop(L, a->den);
  if (!num || !den) return NULL;
  LoopExpr *e = le_binary(L->a, a->kind == DIM_FLOORDIV ? OP_DIV : OP_MOD, ELEM_INT, num, den);
  int64_t d;
  Ival r = lw_dim_range(L, a->num);
  e->nonneg = e->kind == LE_BINARY && dim_is_const(a->den, &d) && d > 0 && r.known && r.lo >= 0;
  return e;
}

/* The first variable a term mentions (for the order of terms); constants
 * and division atoms sort by the variables inside them. */
static int term_key(LowerCtx *L, const DimTerm *t) {
  int key = 1 << 30;
  for (int j = 0; j < t->natoms; j++) {
    const DimAtom *a = t->atoms[j];
    const char *syms[8];
    int n = a->kind == DIM_SYM ? (syms[0] = a->name, 1) : dim_syms(a->num, syms, 8);
    for (int k = 0; k < n; k++) {
      int v = sym_var(L, syms[k]);
      if (v >= 0 && v < key) key = v;
    }
  }
  return t->natoms == 0 ? (1 << 30) + 1 : key;
}

static LoopExpr *term_loop(LowerCtx *L, const DimTerm *t, int64_t coef) {
  LoopExpr *e = NULL;
  for (int j = 0; j < t->natoms; j++) {
    LoopExpr *a = atom_loop(L, t->atoms[j]);
    if (!a) return NULL;
    e = e ? le_binary(L->a, OP_MUL, ELEM_INT, e, a) : a;
  }
  if (!e) return le_int(L->a, coef);
  return coef == 1 ? e : le_binary(L->a, OP_MUL, ELEM_INT, le_int(L->a, coef), e);
}

/* d with every division atom that the variables' ranges decide replaced:
 * floor(n/c) by its constant value, n % c by n - c*floor(n/c), when
 * floor(n/c) is the same over the range of n.  The other n % c are expanded
 * to n - c*floor(n/c) as well, so that the digits of a flattened index and
 * their recombination cancel: 56*(x/56) + x%56 is x (an offset stays affine
 * in x).  Ranges are taken before (lw_dim_range sees n % c). */
static const Dim *simplify(LowerCtx *L, const Dim *d);

static const Dim *simplify_atom(LowerCtx *L, const DimAtom *a) {
  if (a->kind == DIM_SYM) return dim_sym(L->dc, a->name);
  const Dim *num = simplify(L, a->num);
  int64_t c;
  if (!num || !dim_is_const(a->den, &c) || c <= 0)
    return a->kind == DIM_FLOORDIV ? dim_div(L->dc, num, a->den) : dim_mod(L->dc, num, a->den);
  Ival r = lw_dim_range(L, num);
  if (r.known && floor_div(r.lo, c) == floor_div(r.hi, c)) {
    int64_t q = floor_div(r.lo, c);
    if (a->kind == DIM_FLOORDIV) return dim_const(L->dc, q);
    return dim_sub(L->dc, num, dim_const(L->dc, q * c));
  }
  const Dim *q = dim_div(L->dc, num, a->den);
  return a->kind == DIM_FLOORDIV ? q : dim_sub(L->dc, num, dim_mul(L->dc, a->den, q));
}

static const Dim *simplify(LowerCtx *L, const Dim *d) {
  const Dim *sum = L->dc->zero;
  for (int i = 0; d && sum && i < d->nterms; i++) {
    const DimTerm *t = &d->terms[i];
    const Dim *prod = dim_const(L->dc, t->coef);
    for (int j = 0; j < t->natoms && prod; j++)
      prod = dim_mul(L->dc, prod, simplify_atom(L, t->atoms[j]));
    sum = dim_add(L->dc, sum, prod);
  }
  return d ? sum : NULL;
}

LoopExpr *lw_dim_loop(LowerCtx *L, const Dim *d) {
  d = simplify(L, d);
  if (!d) return NULL;
  int n = d->nterms, order[DIM_MAX_TERMS], keys[DIM_MAX_TERMS];
  for (int i = 0; i < n; i++) order[i] = i, keys[i] = term_key(L, &d->terms[i]);
  for (int i = 1; i < n; i++) /* insertion sort: stable, n is small */
    for (int j = i; j > 0 && keys[order[j]] < keys[order[j - 1]]; j--) {
      int t = order[j];
      order[j] = order[j - 1], order[j - 1] = t;
    }
  LoopExpr *e = NULL;
  for (int i = 0; i < n; i++) {
    const DimTerm *t = &d->terms[order[i]];
    int neg = e && t->coef < 0 && t->coef != INT64_MIN;
    LoopExpr *x = term_loop(L, t, neg ? -t->coef : t->coef);
    if (!x) return NULL;
    e = !e ? x : le_binary(L->a, neg ? OP_SUB : OP_ADD, ELEM_INT, e, x);
  }
  return e ? e : le_int(L->a, 0);
}

/* -------------------------------------------------------------- intervals */

static Ival unknown(void) { return (Ival){0, 0, 0}; }
static Ival point(int64_t v) { return (Ival){v, v, 1}; }

static Ival ival_mul(Ival a, Ival b) {
  if (!a.known || !b.known) return unknown();
  int64_t p[4];
  if (__builtin_mul_overflow(a.lo, b.lo, &p[0]) || __builtin_mul_overflow(a.lo, b.hi, &p[1]) ||
      __builtin_mul_overflow(a.hi, b.lo, &p[2]) || __builtin_mul_overflow(a.hi, b.hi, &p[3]))
    return unknown();
  Ival r = {p[0], p[0], 1};
  for (int i = 1; i < 4; i++) {
    if (p[i] < r.lo) r.lo = p[i];
    if (p[i] > r.hi) r.hi = p[i];
  }
  return r;
}

static Ival ival_add(Ival a, Ival b) {
  Ival r = {0, 0, a.known && b.known};
  if (r.known &&
      (__builtin_add_overflow(a.lo, b.lo, &r.lo) || __builtin_add_overflow(a.hi, b.hi, &r.hi)))
    return unknown();
  return r;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static Ival atom_range(LowerCtx *L, const DimAtom *a) {
  int64_t d;
  if (a->kind == DIM_SYM) {
    int v = sym_var(L, a->name);
    return v >= 0 ? L->nb->ranges[v] : unknown();
  }
  if (!dim_is_const(a->den, &d) || d <= 0) return unknown();
  Ival n = lw_dim_range(L, a->num);
  if (a->kind == DIM_FLOORDIV)
    return n.known ? (Ival){floor_div(n.lo, d), floor_div(n.hi, d), 1} : unknown();
  if (n.known && n.lo >= 0 && n.hi < d) return n;
  if (n.known && floor_div(n.lo, d) == floor_div(n.hi, d))
    return (Ival){n.lo - d * floor_div(n.lo, d), n.hi - d * floor_div(n.lo, d), 1};
  return (Ival){0, d - 1, 1};
}

Ival lw_dim_range(LowerCtx *L, const Dim *d) {
  if (!d) return unknown();
  Ival sum = point(0);
  for (int i = 0; i < d->nterms && sum.known; i++) {
    const DimTerm *t = &d->terms[i];
    Ival prod = point(t->coef);
    for (int j = 0; j < t->natoms; j++) prod = ival_mul(prod, atom_range(L, t->atoms[j]));
    sum = ival_add(sum, prod);
  }
  return sum;
}

/* -------------------------------------------------------- coefficients */

static int atom_mentions(const DimAtom *a, const char *sym) {
  if (a->kind == DIM_SYM) return a->name == sym;
  const char *syms[DIM_MAX_ATOMS];
  int n = dim_syms(a->num, syms, DIM_MAX_ATOMS);
  for (int i = 0; i < n; i++)
    if (syms[i] == sym) return 1;
  n = dim_syms(a->den, syms, DIM_MAX_ATOMS);
  for (int i = 0; i < n; i++)
    if (syms[i] == sym) return 1;
  return 0;
}

int lw_dim_coef(LowerCtx *L, const Dim *d, int ix, int64_t *coef) {
  const char *sym = lw_index_sym(L, ix);
  *coef = 0;
  for (int i = 0; d && i < d->nterms; i++) {
    const DimTerm *t = &d->terms[i];
    int uses = 0;
    for (int j = 0; j < t->natoms; j++) uses += atom_mentions(t->atoms[j], sym);
    if (!uses) continue;
    if (t->natoms != 1 || t->atoms[0]->kind != DIM_SYM) return 0;
    *coef += t->coef;
  }
  return d != NULL;
}
