/* sema/sema.c -- the checker's entry point: finds the modules reachable from
 * the root, declares them (tables, op signatures), checks their bodies; and
 * the helpers the op and model checkers share. */
#include "sema/sema_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* -------------------------------------------------------------- name maps */

static uint32_t ptr_hash(const char *p) {
  uint64_t v = (uint64_t)(uintptr_t)p;
  v ^= v >> 29;
  v *= 0xbf58476d1ce4e5b9ull;
  return (uint32_t)(v >> 32);
}

void nmap_init(NameMap *m, Arena *a) {
  memset(m, 0, sizeof *m);
  m->arena = a;
  m->gen = 1;
}

void nmap_clear(NameMap *m) {
  m->n = 0;
  m->gen++;
}

static uint32_t slot_of(const NameMap *m, const char *key) {
  uint32_t j = ptr_hash(key) & (m->cap - 1);
  while (m->gens[j] == m->gen && m->keys[j] != key) j = (j + 1) & (m->cap - 1);
  return j;
}

void *nmap_get(const NameMap *m, const char *key) {
  if (!m->cap) return NULL;
  uint32_t j = slot_of(m, key);
  return m->gens[j] == m->gen ? m->vals[j] : NULL;
}

/* Doubles the table (the old arrays stay in the arena: at most as much again). */
static void nmap_grow(NameMap *m) {
  NameMap old = *m;
  m->cap = old.cap ? old.cap * 2 : 16;
  m->keys = arena_alloc(m->arena, sizeof *m->keys * m->cap);
  m->vals = arena_alloc(m->arena, sizeof *m->vals * m->cap);
  m->gens = arena_alloc(m->arena, sizeof *m->gens * m->cap);
  m->n = 0;
  for (uint32_t i = 0; i < old.cap; i++)
    if (old.gens[i] == old.gen) nmap_put(m, old.keys[i], old.vals[i]);
}

void nmap_put(NameMap *m, const char *key, void *val) {
  if ((m->n + 1) * 4 > m->cap * 3) nmap_grow(m);
  uint32_t j = slot_of(m, key);
  if (m->gens[j] != m->gen) {
    m->gens[j] = m->gen;
    m->keys[j] = key;
    m->n++;
  }
  m->vals[j] = val;
}

/* ---------------------------------------------------------------- scratch */

struct ScratchBlock {
  ScratchBlock *next;
  size_t cap, used;
  max_align_t data[];
};

enum { SCRATCH_BLOCK = 64 * 1024 };

void *sema_scratch(Sema *s, size_t n) {
  n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
  ScratchBlock *b = s->scratch_cur;
  while (b && b->cap - b->used < n) {
    b = b->next;
    if (b) b->used = 0;
  }
  if (!b) {
    size_t cap = n > SCRATCH_BLOCK ? n : SCRATCH_BLOCK;
    b = arena_alloc(s->a, sizeof *b + cap);
    b->cap = cap;
    if (s->scratch_cur) { /* append after the current block */
      b->next = s->scratch_cur->next;
      s->scratch_cur->next = b;
    } else {
      s->scratch = b;
    }
  }
  s->scratch_cur = b;
  void *p = (char *)b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

void sema_scratch_reset(Sema *s) {
  s->scratch_cur = s->scratch;
  if (s->scratch) s->scratch->used = 0;
}

const Dim *sema_sym(Sema *s, const char *name) {
  const Dim *d = nmap_get(&s->symdims, name);
  if (!d) {
    d = dim_sym(&s->dc, name);
    nmap_put(&s->symdims, name, (void *)d);
  }
  return d;
}

/* ------------------------------------------------------------ suggestions */

static int min3(int a, int b, int c) { return a < b ? (a < c ? a : c) : (b < c ? b : c); }

/* The optimal-string-alignment distance of a and b (insertions, deletions,
 * substitutions and swaps of two neighbours), over three rolling rows; both
 * strings shorter than NEAR_MAX_LEN. */
static int edit_distance(const char *a, size_t n, const char *b, size_t m) {
  int rows[3][NEAR_MAX_LEN + 1];
  int *pp = rows[0], *p = rows[1], *c = rows[2];
  for (size_t j = 0; j <= m; j++) p[j] = (int)j;
  for (size_t i = 1; i <= n; i++) {
    c[0] = (int)i;
    for (size_t j = 1; j <= m; j++) {
      int cost = a[i - 1] != b[j - 1];
      c[j] = min3(p[j] + 1, c[j - 1] + 1, p[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < c[j])
        c[j] = pp[j - 2] + 1;
    }
    int *t = pp;
    pp = p;
    p = c;
    c = t;
  }
  return p[m];
}

void sema_near_init(SemaNear *n, const char *name) {
  memset(n, 0, sizeof *n);
  n->name = name;
}

void sema_near_offer(SemaNear *n, const char *cand, const void *tag) {
  if (!cand || !n->name) return;
  size_t len = strlen(n->name), clen = strlen(cand);
  if (len >= NEAR_MAX_LEN || clen >= NEAR_MAX_LEN) return;
  if ((len > clen ? len - clen : clen - len) > NEAR_MAX_DIST) return;
  int d = edit_distance(n->name, len, cand, clen);
  if (d > NEAR_MAX_DIST || 2 * (size_t)d >= len) return;
  if (n->best && (d > n->dist || (d == n->dist && strcmp(cand, n->best) >= 0))) return;
  n->best = cand;
  n->tag = tag;
  n->dist = d;
}

const char *sema_near_hint(Sema *s, const SemaNear *n, const char *qual) {
  if (!n->best) return "";
  return arena_printf(s->a, " (did you mean '%s%s%s'?)", qual ? qual : "", qual ? "." : "",
                      n->best);
}

/* ------------------------------------------------------------------ types */

const SemType *sema_type_new(Sema *s, ElemType e, int rank, SemDim **dims) {
  size_t n = (size_t)(rank > 0 ? rank : 0);
  SemType *t = arena_alloc(s->a, sizeof *t + sizeof(SemDim) * n);
  SemDim *d = (SemDim *)(t + 1);
  t->elem = e;
  t->rank = rank;
  t->dims = d;
  if (dims) *dims = d;
  return t;
}

int sema_types_equal(const SemType *a, const SemType *b) {
  if (a->elem != b->elem || a->rank != b->rank) return 0;
  for (int i = 0; i < a->rank; i++) {
    const SemDim *x = &a->dims[i], *y = &b->dims[i];
    if (x->pack || y->pack) {
      if (!x->pack || !y->pack || strcmp(x->pack, y->pack)) return 0;
    } else if (!x->dim || !y->dim || !dim_equal(x->dim, y->dim)) {
      return 0;
    }
  }
  return 1;
}

int sema_is_numeric(ElemType e) {
  return e == ELEM_F32 || e == ELEM_F16 || e == ELEM_I32 || e == ELEM_I8 || e == ELEM_INT ||
         e == ELEM_FLOAT;
}

int sema_is_float(ElemType e) { return e == ELEM_F32 || e == ELEM_F16 || e == ELEM_FLOAT; }

/* A growing string in malloc'ed memory, copied to the arena at the end. */
typedef struct Buf {
  char *p;
  size_t n, cap;
} Buf;

static void buf_put(Buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->n + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) abort();
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

static void buf_str(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static const char *buf_done(Buf *b, Arena *a) {
  const char *s = arena_strndup(a, b->p ? b->p : "", b->n);
  free(b->p);
  return s;
}

const char *sem_type_str(Arena *a, const SemType *t) {
  Buf b = {0};
  buf_str(&b, t->elem == ELEM_NONE ? "?" : elem_type_name(t->elem));
  buf_str(&b, "[");
  for (int i = 0; i < t->rank; i++) {
    if (i) buf_str(&b, ", ");
    const SemDim *d = &t->dims[i];
    if (d->pack) {
      buf_str(&b, d->pack);
      buf_str(&b, "...");
    } else {
      buf_str(&b, d->dim ? dim_str(a, d->dim) : "?");
    }
  }
  buf_str(&b, "]");
  return buf_done(&b, a);
}

/* ------------------------------------------------------ expression text */

/* Binding strength of each kind of expression, as in docs/language.md §6. */
static int prec(const AstNode *e) {
  switch (e->kind) {
  case AST_REDUCE: return 1;
  case AST_COND: return 2;
  case AST_BINARY:
    switch (e->op) {
    case OP_OR: return 3;
    case OP_AND: return 4;
    case OP_EQ: case OP_NE: return 5;
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: return 6;
    case OP_ADD: case OP_SUB: return 7;
    case OP_MUL: case OP_DIV: case OP_MOD: return 8;
    case OP__COUNT: case OP_NEG: case OP_NOT: return 9;
    }
    return 9;
  case AST_UNARY: return 9;
  case AST_DEFAULT: return 10;
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL: case AST_TENSOR_PARAM:
  case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT: case AST_LET:
  case AST_NAME: case AST_INT: case AST_FLOAT: case AST_BOOL: case AST_ACCESS:
  case AST_CALL: case AST_KWARG: case AST_PACK: case AST_CAST:
    return 11;
  }
  return 11;
}

enum { EXPR_STR_MAX = 60 };

static void expr_put(Buf *b, const AstNode *e, int min_prec);

static void list_put(Buf *b, const PtrVec *v) {
  for (int i = 0; i < v->n && b->n < EXPR_STR_MAX; i++) {
    if (i) buf_str(b, ", ");
    expr_put(b, v->items[i], 0);
  }
}

static void name_put(Buf *b, const AstNode *e) {
  if (e->qual) {
    buf_str(b, e->qual);
    buf_str(b, ".");
  }
  buf_str(b, e->name ? e->name : "?");
}

static void expr_put(Buf *b, const AstNode *e, int min_prec) {
  if (!e) return;
  if (b->n >= EXPR_STR_MAX) return;
  int p = prec(e), paren = p < min_prec;
  char tmp[64];
  if (paren) buf_str(b, "(");
  switch (e->kind) {
  case AST_NAME: name_put(b, e); break;
  case AST_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)e->ival); buf_str(b, tmp); break;
  case AST_FLOAT: snprintf(tmp, sizeof tmp, "%g", e->fval);
    if (!strpbrk(tmp, ".eni")) strcat(tmp, ".0");
    buf_str(b, tmp);
    break;
  case AST_BOOL: buf_str(b, e->ival ? "true" : "false"); break;
  case AST_UNARY: buf_str(b, ast_op_name(e->op)); expr_put(b, e->lhs, 9); break;
  case AST_BINARY:
    expr_put(b, e->lhs, p);
    buf_str(b, p >= 8 ? "" : " ");
    buf_str(b, ast_op_name(e->op));
    buf_str(b, p >= 8 ? "" : " ");
    expr_put(b, e->rhs, p + 1);
    break;
  case AST_COND:
    expr_put(b, e->cond, 3);
    buf_str(b, " ? ");
    expr_put(b, e->lhs, 2);
    buf_str(b, " : ");
    expr_put(b, e->rhs, 2);
    break;
  case AST_ACCESS:
    if (e->lhs) name_put(b, e->lhs);
    buf_str(b, e->flat ? ".flat[" : "[");
    list_put(b, &e->list);
    buf_str(b, "]");
    break;
  case AST_DEFAULT: expr_put(b, e->lhs, 11); buf_str(b, " ?? "); expr_put(b, e->rhs, 9); break;
  case AST_CALL: case AST_REDUCE:
    if (e->lhs) name_put(b, e->lhs);
    buf_str(b, "(");
    list_put(b, &e->list);
    buf_str(b, ")");
    if (e->kind == AST_REDUCE) {
      buf_str(b, " ");
      expr_put(b, e->rhs, 1);
    }
    break;
  case AST_KWARG: buf_str(b, e->name); buf_str(b, "="); expr_put(b, e->rhs, 0); break;
  case AST_PACK: buf_str(b, e->name); buf_str(b, "..."); break;
  case AST_CAST: buf_str(b, elem_type_name(e->elem)); buf_str(b, "("); expr_put(b, e->lhs, 0);
    buf_str(b, ")");
    break;
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL: case AST_TENSOR_PARAM:
  case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT: case AST_LET:
    buf_str(b, ast_kind_name(e->kind));
    break;
  }
  if (paren) buf_str(b, ")");
}

const char *sema_expr_str(Sema *s, const AstNode *e) {
  Buf b = {0};
  expr_put(&b, e, 0);
  if (b.n >= EXPR_STR_MAX) buf_str(&b, "...");
  return buf_done(&b, s->a);
}

const char *sema_qname(Sema *s, const AstNode *name) {
  if (!name) return "?";
  if (!name->qual) return name->name;
  return arena_printf(s->a, "%s.%s", name->qual, name->name);
}

/* -------------------------------------------------------------- dimensions */

static const Dim *dim_binary(Sema *s, AstNode *e, const Dim *l, const Dim *r) {
  s->dc.err = DIM_OK;
  const Dim *d = NULL;
  switch (e->op) {
  case OP_ADD: d = dim_add(&s->dc, l, r); break;
  case OP_SUB: d = dim_sub(&s->dc, l, r); break;
  case OP_MUL: d = dim_mul(&s->dc, l, r); break;
  case OP_DIV: d = dim_div(&s->dc, l, r); break;
  case OP_MOD: d = dim_mod(&s->dc, l, r); break;
  case OP__COUNT: case OP_NEG: case OP_NOT: case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT:
  case OP_GE: case OP_AND: case OP_OR:
    diag_error(s->d, e->loc, "'%s' cannot appear in a dimension: dimensions are integer "
               "expressions (+ - * / %%)", ast_op_name(e->op));
    return NULL;
  }
  if (!d) diag_error(s->d, e->loc, "%s in the dimension '%s'", dim_err_str(s->dc.err),
                     sema_expr_str(s, e));
  return d;
}

const Dim *sema_dim(Sema *s, AstNode *e, SemaDimName name) {
  switch (e->kind) {
  case AST_INT: return dim_const(&s->dc, e->ival);
  case AST_NAME: return name(s, e);
  case AST_UNARY:
    if (e->op == OP_NEG) {
      const Dim *x = sema_dim(s, e->lhs, name);
      return x ? dim_neg(&s->dc, x) : NULL; /* -INT64_MAX cannot overflow */
    }
    break;
  case AST_BINARY: {
    const Dim *l = sema_dim(s, e->lhs, name);
    const Dim *r = sema_dim(s, e->rhs, name);
    return l && r ? dim_binary(s, e, l, r) : NULL;
  }
  case AST_FLOAT:
    diag_error(s->d, e->loc, "a dimension is an integer, not the float %s", sema_expr_str(s, e));
    return NULL;
  case AST_PACK:
    diag_error(s->d, e->loc, "the pack '%s...' must be a whole dimension, not part of one",
               e->name);
    return NULL;
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL: case AST_TENSOR_PARAM:
  case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT: case AST_LET:
  case AST_BOOL: case AST_COND: case AST_ACCESS: case AST_DEFAULT: case AST_CALL:
  case AST_KWARG: case AST_REDUCE: case AST_CAST:
    break;
  }
  diag_error(s->d, e->loc, "'%s' cannot be a dimension: dimensions are integer expressions of "
             "literals, dimension names and int attributes", sema_expr_str(s, e));
  return NULL;
}

static int is_literal(const AstNode *e) {
  return e->kind == AST_INT || (e->kind == AST_UNARY && e->op == OP_NEG && e->lhs &&
                                e->lhs->kind == AST_INT);
}

int sema_dim_positive(Sema *s, const AstNode *e, const Dim *d, int j, const char *owner) {
  int64_t v;
  if (!d || !dim_is_const(d, &v) || v > 0) return 1;
  if (is_literal(e))
    diag_error(s->d, e->loc, "dimension %d of %s must be positive, but it is %lld", j + 1, owner,
               (long long)v);
  else
    diag_error(s->d, e->loc, "dimension %d of %s must be positive, but %s is %lld", j + 1, owner,
               sema_expr_str(s, e), (long long)v);
  return 0;
}

/* -------------------------------------------------------------- constants */

typedef struct ConstWhat {
  const char *attr;
  int is_default;
} ConstWhat;

static int const_fail(Sema *s, AstNode *e, const ConstWhat *w) {
  diag_error(s->d, e->loc, "%sattribute '%s' must be a compile-time constant (literals and "
             "arithmetic on them), but '%s' is not", w->is_default ? "the default of " : "",
             w->attr, sema_expr_str(s, e));
  return 0;
}

static double as_f(const SemConst *c) { return c->type == ELEM_FLOAT ? c->f : (double)c->i; }

static int const_int_op(Sema *s, AstNode *e, int64_t a, int64_t b, int64_t *r) {
  int ovf = 0;
  switch (e->op) {
  case OP_ADD: ovf = __builtin_add_overflow(a, b, r); break;
  case OP_SUB: ovf = __builtin_sub_overflow(a, b, r); break;
  case OP_MUL: ovf = __builtin_mul_overflow(a, b, r); break;
  case OP_DIV: case OP_MOD:
    if (b == 0) {
      diag_error(s->d, e->loc, "division by zero in '%s'", sema_expr_str(s, e));
      return 0;
    }
    if (a == INT64_MIN && b == -1) {
      ovf = 1;
      break;
    }
    *r = e->op == OP_DIV ? a / b - ((a % b != 0) && ((a < 0) != (b < 0)))
                         : a % b + ((a % b != 0) && ((a < 0) != (b < 0)) ? b : 0);
    break;
  case OP__COUNT: case OP_NEG: case OP_NOT: case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT:
  case OP_GE: case OP_AND: case OP_OR:
    return 0;
  }
  if (ovf) diag_error(s->d, e->loc, "integer overflow in '%s'", sema_expr_str(s, e));
  return !ovf;
}

static int const_eval(Sema *s, AstNode *e, const ConstWhat *what, SemConst *out);

static int const_binary(Sema *s, AstNode *e, const ConstWhat *what, SemConst *out) {
  SemConst l, r;
  if (e->op != OP_ADD && e->op != OP_SUB && e->op != OP_MUL && e->op != OP_DIV &&
      e->op != OP_MOD)
    return const_fail(s, e, what);
  if (!const_eval(s, e->lhs, what, &l) || !const_eval(s, e->rhs, what, &r)) return 0;
  if (l.type == ELEM_BOOL || r.type == ELEM_BOOL) {
    diag_error(s->d, e->loc, "'%s' needs numbers, not bool", ast_op_name(e->op));
    return 0;
  }
  memset(out, 0, sizeof *out);
  if (l.type == ELEM_INT && r.type == ELEM_INT) {
    out->type = ELEM_INT;
    return const_int_op(s, e, l.i, r.i, &out->i);
  }
  double a = as_f(&l), b = as_f(&r);
  out->type = ELEM_FLOAT;
  switch (e->op) {
  case OP_ADD: out->f = a + b; break;
  case OP_SUB: out->f = a - b; break;
  case OP_MUL: out->f = a * b; break;
  case OP_DIV: out->f = a / b; break;
  case OP_MOD: out->f = a - b * floor(a / b); break;
  case OP__COUNT: case OP_NEG: case OP_NOT: case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT:
  case OP_GE: case OP_AND: case OP_OR:
    break;
  }
  return 1;
}

static int const_eval(Sema *s, AstNode *e, const ConstWhat *what, SemConst *out) {
  memset(out, 0, sizeof *out);
  switch (e->kind) {
  case AST_INT: out->type = ELEM_INT; out->i = e->ival; return 1;
  case AST_FLOAT: out->type = ELEM_FLOAT; out->f = e->fval; return 1;
  case AST_BOOL: out->type = ELEM_BOOL; out->i = e->ival; return 1;
  case AST_NAME:
    if (!e->qual && e->name == s->inf) {
      out->type = ELEM_FLOAT;
      out->f = INFINITY;
      return 1;
    }
    return const_fail(s, e, what);
  case AST_UNARY:
    if (!const_eval(s, e->lhs, what, out)) return 0;
    if (e->op == OP_NOT) {
      if (out->type != ELEM_BOOL) return const_fail(s, e, what);
      out->i = !out->i;
      return 1;
    }
    if (out->type == ELEM_BOOL) return const_fail(s, e, what);
    if (out->type == ELEM_FLOAT) out->f = -out->f;
    else if (out->i == INT64_MIN) return const_fail(s, e, what);
    else out->i = -out->i;
    return 1;
  case AST_BINARY: return const_binary(s, e, what, out);
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL: case AST_TENSOR_PARAM:
  case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT: case AST_LET:
  case AST_COND: case AST_ACCESS: case AST_DEFAULT: case AST_CALL: case AST_KWARG:
  case AST_REDUCE: case AST_PACK: case AST_CAST:
    break;
  }
  return const_fail(s, e, what);
}

int sema_const(Sema *s, AstNode *e, const char *attr, int is_default, SemConst *out) {
  ConstWhat w = {attr, is_default};
  return const_eval(s, e, &w, out);
}

int sema_attr_value(ElemType want, SemConst *v) {
  if (v->type == want) return 1;
  if (want != ELEM_FLOAT || v->type != ELEM_INT) return 0;
  v->f = (double)v->i;
  v->type = ELEM_FLOAT;
  return 1;
}

/* ---------------------------------------------------------------- modules */

/* Builds the module's tables (reporting duplicate declarations) and checks
 * its ops, signatures and bodies: nothing there depends on another module.
 * Once per module: the result stays in sem. */
static ModSema *declare(Sema *s, AstNode *mod) {
  if (mod->sem) return mod->sem;
  ModSema *ms = arena_alloc(s->a, sizeof *ms);
  ms->ast = mod;
  nmap_init(&ms->decls, s->a);
  nmap_init(&ms->imports, s->a);
  mod->sem = ms;
  s->ms = ms;
  for (int i = 0; i < mod->list.n; i++) {
    AstNode *d = mod->list.items[i];
    if (!d->name) continue;
    NameMap *m = d->kind == AST_IMPORT ? &ms->imports : &ms->decls;
    AstNode *prev = nmap_get(m, d->name);
    if (prev && d->kind != AST_IMPORT) {
      diag_error(s->d, d->loc, "'%s' is already defined", d->name);
      diag_note(s->d, prev->loc, "'%s' was first defined here", d->name);
    } else if (!prev) {
      nmap_put(m, d->name, d);
    }
  }
  for (int i = 0; i < mod->list.n && !diag_should_stop(s->d); i++) {
    AstNode *d = mod->list.items[i];
    if (d->kind == AST_OP && !d->broken) sema_op(s, d);
  }
  return ms;
}

static Module *module_of(Front *f, const AstNode *ast) {
  for (int i = 0; i < f->modules.n; i++) {
    Module *m = f->modules.items[i];
    if (m->ast == ast) return m;
  }
  return NULL;
}

/* Post-order over imports: every module after the modules it imports. */
static void collect(Sema *s, Module *m, PtrVec *order) {
  for (int i = 0; i < order->n; i++)
    if (order->items[i] == m) return;
  vec_push(s->a, order, m); /* placed now so that a cycle ends here */
  int at = order->n - 1;
  for (int i = 0; m->ast && i < m->ast->list.n; i++) {
    AstNode *d = m->ast->list.items[i];
    Module *im = d->kind == AST_IMPORT && d->module ? module_of(s->f, d->module) : NULL;
    if (im) collect(s, im, order);
  }
  /* move m after its imports */
  for (int i = at; i + 1 < order->n; i++) order->items[i] = order->items[i + 1];
  order->items[order->n - 1] = m;
}

/* The models; the ops of every module were checked by declare(). */
static void check_module(Sema *s, Module *m) {
  s->ms = m->ast->sem;
  for (int i = 0; i < m->ast->list.n && !diag_should_stop(s->d); i++) {
    AstNode *d = m->ast->list.items[i];
    if (d->kind == AST_MODEL) sema_model(s, d);
  }
}

static void sema_init(Sema *s, Front *f) {
  memset(s, 0, sizeof *s);
  s->f = f;
  s->d = &f->diag;
  s->a = &f->arena;
  dim_ctx_init(&s->dc, s->a);
  for (int e = 0; e < ELEM__COUNT; e++) s->scalar[e] = sema_type_new(s, (ElemType)e, 0, NULL);
  static const char *const bnames[] = {
#define X(id, str, n, k) str,
      XG_BUILTINS(X)
#undef X
  };
  static const char *const rnames[] = {
#define X(id, str) str,
      XG_REDUCTIONS(X)
#undef X
  };
  _Static_assert(sizeof bnames / sizeof *bnames == BI__COUNT, "builtin table");
  _Static_assert(sizeof rnames / sizeof *rnames == RD__COUNT, "reduction table");
  for (int i = 0; i < BI__COUNT; i++) s->builtin[i] = intern_cstr(&f->names, bnames[i]);
  for (int i = 0; i < RD__COUNT; i++) s->reduction[i] = intern_cstr(&f->names, rnames[i]);
  s->inf = intern_cstr(&f->names, "inf");
  nmap_init(&s->names, s->a);
  nmap_init(&s->symdims, s->a);
  nmap_init(&s->ranges, s->a);
}

int sema_check(Front *f, Module *root) {
  if (!root || !root->ast) return 0;
  Sema s;
  sema_init(&s, f);
  int before = f->diag.errors;
  /* After syntax or import errors only intact ops are checked: an op body
   * refers to nothing outside its signature, while a model would report
   * the calls and names that the earlier errors lost. */
  int ops_only = before > 0;
  PtrVec order = {0};
  collect(&s, root, &order);
  for (int i = 0; i < order.n && !diag_should_stop(s.d); i++) {
    Module *m = order.items[i];
    if (m->ast) declare(&s, m->ast);
  }
  for (int i = 0; i < order.n && !diag_should_stop(s.d); i++) {
    Module *m = order.items[i];
    if (m->checked || !m->ast || !m->ast->sem) continue;
    m->checked = 1;
    if (!ops_only) check_module(&s, m);
  }
  return f->diag.errors - before;
}
