/* ir/build.c -- the graph IR of a checked model (every call instantiated,
 * tensor arithmetic as broadcasting nodes) and of one op definition on its
 * own (a generic node over the op's symbols); see docs/ir.md. */
#include "ir/ir_int.h"

#include <string.h>

void ir_ctx_init(IrCtx *c, Front *f) {
  memset(c, 0, sizeof *c);
  c->f = f;
  c->arena = &f->arena;
  c->diag = &f->diag;
  dim_ctx_init(&c->dc, c->arena);
}

/* A graph being built. */
typedef struct GB {
  IrCtx *c;
  IrGraph *g;
  PtrVec tensors, nodes, inputs, weights, syms;
  PtrVec decls, vals; /* model names: AST declaration -> IrTensor */
  const char *let;    /* the model statement being built ("h") */
  int made;           /* names made up for it so far (h.1, h.2, ...) */
  int failed;
} GB;

static void gb_error(GB *b, Loc loc, const char *what) {
  if (!b->failed) diag_error(b->c->diag, loc, "internal error: %s", what);
  b->failed = 1;
}

static IrTensor *new_tensor(GB *b, const char *name, IrTensorKind k, const SemType *t, Loc loc) {
  IrTensor *x = arena_alloc(b->c->arena, sizeof *x);
  x->id = b->tensors.n;
  x->name = name;
  x->kind = k;
  x->elem = t->elem;
  x->rank = t->rank;
  x->dims = t->dims;
  x->layout = LAYOUT_ROW_MAJOR;
  x->loc = loc;
  vec_push(b->c->arena, &b->tensors, x);
  return x;
}

static IrNode *new_node(GB *b, const char *name, const char *op, const AstNode *def, Loc loc) {
  IrNode *n = arena_alloc(b->c->arena, sizeof *n);
  n->id = b->nodes.n;
  n->name = name;
  n->op = op;
  n->def = def;
  n->loc = loc;
  vec_push(b->c->arena, &b->nodes, n);
  return n;
}

static void add_sym(GB *b, const char *name) {
  for (int i = 0; i < b->syms.n; i++)
    if (strcmp(b->syms.items[i], name) == 0) return;
  vec_push(b->c->arena, &b->syms, (void *)name);
}

/* The symbols of t's dims (and its pack names as "S..."), skipping `skip`
 * (the attributes of a generic op). */
static void add_syms(GB *b, const IrTensor *t, const SemSig *skip) {
  for (int j = 0; j < t->rank; j++) {
    if (t->dims[j].pack) {
      add_sym(b, ir_intern(b->c, arena_printf(b->c->arena, "%s...", t->dims[j].pack)));
      continue;
    }
    const char *names[64];
    int n = dim_syms(t->dims[j].dim, names, 64);
    for (int i = 0; i < n; i++) {
      int attr = 0;
      for (int a = 0; skip && a < skip->nattrs; a++)
        attr |= strcmp(skip->attrs[a]->name, names[i]) == 0;
      if (!attr) add_sym(b, names[i]);
    }
  }
}

static IrTensor **vec_array(const PtrVec *v) { return (IrTensor **)v->items; }

static IrGraph *finish(GB *b) {
  IrGraph *g = b->g;
  g->ntensors = b->tensors.n;
  g->tensors = vec_array(&b->tensors);
  g->nnodes = b->nodes.n;
  g->nodes = (IrNode **)b->nodes.items;
  g->ninputs = b->inputs.n;
  g->inputs = vec_array(&b->inputs);
  g->nweights = b->weights.n;
  g->weights = vec_array(&b->weights);
  g->nsyms = b->syms.n;
  g->syms = (const char **)b->syms.items;
  return b->failed ? NULL : g;
}

/* ----------------------------------------------------------- model values */

static IrTensor *lookup(const GB *b, const AstNode *decl) {
  for (int i = b->decls.n - 1; decl && i >= 0; i--)
    if (b->decls.items[i] == decl) return b->vals.items[i];
  return NULL;
}

static void define(GB *b, const AstNode *decl, IrTensor *t) {
  vec_push(b->c->arena, &b->decls, (void *)decl);
  vec_push(b->c->arena, &b->vals, t);
}

static const char *made_name(GB *b) {
  return ir_intern(b->c, arena_printf(b->c->arena, "%s.%d", b->let, ++b->made));
}

/* A scalar literal of model arithmetic (2, -0.5, 1/2): its value. */
typedef struct Lit {
  int ok, is_float;
  int64_t i;
  double f;
} Lit;

static int is_literal(const AstNode *e) {
  if (!e) return 0;
  switch (e->kind) {
  case AST_INT: case AST_FLOAT: return 1;
  case AST_UNARY: return e->op == OP_NEG && is_literal(e->lhs);
  case AST_BINARY: return is_literal(e->lhs) && is_literal(e->rhs);
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL:
  case AST_TENSOR_PARAM: case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT:
  case AST_LET: case AST_NAME: case AST_BOOL: case AST_COND: case AST_ACCESS: case AST_DEFAULT:
  case AST_CALL: case AST_KWARG: case AST_REDUCE: case AST_PACK: case AST_CAST:
    break;
  }
  return 0;
}

static Lit lit_binary(GB *b, const AstNode *e, Lit l, Lit r);

/* Evaluates a literal: integers stay integers (floor division), a float
 * operand makes the result float. */
static Lit lit_eval(GB *b, const AstNode *e) {
  Lit v = {1, 0, 0, 0};
  if (e->kind == AST_INT) v.i = e->ival;
  if (e->kind == AST_FLOAT) v = (Lit){1, 1, 0, e->fval};
  if (e->kind == AST_UNARY) {
    v = lit_eval(b, e->lhs);
    if (v.is_float) v.f = -v.f;
    else if (v.i == INT64_MIN) v.ok = 0;
    else v.i = -v.i;
  }
  if (e->kind == AST_BINARY) v = lit_binary(b, e, lit_eval(b, e->lhs), lit_eval(b, e->rhs));
  if (!v.ok && !b->failed) {
    diag_error(b->c->diag, e->loc, "this scalar cannot be computed: integer overflow or "
               "division by zero");
    b->failed = 1;
  }
  return v;
}

static Lit lit_binary(GB *b, const AstNode *e, Lit l, Lit r) {
  (void)b;
  Lit v = {l.ok && r.ok, l.is_float || r.is_float, 0, 0};
  if (!v.ok) return v;
  if (v.is_float) {
    double x = l.is_float ? l.f : (double)l.i, y = r.is_float ? r.f : (double)r.i;
    v.f = e->op == OP_ADD ? x + y : e->op == OP_SUB ? x - y : e->op == OP_MUL ? x * y : x / y;
    return v;
  }
  int64_t x = l.i, y = r.i;
  switch (e->op) {
  case OP_ADD: v.ok = !__builtin_add_overflow(x, y, &v.i); break;
  case OP_SUB: v.ok = !__builtin_sub_overflow(x, y, &v.i); break;
  case OP_MUL: v.ok = !__builtin_mul_overflow(x, y, &v.i); break;
  case OP_DIV:
    v.ok = y != 0 && !(x == INT64_MIN && y == -1);
    if (v.ok) v.i = x / y - ((x % y != 0) && ((x < 0) != (y < 0)));
    break;
  case OP__COUNT: case OP_NEG: case OP_NOT: case OP_MOD: case OP_EQ: case OP_NE: case OP_LT:
  case OP_LE: case OP_GT: case OP_GE: case OP_AND: case OP_OR:
    v.ok = 0;
    break;
  }
  return v;
}

static IrTensor *value(GB *b, const AstNode *e, const char *name, int is_output);

/* ------------------------------------------------------ arithmetic nodes */

/* A read of t inside an element-wise node over out's shape, broadcast as
 * NumPy does: aligned right, a dim of extent 1 read at 0. */
static IrExpr *bcast_read(GB *b, IrNode *n, IrTensor *t, const IrTensor *out, Loc loc) {
  IrExpr *r = ir_expr_new(b->c, IE_READ, t->elem, loc, t->rank);
  r->tensor = t;
  int off = out->rank - t->rank;
  for (int j = 0; j < t->rank; j++) {
    int64_t v;
    const IrIndex *ix = &n->indices[off + j];
    int unit = dim_is_const(t->dims[j].dim, &v) && v == 1;
    int one = dim_is_const(ix->extent.dim, &v) && v == 1;
    r->args[j] =
        unit && !one ? ir_const_int(b->c, ELEM_INT, 0, loc) : ir_index_expr(b->c, off + j, loc);
  }
  return r;
}

/* An element-wise node: out = a OP b, OP a (OP_NEG), or a (OP__COUNT: a
 * copy), over the shape `type`.  An operand is a tensor or, for a literal,
 * NULL with its value in lits. */
typedef struct Elementwise {
  const SemType *type;
  Loc loc;
  AstOp op;
  const char *opname; /* the node's op: "add", "neg", "copy", ... */
} Elementwise;

static IrTensor *elementwise(GB *b, const Elementwise *w, const char *name, int is_output,
                             IrTensor **opnd, const Lit *lits, int nopnd) {
  const char *nm = name ? name : made_name(b);
  IrNode *n = new_node(b, nm, w->opname, NULL, w->loc);
  IrTensor *out = new_tensor(b, nm, IR_VALUE, w->type, w->loc);
  out->producer = n;
  out->is_output = is_output;
  n->noutputs = 1;
  n->outputs = arena_alloc(b->c->arena, sizeof *n->outputs);
  n->outputs[0] = out;
  n->inputs = arena_alloc(b->c->arena, sizeof *n->inputs * (size_t)nopnd);
  for (int i = 0; i < nopnd; i++)
    if (opnd[i]) n->inputs[n->ninputs++] = opnd[i];
  n->nindices = out->rank;
  n->indices = arena_alloc(b->c->arena, sizeof *n->indices * (size_t)(out->rank + 1));
  int *lhs = arena_alloc(b->c->arena, sizeof *lhs * (size_t)(out->rank + 1));
  for (int j = 0; j < out->rank; j++) {
    n->indices[j] =
        (IrIndex){ir_intern(b->c, arena_printf(b->c->arena, "i%d", j)), out->dims[j], 0};
    lhs[j] = j;
  }
  IrExpr *x[2];
  for (int i = 0; i < nopnd; i++)
    x[i] = opnd[i] ? bcast_read(b, n, opnd[i], out, w->loc)
           : lits[i].is_float
               ? ir_const_float(b->c, out->elem, lits[i].f, w->loc)
               : ir_coerce(b->c, ir_const_int(b->c, ELEM_INT, lits[i].i, w->loc), out->elem);
  IrExpr *rhs = w->op == OP__COUNT ? x[0]
              : w->op == OP_NEG    ? ir_unary(b->c, OP_NEG, out->elem, x[0], w->loc)
                                   : ir_binary(b->c, w->op, out->elem, x[0], x[1], w->loc);
  n->nstmts = 1;
  n->stmts = arena_alloc(b->c->arena, sizeof *n->stmts);
  n->stmts[0] = (IrStmt){out, out->rank, lhs, rhs, w->loc};
  return out;
}

static const char *arith_op(AstOp op) {
  switch (op) {
  case OP_ADD: return "add";
  case OP_SUB: return "sub";
  case OP_MUL: return "mul";
  case OP_DIV: return "div";
  case OP_NEG: return "neg";
  case OP__COUNT: case OP_NOT: case OP_MOD: case OP_EQ: case OP_NE: case OP_LT: case OP_LE:
  case OP_GT: case OP_GE: case OP_AND: case OP_OR:
    break;
  }
  return NULL;
}

static IrTensor *arith(GB *b, const AstNode *e, const char *name, int is_output) {
  const char *op = arith_op(e->op);
  if (!op) {
    gb_error(b, e->loc, "model arithmetic that sema does not allow");
    return NULL;
  }
  const AstNode *side[2] = {e->lhs, e->rhs};
  int n = e->kind == AST_UNARY ? 1 : 2;
  IrTensor *opnd[2] = {NULL, NULL};
  Lit lits[2] = {{0, 0, 0, 0}, {0, 0, 0, 0}};
  for (int i = 0; i < n; i++) {
    if (is_literal(side[i])) lits[i] = lit_eval(b, side[i]);
    else if (!(opnd[i] = value(b, side[i], NULL, 0))) return NULL;
  }
  if (!e->sem) {
    gb_error(b, e->loc, "model arithmetic without a type");
    return NULL;
  }
  Elementwise w = {e->sem, e->loc, e->kind == AST_UNARY ? OP_NEG : e->op, op};
  return b->failed ? NULL : elementwise(b, &w, name, is_output, opnd, lits, n);
}

/* `y = x;` for an output y: a copy node. */
static IrTensor *copy(GB *b, const AstNode *e, IrTensor *src, const char *name) {
  SemType *t = arena_alloc(b->c->arena, sizeof *t);
  *t = (SemType){src->elem, src->rank, src->dims};
  Elementwise w = {t, e->loc, OP__COUNT, "copy"};
  IrTensor *opnd[1] = {src};
  Lit lits[1] = {{0, 0, 0, 0}};
  return elementwise(b, &w, name, 1, opnd, lits, 1);
}

/* ---------------------------------------------------------------- calls */

static const char *callee_name(GB *b, const AstNode *call) {
  const AstNode *f = call->lhs;
  if (!f) return "?";
  if (!f->qual) return f->name;
  return ir_intern(b->c, arena_printf(b->c->arena, "%s.%s", f->qual, f->name));
}

/* An instantiated call: names[r] for result r (NULL: made up). */
static IrNode *call_node(GB *b, const AstNode *call, const char **names, const int *is_out,
                         int nnames) {
  SemCallBinds *cb = arena_alloc(b->c->arena, sizeof *cb);
  if (!sema_call_binds(b->c->f, &b->c->dc, call, cb)) {
    gb_error(b, call->loc, "a call without bindings");
    return NULL;
  }
  const SemSig *sig = cb->sig;
  IrTensor **in = arena_alloc(b->c->arena, sizeof *in * (size_t)(sig->ntensors + 1));
  int nin = 0;
  for (int i = 0; i < call->list.n; i++) {
    const AstNode *a = call->list.items[i];
    if (a->kind == AST_KWARG) continue;
    if (nin >= sig->ntensors || !(in[nin++] = value(b, a, NULL, 0))) return NULL;
  }
  if (nin != sig->ntensors || nnames != sig->nresults) {
    gb_error(b, call->loc, "a call whose arguments do not match the op");
    return NULL;
  }
  const char *nm = names[0] ? names[0] : made_name(b);
  IrNode *n = new_node(b, nm, callee_name(b, call), cb->op, call->loc);
  n->ninputs = nin;
  n->inputs = in;
  n->noutputs = sig->nresults;
  n->outputs = arena_alloc(b->c->arena, sizeof *n->outputs * (size_t)(sig->nresults + 1));
  for (int r = 0; r < sig->nresults; r++) {
    IrTensor *t = new_tensor(b, names[r] ? names[r] : nm, IR_VALUE, cb->results[r], call->loc);
    t->producer = n;
    t->is_output = is_out[r];
    n->outputs[r] = t;
  }
  n->nattrs = sig->nattrs;
  n->attrs = arena_alloc(b->c->arena, sizeof *n->attrs * (size_t)(sig->nattrs + 1));
  for (int i = 0; i < sig->nattrs; i++) n->attrs[i] = (IrAttr){sig->attrs[i]->name, cb->attrs[i]};
  IrInst inst = {cb->op, sig, cb, ir_intern(b->c, arena_printf(b->c->arena, "%s.", nm))};
  if (!ir_inst_body(b->c, n, &inst)) b->failed = 1;
  return b->failed ? NULL : n;
}

/* The tensor of a model expression; the node that makes it is named
 * `name` (NULL: made up). */
static IrTensor *value(GB *b, const AstNode *e, const char *name, int is_output) {
  if (!e || b->failed) return NULL;
  switch (e->kind) {
  case AST_NAME: {
    IrTensor *t = lookup(b, e->decl);
    if (!t) gb_error(b, e->loc, "a model name without a tensor");
    return t;
  }
  case AST_CALL: {
    const char *names[1] = {name};
    int out[1] = {is_output};
    IrNode *n = call_node(b, e, names, out, 1);
    return n ? n->outputs[0] : NULL;
  }
  case AST_BINARY: case AST_UNARY: return arith(b, e, name, is_output);
  case AST__COUNT: case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL:
  case AST_TENSOR_PARAM: case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT:
  case AST_LET: case AST_INT: case AST_FLOAT: case AST_BOOL: case AST_COND: case AST_ACCESS:
  case AST_DEFAULT: case AST_KWARG: case AST_REDUCE: case AST_PACK: case AST_CAST:
    break;
  }
  gb_error(b, e->loc, "a model expression sema does not allow");
  return NULL;
}

static int is_result(const AstNode *model, const AstNode *decl) {
  for (int i = 0; i < model->results.n; i++)
    if (model->results.items[i] == decl) return 1;
  return 0;
}

/* `a = e;` or `a, b = op(...);` */
static void let(GB *b, const AstNode *model, const AstNode *st) {
  int n = st->list.n;
  const AstNode *first = st->list.items[0];
  b->let = first->name;
  b->made = 0;
  if (n == 1 && st->rhs && st->rhs->kind == AST_NAME) { /* an alias */
    IrTensor *src = value(b, st->rhs, NULL, 0);
    if (src && is_result(model, first->decl)) src = copy(b, st->rhs, src, first->name);
    if (src) define(b, first->decl, src);
    return;
  }
  const char **names = arena_alloc(b->c->arena, sizeof *names * (size_t)n);
  int *out = arena_alloc(b->c->arena, sizeof *out * (size_t)n);
  for (int i = 0; i < n; i++) {
    const AstNode *nm = st->list.items[i];
    names[i] = nm->name;
    out[i] = is_result(model, nm->decl);
  }
  if (n == 1) {
    IrTensor *t = value(b, st->rhs, names[0], out[0]);
    if (t) define(b, first->decl, t);
    return;
  }
  IrNode *node = st->rhs && st->rhs->kind == AST_CALL ? call_node(b, st->rhs, names, out, n) : NULL;
  if (!node) {
    gb_error(b, st->loc, "a multiple assignment without a call");
    return;
  }
  for (int i = 0; i < n; i++)
    define(b, ((const AstNode *)st->list.items[i])->decl, node->outputs[i]);
}

static void model_tensors(GB *b, const AstNode *model) {
  for (int i = 0; i < model->params.n; i++) {
    const AstNode *p = model->params.items[i];
    if (!p->sem) continue;
    IrTensor *t = new_tensor(b, p->name, IR_INPUT, p->sem, p->loc);
    vec_push(b->c->arena, &b->inputs, t);
    define(b, p, t);
    add_syms(b, t, NULL);
  }
  for (int i = 0; i < model->list.n; i++) {
    const AstNode *w = model->list.items[i];
    if (w->kind != AST_WEIGHT || !w->sem) continue;
    IrTensor *t = new_tensor(b, w->name, IR_WEIGHT, w->sem, w->loc);
    vec_push(b->c->arena, &b->weights, t);
    define(b, w, t);
    add_syms(b, t, NULL);
  }
}

IrGraph *ir_build_model(IrCtx *c, const AstNode *model) {
  GB b;
  memset(&b, 0, sizeof b);
  b.c = c;
  b.g = arena_alloc(c->arena, sizeof *b.g);
  b.g->name = model->name;
  b.g->loc = model->loc;
  model_tensors(&b, model);
  for (int i = 0; i < model->list.n && !b.failed; i++) {
    const AstNode *st = model->list.items[i];
    if (st->kind == AST_LET && st->list.n > 0) let(&b, model, st);
  }
  b.g->noutputs = model->results.n;
  b.g->outputs = arena_alloc(c->arena, sizeof *b.g->outputs * (size_t)(model->results.n + 1));
  for (int i = 0; i < model->results.n && !b.failed; i++) {
    const AstNode *r = model->results.items[i];
    IrTensor *t = lookup(&b, r);
    if (!t) gb_error(&b, r->loc, "an output that no statement defines");
    else add_syms(&b, t, NULL);
    b.g->outputs[i] = t;
  }
  return finish(&b);
}

/* ------------------------------------------------------------ generic ops */

IrGraph *ir_build_op(IrCtx *c, const AstNode *op) {
  const SemSig *sig = op ? op->sem : NULL;
  GB b;
  memset(&b, 0, sizeof b);
  b.c = c;
  if (!sig || !sig->ok) {
    gb_error(&b, op ? op->loc : (Loc){0}, "an op without a checked signature");
    return NULL;
  }
  b.g = arena_alloc(c->arena, sizeof *b.g);
  b.g->name = op->name;
  b.g->generic = 1;
  b.g->loc = op->loc;
  IrNode *n = new_node(&b, op->name, op->name, op, op->loc);
  n->generic = 1;
  n->ninputs = sig->ntensors;
  n->inputs = arena_alloc(c->arena, sizeof *n->inputs * (size_t)(sig->ntensors + 1));
  for (int i = 0; i < sig->ntensors; i++) {
    n->inputs[i] =
        new_tensor(&b, sig->tensors[i]->name, IR_INPUT, sig->ttypes[i], sig->tensors[i]->loc);
    vec_push(c->arena, &b.inputs, n->inputs[i]);
    add_syms(&b, n->inputs[i], sig);
  }
  n->noutputs = b.g->noutputs = sig->nresults;
  n->outputs = b.g->outputs =
      arena_alloc(c->arena, sizeof *n->outputs * (size_t)(sig->nresults + 1));
  for (int r = 0; r < sig->nresults; r++) {
    IrTensor *t =
        new_tensor(&b, sig->results[r]->name, IR_VALUE, sig->rtypes[r], sig->results[r]->loc);
    t->producer = n;
    t->is_output = 1;
    n->outputs[r] = t;
  }
  n->nattrs = sig->nattrs;
  n->attrs = arena_alloc(c->arena, sizeof *n->attrs * (size_t)(sig->nattrs + 1));
  for (int i = 0; i < sig->nattrs; i++)
    n->attrs[i] = (IrAttr){sig->attrs[i]->name, sig->defaults[i]};
  IrInst inst = {op, sig, NULL, NULL};
  if (!ir_inst_body(c, n, &inst)) b.failed = 1;
  return finish(&b);
}
