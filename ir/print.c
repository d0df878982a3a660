/* ir/print.c -- the text form of the graph IR (`xgc --emit=ir`) and of the
 * mapping types (`xgc --emit=classes`); stable, for golden tests.
 *
 * The format (docs/ir.md has the full description):
 *
 *   model mlp(x) -> (logits)                     a model's graph
 *   op softmax(x) -> (y)                         or one op definition's
 *     syms B                                     symbolic dims, if any
 *     %x: f32[B, 784] row-major input            graph inputs,
 *     %w1: f32[784, 256] row-major weight        weights (in declaration order)
 *     node h.1 = nn.matmul(x, w1) : many-to-many       a node: name = op(inputs)
 *       %h.1: f32[B, 256] row-major                     its outputs ("output" marks
 *       h.1[m, n] = sum(k < 784) x[m, k] * w1[k, n]     the model's), locals, and
 *                                                       statements in order
 *
 * A node line: `node NAMES = OP(INPUTS) [ATTRS] : TYPE`, where NAMES are its
 * output tensors, ATTRS every attribute with its resolved value (in a generic
 * graph `name: type = default`), TYPE the mapping type once classified.  A
 * statement `t[i, j] = e` defines t for every i, j in t's dims (a left-hand
 * index ranges over its dimension); reductions show their ranges
 * (`sum(k < 784)`); reads are `t[subs]`, `t.flat[offset]`, `t[subs] ?? v`.
 * Tensors are named by the graph (`h.1`, `w1`), locals by their node
 * (`p.mx`), indices by the op (`l0, l1` for the elements of a pack `l...`;
 * a prime when one name has two ranges: `d'`).  Integer arithmetic is
 * printed without spaces around * / %.  Floats print as fmt_float does
 * (lang/fmt.c): the shortest form that reads back exactly (0.5, 100.0,
 * 1e-05, inf). */
#include "ir/ir_int.h"

#include <math.h>

static const char *const map_names[] = {
#define X(k, s) s,
    XG_MAP_TYPES(X)
#undef X
};
_Static_assert(sizeof map_names / sizeof *map_names == MAP__COUNT, "map names");

const char *ir_map_name(IrMapType t) { return (unsigned)t < MAP__COUNT ? map_names[t] : "?"; }

static const char *const layout_names[] = {
#define X(k, s) s,
    XG_LAYOUTS(X)
#undef X
};
_Static_assert(sizeof layout_names / sizeof *layout_names == LAYOUT__COUNT, "layout names");

static const char *const kind_words[] = {"input", "weight", "", "local"};

/* ------------------------------------------------------------------ values */

static void put_const(FILE *out, const SemConst *v) {
  switch (v->type) {
  case ELEM_FLOAT: fmt_put_float(out, v->f); return;
  case ELEM_BOOL: fputs(v->i ? "true" : "false", out); return;
  case ELEM_INT: fprintf(out, "%lld", (long long)v->i); return;
  case ELEM_NONE: case ELEM_F32: case ELEM_F16: case ELEM_I32: case ELEM_I8: case ELEM__COUNT:
    break;
  }
  fputs("?", out);
}

static void put_dims(FILE *out, const IrTensor *t) {
  fprintf(out, "%s[", elem_type_name(t->elem));
  for (int j = 0; j < t->rank; j++) {
    if (j) fputs(", ", out);
    if (t->dims[j].pack) fprintf(out, "%s...", t->dims[j].pack);
    else dim_print(out, t->dims[j].dim);
  }
  fputs("]", out);
}

/* ------------------------------------------------------------- expressions */

static int op_prec(AstOp op) {
  switch (op) {
  case OP_OR: return 3;
  case OP_AND: return 4;
  case OP_EQ: case OP_NE: return 5;
  case OP_LT: case OP_LE: case OP_GT: case OP_GE: return 6;
  case OP_ADD: case OP_SUB: return 7;
  case OP_MUL: case OP_DIV: case OP_MOD: return 8;
  case OP_NEG: case OP_NOT: case OP__COUNT: return 9;
  }
  return 9;
}

/* How tightly a Dim binds when printed by dim_print. */
static int dim_prec(const Dim *d) {
  int64_t v;
  if (dim_is_const(d, &v)) return v < 0 ? 9 : 11;
  if (dim_as_sym(d)) return 11;
  if (d->nterms == 1 && d->terms[0].coef > 0) return 8;
  return 7;
}

static int prec(const IrExpr *e) {
  switch (e->kind) {
  case IE_REDUCE: return 1;
  case IE_SELECT: return 2;
  case IE_BINARY: return op_prec(e->op);
  case IE_UNARY: return 9;
  case IE_READ: return e->dflt ? 1 : 11; /* (x[i] ?? 0.0) * w[i]: parenthesized */
  case IE_DIM: return e->dim ? dim_prec(e->dim) : 11;
  case IE_CONST:
    return (ir_is_float(e->type) ? (e->f < 0 || signbit(e->f)) : (e->type != ELEM_BOOL && e->i < 0))
               ? 9
               : 11;
  case IE_INDEX: case IE_CALL: case IE_CAST: case IE__COUNT: return 11;
  }
  return 11;
}

typedef struct Pr {
  FILE *out;
  const IrNode *n;
} Pr;

static void expr(Pr *p, const IrExpr *e, int min);

static void index_name(Pr *p, int i) {
  const IrIndex *ix = p->n && i >= 0 && i < p->n->nindices ? &p->n->indices[i] : NULL;
  if (!ix) {
    fputs("?", p->out);
    return;
  }
  fputs(ix->name, p->out);
  if (ix->extent.pack) fputs("...", p->out);
}

static void args(Pr *p, const IrExpr *e, int from) {
  for (int i = from; i < e->nargs; i++) {
    if (i > from) fputs(", ", p->out);
    expr(p, e->args[i], 0);
  }
}

static void put_const_expr(Pr *p, const IrExpr *e) {
  if (ir_is_float(e->type)) fmt_put_float(p->out, e->f);
  else if (e->type == ELEM_BOOL) fputs(e->i ? "true" : "false", p->out);
  else fprintf(p->out, "%lld", (long long)e->i);
}

static void put_reduce(Pr *p, const IrExpr *e) {
  fprintf(p->out, "%s(", ir_reduction_name(e->reduce));
  for (int i = 0; i < e->nred; i++) {
    int r = e->red[i];
    if (i) fputs(", ", p->out);
    index_name(p, r);
    if (p->n && r >= 0 && r < p->n->nindices && p->n->indices[r].extent.dim) {
      fputs(" < ", p->out);
      dim_print(p->out, p->n->indices[r].extent.dim);
    }
  }
  fputs(") ", p->out);
  expr(p, e->nargs ? e->args[0] : NULL, 2);
}

static void put_binary(Pr *p, const IrExpr *e, int pr) {
  int right = pr + 1, left = pr >= 5 && pr <= 6 ? pr + 1 : pr; /* comparisons do not chain */
  int tight = pr == 8 && e->type == ELEM_INT;
  const IrExpr *a = e->args[0];
  if (tight && a->kind == IE_BINARY && a->op != e->op && op_prec(a->op) == 8)
    left = pr + 1; /* (c/b)%b rather than c/b%b */
  expr(p, a, left);
  fprintf(p->out, tight ? "%s" : " %s ", ast_op_name(e->op));
  expr(p, e->args[1], right);
}

static void expr_kind(Pr *p, const IrExpr *e, int pr) {
  switch (e->kind) {
  case IE_CONST: put_const_expr(p, e); return;
  case IE_INDEX: index_name(p, e->index); return;
  case IE_DIM: dim_print(p->out, e->dim); return;
  case IE_READ:
    fprintf(p->out, "%s%s[", e->tensor ? e->tensor->name : "?", e->flat ? ".flat" : "");
    args(p, e, 0);
    fputs("]", p->out);
    if (e->dflt) {
      fputs(" ?? ", p->out);
      expr(p, e->dflt, 9);
    }
    return;
  case IE_UNARY:
    fputs(ast_op_name(e->op), p->out);
    expr(p, e->args[0], 9);
    return;
  case IE_BINARY: put_binary(p, e, pr); return;
  case IE_CALL:
    fprintf(p->out, "%s(", ir_builtin_name(e->builtin));
    args(p, e, 0);
    fputs(")", p->out);
    return;
  case IE_SELECT:
    expr(p, e->args[0], 3);
    fputs(" ? ", p->out);
    expr(p, e->args[1], 2);
    fputs(" : ", p->out);
    expr(p, e->args[2], 2);
    return;
  case IE_CAST:
    fprintf(p->out, "%s(", elem_type_name(e->type));
    expr(p, e->args[0], 0);
    fputs(")", p->out);
    return;
  case IE_REDUCE: put_reduce(p, e); return;
  case IE__COUNT: break;
  }
  fputs("?", p->out);
}

static void expr(Pr *p, const IrExpr *e, int min) {
  if (!e) {
    fputs("?", p->out);
    return;
  }
  int pr = prec(e), paren = pr < min;
  if (paren) fputs("(", p->out);
  expr_kind(p, e, pr);
  if (paren) fputs(")", p->out);
}

/* ------------------------------------------------------------------- graphs */

static int is_param_operand(const IrNode *n, int i) {
  if (!n || !n->def || i >= n->def->params.n) return 0;
  int k = 0;
  for (int j = 0; j < n->def->params.n; j++) {
    const AstNode *p = n->def->params.items[j];
    if (p->kind != AST_TENSOR_PARAM) continue;
    if (k++ == i) return p->weight;
  }
  return 0;
}

static void put_tensor(FILE *out, const IrTensor *t, const char *indent, int param) {
  fprintf(out, "%s%%%s: ", indent, t->name);
  put_dims(out, t);
  fprintf(out, " %s", (unsigned)t->layout < LAYOUT__COUNT ? layout_names[t->layout] : "?");
  if (t->kind != IR_VALUE) fprintf(out, " %s", kind_words[t->kind]);
  if (param) fputs(" param", out);
  if (t->is_output) fputs(" output", out);
  fputs("\n", out);
}

static void put_attrs(FILE *out, const IrNode *n, int generic) {
  if (!n->nattrs) return;
  fputs(" [", out);
  for (int i = 0; i < n->nattrs; i++) {
    const IrAttr *a = &n->attrs[i];
    fprintf(out, "%s%s", i ? ", " : "", a->name);
    if (generic) {
      const AstNode *d = NULL;
      for (int j = 0; n->def && j < n->def->params.n && !d; j++) {
        const AstNode *p = n->def->params.items[j];
        if (p->kind == AST_ATTR_PARAM && p->name == a->name) d = p;
      }
      fprintf(out, ": %s", d ? elem_type_name(d->elem) : "?");
      if (a->value.type == ELEM_NONE) continue;
      fputs(" = ", out);
    } else {
      fputs("=", out);
    }
    put_const(out, &a->value);
  }
  fputs("]", out);
}

static void put_stmt(Pr *p, const IrStmt *s) {
  fprintf(p->out, "    %s[", s->target ? s->target->name : "?");
  for (int j = 0; j < s->nlhs; j++) {
    if (j) fputs(", ", p->out);
    index_name(p, s->lhs[j]);
  }
  fputs("] = ", p->out);
  expr(p, s->rhs, 0);
  fputs("\n", p->out);
}

static void put_node(FILE *out, const IrGraph *g, const IrNode *n) {
  fputs("  node ", out);
  for (int i = 0; i < n->noutputs; i++) fprintf(out, "%s%s", i ? ", " : "", n->outputs[i]->name);
  fprintf(out, " = %s(", n->op);
  for (int i = 0; i < n->ninputs; i++) fprintf(out, "%s%s", i ? ", " : "", n->inputs[i]->name);
  fputs(")", out);
  put_attrs(out, n, g->generic);
  if (g->classified) fprintf(out, " : %s", ir_map_name(n->map));
  fputs("\n", out);
  if (!g->generic)
    for (int i = 0; i < n->noutputs; i++) put_tensor(out, n->outputs[i], "    ", 0);
  for (int i = 0; i < n->nlocals; i++) put_tensor(out, n->locals[i], "    ", 0);
  Pr p = {out, n};
  for (int i = 0; i < n->nstmts; i++) put_stmt(&p, &n->stmts[i]);
}

static void put_names(FILE *out, IrTensor *const *ts, int n) {
  for (int i = 0; i < n; i++) fprintf(out, "%s%s", i ? ", " : "", ts[i] ? ts[i]->name : "?");
}

void ir_print(FILE *out, const IrGraph *g) {
  fprintf(out, "%s %s(", g->generic ? "op" : "model", g->name);
  put_names(out, g->inputs, g->ninputs);
  fputs(") -> (", out);
  put_names(out, g->outputs, g->noutputs);
  fputs(")\n", out);
  if (g->nsyms) {
    fputs("  syms ", out);
    for (int i = 0; i < g->nsyms; i++) fprintf(out, "%s%s", i ? ", " : "", g->syms[i]);
    fputs("\n", out);
  }
  const IrNode *gn = g->generic && g->nnodes ? g->nodes[0] : NULL;
  for (int i = 0; i < g->ninputs; i++) put_tensor(out, g->inputs[i], "  ", is_param_operand(gn, i));
  for (int i = 0; i < g->nweights; i++) put_tensor(out, g->weights[i], "  ", 0);
  if (g->generic)
    for (int i = 0; i < g->noutputs; i++) put_tensor(out, g->outputs[i], "  ", 0);
  for (int i = 0; i < g->nnodes; i++) put_node(out, g, g->nodes[i]);
}

void ir_print_classes(FILE *out, const IrGraph *g) {
  if (!g->generic) fprintf(out, "# model %s\n", g->name);
  for (int i = 0; i < g->nnodes; i++) {
    const IrNode *n = g->nodes[i];
    fprintf(out, "%s %s %s\n", n->name, n->op,
            g->classified ? ir_map_name(n->map) : "unclassified");
  }
}
