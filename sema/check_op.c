/* sema/check_op.c -- checks op definitions: the signature (names, symbolic
 * dimensions, attributes and their defaults) and the body (definitions,
 * index binding and ranges, ranks, reads, element types, built-ins). */
#include "sema/sema_int.h"

#include <string.h>

/* What a name means inside one op.  ON_UNKNOWN: a name of the signature
 * that is bound by nothing, already reported; its later uses stay silent. */
typedef enum OpNameKind {
  ON_TENSOR, ON_RESULT, ON_ATTR, ON_SYM, ON_PACK, ON_LOCAL, ON_UNKNOWN
} OpNameKind;

static const char *const on_words[] = {"parameter", "result", "attribute", "dimension", "pack",
                                       "local", "unknown name"};
_Static_assert(sizeof on_words / sizeof *on_words == ON_UNKNOWN + 1, "on_words");

typedef struct OpName {
  OpNameKind kind;
  AstNode *node;       /* declaration, first use of a symbol, or a local's first name */
  const SemType *type; /* tensors; a local's once it is defined */
  ElemType attr;       /* ON_ATTR: ELEM_INT, ELEM_FLOAT or ELEM_BOOL */
  AstNode *def;        /* results and locals: the statement that defines it */
  int def_stmt;        /* its index in the body */
  int defined, reads;
} OpName;

/* The scalar type of an op-body expression; `lit`: a literal, which may
 * stand for another numeric type (an integer literal for a float). */
typedef struct STy {
  ElemType e;
  int lit;
} STy;

static const STy ty_none = {ELEM_NONE, 0};

static OpName *lookup(Sema *s, const char *name) { return nmap_get(&s->names, name); }

static IdxVar *find_idx(Sema *s, const char *name) {
  for (int i = s->nidx - 1; i >= 0; i--)
    if (s->idx[i].name == name) return &s->idx[i];
  return NULL;
}

static const char *range_str(Sema *s, SemDim r) {
  if (r.pack) return arena_printf(s->a, "%s...", r.pack);
  return r.dim ? dim_str(s->a, r.dim) : "?";
}

/* ----------------------------------------------------------------- hints */

#define KIND(k) (1u << (k))

/* Offers the op's names of the kinds in `kinds` (never the tensor being
 * defined) and, with `idx`, the scalar index variables in scope. */
static void offer_names(Sema *s, SemaNear *n, unsigned kinds, int idx) {
  const NameMap *m = &s->names;
  for (uint32_t i = 0; i < m->cap; i++) {
    if (m->gens[i] != m->gen) continue;
    const OpName *o = m->vals[i];
    if ((kinds & KIND(o->kind)) && o != s->target) sema_near_offer(n, m->keys[i], o);
  }
  for (int i = 0; idx && i < s->nidx; i++)
    if (!s->idx[i].pack) sema_near_offer(n, s->idx[i].name, NULL);
}

/* " (did you mean 'x'?)" for an unknown tensor, or "".  The tensor it
 * suggests counts as read (no "never read" after the typo). */
static const char *tensor_hint(Sema *s, const char *name) {
  SemaNear n;
  sema_near_init(&n, name);
  offer_names(s, &n, KIND(ON_TENSOR) | KIND(ON_RESULT) | KIND(ON_LOCAL), 0);
  if (n.tag) ((OpName *)n.tag)->reads++;
  return sema_near_hint(s, &n, NULL);
}

/* The same for an unknown scalar name: indices, attributes, dimensions and,
 * outside subscripts, inf. */
static const char *value_hint(Sema *s, const char *name) {
  SemaNear n;
  sema_near_init(&n, name);
  offer_names(s, &n, KIND(ON_ATTR) | KIND(ON_SYM), 1);
  if (!s->in_sub) sema_near_offer(&n, s->inf, NULL);
  return sema_near_hint(s, &n, NULL);
}

/* ----------------------------------------------------------------- scope */

static OpName *declare(Sema *s, OpNameKind k, AstNode *node, int report) {
  OpName *prev = lookup(s, node->name);
  if (prev) {
    if (report) {
      diag_error(s->d, node->loc, "'%s' is already defined", node->name);
      diag_note(s->d, prev->node->loc, "'%s' was first defined here", node->name);
    }
    return NULL;
  }
  OpName *n = sema_scratch(s, sizeof *n);
  n->kind = k;
  n->node = node;
  n->def_stmt = -1;
  nmap_put(&s->names, node->name, n);
  return n;
}

/* A bare name or a pack in a tensor parameter's type declares a symbol. */
static void declare_dim(Sema *s, AstNode *e, int report) {
  int pack = e->kind == AST_PACK;
  if (!pack && (e->kind != AST_NAME || e->qual)) return;
  OpName *o = lookup(s, e->name);
  if (!o) {
    declare(s, pack ? ON_PACK : ON_SYM, e, report);
  } else if (report && o->kind == (pack ? ON_SYM : ON_PACK)) {
    diag_error(s->d, e->loc, "'%s' is used both as a pack and as a dimension", e->name);
    diag_note(s->d, o->node->loc, "'%s' is first used here", e->name);
  } else if (report && pack && o->kind != ON_PACK) {
    diag_error(s->d, e->loc, "the pack '%s...' has the name of %s '%s'", e->name,
               on_words[o->kind], e->name);
  }
}

/* Enters the op's parameters, results and symbols into s->names. */
static void build_scope(Sema *s, AstNode *op, int report) {
  nmap_clear(&s->names);
  sema_scratch_reset(s);
  for (int i = 0; i < op->params.n; i++) {
    AstNode *p = op->params.items[i];
    OpName *o = declare(s, p->kind == AST_ATTR_PARAM ? ON_ATTR : ON_TENSOR, p, report);
    if (o) o->attr = p->elem;
  }
  for (int i = 0; i < op->results.n; i++) declare(s, ON_RESULT, op->results.items[i], report);
  for (int i = 0; i < op->params.n; i++) {
    AstNode *p = op->params.items[i];
    if (p->kind != AST_TENSOR_PARAM || !p->type) continue;
    for (int j = 0; j < p->type->list.n; j++) declare_dim(s, p->type->list.items[j], report);
  }
}

/* ------------------------------------------------------------ signature */

static const Dim *op_dim_name(Sema *s, AstNode *n) {
  if (n->qual) {
    diag_error(s->d, n->loc, "a dimension cannot be the qualified name '%s'", sema_qname(s, n));
    return NULL;
  }
  OpName *o = lookup(s, n->name);
  if (!o) {
    SemaNear near;
    sema_near_init(&near, n->name);
    offer_names(s, &near, KIND(ON_SYM) | KIND(ON_ATTR), 0);
    diag_error(s->d, n->loc, "dimension '%s' is not bound by the parameters: it must stand "
               "alone as a dimension of a tensor parameter%s", n->name,
               sema_near_hint(s, &near, NULL));
    declare(s, ON_UNKNOWN, n, 0); /* reported once */
    return NULL;
  }
  if (o->kind == ON_UNKNOWN) return NULL;
  n->decl = o->node;
  switch (o->kind) {
  case ON_SYM: return sema_sym(s, n->name);
  case ON_ATTR:
    if (o->attr == ELEM_INT) return sema_sym(s, n->name);
    diag_error(s->d, n->loc, "attribute '%s' is %s, but dimensions are integers", n->name,
               elem_type_name(o->attr));
    diag_note(s->d, o->node->loc, "'%s' is declared here", n->name);
    return NULL;
  case ON_PACK:
    diag_error(s->d, n->loc, "'%s' is a pack: it can only be a whole dimension, '%s...'",
               n->name, n->name);
    return NULL;
  case ON_TENSOR: case ON_RESULT: case ON_LOCAL: case ON_UNKNOWN:
    break;
  }
  diag_error(s->d, n->loc, "'%s' is a tensor, not a dimension", n->name);
  return NULL;
}

/* The type of a parameter or result: dims over the op's symbols. */
static const SemType *op_type(Sema *s, AstNode *owner, int is_result) {
  AstNode *ty = owner->type;
  if (owner->kind != AST_TENSOR_PARAM || !ty || ty->kind != AST_TYPE) {
    if (is_result) diag_error(s->d, owner->loc, "result '%s' must be a tensor", owner->name);
    return s->scalar[ELEM_NONE];
  }
  SemDim *d;
  SemType *t = (SemType *)sema_type_new(s, ty->elem, ty->list.n, &d);
  int packs = 0;
  for (int j = 0; j < ty->list.n; j++) {
    AstNode *e = ty->list.items[j];
    if (e->kind == AST_PACK) {
      OpName *o = lookup(s, e->name);
      if (++packs == 2) {
        diag_error(s->d, e->loc, "a type can have at most one pack");
        t->elem = ELEM_NONE; /* unusable: no errors about its reads */
      }
      else if (!o) diag_error(s->d, e->loc, "the pack '%s...' of result '%s' does not appear "
                              "in any parameter", e->name, owner->name);
      d[j].pack = e->name;
      continue;
    }
    d[j].dim = sema_dim(s, e, op_dim_name);
    const char *what = arena_printf(s->a, "%s '%s'", is_result ? "result" : "parameter",
                                    owner->name);
    if (!sema_dim_positive(s, e, d[j].dim, j, what)) d[j].dim = NULL;
  }
  return t;
}

static void attr_default(Sema *s, AstNode *p, SemConst *out) {
  out->type = ELEM_NONE;
  if (!p->lhs) return;
  SemConst v;
  if (!sema_const(s, p->lhs, p->name, 1, &v)) return;
  if (!sema_attr_value(p->elem, &v)) {
    diag_error(s->d, p->lhs->loc, "the default of attribute '%s' is %s, but the attribute is %s",
               p->name, elem_type_name(v.type), elem_type_name(p->elem));
    return;
  }
  *out = v;
}

/* The signature; the scope is built.  Attaches the types to the names. */
static SemSig *op_sig(Sema *s, AstNode *op) {
  int errors = s->d->errors;
  SemSig *g = arena_alloc(s->a, sizeof *g);
  g->op = op;
  size_t np = (size_t)op->params.n, nr = (size_t)op->results.n;
  AstNode **nodes = arena_alloc(s->a, sizeof *nodes * (2 * np + nr + 1));
  const SemType **types = arena_alloc(s->a, sizeof *types * (np + nr + 1));
  g->tensors = nodes;
  g->attrs = nodes + np;
  g->results = nodes + 2 * np;
  g->ttypes = types;
  g->rtypes = types + np;
  g->defaults = np ? arena_alloc(s->a, sizeof *g->defaults * np) : NULL;
  for (int i = 0; i < (int)np; i++) {
    AstNode *p = op->params.items[i];
    if (p->kind == AST_ATTR_PARAM) {
      attr_default(s, p, &g->defaults[g->nattrs]);
      g->attrs[g->nattrs++] = p;
    } else {
      const SemType *t = op_type(s, p, 0);
      OpName *o = lookup(s, p->name);
      if (o && o->node == p) o->type = t;
      p->sem = (void *)t;
      g->ttypes[g->ntensors] = t;
      g->tensors[g->ntensors++] = p;
    }
  }
  for (int i = 0; i < (int)nr; i++) {
    AstNode *r = op->results.items[i];
    g->rtypes[i] = op_type(s, r, 1);
    OpName *o = lookup(s, r->name);
    if (o && o->node == r) o->type = g->rtypes[i];
    r->sem = (void *)g->rtypes[i];
    g->results[g->nresults++] = r;
  }
  g->ok = s->d->errors == errors;
  return g;
}

/* ---------------------------------------------------------------- types */

static STy combine(STy a, STy b, int *ok) {
  *ok = 1;
  if (a.e == ELEM_NONE || b.e == ELEM_NONE) return ty_none;
  if (a.e == b.e) return (STy){a.e, a.lit && b.lit};
  if (a.e == ELEM_INT && a.lit && sema_is_numeric(b.e)) return b;
  if (b.e == ELEM_INT && b.lit && sema_is_numeric(a.e)) return a;
  if (a.e == ELEM_FLOAT && (b.e == ELEM_F32 || b.e == ELEM_F16)) return (STy){b.e, 0};
  if (b.e == ELEM_FLOAT && (a.e == ELEM_F32 || a.e == ELEM_F16)) return (STy){a.e, 0};
  if (a.e == ELEM_INT && (b.e == ELEM_I32 || b.e == ELEM_I8)) return (STy){b.e, 0};
  if (b.e == ELEM_INT && (a.e == ELEM_I32 || a.e == ELEM_I8)) return (STy){a.e, 0};
  *ok = 0;
  return ty_none;
}

/* "the <what> of '<name>' have different element types" */
static void mismatch(Sema *s, AstNode *e, const char *what, const char *name, STy a, STy b) {
  int hint = (a.e == ELEM_INT && sema_is_float(b.e)) || (b.e == ELEM_INT && sema_is_float(a.e));
  diag_error(s->d, e->loc, "the %s of '%s' have different element types: %s and %s%s", what,
             name, elem_type_name(a.e), elem_type_name(b.e),
             hint ? " (convert the integer with f32(...))" : "");
}

/* a and b agree; reports and gives ty_none when they do not. */
static STy agree(Sema *s, AstNode *at, const char *what, const char *name, STy a, STy b) {
  int ok;
  STy t = combine(a, b, &ok);
  if (!ok) mismatch(s, at, what, name, a, b);
  return t;
}

static ElemType concrete(ElemType e) {
  return e == ELEM_INT ? ELEM_I32 : e == ELEM_FLOAT ? ELEM_F32 : e;
}

/* ----------------------------------------------------------- expressions */

static STy check_expr(Sema *s, AstNode *e);

/* An index variable's range, once inferred, must agree with every other
 * place where it stands alone as a subscript. */
static void infer(Sema *s, IdxVar *v, SemDim td, const AstNode *acc) {
  if (!td.dim && !td.pack) { /* after an error */
    if (!v->known) v->known = 1;
    return;
  }
  if (!v->known) {
    v->known = 1;
    v->range = td;
    v->site = acc;
    return;
  }
  if (!v->range.dim && !v->range.pack) return;
  int same = td.pack ? v->range.pack && strcmp(td.pack, v->range.pack) == 0
                     : v->range.dim && dim_equal(td.dim, v->range.dim);
  if (same) return;
  if (!v->site) {
    /* declared range: an index pack broadcasts the read; a named index may
     * read a part (proving it in range is the graph IR's job) */
    if (!td.pack || !v->range.pack) return;
    for (int i = 0; i < s->bcast.n; i++) {
      SemBcast *b = s->bcast.items[i];
      if (b->from == td.pack && b->to == v->range.pack) return;
    }
    SemBcast *b = arena_alloc(s->a, sizeof *b);
    b->from = td.pack;
    b->to = v->range.pack;
    b->site = acc;
    vec_push(s->a, &s->bcast, b);
    return;
  }
  diag_error(s->d, acc->loc, "index '%s' ranges over %s in %s but over %s in %s", v->name,
             range_str(s, v->range), sema_expr_str(s, v->site), range_str(s, td),
             sema_expr_str(s, acc));
  diag_note(s->d, v->site->loc, "'%s' ranges over %s here", v->name, range_str(s, v->range));
}

/* The tensor a read names, or NULL after reporting why there is none. */
static const SemType *read_target(Sema *s, AstNode *nm) {
  if (nm->qual) {
    diag_error(s->d, nm->loc, "unknown tensor '%s'", sema_qname(s, nm));
    return NULL;
  }
  OpName *o = lookup(s, nm->name);
  if (!o) {
    if (find_idx(s, nm->name)) diag_error(s->d, nm->loc, "'%s' is an index, not a tensor", nm->name);
    else diag_error(s->d, nm->loc, "unknown tensor '%s'%s", nm->name, tensor_hint(s, nm->name));
    return NULL;
  }
  if (o->kind == ON_UNKNOWN) return NULL; /* reported in the signature */
  nm->decl = o->node;
  switch (o->kind) {
  case ON_TENSOR: o->reads++; return o->type;
  case ON_UNKNOWN: return NULL;
  case ON_ATTR: case ON_SYM: case ON_PACK:
    diag_error(s->d, nm->loc, "'%s' is %s %s, not a tensor", nm->name,
               o->kind == ON_ATTR ? "an" : "a", on_words[o->kind]);
    return NULL;
  case ON_RESULT: case ON_LOCAL:
    break;
  }
  if (o == s->target) {
    diag_error(s->d, nm->loc, "'%s' reads itself: a statement cannot read the tensor it defines",
               nm->name);
    return NULL;
  }
  o->reads++;
  if (!o->defined) {
    if (o->def && o->def_stmt > s->stmt) {
      diag_error(s->d, nm->loc, "'%s' is read before it is defined", nm->name);
      diag_note(s->d, o->def->loc, "'%s' is defined here", nm->name);
    } else if (!o->def) {
      diag_error(s->d, nm->loc, "result '%s' is read but never defined", nm->name);
    }
    return NULL;
  }
  return o->type;
}

static int pack_pos(const SemType *t) {
  for (int i = 0; i < t->rank; i++)
    if (t->dims[i].pack) return i;
  return -1;
}

static int sub_packs(const AstNode *acc, int *first) {
  int n = 0;
  *first = -1;
  for (int i = 0; i < acc->list.n; i++) {
    const AstNode *e = acc->list.items[i];
    if (e->kind == AST_PACK && n++ == 0) *first = i;
  }
  return n;
}

/* Do the subscripts of acc line up with the dims of t (packs included)? */
static int subs_match(Sema *s, AstNode *acc, const SemType *t, const char *name, int lhs) {
  int lp, np = sub_packs(acc, &lp), tp = pack_pos(t), n = acc->list.n;
  if (n == t->rank && np == (tp >= 0) && lp == tp) return 1;
  const char *ts = sem_type_str(s->a, t);
  if (tp < 0 && np == 0)
    diag_error(s->d, acc->loc, "'%s' has rank %d but %s %d subscript%s", name, t->rank,
               lhs ? "its left-hand side has" : "is read with", n, n == 1 ? "" : "s");
  else if (tp < 0)
    diag_error(s->d, acc->loc, "'%s' has no pack dimension (%s), so no index pack can "
               "subscript it", name, ts);
  else
    diag_error(s->d, acc->loc, "the subscripts of '%s' do not line up with its type %s: "
               "one index pack must stand where %s... is", name, ts, t->dims[tp].pack);
  OpName *o = lookup(s, name);
  if (o) diag_note(s->d, o->node->loc, "'%s' is declared here as %s", name, ts);
  return 0;
}

static int is_int(ElemType e) {
  return e == ELEM_INT || e == ELEM_I32 || e == ELEM_I8 || e == ELEM_NONE;
}

/* One scalar subscript; when it is a bare index variable, td (the read
 * dimension) is a candidate for its range (NULL: no candidate). */
static void read_sub(Sema *s, const AstNode *acc, AstNode *sub, const SemDim *td) {
  s->in_sub++;
  STy t = check_expr(s, sub);
  s->in_sub--;
  if (!is_int(t.e))
    diag_error(s->d, sub->loc, "a subscript must be an integer, but '%s' is %s",
               sema_expr_str(s, sub), elem_type_name(t.e));
  if (sub->kind != AST_NAME || sub->qual || !td) return;
  IdxVar *v = find_idx(s, sub->name);
  if (v && !v->pack) infer(s, v, *td, acc);
}

static void read_pack(Sema *s, const AstNode *acc, AstNode *sub, const SemDim *td) {
  IdxVar *v = find_idx(s, sub->name);
  if (!v) {
    diag_error(s->d, sub->loc, "index pack '%s...' is not bound: only a left-hand side can "
               "bind an index pack", sub->name);
    return;
  }
  sub->decl = v->node;
  sub->sem = (void *)s->scalar[ELEM_INT];
  if (!v->pack) {
    diag_error(s->d, sub->loc, "'%s' is an index variable, not a pack: write '%s'", sub->name,
               sub->name);
    return;
  }
  if (td) infer(s, v, *td, acc);
}

static const SemDim unknown_dim = {NULL, NULL};

/* x.flat[e]: one integer offset, which ranges over the element count. */
static void read_flat(Sema *s, AstNode *acc, const SemType *t) {
  if (acc->list.n != 1 || ((AstNode *)acc->list.items[0])->kind == AST_PACK) {
    diag_error(s->d, acc->loc, "'%s.flat[...]' takes exactly one offset", acc->lhs->name);
    for (int i = 0; i < acc->list.n; i++) {
      AstNode *e = acc->list.items[i];
      if (e->kind != AST_PACK) read_sub(s, acc, e, &unknown_dim);
    }
    return;
  }
  SemDim total = {dim_const(&s->dc, 1), NULL};
  for (int i = 0; i < t->rank && total.dim; i++) {
    if (t->dims[i].pack) { /* no element count: not a source of a range */
      read_sub(s, acc, acc->list.items[0], NULL);
      return;
    }
    s->dc.err = DIM_OK;
    total.dim = t->dims[i].dim ? dim_mul(&s->dc, total.dim, t->dims[i].dim) : NULL;
  }
  read_sub(s, acc, acc->list.items[0], &total);
}

static STy check_read(Sema *s, AstNode *acc) {
  AstNode *nm = acc->lhs;
  if (!nm || nm->kind != AST_NAME) return ty_none;
  const SemType *t = read_target(s, nm);
  acc->decl = nm->decl;
  ElemType elem = t ? t->elem : ELEM_NONE;
  if (elem == ELEM_NONE) t = NULL; /* its definition failed: no more errors about it */
  if (t && acc->flat) {
    read_flat(s, acc, t);
    return (STy){elem, 0};
  }
  int mismatch = t && !subs_match(s, acc, t, nm->name, 0);
  if (mismatch) t = NULL;
  for (int j = 0; j < acc->list.n; j++) {
    AstNode *sub = acc->list.items[j];
    const SemDim *td = t ? &t->dims[j] : &unknown_dim;
    IdxVar *v = sub->kind == AST_NAME && !sub->qual ? find_idx(s, sub->name) : NULL;
    if (mismatch && (v || sub->kind == AST_PACK)) { /* the rank error says enough */
      if (v) v->known = 1;
      continue;
    }
    if (sub->kind == AST_PACK) read_pack(s, acc, sub, td);
    else read_sub(s, acc, sub, td);
  }
  return (STy){elem, 0};
}

static STy check_name(Sema *s, AstNode *e) {
  if (e->qual) {
    diag_error(s->d, e->loc, "unknown name '%s'", sema_qname(s, e));
    return ty_none;
  }
  IdxVar *v = find_idx(s, e->name);
  if (v) {
    e->decl = v->node;
    if (!v->pack) return (STy){ELEM_INT, 0};
    diag_error(s->d, e->loc, "'%s' is an index pack: use it as '%s...' in a subscript", e->name,
               e->name);
    return ty_none;
  }
  OpName *o = lookup(s, e->name);
  if (o) {
    if (o->kind != ON_UNKNOWN) e->decl = o->node;
    switch (o->kind) {
    case ON_UNKNOWN: return ty_none; /* reported in the signature */
    case ON_ATTR: return (STy){o->attr, 0};
    case ON_SYM: return (STy){ELEM_INT, 0};
    case ON_PACK:
      diag_error(s->d, e->loc, "'%s' is a pack of dimensions, not a value", e->name);
      return ty_none;
    case ON_TENSOR: case ON_RESULT: case ON_LOCAL:
      diag_error(s->d, e->loc, "'%s' is a tensor: read it with subscripts, as in '%s[%s]'",
                 e->name, e->name, o->type && o->type->rank == 0 ? "" : "...");
      return ty_none;
    }
  }
  if (e->name == s->inf) return (STy){ELEM_FLOAT, 1};
  if (s->in_sub)
    diag_error(s->d, e->loc, "index '%s' is not bound: it is neither on the left-hand side nor "
               "reduced over%s", e->name, value_hint(s, e->name));
  else
    diag_error(s->d, e->loc, "unknown name '%s'%s", e->name, value_hint(s, e->name));
  return ty_none;
}

static STy need_number(Sema *s, AstNode *at, const char *op, AstNode *x, STy t) {
  if (t.e != ELEM_BOOL) return t;
  diag_error(s->d, at->loc, "'%s' needs numbers, but '%s' is bool", op, sema_expr_str(s, x));
  return ty_none;
}

/* "<what> of '<name>' must be bool" */
static STy need_bool(Sema *s, const char *what, const char *name, AstNode *x, STy t) {
  if (t.e == ELEM_BOOL || t.e == ELEM_NONE) return t;
  diag_error(s->d, x->loc, "%s of '%s' must be bool, but '%s' is %s", what, name,
             sema_expr_str(s, x), elem_type_name(t.e));
  return ty_none;
}

static STy check_binary(Sema *s, AstNode *e) {
  STy l = check_expr(s, e->lhs), r = check_expr(s, e->rhs);
  const char *op = ast_op_name(e->op);
  switch (e->op) {
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
  case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
    l = need_number(s, e, op, e->lhs, l);
    r = need_number(s, e, op, e->rhs, r);
    STy t = agree(s, e, "operands", op, l, r);
    if (e->op >= OP_LT) return (STy){ELEM_BOOL, 0};
    return t;
  }
  case OP_EQ: case OP_NE:
    agree(s, e, "operands", op, l, r);
    return (STy){ELEM_BOOL, 0};
  case OP_AND: case OP_OR: {
    need_bool(s, "an operand", op, e->lhs, l);
    need_bool(s, "an operand", op, e->rhs, r);
    return (STy){ELEM_BOOL, 0};
  }
  case OP__COUNT: case OP_NEG: case OP_NOT:
    break;
  }
  return ty_none;
}

static STy check_unary(Sema *s, AstNode *e) {
  STy t = check_expr(s, e->lhs);
  if (e->op == OP_NOT) {
    need_bool(s, "the operand", "!", e->lhs, t);
    return (STy){ELEM_BOOL, 0};
  }
  return need_number(s, e, "-", e->lhs, t);
}

static STy check_cond(Sema *s, AstNode *e) {
  STy c = check_expr(s, e->cond);
  need_bool(s, "the condition", "?:", e->cond, c);
  STy a = check_expr(s, e->lhs), b = check_expr(s, e->rhs);
  return agree(s, e, "branches", "?:", a, b);
}

static STy check_default(Sema *s, AstNode *e) {
  if (!e->lhs || e->lhs->kind != AST_ACCESS) {
    diag_error(s->d, e->loc, "'?\?' must follow a read 'x[...]'");
    return ty_none;
  }
  STy r = check_read(s, e->lhs), d = check_expr(s, e->rhs);
  int ok;
  STy t = combine(r, d, &ok);
  if (r.e != ELEM_NONE && d.e != ELEM_NONE && (!ok || t.e != r.e)) {
    diag_error(s->d, e->rhs->loc, "the default after '?\?' is %s, but '%s' is %s",
               elem_type_name(d.e), sema_expr_str(s, e->lhs), elem_type_name(r.e));
    return r;
  }
  return r;
}

static void check_args(Sema *s, AstNode *call) {
  for (int i = 0; i < call->list.n; i++) {
    AstNode *a = call->list.items[i];
    check_expr(s, a->kind == AST_KWARG ? a->rhs : a);
  }
}

static int find_builtin(Sema *s, const char *name) {
  for (int i = 0; i < BI__COUNT; i++)
    if (s->builtin[i] == name) return i;
  return -1;
}

static int find_reduction(Sema *s, const char *name) {
  for (int i = 0; i < RD__COUNT; i++)
    if (s->reduction[i] == name) return i;
  return -1;
}

/* " (did you mean 'exp'?)" for an unknown function, or "". */
static const char *builtin_hint(Sema *s, const AstNode *f) {
  if (f->qual) return "";
  SemaNear n;
  sema_near_init(&n, f->name);
  for (int i = 0; i < BI__COUNT; i++) sema_near_offer(&n, s->builtin[i], NULL);
  return sema_near_hint(s, &n, NULL);
}

static void unknown_function(Sema *s, AstNode *call) {
  AstNode *f = call->lhs;
  AstNode *d = f->qual ? NULL : nmap_get(&s->ms->decls, f->name);
  if (d && d->kind == AST_OP)
    diag_error(s->d, f->loc, "'%s' is an op: an op body can only call built-in functions",
               f->name);
  else if (!f->qual && find_reduction(s, f->name) >= 0)
    diag_error(s->d, f->loc, "'%s' is a reduction: write '%s(k) expr'", f->name, f->name);
  else
    diag_error(s->d, f->loc, "unknown function '%s'%s", sema_qname(s, f), builtin_hint(s, f));
  check_args(s, call);
}

/* Checks the arguments of a built-in; `a` gets their types. */
static int builtin_args(Sema *s, AstNode *call, int arity, STy *a) {
  const char *name = call->lhs->name;
  int n = 0;
  for (int i = 0; i < call->list.n; i++) {
    AstNode *x = call->list.items[i];
    if (x->kind == AST_KWARG) {
      diag_error(s->d, x->loc, "built-in function '%s' takes no keyword arguments", name);
      check_expr(s, x->rhs);
      return 0;
    }
    STy t = check_expr(s, x);
    if (n < arity) a[n] = t;
    n++;
  }
  if (n == arity) return 1;
  diag_error(s->d, call->loc, "'%s' takes %d argument%s, but %d %s given", name, arity,
             arity == 1 ? "" : "s", n, n == 1 ? "was" : "were");
  return 0;
}

static AstNode *arg(AstNode *call, int i) { return call->list.items[i]; }

static STy check_builtin(Sema *s, AstNode *call) {
  AstNode *f = call->lhs;
  int b = f->qual ? -1 : find_builtin(s, f->name);
  if (b < 0) {
    unknown_function(s, call);
    return ty_none;
  }
  static const struct { int arity; BuiltinKind kind; } info[] = {
#define X(id, str, n, k) {n, k},
      XG_BUILTINS(X)
#undef X
  };
  STy a[3] = {ty_none, ty_none, ty_none};
  if (!builtin_args(s, call, info[b].arity, a)) return ty_none;
  switch (info[b].kind) {
  case BF_SELECT:
    need_bool(s, "the condition", "select", arg(call, 0), a[0]);
    return agree(s, call, "arguments", f->name, a[1], a[2]);
  case BF_NUM:
    for (int i = 0; i < 2; i++) a[i] = need_number(s, call, f->name, arg(call, i), a[i]);
    return agree(s, call, "arguments", f->name, a[0], a[1]);
  case BF_FLOAT:
    break;
  }
  STy t = a[0];
  for (int i = 1; i < info[b].arity; i++) t = agree(s, call, "arguments", f->name, t, a[i]);
  for (int i = 0; i < info[b].arity && t.e != ELEM_NONE; i++) {
    if (sema_is_float(a[i].e) || a[i].e == ELEM_NONE || (a[i].e == ELEM_INT && a[i].lit)) continue;
    diag_error(s->d, arg(call, i)->loc, "'%s' needs a float argument, but '%s' is %s%s",
               f->name, sema_expr_str(s, arg(call, i)), elem_type_name(a[i].e),
               a[i].e == ELEM_BOOL ? "" : " (convert with f32(...))");
    return ty_none;
  }
  return t.e == ELEM_INT ? (STy){ELEM_FLOAT, t.lit} : t;
}

/* ------------------------------------------------------------ reductions */

/* Binds an index variable (of a left-hand side or a reduction); NULL after
 * reporting a clash with another index or with a name of the op. */
static IdxVar *push_index(Sema *s, AstNode *node, int pack) {
  IdxVar *prev = find_idx(s, node->name);
  if (prev) {
    diag_error(s->d, node->loc, "index '%s' is already bound", node->name);
    diag_note(s->d, prev->node->loc, "'%s' is bound here", node->name);
    return NULL;
  }
  OpName *o = lookup(s, node->name);
  if (o && o->kind != ON_UNKNOWN) {
    diag_error(s->d, node->loc, "index '%s' has the name of %s '%s'", node->name,
               on_words[o->kind], node->name);
    diag_note(s->d, o->node->loc, "'%s' is declared here", node->name);
    return NULL;
  }
  if (s->nidx == s->capidx) {
    int cap = s->capidx ? s->capidx * 2 : 16;
    IdxVar *v = arena_alloc(s->a, sizeof *v * (size_t)cap);
    if (s->nidx) memcpy(v, s->idx, sizeof *v * (size_t)s->nidx);
    s->idx = v;
    s->capidx = cap;
  }
  IdxVar *v = &s->idx[s->nidx++];
  memset(v, 0, sizeof *v);
  v->name = node->name;
  v->node = node;
  v->pack = pack;
  return v;
}

/* Records an index's range on its binder (see sema.h).  Ranges are mostly
 * shared symbol Dims or pack names, so their types are shared too. */
static void annotate_index(Sema *s, const IdxVar *v) {
  const Dim *d0 = v->range.dim;
  const char *key = v->range.pack ? v->range.pack
                  : d0 && dim_as_sym(d0) ? (const char *)d0 : NULL; /* shared Dims only */
  const SemType *t = key ? nmap_get(&s->ranges, key) : NULL;
  if (!t) {
    SemDim *d;
    t = sema_type_new(s, ELEM_INT, 1, &d);
    *d = v->range;
    if (key) nmap_put(&s->ranges, key, (void *)t);
  }
  v->node->sem = (void *)t;
}

static const Dim *range_dim_name(Sema *s, AstNode *n) {
  if (!n->qual && find_idx(s, n->name)) {
    diag_error(s->d, n->loc, "the range of a reduction is a dimension: the index '%s' cannot "
               "appear in it", n->name);
    return NULL;
  }
  return op_dim_name(s, n);
}

static void reduce_index(Sema *s, AstNode *x) {
  AstNode *nm = x, *ext = NULL;
  if (x->kind == AST_BINARY && x->op == OP_LT) {
    nm = x->lhs;
    ext = x->rhs;
  }
  if (nm->kind != AST_NAME || nm->qual) {
    diag_error(s->d, x->loc, "a reduction lists index variables ('k' or 'k < EXTENT'), not '%s'",
               sema_expr_str(s, x));
    return;
  }
  const Dim *d = ext ? sema_dim(s, ext, range_dim_name) : NULL;
  int64_t v0;
  if (d && dim_is_const(d, &v0) && v0 <= 0) {
    if (ext->kind == AST_INT || (ext->kind == AST_UNARY && ext->lhs->kind == AST_INT))
      diag_error(s->d, ext->loc, "the range of index '%s' must be positive, but it is %lld",
                 nm->name, (long long)v0);
    else
      diag_error(s->d, ext->loc, "the range of index '%s' must be positive, but %s is %lld",
                 nm->name, sema_expr_str(s, ext), (long long)v0);
    d = NULL;
  }
  IdxVar *v = push_index(s, nm, 0);
  if (v && ext) {
    v->known = 1;
    v->range.dim = d;
  }
}

/* "sum(c, u < EXTENT, v) ...": reduction e as written, with a placeholder
 * range for its index `node` (EXTENT names no dimension of any op). */
static const char *explicit_range(Sema *s, const AstNode *e, const AstNode *node) {
  const char *out = arena_printf(s->a, "%s(", e->lhs ? sema_qname(s, e->lhs) : "sum");
  for (int i = 0; i < e->list.n; i++) {
    const AstNode *x = e->list.items[i];
    const char *item = x == node ? arena_printf(s->a, "%s < EXTENT", node->name)
                                 : sema_expr_str(s, x);
    out = arena_printf(s->a, "%s%s%s", out, i ? ", " : "", item);
  }
  return arena_printf(s->a, "%s) ...", out);
}

static STy check_reduce(Sema *s, AstNode *e) {
  AstNode *f = e->lhs;
  int r = f && !f->qual ? find_reduction(s, f->name) : -1;
  const char *name = f ? sema_qname(s, f) : "?";
  if (r < 0)
    diag_error(s->d, f ? f->loc : e->loc, "unknown reduction '%s': the reductions are sum, "
               "prod, mean, max and min", name);
  if (e->list.n == 0)
    diag_error(s->d, e->loc, "'%s' needs at least one index variable, as in '%s(k) expr'", name,
               name);
  int base = s->nidx;
  for (int i = 0; i < e->list.n; i++) reduce_index(s, e->list.items[i]);
  STy t = e->rhs ? check_expr(s, e->rhs) : ty_none;
  for (int i = base; i < s->nidx; i++) {
    IdxVar *v = &s->idx[i];
    if (!v->known)
      diag_error(s->d, v->node->loc, "the range of index '%s' cannot be found: it never stands "
                 "alone as a subscript; give its range explicitly: %s", v->name,
                 explicit_range(s, e, v->node));
    annotate_index(s, v);
  }
  s->nidx = base;
  if (r < 0 || t.e == ELEM_NONE) return ty_none;
  if (t.e == ELEM_BOOL) {
    diag_error(s->d, e->loc, "'%s' needs numbers, but its body is bool", name);
    return ty_none;
  }
  if (r == RD_MEAN && !sema_is_float(t.e) && !(t.e == ELEM_INT && t.lit)) {
    diag_error(s->d, e->loc, "'mean' needs a float body, but it is %s (convert with f32(...))",
               elem_type_name(t.e));
    return ty_none;
  }
  if (r == RD_MEAN && t.e == ELEM_INT) return (STy){ELEM_FLOAT, 0};
  return (STy){t.e, 0};
}

/* ---------------------------------------------------------- expressions */

static STy check_expr_kind(Sema *s, AstNode *e) {
  switch (e->kind) {
  case AST_INT: return (STy){ELEM_INT, 1};
  case AST_FLOAT: return (STy){ELEM_FLOAT, 1};
  case AST_BOOL: return (STy){ELEM_BOOL, 1};
  case AST_NAME: return check_name(s, e);
  case AST_UNARY: return check_unary(s, e);
  case AST_BINARY: return check_binary(s, e);
  case AST_COND: return check_cond(s, e);
  case AST_ACCESS: return check_read(s, e);
  case AST_DEFAULT: return check_default(s, e);
  case AST_CALL: return e->lhs ? check_builtin(s, e) : ty_none;
  case AST_REDUCE: return check_reduce(s, e);
  case AST_CAST:
    if (e->lhs) check_expr(s, e->lhs);
    return (STy){e->elem, 0};
  case AST_PACK:
    diag_error(s->d, e->loc, "'%s...' can only be a whole subscript", e->name);
    return ty_none;
  case AST_KWARG:
    diag_error(s->d, e->loc, "a keyword argument can only be passed to an op in a model");
    return ty_none;
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL: case AST_TENSOR_PARAM:
  case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT: case AST_LET:
    break;
  }
  diag_error(s->d, e->loc, "unexpected %s in an expression", ast_kind_name(e->kind));
  return ty_none;
}

static STy check_expr(Sema *s, AstNode *e) {
  if (!e) return ty_none;
  STy t = check_expr_kind(s, e);
  e->sem = (void *)s->scalar[t.e];
  return t;
}

/* ------------------------------------------------------------ statements */

/* Binds the indices of the left-hand side; for a result, with its ranges. */
static void bind_lhs(Sema *s, AstNode *acc, OpName *target) {
  const SemType *rt = target && target->kind == ON_RESULT ? target->type : NULL;
  int lp, shaped = rt && rt->elem != ELEM_NONE && subs_match(s, acc, rt, acc->lhs->name, 1);
  if (!rt && sub_packs(acc, &lp) > 1)
    diag_error(s->d, acc->loc, "a left-hand side can have at most one index pack");
  for (int j = 0; j < acc->list.n; j++) {
    AstNode *sub = acc->list.items[j];
    if ((sub->kind != AST_NAME && sub->kind != AST_PACK) || sub->qual) {
      diag_error(s->d, sub->loc, "a left-hand side lists index variables, and '%s' is not one",
                 sema_expr_str(s, sub));
      continue;
    }
    IdxVar *v = push_index(s, sub, sub->kind == AST_PACK);
    if (!v) continue;
    v->known = rt || !target; /* a local's ranges come from its reads */
    if (shaped) v->range = rt->dims[j];
  }
}

static IdxVar *binder(Sema *s, int base, const AstNode *node) {
  for (int i = base; i < s->nidx; i++)
    if (s->idx[i].node == node) return &s->idx[i];
  return NULL;
}

/* A local's type: the element type of its value and its indices' ranges;
 * with an unknown range it is unknown as a whole (ELEM_NONE), so that its
 * reads report nothing more. */
static const SemType *local_type(Sema *s, AstNode *acc, STy t, int base) {
  SemDim *d;
  SemType *lt = (SemType *)sema_type_new(s, concrete(t.e), acc->list.n, &d);
  for (int j = 0; j < acc->list.n; j++) {
    IdxVar *v = binder(s, base, acc->list.items[j]);
    if (!v) {
      lt->elem = ELEM_NONE;
      continue;
    }
    if (!v->known)
      diag_error(s->d, v->node->loc, "the range of index '%s' cannot be found: it never stands "
                 "alone as a subscript of a read", v->name);
    if (!v->range.dim && !v->range.pack) lt->elem = ELEM_NONE;
    d[j] = v->range;
  }
  return lt;
}

static void finish_lhs(Sema *s, AstNode *st, OpName *target, STy t, int base) {
  AstNode *acc = st->lhs;
  for (int i = base; i < s->nidx; i++) annotate_index(s, &s->idx[i]);
  if (!target) return;
  if (target->kind == ON_RESULT) {
    ElemType re = target->type->elem;
    int ok;
    STy c = combine(t, (STy){re, 0}, &ok);
    if (t.e != ELEM_NONE && re != ELEM_NONE && (!ok || c.e != re))
      diag_error(s->d, st->rhs->loc, "result '%s' is %s, but the right-hand side is %s",
                 target->node->name, elem_type_name(re), elem_type_name(t.e));
  } else {
    target->type = local_type(s, acc, t, base);
  }
  target->defined = 1;
  st->sem = acc->sem = (void *)target->type;
}

/* The tensor that statement `st` defines, or NULL after reporting why it
 * cannot define one. */
static OpName *def_target(Sema *s, AstNode *st, AstNode *acc) {
  AstNode *nm = acc->lhs;
  OpName *o = nm->qual ? NULL : lookup(s, nm->name);
  if (!o) {
    diag_error(s->d, nm->loc, "the left-hand side must be a plain name, not '%s'",
               sema_qname(s, nm));
    return NULL;
  }
  if (o->kind == ON_UNKNOWN) return NULL; /* reported in the signature */
  nm->decl = acc->decl = o->node;
  if (acc->flat) {
    diag_error(s->d, acc->loc, "a left-hand side cannot use '.flat'");
    return NULL;
  }
  if (o->kind != ON_RESULT && o->kind != ON_LOCAL) {
    diag_error(s->d, nm->loc, "cannot assign to %s '%s'", on_words[o->kind], nm->name);
    diag_note(s->d, o->node->loc, "'%s' is declared here", nm->name);
    return NULL;
  }
  if (o->def != st) {
    diag_error(s->d, nm->loc, "'%s' is already defined", nm->name);
    if (o->def) diag_note(s->d, o->def->loc, "'%s' is first defined here", nm->name);
    return NULL;
  }
  return o;
}

static void check_def(Sema *s, AstNode *st) {
  AstNode *acc = st->lhs;
  if (st->kind != AST_DEF || !acc || acc->kind != AST_ACCESS || !acc->lhs ||
      acc->lhs->kind != AST_NAME) {
    diag_error(s->d, st->loc, "an op body holds definitions 't[i, ...] = expr;'");
    return;
  }
  OpName *target = def_target(s, st, acc);
  int base = s->nidx;
  bind_lhs(s, acc, target);
  s->target = target;
  STy t = check_expr(s, st->rhs);
  s->target = NULL;
  finish_lhs(s, st, target, t, base);
  s->nidx = base;
}

/* Enters every name the body defines, so that a read before the
 * definition can say where the definition is. */
static int prescan(Sema *s, AstNode *op, OpName **locals) {
  int n = 0;
  for (int i = 0; i < op->list.n; i++) {
    AstNode *st = op->list.items[i], *acc = st->lhs;
    if (st->kind != AST_DEF || !acc || acc->kind != AST_ACCESS || !acc->lhs ||
        acc->lhs->kind != AST_NAME || acc->lhs->qual)
      continue;
    OpName *o = lookup(s, acc->lhs->name);
    if (!o) {
      o = declare(s, ON_LOCAL, acc->lhs, 0);
      locals[n++] = o;
    }
    if ((o->kind == ON_LOCAL || o->kind == ON_RESULT) && !o->def) {
      o->def = st;
      o->def_stmt = i;
    }
  }
  return n;
}

static void op_body(Sema *s, AstNode *op, SemSig *g) {
  OpName **locals = sema_scratch(s, sizeof *locals * (size_t)(op->list.n + 1));
  int nlocals = prescan(s, op, locals);
  s->nidx = 0;
  s->bcast = (PtrVec){0};
  for (int i = 0; i < op->list.n && !diag_should_stop(s->d); i++) {
    s->stmt = i;
    check_def(s, op->list.items[i]);
  }
  for (int i = 0; i < g->nresults; i++) {
    OpName *o = lookup(s, g->results[i]->name);
    if (o && o->node == g->results[i] && !o->def)
      diag_error(s->d, o->node->loc, "result '%s' of op '%s' is never defined", o->node->name,
                 op->name);
  }
  for (int i = 0; i < nlocals; i++) {
    OpName *o = locals[i];
    if (o->defined && !o->reads)
      diag_warning(s->d, o->node->loc, "local '%s' is never read", o->node->name);
  }
  g->nbcast = s->bcast.n;
  if (g->nbcast) g->bcast = arena_alloc(s->a, sizeof *g->bcast * (size_t)s->bcast.n);
  for (int i = 0; i < s->bcast.n; i++) g->bcast[i] = *(SemBcast *)s->bcast.items[i];
}

SemSig *sema_op(Sema *s, AstNode *op) {
  build_scope(s, op, 1);
  SemSig *g = op_sig(s, op);
  op->sem = g;
  op_body(s, op, g);
  return g;
}
