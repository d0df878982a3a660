/* ast_dump.c -- the text form of the AST printed by `xgc --emit=ast`: an
 * indented tree, stable across runs, pinned by tests/golden/. */

/* The format.  One node per line, indented two spaces a level, ending in
 * `@line:col` (the node's start).  Declarations and statements:
 *
 *   module <name>                     the root (name: the path as given)
 *     import nn @1:1
 *     op matmul @3:1 end @5:1         `end`: the closing brace
 *       param a: f32[M, K] @3:11      op parameters: tensors and attributes
 *       param stride: int = 1 @3:30   (an attribute's default follows '=')
 *       result c: f32[M, N] @3:43
 *       def c[m, n] @4:3              a statement `c[m, n] = <child>;`
 *     model mlp @7:1 end @12:1
 *       input x: f32[1, 784] @7:11
 *       output y: f32[1, 10] @7:30
 *       weight w: f32[784, 10] @8:3   `param w: ...;` in a model body
 *       let a, b @9:3                 a statement `a, b = <child>;`
 *
 * Expressions are one node per line, children below in source order:
 * `binary +`, `unary -`, `cond` (condition, then, else), `default` (the
 * access, then the value after ??), `call nn.relu` (arguments), `kwarg
 * pad` (its value), `cast f32`, `reduce sum(k, u < KH)` (the body), and
 * the leaves `int 3`, `float 0.5`, `bool true`, `name nn.relu`, `access
 * a[m, k]`, `access x.flat[i * D + j]`.  Types, attribute defaults,
 * definition targets, subscripts and reduction indices are printed inline
 * as source text, with only the parentheses that precedence needs; packs
 * print as `S...`.  Floats print as fmt_float does (lang/fmt.c): the
 * shortest form that reads back to the same double, always with a '.' or an
 * exponent (which only very small or very large values get: 1e-05, 1e+20). */
#include "parser/ast.h"

/* Walkers stop here: the parser never builds deeper trees (AST_MAX_DEPTH
 * expression levels under a few declaration levels), so this only guards
 * trees built some other way. */
enum { DUMP_MAX_LEVEL = AST_MAX_DEPTH + 16 };

/* Precedence levels of docs/language.md section 6 (higher binds tighter). */
enum { P_REDUCE = 1, P_COND, P_OR, P_AND, P_EQ, P_REL, P_ADD, P_MUL, P_UNARY, P_DEFAULT, P_PRIMARY };

static int op_prec(AstOp op) {
  switch (op) {
  case OP_OR: return P_OR;
  case OP_AND: return P_AND;
  case OP_EQ: case OP_NE: return P_EQ;
  case OP_LT: case OP_LE: case OP_GT: case OP_GE: return P_REL;
  case OP_ADD: case OP_SUB: return P_ADD;
  case OP_MUL: case OP_DIV: case OP_MOD: return P_MUL;
  case OP_NEG: case OP_NOT: return P_UNARY;
  case OP__COUNT: break;
  }
  return P_PRIMARY;
}

static int prec_of(const AstNode *n) {
  switch (n->kind) {
  case AST_REDUCE: return P_REDUCE;
  case AST_COND: return P_COND;
  case AST_BINARY: return op_prec(n->op);
  case AST_UNARY: return P_UNARY;
  case AST_DEFAULT: return P_DEFAULT;
  case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL: case AST_TENSOR_PARAM:
  case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT: case AST_LET:
  case AST_NAME: case AST_INT: case AST_FLOAT: case AST_BOOL: case AST_ACCESS:
  case AST_CALL: case AST_KWARG: case AST_PACK: case AST_CAST: case AST__COUNT:
    break;
  }
  return P_PRIMARY;
}

static void print_name(FILE *out, const AstNode *n) {
  if (n->qual) fprintf(out, "%s.", n->qual);
  fputs(n->name ? n->name : "?", out);
}

static void print_expr(FILE *out, const AstNode *n, int min, int level);

static void print_list(FILE *out, const PtrVec *v, int level) {
  for (int i = 0; i < v->n; i++) {
    if (i) fputs(", ", out);
    print_expr(out, v->items[i], P_REDUCE, level + 1);
  }
}

/* name[subs] or name.flat[subs]. */
static void print_access(FILE *out, const AstNode *n, int level) {
  if (n->lhs) print_name(out, n->lhs);
  fputs(n->flat ? ".flat[" : "[", out);
  print_list(out, &n->list, level);
  fputc(']', out);
}

static void print_type(FILE *out, const AstNode *t, int level) {
  fprintf(out, "%s[", elem_type_name(t->elem));
  print_list(out, &t->list, level);
  fputc(']', out);
}

/* The operands of n, in source form (n's own precedence is handled by the
 * caller). */
static void print_inner(FILE *out, const AstNode *n, int level) {
  int p = prec_of(n);
  switch (n->kind) {
  case AST_INT: fprintf(out, "%lld", (long long)n->ival); break;
  case AST_FLOAT: fmt_put_float(out, n->fval); break;
  case AST_BOOL: fputs(n->ival ? "true" : "false", out); break;
  case AST_NAME: print_name(out, n); break;
  case AST_PACK: fprintf(out, "%s...", n->name); break;
  case AST_ACCESS: print_access(out, n, level); break;
  case AST_UNARY:
    fputs(ast_op_name(n->op), out);
    print_expr(out, n->lhs, n->lhs->kind == AST_UNARY ? P_PRIMARY : P_UNARY, level + 1);
    break;
  case AST_BINARY: {
    int nonassoc = p == P_EQ || p == P_REL;
    print_expr(out, n->lhs, nonassoc ? p + 1 : p, level + 1);
    fprintf(out, " %s ", ast_op_name(n->op));
    print_expr(out, n->rhs, p + 1, level + 1);
    break;
  }
  case AST_COND:
    print_expr(out, n->cond, P_OR, level + 1);
    fputs(" ? ", out);
    print_expr(out, n->lhs, P_REDUCE, level + 1);
    fputs(" : ", out);
    print_expr(out, n->rhs, P_REDUCE, level + 1);
    break;
  case AST_DEFAULT:
    print_expr(out, n->lhs, P_PRIMARY, level + 1);
    fputs(" ?? ", out);
    print_expr(out, n->rhs, P_UNARY, level + 1);
    break;
  case AST_CALL:
  case AST_REDUCE:
    if (n->lhs) print_name(out, n->lhs);
    fputc('(', out);
    print_list(out, &n->list, level);
    fputc(')', out);
    if (n->kind == AST_REDUCE) {
      fputc(' ', out);
      print_expr(out, n->rhs, P_REDUCE, level + 1);
    }
    break;
  case AST_KWARG:
    fprintf(out, "%s=", n->name);
    print_expr(out, n->rhs, P_REDUCE, level + 1);
    break;
  case AST_CAST:
    fprintf(out, "%s(", elem_type_name(n->elem));
    print_expr(out, n->lhs, P_REDUCE, level + 1);
    fputc(')', out);
    break;
  case AST_TYPE: print_type(out, n, level); break;
  case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL: case AST_TENSOR_PARAM:
  case AST_ATTR_PARAM: case AST_DEF: case AST_WEIGHT: case AST_LET: case AST__COUNT:
    fprintf(out, "<%s>", ast_kind_name(n->kind));
    break;
  }
}

/* Prints n as source text, parenthesized when its precedence is below min. */
static void print_expr(FILE *out, const AstNode *n, int min, int level) {
  if (!n) {
    fputs("<null>", out);
    return;
  }
  if (level > DUMP_MAX_LEVEL) {
    fputs("...", out);
    return;
  }
  int paren = prec_of(n) < min;
  if (paren) fputc('(', out);
  print_inner(out, n, level);
  if (paren) fputc(')', out);
}

/* ------------------------------------------------------------- the tree */

typedef struct Dump {
  FILE *out;
} Dump;

static void line_start(Dump *d, int level) {
  for (int i = 0; i < level; i++) fputs("  ", d->out);
}

static void line_end(Dump *d, const AstNode *n) {
  fprintf(d->out, " @%d:%d\n", n->loc.line, n->loc.col);
}

static void dump_node(Dump *d, const AstNode *n, int level);

static void dump_kids(Dump *d, const PtrVec *v, int level) {
  for (int i = 0; i < v->n; i++) dump_node(d, v->items[i], level);
}

/* A parameter, result, input, output or weight: `role name: type`. */
static void dump_decl_line(Dump *d, const char *role, const AstNode *p, int level) {
  line_start(d, level);
  fprintf(d->out, "%s %s%s: ", role, p->weight ? "param " : "", p->name);
  if (p->kind == AST_ATTR_PARAM) {
    fputs(elem_type_name(p->elem), d->out);
    if (p->lhs) {
      fputs(" = ", d->out);
      print_expr(d->out, p->lhs, P_REDUCE, 0);
    }
  } else if (p->type) {
    print_type(d->out, p->type, 0);
  }
  line_end(d, p);
}

static void dump_signature(Dump *d, const AstNode *n, int level) {
  int model = n->kind == AST_MODEL;
  for (int i = 0; i < n->params.n; i++)
    dump_decl_line(d, model ? "input" : "param", n->params.items[i], level);
  for (int i = 0; i < n->results.n; i++)
    dump_decl_line(d, model ? "output" : "result", n->results.items[i], level);
}

static void dump_opdecl(Dump *d, const AstNode *n, int level) {
  line_start(d, level);
  fprintf(d->out, "%s %s @%d:%d end @%d:%d\n", ast_kind_name(n->kind), n->name, n->loc.line,
          n->loc.col, n->end.line, n->end.col);
  dump_signature(d, n, level + 1);
  dump_kids(d, &n->list, level + 1);
}

static void dump_let(Dump *d, const AstNode *n, int level) {
  line_start(d, level);
  fputs("let ", d->out);
  for (int i = 0; i < n->list.n; i++) {
    if (i) fputs(", ", d->out);
    print_name(d->out, n->list.items[i]);
  }
  line_end(d, n);
  dump_node(d, n->rhs, level + 1);
}

/* The first part of an expression line: its kind and key field. */
static void dump_expr_head(Dump *d, const AstNode *n) {
  fputs(ast_kind_name(n->kind), d->out);
  switch (n->kind) {
  case AST_UNARY: case AST_BINARY: fprintf(d->out, " %s", ast_op_name(n->op)); break;
  case AST_CALL: fputc(' ', d->out); if (n->lhs) print_name(d->out, n->lhs); break;
  case AST_REDUCE:
    fputc(' ', d->out);
    if (n->lhs) print_name(d->out, n->lhs);
    fputc('(', d->out);
    print_list(d->out, &n->list, 0);
    fputc(')', d->out);
    break;
  case AST_KWARG: fprintf(d->out, " %s", n->name); break;
  case AST_CAST: fprintf(d->out, " %s", elem_type_name(n->elem)); break;
  case AST_INT: case AST_FLOAT: case AST_BOOL: case AST_NAME: case AST_PACK: case AST_ACCESS:
    fputc(' ', d->out);
    print_inner(d->out, n, 0);
    break;
  case AST_COND: case AST_DEFAULT: case AST_MODULE: case AST_IMPORT: case AST_OP:
  case AST_MODEL: case AST_TENSOR_PARAM: case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF:
  case AST_WEIGHT: case AST_LET: case AST__COUNT:
    break;
  }
}

static void dump_expr(Dump *d, const AstNode *n, int level) {
  line_start(d, level);
  dump_expr_head(d, n);
  line_end(d, n);
  switch (n->kind) {
  case AST_UNARY: case AST_CAST: dump_node(d, n->lhs, level + 1); break;
  case AST_BINARY: case AST_DEFAULT:
    dump_node(d, n->lhs, level + 1);
    dump_node(d, n->rhs, level + 1);
    break;
  case AST_COND:
    dump_node(d, n->cond, level + 1);
    dump_node(d, n->lhs, level + 1);
    dump_node(d, n->rhs, level + 1);
    break;
  case AST_CALL: dump_kids(d, &n->list, level + 1); break;
  case AST_REDUCE: case AST_KWARG: dump_node(d, n->rhs, level + 1); break;
  case AST_INT: case AST_FLOAT: case AST_BOOL: case AST_NAME: case AST_PACK: case AST_ACCESS:
  case AST_MODULE: case AST_IMPORT: case AST_OP: case AST_MODEL: case AST_TENSOR_PARAM:
  case AST_ATTR_PARAM: case AST_TYPE: case AST_DEF: case AST_WEIGHT: case AST_LET:
  case AST__COUNT:
    break;
  }
}

static void dump_node(Dump *d, const AstNode *n, int level) {
  if (!n) return;
  if (level > DUMP_MAX_LEVEL) {
    line_start(d, level);
    fputs("...\n", d->out);
    return;
  }
  switch (n->kind) {
  case AST_MODULE:
    line_start(d, level);
    fprintf(d->out, "module %s\n", n->name ? n->name : "?");
    dump_kids(d, &n->list, level + 1);
    break;
  case AST_IMPORT:
    line_start(d, level);
    fprintf(d->out, "import %s", n->name);
    line_end(d, n);
    break;
  case AST_OP: case AST_MODEL: dump_opdecl(d, n, level); break;
  case AST_TENSOR_PARAM: case AST_ATTR_PARAM: dump_decl_line(d, "param", n, level); break;
  case AST_WEIGHT: dump_decl_line(d, "weight", n, level); break;
  case AST_TYPE:
    line_start(d, level);
    print_type(d->out, n, 0);
    line_end(d, n);
    break;
  case AST_DEF:
    line_start(d, level);
    fputs("def ", d->out);
    print_expr(d->out, n->lhs, P_REDUCE, 0);
    line_end(d, n);
    dump_node(d, n->rhs, level + 1);
    break;
  case AST_LET: dump_let(d, n, level); break;
  case AST_NAME: case AST_INT: case AST_FLOAT: case AST_BOOL: case AST_UNARY:
  case AST_BINARY: case AST_COND: case AST_ACCESS: case AST_DEFAULT: case AST_CALL:
  case AST_KWARG: case AST_REDUCE: case AST_PACK: case AST_CAST:
    dump_expr(d, n, level);
    break;
  case AST__COUNT: break;
  }
}

void ast_dump(FILE *out, const AstNode *n, const SourceMgr *sm) {
  (void)sm;
  Dump d = {out};
  dump_node(&d, n, 0);
}
