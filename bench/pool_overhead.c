/* pool_overhead.c -- what an empty xg_parallel_for costs: back-to-back
 * calls (workers spinning) of n = THREADS (a chunk each) and of a large n
 * (RT_POOL_CHUNKS chunks each), and calls after a pause long enough for
 * the workers to sleep (a futex wake each).  A benchmark, not a test:
 *   bench/pool_overhead [THREADS...]   (default: 2) */
#include "runtime/rt.h"
#include "runtime/xg_abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void nothing(void *ctx, int64_t b, int64_t e) {
  (void)ctx, (void)b, (void)e;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median over 9 rounds of the mean cost of `calls` back-to-back calls. */
static double hot_us(xg_pool *p, int n, int calls) {
  double r[9];
  for (int k = 0; k < 9; k++) {
    double t = now_us();
    for (int i = 0; i < calls; i++) xg_parallel_for(p, n, nothing, NULL);
    r[k] = (now_us() - t) / calls;
  }
  qsort(r, 9, sizeof *r, cmp);
  return r[4];
}

/* The median cost of one call made after the workers fell asleep. */
static double cold_us(xg_pool *p, int n) {
  double r[101];
  for (int k = 0; k < 101; k++) {
    usleep(RT_POOL_SPIN_US * 3);
    double t = now_us();
    xg_parallel_for(p, n, nothing, NULL);
    r[k] = now_us() - t;
  }
  qsort(r, 101, sizeof *r, cmp);
  return r[50];
}

int main(int argc, char **argv) {
  char err[256];
  printf("threads  back-to-back (us/call)  n = 2^20 (us/call)  after sleeping (us/call)\n");
  for (int a = 1; a < argc || a == 1; a++) {
    int t = argc > 1 ? atoi(argv[a]) : 2;
    xg_pool *p = rt_pool_create(t, err, sizeof err);
    if (!p) return fprintf(stderr, "pool_overhead: %s\n", err), 1;
    hot_us(p, t, 1000); /* warm-up */
    double hot = hot_us(p, t, 100000), many = hot_us(p, 1 << 20, 100000);
    printf("%7d  %23.2f  %19.2f  %24.2f\n", t, hot, many, cold_us(p, t));
    rt_pool_free(p);
  }
  return 0;
}
