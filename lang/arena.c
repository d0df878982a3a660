/* arena.c -- the bump allocator behind every compilation, and the
 * arena-backed pointer vector. */
#include "lang/lang.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct ArenaBlock {
  ArenaBlock *next;
  size_t used, cap;
  max_align_t data[];
};

/* Blocks come straight from mmap, so they arrive zeroed by the kernel and
 * arena_alloc need not clear them again (clearing twice was a third of the
 * front end's time on large files).  Blocks grow geometrically from 64 KiB
 * to 32 MiB, so small inputs stay small and large ones take few blocks. */
enum { ARENA_MIN_BLOCK = 64 * 1024, ARENA_MAX_BLOCK = 32 * 1024 * 1024 };

static ArenaBlock *block_new(size_t cap) {
  size_t bytes = sizeof(ArenaBlock) + cap;
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    fprintf(stderr, "xgc: fatal error: out of memory (%zu bytes)\n", bytes);
    abort();
  }
#ifdef MADV_HUGEPAGE
  /* Large blocks in huge pages: a tenth of the page faults on big inputs. */
  if (bytes >= 2 * 1024 * 1024) madvise(p, bytes, MADV_HUGEPAGE);
#endif
  ArenaBlock *b = p;
  b->cap = cap;
  return b;
}

void arena_init(Arena *a) { a->head = NULL; a->total = 0; }

void arena_free(Arena *a) {
  ArenaBlock *b = a->head;
  while (b) {
    ArenaBlock *next = b->next;
    munmap(b, sizeof *b + b->cap);
    b = next;
  }
  a->head = NULL;
  a->total = 0;
}

void *arena_alloc(Arena *a, size_t n) {
  const size_t align = sizeof(max_align_t);
  n = (n + align - 1) / align * align;
  if (n == 0) n = align;
  ArenaBlock *b = a->head;
  if (!b || b->cap - b->used < n) {
    size_t cap = b ? b->cap * 2 : ARENA_MIN_BLOCK;
    if (cap > ARENA_MAX_BLOCK) cap = ARENA_MAX_BLOCK;
    if (cap < n) cap = n;
    b = block_new(cap);
    b->next = a->head;
    a->head = b;
  }
  void *p = (char *)b->data + b->used; /* zero: blocks are never reused */
  b->used += n;
  a->total += n;
  return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *arena_printf(Arena *a, const char *fmt, ...) {
  va_list ap, aq;
  va_start(ap, fmt);
  va_copy(aq, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
  if (n > 0) vsnprintf(p, (size_t)n + 1, fmt, aq);
  va_end(aq);
  return p;
}

void vec_push(Arena *a, PtrVec *v, void *item) {
  if (v->n == v->cap) {
    int cap = v->cap ? v->cap * 2 : 4;
    void **items = arena_alloc(a, (size_t)cap * sizeof *items);
    if (v->n) memcpy(items, v->items, (size_t)v->n * sizeof *items);
    v->items = items;
    v->cap = cap;
  }
  v->items[v->n++] = item;
}
