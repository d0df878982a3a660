/* ir/build_body.c -- an op body as the statements of one node: indices with
 * their ranges, locals, and typed expressions, either instantiated by a
 * model call's bindings or generic over the op's own symbols and packs. */
#include "ir/ir_int.h"

#include <math.h>
#include <string.h>

/* An index binder of the AST (a left-hand-side name or pack, a reduction
 * name) and the node indices it stands for (a pack: n of them). */
typedef struct Binder {
  const AstNode *node;
  int n;
  int *ids;
} Binder;

typedef struct BodyTensor {
  const AstNode *decl;
  IrTensor *t;
  const SemType *declared;
} BodyTensor;

typedef struct Body {
  IrCtx *c;
  IrNode *node;
  const IrInst *in;
  IrIndex *ix;
  int nix, capix;
  int *bound; /* per index: binders in scope that use it */
  Binder *env;
  int nenv, capenv;
  BodyTensor *tens;
  int ntens, captens;
  PtrVec locals;
  PtrVec names; /* every binder name of the op */
  int failed;
} Body;

static void body_error(Body *b, Loc loc, const char *what) {
  if (!b->failed) diag_error(b->c->diag, loc, "internal error: %s", what);
  b->failed = 1;
}

/* ----------------------------------------------------------- instantiation */

static const Dim *inst_dim(IrCtx *c, const SemCallBinds *cb, const Dim *d) {
  if (!cb || !d) return d;
  c->dc.err = DIM_OK;
  return dim_subst(&c->dc, d, cb->binds, cb->nbinds);
}

static const SemPackBind *find_pack(const SemCallBinds *cb, const char *name) {
  for (int i = 0; cb && i < cb->npacks; i++)
    if (cb->packs[i].name == name || strcmp(cb->packs[i].name, name) == 0) return &cb->packs[i];
  return NULL;
}

const SemDim *ir_inst_dims(IrCtx *c, const SemCallBinds *cb, const SemType *t, int *rank) {
  if (!cb) {
    *rank = t->rank;
    return t->dims;
  }
  int n = 0;
  for (int j = 0; j < t->rank; j++) {
    const SemPackBind *p = t->dims[j].pack ? find_pack(cb, t->dims[j].pack) : NULL;
    if (t->dims[j].pack && !p) return NULL;
    n += p ? p->n : 1;
  }
  SemDim *d = arena_alloc(c->arena, sizeof *d * (size_t)(n + 1));
  for (int j = 0, k = 0; j < t->rank; j++) {
    const SemPackBind *p = t->dims[j].pack ? find_pack(cb, t->dims[j].pack) : NULL;
    for (int q = 0; p && q < p->n; q++) d[k++].dim = p->dims[q].dim;
    if (p) continue;
    if (!(d[k++].dim = inst_dim(c, cb, t->dims[j].dim))) return NULL;
  }
  *rank = n;
  return d;
}

/* ----------------------------------------------------------------- indices */

static int extent_equal(SemDim a, SemDim b) {
  if (a.pack || b.pack) return a.pack && b.pack && strcmp(a.pack, b.pack) == 0;
  return dim_equal(a.dim, b.dim);
}

static int op_has_name(const Body *b, const char *name) {
  for (int i = 0; i < b->names.n; i++)
    if (strcmp(b->names.items[i], name) == 0) return 1;
  return 0;
}

static void grow_indices(Body *b) {
  int cap = b->capix ? 2 * b->capix : 16;
  IrIndex *ix = arena_alloc(b->c->arena, sizeof *ix * (size_t)cap);
  int *bound = arena_alloc(b->c->arena, sizeof *bound * (size_t)cap);
  if (b->nix) {
    memcpy(ix, b->ix, sizeof *ix * (size_t)b->nix);
    memcpy(bound, b->bound, sizeof *bound * (size_t)b->nix);
  }
  b->ix = ix;
  b->bound = bound;
  b->capix = cap;
}

/* The index named `base` (or base', base'', ... when that name is taken by
 * an index of another range or role): statements share an index when name,
 * range and role agree, so softmax's four statements share l and d. */
static int get_index(Body *b, const char *base, SemDim extent, int reduction) {
  const char *name = base;
  for (int primes = 0;; primes++) {
    if (primes) name = arena_printf(b->c->arena, "%s'", name);
    int found = -1;
    for (int i = 0; i < b->nix && found < 0; i++)
      if (strcmp(b->ix[i].name, name) == 0) found = i;
    if (found < 0) break;
    IrIndex *x = &b->ix[found];
    if (!b->bound[found] && x->reduction == reduction && extent_equal(x->extent, extent))
      return found;
  }
  if (b->nix == b->capix) grow_indices(b);
  b->ix[b->nix] = (IrIndex){ir_intern(b->c, name), extent, reduction};
  b->bound[b->nix] = 0;
  b->node->indices = b->ix;
  b->node->nindices = b->nix + 1;
  return b->nix++;
}

/* The name of element k of pack `p`: p0, p1, ... unless the op has an index
 * of that name; then p.0, p.1, ... */
static const char *pack_elem_name(Body *b, const char *p, int k) {
  const char *plain = arena_printf(b->c->arena, "%s%d", p, k);
  return op_has_name(b, plain) ? arena_printf(b->c->arena, "%s.%d", p, k) : plain;
}

static void pop_binders(Body *b, int to) {
  while (b->nenv > to) {
    Binder *x = &b->env[--b->nenv];
    for (int i = 0; i < x->n; i++) b->bound[x->ids[i]]--;
  }
}

static const Binder *find_binder(const Body *b, const AstNode *node) {
  for (int i = b->nenv - 1; node && i >= 0; i--)
    if (b->env[i].node == node) return &b->env[i];
  return NULL;
}

static Binder *new_binder(Body *b, const AstNode *node, int n) {
  if (b->nenv == b->capenv) {
    int cap = b->capenv ? 2 * b->capenv : 16;
    Binder *e = arena_alloc(b->c->arena, sizeof *e * (size_t)cap);
    if (b->nenv) memcpy(e, b->env, sizeof *e * (size_t)b->nenv);
    b->env = e;
    b->capenv = cap;
  }
  Binder *x = &b->env[b->nenv++];
  x->node = node;
  x->n = 0;
  x->ids = arena_alloc(b->c->arena, sizeof *x->ids * (size_t)(n > 0 ? n : 1));
  return x;
}

/* Binds an AST binder (a name, or a pack: one index per element in model
 * graphs) with the range sema recorded on it; the indices stay in scope
 * until pop_binders.  NULL after an internal error. */
static const Binder *bind(Body *b, const AstNode *node, int reduction) {
  const SemType *rt = node->sem;
  if (!rt || rt->rank != 1) {
    body_error(b, node->loc, "an index without a range");
    return NULL;
  }
  SemDim r = rt->dims[0];
  const SemCallBinds *cb = b->in->cb;
  const SemPackBind *p = r.pack && cb ? find_pack(cb, r.pack) : NULL;
  if (r.pack && cb && !p) {
    body_error(b, node->loc, "a pack without a binding");
    return NULL;
  }
  int n = p ? p->n : 1;
  Binder *x = new_binder(b, node, n);
  for (int k = 0; k < n; k++) {
    SemDim e = p ? (SemDim){p->dims[k].dim, NULL} : r;
    if (!p && !r.pack) e.dim = inst_dim(b->c, cb, r.dim);
    if (!e.dim && !e.pack) {
      body_error(b, node->loc, "an index range that does not instantiate");
      return NULL;
    }
    const char *name = p ? pack_elem_name(b, node->name, k) : node->name;
    x->ids[k] = get_index(b, name, e, reduction);
    b->bound[x->ids[k]]++;
    x->n++;
  }
  return x;
}

/* ----------------------------------------------------------------- tensors */

static void add_tensor(Body *b, const AstNode *decl, IrTensor *t, const SemType *declared) {
  if (b->ntens == b->captens) {
    int cap = b->captens ? 2 * b->captens : 16;
    BodyTensor *v = arena_alloc(b->c->arena, sizeof *v * (size_t)cap);
    if (b->ntens) memcpy(v, b->tens, sizeof *v * (size_t)b->ntens);
    b->tens = v;
    b->captens = cap;
  }
  b->tens[b->ntens++] = (BodyTensor){decl, t, declared};
}

static const BodyTensor *find_tensor(const Body *b, const AstNode *decl) {
  for (int i = 0; decl && i < b->ntens; i++)
    if (b->tens[i].decl == decl) return &b->tens[i];
  return NULL;
}

/* A local of the op: a node-private tensor typed as sema found it. */
static IrTensor *new_local(Body *b, const AstNode *st) {
  const AstNode *acc = st->lhs;
  const SemType *lt = st->sem;
  IrTensor *t = arena_alloc(b->c->arena, sizeof *t);
  int rank;
  const SemDim *dims = lt ? ir_inst_dims(b->c, b->in->cb, lt, &rank) : NULL;
  if (!dims) {
    body_error(b, st->loc, "a local whose type does not instantiate");
    return NULL;
  }
  const char *nm = acc->lhs->name;
  t->id = b->locals.n;
  t->name = b->in->local_prefix ? ir_intern(b->c, arena_printf(b->c->arena, "%s%s",
                                                               b->in->local_prefix, nm)) : nm;
  t->kind = IR_LOCAL;
  t->elem = lt->elem;
  t->rank = rank;
  t->dims = dims;
  t->layout = LAYOUT_ROW_MAJOR;
  t->producer = b->node;
  t->loc = acc->lhs->loc;
  vec_push(b->c->arena, &b->locals, t);
  add_tensor(b, acc->decl, t, lt);
  return t;
}

/* -------------------------------------------------------------- expressions */

static IrExpr *build(Body *b, const AstNode *e);

static ElemType sem_elem(const AstNode *e) {
  const SemType *t = e ? e->sem : NULL;
  return t ? t->elem : ELEM_NONE;
}

/* The common type of two operands of a comparison: a concrete type wins,
 * then float over int. */
static ElemType unify(ElemType a, ElemType b) {
  if (ir_is_tensor_elem(a)) return a;
  if (ir_is_tensor_elem(b)) return b;
  return a == ELEM_FLOAT || b == ELEM_FLOAT ? ELEM_FLOAT : a;
}

static IrExpr *attr_value(Body *b, const AstNode *e, const AstNode *attr) {
  const SemSig *sig = b->in->sig;
  for (int i = 0; i < sig->nattrs; i++) {
    if (sig->attrs[i] != attr) continue;
    if (!b->in->cb) { /* generic: the attribute as a symbol */
      IrExpr *x = ir_expr_new(b->c, IE_DIM, attr->elem, e->loc, 0);
      x->dim = dim_sym(&b->c->dc, attr->name);
      return x;
    }
    SemConst v = b->in->cb->attrs[i];
    if (v.type == ELEM_FLOAT) return ir_const_float(b->c, ELEM_FLOAT, v.f, e->loc);
    return ir_const_int(b->c, v.type, v.i, e->loc);
  }
  body_error(b, e->loc, "an attribute that is not the op's");
  return NULL;
}

/* A name in a body: an index, an attribute, a dimension or inf. */
static IrExpr *build_name(Body *b, const AstNode *e) {
  const Binder *x = find_binder(b, e->decl);
  if (x) {
    if (x->n != 1) body_error(b, e->loc, "an index pack used as a value");
    return ir_index_expr(b->c, x->ids[0], e->loc);
  }
  if (e->decl && e->decl->kind == AST_ATTR_PARAM) return attr_value(b, e, e->decl);
  if (!e->decl && strcmp(e->name, "inf") == 0)
    return ir_const_float(b->c, ELEM_FLOAT, INFINITY, e->loc);
  if (!e->decl) {
    body_error(b, e->loc, "a name that sema did not resolve");
    return NULL;
  }
  const Dim *d = inst_dim(b->c, b->in->cb, dim_sym(&b->c->dc, e->name));
  if (!d) {
    body_error(b, e->loc, "a dimension that does not instantiate");
    return NULL;
  }
  IrExpr *r = ir_expr_new(b->c, IE_DIM, ELEM_INT, e->loc, 0);
  r->dim = d;
  return r;
}

static int pack_position(const SemType *t) {
  for (int j = 0; t && j < t->rank; j++)
    if (t->dims[j].pack) return j;
  return -1;
}

/* The subscripts of a pack read x[..., i..., ...] at the tensor's pack: in
 * model graphs, right-aligned (NumPy), a dim of extent 1 read at 0 where
 * the index's extent is not 1.  Writes them at subs[at...]; returns how many. */
static int pack_subs(Body *b, const AstNode *sub, const IrTensor *t, int at, int nt,
                     IrExpr **subs) {
  const Binder *x = find_binder(b, sub->decl);
  if (!x) {
    body_error(b, sub->loc, "an index pack that is not bound");
    return 0;
  }
  if (!b->in->cb) {
    subs[at] = ir_index_expr(b->c, x->ids[0], sub->loc);
    return 1;
  }
  if (nt > x->n) {
    body_error(b, sub->loc, "a pack read wider than its index pack");
    return 0;
  }
  for (int q = 0; q < nt; q++) {
    int id = x->ids[x->n - nt + q];
    int64_t td, ie;
    int unit = dim_is_const(t->dims[at + q].dim, &td) && td == 1;
    int one = b->ix[id].extent.dim && dim_is_const(b->ix[id].extent.dim, &ie) && ie == 1;
    subs[at + q] = unit && !one ? ir_const_int(b->c, ELEM_INT, 0, sub->loc)
                                : ir_index_expr(b->c, id, sub->loc);
  }
  return nt;
}

static IrExpr *build_read(Body *b, const AstNode *acc, const AstNode *dflt) {
  const BodyTensor *bt = find_tensor(b, acc->decl);
  if (!bt) {
    body_error(b, acc->loc, "a read of a tensor the node does not know");
    return NULL;
  }
  const IrTensor *t = bt->t;
  int nsubs = acc->flat ? 1 : t->rank;
  IrExpr *r = ir_expr_new(b->c, IE_READ, t->elem, acc->loc, nsubs);
  r->tensor = (IrTensor *)t;
  r->flat = acc->flat;
  int pp = pack_position(bt->declared), at = 0;
  int nt = pp < 0 ? 0 : t->rank - (bt->declared->rank - 1); /* the pack's length here */
  for (int j = 0; j < acc->list.n && !b->failed; j++) {
    const AstNode *sub = acc->list.items[j];
    if (sub->kind == AST_PACK) {
      at += pack_subs(b, sub, t, at, nt, r->args);
    } else if (at < nsubs) {
      r->args[at++] = build(b, sub);
    } else {
      at++;
    }
  }
  if (!b->failed && at != nsubs)
    body_error(b, acc->loc, "a read whose subscripts do not match its rank");
  if (dflt) r->dflt = ir_coerce(b->c, build(b, dflt), t->elem);
  return r;
}

static int builtin_of(const char *name) {
  for (int i = 0; i < BI__COUNT; i++)
    if (strcmp(ir_builtin_name((Builtin)i), name) == 0) return i;
  return -1;
}

static int reduction_of(const char *name) {
  for (int i = 0; i < RD__COUNT; i++)
    if (strcmp(ir_reduction_name((Reduction)i), name) == 0) return i;
  return -1;
}

static IrExpr *build_call(Body *b, const AstNode *e) {
  int bi = e->lhs ? builtin_of(e->lhs->name) : -1;
  ElemType t = sem_elem(e);
  if (bi < 0 || ir_builtin_arity((Builtin)bi) != e->list.n) {
    body_error(b, e->loc, "an unknown built-in");
    return NULL;
  }
  if (bi == BI_SELECT) {
    IrExpr *s = ir_expr_new(b->c, IE_SELECT, t, e->loc, 3);
    s->args[0] = build(b, e->list.items[0]);
    for (int i = 1; i < 3; i++) s->args[i] = ir_coerce(b->c, build(b, e->list.items[i]), t);
    return s;
  }
  IrExpr *call = ir_expr_new(b->c, IE_CALL, t, e->loc, e->list.n);
  call->builtin = (Builtin)bi;
  for (int i = 0; i < e->list.n; i++)
    call->args[i] = ir_coerce(b->c, build(b, e->list.items[i]), t);
  return call;
}

static IrExpr *build_reduce(Body *b, const AstNode *e) {
  int rd = e->lhs ? reduction_of(e->lhs->name) : -1;
  if (rd < 0) {
    body_error(b, e->loc, "an unknown reduction");
    return NULL;
  }
  int base = b->nenv, n = 0;
  int *red = arena_alloc(b->c->arena, sizeof *red * (size_t)(e->list.n + 1));
  for (int i = 0; i < e->list.n && !b->failed; i++) {
    const AstNode *x = e->list.items[i];
    const AstNode *nm = x->kind == AST_BINARY && x->op == OP_LT ? x->lhs : x;
    const Binder *bd = bind(b, nm, 1);
    if (bd) red[n++] = bd->ids[0];
  }
  ElemType t = sem_elem(e);
  IrExpr *r = ir_expr_new(b->c, IE_REDUCE, t, e->loc, 1);
  r->reduce = (Reduction)rd;
  r->nred = n;
  r->red = red;
  r->args[0] = b->failed ? NULL : ir_coerce(b->c, build(b, e->rhs), t);
  pop_binders(b, base);
  return r;
}

static IrExpr *build_binary(Body *b, const AstNode *e) {
  IrExpr *l = build(b, e->lhs), *r = build(b, e->rhs);
  if (!l || !r) return NULL;
  ElemType t = sem_elem(e), opnd = t;
  switch (e->op) {
  case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
    opnd = unify(l->type, r->type);
    break;
  case OP_AND: case OP_OR: case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
  case OP__COUNT: case OP_NEG: case OP_NOT:
    break;
  }
  return ir_binary(b->c, e->op, t, ir_coerce(b->c, l, opnd), ir_coerce(b->c, r, opnd), e->loc);
}

static IrExpr *build_kind(Body *b, const AstNode *e) {
  switch (e->kind) {
  case AST_INT: return ir_const_int(b->c, ELEM_INT, e->ival, e->loc);
  case AST_FLOAT: return ir_const_float(b->c, ELEM_FLOAT, e->fval, e->loc);
  case AST_BOOL: return ir_const_int(b->c, ELEM_BOOL, e->ival, e->loc);
  case AST_NAME: return build_name(b, e);
  case AST_UNARY: {
    ElemType t = sem_elem(e);
    return ir_unary(b->c, e->op, t, ir_coerce(b->c, build(b, e->lhs), t), e->loc);
  }
  case AST_BINARY: return build_binary(b, e);
  case AST_COND: {
    ElemType t = sem_elem(e);
    IrExpr *s = ir_expr_new(b->c, IE_SELECT, t, e->loc, 3);
    s->args[0] = build(b, e->cond);
    s->args[1] = ir_coerce(b->c, build(b, e->lhs), t);
    s->args[2] = ir_coerce(b->c, build(b, e->rhs), t);
    return s;
  }
  case AST_ACCESS: return build_read(b, e, NULL);
  case AST_DEFAULT: return build_read(b, e->lhs, e->rhs);
  case AST_CALL: return build_call(b, e);
  case AST_REDUCE: return build_reduce(b, e);
  case AST_CAST: {
    IrExpr *k = ir_expr_new(b->c, IE_CAST, e->elem, e->loc, 1);
    k->args[0] = build(b, e->lhs);
    return k;
  }
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL:
  case AST_TENSOR_PARAM: case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT:
  case AST_LET: case AST_KWARG: case AST_PACK:
    break;
  }
  body_error(b, e->loc, "an expression kind that op bodies do not have");
  return NULL;
}

static IrExpr *build(Body *b, const AstNode *e) {
  if (!e || b->failed) {
    if (!e) body_error(b, b->node->loc, "a missing expression");
    return NULL;
  }
  IrExpr *r = build_kind(b, e);
  if (!r) body_error(b, e->loc, "an expression that did not build");
  return r;
}

/* -------------------------------------------------------------- statements */

static IrTensor *stmt_target(Body *b, const AstNode *st) {
  const AstNode *acc = st->lhs;
  const BodyTensor *bt = find_tensor(b, acc->decl);
  if (bt && bt->t->kind != IR_LOCAL) return bt->t;
  if (bt) {
    body_error(b, st->loc, "a local defined twice");
    return NULL;
  }
  return new_local(b, st);
}

static int build_stmt(Body *b, const AstNode *st, IrStmt *out) {
  if (st->kind != AST_DEF || !st->lhs || st->lhs->kind != AST_ACCESS) {
    body_error(b, st->loc, "a statement that is not a definition");
    return 0;
  }
  IrTensor *target = stmt_target(b, st);
  if (!target) return 0;
  const AstNode *acc = st->lhs;
  int base = b->nenv, nlhs = 0;
  int *lhs = arena_alloc(b->c->arena, sizeof *lhs * (size_t)(target->rank + 1));
  for (int j = 0; j < acc->list.n && !b->failed; j++) {
    const Binder *x = bind(b, acc->list.items[j], 0);
    for (int k = 0; x && k < x->n; k++) {
      if (nlhs < target->rank) lhs[nlhs] = x->ids[k];
      nlhs++;
    }
  }
  if (!b->failed && nlhs != target->rank)
    body_error(b, st->loc, "a left-hand side that does not match its tensor's rank");
  IrExpr *rhs = b->failed ? NULL : ir_coerce(b->c, build(b, st->rhs), target->elem);
  pop_binders(b, base);
  if (b->failed) return 0;
  b->node->indices = b->ix;
  b->node->nindices = b->nix;
  *out = (IrStmt){target, nlhs, lhs, ir_simplify(b->c, b->node, rhs), st->loc};
  return 1;
}

/* Makes the left-hand indices of st before any reduction index exists, so
 * that a reduction index (not the result's index) gets the prime when one
 * name has both roles (softmax: max(d') ... then y[l0, d]). */
static void prebind_lhs(Body *b, const AstNode *st) {
  const AstNode *acc = st->lhs;
  if (!acc || acc->kind != AST_ACCESS) return;
  int base = b->nenv;
  for (int j = 0; j < acc->list.n && !b->failed; j++) bind(b, acc->list.items[j], 0);
  pop_binders(b, base);
}

/* Every binder name of the op's body, for naming pack elements. */
static void collect_names(Body *b, const AstNode *e) {
  if (!e) return;
  if ((e->kind == AST_NAME || e->kind == AST_PACK) && e->sem && e->name)
    vec_push(b->c->arena, &b->names, (void *)e->name);
  collect_names(b, e->lhs);
  collect_names(b, e->rhs);
  if (e->kind == AST_COND) collect_names(b, e->cond);
  for (int i = 0; i < e->list.n; i++) collect_names(b, e->list.items[i]);
}

int ir_inst_body(IrCtx *c, IrNode *node, const IrInst *in) {
  Body b;
  memset(&b, 0, sizeof b);
  b.c = c;
  b.node = node;
  b.in = in;
  const SemSig *sig = in->sig;
  for (int i = 0; i < sig->ntensors && i < node->ninputs; i++)
    add_tensor(&b, sig->tensors[i], node->inputs[i], sig->ttypes[i]);
  for (int i = 0; i < sig->nresults && i < node->noutputs; i++)
    add_tensor(&b, sig->results[i], node->outputs[i], sig->rtypes[i]);
  const PtrVec *body = &in->op->list;
  for (int i = 0; i < body->n; i++) collect_names(&b, body->items[i]);
  for (int i = 0; i < body->n && !b.failed; i++) /* left-hand indices get the plain names */
    if (((const AstNode *)body->items[i])->kind == AST_DEF) prebind_lhs(&b, body->items[i]);
  IrStmt *stmts = arena_alloc(c->arena, sizeof *stmts * (size_t)(body->n + 1));
  int n = 0;
  for (int i = 0; i < body->n && !b.failed; i++)
    if (build_stmt(&b, body->items[i], &stmts[n])) n++;
  node->stmts = stmts;
  node->nstmts = n;
  node->indices = b.ix;
  node->nindices = b.nix;
  node->nlocals = b.locals.n;
  node->locals = (IrTensor **)b.locals.items;
  return !b.failed;
}
