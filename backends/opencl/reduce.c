/* backends/opencl/reduce.c -- OpenCL C for nodes computed row by row
 * (softmax, log-softmax, layernorm, rmsnorm, reductions over the last
 * axis; lower/fuse.c's fused nests): a work-group per row whose work-items
 * stride over the row and combine partial results in a tree in local
 * memory, or a work-item per row when rows are short (fast.h).
 * docs/opencl.md, "Fast kernels". */
#include "backends/opencl/fast.h"

#include <stdio.h>

/* A work-item per row below this row length. */
#define ROW_SHORT 64
/* Private row buffers of a work-item per row: at most this many bytes. */
#define ROW_PRIVATE_BYTES 1024

static int fail(char *err, size_t n, const char *msg, const char *name) {
  if (err && n) snprintf(err, n, "row kernel '%s': %s", name ? name : "?", msg);
  return -1;
}

/* The extent of step s's d. */
static int64_t extent(const OclRow *r, const OclRowStep *s) { return s->n > 0 ? s->n : r->d; }

/* The longest step. */
static int64_t longest(const OclRow *r) {
  int64_t n = r->d;
  for (int i = 0; i < r->nsteps; i++)
    if (extent(r, &r->steps[i]) > n) n = extent(r, &r->steps[i]);
  return n;
}

static int64_t buf_bytes(const OclRow *r) {
  int64_t n = 0;
  for (int i = 0; i < r->nbufs; i++) n += r->buf_elems ? r->buf_elems[i] : r->d;
  return 4 * n;
}

static int64_t local_bytes(const OclRow *r, int wg) { return 4 * (int64_t)wg + buf_bytes(r); }

static int check_steps(const OclRow *r, char *err, size_t n) {
  if (!r->body_only && (!r->name || !r->params))
    return fail(err, n, "no name or parameter list", r->name);
  if (r->rows < 1 || r->d < 1 || r->rows > INT32_MAX / 2 || r->d > INT32_MAX / 2)
    return fail(err, n, "rows and row length must be in [1, 2^30)", r->name);
  if (r->nsteps < 1 || !r->steps) return fail(err, n, "no steps", r->name);
  if (r->nbufs < 0 || (r->nbufs > 0 && !r->bufs)) return fail(err, n, "bad buffer list", r->name);
  for (int i = 0; i < r->nbufs && r->buf_elems; i++)
    if (r->buf_elems[i] < 1 || r->buf_elems[i] > INT32_MAX / 8)
      return fail(err, n, "a row buffer of no elements or too many", r->name);
  for (int i = 0; i < r->nsteps; i++) {
    const OclRowStep *s = &r->steps[i];
    if (!s->fn) return fail(err, n, "a step without a callback", r->name);
    if (s->n < 0 || s->n > INT32_MAX / 2) return fail(err, n, "a step of bad extent", r->name);
    if ((s->kind == OCL_ROW_REDUCE || s->kind == OCL_ROW_LET) && !s->name)
      return fail(err, n, "a reduction or a let without a name", r->name);
  }
  return 0;
}

int ocl_row_check(const OclRow *r, const OclLimits *lim, char *err, size_t errlen) {
  if (check_steps(r, err, errlen)) return -1;
  char msg[160];
  int wg = r->wg;
  if (wg < 1 || (wg & (wg - 1)) || wg > lim->max_wg) {
    snprintf(msg, sizeof msg, "%d work-items per row: a power of 2 up to %lld", wg,
             (long long)lim->max_wg);
    return fail(err, errlen, msg, r->name);
  }
  if (wg == 1 && buf_bytes(r) > ROW_PRIVATE_BYTES) {
    snprintf(msg, sizeof msg, "%lld bytes of private row buffers (at most %d)",
             (long long)buf_bytes(r), ROW_PRIVATE_BYTES);
    return fail(err, errlen, msg, r->name);
  }
  if (wg > 1 && local_bytes(r, wg) > lim->local_bytes) {
    snprintf(msg, sizeof msg, "%lld bytes of local memory, the device has %lld",
             (long long)local_bytes(r, wg), (long long)lim->local_bytes);
    return fail(err, errlen, msg, r->name);
  }
  return 0;
}

int ocl_row_choose(OclRow *r, const OclLimits *lim, char *err, size_t errlen) {
  if (check_steps(r, err, errlen)) return -1;
  int64_t n = longest(r);
  if (n < ROW_SHORT && buf_bytes(r) <= ROW_PRIVATE_BYTES) {
    r->wg = 1;
    return ocl_row_check(r, lim, err, errlen);
  }
  int wg = 1;
  while (wg * 2 <= lim->max_wg && (wg < 32 || (int64_t)wg * 2 * 4 <= n)) wg *= 2;
  while (wg > 2 && local_bytes(r, wg) > lim->local_bytes) wg /= 2;
  r->wg = wg;
  return ocl_row_check(r, lim, err, errlen);
}

void ocl_row_attribute(const OclRow *r, char *buf, size_t len) {
  snprintf(buf, len, "__attribute__((reqd_work_group_size(%d, 1, 1)))", r->wg > 1 ? r->wg : 64);
}

void ocl_row_ndrange(const OclRow *r, size_t global[3], size_t local[3]) {
  if (r->wg > 1) {
    global[0] = (size_t)r->rows * (size_t)r->wg;
    local[0] = (size_t)r->wg;
  } else {
    global[0] = ((size_t)r->rows + 63) / 64 * 64;
    local[0] = 64;
  }
  global[1] = global[2] = local[1] = local[2] = 1;
}

/* ------------------------------------------------------------- emission */

#define P(...) ocl_code_printf(o, __VA_ARGS__)

static const char *identity(OclRed red) {
  switch (red) {
  case OCL_RED_SUM: return "0.0f";
  case OCL_RED_PROD: return "1.0f";
  case OCL_RED_MAX: return "-INFINITY";
  case OCL_RED_MIN: return "INFINITY";
  }
  return "0.0f";
}

/* dst = dst `red` v; max and min keep a NaN of either side (as the
 * reference interpreter does), a and v plain names. */
static void combine(OclCode *o, OclRed red, const char *dst, const char *a, const char *v) {
  switch (red) {
  case OCL_RED_SUM: P("%s = %s + %s;", dst, a, v); return;
  case OCL_RED_PROD: P("%s = %s * %s;", dst, a, v); return;
  case OCL_RED_MAX: P("%s = (isnan(%s) || %s > %s) ? %s : %s;", dst, a, a, v, a, v); return;
  case OCL_RED_MIN: P("%s = (isnan(%s) || %s < %s) ? %s : %s;", dst, a, a, v, a, v); return;
  }
}

/* A reduction by one work-item over its share of the row, then (wg > 1)
 * the tree: log2(wg) halvings of g_red, each behind a barrier. */
static void reduce_step(const OclRow *r, const OclRowStep *s, OclCode *o) {
  int wg = r->wg;
  P("  float %s;\n  {\n    float g_acc = %s;\n", s->name, identity(s->red));
  if (wg > 1) P("    for (int g_d = g_l; g_d < %lld; g_d += %d) {\n", (long long)extent(r, s), wg);
  else P("    for (int g_d = 0; g_d < %lld; g_d++) {\n", (long long)extent(r, s));
  P("      const float g_v = ");
  s->fn(s->ctx, o, "g_row", "g_d");
  P(";\n      ");
  combine(o, s->red, "g_acc", "g_acc", "g_v");
  P("\n    }\n");
  if (wg == 1) {
    P("    %s = g_acc;\n  }\n", s->name);
    return;
  }
  P("    g_red[g_l] = g_acc;\n    barrier(CLK_LOCAL_MEM_FENCE);\n");
  for (int h = wg / 2; h >= 1; h /= 2) {
    P("    if (g_l < %d) {\n      const float g_x = g_red[g_l], g_y = g_red[g_l + %d];\n      ", h,
      h);
    combine(o, s->red, "g_red[g_l]", "g_x", "g_y");
    P("\n    }\n    barrier(CLK_LOCAL_MEM_FENCE);\n");
  }
  P("    %s = g_red[0];\n    barrier(CLK_LOCAL_MEM_FENCE);\n  }\n", s->name);
}

static void step(const OclRow *r, const OclRowStep *s, OclCode *o) {
  int wg = r->wg;
  switch (s->kind) {
  case OCL_ROW_REDUCE: reduce_step(r, s, o); return;
  case OCL_ROW_LET:
    P("  const float %s = ", s->name);
    s->fn(s->ctx, o, "g_row", "");
    P(";\n");
    return;
  case OCL_ROW_MAP:
    if (wg > 1)
      P("  for (int g_d = g_l; g_d < %lld; g_d += %d) {\n    ", (long long)extent(r, s), wg);
    else P("  for (int g_d = 0; g_d < %lld; g_d++) {\n    ", (long long)extent(r, s));
    s->fn(s->ctx, o, "g_row", "g_d");
    P("\n  }\n");
    if (wg > 1 && r->nbufs) P("  barrier(CLK_LOCAL_MEM_FENCE);\n");
    return;
  case OCL_ROW_ALL:
    P("  {\n    ");
    s->fn(s->ctx, o, "g_row", "");
    P("\n  }\n");
    return;
  case OCL_ROW_ONCE:
    P(wg > 1 ? "  if (g_l == 0) {\n    " : "  {\n    ");
    s->fn(s->ctx, o, "g_row", "");
    P("\n  }\n");
    if (wg > 1 && r->nbufs) P("  barrier(CLK_LOCAL_MEM_FENCE);\n");
    return;
  }
}

int ocl_row_emit(const OclRow *r, const OclLimits *lim, OclCode *o, char *err, size_t errlen) {
  if (ocl_row_check(r, lim, err, errlen)) return -1;
  int wg = r->wg;
  char attr[64];
  ocl_row_attribute(r, attr, sizeof attr);
  P("%s/* %s%s%lld rows of %lld, %s */\n", r->body_only ? "  " : "", r->body_only ? "" : r->name,
    r->body_only ? "" : ": ",
    (long long)r->rows, (long long)r->d,
    wg > 1 ? "a work-group per row" : "a work-item per row");
  if (!r->body_only) P("__kernel %s\nvoid %s(%s) {\n", attr, r->name, r->params);
  const char *space = wg > 1 ? "__local " : "";
  if (wg > 1) P("  __local float g_red[%d];\n", wg);
  for (int i = 0; i < r->nbufs; i++)
    P("  %sfloat %s[%lld];\n", space, r->bufs[i],
      (long long)(r->buf_elems ? r->buf_elems[i] : r->d));
  if (r->prologue) P("%s\n", r->prologue);
  if (wg > 1) P("  const int g_row = (int)get_group_id(0), g_l = (int)get_local_id(0);\n");
  else P("  const int g_row = (int)get_global_id(0);\n  if (g_row >= %lld) return;\n",
         (long long)r->rows);
  for (int i = 0; i < r->nsteps; i++) step(r, &r->steps[i], o);
  if (!r->body_only) P("}\n\n");
  if (o->failed) return fail(err, errlen, "out of memory", r->name);
  return 0;
}
