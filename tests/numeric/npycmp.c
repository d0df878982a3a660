/* npycmp.c -- compares two .npy files element-wise: the dtypes and shapes
 * must be equal, and every float within atol + rtol*|expected| (integers
 * and bools exactly); NaN matches
 * NaN, infinities match themselves.  Exit 0: equal, 1: different, 2: usage
 * or a file that cannot be read.  Tolerances: docs/interpreter.md. */
#include "runtime/rt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The defaults: two float32 ulps relative, and an absolute floor far below
 * any value the tests produce (docs/interpreter.md, "Tolerances"). */
#define DEFAULT_RTOL 2.4e-7
#define DEFAULT_ATOL 1e-30

static double value(const RtTensor *t, int64_t i) {
  const unsigned char *p = t->data;
  switch (t->dtype) {
  case RT_F32: { float v; memcpy(&v, p + 4 * i, 4); return v; }
  case RT_F16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return rt_f16_to_f32(v); }
  case RT_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
  case RT_I8: return (int8_t)p[i];
  case RT_BOOL: return p[i];
  case RT__COUNT: break;
  }
  return 0;
}

static void print_shape(const RtTensor *t) {
  printf("%s[", rt_dtype_name(t->dtype));
  for (int d = 0; d < t->rank; d++) printf("%s%lld", d ? ", " : "", (long long)t->shape[d]);
  printf("]");
}

/* The multi-index of flat element i, as "[1, 0, 3]". */
static void print_index(const RtTensor *t, int64_t i) {
  int64_t idx[RT_MAX_RANK];
  for (int d = t->rank - 1; d >= 0; d--) idx[d] = i % t->shape[d], i /= t->shape[d];
  printf("[");
  for (int d = 0; d < t->rank; d++) printf("%s%lld", d ? ", " : "", (long long)idx[d]);
  printf("]");
}

static int same_shape(const RtTensor *a, const RtTensor *b) {
  if (a->dtype != b->dtype || a->rank != b->rank) return 0;
  for (int d = 0; d < a->rank; d++)
    if (a->shape[d] != b->shape[d]) return 0;
  return 1;
}

static int close_enough(double want, double got, double rtol, double atol) {
  if (isnan(want) || isnan(got)) return isnan(want) && isnan(got);
  if (isinf(want) || isinf(got)) return want == got;
  return fabs(got - want) <= atol + rtol * fabs(want);
}

/* Compares (integers and bools exactly); prints one summary line, and the
 * first mismatches. */
static int compare(const char *ew, const RtTensor *want, const RtTensor *got, double rtol, double atol) {
  int64_t n = rt_tensor_elems(want), bad = 0;
  if (want->dtype != RT_F32 && want->dtype != RT_F16) rtol = atol = 0;
  double max_abs = 0, max_rel = 0;
  for (int64_t i = 0; i < n; i++) {
    double w = value(want, i), g = value(got, i);
    if (isfinite(w) && isfinite(g)) {
      double e = fabs(g - w);
      if (e > max_abs) max_abs = e;
      if (w != 0 && e / fabs(w) > max_rel) max_rel = e / fabs(w);
    }
    if (close_enough(w, g, rtol, atol)) continue;
    if (bad++ < 5) {
      printf("%s: element ", ew);
      print_index(want, i);
      printf(": expected %.9g, got %.9g\n", w, g);
    }
  }
  printf("%s: %lld of %lld elements differ (max abs error %.3g, max rel error %.3g; rtol %g, atol %g)\n",
         ew, (long long)bad, (long long)n, max_abs, max_rel, rtol, atol);
  return bad ? 1 : 0;
}

/* --atol-max S: an absolute tolerance of S times the largest finite
 * |expected| of the tensor, added to --atol (compiled code computes in f32:
 * the error of a sum follows the size of its terms, not of the result;
 * docs/cpu.md). */
static double max_abs_value(const RtTensor *t) {
  double m = 0;
  for (int64_t i = 0; i < rt_tensor_elems(t); i++) {
    double v = fabs(value(t, i));
    if (isfinite(v) && v > m) m = v;
  }
  return m;
}

static int usage(void) {
  fprintf(stderr, "usage: npycmp [--rtol R] [--atol A] [--atol-max S] EXPECTED.npy GOT.npy\n");
  return 2;
}

int main(int argc, char **argv) {
  double rtol = DEFAULT_RTOL, atol = DEFAULT_ATOL, atol_max = 0;
  const char *files[2];
  int nfiles = 0;
  for (int i = 1; i < argc; i++) {
    if ((!strcmp(argv[i], "--rtol") || !strcmp(argv[i], "--atol") || !strcmp(argv[i], "--atol-max")) &&
        i + 1 < argc) {
      char *end;
      double v = strtod(argv[i + 1], &end);
      if (*end || v < 0) return usage();
      *(argv[i][2] == 'r' ? &rtol : argv[i][6] ? &atol_max : &atol) = v;
      i++;
    } else if (argv[i][0] == '-' || nfiles == 2) {
      return usage();
    } else {
      files[nfiles++] = argv[i];
    }
  }
  if (nfiles != 2) return usage();
  RtTensor t[2];
  char err[512];
  for (int i = 0; i < 2; i++)
    if (rt_npy_read(files[i], &t[i], err, sizeof err)) {
      fprintf(stderr, "npycmp: %s\n", err);
      if (i) rt_tensor_free(&t[0]);
      return 2;
    }
  int rc;
  if (!same_shape(&t[0], &t[1])) {
    printf("%s: expected ", files[1]);
    print_shape(&t[0]);
    printf(", got ");
    print_shape(&t[1]);
    printf("\n");
    rc = 1;
  } else {
    rc = compare(files[1], &t[0], &t[1], rtol, atol + atol_max * max_abs_value(&t[0]));
  }
  rt_tensor_free(&t[0]);
  rt_tensor_free(&t[1]);
  return rc;
}
