/* intern.c -- interned names: an open-addressing hash set of strings kept
 * in an arena, so that equal names are equal pointers. */
#include "lang/lang.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash(const char *s, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

void intern_init(Interner *in, Arena *a) {
  in->arena = a;
  in->cap = 256;
  in->n = 0;
  in->slots = calloc(in->cap, sizeof *in->slots);
  if (!in->slots) abort();
}

void intern_free(Interner *in) {
  free(in->slots);
  in->slots = NULL;
  in->cap = in->n = 0;
}

static void grow(Interner *in) {
  uint32_t cap = in->cap * 2;
  const char **slots = calloc(cap, sizeof *slots);
  if (!slots) abort();
  for (uint32_t i = 0; i < in->cap; i++) {
    const char *s = in->slots[i];
    if (!s) continue;
    uint32_t j = hash(s, strlen(s)) & (cap - 1);
    while (slots[j]) j = (j + 1) & (cap - 1);
    slots[j] = s;
  }
  free(in->slots);
  in->slots = slots;
  in->cap = cap;
}

const char *intern(Interner *in, const char *s, size_t n) {
  if ((in->n + 1) * 4 > in->cap * 3) grow(in);
  uint32_t j = hash(s, n) & (in->cap - 1);
  for (; in->slots[j]; j = (j + 1) & (in->cap - 1)) {
    const char *t = in->slots[j];
    if (strncmp(t, s, n) == 0 && t[n] == 0) return t;
  }
  in->slots[j] = arena_strndup(in->arena, s, n);
  in->n++;
  return in->slots[j];
}

const char *intern_cstr(Interner *in, const char *s) { return intern(in, s, strlen(s)); }
