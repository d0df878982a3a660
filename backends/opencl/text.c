/* backends/opencl/text.c -- the growable string the kernel generators write
 * into, and the device limits they assume (fast.h). */
#include "backends/opencl/fast.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void ocl_text_init(OclText *t) {
  t->s = NULL;
  t->len = t->cap = 0;
  t->failed = 0;
}

void ocl_text_free(OclText *t) {
  free(t->s);
  ocl_text_init(t);
}

static int reserve(OclText *t, size_t more) {
  if (t->len + more + 1 <= t->cap) return 1;
  size_t cap = t->cap ? t->cap : 256;
  while (cap < t->len + more + 1) cap *= 2;
  char *s = realloc(t->s, cap);
  if (!s) return t->failed = 1, 0;
  t->s = s;
  t->cap = cap;
  return 1;
}

void ocl_text_printf(OclText *t, const char *fmt, ...) {
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

const char *ocl_text_str(const OclText *t) { return t->s ? t->s : ""; }

OclLimits ocl_limits_default(void) {
  OclLimits l = {256, 32 << 10, 128};
  return l;
}
