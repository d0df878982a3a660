/* lower/memplan.c -- the memory plan: every intermediate buffer gets an
 * offset in one scratch arena, and buffers that are never live at the same
 * time share memory.  Greedy by size: the largest buffer first, each at the
 * lowest 64-byte aligned offset that does not overlap a placed buffer whose
 * live range [first, last] (kernels) meets its own. */
#include "lower/lower_int.h"

#include <stdlib.h>

enum { PLAN_ALIGN = 64 };

static int64_t align_up(int64_t v) { return (v + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN; }

static int by_size(const void *x, const void *y) {
  const LoopBuf *a = *(LoopBuf *const *)x, *b = *(LoopBuf *const *)y;
  if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
  return a->id - b->id; /* deterministic */
}

static int live_together(const LoopBuf *a, const LoopBuf *b) {
  return a->persistent || b->persistent || (a->first <= b->last && b->first <= a->last);
}

/* The lowest offset for b among the placed buffers (sorted by offset). */
static int64_t place(LoopBuf *const *placed, int n, const LoopBuf *b) {
  int64_t off = 0;
  for (int i = 0; i < n; i++) {
    const LoopBuf *q = placed[i];
    if (!live_together(q, b)) continue;
    if (off + b->bytes <= q->offset) break; /* fits in the gap before q */
    if (q->offset + q->bytes > off) off = align_up(q->offset + q->bytes);
  }
  return off;
}

static void insert_sorted(LoopBuf **placed, int n, LoopBuf *b) {
  int i = n;
  while (i > 0 && placed[i - 1]->offset > b->offset) {
    placed[i] = placed[i - 1];
    i--;
  }
  placed[i] = b;
}

void lower_plan_memory(LoopProgram *p) {
  LoopBuf **order = malloc(sizeof *order * (size_t)(p->nbufs + 1));
  LoopBuf **placed = malloc(sizeof *placed * (size_t)(p->nbufs + 1));
  if (!order || !placed) abort(); /* as the arena does: no way on without memory */
  int n = 0, np = 0;
  for (int i = 0; i < p->nbufs; i++) {
    LoopBuf *b = p->bufs[i];
    if (b->kind != LB_SCRATCH) continue;
    if (b->first < 0) b->first = b->last = 0; /* never used: give it a place anyway */
    order[n++] = b;
  }
  qsort(order, (size_t)n, sizeof *order, by_size);
  p->scratch_bytes = 0;
  for (int i = 0; i < n; i++) {
    LoopBuf *b = order[i];
    b->offset = place(placed, np, b);
    insert_sorted(placed, np++, b);
    if (b->offset + b->bytes > p->scratch_bytes) p->scratch_bytes = b->offset + b->bytes;
  }
  p->scratch_bytes = align_up(p->scratch_bytes);
  free(order);
  free(placed);
}
