/* test_parser.c -- the parser: AST shapes of every construct, locations,
 * exact syntax-error text and recovery, and hostile input (deep nesting,
 * garbage bytes, empty files). */
#include "tests/unit/unit.h"

#include <stdio.h>

static const char *const OP_HEAD = "op f(x: f32[N]) -> (y: f32[N]) {\n";

/* Parses src as file "t.xg" into u (initialized here). */
static AstNode *parse(UnitFront *u, const char *src) {
  unit_front_init(u);
  Module *m = front_load_buffer(&u->f, "t.xg", src, strlen(src));
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m->ast);
  return m->ast;
}

/* The right-hand side of statement i of the first declaration. */
static AstNode *stmt(AstNode *mod, int i) {
  CU_ASSERT_FATAL(mod->list.n >= 1);
  AstNode *d = mod->list.items[0];
  CU_ASSERT_FATAL(d->list.n > i);
  return d->list.items[i];
}

/* Parses one op statement "y[i] = <expr>;" and returns the expression. */
static AstNode *parse_expr(UnitFront *u, const char *expr) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s  y[i] = %s;\n}\n", OP_HEAD, expr);
  AstNode *m = parse(u, buf);
  CU_ASSERT_STRING_EQUAL(unit_diags(u), "");
  return stmt(m, 0)->rhs;
}

static int is_name(const AstNode *n, const char *qual, const char *name) {
  if (!n || n->kind != AST_NAME || strcmp(n->name, name) != 0) return 0;
  return qual ? n->qual && strcmp(n->qual, qual) == 0 : n->qual == NULL;
}

static int is_access(const AstNode *n, const char *name, int nsubs) {
  return n && n->kind == AST_ACCESS && is_name(n->lhs, NULL, name) && n->list.n == nsubs;
}

static int is_binary(const AstNode *n, AstOp op) { return n && n->kind == AST_BINARY && n->op == op; }

static void t_matmul_shape(void) {
  UnitFront u;
  AstNode *m = parse(&u, "op matmul(a: f32[M, K], b: f32[K, N]) -> (c: f32[M, N]) {\n"
                         "  c[m, n] = sum(k) a[m, k] * b[k, n];\n"
                         "}\n");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "");
  CU_ASSERT_EQUAL_FATAL(m->kind, AST_MODULE);
  CU_ASSERT_EQUAL_FATAL(m->list.n, 1);
  AstNode *op = m->list.items[0];
  CU_ASSERT_EQUAL(op->kind, AST_OP);
  CU_ASSERT_STRING_EQUAL(op->name, "matmul");
  CU_ASSERT_EQUAL_FATAL(op->params.n, 2);
  CU_ASSERT_EQUAL_FATAL(op->results.n, 1);
  AstNode *a = op->params.items[0];
  CU_ASSERT_EQUAL(a->kind, AST_TENSOR_PARAM);
  CU_ASSERT_STRING_EQUAL(a->name, "a");
  CU_ASSERT_EQUAL_FATAL(a->type->kind, AST_TYPE);
  CU_ASSERT_EQUAL(a->type->elem, ELEM_F32);
  CU_ASSERT_EQUAL_FATAL(a->type->list.n, 2);
  CU_ASSERT(is_name(a->type->list.items[0], NULL, "M"));
  CU_ASSERT(is_name(a->type->list.items[1], NULL, "K"));
  CU_ASSERT_EQUAL_FATAL(op->list.n, 1);
  AstNode *def = op->list.items[0];
  CU_ASSERT_EQUAL(def->kind, AST_DEF);
  CU_ASSERT(is_access(def->lhs, "c", 2));
  AstNode *r = def->rhs;
  CU_ASSERT_EQUAL_FATAL(r->kind, AST_REDUCE);
  CU_ASSERT(is_name(r->lhs, NULL, "sum"));
  CU_ASSERT_EQUAL_FATAL(r->list.n, 1);
  CU_ASSERT(is_name(r->list.items[0], NULL, "k"));
  CU_ASSERT(is_binary(r->rhs, OP_MUL));
  CU_ASSERT(is_access(r->rhs->lhs, "a", 2));
  CU_ASSERT(is_access(r->rhs->rhs, "b", 2));
  unit_front_free(&u);
}

static void t_locations(void) {
  UnitFront u;
  AstNode *m = parse(&u, "\nop g(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i] + 1;\n}\n");
  AstNode *op = m->list.items[0];
  CU_ASSERT_EQUAL(op->loc.line, 2);
  CU_ASSERT_EQUAL(op->loc.col, 1);
  CU_ASSERT_EQUAL(op->end.line, 4);
  CU_ASSERT_EQUAL(op->end.col, 1);
  CU_ASSERT_EQUAL(op->loc.len, (int)strlen("op g(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i] + 1;\n}"));
  AstNode *def = op->list.items[0];
  CU_ASSERT_EQUAL(def->loc.line, 3);
  CU_ASSERT_EQUAL(def->loc.col, 3);
  AstNode *add = def->rhs;
  CU_ASSERT_EQUAL(add->loc.line, 3);
  CU_ASSERT_EQUAL(add->loc.col, 10);
  CU_ASSERT_EQUAL(add->loc.len, (int)strlen("x[i] + 1"));
  CU_ASSERT_EQUAL(add->rhs->loc.col, 17);
  AstNode *x = op->params.items[0];
  CU_ASSERT_EQUAL(x->loc.col, 6);
  CU_ASSERT_EQUAL(x->loc.len, (int)strlen("x: f32[N]"));
  unit_front_free(&u);
}

static void t_packs(void) {
  UnitFront u;
  AstNode *m = parse(&u, "op relu(x: f32[L..., D]) -> (y: f32[L..., D]) {\n"
                         "  y[i..., d] = max(x[i..., d], 0.0);\n}\n");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "");
  AstNode *op = m->list.items[0];
  AstNode *t = ((AstNode *)op->params.items[0])->type;
  CU_ASSERT_EQUAL_FATAL(t->list.n, 2);
  AstNode *pack = t->list.items[0];
  CU_ASSERT_EQUAL(pack->kind, AST_PACK);
  CU_ASSERT_STRING_EQUAL(pack->name, "L");
  CU_ASSERT(is_name(t->list.items[1], NULL, "D"));
  AstNode *def = op->list.items[0];
  AstNode *sub = def->lhs->list.items[0];
  CU_ASSERT_EQUAL(sub->kind, AST_PACK);
  CU_ASSERT_STRING_EQUAL(sub->name, "i");
  AstNode *call = def->rhs;
  CU_ASSERT_EQUAL_FATAL(call->kind, AST_CALL);
  CU_ASSERT(is_name(call->lhs, NULL, "max"));
  CU_ASSERT_EQUAL_FATAL(call->list.n, 2);
  CU_ASSERT_EQUAL(((AstNode *)((AstNode *)call->list.items[0])->list.items[0])->kind, AST_PACK);
  CU_ASSERT_EQUAL(((AstNode *)call->list.items[1])->kind, AST_FLOAT);
  unit_front_free(&u);
}

static void t_precedence(void) {
  UnitFront u;
  AstNode *e = parse_expr(&u, "a[i] + b[i] * c[i] - d[i]");
  CU_ASSERT(is_binary(e, OP_SUB));
  CU_ASSERT(is_binary(e->lhs, OP_ADD));
  CU_ASSERT(is_binary(e->lhs->rhs, OP_MUL));
  CU_ASSERT(is_access(e->rhs, "d", 1));
  unit_front_free(&u);

  e = parse_expr(&u, "!a || b && c == d < e");
  CU_ASSERT(is_binary(e, OP_OR));
  CU_ASSERT_EQUAL(e->lhs->kind, AST_UNARY);
  CU_ASSERT_EQUAL(e->lhs->op, OP_NOT);
  CU_ASSERT(is_binary(e->rhs, OP_AND));
  CU_ASSERT(is_binary(e->rhs->rhs, OP_EQ));
  CU_ASSERT(is_binary(e->rhs->rhs->rhs, OP_LT));
  unit_front_free(&u);

  e = parse_expr(&u, "-a % b / c");
  CU_ASSERT(is_binary(e, OP_DIV));
  CU_ASSERT(is_binary(e->lhs, OP_MOD));
  CU_ASSERT_EQUAL(e->lhs->lhs->kind, AST_UNARY);
  CU_ASSERT_EQUAL(e->lhs->lhs->op, OP_NEG);
  unit_front_free(&u);
}

static void t_reduction(void) {
  UnitFront u;
  /* The reduction extends right and is the loosest form. */
  AstNode *e = parse_expr(&u, "sum(k) a[k] * b[k] + 1");
  CU_ASSERT_EQUAL_FATAL(e->kind, AST_REDUCE);
  CU_ASSERT(is_binary(e->rhs, OP_ADD));
  unit_front_free(&u);

  /* A '-' after a call is the binary minus. */
  e = parse_expr(&u, "f(x) - 1");
  CU_ASSERT(is_binary(e, OP_SUB));
  CU_ASSERT_EQUAL(e->lhs->kind, AST_CALL);
  unit_front_free(&u);

  /* Explicit ranges and nested reductions; parentheses stop the body. */
  e = parse_expr(&u, "(max(u < KH, v) x[u, v]) * 2");
  CU_ASSERT_FATAL(is_binary(e, OP_MUL));
  AstNode *r = e->lhs;
  CU_ASSERT_EQUAL_FATAL(r->kind, AST_REDUCE);
  CU_ASSERT_EQUAL_FATAL(r->list.n, 2);
  CU_ASSERT(is_binary(r->list.items[0], OP_LT));
  CU_ASSERT(is_name(r->list.items[1], NULL, "v"));
  unit_front_free(&u);

  e = parse_expr(&u, "sum(i) max(j) x[i, j]");
  CU_ASSERT_EQUAL_FATAL(e->kind, AST_REDUCE);
  CU_ASSERT_EQUAL(e->rhs->kind, AST_REDUCE);
  unit_front_free(&u);
}

static void t_cond_default_cast(void) {
  UnitFront u;
  AstNode *e = parse_expr(&u, "c ? a : d ? b : 0.5");
  CU_ASSERT_EQUAL_FATAL(e->kind, AST_COND);
  CU_ASSERT(is_name(e->cond, NULL, "c"));
  CU_ASSERT(is_name(e->lhs, NULL, "a"));
  CU_ASSERT_EQUAL(e->rhs->kind, AST_COND);
  unit_front_free(&u);

  /* ?? binds tighter than '*'; its right side is a unary expression. */
  e = parse_expr(&u, "x[i - 1] ?? -inf * w");
  CU_ASSERT_FATAL(is_binary(e, OP_MUL));
  AstNode *d = e->lhs;
  CU_ASSERT_EQUAL_FATAL(d->kind, AST_DEFAULT);
  CU_ASSERT(is_access(d->lhs, "x", 1));
  CU_ASSERT(is_binary(((AstNode *)d->lhs->list.items[0]), OP_SUB));
  CU_ASSERT_EQUAL(d->rhs->kind, AST_UNARY);
  unit_front_free(&u);

  e = parse_expr(&u, "select(c, f32(k), bool(0))");
  CU_ASSERT_EQUAL_FATAL(e->kind, AST_CALL);
  CU_ASSERT_EQUAL_FATAL(e->list.n, 3);
  AstNode *cast = e->list.items[1];
  CU_ASSERT_EQUAL(cast->kind, AST_CAST);
  CU_ASSERT_EQUAL(cast->elem, ELEM_F32);
  CU_ASSERT(is_name(cast->lhs, NULL, "k"));
  CU_ASSERT_EQUAL(((AstNode *)e->list.items[2])->elem, ELEM_BOOL);
  unit_front_free(&u);

  e = parse_expr(&u, "true && !false");
  CU_ASSERT_EQUAL(e->lhs->kind, AST_BOOL);
  CU_ASSERT_EQUAL(e->lhs->ival, 1);
  CU_ASSERT_EQUAL(e->rhs->lhs->ival, 0);
  unit_front_free(&u);
}

static void t_flat(void) {
  UnitFront u;
  AstNode *e = parse_expr(&u, "x.flat[i * 4 + j]");
  CU_ASSERT_EQUAL_FATAL(e->kind, AST_ACCESS);
  CU_ASSERT_EQUAL(e->flat, 1);
  CU_ASSERT(is_name(e->lhs, NULL, "x"));
  CU_ASSERT_EQUAL(e->lhs->loc.len, 1);
  CU_ASSERT_EQUAL(e->list.n, 1);
  unit_front_free(&u);

  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x.rows[i];\n}\n");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u),
                         "t.xg:2:10: error: only '.flat' may follow a tensor name in a read "
                         "(found '.rows')\n"
                         "    y[i] = x.rows[i];\n"
                         "           ^~~~~~\n");
  unit_front_free(&u);
}

static void t_attrs(void) {
  UnitFront u;
  AstNode *m = parse(&u, "op f(x: f32[N], s: int = 2, a: float = 0.5, b: bool, m: bool[N])"
                         " -> (y: f32[N]) { y[i] = x[i]; }\n");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "");
  AstNode *op = m->list.items[0];
  CU_ASSERT_EQUAL_FATAL(op->params.n, 5);
  AstNode *s = op->params.items[1], *a = op->params.items[2], *b = op->params.items[3];
  CU_ASSERT_EQUAL(s->kind, AST_ATTR_PARAM);
  CU_ASSERT_EQUAL(s->elem, ELEM_INT);
  CU_ASSERT_EQUAL_FATAL(s->lhs->kind, AST_INT);
  CU_ASSERT_EQUAL(s->lhs->ival, 2);
  CU_ASSERT_EQUAL(a->elem, ELEM_FLOAT);
  CU_ASSERT_EQUAL(a->lhs->fval, 0.5);
  CU_ASSERT_EQUAL(b->kind, AST_ATTR_PARAM);
  CU_ASSERT_EQUAL(b->elem, ELEM_BOOL);
  CU_ASSERT_PTR_NULL(b->lhs);
  AstNode *mask = op->params.items[4];
  CU_ASSERT_EQUAL(mask->kind, AST_TENSOR_PARAM);
  CU_ASSERT_EQUAL(mask->type->elem, ELEM_BOOL);
  unit_front_free(&u);
}

static void t_model(void) {
  UnitFront u;
  AstNode *m = parse(&u, "import nn;\n"
                         "model tiny(x: f32[B, 784]) -> (y: f32[B, 10], z: f32[B]) {\n"
                         "  param w: f32[784, 10];\n"
                         "  h, z = nn.split(nn.conv2d(x, w, stride=2, pad=1));\n"
                         "  y = -h * 2.0;\n"
                         "}\n");
  CU_ASSERT_STRING_NOT_EQUAL(unit_diags(&u), ""); /* nn is not found: no -I, no stdlib */
  CU_ASSERT_EQUAL_FATAL(m->list.n, 2);
  AstNode *imp = m->list.items[0];
  CU_ASSERT_EQUAL(imp->kind, AST_IMPORT);
  CU_ASSERT_STRING_EQUAL(imp->name, "nn");
  AstNode *md = m->list.items[1];
  CU_ASSERT_EQUAL(md->kind, AST_MODEL);
  CU_ASSERT_EQUAL(md->params.n, 1);
  CU_ASSERT_EQUAL(md->results.n, 2);
  CU_ASSERT_EQUAL_FATAL(md->list.n, 3);
  AstNode *w = md->list.items[0];
  CU_ASSERT_EQUAL(w->kind, AST_WEIGHT);
  CU_ASSERT_STRING_EQUAL(w->name, "w");
  CU_ASSERT_EQUAL(w->type->list.n, 2);
  AstNode *let = md->list.items[1];
  CU_ASSERT_EQUAL_FATAL(let->kind, AST_LET);
  CU_ASSERT_EQUAL_FATAL(let->list.n, 2);
  CU_ASSERT(is_name(let->list.items[0], NULL, "h"));
  CU_ASSERT(is_name(let->list.items[1], NULL, "z"));
  AstNode *split = let->rhs;
  CU_ASSERT(is_name(split->lhs, "nn", "split"));
  AstNode *conv = split->list.items[0];
  CU_ASSERT_EQUAL_FATAL(conv->list.n, 4);
  AstNode *kw = conv->list.items[2];
  CU_ASSERT_EQUAL(kw->kind, AST_KWARG);
  CU_ASSERT_STRING_EQUAL(kw->name, "stride");
  CU_ASSERT_EQUAL(kw->rhs->ival, 2);
  AstNode *y = md->list.items[2];
  CU_ASSERT(is_binary(y->rhs, OP_MUL));
  CU_ASSERT_EQUAL(y->rhs->lhs->kind, AST_UNARY);
  unit_front_free(&u);
}

static void t_empty(void) {
  UnitFront u;
  AstNode *m = parse(&u, "");
  CU_ASSERT_EQUAL(m->kind, AST_MODULE);
  CU_ASSERT_EQUAL(m->list.n, 0);
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "");
  CU_ASSERT_EQUAL(u.f.diag.errors, 0);
  unit_front_free(&u);
  m = parse(&u, "# only a comment\n\n   \t\n");
  CU_ASSERT_EQUAL(m->list.n, 0);
  CU_ASSERT_EQUAL(u.f.diag.errors, 0);
  unit_front_free(&u);
}

static void t_missing_semicolon(void) {
  UnitFront u;
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i]\n}\n");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "t.xg:2:14: error: expected ';' after the statement, found '}'\n"
                                         "    y[i] = x[i]\n"
                                         "               ^\n");
  unit_front_free(&u);
  parse(&u, "import nn\nop f");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "t.xg:1:10: error: expected ';' after the import, found 'op'\n"
                                         "  import nn\n"
                                         "           ^\n");
  unit_front_free(&u);
}

/* A missing ';', ',' or closing bracket is located just after the token it
 * should follow, on that token's line; other expected tokens (an identifier,
 * an expression, '->') stay at what was found. */
static void t_missing_follower(void) {
  UnitFront u;
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = (x[i] + 1.0\n}\n");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u),
                         "t.xg:2:21: error: expected ')' to close '(' at 2:10, found '}'\n"
                         "    y[i] = (x[i] + 1.0\n"
                         "                      ^\n"
                         "t.xg:2:10: note: to match this '('\n"
                         "    y[i] = (x[i] + 1.0\n"
                         "           ^\n");
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N] -> (y: f32[N]) { y[i] = x[i]; }\n");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "t.xg:1:15: error: expected ',' or ')', found '->'\n"
                                                "  op f(x: f32[N] -> (y: f32[N]) { y[i] = x[i]; }\n"
                                                "                ^\n"));
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N]) (y: f32[N]) { y[i] = x[i]; }\n");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "t.xg:1:17: error: expected '->', found '('\n"));
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = g(x,\n}\n");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "t.xg:3:1: error: expected an expression, found '}'\n"));
  unit_front_free(&u);
}

/* '??' where it cannot follow: after a value, at the start of an operand;
 * right after another '??' the fallback is what is missing. */
static void t_default_misplaced(void) {
  UnitFront u;
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x ?? 0.0;\n  y[i] = ?? 0.0;\n"
            "  y[i] = x[i] ?? ?? 0.0;\n}\n");
  const char *d = unit_diags(&u);
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:2:12: error: '?\?' gives the value of an out-of-range "
                                   "read, so it must follow a tensor read like 'x[i - 1] ?\? 0.0'\n"
                                   "    y[i] = x ?\? 0.0;\n"
                                   "             ^~\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:3:10: error: '?\?' gives the value"));
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:4:18: error: expected an expression, found '?\?'\n"));
  CU_ASSERT_EQUAL(u.f.diag.errors, 3);
  unit_front_free(&u);
}

static void t_expected_expression(void) {
  UnitFront u;
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = g(x, );\n}\n");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "t.xg:2:15: error: expected an expression, found ')'\n"
                                         "    y[i] = g(x, );\n"
                                         "                ^\n");
  unit_front_free(&u);
}

static void t_unclosed_paren(void) {
  UnitFront u;
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = (x[i] + 1;\n}\n");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u),
                         "t.xg:2:19: error: expected ')' to close '(' at 2:10, found ';'\n"
                         "    y[i] = (x[i] + 1;\n"
                         "                    ^\n"
                         "t.xg:2:10: note: to match this '('\n"
                         "    y[i] = (x[i] + 1;\n"
                         "           ^\n");
  unit_front_free(&u);
}

static void t_unterminated_block(void) {
  UnitFront u;
  AstNode *m = parse(&u, "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i];\n");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u),
                         "t.xg:2:15: error: expected '}' to close '{' at 1:32, found end of file\n"
                         "    y[i] = x[i];\n"
                         "                ^\n"
                         "t.xg:1:32: note: to match this '{'\n"
                         "  op f(x: f32[N]) -> (y: f32[N]) {\n"
                         "                                 ^\n");
  CU_ASSERT_EQUAL(m->kind, AST_MODULE);
  unit_front_free(&u);
}

/* One run reports every broken statement and declaration. */
static void t_recovery(void) {
  UnitFront u;
  AstNode *m = parse(&u, "op f(x: f32[N]) -> (y: f32[N]) {\n"
                         "  a[i] = x[i] +;\n"
                         "  b[i] = (x[i];\n"
                         "  y[i] = x[i] x;\n"
                         "}\n"
                         "op g(x f32[N]) -> (y: f32[N]) { y[i] = x[i]; }\n"
                         "op h(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]; }\n");
  CU_ASSERT_EQUAL(u.f.diag.errors, 4);
  const char *d = unit_diags(&u);
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:2:16: error: expected an expression, found ';'\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:3:15: error: expected ')' to close '(' at 3:10, found ';'\n"));
  CU_ASSERT_PTR_NOT_NULL(
      strstr(d, "t.xg:4:14: error: expected ';' after the statement, found identifier 'x'\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:6:8: error: expected ':', found 'f32'\n"));
  /* f and h survive; g is skipped. */
  CU_ASSERT_EQUAL_FATAL(m->list.n, 2);
  CU_ASSERT_STRING_EQUAL(((AstNode *)m->list.items[0])->name, "f");
  CU_ASSERT_STRING_EQUAL(((AstNode *)m->list.items[1])->name, "h");
  unit_front_free(&u);
}

static void t_lex_error_no_cascade(void) {
  UnitFront u;
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i] $ 2;\n  z[i] = x[i] + ;\n}\n");
  CU_ASSERT_EQUAL(u.f.diag.errors, 2);
  const char *d = unit_diags(&u);
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:2:15: error: unexpected character '$'\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:3:17: error: expected an expression, found ';'\n"));
  unit_front_free(&u);
}

static void t_friendly_messages(void) {
  UnitFront u;
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) { y[i] = a < b < c; }\n");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "error: '<' cannot follow a comparison: "
                                                "comparisons do not chain"));
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) { y[i] = 1 + sum(k) x[k]; }\n");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:52: error: a reduction that is an operand "
                                                "must be parenthesized"));
  unit_front_free(&u);
  parse(&u, "model m(x: f32[N]) -> (y: f32[N]) { param w: int; y = x; }\n");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:46: error: expected a tensor type, found 'int'"));
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]; } oops");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:49: error: expected a declaration ('import', "
                                                "'op' or 'model'), found identifier 'oops'"));
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) { 7 = x; }");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "error: expected a statement or '}', found "
                                                "integer literal '7'"));
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) { y = x; }");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:36: error: expected '[', found '=' (an op "
                                                "statement defines 'name[i, ...] = expr;')\n"));
  unit_front_free(&u);
  parse(&u, "model m(x: f32[N]) -> (y: f32[N]) { y[i] = x; }");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:37: error: a model statement defines whole "
                                                "tensors ('y = expr;'), not elements: element-wise "
                                                "definitions belong in an op\n"));
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N]) -> (y: ) { }");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:24: error: expected a tensor type, found ')'"));
  unit_front_free(&u);
  parse(&u, "op f(param: f32[N]) -> () { }");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:6: error: 'param' is a keyword: it declares a "
                                                "weight operand, as in 'param w: f32[...]'; choose "
                                                "another name\n"));
  unit_front_free(&u);
  parse(&u, "op f(model: f32[N]) -> () { }");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:6: error: expected an identifier, 'param' or "
                                                "')', found 'model' (a keyword cannot be used as a "
                                                "name)\n"));
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N], param w: f32[N]) -> (y: f32[N]) { y[i] = x[i] * w[i]; }");
  CU_ASSERT_EQUAL(u.f.diag.errors, 0);
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N]) -> () { }");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:21: error: expected an identifier, found ')' "
                                                "(an op or model has at least one result)\n"));
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N]) -> (y: f32[N]) { y[i] = (x[i]) ?? 0.0; }");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:48: error: '?\?' gives the value of an "
                                                "out-of-range read, so it must follow a tensor read "
                                                "like 'x[i - 1] ?\? 0.0'\n"));
  unit_front_free(&u);
  parse(&u, "op f(x: f32[N, M]) -> (y: f32[N]) { y[i] = x[i, 1; }");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:50: error: expected ',' or ']', found ';'\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:45: note: to match this '['\n"));
  unit_front_free(&u);
  parse(&u, "op f(x: ) -> (y: f32[N]) { }");
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "1:9: error: expected a type, found ')'"));
  unit_front_free(&u);
}

/* Builds OP_HEAD "  y[i] = " + n copies of `rep` + `mid` + n copies of
 * `close` + ";\n}\n". */
static char *nested(const char *rep, const char *mid, const char *close, int n) {
  size_t len = strlen(OP_HEAD) + 16 + strlen(mid) + (strlen(rep) + strlen(close)) * (size_t)n;
  char *s = malloc(len), *p = s;
  p += sprintf(p, "%s  y[i] = ", OP_HEAD);
  for (int i = 0; i < n; i++) p += sprintf(p, "%s", rep);
  p += sprintf(p, "%s", mid);
  for (int i = 0; i < n; i++) p += sprintf(p, "%s", close);
  sprintf(p, ";\n}\n");
  return s;
}

/* The deepest expression under n, walking at most AST_MAX_DEPTH + 8 levels. */
static int max_depth(const AstNode *n, int level) {
  if (!n || level > AST_MAX_DEPTH + 8) return level;
  int d = level;
  const AstNode *kids[] = {n->lhs, n->rhs, n->cond};
  for (int i = 0; i < 3; i++) {
    int k = max_depth(kids[i], level + 1);
    if (k > d) d = k;
  }
  for (int i = 0; i < n->list.n; i++) {
    int k = max_depth(n->list.items[i], level + 1);
    if (k > d) d = k;
  }
  return d;
}

static void check_deep(const char *rep, const char *mid, const char *close, const char *msg) {
  UnitFront u;
  char *src = nested(rep, mid, close, 100000);
  AstNode *m = parse(&u, src);
  CU_ASSERT(u.f.diag.errors >= 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), msg));
  if (m->list.n == 1) {
    AstNode *op = m->list.items[0];
    for (int i = 0; i < op->list.n; i++)
      CU_ASSERT(max_depth(((AstNode *)op->list.items[i])->rhs, 1) <= AST_MAX_DEPTH);
  }
  FILE *null = fopen("/dev/null", "w");
  ast_dump(null, m, &u.f.sm); /* must not overflow the stack */
  fclose(null);
  free(src);
  unit_front_free(&u);
}

static void t_deep_nesting(void) {
  check_deep("(", "x[i]", ")", "t.xg:2:265: error: nesting is too deep (more than 256 levels of brackets)\n");
  check_deep("x[", "i", "]", "error: nesting is too deep (more than 256 levels of brackets)\n");
  check_deep("f(", "x", ")", "error: nesting is too deep (more than 256 levels of brackets)\n");
  check_deep("x[i] + ", "x[i]", "", "t.xg:2:10: error: nesting is too deep (more than 512 levels of "
                                    "subexpressions)\n");
  check_deep("-", "x[i]", "", "error: nesting is too deep (the parser holds at most");
  check_deep("sum(k) ", "x[i]", "", "error: nesting is too deep (the parser holds at most");
  check_deep("c ? a : ", "x[i]", "", "error: nesting is too deep");
  check_deep("x[i] ?? ", "0", "", "error: nesting is too deep");
}

/* Just under the limits is fine. */
static void t_deep_but_legal(void) {
  UnitFront u;
  char *src = nested("(", "x[i]", ")", 250);
  parse(&u, src);
  CU_ASSERT_EQUAL(u.f.diag.errors, 0);
  free(src);
  unit_front_free(&u);
  src = nested("-", "x[i]", "", 500);
  parse(&u, src);
  CU_ASSERT_EQUAL(u.f.diag.errors, 0);
  free(src);
  unit_front_free(&u);
}

static void t_garbage(void) {
  unsigned seed = 12345;
  for (int round = 0; round < 20; round++) {
    char buf[4096];
    size_t n = sizeof buf;
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      buf[i] = round % 2 ? (char)((seed >> 16) & 0xff) : "(){}[];,:.=-+*!?op x1"[(seed >> 16) % 21];
    }
    UnitFront u;
    unit_front_init(&u);
    Module *m = front_load_buffer(&u.f, "g.xg", buf, n);
    CU_ASSERT_PTR_NOT_NULL(m);
    CU_ASSERT(u.f.diag.errors > 0);
    CU_ASSERT(u.f.diag.errors <= 20); /* the default cap */
    unit_front_free(&u);
  }
  UnitFront u;
  unit_front_init(&u);
  front_load_buffer(&u.f, "nul.xg", "op\0f", 4);
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "nul.xg:1:3: error: NUL byte in source file\n"));
  unit_front_free(&u);
}

static void t_dump(void) {
  UnitFront u;
  AstNode *m = parse(&u, "op f(x: f32[N, (H - 1) / 2], s: int = 1) -> (y: f32[N]) {\n"
                         "  y[i] = sum(k < 3) (x.flat[i * s + k] ?? 0.0) * f32(k);\n"
                         "}\n");
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  ast_dump(out, m, &u.f.sm);
  fclose(out);
  CU_ASSERT_STRING_EQUAL(text, "module t.xg\n"
                               "  op f @1:1 end @3:1\n"
                               "    param x: f32[N, (H - 1) / 2] @1:6\n"
                               "    param s: int = 1 @1:30\n"
                               "    result y: f32[N] @1:46\n"
                               "    def y[i] @2:3\n"
                               "      reduce sum(k < 3) @2:10\n"
                               "        binary * @2:21\n"
                               "          default @2:22\n"
                               "            access x.flat[i * s + k] @2:22\n"
                               "            float 0.0 @2:43\n"
                               "          cast f32 @2:50\n"
                               "            name k @2:54\n");
  free(text);
  unit_front_free(&u);
}

static void t_names(void) {
  CU_ASSERT_STRING_EQUAL(ast_kind_name(AST_REDUCE), "reduce");
  CU_ASSERT_STRING_EQUAL(ast_kind_name(AST_CAST), "cast");
  CU_ASSERT_STRING_EQUAL(ast_op_name(OP_LE), "<=");
  CU_ASSERT_STRING_EQUAL(ast_op_name(OP_OR), "||");
  CU_ASSERT_STRING_EQUAL(elem_type_name(ELEM_F16), "f16");
  CU_ASSERT_STRING_EQUAL(elem_type_name(ELEM_FLOAT), "float");
  CU_ASSERT_STRING_EQUAL(ast_kind_name((AstKind)AST__COUNT), "?");
}

static void t_error_limit(void) {
  UnitFront u;
  unit_front_init(&u);
  u.f.diag.max_errors = 3;
  const char *src = "op f(x: f32[N]) -> (y: f32[N]) {\n"
                    "  a[i] = ;\n  b[i] = ;\n  c[i] = ;\n  d[i] = ;\n  e[i] = ;\n}\n";
  front_load_buffer(&u.f, "t.xg", src, strlen(src));
  CU_ASSERT_EQUAL(u.f.diag.errors, 3);
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "too many errors (3), stopping now"));
  unit_front_free(&u);
}

int main(void) {
  static const UnitTest tests[] = {
      {"matmul shape", t_matmul_shape},
      {"locations", t_locations},
      {"packs", t_packs},
      {"precedence", t_precedence},
      {"reductions", t_reduction},
      {"cond, ??, casts, bools", t_cond_default_cast},
      {"flat reads", t_flat},
      {"attributes", t_attrs},
      {"model", t_model},
      {"empty file", t_empty},
      {"missing ';'", t_missing_semicolon},
      {"missing follower: located after the previous token", t_missing_follower},
      {"misplaced '?\?'", t_default_misplaced},
      {"expected an expression", t_expected_expression},
      {"unclosed '('", t_unclosed_paren},
      {"unterminated block", t_unterminated_block},
      {"recovery: several errors", t_recovery},
      {"lexical errors do not cascade", t_lex_error_no_cascade},
      {"friendly messages", t_friendly_messages},
      {"deep nesting", t_deep_nesting},
      {"deep but legal", t_deep_but_legal},
      {"garbage bytes", t_garbage},
      {"ast dump", t_dump},
      {"name tables", t_names},
      {"error limit", t_error_limit},
  };
  return unit_run("parser", tests, (int)(sizeof tests / sizeof *tests));
}
