/* backends/opencl/text.c -- growable text for the generated source, and
 * the generator's error reports. */
#include "backends/opencl/ocl_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void reserve(OclStr *s, size_t more) {
  if (s->n + more + 1 <= s->cap) return;
  size_t cap = s->cap ? s->cap : 256;
  while (cap < s->n + more + 1) cap *= 2;
  char *p = realloc(s->s, cap);
  if (!p) abort(); /* as the arena does: no way on without memory */
  s->s = p, s->cap = cap;
}

void ocl_puts(OclStr *s, const char *t) {
  size_t n = strlen(t);
  reserve(s, n);
  memcpy(s->s + s->n, t, n + 1);
  s->n += n;
}

void ocl_printf(OclStr *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n <= 0) return;
  reserve(s, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(s->s + s->n, (size_t)n + 1, fmt, ap);
  va_end(ap);
  s->n += (size_t)n;
}

void ocl_str_free(OclStr *s) {
  free(s->s);
  memset(s, 0, sizeof *s);
}

const char *ocl_text(const OclStr *s) { return s->s ? s->s : ""; }

void ocl_error(OclGen *g, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  g->errors++;
  diag_plain(g->d, DIAG_ERROR, "internal error: the OpenCL code of '%s': %s", g->p->name, msg);
}
