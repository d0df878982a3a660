/* runtime/pool.c -- the thread pool behind xg_parallel_for: static chunks of
 * [0, n) over the caller and its workers; idle threads spin briefly, then
 * sleep on a futex (Linux). */
#include "runtime/rt.h"
#include "runtime/rt_int.h"
#include "runtime/xg_abi.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* One worker's identity: its pool and its chunk number (1..nthreads-1; the
 * caller takes chunk 0). */
typedef struct PoolWorker {
  struct xg_pool *pool;
  int id;
  pthread_t tid;
} PoolWorker;

/* The two futex words sit on cache lines of their own: workers poll `gen`
 * while the caller polls `pending`. */
struct xg_pool {
  int nthreads;        /* the caller and the workers */
  int nworkers;        /* started (nthreads - 1 once created) */
  PoolWorker *workers;
  atomic_int busy;     /* a parallel_for holds the workers */
  /* The job: written by the caller before it bumps gen, read by the
   * workers after they see the bump. */
  xg_range_fn fn;
  void *ctx;
  int64_t n;
  int stop;
  _Alignas(64) atomic_uint gen;      /* bumped once per job (futex word) */
  atomic_int sleepers;               /* workers asleep (or going to) on gen */
  _Alignas(64) atomic_uint pending;  /* workers still on the job (futex word) */
  atomic_int caller_sleeps;          /* the caller is asleep on pending */
};

/* Set on workers for good and on the caller for the length of a
 * parallel_for: a call made there runs serially. */
static _Thread_local int pool_inside;

/* ---------------------------------------------------------------- waiting */

static void pool_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static void futex_wait(atomic_uint *w, unsigned val) {
  syscall(SYS_futex, (unsigned *)w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(atomic_uint *w, int n) {
  syscall(SYS_futex, (unsigned *)w, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spins up to RT_POOL_SPIN_US while *w == old; returns 1 if it changed. */
static int pool_spin(atomic_uint *w, unsigned old) {
  int64_t until = 0;
  for (unsigned i = 1;; i++) {
    if (atomic_load_explicit(w, memory_order_acquire) != old) return 1;
    pool_relax();
    if (i % 64) continue;
    int64_t t = now_ns();
    if (!until) until = t + (int64_t)RT_POOL_SPIN_US * 1000;
    else if (t >= until) return 0;
  }
}

/* Waits until *w != old, asleep after the spin; `sleepers` counts those
 * asleep so that the waker skips the system call when nobody is.  Both
 * sides use sequentially consistent operations: either the waker sees the
 * count or the sleeper sees the new value. */
static unsigned pool_wait(atomic_uint *w, unsigned old, atomic_int *sleepers) {
  if (!pool_spin(w, old)) {
    atomic_fetch_add(sleepers, 1);
    while (atomic_load(w) == old) futex_wait(w, old);
    atomic_fetch_sub(sleepers, 1);
  }
  return atomic_load_explicit(w, memory_order_acquire);
}

/* ------------------------------------------------------------------ jobs */

/* Chunk k of `parts` balanced chunks of [0, n): sizes differ by at most 1. */
static void pool_chunk(int64_t n, int parts, int k, int64_t *b, int64_t *e) {
  int64_t q = n / parts, r = n % parts;
  *b = q * k + (k < r ? k : r);
  *e = *b + q + (k < r);
}

static void pool_run_chunk(struct xg_pool *p, int k) {
  int64_t b, e;
  pool_chunk(p->n, p->nthreads, k, &b, &e);
  if (b < e) p->fn(p->ctx, b, e);
}

static void *pool_worker(void *arg) {
  PoolWorker *w = arg;
  struct xg_pool *p = w->pool;
  unsigned seen = 0;
  pool_inside = 1;
  for (;;) {
    seen = pool_wait(&p->gen, seen, &p->sleepers);
    if (p->stop) return NULL;
    pool_run_chunk(p, w->id);
    if (atomic_fetch_sub(&p->pending, 1) == 1 && atomic_load(&p->caller_sleeps))
      futex_wake(&p->pending, 1);
  }
}

/* Publishes the job (or the stop) to every worker. */
static void pool_publish(struct xg_pool *p) {
  atomic_store(&p->pending, (unsigned)p->nworkers);
  atomic_fetch_add(&p->gen, 1);
  if (atomic_load(&p->sleepers) > 0) futex_wake(&p->gen, INT_MAX);
}

/* Waits for every worker to finish the job: spins while the count moves,
 * sleeps when it stalls (the last worker wakes the caller).  The store to
 * caller_sleeps and the fetch_sub of the workers pair as in pool_wait. */
static void pool_join_job(struct xg_pool *p) {
  unsigned left;
  while ((left = atomic_load(&p->pending)) != 0) {
    if (pool_spin(&p->pending, left)) continue;
    atomic_store(&p->caller_sleeps, 1);
    if (atomic_load(&p->pending) == left) futex_wait(&p->pending, left);
    atomic_store(&p->caller_sleeps, 0);
  }
}

void xg_parallel_for(xg_pool *pool, int64_t n, xg_range_fn fn, void *ctx) {
  if (n <= 0) return;
  if (!pool || pool->nworkers == 0 || n == 1 || pool_inside || atomic_exchange(&pool->busy, 1)) {
    fn(ctx, 0, n);
    return;
  }
  pool->fn = fn;
  pool->ctx = ctx;
  pool->n = n;
  pool_inside = 1;
  pool_publish(pool);
  pool_run_chunk(pool, 0);
  pool_join_job(pool);
  pool_inside = 0;
  atomic_store(&pool->busy, 0);
}

/* ------------------------------------------------------- create and free */

/* Stops the started workers and frees the pool. */
void rt_pool_free(struct xg_pool *p) {
  if (!p) return;
  if (p->nworkers) {
    p->stop = 1;
    pool_publish(p);
    for (int i = 0; i < p->nworkers; i++) pthread_join(p->workers[i].tid, NULL);
  }
  free(p->workers);
  free(p);
}

/* Starts the workers with every signal blocked (signals go to the
 * application's threads); stops at the first failure. */
static int pool_start(struct xg_pool *p, char *err, size_t errlen) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = 0;
  for (int i = 0; i < p->nthreads - 1 && !rc; i++) {
    PoolWorker *w = &p->workers[i];
    w->pool = p;
    w->id = i + 1;
    if ((rc = pthread_create(&w->tid, NULL, pool_worker, w)) == 0) p->nworkers++;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc)
    return rt_err(err, errlen, "cannot start worker thread %d of %d: %s", p->nworkers + 1,
                  p->nthreads - 1, strerror(rc));
  return 0;
}

struct xg_pool *rt_pool_create(int nthreads, char *err, size_t errlen) {
  if (nthreads < 1 || nthreads > RT_MAX_THREADS)
    return rt_err(err, errlen, "%d threads: the count must be from 1 to %d", nthreads,
                  RT_MAX_THREADS), NULL;
  struct xg_pool *p = calloc(1, sizeof *p);
  if (p) p->workers = calloc((size_t)nthreads, sizeof *p->workers);
  if (!p || !p->workers) {
    free(p);
    return rt_err(err, errlen, "out of memory for a pool of %d threads", nthreads), NULL;
  }
  p->nthreads = nthreads;
  if (pool_start(p, err, errlen)) {
    rt_pool_free(p);
    return NULL;
  }
  return p;
}

int rt_pool_size(const struct xg_pool *p) {
  return p ? p->nthreads : 1;
}

/* ---------------------------------------------------------- thread count */

/* The CPUs this process may run on (its affinity mask), else the online
 * ones, else 1. */
static int pool_cpus(void) {
  cpu_set_t set;
  long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
  if (n <= 0) n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)(n < RT_MAX_THREADS ? n : RT_MAX_THREADS) : 1;
}

int rt_pool_threads(int requested, int *out, char *err, size_t errlen) {
  if (requested < 0 || requested > RT_MAX_THREADS)
    return rt_err(err, errlen,
                  "%d threads requested: the count must be from 1 to %d (0: the default)",
                  requested, RT_MAX_THREADS);
  if (requested > 0) return *out = requested, 0;
  const char *env = getenv("XG_NUM_THREADS");
  if (!env || !*env) return *out = pool_cpus(), 0;
  char shown[RT_NAME_STRLEN];
  long v = 0;
  const char *s = env;
  while (*s >= '0' && *s <= '9' && v <= RT_MAX_THREADS) v = v * 10 + (*s++ - '0');
  if (*s || v < 1 || v > RT_MAX_THREADS)
    return rt_err(err, errlen,
                  "XG_NUM_THREADS='%s' is not a thread count (an integer from 1 to %d)",
                  rt_show(shown, env, strlen(env)), RT_MAX_THREADS);
  *out = (int)v;
  return 0;
}
