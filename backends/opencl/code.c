/* backends/opencl/code.c -- the growable string the kernel generators write
 * into, and the device limits they assume (fast.h). */
#include "backends/opencl/fast.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void ocl_code_init(OclCode *t) {
  t->s = NULL;
  t->len = t->cap = 0;
  t->failed = 0;
}

void ocl_code_free(OclCode *t) {
  free(t->s);
  ocl_code_init(t);
}

static int reserve(OclCode *t, size_t more) {
  if (t->len + more + 1 <= t->cap) return 1;
  size_t cap = t->cap ? t->cap : 256;
  while (cap < t->len + more + 1) cap *= 2;
  char *s = realloc(t->s, cap);
  if (!s) return t->failed = 1, 0;
  t->s = s;
  t->cap = cap;
  return 1;
}

void ocl_code_printf(OclCode *t, const char *fmt, ...) {
  if (t->failed) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    t->failed = 1;
    return;
  }
  if (!reserve(t, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  t->len += (size_t)n;
}

void ocl_code_clear(OclCode *t) {
  t->len = 0;
  if (t->s) t->s[0] = 0;
}

const char *ocl_code_str(const OclCode *t) { return t->s ? t->s : ""; }

OclLimits ocl_limits_default(void) {
  OclLimits l = {256, 32 << 10, 128};
  return l;
}
