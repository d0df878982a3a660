/* runtime/pool.c -- the thread pool behind xg_parallel_for: [0, n) cut into
 * up to RT_POOL_CHUNKS chunks per thread, each thread given a contiguous
 * run of them (its home); a thread takes its home chunks from the front and,
 * when they are gone, takes others' from the back, so that a descheduled
 * or slow thread's work is done by the others.  Idle threads spin briefly,
 * then sleep on a futex (Linux). */
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

/* One worker's identity: its pool and its thread number (1..nthreads-1;
 * the caller is 0), which names its home run of chunks. */
typedef struct PoolWorker {
  struct xg_pool *pool;
  int id;
  pthread_t tid;
} PoolWorker;

/* Thread k's home run of chunks [lo, hi) of the job numbered tag, packed
 * in one word so that its owner (from the front) and thieves (from the
 * back) take chunks with one compare-and-swap: tag << 32 | hi << 16 | lo.
 * A word of another job's tag has nothing to take: a thread that read the
 * job before a newer one was published can never run a chunk of the newer
 * one with the older one's fn (the tag would have to wrap around 2^32
 * jobs while that thread stood between two instructions).  Each on a
 * cache line of its own. */
typedef struct PoolRange {
  _Alignas(64) _Atomic uint64_t w;
} PoolRange;

_Static_assert((int64_t)RT_MAX_THREADS * RT_POOL_CHUNKS < 65536,
               "a chunk number must fit the 16 bits of a PoolRange bound");

/* The two futex words sit on cache lines of their own: workers poll `gen`
 * while the caller polls `pending`. */
struct xg_pool {
  int nthreads;        /* the caller and the workers */
  int nworkers;        /* started (nthreads - 1 once created) */
  PoolWorker *workers;
  PoolRange *ranges;   /* [nthreads]: the home runs */
  atomic_int busy;     /* a parallel_for holds the workers */
  /* The job: written by the caller before it bumps gen, read by the
   * workers after they see the bump (atomics: a late worker may read them
   * while the next job is written; the tags make it harmless). */
  _Atomic(xg_range_fn) fn;
  _Atomic(void *) ctx;
  _Atomic int64_t n;
  atomic_int chunks;   /* how many chunks [0, n) is cut into */
  atomic_int stop;
  _Alignas(64) atomic_uint gen;      /* bumped once per job (futex word) */
  atomic_int sleepers;               /* workers asleep (or going to) on gen */
  _Alignas(64) atomic_uint pending;  /* chunks not yet done (futex word) */
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

/* Piece k of `parts` balanced pieces of [0, n): sizes differ by at most 1,
 * the larger first. */
static void pool_piece(int64_t n, int64_t parts, int64_t k, int64_t *b, int64_t *e) {
  int64_t q = n / parts, r = n % parts;
  *b = q * k + (k < r ? k : r);
  *e = *b + q + (k < r);
}

static uint64_t range_word(unsigned tag, int64_t lo, int64_t hi) {
  return (uint64_t)tag << 32 | (uint64_t)hi << 16 | (uint64_t)lo;
}

/* Takes one chunk of thread k's home run of job `tag`: the first (its
 * owner) or the last (a thief).  Returns the chunk number, or -1 when the
 * run is empty or belongs to another job. */
static int pool_take(struct xg_pool *p, int k, unsigned tag, int last) {
  _Atomic uint64_t *w = &p->ranges[k].w;
  uint64_t v = atomic_load(w);
  for (;;) {
    unsigned lo = (unsigned)(v & 0xffff), hi = (unsigned)(v >> 16 & 0xffff);
    if ((unsigned)(v >> 32) != tag || lo >= hi) return -1;
    uint64_t nv = last ? range_word(tag, lo, hi - 1) : range_word(tag, lo + 1, hi);
    if (atomic_compare_exchange_weak(w, &v, nv)) return (int)(last ? hi - 1 : lo);
  }
}

/* The part of job `tag` that thread `self` does: its home chunks in
 * order, then the others' from the back, the next thread's first.  Each
 * chunk done counts down pending; the one that ends the job wakes the
 * caller if it sleeps. */
static void pool_work(struct xg_pool *p, int self, unsigned tag) {
  xg_range_fn fn = atomic_load_explicit(&p->fn, memory_order_relaxed);
  void *ctx = atomic_load_explicit(&p->ctx, memory_order_relaxed);
  int64_t n = atomic_load_explicit(&p->n, memory_order_relaxed);
  int chunks = atomic_load_explicit(&p->chunks, memory_order_relaxed);
  for (int i = 0; i < p->nthreads; i++) {
    int k = (self + i) % p->nthreads, c;
    while ((c = pool_take(p, k, tag, i > 0)) >= 0) {
      int64_t b, e;
      pool_piece(n, chunks, c, &b, &e);
      fn(ctx, b, e);
      if (atomic_fetch_sub(&p->pending, 1) == 1 && atomic_load(&p->caller_sleeps))
        futex_wake(&p->pending, 1);
    }
  }
}

static void *pool_worker(void *arg) {
  PoolWorker *w = arg;
  struct xg_pool *p = w->pool;
  unsigned seen = 0;
  pool_inside = 1;
  for (;;) {
    seen = pool_wait(&p->gen, seen, &p->sleepers);
    if (atomic_load(&p->stop)) return NULL;
    pool_work(p, w->id, seen);
  }
}

/* Publishes the job (or the stop) to every worker; returns its tag.  The
 * job's fields, the home runs and pending are written before gen moves. */
static unsigned pool_publish(struct xg_pool *p, int64_t n) {
  unsigned tag = atomic_load(&p->gen) + 1;
  int chunks = 0;
  if (n > 0) {
    int64_t want = (int64_t)p->nthreads * RT_POOL_CHUNKS;
    chunks = (int)(n < want ? n : want);
    for (int k = 0; k < p->nthreads; k++) {
      int64_t lo, hi;
      pool_piece(chunks, p->nthreads, k, &lo, &hi);
      atomic_store(&p->ranges[k].w, range_word(tag, lo, hi));
    }
  }
  atomic_store_explicit(&p->n, n, memory_order_relaxed);
  atomic_store_explicit(&p->chunks, chunks, memory_order_relaxed);
  atomic_store(&p->pending, (unsigned)chunks);
  atomic_store(&p->gen, tag);
  if (atomic_load(&p->sleepers) > 0) futex_wake(&p->gen, INT_MAX);
  return tag;
}

/* Waits for every chunk to be done: spins while the count moves, sleeps
 * when it stalls (the thread that ends the job wakes the caller).  The
 * store to caller_sleeps and the others' fetch_sub pair as in pool_wait. */
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
  atomic_store_explicit(&pool->fn, fn, memory_order_relaxed);
  atomic_store_explicit(&pool->ctx, ctx, memory_order_relaxed);
  pool_inside = 1;
  pool_work(pool, 0, pool_publish(pool, n));
  pool_join_job(pool);
  pool_inside = 0;
  atomic_store(&pool->busy, 0);
}

/* ------------------------------------------------------- create and free */

/* Stops the started workers and frees the pool. */
void rt_pool_free(struct xg_pool *p) {
  if (!p) return;
  if (p->nworkers) {
    atomic_store(&p->stop, 1);
    pool_publish(p, 0);
    for (int i = 0; i < p->nworkers; i++) pthread_join(p->workers[i].tid, NULL);
  }
  free(p->workers);
  free(p->ranges);
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
  if (p) {
    p->workers = calloc((size_t)nthreads, sizeof *p->workers);
    p->ranges = aligned_alloc(_Alignof(PoolRange), (size_t)nthreads * sizeof *p->ranges);
  }
  if (!p || !p->workers || !p->ranges) {
    if (p) free(p->workers), free(p->ranges);
    free(p);
    return rt_err(err, errlen, "out of memory for a pool of %d threads", nthreads), NULL;
  }
  memset(p->ranges, 0, (size_t)nthreads * sizeof *p->ranges); /* tag 0, empty */
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
