/* backends/opencl/ops.c -- the fast generators set up for named problems:
 * conv2d (NCHW) as an implicit GEMM, softmax and layernorm over rows.  The
 * tests and bench/ocl_gemm.c use them; the compiler describes its
 * statements from the loop IR instead (fast.h). */
#include "backends/opencl/fast.h"

#include <stdio.h>
#include <string.h>

int64_t ocl_conv2d_oh(const OclConv2d *cv) {
  return (cv->h + 2 * cv->pad - cv->kh) / cv->stride + 1;
}
int64_t ocl_conv2d_ow(const OclConv2d *cv) {
  return (cv->w + 2 * cv->pad - cv->kw) / cv->stride + 1;
}

/* x[b, c, i*s + u - p, j*s + v - p], 0 outside the image, for k = (c, u, v)
 * and r = (i, j). */
static void conv_load(void *ctx, OclCode *o, const char *b, const char *r, const char *k) {
  const OclConv2d *cv = ctx;
  int64_t ow = ocl_conv2d_ow(cv), hw = cv->h * cv->w, win = cv->kh * cv->kw;
  const char *ix = cv->n * cv->c * hw + 4 < INT32_MAX ? "int" : "long";
  char y[200], x[200];
  snprintf(y, sizeof y, "(%s / %lld * %lld + %s / %lld %% %lld - %lld)", r, (long long)ow,
           (long long)cv->stride, k, (long long)cv->kw, (long long)cv->kh, (long long)cv->pad);
  snprintf(x, sizeof x, "(%s %% %lld * %lld + %s %% %lld - %lld)", r, (long long)ow,
           (long long)cv->stride, k, (long long)cv->kw, (long long)cv->pad);
  if (cv->pad > 0)
    ocl_code_printf(o, "((uint)%s < %lldu && (uint)%s < %lldu ? ", y, (long long)cv->h, x,
                    (long long)cv->w);
  ocl_code_printf(o, "(%s)[(%s)%s * %lld + (%s)(%s / %lld) * %lld + %s * %lld + %s]", cv->xp, ix, b,
                  (long long)(cv->c * hw), ix, k, (long long)win, (long long)hw, y,
                  (long long)cv->w, x);
  if (cv->pad > 0) ocl_code_printf(o, " : 0.0f)");
}

/* The same from k's digits (c, u, v). */
static void conv_load_kd(void *ctx, OclCode *o, const char *b, const char *r,
                         const char *const *kd) {
  const OclConv2d *cv = ctx;
  int64_t ow = ocl_conv2d_ow(cv), hw = cv->h * cv->w;
  const char *ix = cv->n * cv->c * hw + 4 < INT32_MAX ? "int" : "long";
  char y[200], x[200];
  snprintf(y, sizeof y, "(%s / %lld * %lld + %s - %lld)", r, (long long)ow, (long long)cv->stride,
           kd[1], (long long)cv->pad);
  snprintf(x, sizeof x, "(%s %% %lld * %lld + %s - %lld)", r, (long long)ow,
           (long long)cv->stride, kd[2], (long long)cv->pad);
  if (cv->pad > 0)
    ocl_code_printf(o, "((uint)%s < %lldu && (uint)%s < %lldu ? ", y, (long long)cv->h, x,
                    (long long)cv->w);
  ocl_code_printf(o, "(%s)[(%s)%s * %lld + (%s)%s * %lld + %s * %lld + %s]", cv->xp, ix, b,
                  (long long)(cv->c * hw), ix, kd[0], (long long)hw, y, (long long)cv->w, x);
  if (cv->pad > 0) ocl_code_printf(o, " : 0.0f)");
}

static void conv_epilogue(void *ctx, OclCode *o, const char *b, const char *m, const char *n,
                          const char *acc) {
  const OclConv2d *cv = ctx;
  (void)b, (void)n;
  if (cv->relu) ocl_code_printf(o, "fmax(");
  if (cv->bias) ocl_code_printf(o, "(%s + (%s)[%s])", acc, cv->bias, m);
  else ocl_code_printf(o, "%s", acc);
  if (cv->relu) ocl_code_printf(o, ", 0.0f)");
}

void ocl_conv2d_gemm(const OclConv2d *cv, OclGemm *g) {
  int64_t oh = ocl_conv2d_oh(cv), ow = ocl_conv2d_ow(cv), win = cv->kh * cv->kw;
  g->batch = cv->n, g->m = cv->f, g->n = oh * ow, g->k = cv->c * win;
  g->nkdig = 0;
  memset(&g->a, 0, sizeof g->a);
  g->a.kind = OCL_ACCESS_STRIDED; /* w[f, (c, u, v)] */
  g->a.ptr = cv->wp, g->a.sr = g->k, g->a.sk = 1;
  memset(&g->b, 0, sizeof g->b);
  if (win == 1 && cv->stride == 1 && cv->pad == 0) { /* pointwise: x[b, c, p] */
    g->b.kind = OCL_ACCESS_STRIDED;
    g->b.ptr = cv->xp, g->b.sb = cv->c * cv->h * cv->w, g->b.sr = 1, g->b.sk = cv->h * cv->w;
  } else {
    g->b.kind = OCL_ACCESS_CUSTOM;
    g->b.load = conv_load, g->b.ctx = (void *)cv, g->b.r_major = 1;
    if (!cv->flat_k) {
      g->b.load_kd = conv_load_kd;
      g->nkdig = 3, g->kdig[0] = cv->c, g->kdig[1] = cv->kh, g->kdig[2] = cv->kw;
    }
  }
  memset(&g->c, 0, sizeof g->c);
  g->c.kind = OCL_ACCESS_STRIDED; /* y[b, f, p] */
  g->c.ptr = cv->yp, g->c.sb = cv->f * oh * ow, g->c.sm = oh * ow, g->c.sn = 1;
  if (cv->bias || cv->relu) g->c.epilogue = conv_epilogue, g->c.epi_ctx = (void *)cv;
}

/* --------------------------------------------------------------- rows */

/* Rows up to this many elements are read once into a row buffer in local
 * memory (16 KiB), and the passes over them read it there. */
#define ROW_CACHE 4096

static int cached(const OclRowOp *op) { return op->d <= ROW_CACHE; }

static void x_at(void *ctx, OclCode *o, const char *row, const char *d) {
  const OclRowOp *op = ctx;
  if (cached(op)) ocl_code_printf(o, "g_xr[%s]", d);
  else ocl_code_printf(o, "(%s)[%s * %lld + %s]", op->x, row, (long long)op->d, d);
}

static void x_load(void *ctx, OclCode *o, const char *row, const char *d) {
  const OclRowOp *op = ctx;
  ocl_code_printf(o, "g_xr[%s] = (%s)[%s * %lld + %s];", d, op->x, row, (long long)op->d, d);
}

static void sm_shift(void *ctx, OclCode *o, const char *row, const char *d) {
  ocl_code_printf(o, "exp(");
  x_at(ctx, o, row, d);
  ocl_code_printf(o, " - g_mx)");
}

static void sm_exp(void *ctx, OclCode *o, const char *row, const char *d) {
  ocl_code_printf(o, "g_xr[%s] = ", d);
  sm_shift(ctx, o, row, d);
  ocl_code_printf(o, ";");
}

static void sm_out(void *ctx, OclCode *o, const char *row, const char *d) {
  const OclRowOp *op = ctx;
  ocl_code_printf(o, "(%s)[%s * %lld + %s] = ", op->y, row, (long long)op->d, d);
  if (cached(op)) ocl_code_printf(o, "g_xr[%s]", d); /* exp(x - max) already */
  else sm_shift(ctx, o, row, d);
  ocl_code_printf(o, " / g_sum;");
}

/* r's steps: the row read into g_xr first when it is short enough. */
static void set_steps(OclRowOp *op, OclRow *r, const OclRowStep *s, int n) {
  int k = 0;
  if (cached(op)) op->steps[k++] = (OclRowStep){OCL_ROW_MAP, OCL_RED_SUM, NULL, x_load, op, 0};
  for (int i = 0; i < n; i++) op->steps[k++] = s[i];
  op->bufs[0] = "g_xr";
  r->rows = op->rows, r->d = op->d;
  r->nsteps = k, r->steps = op->steps;
  r->nbufs = cached(op), r->bufs = op->bufs, r->buf_elems = NULL;
}

void ocl_row_softmax(OclRowOp *op, OclRow *r) {
  OclRowStep s[4] = {{OCL_ROW_REDUCE, OCL_RED_MAX, "g_mx", x_at, op, 0},
                     {OCL_ROW_MAP, OCL_RED_SUM, NULL, sm_exp, op, 0},
                     {OCL_ROW_REDUCE, OCL_RED_SUM, "g_sum", x_at, op, 0},
                     {OCL_ROW_MAP, OCL_RED_SUM, NULL, sm_out, op, 0}};
  if (cached(op)) set_steps(op, r, s, 4);
  else {
    s[1] = (OclRowStep){OCL_ROW_REDUCE, OCL_RED_SUM, "g_sum", sm_shift, op, 0};
    s[2] = s[3];
    set_steps(op, r, s, 3);
  }
}

static void ln_mean(void *ctx, OclCode *o, const char *row, const char *d) {
  const OclRowOp *op = ctx;
  (void)row, (void)d;
  ocl_code_printf(o, "g_s1 / %lld.0f", (long long)op->d);
}

static void ln_dev2(void *ctx, OclCode *o, const char *row, const char *d) {
  ocl_code_printf(o, "(");
  x_at(ctx, o, row, d);
  ocl_code_printf(o, " - g_mean) * (");
  x_at(ctx, o, row, d);
  ocl_code_printf(o, " - g_mean)");
}

static void ln_rstd(void *ctx, OclCode *o, const char *row, const char *d) {
  const OclRowOp *op = ctx;
  (void)row, (void)d;
  ocl_code_printf(o, "1.0f / sqrt(g_s2 / %lld.0f + %.9gf)", (long long)op->d, op->eps);
}

static void ln_out(void *ctx, OclCode *o, const char *row, const char *d) {
  const OclRowOp *op = ctx;
  ocl_code_printf(o, "(%s)[%s * %lld + %s] = (", op->y, row, (long long)op->d, d);
  x_at(ctx, o, row, d);
  ocl_code_printf(o, " - g_mean) * g_rstd * (%s)[%s] + (%s)[%s];", op->gamma, d, op->beta, d);
}

void ocl_row_layernorm(OclRowOp *op, OclRow *r) {
  OclRowStep s[5] = {{OCL_ROW_REDUCE, OCL_RED_SUM, "g_s1", x_at, op, 0},
                     {OCL_ROW_LET, OCL_RED_SUM, "g_mean", ln_mean, op, 0},
                     {OCL_ROW_REDUCE, OCL_RED_SUM, "g_s2", ln_dev2, op, 0},
                     {OCL_ROW_LET, OCL_RED_SUM, "g_rstd", ln_rstd, op, 0},
                     {OCL_ROW_MAP, OCL_RED_SUM, NULL, ln_out, op, 0}};
  set_steps(op, r, s, 5);
}
