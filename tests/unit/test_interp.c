/* test_interp.c -- CUnit tests of the reference interpreter (backends/ref)
 * on IR graphs built by hand: values against C computations, the located
 * errors of bad reads and bad arguments, masks, gathers, threads, chunks. */
#include "tests/unit/unit.h"
#include "backends/ref/ref.h"

#include <math.h>
#include <stdarg.h>

/* ------------------------------------------------------ graph builders */

static UnitFront uf;
static IrCtx ic;
static Arena *A;
static int src; /* a source file, so that errors are located */

/* The source the locations point into: line n is "line n". */
static const char src_text[] = "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n";

static Loc at(int line) {
  Loc l = {.file = src, .line = line, .col = 1, .off = (line - 1) * 7, .len = 4};
  return l;
}

static void begin(void) {
  unit_front_init(&uf);
  A = &uf.f.arena;
  src = srcmgr_add(&uf.f.sm, "t.xg", src_text, sizeof src_text - 1);
  ic.f = &uf.f;
  ic.arena = A;
  ic.diag = &uf.f.diag;
  dim_ctx_init(&ic.dc, A);
}

static void end(void) { unit_front_free(&uf); }

static IrGraph *graph(void) {
  IrGraph *g = arena_alloc(A, sizeof *g);
  g->name = "m";
  g->tensors = arena_alloc(A, sizeof(IrTensor *) * 32);
  g->nodes = arena_alloc(A, sizeof(IrNode *) * 32);
  g->inputs = arena_alloc(A, sizeof(IrTensor *) * 32);
  g->weights = arena_alloc(A, sizeof(IrTensor *) * 32);
  g->outputs = arena_alloc(A, sizeof(IrTensor *) * 32);
  g->syms = arena_alloc(A, sizeof(char *) * 8);
  g->loc = at(1);
  return g;
}

/* A dim from an int (> 0) or a symbol name (a string, when v is 0). */
static SemDim sdim(int64_t v, const char *sym) {
  SemDim d = {0};
  d.dim = sym ? dim_sym(&ic.dc, intern_cstr(&uf.f.names, sym)) : dim_const(&ic.dc, v);
  return d;
}

/* A graph tensor of kind k with the given constant dims (rank entries). */
static IrTensor *tensor(IrGraph *g, const char *name, IrTensorKind k, ElemType e, int rank, ...) {
  IrTensor *t = arena_alloc(A, sizeof *t);
  SemDim *dims = arena_alloc(A, sizeof(SemDim) * (size_t)(rank + 1));
  va_list ap;
  va_start(ap, rank);
  for (int i = 0; i < rank; i++) dims[i] = sdim(va_arg(ap, int64_t), NULL);
  va_end(ap);
  t->name = name, t->kind = k, t->elem = e, t->rank = rank, t->dims = dims, t->loc = at(1);
  if (k == IR_LOCAL) return t;
  t->id = g->ntensors;
  g->tensors[g->ntensors++] = t;
  if (k == IR_INPUT) g->inputs[g->ninputs++] = t;
  if (k == IR_WEIGHT) g->weights[g->nweights++] = t;
  return t;
}

static void output(IrGraph *g, IrTensor *t) {
  t->is_output = 1;
  g->outputs[g->noutputs++] = t;
}

static IrNode *node(IrGraph *g, const char *name, int nindices, ...) {
  IrNode *n = arena_alloc(A, sizeof *n);
  n->id = g->nnodes;
  n->name = name;
  n->op = "test";
  n->loc = at(2);
  n->indices = arena_alloc(A, sizeof(IrIndex) * (size_t)(nindices + 1));
  n->nindices = nindices;
  va_list ap;
  va_start(ap, nindices);
  for (int i = 0; i < nindices; i++) {
    n->indices[i].name = va_arg(ap, const char *);
    n->indices[i].extent = sdim(va_arg(ap, int64_t), NULL);
  }
  va_end(ap);
  n->stmts = arena_alloc(A, sizeof(IrStmt) * 8);
  n->locals = arena_alloc(A, sizeof(IrTensor *) * 8);
  n->inputs = arena_alloc(A, sizeof(IrTensor *) * 8);
  n->outputs = arena_alloc(A, sizeof(IrTensor *) * 8);
  g->nodes[g->nnodes++] = n;
  return n;
}

static IrTensor *local(IrNode *n, const char *name, ElemType e, int rank, ...) {
  IrTensor *t = arena_alloc(A, sizeof *t);
  SemDim *dims = arena_alloc(A, sizeof(SemDim) * (size_t)(rank + 1));
  va_list ap;
  va_start(ap, rank);
  for (int i = 0; i < rank; i++) dims[i] = sdim(va_arg(ap, int64_t), NULL);
  va_end(ap);
  t->name = name, t->kind = IR_LOCAL, t->elem = e, t->rank = rank, t->dims = dims, t->loc = at(3);
  t->id = n->nlocals;
  n->locals[n->nlocals++] = t;
  return t;
}

/* target[lhs...] = rhs; graph targets become the node's outputs. */
static void stmt(IrNode *n, IrTensor *target, IrExpr *rhs, int nlhs, ...) {
  int *lhs = arena_alloc(A, sizeof(int) * (size_t)(nlhs + 1));
  va_list ap;
  va_start(ap, nlhs);
  for (int i = 0; i < nlhs; i++) lhs[i] = va_arg(ap, int);
  va_end(ap);
  IrStmt *s = &n->stmts[n->nstmts++];
  s->target = target, s->nlhs = nlhs, s->lhs = lhs, s->rhs = rhs, s->loc = at(3);
  if (target->kind != IR_LOCAL) {
    n->outputs[n->noutputs++] = target;
    target->producer = n;
  }
}

static IrExpr *ex(IrExprKind k, ElemType type, int nargs) {
  IrExpr *e = arena_alloc(A, sizeof *e);
  e->kind = k, e->type = type, e->loc = at(4), e->nargs = nargs;
  e->args = arena_alloc(A, sizeof(IrExpr *) * (size_t)(nargs + 1));
  return e;
}

static IrExpr *fc(double v) {
  IrExpr *e = ex(IE_CONST, ELEM_FLOAT, 0);
  e->f = v;
  return e;
}

static IrExpr *ic_(int64_t v) {
  IrExpr *e = ex(IE_CONST, ELEM_INT, 0);
  e->i = v;
  return e;
}

static IrExpr *ix(int i) {
  IrExpr *e = ex(IE_INDEX, ELEM_INT, 0);
  e->index = i;
  return e;
}

static IrExpr *rd(IrTensor *t, int nargs, ...) {
  IrExpr *e = ex(IE_READ, t->elem, nargs);
  e->tensor = t;
  va_list ap;
  va_start(ap, nargs);
  for (int i = 0; i < nargs; i++) e->args[i] = va_arg(ap, IrExpr *);
  va_end(ap);
  e->loc = at(5);
  return e;
}

static IrExpr *dflt(IrExpr *read, IrExpr *d) {
  read->dflt = d;
  return read;
}

static IrExpr *bin(AstOp op, IrExpr *a, IrExpr *b) {
  int cmp = op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE ||
            op == OP_AND || op == OP_OR;
  IrExpr *e = ex(IE_BINARY, cmp ? ELEM_BOOL : a->type, 2);
  e->op = op, e->args[0] = a, e->args[1] = b;
  e->loc = at(6);
  return e;
}

static IrExpr *call(Builtin b, int nargs, IrExpr *x, IrExpr *y) {
  IrExpr *e = ex(IE_CALL, x->type, nargs);
  e->builtin = b, e->args[0] = x;
  if (nargs > 1) e->args[1] = y;
  return e;
}

static IrExpr *sel(IrExpr *c, IrExpr *a, IrExpr *b) {
  IrExpr *e = ex(IE_SELECT, a->type, 3);
  e->args[0] = c, e->args[1] = a, e->args[2] = b;
  return e;
}

static IrExpr *cast(ElemType to, IrExpr *a) {
  IrExpr *e = ex(IE_CAST, to, 1);
  e->args[0] = a;
  e->loc = at(6);
  return e;
}

static IrExpr *red(Reduction r, IrExpr *body, int nred, ...) {
  IrExpr *e = ex(IE_REDUCE, body->type, 1);
  int *ri = arena_alloc(A, sizeof(int) * (size_t)(nred + 1));
  va_list ap;
  va_start(ap, nred);
  for (int i = 0; i < nred; i++) ri[i] = va_arg(ap, int);
  va_end(ap);
  e->reduce = r, e->nred = nred, e->red = ri, e->args[0] = body;
  return e;
}

/* ------------------------------------------------------------ tensors */

static RtTensor rt(RtDType dt, int rank, ...) {
  RtTensor t;
  int64_t shape[RT_MAX_RANK];
  char err[200];
  va_list ap;
  va_start(ap, rank);
  for (int i = 0; i < rank; i++) shape[i] = va_arg(ap, int64_t);
  va_end(ap);
  CU_ASSERT_FATAL(rt_tensor_alloc(&t, dt, rank, shape, err, sizeof err) == 0);
  return t;
}

static float *F32(RtTensor *t) { return t->data; }
static int32_t *I32(RtTensor *t) { return t->data; }

/* Deterministic values in [-1, 1). */
static void fill(RtTensor *t, unsigned seed) {
  uint32_t s = seed * 2654435761u + 1;
  for (int64_t i = 0; i < rt_tensor_elems(t); i++) {
    s = s * 1664525u + 1013904223u;
    F32(t)[i] = (float)((s >> 8) / 8388608.0 - 1.0);
  }
}

/* Runs g on the inputs (and weights); returns ref_run's status. */
static int run(IrGraph *g, RtTensor *in, RtTensor *w, RtTensor *out, int threads) {
  const RtTensor *ins[8] = {0}, *ws[8] = {0};
  for (int i = 0; i < g->ninputs; i++) ins[i] = in && in[i].data ? &in[i] : NULL;
  for (int i = 0; i < g->nweights; i++) ws[i] = w && w[i].data ? &w[i] : NULL;
  RefArgs args = {.inputs = ins, .weights = ws, .threads = threads};
  return ref_run(&ic, g, &args, out);
}

static void free_all(RtTensor *t, int n) {
  for (int i = 0; i < n; i++) rt_tensor_free(&t[i]);
}

/* ---------------------------------------------------------------- tests */

/* c[m, n] = sum(k) a[m, k] * b[k, n], against a C loop in double. */
static void test_matmul(void) {
  begin();
  IrGraph *g = graph();
  enum { M = 5, K = 7, N = 300 }; /* N > REF_CHUNK: two chunks */
  IrTensor *a = tensor(g, "a", IR_INPUT, ELEM_F32, 2, (int64_t)M, (int64_t)K);
  IrTensor *b = tensor(g, "b", IR_WEIGHT, ELEM_F32, 2, (int64_t)K, (int64_t)N);
  IrTensor *c = tensor(g, "c", IR_VALUE, ELEM_F32, 2, (int64_t)M, (int64_t)N);
  output(g, c);
  IrNode *n = node(g, "c", 3, "m", (int64_t)M, "n", (int64_t)N, "k", (int64_t)K);
  stmt(n, c, red(RD_SUM, bin(OP_MUL, rd(a, 2, ix(0), ix(2)), rd(b, 2, ix(2), ix(1))), 1, 2), 2, 0, 1);
  RtTensor in[1] = {rt(RT_F32, 2, (int64_t)M, (int64_t)K)}, w[1] = {rt(RT_F32, 2, (int64_t)K, (int64_t)N)};
  fill(&in[0], 1), fill(&w[0], 2);
  for (int threads = 1; threads <= 2; threads++) {
    RtTensor out[1];
    CU_ASSERT_EQUAL(run(g, in, w, out, threads), 0);
    int bad = 0;
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int k = 0; k < K; k++) s += (double)F32(&in[0])[i * K + k] * F32(&w[0])[k * N + j];
        bad += F32(&out[0])[i * N + j] != (float)s;
      }
    CU_ASSERT_EQUAL(bad, 0);
    free_all(out, 1);
  }
  CU_ASSERT_STRING_EQUAL(unit_diags(&uf), "");
  free_all(in, 1), free_all(w, 1);
  end();
}

/* y[i] = x[i - 1] ?? 10 + x[i + 1] ?? 20 over 600 lanes (three chunks). */
static void test_default(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 1, (int64_t)600);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 1, (int64_t)600);
  output(g, y);
  IrNode *n = node(g, "y", 1, "i", (int64_t)600);
  stmt(n, y, bin(OP_ADD, dflt(rd(x, 1, bin(OP_SUB, ix(0), ic_(1))), fc(10)),
                 dflt(rd(x, 1, bin(OP_ADD, ix(0), ic_(1))), fc(20))), 1, 0);
  RtTensor in[1] = {rt(RT_F32, 1, (int64_t)600)}, out[1];
  for (int i = 0; i < 600; i++) F32(&in[0])[i] = (float)i;
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 2), 0);
  int bad = 0;
  for (int i = 0; i < 600; i++) bad += F32(&out[0])[i] != (i ? i - 1 : 10) + (i < 599 ? i + 1 : 20);
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT_EQUAL(F32(&out[0])[0], 10 + 1);
  CU_ASSERT_EQUAL(F32(&out[0])[599], 598 + 20);
  free_all(in, 1), free_all(out, 1);
  end();
}

/* y[i] = x[2 - i] ?? -1: a lane running backwards. */
static void test_reverse(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 1, (int64_t)3);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 1, (int64_t)5);
  output(g, y);
  IrNode *n = node(g, "y", 1, "i", (int64_t)5);
  stmt(n, y, dflt(rd(x, 1, bin(OP_SUB, ic_(2), ix(0))), fc(-1)), 1, 0);
  RtTensor in[1] = {rt(RT_F32, 1, (int64_t)3)}, out[1];
  for (int i = 0; i < 3; i++) F32(&in[0])[i] = (float)(i + 1);
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 1), 0);
  float want[5] = {3, 2, 1, -1, -1};
  for (int i = 0; i < 5; i++) CU_ASSERT_EQUAL(F32(&out[0])[i], want[i]);
  free_all(in, 1), free_all(out, 1);
  end();
}

/* A read past the end without ?? is a located error with the point. */
static void test_out_of_range(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 2, (int64_t)3, (int64_t)5);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 2, (int64_t)3, (int64_t)5);
  output(g, y);
  IrNode *n = node(g, "h", 2, "i", (int64_t)3, "j", (int64_t)5);
  stmt(n, y, rd(x, 2, ix(0), bin(OP_ADD, ix(1), ic_(1))), 2, 0, 1);
  RtTensor in[1] = {rt(RT_F32, 2, (int64_t)3, (int64_t)5)}, out[1];
  CU_ASSERT_EQUAL(run(g, in, NULL, out, 1), -1);
  CU_ASSERT_STRING_EQUAL(unit_diags(&uf),
                         "t.xg:5:1: error: read of x[0, 5] is out of range (dimension 2 has extent 5)\n"
                         "  line 5\n  ^~~~\n"
                         "t.xg:2:1: note: in 'h' (test) at i = 0, j = 4\n  line 2\n  ^~~~\n");
  CU_ASSERT_PTR_NULL(out[0].data);
  free_all(in, 1);
  end();
}

/* The same error from the second of two threads: the first in row-major
 * order is reported, whatever the number of threads. */
static void test_out_of_range_threads(void) {
  for (int threads = 1; threads <= 2; threads++) {
    begin();
    IrGraph *g = graph();
    IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 2, (int64_t)400, (int64_t)400);
    IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 2, (int64_t)400, (int64_t)400);
    output(g, y);
    IrNode *n = node(g, "h", 2, "i", (int64_t)400, "j", (int64_t)400);
    /* y[i, j] = x[i + i / 300, j]: rows from 300 on read past the end at i = 300 + ... */
    stmt(n, y, rd(x, 2, bin(OP_ADD, ix(0), bin(OP_DIV, ix(0), ic_(300))), ix(1)), 2, 0, 1);
    RtTensor in[1] = {rt(RT_F32, 2, (int64_t)400, (int64_t)400)}, out[1];
    CU_ASSERT_EQUAL(run(g, in, NULL, out, threads), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&uf), "error: read of x[400, 0] is out of range "
                                                     "(dimension 1 has extent 400)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&uf), "note: in 'h' (test) at i = 399, j = 0"));
    free_all(in, 1);
    end();
  }
}

/* Integer floor division and modulo, negative operands included; a zero
 * divisor is an error. */
static void test_int_ops(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *a = tensor(g, "a", IR_INPUT, ELEM_I32, 1, (int64_t)6);
  IrTensor *q = tensor(g, "q", IR_VALUE, ELEM_I32, 1, (int64_t)6);
  IrTensor *r = tensor(g, "r", IR_VALUE, ELEM_I32, 1, (int64_t)6);
  output(g, q), output(g, r);
  IrNode *n = node(g, "q", 1, "i", (int64_t)6);
  stmt(n, q, bin(OP_DIV, rd(a, 1, ix(0)), bin(OP_SUB, ic_(3), bin(OP_MUL, ix(0), ic_(0)))), 1, 0);
  stmt(n, r, bin(OP_MOD, rd(a, 1, ix(0)), ic_(-3)), 1, 0);
  RtTensor in[1] = {rt(RT_I32, 1, (int64_t)6)}, out[2];
  int32_t av[6] = {7, -7, 6, -6, 0, -1};
  memcpy(in[0].data, av, sizeof av);
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 1), 0);
  int32_t wq[6] = {2, -3, 2, -2, 0, -1}, wr[6] = {-2, -1, 0, 0, 0, -1};
  for (int i = 0; i < 6; i++) {
    CU_ASSERT_EQUAL(I32(&out[0])[i], wq[i]);
    CU_ASSERT_EQUAL(I32(&out[1])[i], wr[i]);
  }
  free_all(out, 2);
  /* Now by a[i] itself, which holds a 0. */
  n->stmts[0].rhs = bin(OP_DIV, ic_(1), rd(a, 1, ix(0)));
  CU_ASSERT_EQUAL(run(g, in, NULL, out, 1), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&uf), "t.xg:6:1: error: integer division by zero (1 / 0)"));
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&uf), "note: in 'q' (test) at i = 4"));
  free_all(in, 1);
  end();
}

/* Casts: f32 -> i32 truncates toward zero, i32 -> i8 wraps, f32 -> bool;
 * a float outside i32 is an error. */
static void test_casts(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 1, (int64_t)4);
  IrTensor *a = tensor(g, "a", IR_VALUE, ELEM_I32, 1, (int64_t)4);
  IrTensor *b = tensor(g, "b", IR_VALUE, ELEM_I8, 1, (int64_t)4);
  IrTensor *c = tensor(g, "c", IR_VALUE, ELEM_BOOL, 1, (int64_t)4);
  output(g, a), output(g, b), output(g, c);
  IrNode *n = node(g, "a", 1, "i", (int64_t)4);
  stmt(n, a, cast(ELEM_I32, rd(x, 1, ix(0))), 1, 0);
  stmt(n, b, cast(ELEM_I8, bin(OP_MUL, cast(ELEM_I32, rd(x, 1, ix(0))), ic_(100))), 1, 0);
  stmt(n, c, cast(ELEM_BOOL, rd(x, 1, ix(0))), 1, 0);
  RtTensor in[1] = {rt(RT_F32, 1, (int64_t)4)}, out[3];
  float xv[4] = {2.7f, -2.7f, 0.0f, 3.0f};
  memcpy(in[0].data, xv, sizeof xv);
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 1), 0);
  int32_t wa[4] = {2, -2, 0, 3};
  int8_t wb[4] = {-56, 56, 0, 44};
  uint8_t wc[4] = {1, 1, 0, 1};
  for (int i = 0; i < 4; i++) {
    CU_ASSERT_EQUAL(I32(&out[0])[i], wa[i]);
    CU_ASSERT_EQUAL(((int8_t *)out[1].data)[i], wb[i]);
    CU_ASSERT_EQUAL(((uint8_t *)out[2].data)[i], wc[i]);
  }
  free_all(out, 3);
  F32(&in[0])[3] = 3e9f;
  CU_ASSERT_EQUAL(run(g, in, NULL, out, 1), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&uf), "error: conversion of 3e+09 to i32 is out of range"));
  free_all(in, 1);
  end();
}

/* concat by ?: -- each side is read only where chosen, so neither read
 * goes out of range; the same with select(). */
static void test_select_lazy(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *a = tensor(g, "a", IR_INPUT, ELEM_F32, 1, (int64_t)3);
  IrTensor *b = tensor(g, "b", IR_INPUT, ELEM_F32, 1, (int64_t)4);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 1, (int64_t)7);
  IrTensor *z = tensor(g, "z", IR_VALUE, ELEM_F32, 1, (int64_t)7);
  output(g, y), output(g, z);
  IrNode *n = node(g, "y", 1, "c", (int64_t)7);
  stmt(n, y, sel(bin(OP_LT, ix(0), ic_(3)), rd(a, 1, ix(0)), rd(b, 1, bin(OP_SUB, ix(0), ic_(3)))), 1, 0);
  IrExpr *s = ex(IE_CALL, ELEM_F32, 3);
  s->builtin = BI_SELECT;
  s->args[0] = bin(OP_GE, ix(0), ic_(3)), s->args[1] = rd(b, 1, bin(OP_SUB, ix(0), ic_(3)));
  s->args[2] = rd(a, 1, ix(0));
  stmt(n, z, s, 1, 0);
  RtTensor in[2] = {rt(RT_F32, 1, (int64_t)3), rt(RT_F32, 1, (int64_t)4)}, out[2];
  for (int i = 0; i < 3; i++) F32(&in[0])[i] = (float)i;
  for (int i = 0; i < 4; i++) F32(&in[1])[i] = (float)(10 + i);
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 1), 0);
  float want[7] = {0, 1, 2, 10, 11, 12, 13};
  for (int i = 0; i < 7; i++) {
    CU_ASSERT_EQUAL(F32(&out[0])[i], want[i]);
    CU_ASSERT_EQUAL(F32(&out[1])[i], want[i]);
  }
  CU_ASSERT_STRING_EQUAL(unit_diags(&uf), "");
  free_all(in, 2), free_all(out, 2);
  end();
}

/* i > 0 && x[i - 1] > 0: the read is made only where i > 0. */
static void test_and_guard(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 1, (int64_t)5);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_BOOL, 1, (int64_t)5);
  output(g, y);
  IrNode *n = node(g, "y", 1, "i", (int64_t)5);
  stmt(n, y, bin(OP_AND, bin(OP_GT, ix(0), ic_(0)),
                 bin(OP_GT, rd(x, 1, bin(OP_SUB, ix(0), ic_(1))), fc(0))), 1, 0);
  RtTensor in[1] = {rt(RT_F32, 1, (int64_t)5)}, out[1];
  float xv[5] = {1, -1, 1, -1, 1};
  memcpy(in[0].data, xv, sizeof xv);
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 1), 0);
  uint8_t want[5] = {0, 1, 0, 1, 0};
  for (int i = 0; i < 5; i++) CU_ASSERT_EQUAL(((uint8_t *)out[0].data)[i], want[i]);
  free_all(in, 1), free_all(out, 1);
  end();
}

/* y[t, d] = table[ids[t], d]: a gather; a bad id is an error naming it. */
static void test_gather(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *ids = tensor(g, "ids", IR_INPUT, ELEM_I32, 1, (int64_t)3);
  IrTensor *tab = tensor(g, "table", IR_WEIGHT, ELEM_F32, 2, (int64_t)4, (int64_t)2);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 2, (int64_t)3, (int64_t)2);
  IrTensor *z = tensor(g, "z", IR_VALUE, ELEM_F32, 2, (int64_t)2, (int64_t)3);
  output(g, y), output(g, z);
  IrNode *n = node(g, "y", 2, "t", (int64_t)3, "d", (int64_t)2);
  stmt(n, y, rd(tab, 2, rd(ids, 1, ix(0)), ix(1)), 2, 0, 1);
  stmt(n, z, rd(tab, 2, rd(ids, 1, ix(0)), ix(1)), 2, 1, 0); /* the lane is t: a vector gather */
  RtTensor in[1] = {rt(RT_I32, 1, (int64_t)3)}, w[1] = {rt(RT_F32, 2, (int64_t)4, (int64_t)2)}, out[2];
  int32_t iv[3] = {3, 0, 2};
  memcpy(in[0].data, iv, sizeof iv);
  for (int i = 0; i < 8; i++) F32(&w[0])[i] = (float)i;
  CU_ASSERT_EQUAL_FATAL(run(g, in, w, out, 1), 0);
  float want[6] = {6, 7, 0, 1, 4, 5};
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(F32(&out[0])[i], want[i]);
  for (int t = 0; t < 3; t++)
    for (int d = 0; d < 2; d++) CU_ASSERT_EQUAL(F32(&out[1])[d * 3 + t], want[t * 2 + d]);
  free_all(out, 2);
  I32(&in[0])[1] = 4;
  CU_ASSERT_EQUAL(run(g, in, w, out, 1), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&uf),
                                "error: read of table[4, 0] is out of range (dimension 1 has extent 4)"));
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&uf), "at t = 1, d = 0"));
  free_all(in, 1), free_all(w, 1);
  end();
}

/* prod, mean, max, min over a row; max and min propagate NaN. */
static void test_reductions(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 2, (int64_t)2, (int64_t)4);
  IrTensor *o[4];
  const char *names[4] = {"p", "mu", "mx", "mn"};
  Reduction rs[4] = {RD_PROD, RD_MEAN, RD_MAX, RD_MIN};
  IrNode *n = node(g, "r", 2, "r", (int64_t)2, "d", (int64_t)4);
  for (int i = 0; i < 4; i++) {
    o[i] = tensor(g, names[i], IR_VALUE, ELEM_F32, 1, (int64_t)2);
    output(g, o[i]);
    stmt(n, o[i], red(rs[i], rd(x, 2, ix(0), ix(1)), 1, 1), 1, 0);
  }
  RtTensor in[1] = {rt(RT_F32, 2, (int64_t)2, (int64_t)4)}, out[4];
  float xv[8] = {1, -2, 3, 4, 5, NAN, -6, 7};
  memcpy(in[0].data, xv, sizeof xv);
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 1), 0);
  CU_ASSERT_EQUAL(F32(&out[0])[0], -24);
  CU_ASSERT_EQUAL(F32(&out[1])[0], 1.5);
  CU_ASSERT_EQUAL(F32(&out[2])[0], 4);
  CU_ASSERT_EQUAL(F32(&out[3])[0], -2);
  for (int i = 0; i < 4; i++) CU_ASSERT(isnan(F32(&out[i])[1]));
  free_all(in, 1), free_all(out, 4);
  end();
}

/* softmax with locals over rows of 3; y: f32[2, 3]. */
static void test_locals(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 2, (int64_t)2, (int64_t)3);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 2, (int64_t)2, (int64_t)3);
  output(g, y);
  IrNode *n = node(g, "y", 2, "l", (int64_t)2, "d", (int64_t)3);
  IrTensor *mx = local(n, "mx", ELEM_F32, 1, (int64_t)2);
  IrTensor *e = local(n, "e", ELEM_F32, 2, (int64_t)2, (int64_t)3);
  IrTensor *s = local(n, "s", ELEM_F32, 1, (int64_t)2);
  stmt(n, mx, red(RD_MAX, rd(x, 2, ix(0), ix(1)), 1, 1), 1, 0);
  stmt(n, e, call(BI_EXP, 1, bin(OP_SUB, rd(x, 2, ix(0), ix(1)), rd(mx, 1, ix(0))), NULL), 2, 0, 1);
  stmt(n, s, red(RD_SUM, rd(e, 2, ix(0), ix(1)), 1, 1), 1, 0);
  stmt(n, y, bin(OP_DIV, rd(e, 2, ix(0), ix(1)), rd(s, 1, ix(0))), 2, 0, 1);
  RtTensor in[1] = {rt(RT_F32, 2, (int64_t)2, (int64_t)3)}, out[1];
  fill(&in[0], 3);
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 1), 0);
  for (int r = 0; r < 2; r++) {
    double m = -INFINITY, sum = 0;
    for (int d = 0; d < 3; d++) m = fmax(m, F32(&in[0])[r * 3 + d]);
    for (int d = 0; d < 3; d++) sum += exp(F32(&in[0])[r * 3 + d] - m);
    for (int d = 0; d < 3; d++)
      CU_ASSERT_EQUAL(F32(&out[0])[r * 3 + d], (float)(exp(F32(&in[0])[r * 3 + d] - m) / sum));
  }
  free_all(in, 1), free_all(out, 1);
  end();
}

/* A flat read (reshape [3, 4] -> [4, 3]) and a transposed read whose lane is
 * the first dim ([300, 2]: the longer dim carries the vector). */
static void test_flat_and_lane_choice(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 2, (int64_t)2, (int64_t)300);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 2, (int64_t)300, (int64_t)2);
  IrTensor *z = tensor(g, "z", IR_VALUE, ELEM_F32, 2, (int64_t)4, (int64_t)150);
  output(g, y), output(g, z);
  IrNode *n = node(g, "y", 2, "i", (int64_t)300, "j", (int64_t)2);
  stmt(n, y, rd(x, 2, ix(1), ix(0)), 2, 0, 1);
  IrNode *m = node(g, "z", 2, "a", (int64_t)4, "b", (int64_t)150);
  IrExpr *f = rd(y, 1, bin(OP_ADD, bin(OP_MUL, ix(0), ic_(150)), ix(1)));
  f->flat = 1;
  stmt(m, z, f, 2, 0, 1);
  RtTensor in[1] = {rt(RT_F32, 2, (int64_t)2, (int64_t)300)}, out[2];
  fill(&in[0], 4);
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 2), 0);
  int bad = 0;
  for (int i = 0; i < 300; i++)
    for (int j = 0; j < 2; j++) {
      bad += F32(&out[0])[i * 2 + j] != F32(&in[0])[j * 300 + i];
      bad += F32(&out[1])[i * 2 + j] != F32(&out[0])[i * 2 + j];
    }
  CU_ASSERT_EQUAL(bad, 0);
  free_all(in, 1), free_all(out, 2);
  end();
}

/* conv-like windows with padding, a strided lane and grouped channels:
 * y[f, i] = sum(c, u) (x[(f / 2) * 2 + c, i * 2 + u - 1] ?? 0) * w[f, c, u]. */
static void test_window(void) {
  begin();
  IrGraph *g = graph();
  enum { F = 4, C = 2, W = 9, KW = 3, OW = 5 };
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 2, (int64_t)(C * 2), (int64_t)W);
  IrTensor *w = tensor(g, "w", IR_WEIGHT, ELEM_F32, 3, (int64_t)F, (int64_t)C, (int64_t)KW);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 2, (int64_t)F, (int64_t)OW);
  output(g, y);
  IrNode *n = node(g, "y", 4, "f", (int64_t)F, "i", (int64_t)OW, "c", (int64_t)C, "u", (int64_t)KW);
  IrExpr *ch = bin(OP_ADD, bin(OP_MUL, bin(OP_DIV, ix(0), ic_(2)), ic_(2)), ix(2));
  IrExpr *px = bin(OP_SUB, bin(OP_ADD, bin(OP_MUL, ix(1), ic_(2)), ix(3)), ic_(1));
  stmt(n, y, red(RD_SUM, bin(OP_MUL, dflt(rd(x, 2, ch, px), fc(0)), rd(w, 3, ix(0), ix(2), ix(3))), 2, 2, 3),
       2, 0, 1);
  RtTensor in[1] = {rt(RT_F32, 2, (int64_t)(C * 2), (int64_t)W)};
  RtTensor wt[1] = {rt(RT_F32, 3, (int64_t)F, (int64_t)C, (int64_t)KW)}, out[1];
  fill(&in[0], 5), fill(&wt[0], 6);
  CU_ASSERT_EQUAL_FATAL(run(g, in, wt, out, 1), 0);
  int bad = 0;
  for (int f = 0; f < F; f++)
    for (int i = 0; i < OW; i++) {
      double s = 0;
      for (int c = 0; c < C; c++)
        for (int u = 0; u < KW; u++) {
          int p = i * 2 + u - 1;
          if (p >= 0 && p < W) s += (double)F32(&in[0])[((f / 2) * 2 + c) * W + p] * F32(&wt[0])[(f * C + c) * KW + u];
        }
      bad += F32(&out[0])[f * OW + i] != (float)s;
    }
  CU_ASSERT_EQUAL(bad, 0);
  free_all(in, 1), free_all(wt, 1), free_all(out, 1);
  end();
}

/* Missing, misshapen and mistyped inputs and weights: every one named. */
static void test_bad_args(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 2, (int64_t)2, (int64_t)3);
  IrTensor *w = tensor(g, "w", IR_WEIGHT, ELEM_F32, 1, (int64_t)3);
  IrTensor *v = tensor(g, "v", IR_WEIGHT, ELEM_F32, 1, (int64_t)3);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 2, (int64_t)2, (int64_t)3);
  output(g, y);
  IrNode *n = node(g, "y", 2, "i", (int64_t)2, "j", (int64_t)3);
  stmt(n, y, bin(OP_MUL, rd(x, 2, ix(0), ix(1)), bin(OP_ADD, rd(w, 1, ix(1)), rd(v, 1, ix(1)))), 2, 0, 1);
  RtTensor in[1] = {rt(RT_F32, 2, (int64_t)3, (int64_t)2)};
  RtTensor ws[2] = {rt(RT_I32, 1, (int64_t)3), {0}}, out[1];
  const RtTensor *ins[1] = {&in[0]}, *wsp[2] = {&ws[0], NULL};
  const char *from[2] = {"w.safetensors", NULL}, *infrom[1] = {"x.npy"};
  RefArgs args = {.inputs = ins, .input_from = infrom, .weights = wsp, .weight_from = from, .threads = 1};
  CU_ASSERT_EQUAL(ref_run(&ic, g, &args, out), -1);
  const char *d = unit_diags(&uf);
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "error: input 'x' (from x.npy): expected f32[2, 3], given f32[3, 2]"));
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "error: param 'w' (from w.safetensors): expected f32[3], given i32[3]"));
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "error: param 'v' of model 'm' is missing: expected f32[3]"));
  CU_ASSERT_EQUAL(uf.f.diag.errors, 3);
  free_all(in, 1), free_all(ws, 1);
  end();
}

/* x: f32[B, 3] binds B from the input; y = x * 2 has B rows. */
static void test_symbolic(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F32, 2, (int64_t)1, (int64_t)3);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F32, 2, (int64_t)1, (int64_t)3);
  SemDim *dx = (SemDim *)x->dims, *dy = (SemDim *)y->dims;
  dx[0] = dy[0] = sdim(0, "B");
  g->syms[g->nsyms++] = intern_cstr(&uf.f.names, "B");
  output(g, y);
  IrNode *n = node(g, "y", 2, "i", (int64_t)1, "j", (int64_t)3);
  n->indices[0].extent = sdim(0, "B");
  stmt(n, y, bin(OP_MUL, rd(x, 2, ix(0), ix(1)), fc(2)), 2, 0, 1);
  RtTensor in[1] = {rt(RT_F32, 2, (int64_t)4, (int64_t)3)}, out[1];
  fill(&in[0], 7);
  int64_t shape[4];
  const RtTensor *ins[1] = {&in[0]};
  CU_ASSERT_EQUAL(ref_shape(&ic, g, ins, y, shape), 2);
  CU_ASSERT_EQUAL(shape[0], 4);
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 1), 0);
  CU_ASSERT_EQUAL(out[0].shape[0], 4);
  for (int i = 0; i < 12; i++) CU_ASSERT_EQUAL(F32(&out[0])[i], 2 * F32(&in[0])[i]);
  free_all(out, 1);
  CU_ASSERT_EQUAL(ref_shape(&ic, g, NULL, y, shape), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&uf), "error: the shape f32[B, 3] of output 'y' is not known"));
  free_all(in, 1);
  end();
}

/* f16 in and out: the value is rounded once, to nearest even. */
static void test_f16(void) {
  begin();
  IrGraph *g = graph();
  IrTensor *x = tensor(g, "x", IR_INPUT, ELEM_F16, 1, (int64_t)3);
  IrTensor *y = tensor(g, "y", IR_VALUE, ELEM_F16, 1, (int64_t)3);
  output(g, y);
  IrNode *n = node(g, "y", 1, "i", (int64_t)3);
  stmt(n, y, bin(OP_ADD, rd(x, 1, ix(0)), fc(1.0 / 4096)), 1, 0);
  RtTensor in[1] = {rt(RT_F16, 1, (int64_t)3)}, out[1];
  uint16_t xv[3] = {0x3c00, 0x3c01, 0xc000}; /* 1, 1 + 2^-10, -2 */
  memcpy(in[0].data, xv, sizeof xv);
  CU_ASSERT_EQUAL_FATAL(run(g, in, NULL, out, 1), 0);
  uint16_t *o = out[0].data;
  CU_ASSERT_EQUAL(o[0], 0x3c00); /* 1 + 2^-12 rounds to 1 */
  CU_ASSERT_EQUAL(o[1], 0x3c01);
  CU_ASSERT_EQUAL(o[2], 0xc000); /* -2 + 2^-12 rounds to -2 */
  free_all(in, 1), free_all(out, 1);
  end();
}

int main(void) {
  static const UnitTest tests[] = {
      {"matmul", test_matmul},
      {"default values", test_default},
      {"backward lanes", test_reverse},
      {"out-of-range read", test_out_of_range},
      {"out-of-range read, threads", test_out_of_range_threads},
      {"integer ops", test_int_ops},
      {"casts", test_casts},
      {"select is lazy", test_select_lazy},
      {"&& guards", test_and_guard},
      {"gather", test_gather},
      {"reductions", test_reductions},
      {"locals", test_locals},
      {"flat reads, lane choice", test_flat_and_lane_choice},
      {"windows", test_window},
      {"bad arguments", test_bad_args},
      {"symbolic dims", test_symbolic},
      {"f16", test_f16},
  };
  return unit_run("interp", tests, (int)(sizeof tests / sizeof *tests));
}
