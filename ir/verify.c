/* ir/verify.c -- checks every invariant of a graph (docs/ir.md lists them):
 * tensors and their producers, topological order, statements against their
 * targets, index scopes, subscripts and the types of every expression. */
#include "ir/ir_int.h"

#include <string.h>

/* Expressions deeper than this are reported instead of walked (the builder
 * makes them no deeper than the source's AST_MAX_DEPTH, plus a few levels
 * of folded integer arithmetic). */
enum { VERIFY_MAX_DEPTH = 8 * AST_MAX_DEPTH };

typedef struct V {
  IrCtx *c;
  const IrGraph *g;
  const IrNode *n; /* the node being checked, or NULL */
  int stmt;        /* the statement being checked */
  int *scope;      /* per index of n: binders in scope */
  int *local_def;  /* per local of n: the statement that defines it, or -1 */
  int *out_def;    /* per output of n: the same */
  int errors;
} V;

__attribute__((format(printf, 3, 4)))
static void fail(V *v, Loc loc, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  v->errors++;
  if (v->n)
    diag_error(v->c->diag, loc, "internal error: in node '%s' of '%s': %s",
               v->n->name ? v->n->name : "?", v->g->name ? v->g->name : "?", msg);
  else
    diag_error(v->c->diag, loc, "internal error: in the graph of '%s': %s",
               v->g->name ? v->g->name : "?", msg);
}

static const char *tname(const IrTensor *t) { return t && t->name ? t->name : "?"; }

static int extent_equal(SemDim a, SemDim b) {
  if (a.pack || b.pack) return a.pack && b.pack && strcmp(a.pack, b.pack) == 0;
  return a.dim && b.dim && dim_equal(a.dim, b.dim);
}

/* ------------------------------------------------------------------ tensors */

static void check_dims(V *v, const IrTensor *t) {
  if (t->rank < 0 || (t->rank > 0 && !t->dims)) {
    fail(v, t->loc, "tensor '%s' has rank %d and %s dims", tname(t), t->rank,
         t->dims ? "some" : "no");
    return;
  }
  for (int j = 0; j < t->rank; j++) {
    const SemDim *d = &t->dims[j];
    if (!d->dim == !d->pack)
      fail(v, t->loc, "dimension %d of tensor '%s' is %s", j, tname(t),
           d->dim ? "both a dim and a pack" : "empty");
    else if (d->pack && !v->g->generic)
      fail(v, t->loc, "dimension %d of tensor '%s' is the pack %s... in a model graph", j, tname(t),
           d->pack);
    else if (d->dim && ir_dim_has_index(d->dim))
      fail(v, t->loc, "dimension %d of tensor '%s' mentions an index", j, tname(t));
  }
}

static void check_tensor(V *v, const IrTensor *t) {
  if (!t->name) fail(v, t->loc, "a tensor without a name");
  if (!ir_is_tensor_elem(t->elem))
    fail(v, t->loc, "tensor '%s' has element type %s", tname(t), elem_type_name(t->elem));
  if ((unsigned)t->layout >= LAYOUT__COUNT) fail(v, t->loc, "tensor '%s' has no layout", tname(t));
  check_dims(v, t);
}

/* Where n stands in the graph's node list (its id, unless that is wrong);
 * -1 when it is not there. */
static int node_pos(const IrGraph *g, const IrNode *n) {
  if (!n) return -1;
  if (n->id >= 0 && n->id < g->nnodes && g->nodes[n->id] == n) return n->id;
  for (int i = 0; i < g->nnodes; i++)
    if (g->nodes[i] == n) return i;
  return -1;
}

static int has(IrTensor *const *ts, int n, const IrTensor *t) {
  for (int i = 0; i < n; i++)
    if (ts[i] == t) return 1;
  return 0;
}

static void check_graph_tensor(V *v, const IrTensor *t, int i) {
  const IrGraph *g = v->g;
  if (t->id != i) fail(v, t->loc, "tensor '%s' has id %d at position %d", tname(t), t->id, i);
  check_tensor(v, t);
  switch (t->kind) {
  case IR_INPUT: case IR_WEIGHT: {
    int listed =
        t->kind == IR_INPUT ? has(g->inputs, g->ninputs, t) : has(g->weights, g->nweights, t);
    if (!listed)
      fail(v, t->loc, "%s '%s' is not in the graph's list",
           t->kind == IR_INPUT ? "input" : "weight", tname(t));
    if (t->producer)
      fail(v, t->loc, "%s '%s' has a producer", t->kind == IR_INPUT ? "input" : "weight", tname(t));
    if (t->is_output) fail(v, t->loc, "'%s' is an output but not a value", tname(t));
    return;
  }
  case IR_VALUE:
    if (node_pos(g, t->producer) < 0)
      fail(v, t->loc, "value '%s' has no producer in the graph", tname(t));
    else if (!has(t->producer->outputs, t->producer->noutputs, t))
      fail(v, t->loc, "value '%s' is not an output of its producer '%s'", tname(t),
           t->producer->name);
    if (t->is_output && !has(g->outputs, g->noutputs, t))
      fail(v, t->loc, "value '%s' is marked output but is not in the graph's outputs", tname(t));
    return;
  case IR_LOCAL:
    fail(v, t->loc, "local '%s' is a graph tensor", tname(t));
    return;
  }
  fail(v, t->loc, "tensor '%s' has no kind", tname(t));
}

/* A list of the graph (inputs, weights, outputs): its tensors in order. */
static void check_list(V *v, IrTensor *const *ts, int n, IrTensorKind k, const char *what) {
  if (n > 0 && !ts) {
    fail(v, v->g->loc, "the graph's %s are missing", what);
    return;
  }
  for (int i = 0; i < n; i++) {
    const IrTensor *t = ts[i];
    if (!t || t->id < 0 || t->id >= v->g->ntensors || v->g->tensors[t->id] != t)
      fail(v, v->g->loc, "%s %d is not a tensor of the graph", what, i);
    else if (t->kind != k || (k == IR_VALUE && !t->is_output))
      fail(v, t->loc, "'%s' is listed among the %s but is not one", tname(t), what);
  }
}

static void check_tensors(V *v) {
  const IrGraph *g = v->g;
  if (g->ntensors > 0 && !g->tensors) {
    fail(v, g->loc, "the graph's tensors are missing");
    return;
  }
  check_list(v, g->inputs, g->ninputs, IR_INPUT, "inputs");
  check_list(v, g->weights, g->nweights, IR_WEIGHT, "weights");
  check_list(v, g->outputs, g->noutputs, IR_VALUE, "outputs");
  if (g->noutputs < 1) fail(v, g->loc, "the graph has no output");
  for (int i = 0; i < g->ntensors; i++) {
    if (!g->tensors[i]) fail(v, g->loc, "tensor %d is missing", i);
    else check_graph_tensor(v, g->tensors[i], i);
  }
  for (int i = 0; i < g->nsyms; i++)
    if (!g->syms || !g->syms[i]) fail(v, g->loc, "symbol %d has no name", i);
}

/* -------------------------------------------------------------- expressions */

static void check_expr(V *v, const IrExpr *e, const IrStmt *s, int depth);

static int is_numeric(ElemType t) { return ir_is_float(t) || ir_is_int(t); }

static int valid_type(ElemType t) { return t != ELEM_NONE && (unsigned)t < ELEM__COUNT; }

/* Operand i of e has e's own type. */
static void same_type(V *v, const IrExpr *e, int i) {
  const IrExpr *a = e->args[i];
  if (a && a->type != e->type)
    fail(v, e->loc, "operand %d of a %s is %s, but the %s is %s", i + 1, ir_expr_kind_name(e->kind),
         elem_type_name(a->type), ir_expr_kind_name(e->kind), elem_type_name(e->type));
}

static int index_ok(V *v, const IrExpr *e, int i) {
  if (i >= 0 && i < v->n->nindices) return 1;
  fail(v, e->loc, "index %d is not an index of the node", i);
  return 0;
}

static void check_index(V *v, const IrExpr *e, int at_pack) {
  if (!index_ok(v, e, e->index)) return;
  const IrIndex *ix = &v->n->indices[e->index];
  if (e->type != ELEM_INT)
    fail(v, e->loc, "index '%s' has type %s", ix->name, elem_type_name(e->type));
  if (!v->scope[e->index])
    fail(v, e->loc, "index '%s' is read outside its %s", ix->name,
         ix->reduction ? "reduction" : "statement's left-hand side");
  if (ix->extent.pack && !at_pack)
    fail(v, e->loc, "pack index '%s...' is read other than as a whole subscript at a pack",
         ix->name);
}

/* Where may statement s read tensor t?  Node inputs; locals and outputs of
 * the node defined by an earlier statement. */
static void check_readable(V *v, const IrExpr *e, const IrStmt *s) {
  const IrTensor *t = e->tensor;
  const IrNode *n = v->n;
  if (t == s->target) {
    fail(v, e->loc, "the statement defining '%s' reads it", tname(t));
    return;
  }
  if (has(n->inputs, n->ninputs, t)) return;
  for (int i = 0; i < n->noutputs; i++)
    if (n->outputs[i] == t) {
      if (v->out_def[i] < 0 || v->out_def[i] >= v->stmt)
        fail(v, e->loc, "output '%s' is read before it is defined", tname(t));
      return;
    }
  for (int i = 0; i < n->nlocals; i++)
    if (n->locals[i] == t) {
      if (v->local_def[i] < 0 || v->local_def[i] >= v->stmt)
        fail(v, e->loc, "local '%s' is read before it is defined", tname(t));
      return;
    }
  fail(v, e->loc, "'%s' is neither an input nor a local nor an output of the node", tname(t));
}

static void check_read(V *v, const IrExpr *e, const IrStmt *s, int depth) {
  const IrTensor *t = e->tensor;
  if (!t) {
    fail(v, e->loc, "a read without a tensor");
    return;
  }
  check_readable(v, e, s);
  if (e->type != t->elem)
    fail(v, e->loc, "a read of '%s' has type %s, but the tensor is %s", tname(t),
         elem_type_name(e->type), elem_type_name(t->elem));
  int want = e->flat ? 1 : t->rank;
  if (e->nargs != want) {
    fail(v, e->loc, "'%s' is read with %d subscript%s, but it takes %d", tname(t), e->nargs,
         e->nargs == 1 ? "" : "s", want);
    return;
  }
  for (int j = 0; j < e->nargs; j++) {
    const IrExpr *sub = e->args[j];
    int pack = !e->flat && t->dims && t->dims[j].pack;
    if (!sub) {
      fail(v, e->loc, "subscript %d of '%s' is missing", j + 1, tname(t));
      continue;
    }
    if (!ir_is_int(sub->type))
      fail(v, sub->loc, "subscript %d of '%s' has type %s", j + 1, tname(t),
           elem_type_name(sub->type));
    int pack_index = sub->kind == IE_INDEX && sub->index >= 0 && sub->index < v->n->nindices &&
                     v->n->indices[sub->index].extent.pack;
    if (pack && !pack_index)
      fail(v, sub->loc, "subscript %d of '%s' stands at a pack but is not a pack index", j + 1,
           tname(t));
    if (pack_index) check_index(v, sub, pack);
    else check_expr(v, sub, s, depth + 1);
  }
  if (e->dflt) {
    if (e->dflt->type != e->type)
      fail(v, e->loc, "the default of a read of '%s' is %s, not %s", tname(t),
           elem_type_name(e->dflt->type), elem_type_name(e->type));
    check_expr(v, e->dflt, s, depth + 1);
  }
}

static void check_unary(V *v, const IrExpr *e) {
  if (e->op == OP_NOT) {
    if (e->type != ELEM_BOOL) fail(v, e->loc, "'!' gives %s, not bool", elem_type_name(e->type));
    same_type(v, e, 0);
  } else if (e->op == OP_NEG) {
    if (!is_numeric(e->type)) fail(v, e->loc, "'-' of %s", elem_type_name(e->type));
    same_type(v, e, 0);
  } else {
    fail(v, e->loc, "a unary '%s'", ast_op_name(e->op));
  }
}

static void check_binary(V *v, const IrExpr *e) {
  const IrExpr *a = e->args[0], *b = e->args[1];
  switch (e->op) {
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
    if (!is_numeric(e->type))
      fail(v, e->loc, "'%s' of %s", ast_op_name(e->op), elem_type_name(e->type));
    same_type(v, e, 0);
    same_type(v, e, 1);
    return;
  case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
    if (e->type != ELEM_BOOL)
      fail(v, e->loc, "'%s' gives %s, not bool", ast_op_name(e->op), elem_type_name(e->type));
    if (a && b && a->type != b->type)
      fail(v, e->loc, "'%s' compares %s with %s", ast_op_name(e->op), elem_type_name(a->type),
           elem_type_name(b->type));
    return;
  case OP_AND: case OP_OR:
    if (e->type != ELEM_BOOL)
      fail(v, e->loc, "'%s' gives %s, not bool", ast_op_name(e->op), elem_type_name(e->type));
    same_type(v, e, 0);
    same_type(v, e, 1);
    return;
  case OP_NEG: case OP_NOT: case OP__COUNT:
    break;
  }
  fail(v, e->loc, "a binary '%s'", ast_op_name(e->op));
}

static void check_call(V *v, const IrExpr *e) {
  if ((unsigned)e->builtin >= BI__COUNT || e->builtin == BI_SELECT) {
    fail(v, e->loc, "a call of built-in %d (select is IE_SELECT)", (int)e->builtin);
    return;
  }
  if (e->nargs != ir_builtin_arity(e->builtin)) {
    fail(v, e->loc, "'%s' takes %d arguments, not %d", ir_builtin_name(e->builtin),
         ir_builtin_arity(e->builtin), e->nargs);
    return;
  }
  int ok = ir_builtin_kind(e->builtin) == BF_FLOAT ? ir_is_float(e->type) : is_numeric(e->type);
  if (!ok) fail(v, e->loc, "'%s' of %s", ir_builtin_name(e->builtin), elem_type_name(e->type));
  for (int i = 0; i < e->nargs; i++) same_type(v, e, i);
}

/* Binds the reduction's indices around its body. */
static void check_reduce(V *v, const IrExpr *e, const IrStmt *s, int depth) {
  if (e->nred < 1 || !e->red) {
    fail(v, e->loc, "a reduction without indices");
    return;
  }
  if ((unsigned)e->reduce >= RD__COUNT) fail(v, e->loc, "reduction %d", (int)e->reduce);
  if (!is_numeric(e->type) || (e->reduce == RD_MEAN && !ir_is_float(e->type)))
    fail(v, e->loc, "'%s' of %s", ir_reduction_name(e->reduce), elem_type_name(e->type));
  same_type(v, e, 0);
  int ok = 1;
  for (int i = 0; i < e->nred && ok; i++) {
    if (!(ok = index_ok(v, e, e->red[i]))) break;
    const IrIndex *ix = &v->n->indices[e->red[i]];
    if (!ix->reduction) fail(v, e->loc, "'%s' reduces over '%s', which is not a reduction index",
                             ir_reduction_name(e->reduce), ix->name);
    if (v->scope[e->red[i]]) fail(v, e->loc, "reduction index '%s' is already bound", ix->name);
  }
  if (!ok) return;
  for (int i = 0; i < e->nred; i++) v->scope[e->red[i]]++;
  check_expr(v, e->args[0], s, depth + 1);
  for (int i = 0; i < e->nred; i++) v->scope[e->red[i]]--;
}

static const int arity[IE__COUNT] = {
    [IE_CONST] = 0, [IE_INDEX] = 0, [IE_DIM] = 0, [IE_UNARY] = 1, [IE_BINARY] = 2,
    [IE_SELECT] = 3, [IE_CAST] = 1, [IE_REDUCE] = 1, [IE_READ] = -1, [IE_CALL] = -1};

static void check_kind(V *v, const IrExpr *e, const IrStmt *s, int depth) {
  switch (e->kind) {
  case IE_CONST:
    if (e->type == ELEM_BOOL && e->i != 0 && e->i != 1)
      fail(v, e->loc, "the bool constant %lld", (long long)e->i);
    return;
  case IE_INDEX: check_index(v, e, 0); return;
  case IE_DIM:
    if (!e->dim) fail(v, e->loc, "a dimension without its value");
    else if (ir_dim_has_index(e->dim)) fail(v, e->loc, "a dimension that mentions an index");
    if (e->type != ELEM_INT && !v->g->generic)
      fail(v, e->loc, "a dimension of type %s", elem_type_name(e->type));
    return;
  case IE_READ: check_read(v, e, s, depth); return;
  case IE_UNARY: check_unary(v, e); break;
  case IE_BINARY: check_binary(v, e); break;
  case IE_CALL: check_call(v, e); break;
  case IE_SELECT:
    if (e->args[0] && e->args[0]->type != ELEM_BOOL)
      fail(v, e->loc, "a select on a %s condition", elem_type_name(e->args[0]->type));
    same_type(v, e, 1);
    same_type(v, e, 2);
    break;
  case IE_CAST:
    if (!ir_is_tensor_elem(e->type)) fail(v, e->loc, "a conversion to %s", elem_type_name(e->type));
    break;
  case IE_REDUCE: check_reduce(v, e, s, depth); return;
  case IE__COUNT:
    fail(v, e->loc, "an expression of kind %d", (int)e->kind);
    return;
  }
  for (int i = 0; i < e->nargs; i++) check_expr(v, e->args[i], s, depth + 1);
}

static void check_expr(V *v, const IrExpr *e, const IrStmt *s, int depth) {
  if (!e) {
    fail(v, s->loc, "a missing expression");
    return;
  }
  if (depth > VERIFY_MAX_DEPTH) {
    fail(v, e->loc, "an expression deeper than %d levels", VERIFY_MAX_DEPTH);
    return;
  }
  if ((unsigned)e->kind >= IE__COUNT) {
    fail(v, e->loc, "an expression of kind %d", (int)e->kind);
    return;
  }
  if (!valid_type(e->type)) fail(v, e->loc, "a %s without a type", ir_expr_kind_name(e->kind));
  int want = arity[e->kind];
  if ((want >= 0 && e->nargs != want) || e->nargs < 0 || (e->nargs > 0 && !e->args)) {
    fail(v, e->loc, "a %s with %d operands", ir_expr_kind_name(e->kind), e->nargs);
    return;
  }
  for (int i = 0; i < e->nargs; i++)
    if (!e->args[i]) {
      fail(v, e->loc, "operand %d of a %s is missing", i + 1, ir_expr_kind_name(e->kind));
      return;
    }
  check_kind(v, e, s, depth);
}

/* ------------------------------------------------------------- statements */

static int pos_in(IrTensor *const *ts, int n, const IrTensor *t) {
  for (int i = 0; i < n; i++)
    if (ts[i] == t) return i;
  return -1;
}

/* The target: an output or a local of the node, defined once; the
 * left-hand side: one distinct non-reduction index per dimension, of the
 * dimension's extent. */
static void check_lhs(V *v, const IrStmt *s) {
  const IrNode *n = v->n;
  const IrTensor *t = s->target;
  int o = pos_in(n->outputs, n->noutputs, t), l = pos_in(n->locals, n->nlocals, t);
  int *def = o >= 0 ? &v->out_def[o] : l >= 0 ? &v->local_def[l] : NULL;
  if (!def) {
    fail(v, s->loc, "statement %d defines '%s', which is neither an output nor a local of the node",
         v->stmt + 1, tname(t));
  } else if (*def >= 0) {
    fail(v, s->loc, "'%s' is defined twice (statements %d and %d)", tname(t), *def + 1,
         v->stmt + 1);
  } else {
    *def = v->stmt;
  }
  if (s->nlhs != t->rank || (s->nlhs > 0 && !s->lhs)) {
    fail(v, s->loc, "the left-hand side of '%s' has %d indices, but the tensor has rank %d",
         tname(t), s->nlhs, t->rank);
    return;
  }
  for (int j = 0; j < s->nlhs; j++) {
    int i = s->lhs[j];
    if (i < 0 || i >= n->nindices) {
      fail(v, s->loc, "left-hand index %d of '%s' is not an index of the node", j + 1, tname(t));
      continue;
    }
    const IrIndex *ix = &n->indices[i];
    if (ix->reduction)
      fail(v, s->loc, "reduction index '%s' stands on the left-hand side", ix->name);
    if (v->scope[i]++) fail(v, s->loc, "index '%s' appears twice on the left-hand side", ix->name);
    if (t->dims && !extent_equal(ix->extent, t->dims[j]))
      fail(v, s->loc, "index '%s' of '%s' ranges over %s, but dimension %d is %s", ix->name,
           tname(t), ix->extent.pack ? ix->extent.pack : dim_str(v->c->arena, ix->extent.dim),
           j + 1, t->dims[j].pack ? t->dims[j].pack : dim_str(v->c->arena, t->dims[j].dim));
  }
}

static void check_stmt(V *v, const IrStmt *s) {
  if (!s->target) {
    fail(v, s->loc, "statement %d has no target", v->stmt + 1);
    return;
  }
  memset(v->scope, 0, sizeof *v->scope * (size_t)v->n->nindices);
  check_lhs(v, s);
  if (s->rhs && s->rhs->type != s->target->elem)
    fail(v, s->loc, "'%s' is %s, but its value is %s", tname(s->target),
         elem_type_name(s->target->elem), elem_type_name(s->rhs->type));
  check_expr(v, s->rhs, s, 0);
}

/* ------------------------------------------------------------------- nodes */

static void check_indices(V *v) {
  const IrNode *n = v->n;
  for (int i = 0; i < n->nindices; i++) {
    const IrIndex *x = &n->indices[i];
    if (!x->name) {
      fail(v, n->loc, "index %d has no name", i);
      continue;
    }
    for (int j = 0; j < i; j++)
      if (n->indices[j].name && strcmp(n->indices[j].name, x->name) == 0)
        fail(v, n->loc, "two indices are named '%s'", x->name);
    if (!x->extent.dim == !x->extent.pack)
      fail(v, n->loc, "index '%s' has no single range", x->name);
    else if (x->extent.pack && (!v->g->generic || x->reduction))
      fail(v, n->loc, "index '%s' ranges over a pack %s", x->name,
           v->g->generic ? "in a reduction" : "in a model graph");
    else if (x->extent.dim && ir_dim_has_index(x->extent.dim))
      fail(v, n->loc, "the range of index '%s' mentions an index", x->name);
  }
}

/* What the node's op declares: as many inputs, outputs and attributes. */
static void check_def(V *v) {
  const IrNode *n = v->n;
  const SemSig *sig = n->def ? n->def->sem : NULL;
  if (!n->def) return;
  if (n->def->kind != AST_OP || !sig) {
    fail(v, n->loc, "the node's definition is not a checked op");
    return;
  }
  if (n->ninputs != sig->ntensors || n->noutputs != sig->nresults || n->nattrs != sig->nattrs)
    fail(v, n->loc, "%d inputs, %d outputs and %d attributes for an op with %d, %d and %d",
         n->ninputs, n->noutputs, n->nattrs, sig->ntensors, sig->nresults, sig->nattrs);
  for (int i = 0; i < n->nattrs && n->attrs; i++)
    if (!n->attrs[i].name || (!v->g->generic && n->attrs[i].value.type == ELEM_NONE))
      fail(v, n->loc, "attribute %d has no %s", i + 1, n->attrs[i].name ? "value" : "name");
}

static void check_io(V *v, int pos) {
  const IrNode *n = v->n;
  for (int i = 0; i < n->ninputs; i++) {
    const IrTensor *t = n->inputs[i];
    if (!t || t->id < 0 || t->id >= v->g->ntensors || v->g->tensors[t->id] != t) {
      fail(v, n->loc, "input %d is not a tensor of the graph", i + 1);
      continue;
    }
    if (t->kind == IR_VALUE && node_pos(v->g, t->producer) >= pos)
      fail(v, n->loc, "input '%s' is produced by node '%s', which does not come earlier", tname(t),
           t->producer ? t->producer->name : "?");
  }
  for (int i = 0; i < n->noutputs; i++) {
    const IrTensor *t = n->outputs[i];
    if (!t || t->kind != IR_VALUE || t->producer != n)
      fail(v, n->loc, "output %d ('%s') is not a value that the node produces", i + 1, tname(t));
  }
  for (int i = 0; i < n->nlocals; i++) {
    const IrTensor *t = n->locals[i];
    if (!t || t->kind != IR_LOCAL || t->id != i) {
      fail(v, n->loc, "local %d ('%s') is not the node's local %d", i + 1, tname(t), i);
      continue;
    }
    if (t->producer && t->producer != n)
      fail(v, t->loc, "local '%s' belongs to another node", tname(t));
    check_tensor(v, t);
  }
}

static void check_node(V *v, const IrNode *n, int pos) {
  v->n = n;
  if (n->id != pos) fail(v, n->loc, "the node has id %d at position %d", n->id, pos);
  if (!n->name || !n->op) fail(v, n->loc, "a node without a %s", n->name ? "op" : "name");
  if (n->noutputs < 1 || !n->outputs || (n->ninputs > 0 && !n->inputs) ||
      (n->nindices > 0 && !n->indices) || (n->nlocals > 0 && !n->locals) ||
      (n->nstmts > 0 && !n->stmts) || (n->nattrs > 0 && !n->attrs)) {
    fail(v, n->loc, "the node's lists are missing");
    return;
  }
  check_def(v);
  check_io(v, pos);
  check_indices(v);
  v->scope = arena_alloc(v->c->arena, sizeof *v->scope * (size_t)(n->nindices + 1));
  v->local_def = arena_alloc(v->c->arena, sizeof *v->local_def * (size_t)(n->nlocals + 1));
  v->out_def = arena_alloc(v->c->arena, sizeof *v->out_def * (size_t)(n->noutputs + 1));
  for (int i = 0; i < n->nlocals; i++) v->local_def[i] = -1;
  for (int i = 0; i < n->noutputs; i++) v->out_def[i] = -1;
  for (v->stmt = 0; v->stmt < n->nstmts; v->stmt++) check_stmt(v, &n->stmts[v->stmt]);
  for (int i = 0; i < n->noutputs; i++)
    if (v->out_def[i] < 0) fail(v, n->loc, "output '%s' is never defined", tname(n->outputs[i]));
  for (int i = 0; i < n->nlocals; i++)
    if (v->local_def[i] < 0) fail(v, n->loc, "local '%s' is never defined", tname(n->locals[i]));
  v->n = NULL;
}

int ir_verify(IrCtx *c, const IrGraph *g) {
  V v;
  memset(&v, 0, sizeof v);
  v.c = c;
  v.g = g;
  check_tensors(&v);
  if (g->nnodes > 0 && !g->nodes) {
    fail(&v, g->loc, "the graph's nodes are missing");
    return v.errors;
  }
  if (g->generic && g->nnodes != 1) fail(&v, g->loc, "a generic graph with %d nodes", g->nnodes);
  for (int i = 0; i < g->nnodes && !diag_should_stop(c->diag); i++) {
    if (!g->nodes[i]) fail(&v, g->loc, "node %d is missing", i);
    else check_node(&v, g->nodes[i], i);
  }
  if (g->fusion && v.errors == 0) v.errors += ir_fusion_verify(c, g, g->fusion);
  return v.errors;
}
