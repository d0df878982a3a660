/* interp.c -- the reference interpreter's evaluator: a compiled statement
 * run a vector of lanes at a time over its index space, reads checked
 * against their tensors' extents, large statements split over threads. */
#include "backends/ref/ref_int.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ buffers */

static inline double *fv(const RThr *t, const RNode *n) {
  return (double *)(void *)(t->buf + (size_t)n->slot * REF_CHUNK * 8);
}
static inline int64_t *iv(const RThr *t, const RNode *n) {
  return (int64_t *)(void *)(t->buf + (size_t)n->slot * REF_CHUNK * 8);
}
static inline uint8_t *mv(const RThr *t, const RNode *n, int which) {
  return t->mbuf + ((size_t)n->slot * 2 + (size_t)which) * REF_CHUNK;
}
static inline int lanes(const RThr *t, const RNode *n) { return n->vec ? t->L : 1; }
static inline int active(const uint8_t *m, int j) { return !m || m[j]; }

/* Wrapping integer arithmetic: int values are 64-bit two's complement. */
static inline int64_t wadd(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t wsub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static inline int64_t wmul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }

/* Floor division and modulo (b != 0), as the language defines them. */
static inline int64_t idiv(int64_t a, int64_t b) {
  if (b == -1) return wsub(0, a);
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static inline int64_t imod(int64_t a, int64_t b) {
  if (b == -1) return 0;
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

/* ------------------------------------------------------------- errors */

/* "n = 0, f = 3, j = 17": the values of the indices bound at lane j. */
static void point_str(const RThr *t, const RNode *n, int j, char *out, size_t len) {
  const RStmt *st = t->st;
  int vix = st->vdim >= 0 ? st->s->lhs[st->vdim] : -1;
  size_t used = 0;
  out[0] = 0;
  for (int b = 0; b < n->nbound && used < len; b++) {
    int ix = n->bound[b];
    long long val = ix == vix ? (long long)(t->j0 + j) : (long long)t->idx[ix];
    int w = snprintf(out + used, len - used, "%s%s = %lld", b ? ", " : "",
                     st->node->indices[ix].name, val);
    if (w < 0) break;
    used += (size_t)w;
  }
}

__attribute__((format(printf, 4, 5)))
static int fail(RThr *t, const RNode *n, int j, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->emsg, sizeof t->emsg, fmt, ap);
  va_end(ap);
  t->eloc = n->loc;
  char at[400];
  point_str(t, n, j, at, sizeof at);
  const IrNode *node = t->st->node;
  snprintf(t->enote, sizeof t->enote, "in '%s' (%s)%s%s", node->name ? node->name : "?",
           node->op ? node->op : "?", at[0] ? " at " : "", at);
  t->err = 1;
  return -1;
}

static int ev(RThr *t, const RNode *n, const uint8_t *m);

static int any_active(const RThr *t, const uint8_t *m) {
  if (!m) return 1;
  for (int j = 0; j < t->L; j++)
    if (m[j]) return 1;
  return 0;
}

/* Evaluates argument c under mask m: a uniform argument once, and nothing
 * when no lane is active. */
static int ev_arg(RThr *t, const RNode *c, const uint8_t *m) {
  if (m && !any_active(t, m)) return 0;
  return ev(t, c, c->vec ? m : NULL);
}

/* -------------------------------------------------------------- reads */

/* The subscript values of a read at lane j, for messages. */
static void subs_str(const RThr *t, const RNode *n, const int64_t *b, const int64_t *lc, int j,
                     char *out, size_t len) {
  const RRead *rd = n->rd;
  size_t used = 0;
  out[0] = 0;
  for (int d = 0; d < rd->rank && used < len; d++) {
    const RSub *s = &rd->subs[d];
    int64_t v = s->gen ? iv(t, s->gen)[s->gen->vec ? j : 0] : b[d] + lc[d] * j;
    int w = snprintf(out + used, len - used, "%s%lld", d ? ", " : "", (long long)v);
    if (w < 0) break;
    used += (size_t)w;
  }
}

static int oob_error(RThr *t, const RNode *n, const int64_t *b, const int64_t *lc, int j) {
  const RRead *rd = n->rd;
  char subs[300];
  subs_str(t, n, b, lc, j, subs, sizeof subs);
  for (int d = 0; d < rd->rank; d++) {
    const RSub *s = &rd->subs[d];
    int64_t v = s->gen ? iv(t, s->gen)[s->gen->vec ? j : 0] : b[d] + lc[d] * j;
    if (v >= 0 && v < rd->ext[d]) continue;
    if (rd->flat)
      return fail(t, n, j, "read of %s.flat[%s] is out of range (%s has %lld elements)",
                  rd->t->name, subs, rd->t->name, (long long)rd->ext[0]);
    return fail(t, n, j, "read of %s[%s] is out of range (dimension %d has extent %lld)",
                rd->t->name, subs, d + 1, (long long)rd->ext[d]);
  }
  return fail(t, n, j, "read of %s[%s] is out of range", rd->t->name, subs);
}

/* Lanes of read n marked in oob (active ones only) take the ?? value, or
 * the first of them is an error. */
static int fill_oob(RThr *t, const RNode *n, uint8_t *oob, const int64_t *b, const int64_t *lc) {
  const RRead *rd = n->rd;
  int L = lanes(t, n), first = -1;
  for (int j = 0; j < L && first < 0; j++)
    if (oob[j]) first = j;
  if (first < 0) return 0;
  if (!rd->dflt) return oob_error(t, n, b, lc, first);
  const RNode *dn = rd->dflt;
  if (ev(t, dn, dn->vec ? oob : NULL)) return -1;
  int sd = dn->vec;
  for (int j = first; j < L; j++) {
    if (!oob[j]) continue;
    if (n->cls == RC_F) fv(t, n)[j] = dn->cls == RC_F ? fv(t, dn)[j * sd] : (double)iv(t, dn)[j * sd];
    else iv(t, n)[j] = dn->cls == RC_I ? iv(t, dn)[j * sd] : (int64_t)fv(t, dn)[j * sd];
  }
  return 0;
}

/* The lanes [lo, hi) for which 0 <= b + c*j < e, intersected with [lo, hi). */
static void lane_range(int64_t b, int64_t c, int64_t e, int64_t *lo, int64_t *hi) {
  int64_t a, z; /* a <= j < z */
  if (c == 0) {
    if (b < 0 || b >= e) *hi = *lo;
    return;
  }
  if (c == 1) {
    a = -b, z = e - b;
  } else if (c > 0) {
    a = -idiv(b, c); /* ceil(-b/c) */
    z = idiv(e - 1 - b, c) + 1;
  } else {
    a = -idiv(e - 1 - b, -c); /* ceil((b - e + 1)/-c) */
    z = idiv(b, -c) + 1;
  }
  if (a > *lo) *lo = a;
  if (z < *hi) *hi = z;
  if (*hi < *lo) *hi = *lo;
}

/* Per-subscript base values at lane 0 (b) and lane coefficients (lc). */
static int read_bases(RThr *t, const RNode *n, const uint8_t *m, int64_t *b, int64_t *lc) {
  const RRead *rd = n->rd;
  for (int d = 0; d < rd->rank; d++) {
    const RSub *s = &rd->subs[d];
    if (s->gen) {
      if (ev_arg(t, s->gen, m)) return -1;
      b[d] = lc[d] = 0;
      continue;
    }
    int64_t v = wadd(s->c0, wmul(s->lane, t->j0));
    for (int i = 0; i < s->nterms; i++) v = wadd(v, wmul(s->terms[i].coef, t->idx[s->terms[i].index]));
    for (int i = 0; i < s->natoms; i++) {
      if (ev(t, s->atoms[i], NULL)) return -1;
      v = wadd(v, wmul(s->acoef[i], iv(t, s->atoms[i])[0]));
    }
    b[d] = v;
    lc[d] = s->lane;
  }
  return 0;
}

#define GATHER(J, OFF)                                      \
  do {                                                      \
    if (n->cls == RC_F) fv(t, n)[J] = data[OFF];           \
    else iv(t, n)[J] = (int64_t)data[OFF];                 \
  } while (0)

/* A read whose subscripts are affine in the lane: in-range lanes form one
 * interval [lo, hi). */
static int read_affine(RThr *t, const RNode *n, const uint8_t *m, const double *data, int64_t *b,
                       int64_t *lc) {
  const RRead *rd = n->rd;
  int L = lanes(t, n);
  int64_t lo = 0, hi = L, off = 0, sv = 0;
  for (int d = 0; d < rd->rank; d++) {
    if (rd->subs[d].checked) lane_range(b[d], lc[d], rd->ext[d], &lo, &hi);
    off += b[d] * rd->stride[d];
    sv += lc[d] * rd->stride[d];
  }
  if (n->cls == RC_F) {
    double *o = fv(t, n);
    if (sv == 1) memcpy(o + lo, data + off + lo, sizeof(double) * (size_t)(hi - lo));
    else
      for (int64_t j = lo; j < hi; j++) o[j] = data[off + j * sv];
  } else {
    for (int64_t j = lo; j < hi; j++) GATHER(j, off + j * sv);
  }
  if (lo == 0 && hi == L) return 0;
  uint8_t *oob = mv(t, n, 0);
  for (int j = 0; j < L; j++) oob[j] = (j < lo || j >= hi) && active(m, j);
  return fill_oob(t, n, oob, b, lc);
}

/* A read with a general subscript: each lane checked on its own. */
static int read_general(RThr *t, const RNode *n, const uint8_t *m, const double *data, int64_t *b,
                        int64_t *lc) {
  const RRead *rd = n->rd;
  int L = lanes(t, n), bad = 0;
  uint8_t *oob = mv(t, n, 0);
  for (int j = 0; j < L; j++) {
    oob[j] = 0;
    if (!active(m, j)) continue;
    int64_t off = 0;
    int ok = 1;
    for (int d = 0; d < rd->rank && ok; d++) {
      const RSub *s = &rd->subs[d];
      int64_t v = s->gen ? iv(t, s->gen)[s->gen->vec ? j : 0] : b[d] + lc[d] * j;
      ok = v >= 0 && v < rd->ext[d];
      off += v * rd->stride[d];
    }
    if (ok) GATHER(j, off);
    else oob[j] = 1, bad = 1;
  }
  return bad ? fill_oob(t, n, oob, b, lc) : 0;
}

/* The fast path: affine, no atoms, offset precomputed, nothing to check. */
static int read_fast(RThr *t, const RNode *n, const double *data) {
  const RRead *rd = n->rd;
  int64_t off = rd->oc0 + rd->olane * t->j0;
  for (int i = 0; i < rd->noterms; i++) off += rd->oterms[i].coef * t->idx[rd->oterms[i].index];
  int L = lanes(t, n);
  int64_t sv = rd->olane;
  if (n->cls == RC_F) {
    double *o = fv(t, n);
    if (sv == 1) memcpy(o, data + off, sizeof(double) * (size_t)L);
    else
      for (int j = 0; j < L; j++) o[j] = data[off + j * sv];
  } else {
    for (int j = 0; j < L; j++) GATHER(j, off + j * sv);
  }
  return 0;
}

static int ev_read(RThr *t, const RNode *n, const uint8_t *m) {
  const RRead *rd = n->rd;
  const double *data = rd->local ? t->run->ldata[rd->id] : t->run->gdata[rd->id];
  if (rd->fast) return read_fast(t, n, data);
  int64_t b[REF_MAX_RANK], lc[REF_MAX_RANK];
  if (read_bases(t, n, m, b, lc)) return -1;
  return rd->ngen ? read_general(t, n, m, data, b, lc) : read_affine(t, n, m, data, b, lc);
}

/* ------------------------------------------------------- arithmetic */

#define LOOP2(T, O, X, Y, EXPR)                                          \
  do {                                                                   \
    T *o_ = (O);                                                         \
    const T *x_ = (X), *y_ = (Y);                                        \
    if (sx && sy) for (int j = 0; j < L; j++) { T x = x_[j], y = y_[j]; o_[j] = (EXPR); } \
    else if (sx) for (int j = 0; j < L; j++) { T x = x_[j], y = y_[0]; o_[j] = (EXPR); }  \
    else if (sy) for (int j = 0; j < L; j++) { T x = x_[0], y = y_[j]; o_[j] = (EXPR); }  \
    else { T x = x_[0], y = y_[0]; o_[0] = (EXPR); }                     \
  } while (0)

#define CMP2(T, O, X, Y, EXPR)                                           \
  do {                                                                   \
    int64_t *o_ = (O);                                                   \
    const T *x_ = (X), *y_ = (Y);                                        \
    for (int j = 0; j < L; j++) { T x = x_[j * sx], y = y_[j * sy]; o_[j] = (EXPR); } \
  } while (0)

static inline double fmaxp(double x, double y) { return x != x || x > y || y != y ? (y != y ? y : x) : y; }
static inline double fminp(double x, double y) { return x != x || x < y || y != y ? (y != y ? y : x) : y; }
static inline double fmodf_(double x, double y) { return x - y * floor(x / y); }

static void bin_f(RThr *t, const RNode *n, int L) {
  const RNode *a = n->a[0], *c = n->a[1];
  int sx = a->vec, sy = c->vec;
  const double *X = fv(t, a), *Y = fv(t, c);
  switch (n->op) {
  case OP_ADD: LOOP2(double, fv(t, n), X, Y, x + y); return;
  case OP_SUB: LOOP2(double, fv(t, n), X, Y, x - y); return;
  case OP_MUL: LOOP2(double, fv(t, n), X, Y, x * y); return;
  case OP_DIV: LOOP2(double, fv(t, n), X, Y, x / y); return;
  case OP_MOD: LOOP2(double, fv(t, n), X, Y, fmodf_(x, y)); return;
  case OP_EQ: CMP2(double, iv(t, n), X, Y, x == y); return;
  case OP_NE: CMP2(double, iv(t, n), X, Y, x != y); return;
  case OP_LT: CMP2(double, iv(t, n), X, Y, x < y); return;
  case OP_LE: CMP2(double, iv(t, n), X, Y, x <= y); return;
  case OP_GT: CMP2(double, iv(t, n), X, Y, x > y); return;
  case OP_GE: CMP2(double, iv(t, n), X, Y, x >= y); return;
  case OP_NEG:
  case OP_NOT:
  case OP_AND:
  case OP_OR:
  case OP__COUNT:
    break;
  }
}

/* Integer / and % (floor), with a located error for a zero divisor. */
static int divmod_i(RThr *t, const RNode *n, const uint8_t *m, int L) {
  const RNode *a = n->a[0], *c = n->a[1];
  int sx = a->vec, sy = c->vec;
  const int64_t *X = iv(t, a), *Y = iv(t, c);
  int64_t *o = iv(t, n);
  for (int j = 0; j < L; j++) {
    int64_t x = X[j * sx], y = Y[j * sy];
    if (y == 0) {
      if (!active(m, j)) continue;
      return fail(t, n, j, "integer %s by zero (%lld %s 0)", n->op == OP_DIV ? "division" : "modulo",
                  (long long)x, n->op == OP_DIV ? "/" : "%");
    }
    o[j] = n->op == OP_DIV ? idiv(x, y) : imod(x, y);
  }
  return 0;
}

static int bin_i(RThr *t, const RNode *n, const uint8_t *m, int L) {
  const RNode *a = n->a[0], *c = n->a[1];
  int sx = a->vec, sy = c->vec;
  const int64_t *X = iv(t, a), *Y = iv(t, c);
  switch (n->op) {
  case OP_ADD: LOOP2(int64_t, iv(t, n), X, Y, wadd(x, y)); return 0;
  case OP_SUB: LOOP2(int64_t, iv(t, n), X, Y, wsub(x, y)); return 0;
  case OP_MUL: LOOP2(int64_t, iv(t, n), X, Y, wmul(x, y)); return 0;
  case OP_DIV:
  case OP_MOD: return divmod_i(t, n, m, L);
  case OP_EQ: CMP2(int64_t, iv(t, n), X, Y, x == y); return 0;
  case OP_NE: CMP2(int64_t, iv(t, n), X, Y, x != y); return 0;
  case OP_LT: CMP2(int64_t, iv(t, n), X, Y, x < y); return 0;
  case OP_LE: CMP2(int64_t, iv(t, n), X, Y, x <= y); return 0;
  case OP_GT: CMP2(int64_t, iv(t, n), X, Y, x > y); return 0;
  case OP_GE: CMP2(int64_t, iv(t, n), X, Y, x >= y); return 0;
  case OP_NEG:
  case OP_NOT:
  case OP_AND:
  case OP_OR:
  case OP__COUNT:
    break;
  }
  return 0;
}

static int ev_bin(RThr *t, const RNode *n, const uint8_t *m) {
  if (ev_arg(t, n->a[0], m) || ev_arg(t, n->a[1], m)) return -1;
  int L = lanes(t, n);
  if (n->a[0]->cls == RC_F) {
    bin_f(t, n, L);
    return 0;
  }
  return bin_i(t, n, m, L);
}

static int ev_unary(RThr *t, const RNode *n, const uint8_t *m) {
  const RNode *a = n->a[0];
  if (ev_arg(t, a, m)) return -1;
  int L = lanes(t, n), sx = a->vec;
  if (n->kind == RK_NOT) {
    for (int j = 0; j < L; j++) iv(t, n)[j] = !iv(t, a)[j * sx];
  } else if (n->cls == RC_F) {
    for (int j = 0; j < L; j++) fv(t, n)[j] = -fv(t, a)[j * sx];
  } else {
    for (int j = 0; j < L; j++) iv(t, n)[j] = wsub(0, iv(t, a)[j * sx]);
  }
  return 0;
}

/* a && b, a || b: b only on the lanes where a does not decide. */
static int ev_logic(RThr *t, const RNode *n, const uint8_t *m) {
  const RNode *a = n->a[0], *b = n->a[1];
  int want = n->kind == RK_AND; /* b is evaluated where a == want */
  if (ev_arg(t, a, m)) return -1;
  int L = lanes(t, n), sa = a->vec, sb = b->vec;
  const int64_t *A = iv(t, a);
  uint8_t *mb = mv(t, n, 0);
  for (int j = 0; j < L; j++) mb[j] = active(m, j) && (A[j * sa] != 0) == want;
  if (n->vec ? ev_arg(t, b, mb) : (mb[0] ? ev(t, b, NULL) : 0)) return -1;
  const int64_t *B = iv(t, b);
  for (int j = 0; j < L; j++) iv(t, n)[j] = (A[j * sa] != 0) == want ? B[j * sb] != 0 : !want;
  return 0;
}

/* c ? x : y: each side evaluated only on the lanes that choose it. */
static int ev_select(RThr *t, const RNode *n, const uint8_t *m) {
  const RNode *c = n->a[0], *x = n->a[1], *y = n->a[2];
  if (ev_arg(t, c, m)) return -1;
  int L = lanes(t, n), sc = c->vec, sx = x->vec, sy = y->vec;
  const int64_t *C = iv(t, c);
  uint8_t *mx = mv(t, n, 0), *my = mv(t, n, 1);
  for (int j = 0; j < L; j++) {
    mx[j] = active(m, j) && C[j * sc];
    my[j] = active(m, j) && !C[j * sc];
  }
  if (n->vec) {
    if (ev_arg(t, x, mx) || ev_arg(t, y, my)) return -1;
  } else if (mx[0] ? ev(t, x, NULL) : my[0] ? ev(t, y, NULL) : 0) {
    return -1;
  }
  if (n->cls == RC_F) {
    const double *X = fv(t, x), *Y = fv(t, y);
    for (int j = 0; j < L; j++) fv(t, n)[j] = C[j * sc] ? X[j * sx] : Y[j * sy];
  } else {
    const int64_t *X = iv(t, x), *Y = iv(t, y);
    for (int j = 0; j < L; j++) iv(t, n)[j] = C[j * sc] ? X[j * sx] : Y[j * sy];
  }
  return 0;
}

static double rsqrt_(double x) { return 1.0 / sqrt(x); }

static double (*const unary_fn[BI__COUNT])(double) = {
    [BI_EXP] = exp,     [BI_LOG] = log,   [BI_SQRT] = sqrt,   [BI_RSQRT] = rsqrt_, [BI_TANH] = tanh,
    [BI_ERF] = erf,     [BI_ABS] = fabs,  [BI_FLOOR] = floor, [BI_CEIL] = ceil,
};

static int ev_call(RThr *t, const RNode *n, const uint8_t *m) {
  for (int i = 0; i < n->nargs; i++)
    if (ev_arg(t, n->a[i], m)) return -1;
  int L = lanes(t, n), sx = n->a[0]->vec, sy = n->nargs > 1 ? n->a[1]->vec : 0;
  if (n->nargs == 1) {
    double (*fn)(double) = unary_fn[n->bi];
    const double *X = fv(t, n->a[0]);
    double *o = fv(t, n);
    for (int j = 0; j < L; j++) o[j] = fn(X[j * sx]);
    return 0;
  }
  if (n->cls == RC_F) {
    const double *X = fv(t, n->a[0]), *Y = fv(t, n->a[1]);
    if (n->bi == BI_POW) LOOP2(double, fv(t, n), X, Y, pow(x, y));
    else if (n->bi == BI_MAX) LOOP2(double, fv(t, n), X, Y, fmaxp(x, y));
    else LOOP2(double, fv(t, n), X, Y, fminp(x, y));
  } else {
    const int64_t *X = iv(t, n->a[0]), *Y = iv(t, n->a[1]);
    if (n->bi == BI_MAX) LOOP2(int64_t, iv(t, n), X, Y, x > y ? x : y);
    else LOOP2(int64_t, iv(t, n), X, Y, x < y ? x : y);
  }
  return 0;
}

/* Float to int: truncation; NaN or a value outside the type is an error. */
static int cast_f2i(RThr *t, const RNode *n, const uint8_t *m, int j, double x, int64_t *out) {
  double lo = n->to == ELEM_I8 ? -128.0 : n->to == ELEM_I32 ? -2147483648.0 : -9223372036854775808.0;
  double hi = n->to == ELEM_I8 ? 128.0 : n->to == ELEM_I32 ? 2147483648.0 : 9223372036854775808.0;
  double tr = trunc(x);
  if (tr >= lo && tr < hi) {
    *out = (int64_t)tr;
    return 0;
  }
  if (!active(m, j)) return 0;
  return fail(t, n, j, "conversion of %g to %s is out of range", x, elem_type_name(n->to));
}

static int64_t wrap_int(ElemType to, int64_t v) {
  switch (to) {
  case ELEM_I32: return (int32_t)(uint32_t)(uint64_t)v;
  case ELEM_I8: return (int8_t)(uint8_t)(uint64_t)v;
  case ELEM_BOOL: return v != 0;
  case ELEM_NONE:
  case ELEM_F32:
  case ELEM_F16:
  case ELEM_INT:
  case ELEM_FLOAT:
  case ELEM__COUNT:
    break;
  }
  return v;
}

static int ev_cast(RThr *t, const RNode *n, const uint8_t *m) {
  const RNode *a = n->a[0];
  if (ev_arg(t, a, m)) return -1;
  int L = lanes(t, n), sx = a->vec;
  if (n->cls == RC_F) {
    for (int j = 0; j < L; j++) fv(t, n)[j] = a->cls == RC_F ? fv(t, a)[j * sx] : (double)iv(t, a)[j * sx];
    return 0;
  }
  for (int j = 0; j < L; j++) {
    int64_t *o = &iv(t, n)[j];
    if (a->cls == RC_I) *o = wrap_int(n->to, iv(t, a)[j * sx]);
    else if (n->to == ELEM_BOOL) *o = fv(t, a)[j * sx] != 0;
    else if (cast_f2i(t, n, m, j, fv(t, a)[j * sx], o)) return -1;
  }
  return 0;
}

/* ---------------------------------------------------------- reductions */

static void acc_init(RThr *t, const RNode *n, int L) {
  for (int j = 0; j < L; j++) {
    if (n->cls == RC_F)
      fv(t, n)[j] = n->red == RD_PROD ? 1.0 : n->red == RD_MAX ? -INFINITY : n->red == RD_MIN ? INFINITY : 0.0;
    else
      iv(t, n)[j] = n->red == RD_PROD ? 1 : n->red == RD_MAX ? INT64_MIN : n->red == RD_MIN ? INT64_MAX : 0;
  }
}

static void acc_f(double *a, const double *b, int sb, int L, Reduction r) {
  switch (r) {
  case RD_SUM:
  case RD_MEAN:
    if (sb) for (int j = 0; j < L; j++) a[j] += b[j];
    else for (int j = 0; j < L; j++) a[j] += b[0];
    return;
  case RD_PROD: for (int j = 0; j < L; j++) a[j] *= b[j * sb]; return;
  case RD_MAX: for (int j = 0; j < L; j++) a[j] = fmaxp(a[j], b[j * sb]); return;
  case RD_MIN: for (int j = 0; j < L; j++) a[j] = fminp(a[j], b[j * sb]); return;
  case RD__COUNT: break;
  }
}

static void acc_i(int64_t *a, const int64_t *b, int sb, int L, Reduction r) {
  for (int j = 0; j < L; j++) {
    int64_t x = b[j * sb];
    switch (r) {
    case RD_SUM:
    case RD_MEAN: a[j] = wadd(a[j], x); break;
    case RD_PROD: a[j] = wmul(a[j], x); break;
    case RD_MAX: a[j] = x > a[j] ? x : a[j]; break;
    case RD_MIN: a[j] = x < a[j] ? x : a[j]; break;
    case RD__COUNT: break;
    }
  }
}

/* acc += x * y, the body of sum(k) a[..k..] * b[..k..] in one pass. */
static int mac(RThr *t, const RNode *n, const uint8_t *m, int L) {
  const RNode *mul = n->a[0], *x = mul->a[0], *y = mul->a[1];
  if (ev_arg(t, x, m) || ev_arg(t, y, m)) return -1;
  double *a = fv(t, n);
  const double *X = fv(t, x), *Y = fv(t, y);
  if (x->vec && y->vec) for (int j = 0; j < L; j++) a[j] += X[j] * Y[j];
  else if (x->vec) { double s = Y[0]; for (int j = 0; j < L; j++) a[j] += X[j] * s; }
  else if (y->vec) { double s = X[0]; for (int j = 0; j < L; j++) a[j] += s * Y[j]; }
  else a[0] += X[0] * Y[0];
  return 0;
}

static int ev_reduce(RThr *t, const RNode *n, const uint8_t *m) {
  int L = lanes(t, n), nred = n->nred;
  const RNode *body = n->a[0];
  acc_init(t, n, L);
  for (int i = 0; i < nred; i++) t->idx[n->ridx[i]] = 0;
  for (int64_t p = 0; p < n->count; p++) {
    if (n->fused_mac) {
      if (mac(t, n, m, L)) return -1;
    } else {
      if (ev_arg(t, body, m)) return -1;
      if (n->cls == RC_F) acc_f(fv(t, n), fv(t, body), body->vec, L, n->red);
      else acc_i(iv(t, n), iv(t, body), body->vec, L, n->red);
    }
    for (int i = nred - 1; i >= 0; i--) { /* the odometer, last index fastest */
      if (++t->idx[n->ridx[i]] < n->rext[i]) break;
      t->idx[n->ridx[i]] = 0;
    }
  }
  if (n->red == RD_MEAN)
    for (int j = 0; j < L; j++) fv(t, n)[j] /= (double)n->count;
  return 0;
}

/* ------------------------------------------------------------ dispatch */

/* Evaluates n into its buffer: L lanes when n->vec (m: the active lanes,
 * NULL for all), else one value (m is NULL). */
static int ev(RThr *t, const RNode *n, const uint8_t *m) {
  switch (n->kind) {
  case RK_CONST:
    if (n->cls == RC_F) fv(t, n)[0] = n->f;
    else iv(t, n)[0] = n->i;
    return 0;
  case RK_INDEX:
    iv(t, n)[0] = t->idx[n->index];
    return 0;
  case RK_LANE:
    for (int j = 0; j < t->L; j++) iv(t, n)[j] = t->j0 + j;
    return 0;
  case RK_READ:
    return ev_read(t, n, m);
  case RK_NEG:
  case RK_NOT:
    return ev_unary(t, n, m);
  case RK_BIN:
    return ev_bin(t, n, m);
  case RK_AND:
  case RK_OR:
    return ev_logic(t, n, m);
  case RK_CALL:
    return ev_call(t, n, m);
  case RK_SELECT:
    return ev_select(t, n, m);
  case RK_CAST:
    return ev_cast(t, n, m);
  case RK_REDUCE:
    return ev_reduce(t, n, m);
  case RK__COUNT:
    break;
  }
  return 0;
}

/* ---------------------------------------------------------- statements */

static void store(RThr *t, double *dst) {
  const RStmt *st = t->st;
  const RNode *r = st->rhs;
  int64_t off = 0;
  for (int d = 0; d < st->rank; d++)
    if (d != st->vdim) off += t->idx[st->s->lhs[d]] * st->stride[d];
  int64_t sv = st->vdim >= 0 ? st->stride[st->vdim] : 0;
  off += t->j0 * sv;
  int sr = r->vec;
  ElemType el = st->target->elem;
  for (int j = 0; j < t->L; j++) {
    double v = r->cls == RC_F ? fv(t, r)[j * sr] : (double)wrap_int(el, iv(t, r)[j * sr]);
    if (r->cls == RC_F && ref_cls(el) == RC_I) v = (double)wrap_int(el, (int64_t)v);
    dst[off + j * sv] = v;
  }
}

typedef struct Part {
  RThr t;
  const RStmt *st;
  double *dst;
  int64_t p0, p1;
  int rc;
} Part;

/* Evaluates outer points [p0, p1): each a vector of lanes of the target. */
static int run_points(RThr *t, double *dst, int64_t p0, int64_t p1) {
  const RStmt *st = t->st;
  int vd = st->vdim;
  int64_t vext = vd >= 0 ? st->ext[vd] : 1, nch = (vext + REF_CHUNK - 1) / REF_CHUNK;
  for (int64_t p = p0; p < p1; p++) {
    int64_t q = p / nch;
    t->j0 = (p % nch) * REF_CHUNK;
    t->L = (int)(vext - t->j0 < REF_CHUNK ? vext - t->j0 : REF_CHUNK);
    for (int d = st->rank - 1; d >= 0; d--) {
      if (d == vd) continue;
      t->idx[st->s->lhs[d]] = q % st->ext[d];
      q /= st->ext[d];
    }
    if (vd >= 0) t->idx[st->s->lhs[vd]] = t->j0;
    if (ev(t, st->rhs, NULL)) return -1;
    store(t, dst);
  }
  return 0;
}

static void *part_main(void *arg) {
  Part *p = arg;
  p->rc = run_points(&p->t, p->dst, p->p0, p->p1);
  return NULL;
}

static int part_init(Part *p, const RRun *run, const RStmt *st) {
  memset(p, 0, sizeof *p);
  p->t.run = run;
  p->t.st = st;
  p->t.idx = calloc((size_t)st->nindices + 1, sizeof(int64_t));
  p->t.buf = calloc((size_t)st->nslots * REF_CHUNK + 1, 8);
  p->t.mbuf = calloc((size_t)st->nslots * 2 * REF_CHUNK + 1, 1);
  return p->t.idx && p->t.buf && p->t.mbuf ? 0 : -1;
}

static void part_free(Part *p) {
  free(p->t.idx);
  free(p->t.buf);
  free(p->t.mbuf);
}

static int64_t outer_points(const RStmt *st) {
  int64_t n = 1;
  for (int d = 0; d < st->rank; d++) {
    int64_t e = d == st->vdim ? (st->ext[d] + REF_CHUNK - 1) / REF_CHUNK : st->ext[d];
    n *= e;
  }
  return n;
}

/* Statements below this many element operations run on one thread. */
enum { PARALLEL_WORK = 1 << 16 };

int ref_exec_stmt(Diag *d, const RRun *run, const RStmt *st, int threads) {
  const IrTensor *tg = st->target;
  double *dst = tg->kind == IR_LOCAL ? run->ldata[tg->id] : run->gdata[tg->id];
  int64_t P = outer_points(st);
  if (threads < 1 || st->work < PARALLEL_WORK) threads = 1;
  if (threads > P) threads = P < 1 ? 1 : (int)P;
  Part parts[64];
  if (threads > 64) threads = 64;
  int made = 0, rc = 0;
  pthread_t tid[64];
  int started[64] = {0};
  for (int i = 0; i < threads; i++, made++) {
    if (part_init(&parts[i], run, st)) {
      part_free(&parts[i]);
      diag_plain(d, DIAG_ERROR, "out of memory in the reference interpreter");
      rc = -1;
      break;
    }
    parts[i].dst = dst;
    parts[i].p0 = P * i / threads;
    parts[i].p1 = P * (i + 1) / threads;
  }
  for (int i = 1; rc == 0 && i < made; i++)
    started[i] = pthread_create(&tid[i], NULL, part_main, &parts[i]) == 0;
  if (rc == 0) {
    part_main(&parts[0]);
    for (int i = 1; i < made; i++) {
      if (started[i]) pthread_join(tid[i], NULL);
      else part_main(&parts[i]); /* no thread: run it here */
    }
  }
  for (int i = 0; i < made && rc == 0; i++) {
    if (!parts[i].rc) continue;
    diag_error(d, parts[i].t.eloc, "%s", parts[i].t.emsg);
    diag_note(d, st->node->loc, "%s", parts[i].t.enote);
    rc = -1;
  }
  for (int i = 0; i < made; i++) part_free(&parts[i]);
  return rc;
}
