/* pool_balance.c -- how long a parallel loop of fixed work takes when the
 * machine is shared: CALLS calls of xg_parallel_for over N indices of
 * WORK dependent multiply-adds each, on THREADS threads; prints the
 * median, the 90th percentile and the mean time of a call, and the time
 * of the same work on 1 thread.  Build it against two runtimes and run
 * them in turn (docs/benchmarks.md "A and B in one run").  A benchmark,
 * not a test:
 *   bench/pool_balance [THREADS [N [WORK [CALLS]]]]   (2 256 20000 300) */
#include "runtime/rt.h"
#include "runtime/xg_abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct Work {
  long per_index;
  double *out; /* [n]: keeps the arithmetic */
} Work;

static void spin_work(void *ctx, int64_t b, int64_t e) {
  Work *w = ctx;
  for (int64_t i = b; i < e; i++) {
    double x = (double)i;
    for (long k = 0; k < w->per_index; k++) x = x * 0.999999 + 1e-7;
    w->out[i] = x;
  }
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Times `calls` calls on pool; fills t (sorted) and returns the mean. */
static double time_calls(xg_pool *p, int64_t n, Work *w, int calls, double *t) {
  double sum = 0;
  xg_parallel_for(p, n, spin_work, w); /* warm-up */
  for (int i = 0; i < calls; i++) {
    double t0 = now_ms();
    xg_parallel_for(p, n, spin_work, w);
    t[i] = now_ms() - t0;
    sum += t[i];
  }
  qsort(t, (size_t)calls, sizeof *t, cmp);
  return sum / calls;
}

static long arg(int argc, char **argv, int i, long dflt) {
  if (argc <= i) return dflt;
  char *end;
  long v = strtol(argv[i], &end, 10);
  if (*end || v < 1) {
    fprintf(stderr, "pool_balance: argument %d '%s' is not a positive integer\n", i, argv[i]);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  int threads = (int)arg(argc, argv, 1, 2), calls = (int)arg(argc, argv, 4, 300);
  int64_t n = arg(argc, argv, 2, 256);
  Work w = {arg(argc, argv, 3, 20000), calloc((size_t)n, sizeof(double))};
  double *t = calloc((size_t)calls, sizeof *t);
  char err[256];
  xg_pool *p = rt_pool_create(threads, err, sizeof err);
  if (!p || !w.out || !t) return fprintf(stderr, "pool_balance: %s\n", p ? "out of memory" : err), 1;
  double mean = time_calls(p, n, &w, calls, t);
  printf("threads %d n %lld work %ld calls %d: median %.3f ms, p90 %.3f ms, mean %.3f ms",
         threads, (long long)n, w.per_index, calls, t[calls / 2], t[calls * 9 / 10], mean);
  double mean1 = time_calls(NULL, n, &w, calls, t);
  printf("; 1 thread: median %.3f ms, mean %.3f ms\n", t[calls / 2], mean1);
  rt_pool_free(p);
  free(t);
  free(w.out);
  return 0;
}
