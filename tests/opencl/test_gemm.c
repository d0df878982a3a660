/* test_gemm.c -- the fast kernel generators of backends/opencl/fast.h on a
 * real OpenCL device (POCL in `make check`; XG_OPENCL_DEVICE=P:D picks
 * another): matmul, matmul with A transposed, batched matmul (B plain and
 * transposed, as attention's scores), linear with a bias + relu epilogue,
 * operands and stores through callbacks, conv2d 3x3 (pad 1, stride 1 and 2)
 * and pointwise, on odd shapes (1, 7, 33, 1023) with the chosen tiling and
 * with forced ones that take every path of the generator; then row
 * kernels: softmax, log-softmax, layernorm, rmsnorm, sum and max over the
 * last axis (NaN kept), row buffers read out of order, attention rows
 * (steps of two extents) -- with a work-group
 * and with a work-item per row.  Every output against double-precision C
 * loops; the words after each output must stay untouched.
 * Usage: test_gemm [-v] [FILTER]: -v prints each kernel's source; FILTER
 * runs only the kernels whose label contains it. */
#include <math.h>
#include <stdint.h>

#include "tests/opencl/clhost.h"

static int verbose;
static const char *filter; /* run only the kernels whose label contains it */
static int body_only;      /* generate kernel bodies; the test writes the signatures */
static int failures, checks;

/* ----------------------------------------------------------------- data */

static uint64_t rng = 88172645463325252ull;
static float frand(void) { /* uniform in [-1, 1) */
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (float)((double)(rng >> 40) / (double)(1ull << 23) - 1.0);
}
static float *rand_vec(size_t n) {
  float *v = malloc((n ? n : 1) * sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = frand();
  return v;
}

enum { GUARD = 64 };              /* words after each output, checked untouched */
static const float SENTINEL = 1234.5f; /* their value */

/* ---------------------------------------------------------------- cases */

typedef enum Kind { MATMUL, MATMUL_TA, BMM, BMM_NT, LINEAR, CUSTOM, CUSTOM_KD, CONV } Kind;
static const char *kind_name[] = {"matmul", "matmul_ta", "bmm",       "bmm_nt",
                                  "linear", "custom",    "custom_kd", "conv"};
/* CUSTOM_KD: CUSTOM with K = 360 as the digits (3, 4, 5, 6): two outer and
 * two inner ones; A takes them (and recombines them), B takes k flat. */
static const int64_t KD[4] = {3, 4, 5, 6};

typedef struct GCase {
  Kind kind;
  int64_t batch, m, n, k;
  OclConv2d cv; /* CONV: its sizes; the buffers are named below */
} GCase;

/* Sizes of the host arrays of a case. */
static void sizes(const GCase *t, size_t *na, size_t *nb, size_t *nc) {
  *na = (size_t)(t->kind == CUSTOM || t->kind == CUSTOM_KD ? 1 : t->batch) * (size_t)(t->m * t->k);
  *nb = (size_t)t->batch * (size_t)(t->k * t->n);
  *nc = (size_t)t->batch * (size_t)(t->m * t->n);
  if (t->kind == MATMUL || t->kind == MATMUL_TA || t->kind == LINEAR) *na = (size_t)(t->m * t->k);
  if (t->kind == CONV) {
    const OclConv2d *cv = &t->cv;
    *na = (size_t)(cv->f * cv->c * cv->kh * cv->kw);
    *nb = (size_t)(cv->n * cv->c * cv->h * cv->w);
  }
}

/* A(b, m, k) and B(b, k, n) of the host arrays, by the case's layout. */
static double a_at(const GCase *t, const float *a, int64_t b, int64_t m, int64_t k) {
  switch (t->kind) {
  case MATMUL_TA: return a[k * t->m + m];
  case BMM:
  case BMM_NT: return a[(b * t->m + m) * t->k + k];
  case MATMUL:
  case LINEAR:
  case CUSTOM:
  case CUSTOM_KD:
  case CONV: return a[m * t->k + k];
  }
  return 0;
}
static double b_at(const GCase *t, const float *bb, int64_t b, int64_t k, int64_t n) {
  switch (t->kind) {
  case LINEAR:
  case BMM_NT: return bb[(b * t->n + n) * t->k + k];
  case MATMUL:
  case MATMUL_TA:
  case BMM:
  case CUSTOM:
  case CUSTOM_KD: return bb[(b * t->k + k) * t->n + n];
  case CONV: break;
  }
  return 0;
}

/* The reference of C[b, m, n] and the sum of the magnitudes of its terms.
 * conv2d directly, by its definition. */
static void reference(const GCase *t, const float *a, const float *bb, const float *bias,
                      int64_t b, int64_t m, int64_t n, double *want, double *mag) {
  double s = 0, g = 0;
  if (t->kind == CONV) {
    const OclConv2d *cv = &t->cv;
    int64_t ow = ocl_conv2d_ow(cv), i = n / ow, j = n % ow;
    for (int64_t c = 0; c < cv->c; c++)
      for (int64_t u = 0; u < cv->kh; u++)
        for (int64_t v = 0; v < cv->kw; v++) {
          int64_t y = i * cv->stride + u - cv->pad, x = j * cv->stride + v - cv->pad;
          if (y < 0 || y >= cv->h || x < 0 || x >= cv->w) continue;
          double p = (double)bb[((b * cv->c + c) * cv->h + y) * cv->w + x] *
                     a[((m * cv->c + c) * cv->kh + u) * cv->kw + v];
          s += p, g += fabs(p);
        }
    if (cv->bias) s += bias[m], g += fabs(bias[m]);
    if (cv->relu && s < 0) s = 0;
  } else {
    for (int64_t k = 0; k < t->k; k++) {
      double p = a_at(t, a, b, m, k) * b_at(t, bb, b, k, n);
      s += p, g += fabs(p);
    }
    if (t->kind == LINEAR) {
      s += bias[n], g += fabs(bias[n]);
      if (s < 0) s = 0;
    }
  }
  *want = s, *mag = g;
}

/* -------------------------------------------------- the operands' text */

static void custom_a(void *ctx, OclCode *o, const char *b, const char *r, const char *k) {
  const GCase *t = ctx;
  (void)b; /* A is shared by the batches */
  ocl_code_printf(o, "A[%s * %lld + %s]", r, (long long)t->k, k);
}
static void custom_a_kd(void *ctx, OclCode *o, const char *b, const char *r,
                        const char *const *kd) {
  const GCase *t = ctx;
  (void)b;
  ocl_code_printf(o, "A[%s * %lld + ((%s * %lld + %s) * %lld + %s) * %lld + %s]", r,
                  (long long)t->k, kd[0], (long long)KD[1], kd[1], (long long)KD[2], kd[2],
                  (long long)KD[3], kd[3]);
}
static void custom_b(void *ctx, OclCode *o, const char *b, const char *r, const char *k) {
  const GCase *t = ctx;
  ocl_code_printf(o, "B[(%s * %lld + %s) * %lld + %s]", b, (long long)t->k, k, (long long)t->n, r);
}
static void custom_c(void *ctx, OclCode *o, const char *b, const char *m, const char *n,
                     const char *v) {
  const GCase *t = ctx;
  ocl_code_printf(o, "C[(%s * %lld + %s) * %lld + %s] = %s;", b, (long long)t->m, m,
                  (long long)t->n, n, v);
}
static void bias_relu(void *ctx, OclCode *o, const char *b, const char *m, const char *n,
                      const char *acc) {
  (void)ctx, (void)b, (void)m;
  ocl_code_printf(o, "fmax(%s + bias[%s], 0.0f)", acc, n);
}

static void strided(OclGemmInput *x, const char *ptr, int64_t sb, int64_t sr, int64_t sk) {
  memset(x, 0, sizeof *x);
  x->kind = OCL_ACCESS_STRIDED;
  x->ptr = ptr, x->sb = sb, x->sr = sr, x->sk = sk;
}

/* The OclGemm of a case (sizes, operands; no tiling). */
static void describe(GCase *t, OclGemm *g) {
  memset(g, 0, sizeof *g);
  g->name = "gemm";
  g->params = "global const float *A, global const float *B, global float *C, "
              "global const float *bias";
  int64_t M = t->m, N = t->n, K = t->k;
  if (t->kind == CONV) {
    t->cv.xp = "B", t->cv.wp = "A", t->cv.yp = "C";
    ocl_conv2d_gemm(&t->cv, g);
    t->batch = g->batch, t->m = g->m, t->n = g->n, t->k = g->k;
    return;
  }
  g->batch = t->batch, g->m = M, g->n = N, g->k = K;
  g->c.kind = OCL_ACCESS_STRIDED;
  g->c.ptr = "C", g->c.sb = M * N, g->c.sm = N, g->c.sn = 1;
  switch (t->kind) {
  case MATMUL: strided(&g->a, "A", 0, K, 1), strided(&g->b, "B", 0, 1, N); break;
  case MATMUL_TA: strided(&g->a, "A", 0, 1, M), strided(&g->b, "B", 0, 1, N); break;
  case BMM: strided(&g->a, "A", M * K, K, 1), strided(&g->b, "B", K * N, 1, N); break;
  case BMM_NT: strided(&g->a, "A", M * K, K, 1), strided(&g->b, "B", N * K, K, 1); break;
  case LINEAR:
    strided(&g->a, "A", 0, K, 1), strided(&g->b, "B", 0, K, 1);
    g->c.epilogue = bias_relu;
    break;
  case CUSTOM_KD:
    g->nkdig = 4;
    memcpy(g->kdig, KD, sizeof KD);
    g->a.load_kd = custom_a_kd;
    /* fall through */
  case CUSTOM:
    g->a.kind = OCL_ACCESS_CUSTOM, g->a.load = custom_a, g->a.ctx = t, g->a.r_major = 0;
    g->b.kind = OCL_ACCESS_CUSTOM, g->b.load = custom_b, g->b.ctx = t, g->b.r_major = 1;
    g->c.kind = OCL_ACCESS_CUSTOM, g->c.store = custom_c, g->c.ctx = t;
    break;
  case CONV: break;
  }
}

static void case_label(const GCase *t, const OclGemm *g, char *buf, size_t n) {
  char d[96];
  ocl_gemm_describe(g, d, sizeof d);
  if (t->kind == CONV)
    snprintf(buf, n, "conv %lldx%lldx%lldx%lld -> %lld, %lldx%lld s%lld p%lld%s%s [%s]",
             (long long)t->cv.n, (long long)t->cv.c, (long long)t->cv.h, (long long)t->cv.w,
             (long long)t->cv.f, (long long)t->cv.kh, (long long)t->cv.kw,
             (long long)t->cv.stride, (long long)t->cv.pad, t->cv.bias ? " bias relu" : "",
             t->cv.flat_k ? " flat k" : "", d);
  else
    snprintf(buf, n, "%s %lldx%lldx%lldx%lld [%s]", kind_name[t->kind], (long long)t->batch,
             (long long)t->m, (long long)t->n, (long long)t->k, d);
  if (body_only) strncat(buf, " body only", n - strlen(buf) - 1);
}

static void report(int ok, const char *label, const char *detail) {
  checks++;
  if (!ok) failures++;
  printf("%s: %s%s%s\n", ok ? "ok" : "FAIL", label, detail ? ": " : "", detail ? detail : "");
  fflush(stdout);
}

/* Compares out (n values and the guard words after them) with the
 * reference; a description of the first mismatch in msg. */
static int compare_gemm(const GCase *t, const float *a, const float *b, const float *bias,
                        const float *out, char *msg, size_t len) {
  double u = ldexp(1.0, -24);
  for (int64_t bi = 0; bi < t->batch; bi++)
    for (int64_t m = 0; m < t->m; m++)
      for (int64_t n = 0; n < t->n; n++) {
        double want, mag;
        reference(t, a, b, bias, bi, m, n, &want, &mag);
        float got = out[(bi * t->m + m) * t->n + n];
        double tol = 2.0 * (double)(t->k + 2) * u * mag + 1e-30;
        if (!(fabs(got - want) <= tol)) {
          snprintf(msg, len, "C[%lld, %lld, %lld] = %.9g, want %.9g (tolerance %.3g)",
                   (long long)bi, (long long)m, (long long)n, got, want, tol);
          return 0;
        }
      }
  size_t nc = (size_t)(t->batch * t->m * t->n);
  for (size_t i = 0; i < GUARD; i++)
    if (out[nc + i] != SENTINEL) {
      snprintf(msg, len, "wrote past the output (word %zu after it)", i);
      return 0;
    }
  return 1;
}

/* Generates, builds and runs case t with tiling `tile` (tm == 0: chosen
 * for lim), and checks it. */
static void run_gemm(Cl *cl, GCase t, OclGemmTile tile, const OclLimits *lim) {
  OclGemm g;
  describe(&t, &g);
  char err[256], label[256], msg[256];
  int bad = 0;
  if (tile.tm) g.tile = tile;
  else bad = ocl_gemm_choose(&g, lim, err, sizeof err);
  if (tile.tm && !tile.tk) g.tile.tk = ocl_gemm_tk(&g, tile.rm, tile.rn); /* TK 0: the choice's */
  if (!bad) bad = ocl_gemm_check(&g, &cl->lim, err, sizeof err);
  case_label(&t, &g, label, sizeof label);
  if (filter && !strstr(label, filter)) return;
  if (bad) {
    report(0, label, err);
    return;
  }
  OclCode src;
  ocl_code_init(&src);
  g.body_only = body_only;
  if (body_only) {
    char attr[64];
    ocl_gemm_attribute(&g, attr, sizeof attr);
    ocl_code_printf(&src, "__kernel %s void gemm(%s) {\n", attr, g.params);
    g.name = g.params = NULL;
  }
  if (ocl_gemm_emit(&g, &cl->lim, &src, err, sizeof err)) {
    report(0, label, err);
    ocl_code_free(&src);
    return;
  }
  if (body_only) ocl_code_printf(&src, "}\n");
  if (verbose) printf("%s", ocl_code_str(&src));
  size_t na, nb, nc;
  sizes(&t, &na, &nb, &nc);
  float *a = rand_vec(na), *b = rand_vec(nb), *bias = rand_vec((size_t)t.n + (size_t)t.m);
  float *out = malloc((nc + GUARD) * sizeof *out);
  for (size_t i = 0; i < nc + GUARD; i++) out[i] = SENTINEL;
  cl_program prog;
  cl_kernel k = cl_build(cl, ocl_code_str(&src), "gemm", &prog);
  cl_mem m[4] = {cl_buf(cl, na, a), cl_buf(cl, nb, b), cl_buf(cl, nc + GUARD, out),
                 cl_buf(cl, (size_t)(t.n + t.m), bias)};
  size_t gs[3], ls[3];
  ocl_gemm_ndrange(&g, gs, ls);
  int ok = k && m[0] && m[1] && m[2] && m[3] && !cl_launch(cl, k, 4, m, gs, ls) &&
           !cl_read(cl, m[2], nc + GUARD, out);
  if (!ok) snprintf(msg, sizeof msg, "the OpenCL calls failed");
  else ok = compare_gemm(&t, a, b, bias, out, msg, sizeof msg);
  report(ok, label, ok ? NULL : msg);
  for (int i = 0; i < 4; i++)
    if (m[i]) clReleaseMemObject(m[i]);
  if (k) clReleaseKernel(k), clReleaseProgram(prog);
  free(a), free(b), free(bias), free(out);
  ocl_code_free(&src);
}

/* --------------------------------------------------- choice and checks */

static void test_choice(void) {
  OclLimits lim = ocl_limits_default();
  char err[256], d[96];
  OclGemm g;
  GCase t = {MATMUL, 1, 4096, 4096, 4096, {0}};
  describe(&t, &g);
  int ok = !ocl_gemm_choose(&g, &lim, err, sizeof err);
  ocl_gemm_describe(&g, d, sizeof d);
  /* the documented choice for large matmuls (docs/opencl.md) */
  report(ok && strcmp(d, "128x128x8/8x8 wg 256 a:k4 b:r4 c:n4") == 0, "matmul 4096^3 tiles", d);
  /* and for conv 1x64x56x56 -> 64, the best of bench/ocl_gpu.sh --sweep on the H200 */
  OclConv2d cv = {1, 64, 56, 56, 64, 3, 3, 1, 1, "B", "A", "C", NULL, 0, 0};
  ocl_conv2d_gemm(&cv, &g);
  ok = !ocl_gemm_choose(&g, &lim, err, sizeof err);
  ocl_gemm_describe(&g, d, sizeof d);
  report(ok && strcmp(d, "64x32x18/4x4 wg 128 a:k1 b:r1 c:n4 k:1+9") == 0, "conv 1x64x56x56 tiles",
         d);
  /* every choice respects the limits */
  OclLimits small = {64, 4096, 8};
  int64_t dims[] = {1, 7, 33, 1023, 4096};
  int all = 1;
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 5; j++) {
      GCase u = {BMM_NT, 3, dims[i], dims[j], dims[(i + j) % 5], {0}};
      describe(&u, &g);
      if (ocl_gemm_choose(&g, &small, err, sizeof err) ||
          ocl_gemm_check(&g, &small, err, sizeof err) || ocl_gemm_wg(&g.tile) > 64)
        all = 0;
    }
  report(all, "tilings within small limits (64 work-items, 4 KiB)", all ? NULL : err);
  /* bad descriptions are reported, not emitted */
  GCase z = {MATMUL, 1, 0, 4, 4, {0}};
  describe(&z, &g);
  ok = ocl_gemm_choose(&g, &lim, err, sizeof err) == -1 && strstr(err, "sizes must be >= 1");
  report(ok, "M = 0 rejected", err);
  describe(&t, &g);
  g.tile = (OclGemmTile){128, 128, 16, 8, 8};
  OclLimits tiny = {128, 32768, 1};
  ok = ocl_gemm_check(&g, &tiny, err, sizeof err) == -1 && strstr(err, "256 work-items");
  report(ok, "too many work-items rejected", err);
  g.tile = (OclGemmTile){128, 96, 16, 8, 8};
  ok = ocl_gemm_check(&g, &lim, err, sizeof err) == -1 && strstr(err, "bad tiling");
  report(ok, "a tile not a power of 2 rejected", err);
  describe(&t, &g);
  g.a.sk = -1;
  ok = ocl_gemm_choose(&g, &lim, err, sizeof err) == -1 && strstr(err, "negative stride");
  report(ok, "a negative stride rejected", err);
}

static void test_gemms(Cl *cl) {
  OclLimits lim = ocl_limits_default();
  const OclGemmTile none = {0, 0, 0, 0, 0};
  /* tilings that take every path: float4 and scalar local reads, loads
   * along k and along the rows, partial load rounds, one row or column */
  const OclGemmTile forced[] = {
      {128, 128, 16, 8, 8}, {64, 32, 8, 4, 2}, {16, 64, 4, 2, 4},
      {8, 128, 16, 1, 4},   {1, 256, 16, 1, 1}, {64, 16, 16, 8, 1},
  };
  int nf = (int)(sizeof forced / sizeof forced[0]);
  GCase shapes[] = {
      {MATMUL, 1, 1, 1, 1, {0}},        {MATMUL, 1, 7, 33, 1023, {0}},
      {MATMUL, 1, 33, 7, 1, {0}},       {MATMUL, 1, 1023, 1, 7, {0}},
      {MATMUL, 1, 130, 257, 67, {0}},   {MATMUL, 1, 256, 256, 256, {0}},
      {MATMUL_TA, 1, 36, 100, 20, {0}}, {BMM, 3, 33, 65, 17, {0}},
      {BMM_NT, 4, 64, 64, 32, {0}},     {BMM_NT, 2, 7, 9, 33, {0}},
      {LINEAR, 1, 5, 96, 84, {0}},      {LINEAR, 1, 129, 64, 256, {0}},
      {CUSTOM, 2, 31, 47, 19, {0}},
  };
  int ns = (int)(sizeof shapes / sizeof shapes[0]);
  for (int s = 0; s < ns; s++) {
    run_gemm(cl, shapes[s], none, &lim);
    for (int f = 0; f < nf; f++) run_gemm(cl, shapes[s], forced[f], &lim);
  }
  /* K's digits: the forced tilings with the choice's TK (0) */
  GCase kd = {CUSTOM_KD, 2, 31, 47, 360, {0}};
  run_gemm(cl, kd, none, &lim);
  for (int f = 0; f < nf; f++) {
    OclGemmTile t = forced[f];
    t.tk = 0;
    run_gemm(cl, kd, t, &lim);
  }
  /* conv2d: 3x3 pad 1 stride 1 and 2, bias + relu, a pointwise one, an
   * unpadded one; K as digits (c, u, v) with TK a multiple of the window,
   * and flat (the gather divides) */
  OclConv2d convs[] = {
      {2, 3, 7, 9, 5, 3, 3, 1, 1, NULL, NULL, NULL, NULL, 0, 0},
      {1, 16, 14, 14, 32, 3, 3, 1, 1, NULL, NULL, NULL, "bias", 1, 0},
      {2, 5, 11, 10, 7, 3, 3, 2, 1, NULL, NULL, NULL, NULL, 0, 0},
      {1, 8, 9, 9, 16, 3, 3, 2, 1, NULL, NULL, NULL, "bias", 1, 0},
      {1, 33, 7, 7, 20, 1, 1, 1, 0, NULL, NULL, NULL, NULL, 0, 0},
      {1, 4, 8, 8, 4, 3, 3, 1, 0, NULL, NULL, NULL, NULL, 0, 0},
      {1, 3, 12, 12, 8, 7, 7, 2, 3, NULL, NULL, NULL, NULL, 0, 0},
  };
  /* TK 0: the choice's (a multiple of the window); 36: float4 loads of A too */
  const OclGemmTile by_digits[] = {{64, 32, 0, 4, 4}, {16, 64, 0, 2, 4}, {128, 128, 0, 8, 8},
                                   {64, 32, 36, 4, 4}};
  for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++) {
    GCase t = {CONV, 0, 0, 0, 0, convs[i]};
    int64_t window = convs[i].kh * convs[i].kw;
    run_gemm(cl, t, none, &lim);
    for (int f = 0; f < 4; f++)
      if (f < 3 || (window == 9 && t.cv.c % 4 == 0)) run_gemm(cl, t, by_digits[f], &lim);
    t.cv.flat_k = 1;
    run_gemm(cl, t, none, &lim);
    run_gemm(cl, t, forced[0], &lim);
    run_gemm(cl, t, forced[2], &lim);
  }
}

/* ----------------------------------------------------------------- rows */

typedef enum RKind {
  R_SOFTMAX, R_LOGSOFTMAX, R_LAYERNORM, R_RMSNORM, R_SUM, R_MAX, R_BUF, R_ATTN
} RKind;
static const char *rkind_name[] = {"softmax", "log_softmax", "layernorm", "rmsnorm",
                                   "sum",     "max",         "row buffer", "attention"};
/* Attention rows: a query of AQ (X's row) against d keys (G: d x AQ) and
 * values (Bt: d x AE), AE outputs per row: steps of two extents. */
enum { AQ = 24, AE = 40 };

typedef struct RCase {
  RKind kind;
  int64_t rows, d;
} RCase;

static void r_x(void *ctx, OclCode *o, const char *row, const char *d) {
  const RCase *t = ctx;
  ocl_code_printf(o, "X[%s * %lld + %s]", row, (long long)t->d, d);
}
static void r_sq(void *ctx, OclCode *o, const char *row, const char *d) {
  r_x(ctx, o, row, d);
  ocl_code_printf(o, " * ");
  r_x(ctx, o, row, d);
}
static void r_shift(void *ctx, OclCode *o, const char *row, const char *d) {
  ocl_code_printf(o, "exp(");
  r_x(ctx, o, row, d);
  ocl_code_printf(o, " - mx)");
}
static void r_logsm(void *ctx, OclCode *o, const char *row, const char *d) {
  const RCase *t = ctx;
  ocl_code_printf(o, "Y[%s * %lld + %s] = ", row, (long long)t->d, d);
  r_x(ctx, o, row, d);
  ocl_code_printf(o, " - mx - log(s);");
}
static void r_rstd(void *ctx, OclCode *o, const char *row, const char *d) {
  const RCase *t = ctx;
  (void)row, (void)d;
  ocl_code_printf(o, "1.0f / sqrt(ss / %lld.0f + 1e-6f)", (long long)t->d);
}
static void r_rstd_all(void *ctx, OclCode *o, const char *row, const char *d) {
  ocl_code_printf(o, "rstd2[0] = ");
  r_rstd(ctx, o, row, d);
  ocl_code_printf(o, ";");
}
static void r_rms(void *ctx, OclCode *o, const char *row, const char *d) {
  const RCase *t = ctx;
  ocl_code_printf(o, "Y[%s * %lld + %s] = ", row, (long long)t->d, d);
  r_x(ctx, o, row, d);
  ocl_code_printf(o, " * rstd2[0] * G[%s];", d);
}
static void r_store_acc(void *ctx, OclCode *o, const char *row, const char *d) {
  (void)ctx, (void)d;
  ocl_code_printf(o, "Y[%s] = acc;", row);
}
static void r_ebuf(void *ctx, OclCode *o, const char *row, const char *d) {
  ocl_code_printf(o, "e[%s] = ", d);
  r_shift(ctx, o, row, d);
  ocl_code_printf(o, ";");
}
static void r_frev(void *ctx, OclCode *o, const char *row, const char *d) {
  const RCase *t = ctx;
  (void)row;
  ocl_code_printf(o, "f[%s] = e[%lld - %s];", d, (long long)t->d - 1, d);
}
static void r_fsum(void *ctx, OclCode *o, const char *row, const char *d) {
  (void)ctx, (void)row;
  ocl_code_printf(o, "f[%s]", d);
}
static void r_fdiv(void *ctx, OclCode *o, const char *row, const char *d) {
  const RCase *t = ctx;
  ocl_code_printf(o, "Y[%s * %lld + %s] = f[%s] / s;", row, (long long)t->d, d, d);
}

static void r_att_s(void *ctx, OclCode *o, const char *row, const char *d) {
  (void)ctx;
  ocl_code_printf(o, "{ float a = 0.0f; for (int j = 0; j < %d; j++) a += X[%s * %d + j] * "
                     "G[%s * %d + j]; e[%s] = a * 0.2f; }", AQ, row, AQ, d, AQ, d);
}
static void r_emax(void *ctx, OclCode *o, const char *row, const char *d) {
  (void)ctx, (void)row;
  ocl_code_printf(o, "e[%s]", d);
}
static void r_att_p(void *ctx, OclCode *o, const char *row, const char *d) {
  (void)ctx, (void)row;
  ocl_code_printf(o, "f[%s] = exp(e[%s] - mx);", d, d);
}
static void r_att_y(void *ctx, OclCode *o, const char *row, const char *d) {
  const RCase *t = ctx;
  ocl_code_printf(o,
                  "{ float a = 0.0f; for (int j = 0; j < %lld; j++) a += f[j] * Bt[j * %d + %s]; "
                  "Y[%s * %d + %s] = a / s; }",
                  (long long)t->d, AE, d, row, AE, d);
}

/* The steps of a case; the OclRowOp builders for softmax and layernorm. */
static void r_describe(RCase *t, OclRow *r, OclRowOp *op, OclRowStep *st) {
  static const char *bufs[] = {"e", "f"};
  memset(r, 0, sizeof *r);
  r->name = "rows";
  r->params = "global const float *X, global float *Y, global const float *G, "
              "global const float *Bt";
  r->rows = t->rows, r->d = t->d;
  r->steps = st;
  op->rows = t->rows, op->d = t->d, op->x = "X", op->y = "Y", op->gamma = "G", op->beta = "Bt";
  op->eps = 1e-5;
  switch (t->kind) {
  case R_SOFTMAX: ocl_row_softmax(op, r); return;
  case R_LAYERNORM: ocl_row_layernorm(op, r); return;
  case R_LOGSOFTMAX:
    st[0] = (OclRowStep){OCL_ROW_REDUCE, OCL_RED_MAX, "mx", r_x, t, 0};
    st[1] = (OclRowStep){OCL_ROW_REDUCE, OCL_RED_SUM, "s", r_shift, t, 0};
    st[2] = (OclRowStep){OCL_ROW_MAP, OCL_RED_SUM, NULL, r_logsm, t, 0};
    r->nsteps = 3;
    return;
  case R_RMSNORM:
    st[0] = (OclRowStep){OCL_ROW_REDUCE, OCL_RED_SUM, "ss", r_sq, t, 0};
    st[1] = (OclRowStep){OCL_ROW_LET, OCL_RED_SUM, "rstd", r_rstd, t, 0};
    /* the same, privately */
    st[2] = (OclRowStep){OCL_ROW_ALL, OCL_RED_SUM, NULL, r_rstd_all, t, 0};
    st[3] = (OclRowStep){OCL_ROW_MAP, OCL_RED_SUM, NULL, r_rms, t, 0};
    r->nsteps = 4;
    r->prologue = "  float rstd2[1];";
    return;
  case R_SUM:
  case R_MAX:
    st[0] = (OclRowStep){OCL_ROW_REDUCE, t->kind == R_SUM ? OCL_RED_SUM : OCL_RED_MAX, "acc", r_x,
                         t, 0};
    st[1] = (OclRowStep){OCL_ROW_ONCE, OCL_RED_SUM, NULL, r_store_acc, t, 0};
    r->nsteps = 2;
    return;
  case R_BUF:
    st[0] = (OclRowStep){OCL_ROW_REDUCE, OCL_RED_MAX, "mx", r_x, t, 0};
    st[1] = (OclRowStep){OCL_ROW_MAP, OCL_RED_SUM, NULL, r_ebuf, t, 0};
    /* reads across work-items */
    st[2] = (OclRowStep){OCL_ROW_MAP, OCL_RED_SUM, NULL, r_frev, t, 0};
    st[3] = (OclRowStep){OCL_ROW_REDUCE, OCL_RED_SUM, "s", r_fsum, t, 0};
    st[4] = (OclRowStep){OCL_ROW_MAP, OCL_RED_SUM, NULL, r_fdiv, t, 0};
    r->nsteps = 5;
    r->nbufs = 2, r->bufs = bufs;
    return;
  case R_ATTN:
    st[0] = (OclRowStep){OCL_ROW_MAP, OCL_RED_SUM, NULL, r_att_s, t, 0};
    st[1] = (OclRowStep){OCL_ROW_REDUCE, OCL_RED_MAX, "mx", r_emax, t, 0};
    st[2] = (OclRowStep){OCL_ROW_MAP, OCL_RED_SUM, NULL, r_att_p, t, 0};
    st[3] = (OclRowStep){OCL_ROW_REDUCE, OCL_RED_SUM, "s", r_fsum, t, 0};
    st[4] = (OclRowStep){OCL_ROW_MAP, OCL_RED_SUM, NULL, r_att_y, t, AE};
    r->nsteps = 5;
    r->nbufs = 2, r->bufs = bufs;
    return;
  }
}

/* Widths of X's and Y's rows and the sizes of G and Bt. */
static int64_t x_width(const RCase *t) { return t->kind == R_ATTN ? AQ : t->d; }
static int64_t y_width(const RCase *t) {
  return t->kind == R_SUM || t->kind == R_MAX ? 1 : t->kind == R_ATTN ? AE : t->d;
}
static size_t g_size(const RCase *t) { return (size_t)t->d * (t->kind == R_ATTN ? AQ : 1); }
static size_t bt_size(const RCase *t) { return (size_t)t->d * (t->kind == R_ATTN ? AE : 1); }

/* The reference row: y (d values, or 1 for sum and max). */
static void r_reference(const RCase *t, const float *x, const float *g, const float *bt,
                        double *y) {
  int64_t D = t->d, W = x_width(t);
  double mx = -INFINITY, s = 0, mean = 0, var = 0;
  for (int64_t i = 0; i < W; i++) {
    if (isnan(x[i]) || isnan(mx)) mx = NAN;
    else if (x[i] > mx) mx = x[i];
    s += x[i];
  }
  mean = s / (double)W;
  for (int64_t i = 0; i < W; i++) var += (x[i] - mean) * (x[i] - mean);
  double es = 0, ss = 0;
  for (int64_t i = 0; i < W; i++) es += exp(x[i] - mx), ss += (double)x[i] * x[i];
  switch (t->kind) {
  case R_SOFTMAX:
    for (int64_t i = 0; i < D; i++) y[i] = exp(x[i] - mx) / es;
    return;
  case R_BUF:
    for (int64_t i = 0; i < D; i++) y[i] = exp(x[D - 1 - i] - mx) / es;
    return;
  case R_LOGSOFTMAX:
    for (int64_t i = 0; i < D; i++) y[i] = x[i] - mx - log(es);
    return;
  case R_LAYERNORM:
    for (int64_t i = 0; i < D; i++)
      y[i] = (x[i] - mean) / sqrt(var / (double)D + 1e-5) * g[i] + bt[i];
    return;
  case R_RMSNORM:
    for (int64_t i = 0; i < D; i++) y[i] = x[i] / sqrt(ss / (double)D + 1e-6) * g[i];
    return;
  case R_SUM: y[0] = s; return;
  case R_MAX: y[0] = mx; return;
  case R_ATTN: { /* x: the query; g: keys; bt: values */
    double *sc = malloc((size_t)D * sizeof *sc), m = -INFINITY, den = 0;
    for (int64_t j = 0; j < D; j++) {
      double a = 0;
      for (int q = 0; q < AQ; q++) a += (double)x[q] * g[j * AQ + q];
      sc[j] = a * (double)0.2f, m = fmax(m, sc[j]);
    }
    for (int64_t j = 0; j < D; j++) sc[j] = exp(sc[j] - m), den += sc[j];
    for (int c = 0; c < AE; c++) {
      double a = 0;
      for (int64_t j = 0; j < D; j++) a += sc[j] * bt[j * AE + c];
      y[c] = a / den;
    }
    free(sc);
    return;
  }
  }
}

/* npycmp's rule (docs/cpu.md): |got - want| <= 1e-5 |want| + 2e-5 max|want|
 * over the row, with 4x more room for the transcendental functions of the
 * device; NaN must stay NaN. */
static int r_compare(const RCase *t, const float *x, const float *g, const float *bt,
                     const float *out, char *msg, size_t len) {
  int64_t per = y_width(t);
  double *y = malloc((size_t)(t->d > AE ? t->d : AE) * sizeof *y);
  int ok = 1;
  for (int64_t r = 0; r < t->rows && ok; r++) {
    r_reference(t, x + r * x_width(t), g, bt, y);
    double big = 0;
    for (int64_t i = 0; i < per; i++) big = fmax(big, fabs(y[i]));
    for (int64_t i = 0; i < per && ok; i++) {
      float got = out[r * per + i];
      double tol = 4e-5 * fabs(y[i]) + 8e-5 * big;
      if (t->kind == R_SUM) /* |x| < 4: the error bound of an f32 sum */
        tol = 2.0 * (double)(t->d + 2) * ldexp(1.0, -24) * 4.0 * (double)t->d;
      ok = isnan(y[i]) ? isnan(got) : fabs(got - y[i]) <= tol;
      if (!ok)
        snprintf(msg, len, "row %lld, element %lld: %.9g, want %.9g", (long long)r,
                 (long long)i, got, y[i]);
    }
  }
  for (int64_t i = 0; i < GUARD && ok; i++)
    if (out[t->rows * per + i] != SENTINEL)
      ok = 0, snprintf(msg, len, "wrote past the output (word %lld after it)", (long long)i);
  free(y);
  return ok;
}

static void run_row(Cl *cl, RCase t, int wg, const OclLimits *lim) {
  OclRow r;
  OclRowOp op;
  OclRowStep st[5];
  r_describe(&t, &r, &op, st);
  char err[256], label[128], msg[256];
  int bad = 0;
  if (wg) r.wg = wg;
  else bad = ocl_row_choose(&r, lim, err, sizeof err);
  if (!bad) bad = ocl_row_check(&r, &cl->lim, err, sizeof err);
  snprintf(label, sizeof label, "%s %lldx%lld [wg %d]%s", rkind_name[t.kind], (long long)t.rows,
           (long long)t.d, r.wg, body_only ? " body only" : "");
  if (filter && !strstr(label, filter)) return;
  if (bad) {
    report(0, label, err);
    return;
  }
  OclCode src;
  ocl_code_init(&src);
  r.body_only = body_only;
  if (body_only) {
    char attr[64];
    ocl_row_attribute(&r, attr, sizeof attr);
    ocl_code_printf(&src, "__kernel %s void rows(%s) {\n", attr, r.params);
    r.name = r.params = NULL;
  }
  if (ocl_row_emit(&r, &cl->lim, &src, err, sizeof err)) {
    report(0, label, err);
    ocl_code_free(&src);
    return;
  }
  if (body_only) ocl_code_printf(&src, "}\n");
  if (verbose) printf("%s", ocl_code_str(&src));
  size_t nx = (size_t)(t.rows * x_width(&t)), ny = (size_t)(t.rows * y_width(&t)) + GUARD;
  float *x = rand_vec(nx), *g = rand_vec(g_size(&t)), *bt = rand_vec(bt_size(&t));
  for (size_t i = 0; i < nx; i++) x[i] *= 4; /* exp and cancellation get some range */
  if (t.kind == R_MAX && t.rows > 1) x[t.d + t.d / 2] = NAN; /* row 1 keeps it */
  float *out = malloc(ny * sizeof *out);
  for (size_t i = 0; i < ny; i++) out[i] = SENTINEL;
  cl_program prog;
  cl_kernel k = cl_build(cl, ocl_code_str(&src), "rows", &prog);
  cl_mem m[4] = {cl_buf(cl, nx, x), cl_buf(cl, ny, out), cl_buf(cl, g_size(&t), g),
                 cl_buf(cl, bt_size(&t), bt)};
  size_t gs[3], ls[3];
  ocl_row_ndrange(&r, gs, ls);
  int ok = k && m[0] && m[1] && m[2] && m[3] && !cl_launch(cl, k, 4, m, gs, ls) &&
           !cl_read(cl, m[1], ny, out);
  if (!ok) snprintf(msg, sizeof msg, "the OpenCL calls failed");
  else ok = r_compare(&t, x, g, bt, out, msg, sizeof msg);
  report(ok, label, ok ? NULL : msg);
  for (int i = 0; i < 4; i++)
    if (m[i]) clReleaseMemObject(m[i]);
  if (k) clReleaseKernel(k), clReleaseProgram(prog);
  free(x), free(g), free(bt), free(out);
  ocl_code_free(&src);
}

static void test_rows(Cl *cl) {
  OclLimits lim = ocl_limits_default();
  int64_t ds[] = {1, 7, 33, 64, 768, 1023};
  for (int k = R_SOFTMAX; k <= R_ATTN; k++)
    for (int i = 0; i < 6; i++) {
      RCase t = {(RKind)k, i % 2 ? 5 : 3, ds[i]};
      run_row(cl, t, 0, &lim);
      run_row(cl, t, 32, &lim);
      if (ds[i] >= 64) run_row(cl, t, 256, &lim);
      /* private buffers of at most 1 KiB: row buffers (softmax's and
       * layernorm's read the row into one) of 256 floats, two of 128 */
      int64_t most = k == R_BUF || k == R_ATTN ? 128 : k == R_SOFTMAX || k == R_LAYERNORM ? 256 : 0;
      if (!most || ds[i] <= most) run_row(cl, t, 1, &lim);
    }
  /* rows past ocl_row_softmax's and ocl_row_layernorm's row buffer */
  run_row(cl, (RCase){R_SOFTMAX, 2, 5000}, 0, &lim);
  run_row(cl, (RCase){R_LAYERNORM, 3, 4097}, 0, &lim);
  char err[256];
  OclRow r;
  OclRowOp op;
  OclRowStep st[5];
  RCase t = {R_BUF, 2, 1 << 14};
  r_describe(&t, &r, &op, st);
  int ok = ocl_row_choose(&r, &lim, err, sizeof err) == -1 && strstr(err, "local memory");
  report(ok, "row buffer too large for local memory rejected", err);
  t = (RCase){R_SOFTMAX, 0, 8};
  r_describe(&t, &r, &op, st);
  ok = ocl_row_choose(&r, &lim, err, sizeof err) == -1 && strstr(err, "rows");
  report(ok, "no rows rejected", err);
}

/* Kernels whose signature the caller writes (as the code generator does). */
static void test_body_only(Cl *cl) {
  OclLimits lim = ocl_limits_default();
  body_only = 1;
  GCase mm = {LINEAR, 1, 33, 64, 40, {0}};
  run_gemm(cl, mm, (OclGemmTile){0, 0, 0, 0, 0}, &lim);
  GCase cv = {CONV, 0, 0, 0, 0, {2, 5, 11, 10, 7, 3, 3, 2, 1, NULL, NULL, NULL, "bias", 1, 0}};
  run_gemm(cl, cv, (OclGemmTile){0, 0, 0, 0, 0}, &lim);
  run_row(cl, (RCase){R_LAYERNORM, 3, 100}, 0, &lim);
  run_row(cl, (RCase){R_BUF, 3, 20}, 1, &lim);
  body_only = 0;
}

int main(int argc, char **argv) {
  int a = 1;
  if (a < argc && strcmp(argv[a], "-v") == 0) verbose = 1, a++;
  if (a < argc) filter = argv[a];
  Cl cl;
  if (cl_setup(&cl)) return 1;
  printf("device: %s (%lld work-items, %lld bytes of local memory)\n", cl.name,
         (long long)cl.lim.max_wg, (long long)cl.lim.local_bytes);
  test_choice();
  test_gemms(&cl);
  test_rows(&cl);
  test_body_only(&cl);
  cl_teardown(&cl);
  printf("%d of %d checks failed\n", failures, checks);
  return failures ? 1 : 0;
}
