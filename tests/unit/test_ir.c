/* test_ir.c -- CUnit tests of ir/: the builder (instantiation, bindings,
 * broadcasting, generic graphs), the verifier (each corruption of a valid
 * graph is reported), the classifier (hand-written ops, exact types) and the
 * fusion plan (groups, the table, corrupted plans reported). */
#include "tests/unit/unit.h"
#include "ir/ir.h"

#include <stdio.h>

/* ------------------------------------------------------------- helpers */

typedef struct T {
  UnitFront u;
  IrCtx c;
  Module *m;
} T;

static void t_load(T *t, const char *src) {
  unit_front_init(&t->u);
  t->m = front_load_buffer(&t->u.f, "t.xg", src, strlen(src));
  CU_ASSERT_PTR_NOT_NULL_FATAL(t->m);
  sema_check(&t->u.f, t->m);
  if (t->u.f.diag.errors) fprintf(stderr, "%s", unit_diags(&t->u));
  CU_ASSERT_EQUAL_FATAL(t->u.f.diag.errors, 0);
  ir_ctx_init(&t->c, &t->u.f);
}

static const AstNode *t_decl(T *t, const char *name) {
  for (int i = 0; i < t->m->ast->list.n; i++) {
    const AstNode *d = t->m->ast->list.items[i];
    if ((d->kind == AST_OP || d->kind == AST_MODEL) && strcmp(d->name, name) == 0) return d;
  }
  CU_FAIL_FATAL("no such declaration");
  return NULL;
}

/* The graph of declaration `name` (a model, or an op's generic graph). */
static IrGraph *t_graph(T *t, const char *name) {
  const AstNode *d = t_decl(t, name);
  IrGraph *g = d->kind == AST_MODEL ? ir_build_model(&t->c, d) : ir_build_op(&t->c, d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  return g;
}

static void t_free(T *t) { unit_front_free(&t->u); }

/* The text of ir_print (malloc'ed). */
static char *print_graph(const IrGraph *g) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ir_print(f, g);
  fclose(f);
  return buf;
}

static int contains(const char *hay, const char *needle) {
  if (!strstr(hay, needle)) {
    fprintf(stderr, "\n--- expected to find: %s\n--- in:\n%s\n", needle, hay);
    return 0;
  }
  return 1;
}

static const IrNode *node_named(const IrGraph *g, const char *name) {
  for (int i = 0; i < g->nnodes; i++)
    if (strcmp(g->nodes[i]->name, name) == 0) return g->nodes[i];
  CU_FAIL("no such node");
  return NULL;
}

static int64_t cdim(const Dim *d) {
  int64_t v = -1;
  CU_ASSERT_FATAL(d && dim_is_const(d, &v));
  return v;
}

/* ------------------------------------------------------------- builder */

static const char *mlp_src =
    "op matmul(a: f32[M, K], b: f32[K, N]) -> (c: f32[M, N]) {\n"
    "  c[m, n] = sum(k) a[m, k] * b[k, n];\n"
    "}\n"
    "op relu(x: f32[S...]) -> (y: f32[S...]) { y[i...] = max(x[i...], 0.0); }\n"
    "op conv(x: f32[N, C, H, W], w: f32[F, C, KH, KW], stride: int = 1, pad: int = 0)\n"
    "    -> (y: f32[N, F, (H + 2*pad - KH)/stride + 1, (W + 2*pad - KW)/stride + 1]) {\n"
    "  y[n, f, i, j] = sum(c, u, v) (x[n, c, i*stride + u - pad, j*stride + v - pad] ?? 0.0)\n"
    "                * w[f, c, u, v];\n"
    "}\n"
    "model mlp(x: f32[B, 784]) -> (logits: f32[B, 10]) {\n"
    "  param w1: f32[784, 256]; param b1: f32[256];\n"
    "  param w2: f32[256, 10];\n"
    "  h = relu(matmul(x, w1) + b1);\n"
    "  logits = matmul(h, w2);\n"
    "}\n"
    "model cnn(x: f32[1, 3, 8, 8]) -> (y: f32[1, 4, 8, 8]) {\n"
    "  param w: f32[4, 3, 3, 3];\n"
    "  y = conv(x, w, pad=1);\n"
    "}\n";

static void test_build_model(void) {
  T t;
  t_load(&t, mlp_src);
  IrGraph *g = t_graph(&t, "mlp");
  CU_ASSERT_EQUAL(g->generic, 0);
  CU_ASSERT_EQUAL(g->ninputs, 1);
  CU_ASSERT_EQUAL(g->nweights, 3);
  CU_ASSERT_EQUAL_FATAL(g->nnodes, 4);
  /* nested calls are made up in creation order; the outermost takes the name */
  CU_ASSERT_STRING_EQUAL(g->nodes[0]->name, "h.1");
  CU_ASSERT_STRING_EQUAL(g->nodes[0]->op, "matmul");
  CU_ASSERT_STRING_EQUAL(g->nodes[1]->name, "h.2");
  CU_ASSERT_STRING_EQUAL(g->nodes[1]->op, "add");
  CU_ASSERT_PTR_NULL(g->nodes[1]->def);
  CU_ASSERT_STRING_EQUAL(g->nodes[2]->name, "h");
  CU_ASSERT_STRING_EQUAL(g->nodes[3]->name, "logits");
  /* the symbolic batch stays a symbol */
  CU_ASSERT_EQUAL_FATAL(g->nsyms, 1);
  CU_ASSERT_STRING_EQUAL(g->syms[0], "B");
  const IrTensor *h1 = g->nodes[0]->outputs[0];
  CU_ASSERT_STRING_EQUAL(dim_as_sym(h1->dims[0].dim), "B");
  CU_ASSERT_EQUAL(cdim(h1->dims[1].dim), 256);
  /* matmul's K is bound to 784: the reduction index's range */
  const IrNode *mm = g->nodes[0];
  CU_ASSERT_EQUAL_FATAL(mm->nindices, 3);
  CU_ASSERT_STRING_EQUAL(mm->indices[2].name, "k");
  CU_ASSERT(mm->indices[2].reduction);
  CU_ASSERT_EQUAL(cdim(mm->indices[2].extent.dim), 784);
  CU_ASSERT_EQUAL(g->noutputs, 1);
  CU_ASSERT(g->outputs[0]->is_output);
  CU_ASSERT_PTR_EQUAL(g->outputs[0]->producer, g->nodes[3]);
  /* relu's pack is expanded to concrete indices */
  const IrNode *relu = g->nodes[2];
  CU_ASSERT_EQUAL_FATAL(relu->nindices, 2);
  CU_ASSERT_STRING_EQUAL(relu->indices[0].name, "i0");
  CU_ASSERT_STRING_EQUAL(relu->indices[1].name, "i1");
  CU_ASSERT_EQUAL(ir_verify(&t.c, g), 0);
  t_free(&t);
}

/* Attributes resolve (keyword and default), are substituted as constants,
 * and integer subscripts are folded: i*stride + u - pad = i + u - 1. */
static void test_build_attributes(void) {
  T t;
  t_load(&t, mlp_src);
  IrGraph *g = t_graph(&t, "cnn");
  const IrNode *n = g->nodes[0];
  CU_ASSERT_EQUAL_FATAL(n->nattrs, 2);
  CU_ASSERT_STRING_EQUAL(n->attrs[0].name, "stride");
  CU_ASSERT_EQUAL(n->attrs[0].value.i, 1);
  CU_ASSERT_STRING_EQUAL(n->attrs[1].name, "pad");
  CU_ASSERT_EQUAL(n->attrs[1].value.i, 1);
  CU_ASSERT_EQUAL(cdim(n->outputs[0]->dims[2].dim), 8);
  char *s = print_graph(g);
  CU_ASSERT(contains(s, "node y = conv(x, w) [stride=1, pad=1]"));
  CU_ASSERT(contains(s, "y[n, f, i, j] = sum(c < 3, u < 3, v < 3) (x[n, c, i + u - 1, j + v - 1] "
                        "?? 0.0) * w[f, c, u, v]"));
  free(s);
  CU_ASSERT_EQUAL(ir_verify(&t.c, g), 0);
  t_free(&t);
}

static const char *bcast_src =
    "op add(a: f32[S...], b: f32[T...]) -> (c: f32[S...]) { c[i...] = a[i...] + b[i...]; }\n"
    "model m(x: f32[2, 3, 4], b: f32[3, 1], one: f32[1, 1, 1]) -> (y: f32[2, 3, 4], z: f32[2, 3, "
    "4],\n"
    "                                                          w: f32[1, 1, 1]) {\n"
    "  y = add(x, b);\n"
    "  z = x + b;\n"
    "  w = one * 2;\n"
    "}\n";

/* b[i1, 0]: right-aligned, a dim of extent 1 read at 0. */
static void check_bcast_read(const IrExpr *r, const IrTensor *b) {
  CU_ASSERT_EQUAL_FATAL(r->kind, IE_READ);
  CU_ASSERT_PTR_EQUAL(r->tensor, b);
  CU_ASSERT_EQUAL_FATAL(r->nargs, 2);
  CU_ASSERT_EQUAL(r->args[0]->kind, IE_INDEX);
  CU_ASSERT_EQUAL(r->args[0]->index, 1);
  CU_ASSERT_EQUAL(r->args[1]->kind, IE_CONST);
  CU_ASSERT_EQUAL(r->args[1]->i, 0);
}

static void test_build_broadcast(void) {
  T t;
  t_load(&t, bcast_src);
  IrGraph *g = t_graph(&t, "m");
  const IrTensor *b = g->inputs[1];
  /* a pack read of an op, instantiated */
  const IrNode *y = node_named(g, "y");
  CU_ASSERT_EQUAL_FATAL(y->nstmts, 1);
  check_bcast_read(y->stmts[0].rhs->args[1], b);
  /* model arithmetic: the same broadcast */
  const IrNode *z = node_named(g, "z");
  CU_ASSERT_STRING_EQUAL(z->op, "add");
  check_bcast_read(z->stmts[0].rhs->args[1], b);
  /* extent 1 on both sides: the index itself; the literal takes f32 */
  const IrNode *w = node_named(g, "w");
  const IrExpr *r = w->stmts[0].rhs;
  CU_ASSERT_EQUAL(r->args[0]->args[0]->kind, IE_INDEX);
  CU_ASSERT_EQUAL(r->args[1]->kind, IE_CONST);
  CU_ASSERT_EQUAL(r->args[1]->type, ELEM_F32);
  CU_ASSERT_DOUBLE_EQUAL(r->args[1]->f, 2.0, 0);
  CU_ASSERT_EQUAL(ir_verify(&t.c, g), 0);
  t_free(&t);
}

/* sema_call_binds: what a call binds, as the checker computed it. */
static void test_call_binds(void) {
  T t;
  t_load(&t, mlp_src);
  const AstNode *cnn = t_decl(&t, "cnn");
  const AstNode *let = cnn->list.items[1];
  SemCallBinds cb;
  CU_ASSERT_FATAL(sema_call_binds(&t.u.f, &t.c.dc, let->rhs, &cb));
  CU_ASSERT_STRING_EQUAL(cb.op->name, "conv");
  CU_ASSERT_EQUAL(cb.attrs[0].i, 1); /* stride: the default */
  CU_ASSERT_EQUAL(cb.attrs[1].i, 1); /* pad: the keyword */
  int found = 0;
  for (int i = 0; i < cb.nbinds; i++)
    if (strcmp(cb.binds[i].name, "KH") == 0) found = cdim(cb.binds[i].value) == 3;
  CU_ASSERT(found);
  CU_ASSERT_EQUAL(cdim(cb.results[0]->dims[3].dim), 8);
  t_free(&t);
}

static const char *generic_src =
    "op softmax(x: f32[L..., D]) -> (y: f32[L..., D]) {\n"
    "  mx[l...] = max(d) x[l..., d];\n"
    "  e[l..., d] = exp(x[l..., d] - mx[l...]);\n"
    "  s[l...] = sum(d) e[l..., d];\n"
    "  y[l..., d] = e[l..., d] / s[l...];\n"
    "}\n"
    "op scale(x: f32[N], k: float = 0.5, n: int) -> (y: f32[N * n]) {\n"
    "  y[i] = x[i / n] * k;\n"
    "}\n"
    "model m(x: f32[2, 3, 4]) -> (y: f32[2, 3, 4]) { y = softmax(x); }\n";

static void test_build_generic(void) {
  T t;
  t_load(&t, generic_src);
  IrGraph *g = t_graph(&t, "softmax");
  CU_ASSERT(g->generic);
  CU_ASSERT_EQUAL_FATAL(g->nnodes, 1);
  const IrNode *n = g->nodes[0];
  CU_ASSERT(n->generic);
  CU_ASSERT_EQUAL(n->nlocals, 3);
  CU_ASSERT_STRING_EQUAL(n->locals[0]->name, "mx");
  CU_ASSERT_STRING_EQUAL(n->locals[0]->dims[0].pack, "L");
  /* indices: l (a pack), d (left-hand), d' (the reductions, shared) */
  CU_ASSERT_EQUAL_FATAL(n->nindices, 3);
  CU_ASSERT_STRING_EQUAL(n->indices[0].name, "l");
  CU_ASSERT_STRING_EQUAL(n->indices[0].extent.pack, "L");
  CU_ASSERT_STRING_EQUAL(n->indices[1].name, "d");
  CU_ASSERT_FALSE(n->indices[1].reduction);
  CU_ASSERT_STRING_EQUAL(n->indices[2].name, "d'");
  CU_ASSERT(n->indices[2].reduction);
  CU_ASSERT_EQUAL(ir_verify(&t.c, g), 0);
  /* attributes of a generic graph are symbols (IE_DIM), their defaults kept */
  g = t_graph(&t, "scale");
  n = g->nodes[0];
  CU_ASSERT_EQUAL(n->attrs[0].value.type, ELEM_FLOAT);
  CU_ASSERT_EQUAL(n->attrs[1].value.type, ELEM_NONE);
  const IrExpr *k = n->stmts[0].rhs->args[1];
  CU_ASSERT_EQUAL(k->kind, IE_DIM);
  CU_ASSERT_EQUAL(k->type, ELEM_F32);
  CU_ASSERT_STRING_EQUAL(dim_as_sym(k->dim), "k");
  char *s = print_graph(g);
  CU_ASSERT(contains(s, "[k: float = 0.5, n: int]"));
  CU_ASSERT(contains(s, "y[i] = x[i/n] * k"));
  free(s);
  CU_ASSERT_EQUAL(ir_verify(&t.c, g), 0);
  /* the model instance: packs expanded, locals named by their node */
  g = t_graph(&t, "m");
  s = print_graph(g);
  CU_ASSERT(contains(s, "%y.mx: f32[2, 3] row-major local"));
  CU_ASSERT(contains(s, "y.mx[l0, l1] = max(d' < 4) x[l0, l1, d']"));
  CU_ASSERT(contains(s, "y[l0, l1, d] = y.e[l0, l1, d] / y.s[l0, l1]"));
  free(s);
  t_free(&t);
}

/* ------------------------------------------------------------- verifier */

typedef void (*Corrupt)(T *t, IrGraph *g);

/* Builds `decl` of src, checks that the verifier accepts it, corrupts it
 * and expects an error containing `want`. */
static void expect_invalid(const char *src, const char *decl, Corrupt corrupt, const char *want) {
  T t;
  t_load(&t, src);
  IrGraph *g = t_graph(&t, decl);
  CU_ASSERT_EQUAL_FATAL(ir_verify(&t.c, g), 0);
  corrupt(&t, g);
  CU_ASSERT(ir_verify(&t.c, g) > 0);
  CU_ASSERT(contains(unit_diags(&t.u), "error: internal error: "));
  CU_ASSERT(contains(unit_diags(&t.u), want));
  t_free(&t);
}

static void c_lhs_count(T *t, IrGraph *g) { (void)t; g->nodes[0]->stmts[0].nlhs = 1; }
static void c_reduction_scope(T *t, IrGraph *g) {
  (void)t;
  IrStmt *s = &g->nodes[0]->stmts[0];
  s->rhs = s->rhs->args[0]; /* the body of sum(k) without the sum */
}
static void c_foreign_read(T *t, IrGraph *g) {
  (void)t;
  g->nodes[2]->stmts[0].rhs->args[0]->tensor = g->weights[2]; /* relu reads w2 */
}
static void c_subscripts(T *t, IrGraph *g) {
  (void)t;
  g->nodes[2]->stmts[0].rhs->args[0]->nargs = 1;
}
static void c_type(T *t, IrGraph *g) {
  (void)t;
  g->nodes[2]->stmts[0].rhs->args[1]->type = ELEM_F16;
}
static void c_order(T *t, IrGraph *g) {
  (void)t;
  IrNode *n = g->nodes[0];
  g->nodes[0] = g->nodes[1];
  g->nodes[1] = n;
}
static void c_extent(T *t, IrGraph *g) {
  g->nodes[2]->indices[1].extent.dim = dim_const(&t->c.dc, 5);
}
static void c_undefined(T *t, IrGraph *g) { (void)t; g->nodes[0]->nstmts = 0; }
static void c_producer(T *t, IrGraph *g) { (void)t; g->nodes[0]->outputs[0]->producer = NULL; }
static void c_not_reduction(T *t, IrGraph *g) { (void)t; g->nodes[0]->indices[2].reduction = 0; }
static void c_local_order(T *t, IrGraph *g) {
  (void)t;
  IrStmt s = g->nodes[0]->stmts[0];
  g->nodes[0]->stmts[0] = g->nodes[0]->stmts[1];
  g->nodes[0]->stmts[1] = s;
}
static void c_select(T *t, IrGraph *g) {
  (void)t;
  IrExpr *call = g->nodes[2]->stmts[0].rhs; /* max(h.2[...], 0.0) as a call of select */
  call->builtin = BI_SELECT;
}
static void c_output_list(T *t, IrGraph *g) { (void)t; g->outputs[0] = g->inputs[0]; }

static void test_verify(void) {
  expect_invalid(mlp_src, "mlp", c_lhs_count,
                 "the left-hand side of 'h.1' has 1 indices, but the tensor has rank 2");
  expect_invalid(mlp_src, "mlp", c_reduction_scope, "index 'k' is read outside its reduction");
  expect_invalid(mlp_src, "mlp", c_foreign_read,
                 "'w2' is neither an input nor a local nor an output of the node");
  expect_invalid(mlp_src, "mlp", c_subscripts, "'h.2' is read with 1 subscript, but it takes 2");
  expect_invalid(mlp_src, "mlp", c_type, "operand 2 of a call is f16, but the call is f32");
  expect_invalid(mlp_src, "mlp", c_order,
                 "input 'h.1' is produced by node 'h.1', which does not come earlier");
  expect_invalid(mlp_src, "mlp", c_extent,
                 "index 'i1' of 'h' ranges over 5, but dimension 2 is 256");
  expect_invalid(mlp_src, "mlp", c_undefined, "output 'h.1' is never defined");
  expect_invalid(mlp_src, "mlp", c_producer, "value 'h.1' has no producer in the graph");
  expect_invalid(mlp_src, "mlp", c_not_reduction,
                 "'sum' reduces over 'k', which is not a reduction index");
  expect_invalid(mlp_src, "mlp", c_select, "a call of built-in 12 (select is IE_SELECT)");
  expect_invalid(mlp_src, "mlp", c_output_list, "'x' is listed among the outputs but is not one");
  expect_invalid(generic_src, "m", c_local_order, "local 'y.mx' is read before it is defined");
}

/* Every graph the builder makes from the examples' kind of sources verifies. */
static void test_verify_clean(void) {
  T t;
  t_load(&t, generic_src);
  for (int i = 0; i < t.m->ast->list.n; i++) {
    const AstNode *d = t.m->ast->list.items[i];
    IrGraph *g = d->kind == AST_MODEL ? ir_build_model(&t.c, d) : ir_build_op(&t.c, d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    ir_classify(&t.c, g);
    CU_ASSERT_EQUAL(ir_verify(&t.c, g), 0);
  }
  CU_ASSERT_STRING_EQUAL(unit_diags(&t.u), "");
  t_free(&t);
}

/* ----------------------------------------------------------- classifier */

typedef struct Case {
  const char *op;   /* an op definition */
  IrMapType want;   /* its generic graph's type */
} Case;

static const Case cases[] = {
    /* one-to-one */
    {"op a(x: f32[S...]) -> (y: f32[S...]) { y[i...] = exp(x[i...]) * x[i...]; }", MAP_ONE_TO_ONE},
    {"op a(x: f32[N, M]) -> (y: f32[N, M]) { t[i, j] = x[i, j] + 1.0; y[i, j] = t[i, j] * t[i, j]; "
     "}",
     MAP_ONE_TO_ONE},
    {"op a(x: f32[N]) -> (y: f32[N + 2]) { y[i] = x[i - 1] ?? 0.0; }", MAP_ONE_TO_ONE},
    {"op a(x: f32[N]) -> (y: f32[N / 3]) { y[i] = x[3*i + 2]; }", MAP_ONE_TO_ONE},
    {"op a(x: f32[N]) -> (y: f32[N]) { y[i] = x[N - 1 - i]; }", MAP_ONE_TO_ONE},
    {"op a(x: f32[N], z: f32[M]) -> (y: f32[N + M]) { y[i] = i < N ? x[i] : z[i - N]; }",
     MAP_ONE_TO_ONE},
    {"op a(x: f32[N, C, H], param g: f32[C]) -> (y: f32[N, C, H]) { y[n, c, h] = x[n, c, h] * "
     "g[c]; }",
     MAP_ONE_TO_ONE},
    {"op a(x: f32[N, 1]) -> (y: f32[N, 1]) { y[i, j] = x[i, 0] + x[i, j]; }", MAP_ONE_TO_ONE},
    /* reorganize */
    {"op a(x: f32[N, M]) -> (y: f32[N * M]) { y[k] = x.flat[k]; }", MAP_REORGANIZE},
    {"op a(x: f32[N, M]) -> (y: f32[N * M]) { y[k] = x[k / M, k % M]; }", MAP_REORGANIZE},
    {"op a(x: f32[N, M]) -> (y: f32[N, 1, M]) { y[i, u, j] = x[i, j]; }", MAP_REORGANIZE},
    {"op a(x: f32[1, N]) -> (y: f32[N]) { y[i] = x[0, i]; }", MAP_REORGANIZE},
    {"op a(x: f32[N, M]) -> (y: f32[N, M / 2, 2]) { y[i, j, k] = x[i, 2*j + k]; }", MAP_REORGANIZE},
    /* shuffle */
    {"op a(x: f32[N, M]) -> (y: f32[M, N]) { y[j, i] = x[i, j]; }", MAP_SHUFFLE},
    {"op a(x: f32[N, M]) -> (y: f32[M, N]) { y[j, i] = x.flat[i*M + j]; }", MAP_SHUFFLE},
    {"op a(x: f32[C, H, W]) -> (y: f32[C / 4, 2*H, 2*W]) {\n"
     "  y[c, h, w] = x[4*c + 2*(h % 2) + w % 2, h / 2, w / 2]; }",
     MAP_SHUFFLE},
    {"op a(x: f32[N, M]) -> (y: f32[M, N]) { t[i, j] = -x[i, j]; y[j, i] = t[i, j]; }",
     MAP_SHUFFLE},
    /* one-to-many */
    {"op a(x: f32[N, M], b: f32[M]) -> (y: f32[N, M]) { y[i, j] = x[i, j] + b[j]; }",
     MAP_ONE_TO_MANY},
    {"op a(x: f32[S...], b: f32[T...]) -> (y: f32[S...]) { y[i...] = x[i...] + b[i...]; }",
     MAP_ONE_TO_MANY},
    {"op a(t: f32[V, D], ids: i32[N]) -> (y: f32[N, D]) { y[i, d] = t[ids[i], d]; }",
     MAP_ONE_TO_MANY},
    {"op a(x: f32[N]) -> (y: f32[2*N]) { y[i] = x[i / 2]; }", MAP_ONE_TO_MANY},
    {"op a(x: f32[N, M]) -> (y: f32[N]) { y[i] = x[i, 3]; }", MAP_ONE_TO_MANY},
    {"op a(x: f32[N]) -> (y: f32[2*N]) { y[i] = i < N ? x[i] : x[i - N]; }", MAP_ONE_TO_MANY},
    {"op a(x: f32[N]) -> (y: f32[N, N]) { y[i, j] = x[i + j] ?? 0.0; }", MAP_ONE_TO_MANY},
    {"op a(x: f32[N]) -> (y: f32[N]) { y[i] = x[min(i, 3)]; }", MAP_ONE_TO_MANY},
    {"op a(x: f32[N, M]) -> (y: f32[N]) { y[i] = x[i, i] ?? 0.0; }", MAP_ONE_TO_MANY},
    {"op a(x: f32[N, M], g: f32[M]) -> (y: f32[N, M]) { y[i, j] = x[i, j] * g[j]; }",
     MAP_ONE_TO_MANY},
    /* many-to-many */
    {"op a(x: f32[N, M]) -> (y: f32[N]) { y[i] = sum(j) x[i, j]; }", MAP_MANY_TO_MANY},
    {"op a(x: f32[N, M]) -> (y: f32[N, M]) { s[i] = max(j) x[i, j]; y[i, j] = x[i, j] - s[i]; }",
     MAP_MANY_TO_MANY},
    {"op a(x: f32[N]) -> (y: f32[N]) { y[i] = x[i] + (x[i + 1] ?? 0.0); }", MAP_MANY_TO_MANY},
    {"op a(x: f32[N]) -> (y: f32[N - 2]) { y[i] = max(u < 3) x[i + u]; }", MAP_MANY_TO_MANY},
};

static void test_classify_ops(void) {
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    T t;
    t_load(&t, cases[i].op);
    IrGraph *g = t_graph(&t, "a");
    IrMapType got = ir_classify_node(g->nodes[0]);
    if (got != cases[i].want)
      fprintf(stderr, "\ncase %zu: %s\n  is %s, expected %s\n", i, cases[i].op, ir_map_name(got),
              ir_map_name(cases[i].want));
    CU_ASSERT_EQUAL(got, cases[i].want);
    t_free(&t);
  }
}

/* A chain of 60 locals, each read twice: composed once per distinct read,
 * not 2^60 times; still element-wise. */
static void test_classify_deep_locals(void) {
  char src[8192];
  int n = snprintf(src, sizeof src, "op a(x: f32[N]) -> (y: f32[N]) {\n  t0[i] = x[i] + x[i];\n");
  for (int i = 1; i < 60; i++)
    n +=
        snprintf(src + n, sizeof src - (size_t)n, "  t%d[i] = t%d[i] * t%d[i];\n", i, i - 1, i - 1);
  snprintf(src + n, sizeof src - (size_t)n, "  y[i] = t59[i];\n}\n");
  T t;
  t_load(&t, src);
  IrGraph *g = t_graph(&t, "a");
  CU_ASSERT_EQUAL(ir_classify_node(g->nodes[0]), MAP_ONE_TO_ONE);
  t_free(&t);
}

/* Instances decide what generic graphs cannot: whether a broadcast
 * happens, whether an operand is a weight. */
static const char *instance_src =
    "op add(a: f32[S...], b: f32[T...]) -> (c: f32[S...]) { c[i...] = a[i...] + b[i...]; }\n"
    "op bn(x: f32[N, C], param g: f32[C]) -> (y: f32[N, C]) { y[n, c] = x[n, c] * g[c]; }\n"
    "model m(x: f32[4, 8], r: f32[1, 8], v: f32[8], gi: f32[8])\n"
    "    -> (s: f32[4, 8], b: f32[4, 8], u: f32[1, 8], w: f32[4, 8], d: f32[4, 8]) {\n"
    "  param gw: f32[8];\n"
    "  s = add(x, x);\n"
    "  b = add(x, v);\n"
    "  u = r + v;\n"
    "  w = bn(x, gw);\n"
    "  d = bn(x, gi);\n"
    "}\n";

static void test_classify_instances(void) {
  T t;
  t_load(&t, instance_src);
  IrGraph *g = t_graph(&t, "m");
  ir_classify(&t.c, g);
  CU_ASSERT(g->classified);
  CU_ASSERT_EQUAL(node_named(g, "s")->map, MAP_ONE_TO_ONE);   /* equal shapes */
  CU_ASSERT_EQUAL(node_named(g, "b")->map, MAP_ONE_TO_MANY);  /* v broadcasts over 4 rows */
  CU_ASSERT_EQUAL(node_named(g, "u")->map, MAP_REORGANIZE);   /* [8] -> [1, 8]: a bijection */
  CU_ASSERT_EQUAL(node_named(g, "w")->map, MAP_ONE_TO_ONE);   /* a weight operand, a model weight */
  CU_ASSERT_EQUAL(node_named(g, "d")->map, MAP_ONE_TO_MANY);  /* the same operand given data */
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ir_print_classes(f, g);
  fclose(f);
  CU_ASSERT_STRING_EQUAL(buf, "# model m\ns add one-to-one\nb add one-to-many\nu add reorganize\n"
                              "w bn one-to-one\nd bn one-to-many\n");
  free(buf);
  t_free(&t);
}

/* --------------------------------------------- random maps, brute force */

/* Random reads y[i, j, k] = x[subs] ?? 0.0 of small concrete shapes, checked
 * point by point: the IR's folded subscripts give the source's values, and
 * what the classifier claims holds (an injective map for one-to-one,
 * reorganize and shuffle; increasing offsets for reorganize). */
static uint64_t rng = 88172645463325252ull;
static int rnd(int n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (int)(rng % (uint64_t)n);
}

/* A random subscript over the first nidx of i, j, k (depth <= 3: short). */
static int gen_sub(char *out, size_t cap, int nidx, int depth) {
  static const char *const idx[] = {"i", "j", "k"};
  if (depth > 2 || rnd(100) < 35)
    return rnd(4) ? snprintf(out, cap, "%s", idx[rnd(nidx)]) : snprintf(out, cap, "%d", rnd(4));
  static const char ops[] = "+-*/%+*";
  char op = ops[rnd(7)], a[256], b[256];
  gen_sub(a, sizeof a, nidx, depth + 1);
  if (op == '/' || op == '%' || (op == '*' && rnd(10) < 7)) snprintf(b, sizeof b, "%d", 1 + rnd(4));
  else gen_sub(b, sizeof b, nidx, depth + 1);
  return snprintf(out, cap, "(%s %c %s)", a, op, b);
}

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static int64_t arith(AstOp op, int64_t a, int64_t b) {
  return op == OP_ADD ? a + b : op == OP_SUB ? a - b : op == OP_MUL ? a * b
       : op == OP_DIV ? floor_div(a, b) : a - b * floor_div(a, b);
}

/* The source's subscript at point pt (i, j, k). */
static int eval_ast(const AstNode *e, const int64_t *pt, int64_t *v) {
  int64_t a, b;
  if (e->kind == AST_INT) return *v = e->ival, 1;
  if (e->kind == AST_NAME) return *v = pt[e->name[0] - 'i'], 1;
  if (e->kind != AST_BINARY || !eval_ast(e->lhs, pt, &a) || !eval_ast(e->rhs, pt, &b)) return 0;
  *v = arith(e->op, a, b);
  return 1;
}

/* The IR's subscript at the same point. */
static int eval_ir(const IrNode *n, const IrExpr *e, const int64_t *pt, int64_t *v) {
  int64_t a, b;
  if (e->kind == IE_CONST) return *v = e->i, 1;
  if (e->kind == IE_DIM) return dim_is_const(e->dim, v);
  if (e->kind == IE_INDEX) {
    for (int p = 0; p < n->stmts[0].nlhs; p++)
      if (n->stmts[0].lhs[p] == e->index) return *v = pt[p], 1;
    return 0;
  }
  if (e->kind == IE_UNARY) return eval_ir(n, e->args[0], pt, &a) && (*v = -a, 1);
  if (e->kind != IE_BINARY || !eval_ir(n, e->args[0], pt, &a) || !eval_ir(n, e->args[1], pt, &b))
    return 0;
  *v = arith(e->op, a, b);
  return 1;
}

enum { MAXPTS = 64 };

static void random_map(void) {
  int ro = 1 + rnd(3), ri = 1 + rnd(3), flat = rnd(5) == 0, os[3], is[3];
  char src[4096], subs[3][600], read[2048];
  size_t n = 0;
  for (int d = 0; d < 3; d++) os[d] = 1 + rnd(4), is[d] = 1 + rnd(5);
  int ns = flat ? 1 : ri;
  for (int j = 0; j < ns; j++) gen_sub(subs[j], sizeof subs[j], ro, 0);
  if (flat) snprintf(read, sizeof read, "x.flat[%s]", subs[0]);
  else
    snprintf(read, sizeof read, "x[%s%s%s%s%s]", subs[0], ns > 1 ? ", " : "", ns > 1 ? subs[1] : "",
             ns > 2 ? ", " : "", ns > 2 ? subs[2] : "");
  static const char *const lhs[] = {"i", "i, j", "i, j, k"};
  static const char *const ix[] = {"E0", "E0, E1", "E0, E1, E2"};
  static const char *const oy[] = {"D0", "D0, D1", "D0, D1, D2"};
  static const char *const at[] = {"D0: int", "D0: int, D1: int", "D0: int, D1: int, D2: int"};
  n += (size_t)snprintf(src + n, sizeof src - n,
                        "op t(x: f32[%s], %s) -> (y: f32[%s]) {\n  y[%s] = %s ?? 0.0;\n}\n",
                        ix[ri - 1], at[ro - 1], oy[ro - 1], lhs[ro - 1], read);
  n += (size_t)snprintf(src + n, sizeof src - n, "model m(x: f32[%d", is[0]);
  for (int d = 1; d < ri; d++) n += (size_t)snprintf(src + n, sizeof src - n, ", %d", is[d]);
  n += (size_t)snprintf(src + n, sizeof src - n, "]) -> (y: f32[%d", os[0]);
  for (int d = 1; d < ro; d++) n += (size_t)snprintf(src + n, sizeof src - n, ", %d", os[d]);
  n += (size_t)snprintf(src + n, sizeof src - n, "]) {\n  y = t(x, D0=%d", os[0]);
  for (int d = 1; d < ro; d++) n += (size_t)snprintf(src + n, sizeof src - n, ", D%d=%d", d, os[d]);
  snprintf(src + n, sizeof src - n, ");\n}\n");

  T t;
  t_load(&t, src);
  IrGraph *g = t_graph(&t, "m");
  CU_ASSERT_EQUAL_FATAL(ir_verify(&t.c, g), 0);
  const IrNode *node = g->nodes[0];
  IrMapType type = ir_classify_node(node);
  const AstNode *def = t_decl(&t, "t")->list.items[0];
  const AstNode *acc = def->rhs->lhs;
  const IrExpr *r = node->stmts[0].rhs;
  CU_ASSERT_EQUAL_FATAL(r->kind, IE_READ);
  int64_t keys[MAXPTS][3], offs[MAXPTS];
  int nk = 0, inj = 1, mono = 1, total = 1,
      pts = os[0] * (ro > 1 ? os[1] : 1) * (ro > 2 ? os[2] : 1);
  for (int d = 0; d < ri; d++) total *= is[d];
  for (int p = 0; p < pts; p++) {
    int64_t pt[3] = {p % os[0], ro > 1 ? p / os[0] % os[1] : 0, ro > 2 ? p / os[0] / os[1] : 0};
    if (ro == 2) pt[0] = p / os[1], pt[1] = p % os[1];
    if (ro == 3) pt[0] = p / (os[1] * os[2]), pt[1] = p / os[2] % os[1], pt[2] = p % os[2];
    int64_t v[3], w, off = 0, in = 1;
    for (int j = 0; j < ns; j++) {
      CU_ASSERT_FATAL(eval_ast(acc->list.items[j], pt, &v[j]));
      CU_ASSERT_FATAL(eval_ir(node, r->args[j], pt, &w));
      if (v[j] != w)
        fprintf(stderr, "\n%s: subscript %d at point %d: %lld, IR %lld\n", src, j, p,
                (long long)v[j], (long long)w);
      CU_ASSERT_EQUAL(v[j], w);
      in &= flat ? v[j] >= 0 && v[j] < total : v[j] >= 0 && v[j] < is[j];
      off = flat ? v[j] : off * is[j] + v[j];
    }
    if (!in) continue;
    for (int q = 0; q < nk; q++)
      if (offs[q] == off) inj = 0;
    if (nk && offs[nk - 1] >= off) mono = 0;
    memcpy(keys[nk], v, sizeof v);
    offs[nk++] = off;
  }
  int ok = (type != MAP_ONE_TO_ONE && type != MAP_REORGANIZE && type != MAP_SHUFFLE) || inj;
  ok &= type != MAP_REORGANIZE || mono;
  if (!ok)
    fprintf(stderr, "\n%s: classified %s, injective %d, increasing %d\n", src, ir_map_name(type),
            inj, mono);
  CU_ASSERT(ok);
  t_free(&t);
}

static void test_classify_random(void) {
  for (int i = 0; i < 400; i++) random_map();
}

/* --------------------------------------------------------------- fusion */

static const char *fuse_src =
    "op relu(x: f32[S...]) -> (y: f32[S...]) { y[i...] = max(x[i...], 0.0); }\n"
    "op mm(a: f32[M, K], b: f32[K, N]) -> (c: f32[M, N]) { c[m, n] = sum(k) a[m, k] * b[k, n]; }\n"
    "model res(x: f32[4, 4], w: f32[4, 4]) -> (y: f32[4, 4]) {\n"
    "  a = relu(x);\n"         /* read by two nodes: stored */
    "  b = relu(mm(a, w));\n"  /* mm the anchor of y's group, every node */
    "  y = relu(a * 2.0 + b);\n" /* after it reading element for element */
    "}\n";

/* The plan: groups, their roots and anchors, convex on a residual graph. */
static void test_fuse_plan(void) {
  T t;
  t_load(&t, fuse_src);
  IrGraph *g = t_graph(&t, "res");
  ir_classify(&t.c, g);
  g->fusion = ir_fuse(&t.c, g);
  const IrFusion *f = g->fusion;
  CU_ASSERT_EQUAL_FATAL(f->ngroups, 2);
  CU_ASSERT_STRING_EQUAL(f->groups[0].root->name, "a");
  CU_ASSERT_STRING_EQUAL(f->groups[0].stored, "read by 2 nodes");
  CU_ASSERT_PTR_NULL(f->groups[0].anchor);
  CU_ASSERT_STRING_EQUAL(f->groups[1].root->name, "y");
  CU_ASSERT_PTR_EQUAL(f->groups[1].anchor, node_named(g, "b.1"));
  CU_ASSERT_EQUAL(f->groups[1].map, MAP_MANY_TO_MANY);
  CU_ASSERT_EQUAL(f->groups[1].nnodes, 5); /* mm, its relu, a * 2, + b, relu */
  CU_ASSERT(f->inlined[node_named(g, "b.1")->outputs[0]->id]);
  CU_ASSERT(f->inlined[node_named(g, "b")->outputs[0]->id]);
  CU_ASSERT(!f->inlined[node_named(g, "a")->outputs[0]->id]);
  CU_ASSERT(!f->inlined[node_named(g, "y")->outputs[0]->id]);
  CU_ASSERT_EQUAL(ir_verify(&t.c, g), 0);
  t_free(&t);
}

/* DESIGN.md's table, entry by entry where it fuses or not. */
static void test_fuse_table(void) {
  CU_ASSERT_EQUAL(ir_fusion_type(MAP_ONE_TO_ONE, MAP_MANY_TO_MANY), MAP_MANY_TO_MANY);
  CU_ASSERT_EQUAL(ir_fusion_type(MAP_ONE_TO_ONE, MAP_ONE_TO_MANY), MAP_ONE_TO_MANY);
  CU_ASSERT_EQUAL(ir_fusion_type(MAP_ONE_TO_MANY, MAP_ONE_TO_ONE), MAP_ONE_TO_MANY);
  CU_ASSERT_EQUAL(ir_fusion_type(MAP_ONE_TO_MANY, MAP_ONE_TO_MANY), MAP__COUNT);
  CU_ASSERT_EQUAL(ir_fusion_type(MAP_ONE_TO_MANY, MAP_MANY_TO_MANY), MAP__COUNT);
  CU_ASSERT_EQUAL(ir_fusion_type(MAP_SHUFFLE, MAP_REORGANIZE), MAP_REORGANIZE);
  CU_ASSERT_EQUAL(ir_fusion_type(MAP_REORGANIZE, MAP_MANY_TO_MANY), MAP__COUNT);
  CU_ASSERT_EQUAL(ir_fusion_type(MAP_MANY_TO_MANY, MAP_ONE_TO_ONE), MAP_MANY_TO_MANY);
  CU_ASSERT_EQUAL(ir_fusion_type(MAP_MANY_TO_MANY, MAP_MANY_TO_MANY), MAP__COUNT);
  for (int m = 0; m < MAP__COUNT; m++) {
    CU_ASSERT_EQUAL(ir_fusion_type(MAP_OPAQUE, (IrMapType)m), MAP__COUNT);
    CU_ASSERT_EQUAL(ir_fusion_type((IrMapType)m, MAP_OPAQUE), MAP__COUNT);
  }
  CU_ASSERT_EQUAL(ir_fusion_type(MAP__COUNT, MAP_ONE_TO_ONE), MAP__COUNT);
}

static void fused_plan(T *t, IrGraph *g) {
  ir_classify(&t->c, g);
  g->fusion = ir_fuse(&t->c, g);
  CU_ASSERT_EQUAL_FATAL(ir_verify(&t->c, g), 0);
}

static IrFusion *plan_of(IrGraph *g) { return (IrFusion *)g->fusion; }

static void c_fuse_two_groups(T *t, IrGraph *g) { /* a node in a group that does not list it */
  fused_plan(t, g);
  plan_of(g)->group_of[node_named(g, "a")->id] = 1;
}
static void c_fuse_shared(T *t, IrGraph *g) { /* a, read by two nodes, fused into y's group */
  fused_plan(t, g);
  IrFusion *f = plan_of(g);
  IrGroup *gy = &f->groups[1];
  IrNode **v = arena_alloc(t->c.arena, sizeof *v * 8);
  v[0] = f->groups[0].root;
  for (int i = 0; i < gy->nnodes; i++) v[i + 1] = gy->nodes[i];
  gy->nodes = v, gy->nnodes++;
  f->groups[0].nnodes = 0;
  f->group_of[v[0]->id] = 1;
  f->inlined[v[0]->outputs[0]->id] = 1;
}
static void c_fuse_second_m2m(T *t, IrGraph *g) { /* an anchor outside its group */
  fused_plan(t, g);
  IrFusion *f = plan_of(g);
  f->groups[0].anchor = f->groups[1].anchor;
}
static void c_fuse_order(T *t, IrGraph *g) { /* groups out of order */
  fused_plan(t, g);
  IrFusion *f = plan_of(g);
  IrGroup tmp = f->groups[0];
  f->groups[0] = f->groups[1], f->groups[1] = tmp;
}

static void test_fuse_verify(void) {
  expect_invalid(fuse_src, "res", c_fuse_two_groups, "is in two fusion groups");
  expect_invalid(fuse_src, "res", c_fuse_shared, "must feed exactly one node of its group");
  expect_invalid(fuse_src, "res", c_fuse_second_m2m, "at most one many-to-many node");
  expect_invalid(fuse_src, "res", c_fuse_order, "fusion group 1 is malformed");
}

/* ------------------------------------------------------------------ main */

int main(void) {
  static const UnitTest tests[] = {
      {"build: a model, calls instantiated", test_build_model},
      {"build: attributes and folded subscripts", test_build_attributes},
      {"build: broadcasting reads", test_build_broadcast},
      {"build: sema's call bindings", test_call_binds},
      {"build: generic graphs", test_build_generic},
      {"verify: each corruption is reported", test_verify},
      {"verify: built graphs are clean", test_verify_clean},
      {"classify: hand-written ops", test_classify_ops},
      {"classify: instances in a model", test_classify_instances},
      {"classify: long chains of locals", test_classify_deep_locals},
      {"classify: random maps against brute force", test_classify_random},
      {"fuse: the plan of a residual graph", test_fuse_plan},
      {"fuse: the fusion table", test_fuse_table},
      {"fuse: each corruption of a plan is reported", test_fuse_verify},
  };
  return unit_run("ir", tests, (int)(sizeof tests / sizeof *tests));
}
