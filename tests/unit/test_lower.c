/* test_lower.c -- CUnit tests of lower/: the schedules chosen for typical
 * statements (which index is vectorized, which loops are parallel), the
 * printer's exact text for one small model, range checks kept or dropped,
 * the memory plan (overlap by liveness, alignment, peak), the loop IR
 * verifier (each corruption reported), the FLOP count, and the GPU
 * lowering (grid loops, images, the GPU rules of the verifier). */
#include "tests/unit/unit.h"
#include "ir/ir.h"
#include "lower/loop.h"

#include <stdio.h>

/* ------------------------------------------------------------- helpers */

typedef struct T {
  UnitFront u;
  IrCtx c;
  Module *m;
  LowerTarget target;
} T;

static const char *prelude = "op matmul(a: f32[M, K], b: f32[K, N]) -> (c: f32[M, N]) { c[m, n] = "
                             "sum(k) a[m, k] * b[k, n]; }\n"
                             "op linear(x: f32[L, K], w: f32[N, K]) -> (y: f32[L, N]) { y[l, n] = "
                             "sum(k) x[l, k] * w[n, k]; }\n"
                             "op rowmax(x: f32[R, D]) -> (y: f32[R]) { y[r] = max(d) x[r, d]; }\n"
                             "op transpose(x: f32[M, N]) -> (y: f32[N, M]) { y[n, m] = x[m, n]; }\n"
                             "op relu(x: f32[N]) -> (y: f32[N]) { y[i] = max(x[i], 0.0); }\n"
                             "op shift(x: f32[N]) -> (y: f32[N]) { y[i] = x[i + 1]; }\n"
                             "op pad(x: f32[N]) -> (y: f32[N]) { y[i] = x[i - 1] ?? 0.0; }\n"
                             "op avg(x: f32[N, D]) -> (y: f32[N]) { y[n] = mean(d) x[n, d]; }\n"
                             "op inc(x: f32[S...]) -> (y: f32[S...]) { y[i...] = x[i...] + 1.0; }\n"
                             "op conv(x: f32[N, C, H, W], w: f32[F, C, 3, 3]) -> "
                             "(y: f32[N, F, H, W]) { y[n, f, i, j] = sum(c, u, v) "
                             "(x[n, c, i + u - 1, j + v - 1] ?? 0.0) * w[f, c, u, v]; }\n"
                             "op softmax(x: f32[R, D]) -> (y: f32[R, D]) { mx[r] = max(d) x[r, d]; "
                             "e[r, d] = exp(x[r, d] - mx[r]); s[r] = sum(d) e[r, d]; "
                             "y[r, d] = e[r, d] / s[r]; }\n";

static void t_load(T *t, const char *models) {
  char *src = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&src, &len);
  fprintf(f, "%s%s", prelude, models);
  fclose(f);
  unit_front_init(&t->u);
  t->m = front_load_buffer(&t->u.f, "t.xg", src, len);
  free(src);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t->m);
  sema_check(&t->u.f, t->m);
  if (t->u.f.diag.errors) fprintf(stderr, "%s", unit_diags(&t->u));
  CU_ASSERT_EQUAL_FATAL(t->u.f.diag.errors, 0);
  ir_ctx_init(&t->c, &t->u.f);
  t->target = lower_default_target();
}

static LoopProgram *t_lower(T *t, const char *model) {
  for (int i = 0; i < t->m->ast->list.n; i++) {
    const AstNode *d = t->m->ast->list.items[i];
    if (d->kind != AST_MODEL || strcmp(d->name, model)) continue;
    IrGraph *g = ir_build_model(&t->c, d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    ir_classify(&t->c, g);
    LoopProgram *p = lower_model(&t->c, g, &t->target);
    if (!p) fprintf(stderr, "%s", unit_diags(&t->u));
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(loop_verify(p, &t->u.f.diag), 0);
    return p;
  }
  CU_FAIL_FATAL("no such model");
  return NULL;
}

static char *print_program(const LoopProgram *p) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  loop_print(f, p);
  fclose(f);
  return buf;
}

static int contains(const char *hay, const char *needle) {
  if (!strstr(hay, needle)) {
    fprintf(stderr, "\n--- expected to find:\n%s\n--- in:\n%s\n", needle, hay);
    return 0;
  }
  return 1;
}

static char *t_print(T *t, const char *model) { return print_program(t_lower(t, model)); }

/* ------------------------------------------------------------ schedules */

static void test_matmul_vectorizes_columns(void) {
  T t;
  t_load(&t, "model m(a: f32[40, 32], b: f32[32, 40]) -> (c: f32[40, 40]) { c = matmul(a, b); }\n");
  char *s = t_print(&t, "m");
  CU_ASSERT(contains(s, "    for m in [0, 40) parallel:\n"
                        "      for n in [0, 40) vector(8):\n"
                        "        acc = 0.0\n"
                        "        for k in [0, 32):\n"
                        "          acc += a[32*m + k] * b[n + 40*k]\n"
                        "        c[40*m + n] = acc\n"));
  free(s);
  unit_front_free(&t.u);
}

static void test_linear_vectorizes_reduction(void) {
  T t;
  t_load(&t, "model m(x: f32[4, 64], w: f32[16, 64]) -> (y: f32[4, 16]) { y = linear(x, w); }\n");
  char *s = t_print(&t, "m");
  CU_ASSERT(contains(s, "for k in [0, 64) vector(8):\n"));
  CU_ASSERT(contains(s, "acc += x[64*l + k] * w[64*n + k]\n"));
  free(s);
  unit_front_free(&t.u);
}

static void test_rowmax_and_transpose(void) {
  T t;
  t_load(&t, "model m(x: f32[3, 100]) -> (y: f32[3], z: f32[100, 3]) { y = rowmax(x); z = "
             "transpose(x); }\n");
  char *s = t_print(&t, "m");
  CU_ASSERT(contains(s, "      acc = -inf\n      for d in [0, 100) vector(8):\n        acc = "
                        "max(acc, x[100*r + d])\n"));
  CU_ASSERT(contains(
      s, "    for n in [0, 100):\n      for m in [0, 3):\n        z[3*n + m] = x[n + 100*m]\n"));
  free(s);
  unit_front_free(&t.u);
}

static void test_parallel_blocks_for_one_row(void) {
  /* one row: the vectorized dim is cut into blocks for the thread pool,
   * and the elements after the last whole block form a tail nest */
  T t;
  t_load(&t,
         "model m(a: f32[1, 500], b: f32[500, 1000]) -> (c: f32[1, 1000]) { c = matmul(a, b); }\n");
  char *s = t_print(&t, "m");
  CU_ASSERT(
      contains(s, "  nest c\n    for p in [0, 15) parallel:\n      for n in [0, 64) vector(8):\n"));
  CU_ASSERT(contains(s, "  nest c (tail)\n    for n in [960, 1000) vector(8):\n"));
  free(s);
  unit_front_free(&t.u);
}

static void test_small_work_is_serial(void) {
  T t;
  t_load(&t, "model m(x: f32[100]) -> (y: f32[100]) { y = relu(x); }\n");
  char *s = t_print(&t, "m");
  CU_ASSERT(
      contains(s, "  nest y\n    for i in [0, 100) vector(8):\n      y[i] = max(x[i], 0.0)\n"));
  CU_ASSERT(!strstr(s, "parallel"));
  free(s);
  unit_front_free(&t.u);
}

static void test_contraction_path(void) {
  /* big enough: packed panels and a 6x16 register tile (16 registers of 8
   * lanes: 12 accumulators, 2 vectors of B, a broadcast of A) */
  T t;
  t_load(&t,
         "model m(a: f32[96, 256], b: f32[256, 64]) -> (c: f32[96, 64]) { c = matmul(a, b); }\n");
  char *s = t_print(&t, "m");
  CU_ASSERT(contains(s, "  buffer c.tile: f32[96] stack\n"));
  CU_ASSERT(contains(s, "  nest c (pack a)\n    for ip in [0, 16) parallel:\n"));
  CU_ASSERT(contains(s, "c.tile[16*r.1 + c.2] = c.tile[16*r.1 + c.2] + c.a.packed[24576*ic + "
                        "1536*iq + 6*k.1 + r.1] * "
                        "c.b.packed[4096*jc + 4096*jq + 16*k.1 + c.2]\n"));
  CU_ASSERT(!strstr(s, "if ")); /* 96 = 16 x 6 rows, 64 = 4 x 16 columns: no edge tiles */
  free(s);
  unit_front_free(&t.u);
}

/* ------------------------------------------------------------ range checks */

static void test_checks_kept_where_needed(void) {
  T t;
  t_load(&t, "model a(x: f32[8]) -> (y: f32[8]) { y = shift(x); }\n"
             "model b(x: f32[8]) -> (y: f32[8]) { y = pad(x); }\n");
  char *s = t_print(&t, "a");
  /* only the upper bound can fail: i + 1 >= 0 always */
  CU_ASSERT(contains(s, "y[i] = checked(x[i + 1], i + 1 < 8)\n"));
  free(s);
  s = t_print(&t, "b");
  CU_ASSERT(contains(s, "y[i] = 0 <= i - 1 ? x[i - 1] : 0.0\n"));
  free(s);
  unit_front_free(&t.u);
}

/* ------------------------------------------------------------- printer */

static void test_print_whole_program(void) {
  T t;
  t_load(&t, "model m(x: f32[2, 3]) -> (y: f32[2]) { h = avg(x); y = relu(h); }\n");
  char *s = t_print(&t, "m");
  const char *want = "program m: 2 kernels, 2 nests, 10 flops, scratch 64 bytes\n"
                     "  target x86-64-v3: 256-bit vectors, 16 registers, fma, L1 32 KiB, L2 1024 "
                     "KiB, L3 8192 KiB\n"
                     "  buffer x: f32[2, 3] input 0\n"
                     "  buffer h: f32[2] scratch @0 (8 bytes, kernels 0..1)\n"
                     "  buffer y: f32[2] output 0\n"
                     "kernel 0: h = avg(x) : many-to-many (8 flops)\n"
                     "  nest h\n"
                     "    for n in [0, 2):\n"
                     "      acc = 0.0\n"
                     "      for d in [0, 3) unroll:\n"
                     "        acc += x[3*n + d]\n"
                     "      h[n] = acc / 3.0\n"
                     "kernel 1: y = relu(h) : one-to-one (2 flops)\n"
                     "  nest y\n"
                     "    for i in [0, 2):\n"
                     "      y[i] = max(h[i], 0.0)\n";
  CU_ASSERT_STRING_EQUAL(s, want);
  if (strcmp(s, want)) fprintf(stderr, "\n--- got:\n%s", s);
  free(s);
  unit_front_free(&t.u);
}

/* ---------------------------------------------------------- memory plan */

static LoopBuf *mk_buf(Arena *a, int id, int64_t bytes, int first, int last) {
  LoopBuf *b = arena_alloc(a, sizeof *b);
  b->id = id;
  b->name = "t";
  b->kind = LB_SCRATCH;
  b->bytes = bytes;
  b->first = first;
  b->last = last;
  return b;
}

static int overlap(const LoopBuf *a, const LoopBuf *b) {
  int live = a->first <= b->last && b->first <= a->last;
  int mem = a->offset < b->offset + b->bytes && b->offset < a->offset + a->bytes;
  return live && mem;
}

static void test_memory_plan(void) {
  Arena a;
  arena_init(&a);
  LoopProgram p = {0};
  /* a chain t0 -> t1 -> t2 -> t3: only neighbours are live together */
  int64_t sizes[] = {1000, 4000, 100, 4000, 64};
  p.nbufs = 5;
  p.bufs = arena_alloc(&a, sizeof *p.bufs * 5);
  for (int i = 0; i < 4; i++) p.bufs[i] = mk_buf(&a, i, sizes[i], i, i + 1);
  p.bufs[4] = mk_buf(&a, 4, sizes[4], 0, 4); /* live throughout */
  lower_plan_memory(&p);
  for (int i = 0; i < 5; i++) {
    CU_ASSERT_EQUAL(p.bufs[i]->offset % 64, 0);
    for (int j = 0; j < i; j++) CU_ASSERT(!overlap(p.bufs[i], p.bufs[j]));
  }
  /* t1 and t3 (4000 each) are never live together: they share memory */
  CU_ASSERT_EQUAL(p.bufs[1]->offset, p.bufs[3]->offset);
  /* peak: 4000 + 1000 (t0 with t1) rounded, plus the 64 of t4 */
  CU_ASSERT_EQUAL(p.scratch_bytes, 4032 + 1024 + 64);
  arena_free(&a);
}

static void test_memory_plan_of_model(void) {
  T t;
  t_load(&t, "model m(x: f32[256]) -> (y: f32[256]) { a = relu(x); b = relu(a); c = relu(b); y = "
             "relu(c); }\n");
  LoopProgram *p = t_lower(&t, "m");
  /* a, b, c of 1024 bytes; at most two live at once */
  CU_ASSERT_EQUAL(p->scratch_bytes, 2048);
  unit_front_free(&t.u);
}

/* ------------------------------------------------------------ verifier */

static void test_verifier_reports(void) {
  T t;
  t_load(&t, "model m(a: f32[40, 32], b: f32[32, 40]) -> (c: f32[40, 40]) { c = matmul(a, b); }\n");
  LoopProgram *p = t_lower(&t, "m");
  LoopStmt *root = p->kernels[0]->nests[0]->loop;
  LoopStmt *vec = root->body.items[0];
  int errors = t.u.f.diag.errors;
  /* a vector loop inside a vector loop */
  LoopStmt *inner = vec->body.items[1];
  inner->loop = LOOP_VECTOR;
  inner->lanes = 8;
  CU_ASSERT_EQUAL(loop_verify(p, &t.u.f.diag), 1);
  CU_ASSERT(contains(unit_diags(&t.u), "a vector loop of 8 lanes"));
  inner->loop = LOOP_SERIAL;
  inner->lanes = 0;
  /* a parallel loop below the top */
  vec->loop = LOOP_PARALLEL;
  CU_ASSERT_EQUAL(loop_verify(p, &t.u.f.diag), 1);
  CU_ASSERT(contains(unit_diags(&t.u), "a parallel loop inside another loop"));
  vec->loop = LOOP_VECTOR;
  /* the accumulator read before its definition */
  LoopStmt *let = vec->body.items[0];
  vec->body.items[0] = vec->body.items[1];
  vec->body.items[1] = let;
  CU_ASSERT(loop_verify(p, &t.u.f.diag) >= 1);
  CU_ASSERT(contains(unit_diags(&t.u), "variable 'acc' is used outside its scope"));
  vec->body.items[1] = vec->body.items[0];
  vec->body.items[0] = let;
  /* a store of the wrong type */
  LoopStmt *st = vec->body.items[2];
  LoopExpr *v = st->value;
  LoopExpr bad = *v;
  bad.type = ELEM_I32;
  st->value = &bad;
  CU_ASSERT(loop_verify(p, &t.u.f.diag) >= 1);
  CU_ASSERT(contains(unit_diags(&t.u), "store of mismatched type"));
  st->value = v;
  /* an if on the lane index inside the vector loop */
  Arena *a = &t.u.f.arena;
  LoopExpr *lane = arena_alloc(a, sizeof *lane), *ten = arena_alloc(a, sizeof *ten);
  LoopExpr *cond = arena_alloc(a, sizeof *cond);
  *lane = (LoopExpr){.kind = LE_VAR, .type = ELEM_INT, .var = vec->var};
  *ten = (LoopExpr){.kind = LE_CONST, .type = ELEM_INT, .i = 10};
  *cond = (LoopExpr){.kind = LE_BINARY, .type = ELEM_BOOL, .op = OP_LT, .nargs = 2};
  cond->args = arena_alloc(a, 2 * sizeof *cond->args);
  cond->args[0] = lane, cond->args[1] = ten;
  LoopStmt *iff = arena_alloc(a, sizeof *iff);
  *iff = (LoopStmt){.kind = LS_IF, .value = cond};
  vec_push(a, &iff->body, st);
  vec->body.items[2] = iff;
  CU_ASSERT_EQUAL(loop_verify(p, &t.u.f.diag), 1);
  CU_ASSERT(contains(unit_diags(&t.u), "an if whose condition differs between lanes"));
  vec->body.items[2] = st;
  CU_ASSERT_EQUAL(loop_verify(p, &t.u.f.diag), 0);
  CU_ASSERT(t.u.f.diag.errors > errors);
  unit_front_free(&t.u);
}

/* ------------------------------------------------------------------ GPU */

static void test_gpu_grid(void) {
  T t;
  t_load(&t, "model m(a: f32[40, 32], b: f32[32, 40], x: f32[2, 3, 1, 5, 7]) -> "
             "(c: f32[40, 40], y: f32[2, 3, 1, 5, 7]) { c = matmul(a, b); y = inc(x); }\n");
  t.target = lower_gpu_target();
  char *s = t_print(&t, "m");
  /* every left-hand dim parallel, no vector loop, no packing */
  CU_ASSERT(contains(s, "    for m in [0, 40) parallel:\n"
                        "      for n in [0, 40) parallel:\n"
                        "        acc = 0.0\n"
                        "        for k in [0, 32):\n"
                        "          acc += a[32*m + k] * b[n + 40*k]\n"
                        "        c[40*m + n] = acc\n"));
  /* 4 dims of extent > 1: the first two fused; the dim of extent 1 bound */
  CU_ASSERT(contains(s, "    for p in [0, 6) parallel:\n"
                        "      for i3 in [0, 5) parallel:\n"
                        "        for i4 in [0, 7) parallel:\n"
                        "          y[35*p + 7*i3 + i4] = x[35*p + 7*i3 + i4] + 1.0\n"));
  CU_ASSERT(!strstr(s, "vector("));
  CU_ASSERT(!strstr(s, "packed"));
  free(s);
  unit_front_free(&t.u);
  /* an outer NDRange dim over 65535 is fused with the next */
  t_load(&t, "model m(x: f32[70000, 2, 3], z: f32[3, 70000]) -> (y: f32[70000, 2, 3], "
             "w: f32[3, 70000]) { y = inc(x); w = inc(z); }\n");
  t.target = lower_gpu_target();
  s = t_print(&t, "m");
  CU_ASSERT(contains(s, "    for p in [0, 420000) parallel:\n      y[p] = x[p] + 1.0\n"));
  CU_ASSERT(contains(s, "    for i0 in [0, 3) parallel:\n      for i1 in [0, 70000) parallel:\n"));
  free(s);
  unit_front_free(&t.u);
}

static void test_gpu_fused_rows(void) {
  T t;
  t_load(&t, "model m(x: f32[6, 50]) -> (y: f32[6, 50]) { y = softmax(x); }\n");
  t.target = lower_gpu_target();
  t.target.images = 1; /* 2-D: nothing eligible */
  char *s = t_print(&t, "m");
  CU_ASSERT(contains(s, "  nest y\n    for r in [0, 6) parallel:\n      acc = -inf\n"));
  CU_ASSERT(contains(s, "buffer y.e: f32[50] stack\n"));
  CU_ASSERT(!strstr(s, " image "));
  free(s);
  unit_front_free(&t.u);
}

static void test_gpu_images(void) {
  T t;
  t_load(&t, "model m(x: f32[1, 3, 6, 6]) -> (y: f32[1, 5, 6, 6]) {\n"
             "  param w: f32[5, 3, 3, 3];\n  y = inc(conv(x, w)); }\n"
             "model n(x: f32[2, 5, 6, 6]) -> (y: f32[2, 5, 6, 6]) { y = inc(x); }\n");
  t.target = lower_gpu_target();
  t.target.images = 1;
  char *s = t_print(&t, "m");
  /* the intermediate and the weight in images; input and output buffers */
  CU_ASSERT(contains(s, "  buffer y.1: f32[1, 5, 6, 6] image 12 x 6 (kernels 0..1)\n"));
  CU_ASSERT(contains(s, "  buffer w.image: f32[5, 3, 3, 3] image 3 x 15 (persistent)\n"));
  CU_ASSERT(contains(s, "  buffer x: f32[1, 3, 6, 6] input 0\n"));
  /* the weight copied once, a pixel at a time */
  CU_ASSERT(contains(s, "  nest w.image once\n    for p in [0, 5) parallel:\n"));
  CU_ASSERT(contains(s, "            w.image@(w, 3*p + h, ch) = w[27*p + 3*h + w + 9*ch]\n"));
  /* the conv writes pixels: channels in fours, the pixel loop, the guard */
  CU_ASSERT(contains(s, "    for f in [0, 2) parallel:\n"));
  CU_ASSERT(contains(s, "          for ch in [0, 4) unroll:\n            if 4*f + ch < 5:\n"));
  CU_ASSERT(contains(s, "              y.1@(6*f + j, i, ch) = acc\n"));
  /* reads of the image under the guard need no upper check */
  CU_ASSERT(contains(s, "y.1@(6*(i1/4) + i3, i2, i1 - 4*(i1/4))"));
  free(s);
  /* model inputs and outputs are never images */
  s = t_print(&t, "n");
  CU_ASSERT(!strstr(s, " image "));
  free(s);
  unit_front_free(&t.u);
}

static void test_gpu_verifier(void) {
  T t;
  t_load(&t, "model m(x: f32[2, 3, 4, 5]) -> (y: f32[2, 3, 4, 5]) {\n"
             "  y = inc(x); }\n");
  t.target = lower_gpu_target();
  LoopProgram *p = t_lower(&t, "m");
  LoopStmt *root = p->kernels[0]->nests[0]->loop;
  LoopStmt *l1 = root->body.items[0], *l2 = l1->body.items[0];
  CU_ASSERT_EQUAL(root->loop, LOOP_PARALLEL);
  CU_ASSERT_EQUAL(l2->loop, LOOP_PARALLEL);
  /* a fourth parallel loop */
  LoopStmt *st = l2->body.items[0];
  LoopStmt extra = {.kind = LS_LOOP, .var = l2->var, .lo = 0, .hi = 1, .loop = LOOP_PARALLEL};
  Arena *a = &t.u.f.arena;
  vec_push(a, &extra.body, st);
  l2->body.items[0] = &extra;
  CU_ASSERT(loop_verify(p, &t.u.f.diag) >= 1);
  CU_ASSERT(contains(unit_diags(&t.u), "more than 3 nested parallel loops"));
  /* a vector loop on a GPU target */
  extra.loop = LOOP_VECTOR;
  extra.lanes = 4;
  CU_ASSERT(loop_verify(p, &t.u.f.diag) >= 1);
  CU_ASSERT(contains(unit_diags(&t.u), "a vector loop on a GPU target"));
  l2->body.items[0] = st;
  CU_ASSERT_EQUAL(loop_verify(p, &t.u.f.diag), 0);
  unit_front_free(&t.u);
}

/* ---------------------------------------------------------------- flops */

static void test_flops(void) {
  T t;
  t_load(&t, "model m(a: f32[4, 5], b: f32[5, 6], x: f32[3, 10]) -> (c: f32[4, 6], y: f32[3]) {\n"
             "  c = matmul(a, b); y = avg(x); }\n");
  LoopProgram *p = t_lower(&t, "m");
  CU_ASSERT_DOUBLE_EQUAL(p->kernels[0]->flops, 2.0 * 4 * 5 * 6, 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(p->kernels[1]->flops, 3.0 * (10 + 1), 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(lower_node_flops(p->kernels[0]->nodes[0]), 240, 1e-9);
  unit_front_free(&t.u);
}

static void test_symbolic_dims_rejected(void) {
  T t;
  t_load(&t, "model m(x: f32[B, 4]) -> (y: f32[B, 4]) { y = x + x; }\n");
  const AstNode *d = NULL;
  for (int i = 0; i < t.m->ast->list.n; i++) {
    const AstNode *x = t.m->ast->list.items[i];
    if (x->kind == AST_MODEL) d = x;
  }
  IrGraph *g = ir_build_model(&t.c, d);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  CU_ASSERT_PTR_NULL(lower_model(&t.c, g, &t.target));
  CU_ASSERT(
      contains(unit_diags(&t.u), "model 'm' has symbolic dims (B), which are not supported yet"));
  unit_front_free(&t.u);
}

int main(void) {
  static const UnitTest tests[] = {
      {"matmul vectorizes columns", test_matmul_vectorizes_columns},
      {"linear vectorizes its reduction", test_linear_vectorizes_reduction},
      {"row max and transpose", test_rowmax_and_transpose},
      {"one row: parallel blocks and a tail", test_parallel_blocks_for_one_row},
      {"small work stays serial", test_small_work_is_serial},
      {"contractions: packed micro-kernel", test_contraction_path},
      {"range checks kept where needed", test_checks_kept_where_needed},
      {"printer: a whole program", test_print_whole_program},
      {"memory plan: chain", test_memory_plan},
      {"memory plan: model", test_memory_plan_of_model},
      {"verifier reports corruptions", test_verifier_reports},
      {"flops", test_flops},
      {"symbolic dims rejected", test_symbolic_dims_rejected},
      {"GPU: grid loops", test_gpu_grid},
      {"GPU: fused rows", test_gpu_fused_rows},
      {"GPU: images", test_gpu_images},
      {"GPU: verifier", test_gpu_verifier},
  };
  return unit_run("lower", tests, (int)(sizeof tests / sizeof *tests));
}
