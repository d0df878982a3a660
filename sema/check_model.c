/* sema/check_model.c -- checks models: inputs, outputs, weights and values
 * defined once and used, op calls (resolution, arguments, attributes, shape
 * binding and result shapes) and broadcasting tensor arithmetic. */
#include "sema/sema_int.h"

#include <string.h>

typedef enum MNameKind { MN_INPUT, MN_OUTPUT, MN_WEIGHT, MN_LOCAL } MNameKind;

static const char *const mn_words[] = {"input", "output", "param", "value"};

typedef struct MName {
  MNameKind kind;
  AstNode *node; /* declaration; a local's first name */
  AstNode *def;  /* an output: the name that first assigned it */
  const SemType *type;
  int defined, uses;
} MName;

/* A model expression's value: a tensor, a scalar literal, or unknown after
 * an error (t NULL, lit 0). */
typedef struct MVal {
  const SemType *t;
  int lit;
  ElemType lit_elem; /* ELEM_INT or ELEM_FLOAT */
} MVal;

static const MVal mv_none = {NULL, 0, ELEM_NONE};

static MName *lookup(Sema *s, const char *name) { return nmap_get(&s->names, name); }

static MName *declare(Sema *s, MNameKind k, AstNode *node) {
  MName *prev = lookup(s, node->name);
  if (prev) {
    diag_error(s->d, node->loc, "'%s' is already defined", node->name);
    diag_note(s->d, prev->node->loc, "'%s' was first defined here", node->name);
    return NULL;
  }
  MName *m = sema_scratch(s, sizeof *m);
  m->kind = k;
  m->node = node;
  nmap_put(&s->names, node->name, m);
  return m;
}

/* ----------------------------------------------------------------- types */

static const Dim *model_dim_name(Sema *s, AstNode *n) {
  if (n->qual) {
    diag_error(s->d, n->loc, "a dimension cannot be the qualified name '%s'", sema_qname(s, n));
    return NULL;
  }
  return sema_sym(s, n->name);
}

/* A type in a model: literal or symbolic dims (B), no packs, no constant
 * dim <= 0.  `owner` names what has the type ("input 'x'"). */
static const SemType *model_type(Sema *s, AstNode *ty, MNameKind k, const char *name) {
  if (!ty || ty->kind != AST_TYPE) return NULL;
  const char *owner = arena_printf(s->a, "%s '%s'", mn_words[k], name);
  SemDim *d;
  const SemType *t = sema_type_new(s, ty->elem, ty->list.n, &d);
  for (int j = 0; j < ty->list.n; j++) {
    AstNode *e = ty->list.items[j];
    if (e->kind == AST_PACK) {
      diag_error(s->d, e->loc, "a model's types have no packs: '%s...' belongs in an op",
                 e->name);
      return NULL;
    }
    d[j].dim = sema_dim(s, e, model_dim_name);
    if (!d[j].dim || !sema_dim_positive(s, e, d[j].dim, j, owner)) return NULL;
  }
  return t;
}

static const char *tstr(Sema *s, const SemType *t) { return sem_type_str(s->a, t); }

/* NumPy broadcasting of two shapes; NULL after reporting. */
static const SemType *broadcast(Sema *s, AstNode *at, const SemType *a, const SemType *b) {
  int n = a->rank > b->rank ? a->rank : b->rank;
  SemDim *d;
  const SemType *t = sema_type_new(s, a->elem, n, &d);
  for (int i = 1; i <= n; i++) {
    const Dim *x = i <= a->rank ? a->dims[a->rank - i].dim : NULL;
    const Dim *y = i <= b->rank ? b->dims[b->rank - i].dim : NULL;
    int64_t v;
    const Dim *r = !x ? y : !y ? x : dim_equal(x, y) ? x
                 : dim_is_const(x, &v) && v == 1 ? y : dim_is_const(y, &v) && v == 1 ? x : NULL;
    if (!r) {
      diag_error(s->d, at->loc, "the shapes %s and %s of '%s' do not broadcast: %s and %s "
                 "differ and neither is 1", tstr(s, a), tstr(s, b), ast_op_name(at->op),
                 dim_str(s->a, x), dim_str(s->a, y));
      return NULL;
    }
    d[n - i].dim = r;
  }
  return t;
}

/* ----------------------------------------------------------- expressions */

static MVal check_expr(Sema *s, AstNode *e);

static MVal tensor(const SemType *t) { return (MVal){t, 0, ELEM_NONE}; }

/* tensor (op) literal: the literal takes the tensor's element type. */
static MVal with_literal(Sema *s, AstNode *e, MVal t, MVal lit) {
  ElemType el = t.t->elem;
  if (el == ELEM_BOOL || (lit.lit_elem == ELEM_FLOAT && !sema_is_float(el))) {
    diag_error(s->d, e->loc, "the operands of '%s' have different element types: %s and %s",
               ast_op_name(e->op), elem_type_name(el), elem_type_name(lit.lit_elem));
    return mv_none;
  }
  return t;
}

static MVal check_arith(Sema *s, AstNode *e) {
  MVal l = check_expr(s, e->lhs), r = check_expr(s, e->rhs);
  if (e->op != OP_ADD && e->op != OP_SUB && e->op != OP_MUL && e->op != OP_DIV) {
    diag_error(s->d, e->loc, "'%s' cannot combine tensors in a model (only + - * / can): "
               "write an op for it", ast_op_name(e->op));
    return mv_none;
  }
  if (l.lit && r.lit)
    return (MVal){NULL, 1, l.lit_elem == ELEM_FLOAT ? ELEM_FLOAT : r.lit_elem};
  if ((!l.t && !l.lit) || (!r.t && !r.lit)) return mv_none;
  if (l.lit) return with_literal(s, e, r, l);
  if (r.lit) return with_literal(s, e, l, r);
  if (l.t->elem != r.t->elem) {
    diag_error(s->d, e->loc, "the operands of '%s' have different element types: %s and %s",
               ast_op_name(e->op), elem_type_name(l.t->elem), elem_type_name(r.t->elem));
    return mv_none;
  }
  if (l.t->elem == ELEM_BOOL) {
    diag_error(s->d, e->loc, "'%s' needs numbers, but the operands are bool tensors",
               ast_op_name(e->op));
    return mv_none;
  }
  const SemType *t = broadcast(s, e, l.t, r.t);
  return t ? tensor(t) : mv_none;
}

static MVal check_neg(Sema *s, AstNode *e) {
  MVal v = check_expr(s, e->lhs);
  if (e->op != OP_NEG) {
    diag_error(s->d, e->loc, "'%s' cannot apply to a tensor in a model: write an op for it",
               ast_op_name(e->op));
    return mv_none;
  }
  if (v.t && v.t->elem == ELEM_BOOL) {
    diag_error(s->d, e->loc, "'-' needs numbers, but '%s' is a bool tensor",
               sema_expr_str(s, e->lhs));
    return mv_none;
  }
  return v;
}

/* " (did you mean 'x'?)" among the names defined so far, or "".  The name
 * it suggests counts as used (no "never used" after the typo). */
static const char *name_hint(Sema *s, const AstNode *e) {
  if (e->qual) return "";
  SemaNear n;
  sema_near_init(&n, e->name);
  const NameMap *m = &s->names;
  for (uint32_t i = 0; i < m->cap; i++) {
    MName *mn = m->gens[i] == m->gen ? m->vals[i] : NULL;
    if (mn && mn->defined) sema_near_offer(&n, m->keys[i], mn);
  }
  if (n.tag) ((MName *)n.tag)->uses++;
  return sema_near_hint(s, &n, NULL);
}

static MVal check_name(Sema *s, AstNode *e) {
  MName *m = e->qual ? NULL : lookup(s, e->name);
  if (!m) {
    diag_error(s->d, e->loc, "unknown name '%s'%s", sema_qname(s, e), name_hint(s, e));
    return mv_none;
  }
  e->decl = m->node;
  m->uses++;
  if (!m->defined) {
    if (m->kind == MN_OUTPUT) {
      diag_error(s->d, e->loc, "output '%s' is used before it is assigned", e->name);
    } else {
      diag_error(s->d, e->loc, "'%s' is used before it is defined", e->name);
      diag_note(s->d, m->node->loc, "'%s' is defined here", e->name);
    }
    return mv_none;
  }
  return tensor(m->type);
}

static const char *not_in_model(AstKind k) {
  switch (k) {
  case AST_ACCESS: case AST_DEFAULT: return "subscripts belong in op bodies: a model combines whole tensors";
  case AST_COND: return "'?:' belongs in op bodies: a model combines whole tensors";
  case AST_CAST: return "element-type conversions belong in op bodies: write an op for it";
  case AST_BOOL: return "'true' and 'false' are not tensors";
  case AST_PACK: return "packs belong in op signatures and bodies";
  case AST_KWARG: return "a keyword argument can only be passed to an op";
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL: case AST_TENSOR_PARAM:
  case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT: case AST_LET:
  case AST_NAME: case AST_INT: case AST_FLOAT: case AST_UNARY: case AST_BINARY: case AST_CALL:
  case AST_REDUCE:
    break;
  }
  return "this is not a model expression";
}

/* ---------------------------------------------------------------- calls */

/* A call being checked: the callee, its signature and the bindings. */
typedef struct Call {
  AstNode *call;
  const char *name; /* "nn.matmul" */
  SemSig *g;
  const SemType **args; /* per tensor parameter; NULL: unknown */
  SemConst *attrs;      /* per attribute */
  AstNode **attr_site;  /* the kwarg that gave it, or NULL */
  DimBind *binds;
  const AstNode **bind_site; /* the argument a symbol was bound from; NULL: an attribute */
  int nbinds;
  struct PackBind { const char *name; const SemDim *dims; int n; int arg; } *packs;
  int npacks;
} Call;

/* The module an AST_IMPORT names, once declared; else NULL. */
static const ModSema *import_sema(const AstNode *imp) {
  return imp->kind == AST_IMPORT && imp->name && imp->module ? imp->module->sem : NULL;
}

static int has_op(const ModSema *ms, const char *name) {
  const AstNode *d = ms ? nmap_get(&ms->decls, name) : NULL;
  return d && d->kind == AST_OP;
}

/* The first module imported by the current one (in source order) that has
 * an op `name` (for a hint), or NULL. */
static const char *imported_op(Sema *s, const char *name) {
  const PtrVec *decls = &s->ms->ast->list;
  for (int i = 0; i < decls->n; i++) {
    const AstNode *imp = decls->items[i];
    if (has_op(import_sema(imp), name)) return imp->name;
  }
  return NULL;
}

/* Offers the ops of module ms, tagged with `qual` (the import's name). */
static void offer_ops(SemaNear *n, const ModSema *ms, const char *qual) {
  const PtrVec *decls = &ms->ast->list;
  for (int i = 0; i < decls->n; i++) {
    const AstNode *d = decls->items[i];
    if (d->kind == AST_OP && d->name) sema_near_offer(n, d->name, qual);
  }
}

/* Reports a call of an op that does not exist, with the closest op of the
 * module (nn.rleu: nn.relu) or, unqualified, of this module and its
 * imports. */
static void unknown_op(Sema *s, const AstNode *f, const ModSema *ms) {
  SemaNear n;
  sema_near_init(&n, f->name);
  if (f->qual) {
    offer_ops(&n, ms, NULL);
    diag_error(s->d, f->loc, "module '%s' has no op '%s'%s", f->qual, f->name,
               sema_near_hint(s, &n, f->qual));
    return;
  }
  const char *home = imported_op(s, f->name);
  if (home) {
    diag_error(s->d, f->loc, "unknown op '%s' (did you mean '%s.%s'?)", f->name, home, f->name);
    return;
  }
  offer_ops(&n, ms, NULL);
  const PtrVec *decls = &ms->ast->list;
  for (int i = 0; i < decls->n; i++) {
    const AstNode *imp = decls->items[i];
    const ModSema *ims = import_sema(imp);
    if (ims) offer_ops(&n, ims, imp->name);
  }
  diag_error(s->d, f->loc, "unknown op '%s'%s", f->name, sema_near_hint(s, &n, n.tag));
}

/* A reduction in a model: names an op that computes it when this module or
 * an import has one called reduce_<name> (nn.reduce_sum for sum). */
static void reduction_in_model(Sema *s, const AstNode *e) {
  const AstNode *f = e->lhs;
  const char *want = f && !f->qual && f->name
                   ? intern_cstr(&s->f->names, arena_printf(s->a, "reduce_%s", f->name)) : NULL;
  const char *home = want ? imported_op(s, want) : NULL;
  if (want && has_op(s->ms, want))
    diag_error(s->d, e->loc, "reductions are written inside an op: call one such as %s, or "
               "write your own", want);
  else if (home)
    diag_error(s->d, e->loc, "reductions are written inside an op: call one such as %s.%s, or "
               "write your own", home, want);
  else
    diag_error(s->d, e->loc, "reductions are written inside an op: write an op that computes "
               "it");
}

/* The op a call names, or NULL after reporting. */
static AstNode *resolve(Sema *s, AstNode *f) {
  ModSema *ms = s->ms;
  if (f->qual) {
    AstNode *imp = nmap_get(&s->ms->imports, f->qual);
    if (!imp) {
      diag_error(s->d, f->loc, "unknown module '%s' (is 'import %s;' missing?)", f->qual, f->qual);
      return NULL;
    }
    if (!imp->module || !imp->module->sem) return NULL; /* reported by the loader */
    ms = imp->module->sem;
  }
  AstNode *d = nmap_get(&ms->decls, f->name);
  if (!d) {
    unknown_op(s, f, ms);
    return NULL;
  }
  if (d->kind != AST_OP) {
    diag_error(s->d, f->loc, "'%s' is a model: only ops can be called", sema_qname(s, f));
    diag_note(s->d, d->loc, "'%s' is defined here", f->name);
    return NULL;
  }
  f->decl = d;
  return d;
}

static int attr_index(const SemSig *g, const char *name) {
  for (int i = 0; i < g->nattrs; i++)
    if (g->attrs[i]->name == name) return i;
  return -1;
}

static int tensor_index(const SemSig *g, const char *name) {
  for (int i = 0; i < g->ntensors; i++)
    if (g->tensors[i]->name == name) return i;
  return -1;
}

/* " (did you mean 'stride'?)" among the attributes of g, or "". */
static const char *attr_hint(Sema *s, const SemSig *g, const char *name) {
  SemaNear n;
  sema_near_init(&n, name);
  for (int i = 0; i < g->nattrs; i++) sema_near_offer(&n, g->attrs[i]->name, NULL);
  return sema_near_hint(s, &n, NULL);
}

/* One keyword argument: a known attribute, once, a constant of its type.
 * Returns 0 after reporting. */
static int call_kwarg(Sema *s, Call *c, AstNode *kw) {
  SemSig *g = c->g;
  AstNode *v = kw->rhs;
  MName *m = v && v->kind == AST_NAME && !v->qual ? lookup(s, v->name) : NULL;
  if (m) m->uses++;
  int i = attr_index(g, kw->name);
  if (i < 0) {
    if (tensor_index(g, kw->name) >= 0)
      diag_error(s->d, kw->loc, "'%s' is a tensor parameter of %s: pass it by position",
                 kw->name, c->name);
    else
      diag_error(s->d, kw->loc, "%s has no attribute '%s'%s", c->name, kw->name,
                 attr_hint(s, g, kw->name));
    diag_note(s->d, g->op->loc, "'%s' is declared here", g->op->name);
    return 0;
  }
  if (c->attr_site[i]) {
    diag_error(s->d, kw->loc, "attribute '%s' is given twice", kw->name);
    diag_note(s->d, c->attr_site[i]->loc, "first given here");
    return 0;
  }
  c->attr_site[i] = kw;
  if (m) {
    diag_error(s->d, v->loc, "attribute '%s' must be a compile-time constant, but '%s' is %s %s",
               kw->name, v->name, m->kind == MN_INPUT ? "an" : "a", mn_words[m->kind]);
    return 0;
  }
  SemConst k;
  if (!v || !sema_const(s, v, kw->name, 0, &k)) return 0;
  ElemType want = g->attrs[i]->elem;
  if (!sema_attr_value(want, &k)) {
    diag_error(s->d, v->loc, "attribute '%s' of %s is %s, but the value is %s", kw->name, c->name,
               elem_type_name(want), elem_type_name(k.type));
    diag_note(s->d, g->attrs[i]->loc, "'%s' is declared here", kw->name);
    return 0;
  }
  SemConst *keep = arena_alloc(s->a, sizeof *keep);
  *keep = k;
  kw->sem = keep;
  c->attrs[i] = k;
  return 1;
}

/* The arguments: tensors by position, then attributes by keyword. */
static int call_args(Sema *s, Call *c) {
  SemSig *g = c->g;
  int n = 0, ok = 1, seen_kw = 0;
  for (int i = 0; i < c->call->list.n; i++) {
    AstNode *a = c->call->list.items[i];
    if (a->kind == AST_KWARG) {
      seen_kw = 1;
      ok &= call_kwarg(s, c, a);
      continue;
    }
    if (seen_kw) {
      diag_error(s->d, a->loc, "tensor arguments come before keyword arguments");
      ok = 0;
    }
    MVal v = check_expr(s, a);
    if (v.lit) {
      diag_error(s->d, a->loc, "argument %d of %s is a scalar literal, but ops take tensors "
                 "(attributes go by keyword)", n + 1, c->name);
      ok = 0;
    }
    if (n < g->ntensors) c->args[n] = v.t;
    n++;
  }
  if (ok && n != g->ntensors) {
    diag_error(s->d, c->call->loc, "%s takes %d tensor argument%s, but %d %s given", c->name,
               g->ntensors, g->ntensors == 1 ? "" : "s", n, n == 1 ? "was" : "were");
    diag_note(s->d, g->op->loc, "'%s' is declared here", g->op->name);
    ok = 0;
  }
  for (int i = 0; i < g->nattrs; i++) {
    if (c->attr_site[i] || c->attrs[i].type != ELEM_NONE) continue;
    if (g->defaults[i].type != ELEM_NONE) {
      c->attrs[i] = g->defaults[i];
      continue;
    }
    diag_error(s->d, c->call->loc, "%s needs the attribute '%s'", c->name, g->attrs[i]->name);
    diag_note(s->d, g->attrs[i]->loc, "'%s' is declared here", g->attrs[i]->name);
    ok = 0;
  }
  return ok;
}

static const Dim *bound(const Call *c, const char *name, int *at) {
  for (int i = 0; i < c->nbinds; i++)
    if (c->binds[i].name == name) {
      *at = i;
      return c->binds[i].value;
    }
  return NULL;
}

static const char *pname(const SemSig *g, int i) { return g->tensors[i]->name; }

/* Binds a bare symbol of parameter i to the argument's dim, or checks it
 * against its earlier binding. */
static int bind_sym(Sema *s, Call *c, const char *sym, const Dim *ad, int i) {
  int at;
  const Dim *prev = bound(c, sym, &at);
  if (!prev) {
    c->binds[c->nbinds].name = sym;
    c->binds[c->nbinds].value = ad;
    c->bind_site[c->nbinds++] = (const AstNode *)c->g->tensors[i];
    return 1;
  }
  if (dim_equal(prev, ad)) return 1;
  const AstNode *site = c->bind_site[at];
  if (site)
    diag_error(s->d, c->call->loc, "dimension %s is %s in argument '%s' but %s in argument '%s' "
               "of %s", sym, dim_str(s->a, prev), site->name, dim_str(s->a, ad), pname(c->g, i),
               c->name);
  else
    diag_error(s->d, c->call->loc, "dimension %s is %s (attribute '%s') but %s in argument '%s' "
               "of %s", sym, dim_str(s->a, prev), sym, dim_str(s->a, ad), pname(c->g, i),
               c->name);
  diag_note(s->d, c->g->op->loc, "'%s' is declared here", c->g->op->name);
  return 0;
}

static const struct PackBind *find_pack(const Call *c, const char *name) {
  for (int i = 0; i < c->npacks; i++)
    if (c->packs[i].name == name) return &c->packs[i];
  return NULL;
}

static const char *dims_str(Sema *s, const SemDim *d, int n) {
  SemType t = {ELEM_NONE, n, d};
  const char *str = sem_type_str(s->a, &t);
  return str + 1; /* drop the "?" of the element type */
}

static int bind_pack(Sema *s, Call *c, const char *pack, const SemDim *ad, int n, int i) {
  const struct PackBind *p = find_pack(c, pack);
  if (!p) {
    c->packs[c->npacks++] = (struct PackBind){pack, ad, n, i};
    return 1;
  }
  SemType a = {ELEM_NONE, p->n, p->dims}, b = {ELEM_NONE, n, ad};
  if (sema_types_equal(&a, &b)) return 1;
  diag_error(s->d, c->call->loc, "pack %s... is %s in argument '%s' but %s in argument '%s' of %s",
             pack, dims_str(s, p->dims, p->n), pname(c->g, p->arg), dims_str(s, ad, n),
             pname(c->g, i), c->name);
  return 0;
}

/* Lines up argument i with its parameter type: rank, element type, and
 * the bare symbols and packs it binds. */
static int bind_arg(Sema *s, Call *c, int i) {
  const SemType *pt = c->g->ttypes[i], *at = c->args[i];
  AstNode *arg = c->call->list.items[i];
  int tp = -1;
  for (int j = 0; j < pt->rank; j++)
    if (pt->dims[j].pack) tp = j;
  int fixed = pt->rank - (tp >= 0), extra = at->rank - fixed;
  if (at->elem != pt->elem || extra < 0 || (tp < 0 && extra != 0)) {
    diag_error(s->d, arg->loc, "argument '%s' of %s must be %s, but '%s' is %s", pname(c->g, i),
               c->name, tstr(s, pt), sema_expr_str(s, arg), tstr(s, at));
    diag_note(s->d, c->g->tensors[i]->loc, "'%s' is declared here", pname(c->g, i));
    return 0;
  }
  int ok = 1;
  for (int j = 0, k = 0; j < pt->rank; j++) {
    if (j == tp) {
      ok &= bind_pack(s, c, pt->dims[j].pack, &at->dims[k], extra, i);
      k += extra;
      continue;
    }
    const char *sym = pt->dims[j].dim ? dim_as_sym(pt->dims[j].dim) : NULL;
    if (sym) ok &= bind_sym(s, c, sym, at->dims[k].dim, i);
    k++;
  }
  return ok;
}

/* Dimension j of a parameter or result as the op's source writes it. */
static const char *dim_src(Sema *s, const AstNode *owner, int j, const Dim *d) {
  const AstNode *ty = owner->type;
  if (ty && ty->kind == AST_TYPE && j < ty->list.n) return sema_expr_str(s, ty->list.items[j]);
  return dim_str(s->a, d);
}

/* Adds the distinct plain names of a dimension expression, in source
 * order, to out[0..n) (at most max); returns the new count. */
static int expr_names(const AstNode *e, const char **out, int n, int max) {
  if (!e) return n;
  switch (e->kind) {
  case AST_NAME:
    for (int i = 0; i < n; i++)
      if (out[i] == e->name) return n;
    if (!e->qual && n < max) out[n++] = e->name;
    return n;
  case AST_BINARY: return expr_names(e->rhs, out, expr_names(e->lhs, out, n, max), max);
  case AST_UNARY: return expr_names(e->lhs, out, n, max);
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL:
  case AST_TENSOR_PARAM: case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT:
  case AST_LET: case AST_INT: case AST_FLOAT: case AST_BOOL: case AST_COND: case AST_ACCESS:
  case AST_DEFAULT: case AST_CALL: case AST_KWARG: case AST_REDUCE: case AST_PACK: case AST_CAST:
    break;
  }
  return n;
}

enum { BINDS_SHOWN = 16 }; /* names listed by binds_str */

/* " (H = 2, pad = 0, KH = 5, stride = 1)": the values bound at this call to
 * the names of dimension j of a parameter or result, as the op writes it;
 * "" when none is bound. */
static const char *binds_str(Sema *s, const Call *c, const AstNode *owner, int j, const Dim *d) {
  const char *names[BINDS_SHOWN];
  const AstNode *ty = owner->type;
  int n = ty && ty->kind == AST_TYPE && j < ty->list.n
        ? expr_names(ty->list.items[j], names, 0, BINDS_SHOWN)
        : dim_syms(d, names, BINDS_SHOWN);
  const char *out = NULL;
  for (int i = 0; i < n; i++) {
    int at;
    const Dim *v = bound(c, names[i], &at);
    if (!v) continue;
    out = arena_printf(s->a, "%s%s%s = %s", out ? out : "", out ? ", " : "", names[i],
                       dim_str(s->a, v));
  }
  return out ? arena_printf(s->a, " (%s)", out) : "";
}

/* A compound dimension of a parameter, once the symbols are bound. */
static int check_compound(Sema *s, Call *c, int i) {
  const SemType *pt = c->g->ttypes[i], *at = c->args[i];
  int extra = at->rank - pt->rank + 1, ok = 1;
  for (int j = 0, k = 0; j < pt->rank; j++) {
    const Dim *pd = pt->dims[j].dim;
    if (pt->dims[j].pack) {
      k += extra;
      continue;
    }
    const Dim *ad = at->dims[k++].dim;
    if (dim_as_sym(pd)) continue;
    s->dc.err = DIM_OK;
    const Dim *v = dim_subst(&s->dc, pd, c->binds, c->nbinds);
    if (!v) {
      diag_error(s->d, c->call->loc, "%s in dimension %s of parameter '%s' of %s%s",
                 dim_err_str(s->dc.err), dim_src(s, c->g->tensors[i], j, pd), pname(c->g, i),
                 c->name, binds_str(s, c, c->g->tensors[i], j, pd));
      ok = 0;
    } else if (!dim_equal(v, ad)) {
      diag_error(s->d, ((AstNode *)c->call->list.items[i])->loc, "dimension %d of argument '%s' "
                 "of %s must be %s = %s, but it is %s", j + 1, pname(c->g, i), c->name,
                 dim_src(s, c->g->tensors[i], j, pd), dim_str(s->a, v), dim_str(s->a, ad));
      diag_note(s->d, c->g->tensors[i]->loc, "'%s' is declared here", pname(c->g, i));
      ok = 0;
    }
  }
  return ok;
}

/* Does `from` broadcast to `to` (aligned right, equal or 1)? */
static int broadcasts(const struct PackBind *from, const struct PackBind *to) {
  if (from->n > to->n) return 0;
  for (int i = 1; i <= from->n; i++) {
    const Dim *x = from->dims[from->n - i].dim, *y = to->dims[to->n - i].dim;
    int64_t v;
    if (!dim_equal(x, y) && !(dim_is_const(x, &v) && v == 1)) return 0;
  }
  return 1;
}

static int check_bcast(Sema *s, Call *c) {
  int ok = 1;
  for (int i = 0; i < c->g->nbcast; i++) {
    const SemBcast *b = &c->g->bcast[i];
    const struct PackBind *f = find_pack(c, b->from), *t = find_pack(c, b->to);
    if (!f || !t || broadcasts(f, t)) continue;
    diag_error(s->d, c->call->loc, "in this call of %s, pack %s... = %s does not broadcast to "
               "%s... = %s", c->name, b->from, dims_str(s, f->dims, f->n), b->to,
               dims_str(s, t->dims, t->n));
    diag_note(s->d, b->site->loc, "%s broadcasts it here", sema_expr_str(s, b->site));
    ok = 0;
  }
  return ok;
}

/* The type of result r: its dims with the bindings substituted. */
static const SemType *result_type(Sema *s, Call *c, int r) {
  const SemType *rt = c->g->rtypes[r];
  int n = 0;
  for (int j = 0; j < rt->rank; j++) {
    const struct PackBind *p = rt->dims[j].pack ? find_pack(c, rt->dims[j].pack) : NULL;
    n += p ? p->n : 1;
  }
  SemDim *d;
  const SemType *t = sema_type_new(s, rt->elem, n, &d);
  for (int j = 0, k = 0; j < rt->rank; j++) {
    const struct PackBind *p = rt->dims[j].pack ? find_pack(c, rt->dims[j].pack) : NULL;
    if (p) {
      memcpy(&d[k], p->dims, sizeof *d * (size_t)p->n);
      k += p->n;
      continue;
    }
    s->dc.err = DIM_OK;
    const Dim *v = rt->dims[j].dim ? dim_subst(&s->dc, rt->dims[j].dim, c->binds, c->nbinds) : NULL;
    int64_t x;
    const char *rn = c->g->results[r]->name;
    const AstNode *rn_node = c->g->results[r];
    if (!v) {
      diag_error(s->d, c->call->loc, "%s in dimension %s of result '%s' of %s%s",
                 dim_err_str(s->dc.err), dim_src(s, rn_node, j, rt->dims[j].dim), rn, c->name,
                 binds_str(s, c, rn_node, j, rt->dims[j].dim));
      return NULL;
    }
    if (dim_is_const(v, &x) && x <= 0) {
      diag_error(s->d, c->call->loc, "result '%s' of %s would have dimension %s = %lld%s", rn,
                 c->name, dim_src(s, rn_node, j, rt->dims[j].dim), (long long)x,
                 binds_str(s, c, rn_node, j, rt->dims[j].dim));
      return NULL;
    }
    d[k++].dim = v;
  }
  return t;
}

/* Binds attributes, then symbols and packs from the arguments, checks the
 * compound dims and broadcasts, and computes the result types. */
static int call_shapes(Sema *s, Call *c, const SemType **out) {
  SemSig *g = c->g;
  for (int i = 0; i < g->nattrs; i++) {
    if (g->attrs[i]->elem != ELEM_INT || c->attrs[i].type != ELEM_INT) continue;
    c->binds[c->nbinds].name = g->attrs[i]->name;
    c->binds[c->nbinds].value = dim_const(&s->dc, c->attrs[i].i);
    c->bind_site[c->nbinds++] = NULL;
  }
  int ok = 1;
  for (int i = 0; i < g->ntensors; i++) ok &= c->args[i] ? bind_arg(s, c, i) : 0;
  if (!ok) return 0;
  for (int i = 0; i < g->ntensors; i++) ok &= check_compound(s, c, i);
  if (!ok || !check_bcast(s, c)) return 0;
  for (int r = 0; r < g->nresults; r++)
    if (!(out[r] = result_type(s, c, r))) return 0;
  return 1;
}

/* Checks a call; returns the number of results of the op (0 when it is
 * unknown) and their types in *out (NULL entries when unknown). */
static int check_call(Sema *s, AstNode *call, const SemType ***out) {
  *out = NULL;
  AstNode *f = call->lhs;
  AstNode *op = f && f->kind == AST_NAME ? resolve(s, f) : NULL;
  SemSig *g = op ? op->sem : NULL;
  call->decl = op;
  if (!g || !g->ok) {
    for (int i = 0; i < call->list.n; i++) {
      AstNode *a = call->list.items[i];
      if (a->kind != AST_KWARG) check_expr(s, a);
    }
    return 0;
  }
  Call c = {call, sema_qname(s, f), g, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0};
  int nt = g->ntensors + 1, na = g->nattrs + 1, nb = na;
  for (int i = 0; i < g->ntensors; i++) nb += g->ttypes[i]->rank;
  c.args = arena_alloc(s->a, sizeof *c.args * (size_t)nt);
  c.attrs = arena_alloc(s->a, sizeof *c.attrs * (size_t)na);
  c.attr_site = arena_alloc(s->a, sizeof *c.attr_site * (size_t)na);
  c.binds = arena_alloc(s->a, sizeof *c.binds * (size_t)nb);
  c.bind_site = arena_alloc(s->a, sizeof *c.bind_site * (size_t)nb);
  c.packs = arena_alloc(s->a, sizeof *c.packs * (size_t)nt);
  const SemType **res = arena_alloc(s->a, sizeof *res * (size_t)(g->nresults + 1));
  *out = res;
  if (call_args(s, &c)) call_shapes(s, &c, res);
  call->sem = g->nresults ? (void *)res[0] : NULL;
  return g->nresults;
}

static MVal check_call1(Sema *s, AstNode *call) {
  const SemType **res;
  int n = check_call(s, call, &res);
  if (n > 1) {
    diag_error(s->d, call->loc, "%s has %d results: take them with 'a, b = %s(...);'",
               sema_qname(s, call->lhs), n, sema_qname(s, call->lhs));
    return mv_none;
  }
  return n == 1 && res[0] ? tensor(res[0]) : mv_none;
}

/* Counts the uses of names inside an expression that is rejected, so that
 * no "never used" follows the error. */
static void mark_uses(Sema *s, AstNode *e) {
  if (!e) return;
  if (e->kind == AST_NAME) {
    MName *m = e->qual ? NULL : lookup(s, e->name);
    if (m) m->uses++;
  }
  mark_uses(s, e->lhs);
  mark_uses(s, e->rhs);
  if (e->kind == AST_COND) mark_uses(s, e->cond);
  for (int i = 0; i < e->list.n; i++) mark_uses(s, e->list.items[i]);
}

static MVal check_expr_kind(Sema *s, AstNode *e) {
  switch (e->kind) {
  case AST_INT: return (MVal){NULL, 1, ELEM_INT};
  case AST_FLOAT: return (MVal){NULL, 1, ELEM_FLOAT};
  case AST_NAME: return check_name(s, e);
  case AST_BINARY: return check_arith(s, e);
  case AST_UNARY: return check_neg(s, e);
  case AST_CALL: return check_call1(s, e);
  case AST_REDUCE:
    reduction_in_model(s, e);
    mark_uses(s, e);
    return mv_none;
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL: case AST_TENSOR_PARAM:
  case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT: case AST_LET:
  case AST_BOOL: case AST_COND: case AST_ACCESS: case AST_DEFAULT: case AST_KWARG:
  case AST_PACK: case AST_CAST:
    break;
  }
  diag_error(s->d, e->loc, "%s", not_in_model(e->kind));
  mark_uses(s, e);
  return mv_none;
}

static MVal check_expr(Sema *s, AstNode *e) {
  if (!e) return mv_none;
  MVal v = check_expr_kind(s, e);
  if (v.t) e->sem = (void *)v.t;
  return v;
}

/* ------------------------------------------------------------ statements */

/* Gives `name` (of an AST_LET) the value's type. */
static void assign(Sema *s, AstNode *name, const SemType *t) {
  MName *m = lookup(s, name->name);
  if (!m) return;
  name->decl = m->node;
  name->sem = (void *)t;
  switch (m->kind) {
  case MN_INPUT: case MN_WEIGHT:
    diag_error(s->d, name->loc, "cannot assign to %s '%s'", mn_words[m->kind], name->name);
    diag_note(s->d, m->node->loc, "'%s' is declared here", name->name);
    return;
  case MN_OUTPUT:
    if (m->defined) {
      diag_error(s->d, name->loc, "output '%s' is assigned twice", name->name);
      diag_note(s->d, m->def->loc, "'%s' is first assigned here", name->name);
      return;
    }
    m->defined = 1;
    m->def = name;
    if (t && m->type && !sema_types_equal(t, m->type)) {
      diag_error(s->d, name->loc, "output '%s' is declared %s, but the value is %s", name->name,
                 tstr(s, m->type), tstr(s, t));
      diag_note(s->d, m->node->loc, "'%s' is declared here", name->name);
    }
    return;
  case MN_LOCAL:
    break;
  }
  if (m->node != name) {
    diag_error(s->d, name->loc, "'%s' is already defined", name->name);
    diag_note(s->d, m->node->loc, "'%s' was first defined here", name->name);
    return;
  }
  m->defined = 1;
  m->type = t;
  if (!t) m->uses++; /* no cascade of "unused" after an error */
}

static void check_let(Sema *s, AstNode *st) {
  int n = st->list.n;
  if (n == 1) {
    MVal v = check_expr(s, st->rhs);
    if (v.lit)
      diag_error(s->d, st->rhs->loc, "'%s' would be a scalar literal: a model value is a tensor",
                 ((AstNode *)st->list.items[0])->name);
    assign(s, st->list.items[0], v.t);
    return;
  }
  const SemType **res = NULL;
  int k = 0;
  if (st->rhs && st->rhs->kind == AST_CALL) {
    k = check_call(s, st->rhs, &res);
    if (k && k != n)
      diag_error(s->d, st->loc, "%d names on the left, but %s has %d result%s", n,
                 sema_qname(s, st->rhs->lhs), k, k == 1 ? "" : "s");
  } else {
    check_expr(s, st->rhs);
    diag_error(s->d, st->loc, "'a, b = ...' takes the results of an op call");
  }
  for (int i = 0; i < n; i++) assign(s, st->list.items[i], k == n && res ? res[i] : NULL);
}

/* Declares inputs, outputs and weights, and the names the body defines
 * (not yet defined: a use before the statement is reported). */
static int declare_all(Sema *s, AstNode *model, MName **locals) {
  int n = 0;
  for (int i = 0; i < model->params.n; i++) {
    AstNode *p = model->params.items[i];
    if (p->kind != AST_TENSOR_PARAM) {
      diag_error(s->d, p->loc, "a model's inputs are tensors, and '%s' is not", p->name);
      continue;
    }
    MName *m = declare(s, MN_INPUT, p);
    if (m) m->type = p->sem = (void *)model_type(s, p->type, MN_INPUT, p->name);
    if (m) m->defined = 1;
    if (m && !m->type) m->uses++;
  }
  for (int i = 0; i < model->results.n; i++) {
    AstNode *r = model->results.items[i];
    MName *m = declare(s, MN_OUTPUT, r);
    if (m) m->type = r->sem = (void *)model_type(s, r->type, MN_OUTPUT, r->name);
  }
  for (int i = 0; i < model->list.n; i++) {
    AstNode *st = model->list.items[i];
    if (st->kind != AST_WEIGHT) continue;
    MName *m = declare(s, MN_WEIGHT, st);
    if (m) m->type = st->sem = (void *)model_type(s, st->type, MN_WEIGHT, st->name);
    if (m) m->defined = 1;
    if (m && !m->type) m->uses++;
  }
  for (int i = 0; i < model->list.n; i++) {
    AstNode *st = model->list.items[i];
    for (int j = 0; st->kind == AST_LET && j < st->list.n; j++) {
      AstNode *nm = st->list.items[j];
      if (lookup(s, nm->name)) continue;
      locals[n++] = declare(s, MN_LOCAL, nm);
    }
  }
  return n;
}

static void report_unused(Sema *s, AstNode *model, MName **locals, int nlocals) {
  for (int i = 0; i < model->results.n; i++) {
    AstNode *r = model->results.items[i];
    MName *m = lookup(s, r->name);
    if (m && m->node == r && !m->defined)
      diag_error(s->d, r->loc, "output '%s' is never assigned", r->name);
  }
  for (int i = 0; i < model->params.n; i++) {
    AstNode *p = model->params.items[i];
    MName *m = lookup(s, p->name);
    if (m && m->node == p && !m->uses) diag_error(s->d, p->loc, "input '%s' is never used", p->name);
  }
  for (int i = 0; i < model->list.n; i++) {
    AstNode *w = model->list.items[i];
    MName *m = w->kind == AST_WEIGHT ? lookup(s, w->name) : NULL;
    if (m && m->node == w && !m->uses) diag_error(s->d, w->loc, "param '%s' is never used", w->name);
  }
  for (int i = 0; i < nlocals; i++) {
    MName *m = locals[i];
    if (m->defined && !m->uses)
      diag_warning(s->d, m->node->loc, "'%s' is never used", m->node->name);
  }
}

void sema_model(Sema *s, AstNode *model) {
  nmap_clear(&s->names);
  sema_scratch_reset(s);
  int nnames = 0;
  for (int i = 0; i < model->list.n; i++) {
    AstNode *st = model->list.items[i];
    if (st->kind == AST_LET) nnames += st->list.n;
  }
  MName **locals = sema_scratch(s, sizeof *locals * (size_t)(nnames + 1));
  int nlocals = declare_all(s, model, locals);
  for (int i = 0; i < model->list.n && !diag_should_stop(s->d); i++) {
    AstNode *st = model->list.items[i];
    if (st->kind == AST_LET) check_let(s, st);
    else if (st->kind != AST_WEIGHT)
      diag_error(s->d, st->loc, "a model body holds 'param' declarations and 'name = expr;'");
  }
  report_unused(s, model, locals, nlocals);
}

/* ------------------------------------------------------- call bindings */

/* Attribute values of a checked call: keywords (sema left their SemConst on
 * the AST_KWARG) and defaults. */
static int binds_attrs(Call *c) {
  for (int i = 0; i < c->call->list.n; i++) {
    AstNode *a = c->call->list.items[i];
    if (a->kind != AST_KWARG) continue;
    int j = attr_index(c->g, a->name);
    if (j < 0 || !a->sem) return 0;
    c->attrs[j] = *(const SemConst *)a->sem;
    c->attr_site[j] = a;
  }
  for (int i = 0; i < c->g->nattrs; i++) {
    if (!c->attr_site[i]) c->attrs[i] = c->g->defaults[i];
    if (c->attrs[i].type == ELEM_NONE) return 0;
  }
  return 1;
}

static int binds_args(Call *c) {
  int n = 0;
  for (int i = 0; i < c->call->list.n; i++) {
    AstNode *a = c->call->list.items[i];
    if (a->kind == AST_KWARG) continue;
    if (n >= c->g->ntensors || !a->sem) return 0;
    c->args[n++] = a->sem;
  }
  return n == c->g->ntensors;
}

int sema_call_binds(Front *f, DimCtx *dc, const AstNode *call, SemCallBinds *out) {
  memset(out, 0, sizeof *out);
  AstNode *op = call && call->kind == AST_CALL ? call->decl : NULL;
  SemSig *g = op && op->kind == AST_OP ? op->sem : NULL;
  if (!g || !g->ok) return 0;
  Sema s;
  memset(&s, 0, sizeof s);
  s.f = f;
  s.d = &f->diag;
  s.a = &f->arena;
  s.dc = *dc;
  Call c = {(AstNode *)call, call->lhs ? sema_qname(&s, call->lhs) : op->name, g, NULL, NULL,
            NULL, NULL, NULL, 0, NULL, 0};
  int nt = g->ntensors + 1, na = g->nattrs + 1, nb = na;
  for (int i = 0; i < g->ntensors; i++) nb += g->ttypes[i]->rank;
  c.args = arena_alloc(s.a, sizeof *c.args * (size_t)nt);
  c.attrs = arena_alloc(s.a, sizeof *c.attrs * (size_t)na);
  c.attr_site = arena_alloc(s.a, sizeof *c.attr_site * (size_t)na);
  c.binds = arena_alloc(s.a, sizeof *c.binds * (size_t)nb);
  c.bind_site = arena_alloc(s.a, sizeof *c.bind_site * (size_t)nb);
  c.packs = arena_alloc(s.a, sizeof *c.packs * (size_t)nt);
  const SemType **res = arena_alloc(s.a, sizeof *res * (size_t)(g->nresults + 1));
  int ok = binds_attrs(&c) && binds_args(&c) && call_shapes(&s, &c, res);
  *dc = s.dc;
  if (!ok) return 0;
  SemPackBind *packs = arena_alloc(s.a, sizeof *packs * (size_t)(c.npacks + 1));
  for (int i = 0; i < c.npacks; i++)
    packs[i] = (SemPackBind){c.packs[i].name, c.packs[i].dims, c.packs[i].n};
  *out = (SemCallBinds){op, g, c.attrs, c.nbinds, c.npacks, c.binds, packs, res};
  return 1;
}
