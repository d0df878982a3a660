/* sema/dim.c -- the symbolic dimension algebra: canonical polynomials over
 * symbols and opaque floor-division/modulo atoms, built in an arena. */
#include "sema/sema.h"
#include "lang/fnv.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- order */

static int atom_cmp(const DimAtom *a, const DimAtom *b) {
  if (a == b) return 0;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  if (a->kind == DIM_SYM) return a->name == b->name ? 0 : strcmp(a->name, b->name);
  int c = dim_cmp(a->num, b->num);
  return c ? c : dim_cmp(a->den, b->den);
}

/* Monomials: higher degree first, then atom by atom; the constant last. */
static int mono_cmp(const DimTerm *a, const DimTerm *b) {
  if (a->natoms != b->natoms) return a->natoms > b->natoms ? -1 : 1;
  for (int i = 0; i < a->natoms; i++) {
    int c = atom_cmp(a->atoms[i], b->atoms[i]);
    if (c) return c;
  }
  return 0;
}

int dim_cmp(const Dim *a, const Dim *b) {
  if (a == b) return 0;
  if (a->nterms != b->nterms) return a->nterms < b->nterms ? -1 : 1;
  for (int i = 0; i < a->nterms; i++) {
    int c = mono_cmp(&a->terms[i], &b->terms[i]);
    if (c) return c;
    if (a->terms[i].coef != b->terms[i].coef) return a->terms[i].coef < b->terms[i].coef ? -1 : 1;
  }
  return 0;
}

int dim_equal(const Dim *a, const Dim *b) {
  return a == b || (a && b && a->hash == b->hash && dim_cmp(a, b) == 0);
}

/* ----------------------------------------------------------------- hashes */

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

static uint64_t term_hash(const DimTerm *t) {
  uint64_t h = mix(0x51, (uint64_t)t->coef);
  for (int i = 0; i < t->natoms; i++) h = mix(h, t->atoms[i]->hash);
  return h;
}

/* -------------------------------------------------------------- building */

void dim_ctx_init(DimCtx *c, Arena *a) {
  memset(c, 0, sizeof *c);
  c->arena = a;
  c->err = DIM_OK;
  Dim *z = arena_alloc(a, sizeof *z);
  z->hash = mix(0, 0);
  c->zero = z;
}

const char *dim_err_str(DimErr e) {
  switch (e) {
  case DIM_OK: return "no error";
  case DIM_ERR_DIV_ZERO: return "division by zero";
  case DIM_ERR_OVERFLOW: return "integer overflow";
  case DIM_ERR_TOO_BIG: return "expression too large";
  }
  return "?";
}

static const Dim *fail(DimCtx *c, DimErr e) {
  c->err = e;
  return NULL;
}

static int qsort_terms(const void *a, const void *b) { return mono_cmp(a, b); }

/* Turns n terms (any order, repeated monomials, zero coefficients) into a
 * canonical Dim; takes ownership of the array. */
static const Dim *finish(DimCtx *c, DimTerm *t, int n) {
  if (n > 1) qsort(t, (size_t)n, sizeof *t, qsort_terms);
  int out = 0;
  for (int i = 0; i < n; i++) {
    if (out > 0 && mono_cmp(&t[out - 1], &t[i]) == 0) {
      if (__builtin_add_overflow(t[out - 1].coef, t[i].coef, &t[out - 1].coef))
        return fail(c, DIM_ERR_OVERFLOW);
    } else {
      t[out++] = t[i];
    }
  }
  int m = 0;
  for (int i = 0; i < out; i++)
    if (t[i].coef != 0) t[m++] = t[i];
  if (m == 0) return c->zero;
  if (m > DIM_MAX_TERMS) return fail(c, DIM_ERR_TOO_BIG);
  Dim *d = arena_alloc(c->arena, sizeof *d);
  d->nterms = m;
  d->terms = t;
  uint64_t h = 0;
  for (int i = 0; i < m; i++) h = mix(h, term_hash(&t[i]));
  d->hash = h;
  return d;
}

static DimTerm *new_terms(DimCtx *c, int n) {
  return arena_alloc(c->arena, sizeof(DimTerm) * (size_t)(n > 0 ? n : 1));
}

const Dim *dim_const(DimCtx *c, int64_t v) {
  if (v == 0) return c->zero;
  if (v > 0 && v < DIM_SMALL_CONSTS && c->small[v]) return c->small[v];
  DimTerm *t = new_terms(c, 1);
  t->coef = v;
  const Dim *d = finish(c, t, 1);
  if (v > 0 && v < DIM_SMALL_CONSTS) c->small[v] = d;
  return d;
}

static const Dim *atom_dim(DimCtx *c, const DimAtom *a) {
  const DimAtom **atoms = arena_alloc(c->arena, sizeof *atoms);
  atoms[0] = a;
  DimTerm *t = new_terms(c, 1);
  t->coef = 1;
  t->natoms = 1;
  t->atoms = atoms;
  return finish(c, t, 1);
}

const Dim *dim_sym(DimCtx *c, const char *name) {
  DimAtom *a = arena_alloc(c->arena, sizeof *a);
  a->kind = DIM_SYM;
  a->name = name;
  a->hash = mix(1, fnv1a64(name, strlen(name)));
  return atom_dim(c, a);
}

static const Dim *opaque(DimCtx *c, DimAtomKind k, const Dim *num, const Dim *den) {
  DimAtom *a = arena_alloc(c->arena, sizeof *a);
  a->kind = k;
  a->num = num;
  a->den = den;
  a->hash = mix(mix((uint64_t)k + 1, num->hash), den->hash);
  return atom_dim(c, a);
}

/* ------------------------------------------------------------ arithmetic */

const Dim *dim_add(DimCtx *c, const Dim *a, const Dim *b) {
  if (!a || !b) return NULL;
  if (a->nterms == 0) return b;
  if (b->nterms == 0) return a;
  int n = a->nterms + b->nterms;
  DimTerm *t = new_terms(c, n);
  memcpy(t, a->terms, sizeof *t * (size_t)a->nterms);
  memcpy(t + a->nterms, b->terms, sizeof *t * (size_t)b->nterms);
  return finish(c, t, n);
}

/* a * k for a constant k. */
static const Dim *scale(DimCtx *c, const Dim *a, int64_t k) {
  if (!a) return NULL;
  if (k == 0) return c->zero;
  if (k == 1) return a;
  DimTerm *t = new_terms(c, a->nterms);
  for (int i = 0; i < a->nterms; i++) {
    t[i] = a->terms[i];
    if (__builtin_mul_overflow(t[i].coef, k, &t[i].coef)) return fail(c, DIM_ERR_OVERFLOW);
  }
  return finish(c, t, a->nterms);
}

const Dim *dim_neg(DimCtx *c, const Dim *a) { return scale(c, a, -1); }

const Dim *dim_sub(DimCtx *c, const Dim *a, const Dim *b) {
  return dim_add(c, a, dim_neg(c, b));
}

/* The product of two monomials: a merge of their sorted atom lists. */
static int mul_terms(DimCtx *c, const DimTerm *x, const DimTerm *y, DimTerm *out) {
  if (__builtin_mul_overflow(x->coef, y->coef, &out->coef)) return DIM_ERR_OVERFLOW;
  int n = x->natoms + y->natoms;
  if (n > DIM_MAX_ATOMS) return DIM_ERR_TOO_BIG;
  const DimAtom **atoms = arena_alloc(c->arena, sizeof *atoms * (size_t)(n ? n : 1));
  int i = 0, j = 0, k = 0;
  while (i < x->natoms || j < y->natoms) {
    if (j == y->natoms || (i < x->natoms && atom_cmp(x->atoms[i], y->atoms[j]) <= 0))
      atoms[k++] = x->atoms[i++];
    else
      atoms[k++] = y->atoms[j++];
  }
  out->natoms = n;
  out->atoms = atoms;
  return DIM_OK;
}

const Dim *dim_mul(DimCtx *c, const Dim *a, const Dim *b) {
  if (!a || !b) return NULL;
  int64_t k;
  if (dim_is_const(a, &k)) return scale(c, b, k);
  if (dim_is_const(b, &k)) return scale(c, a, k);
  if ((int64_t)a->nterms * b->nterms > DIM_MAX_TERMS) return fail(c, DIM_ERR_TOO_BIG);
  int n = a->nterms * b->nterms;
  DimTerm *t = new_terms(c, n);
  for (int i = 0; i < a->nterms; i++)
    for (int j = 0; j < b->nterms; j++) {
      int e = mul_terms(c, &a->terms[i], &b->terms[j], &t[i * b->nterms + j]);
      if (e != DIM_OK) return fail(c, (DimErr)e);
    }
  return finish(c, t, n);
}

/* Floor division and modulo of constants, d > 0. */
static int64_t floordiv(int64_t n, int64_t d) {
  int64_t q = n / d;
  return (n % d != 0 && n < 0) ? q - 1 : q;
}
static int64_t floormod(int64_t n, int64_t d) {
  int64_t r = n % d;
  return r < 0 ? r + d : r;
}

static int64_t gcd(int64_t a, int64_t b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* A constant divisor splits the numerator: n = cv*q + r + k, where q holds
 * the terms whose coefficient cv divides, r the other non-constant terms
 * and 0 <= k < cv the constant.  Then n/cv = q + (r + k)/cv and
 * n%cv = (r + k)%cv. */
typedef struct Split {
  const Dim *q, *r; /* r: without its constant */
  int64_t k, g;     /* g: gcd of r's coefficients and cv */
} Split;

static int split(DimCtx *c, const Dim *n, int64_t cv, Split *s) {
  DimTerm *qt = new_terms(c, n->nterms + 1), *rt = new_terms(c, n->nterms);
  int nq = 0, nr = 0;
  int64_t k = 0, g = cv;
  for (int i = 0; i < n->nterms; i++) {
    const DimTerm *t = &n->terms[i];
    if (t->natoms == 0) {
      k = t->coef;
    } else if (t->coef % cv == 0) {
      qt[nq] = *t;
      qt[nq++].coef = t->coef / cv;
    } else {
      rt[nr++] = *t;
      g = gcd(g, t->coef);
    }
  }
  qt[nq++].coef = floordiv(k, cv); /* a constant term; finish drops a 0 */
  s->k = floormod(k, cv);
  s->g = g;
  s->q = finish(c, qt, nq);
  s->r = nr ? finish(c, rt, nr) : c->zero;
  return s->q && s->r;
}

/* r/g for g dividing every coefficient of r. */
static const Dim *exact_div(DimCtx *c, const Dim *r, int64_t g) {
  DimTerm *t = new_terms(c, r->nterms);
  for (int i = 0; i < r->nterms; i++) {
    t[i] = r->terms[i];
    t[i].coef /= g;
  }
  return finish(c, t, r->nterms);
}

/* The atom of d when d is exactly one atom of kind k with coefficient 1. */
static const DimAtom *single_atom(const Dim *d, DimAtomKind k) {
  if (d->nterms != 1 || d->terms[0].coef != 1 || d->terms[0].natoms != 1) return NULL;
  const DimAtom *a = d->terms[0].atoms[0];
  return a->kind == k ? a : NULL;
}

static const Dim *div_const(DimCtx *c, const Dim *n, int64_t cv);

/* (r + k)/cv with r not constant, 0 <= k < cv: divide out the gcd
 * (floor((g*x + k)/(g*c)) = floor((x + k/g)/c)) and merge a nested
 * division (floor((floor(x/a) + k)/c) = floor((x + a*k)/(a*c))). */
static const Dim *div_rest(DimCtx *c, const Split *s, int64_t cv) {
  const Dim *x = s->g > 1 ? exact_div(c, s->r, s->g) : s->r;
  int64_t k = s->k / s->g, den = cv / s->g, inner, ak, ad;
  if (!x) return NULL;
  const DimAtom *a = single_atom(x, DIM_FLOORDIV);
  if (a && dim_is_const(a->den, &inner) && inner > 0) {
    if (__builtin_mul_overflow(inner, k, &ak) || __builtin_mul_overflow(inner, den, &ad))
      return fail(c, DIM_ERR_OVERFLOW);
    return div_const(c, dim_add(c, a->num, dim_const(c, ak)), ad);
  }
  return opaque(c, DIM_FLOORDIV, dim_add(c, x, dim_const(c, k)), dim_const(c, den));
}

static const Dim *div_const(DimCtx *c, const Dim *n, int64_t cv) {
  if (!n) return NULL;
  if (cv == 0) return fail(c, DIM_ERR_DIV_ZERO);
  if (cv < 0) {
    if (cv == INT64_MIN) return fail(c, DIM_ERR_OVERFLOW);
    return div_const(c, dim_neg(c, n), -cv);
  }
  if (cv == 1) return n;
  Split s;
  if (!split(c, n, cv, &s)) return NULL;
  if (s.r->nterms == 0) return s.q; /* 0 <= k < cv: k/cv = 0 */
  return dim_add(c, s.q, div_rest(c, &s, cv));
}

const Dim *dim_div(DimCtx *c, const Dim *a, const Dim *b) {
  if (!a || !b) return NULL;
  int64_t cv;
  if (dim_is_const(b, &cv)) return div_const(c, a, cv);
  if (a->nterms == 0) return a;
  return opaque(c, DIM_FLOORDIV, a, b);
}

static const Dim *mod_const(DimCtx *c, const Dim *n, int64_t cv);

/* (r + k)%cv with r not constant: (g*x + k)%(g*c) = g*((x + k/g)%c) + k%g,
 * and (y%A + j)%c = (y + j)%c when c divides A. */
static const Dim *mod_rest(DimCtx *c, const Split *s, int64_t cv) {
  const Dim *x = s->g > 1 ? exact_div(c, s->r, s->g) : s->r;
  int64_t k = s->k / s->g, den = cv / s->g, big;
  if (!x) return NULL;
  const Dim *inner;
  const DimAtom *a = single_atom(x, DIM_MOD);
  if (a && dim_is_const(a->den, &big) && big > 0 && big % den == 0)
    inner = mod_const(c, dim_add(c, a->num, dim_const(c, k)), den);
  else
    inner = opaque(c, DIM_MOD, dim_add(c, x, dim_const(c, k)), dim_const(c, den));
  return dim_add(c, scale(c, inner, s->g), dim_const(c, s->k % s->g));
}

static const Dim *mod_const(DimCtx *c, const Dim *n, int64_t cv) {
  if (!n) return NULL;
  if (cv == 0) return fail(c, DIM_ERR_DIV_ZERO);
  if (cv < 0) { /* n % -c = -((-n) % c) */
    if (cv == INT64_MIN) return fail(c, DIM_ERR_OVERFLOW);
    return dim_neg(c, mod_const(c, dim_neg(c, n), -cv));
  }
  if (cv == 1) return c->zero;
  Split s;
  if (!split(c, n, cv, &s)) return NULL;
  if (s.r->nterms == 0) return dim_const(c, s.k);
  return mod_rest(c, &s, cv);
}

const Dim *dim_mod(DimCtx *c, const Dim *a, const Dim *b) {
  if (!a || !b) return NULL;
  int64_t cv;
  if (dim_is_const(b, &cv)) return mod_const(c, a, cv);
  if (a->nterms == 0) return a;
  return opaque(c, DIM_MOD, a, b);
}

/* ---------------------------------------------------------- substitution */

static const Dim *subst_atom(DimCtx *c, const DimAtom *a, const DimBind *b, int n) {
  switch (a->kind) {
  case DIM_SYM:
    for (int i = 0; i < n; i++)
      if (b[i].name == a->name || strcmp(b[i].name, a->name) == 0) return b[i].value;
    return atom_dim(c, a); /* unbound: stays */
  case DIM_FLOORDIV:
    return dim_div(c, dim_subst(c, a->num, b, n), dim_subst(c, a->den, b, n));
  case DIM_MOD:
    return dim_mod(c, dim_subst(c, a->num, b, n), dim_subst(c, a->den, b, n));
  }
  return NULL;
}

const Dim *dim_subst(DimCtx *c, const Dim *d, const DimBind *binds, int nbinds) {
  if (!d) return NULL;
  if (nbinds == 0) return d;
  const Dim *sum = c->zero;
  for (int i = 0; i < d->nterms && sum; i++) {
    const DimTerm *t = &d->terms[i];
    const Dim *prod = dim_const(c, t->coef);
    for (int j = 0; j < t->natoms && prod; j++) {
      prod = dim_mul(c, prod, subst_atom(c, t->atoms[j], binds, nbinds));
    }
    sum = dim_add(c, sum, prod);
  }
  return sum;
}

/* -------------------------------------------------------------- queries */

int dim_is_const(const Dim *d, int64_t *v) {
  if (d->nterms == 0) {
    *v = 0;
    return 1;
  }
  if (d->nterms == 1 && d->terms[0].natoms == 0) {
    *v = d->terms[0].coef;
    return 1;
  }
  return 0;
}

const char *dim_as_sym(const Dim *d) {
  const DimAtom *a = single_atom(d, DIM_SYM);
  return a ? a->name : NULL;
}

static int add_sym(const char *name, const char **out, int n, int max) {
  for (int i = 0; i < n; i++)
    if (out[i] == name || strcmp(out[i], name) == 0) return n;
  if (n < max) out[n++] = name;
  return n;
}

static int syms_rec(const Dim *d, const char **out, int n, int max) {
  for (int i = 0; i < d->nterms; i++)
    for (int j = 0; j < d->terms[i].natoms; j++) {
      const DimAtom *a = d->terms[i].atoms[j];
      if (a->kind == DIM_SYM) {
        n = add_sym(a->name, out, n, max);
      } else {
        n = syms_rec(a->num, out, n, max);
        n = syms_rec(a->den, out, n, max);
      }
    }
  return n;
}

int dim_syms(const Dim *d, const char **out, int max) { return syms_rec(d, out, 0, max); }

/* -------------------------------------------------------------- printing */

/* Output goes to a FILE or to a growing malloc'ed buffer. */
typedef struct Out {
  FILE *f;
  char *buf;
  size_t len, cap;
} Out;

static void put(Out *o, const char *s) {
  if (o->f) {
    fputs(s, o->f);
    return;
  }
  size_t n = strlen(s);
  if (o->len + n + 1 > o->cap) {
    size_t cap = o->cap ? o->cap * 2 : 64;
    while (cap < o->len + n + 1) cap *= 2;
    char *b = realloc(o->buf, cap);
    if (!b) {
      fprintf(stderr, "xgc: fatal error: out of memory\n");
      abort();
    }
    o->buf = b;
    o->cap = cap;
  }
  memcpy(o->buf + o->len, s, n + 1);
  o->len += n;
}

static void put_u64(Out *o, uint64_t v) {
  char b[24];
  snprintf(b, sizeof b, "%llu", (unsigned long long)v);
  put(o, b);
}

static void print_dim(Out *o, const Dim *d);

/* A Dim that prints as one operand of * or / without parentheses. */
static int is_simple(const Dim *d) {
  int64_t v;
  if (dim_is_const(d, &v)) return v >= 0;
  return dim_as_sym(d) != NULL;
}

static void print_atom(Out *o, const DimAtom *a, int wrap) {
  if (a->kind == DIM_SYM) {
    put(o, a->name);
    return;
  }
  if (wrap) put(o, "(");
  int pn = a->num->nterms > 1, pd = !is_simple(a->den);
  if (pn) put(o, "(");
  print_dim(o, a->num);
  put(o, pn ? ")" : "");
  put(o, a->kind == DIM_FLOORDIV ? "/" : "%");
  if (pd) put(o, "(");
  print_dim(o, a->den);
  put(o, pd ? ")" : "");
  if (wrap) put(o, ")");
}

/* One term with its sign already printed: |coef| * atoms.  A division or
 * modulo atom is parenthesized when it is not the whole term, or when a
 * leading minus would otherwise bind to its numerator. */
static void print_term(Out *o, const DimTerm *t, uint64_t mag, int lead_neg) {
  int alone = mag == 1 && t->natoms == 1 && !lead_neg;
  if (t->natoms == 0 || mag != 1) {
    put_u64(o, mag);
    if (t->natoms) put(o, "*");
  }
  for (int i = 0; i < t->natoms; i++) {
    if (i) put(o, "*");
    print_atom(o, t->atoms[i], !alone);
  }
}

static void print_dim(Out *o, const Dim *d) {
  if (d->nterms == 0) {
    put(o, "0");
    return;
  }
  for (int i = 0; i < d->nterms; i++) {
    const DimTerm *t = &d->terms[i];
    int neg = t->coef < 0;
    uint64_t mag = neg ? (uint64_t)(-(t->coef + 1)) + 1 : (uint64_t)t->coef;
    if (i == 0) put(o, neg ? "-" : "");
    else put(o, neg ? " - " : " + ");
    print_term(o, t, mag, i == 0 && neg);
  }
}

void dim_print(FILE *out, const Dim *d) {
  Out o = {.f = out};
  if (d) print_dim(&o, d);
  else put(&o, "?");
}

const char *dim_str(Arena *a, const Dim *d) {
  Out o = {0};
  if (d) print_dim(&o, d);
  else put(&o, "?");
  const char *s = arena_strndup(a, o.buf, o.len);
  free(o.buf);
  return s;
}
