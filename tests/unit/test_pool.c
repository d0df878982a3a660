/* test_pool.c -- the thread pool behind xg_parallel_for: every index of
 * [0, n) visited once in disjoint balanced chunks, on several threads; a
 * blocked thread's chunks taken by the others; nested calls serial, many
 * calls in a row, the thread count from the environment. */
#include "tests/unit/rt_test.h"
#include "runtime/xg_abi.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* What one parallel_for saw: a visit count per index and the chunks. */
typedef struct Seen {
  int64_t n;
  atomic_int *visits;
  atomic_char *begins; /* [n]: a chunk began here */
  atomic_int chunks, bad_ranges;
} Seen;

static void visit(void *ctx, int64_t b, int64_t e) {
  Seen *s = ctx;
  atomic_fetch_add(&s->chunks, 1);
  if (b < 0 || e > s->n || b >= e) atomic_fetch_add(&s->bad_ranges, 1);
  else atomic_store(&s->begins[b], 1);
  for (int64_t i = b; i < e && i >= 0 && i < s->n; i++) atomic_fetch_add(&s->visits[i], 1);
}

/* Runs parallel_for over n on pool and checks the cover: every index once,
 * and (want_chunks > 0) the chunks are the want_chunks balanced pieces of
 * [0, n), the longer first (the chunks are disjoint and cover [0, n), so
 * their beginnings fix them).  Returns the number of chunks. */
static int check_chunks(xg_pool *pool, int64_t n, int64_t want_chunks) {
  Seen s = {.n = n};
  s.visits = calloc((size_t)(n ? n : 1), sizeof *s.visits);
  s.begins = calloc((size_t)(n ? n : 1), sizeof *s.begins);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s.visits);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s.begins);
  xg_parallel_for(pool, n, visit, &s);
  int64_t wrong = 0, bad_begins = 0, at = 0;
  for (int64_t i = 0; i < n; i++) wrong += atomic_load(&s.visits[i]) != 1;
  for (int64_t c = 0; want_chunks > 0 && c < want_chunks; c++) {
    for (int64_t i = at + 1; i < at + n / want_chunks + (c < n % want_chunks) && i < n; i++)
      bad_begins += atomic_load(&s.begins[i]) != 0;
    bad_begins += atomic_load(&s.begins[at]) != 1;
    at += n / want_chunks + (c < n % want_chunks);
  }
  if (wrong || s.bad_ranges || bad_begins)
    fprintf(stderr, "\n  n=%lld: %lld indices wrong, %lld chunk bounds wrong\n", (long long)n,
            (long long)wrong, (long long)bad_begins);
  CU_ASSERT_EQUAL(wrong, 0);
  CU_ASSERT_EQUAL(bad_begins, 0);
  CU_ASSERT_EQUAL(atomic_load(&s.bad_ranges), 0);
  free(s.visits);
  free(s.begins);
  return atomic_load(&s.chunks);
}

static int check_cover(xg_pool *pool, int64_t n) { return check_chunks(pool, n, 0); }

/* The chunks of n on T threads: one when it runs on the caller alone,
 * else min(n, RT_POOL_CHUNKS * T). */
static int64_t want_chunks(int threads, int64_t n) {
  if (n <= 0) return 0;
  if (threads == 1 || n == 1) return 1;
  return n < (int64_t)RT_POOL_CHUNKS * threads ? n : (int64_t)RT_POOL_CHUNKS * threads;
}

static void test_cover(void) {
  static const int threads[] = {1, 2, 3, 4, 7, 16};
  static const int64_t ns[] = {0,  1,  2,   3,   4,    5,    6,    7,      8,
                               13, 64, 100, 1000, 4097, 8191, 65537, 1000003};
  char err[256];
  for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
    xg_pool *p = rt_pool_create(threads[t], err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(rt_pool_size(p), threads[t]);
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
      int64_t want = want_chunks(threads[t], ns[k]);
      for (int rep = 0; rep < 3; rep++) CU_ASSERT_EQUAL(check_chunks(p, ns[k], want), want);
    }
    rt_pool_free(p);
  }
  /* no pool: everything on the caller, in one chunk */
  CU_ASSERT_EQUAL(check_cover(NULL, 1000), 1);
  CU_ASSERT_EQUAL(check_cover(NULL, 0), 0);
  rt_pool_free(NULL);
  CU_ASSERT_EQUAL(rt_pool_size(NULL), 1);
}

/* Chunks are balanced: sizes differ by at most one. */
typedef struct Sizes {
  atomic_llong min, max;
} Sizes;

static void sizes(void *ctx, int64_t b, int64_t e) {
  Sizes *s = ctx;
  long long len = e - b, v;
  while (len < (v = atomic_load(&s->min)) && !atomic_compare_exchange_weak(&s->min, &v, len)) {}
  while (len > (v = atomic_load(&s->max)) && !atomic_compare_exchange_weak(&s->max, &v, len)) {}
}

static void test_balanced(void) {
  char err[256];
  xg_pool *p = rt_pool_create(3, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  for (int64_t n = 3; n < 50; n++) {
    Sizes s = {INT64_MAX, 0};
    xg_parallel_for(p, n, sizes, &s);
    CU_ASSERT_TRUE(s.max - s.min <= 1 && s.min >= n / want_chunks(3, n));
  }
  rt_pool_free(p);
}

/* Exact bounds, written out: 40 over 2 threads is 16 chunks, the first 8
 * of 3 indices, the rest of 2; 10 over 3 threads is 10 chunks of 1. */
typedef struct Bounds {
  atomic_llong at[40]; /* [begin]: end */
} Bounds;

static void bounds(void *ctx, int64_t b, int64_t e) {
  Bounds *c = ctx;
  if (b >= 0 && b < 40) atomic_store(&c->at[b], e);
}

static void test_chunk_bounds(void) {
  char err[256];
  xg_pool *p = rt_pool_create(2, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  Bounds c = {0};
  xg_parallel_for(p, 40, bounds, &c);
  static const int64_t want[40] = {[0] = 3,   [3] = 6,   [6] = 9,   [9] = 12,  [12] = 15,
                                   [15] = 18, [18] = 21, [21] = 24, [24] = 26, [26] = 28,
                                   [28] = 30, [30] = 32, [32] = 34, [34] = 36, [36] = 38,
                                   [38] = 40};
  for (int i = 0; i < 40; i++) CU_ASSERT_EQUAL(atomic_load(&c.at[i]), want[i]);
  rt_pool_free(p);
  p = rt_pool_create(3, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  Bounds d = {0};
  xg_parallel_for(p, 10, bounds, &d);
  for (int i = 0; i < 40; i++) CU_ASSERT_EQUAL(atomic_load(&d.at[i]), i < 10 ? i + 1 : 0);
  rt_pool_free(p);
}

/* A blocked thread does not hold up the others' chunks: the first chunk
 * that the chosen thread (the caller, or else the first worker to start a
 * chunk) runs waits until every other chunk is done, and the other chunks
 * wait until it is held, so that the chosen thread cannot have run
 * anything else first.  Only the others can do the rest, its own run of
 * chunks included: the call completes with the chosen thread at one
 * chunk.  A static split (one chunk per thread) cannot finish it; the wait
 * gives up after BLOCK_GUARD_S seconds, so that such a pool fails here
 * instead of hanging (a guard against a hang, never reached when the pool
 * is right: nothing here depends on timing). */
enum { BLOCK_GUARD_S = 60 };

typedef struct Block {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t caller, held_by;
  int block_caller; /* 1: the caller blocks; 0: a worker */
  int held, others_done, total, gave_up, by_holder;
  atomic_int *visits;
  int64_t n;
} Block;

/* Waits on b->cv until *flag reaches want, or the guard expires. */
static void block_wait(Block *b, const int *flag, int want) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += BLOCK_GUARD_S;
  while (*flag < want && !b->gave_up)
    if (pthread_cond_timedwait(&b->cv, &b->mu, &until) == ETIMEDOUT) b->gave_up = 1;
}

static void block_fn(void *ctx, int64_t lo, int64_t hi) {
  Block *b = ctx;
  for (int64_t i = lo; i < hi && i >= 0 && i < b->n; i++) atomic_fetch_add(&b->visits[i], 1);
  pthread_mutex_lock(&b->mu);
  int on_caller = pthread_equal(pthread_self(), b->caller);
  if (!b->held && on_caller == b->block_caller) {
    b->held = 1;
    b->held_by = pthread_self();
    b->by_holder++;
    pthread_cond_broadcast(&b->cv);
    block_wait(b, &b->others_done, b->total - 1);
  } else {
    block_wait(b, &b->held, 1);
    if (pthread_equal(pthread_self(), b->held_by)) b->by_holder++;
    if (++b->others_done == b->total - 1) pthread_cond_broadcast(&b->cv);
  }
  pthread_mutex_unlock(&b->mu);
}

static void check_blocked(int threads, int64_t n, int block_caller) {
  char err[256];
  xg_pool *p = rt_pool_create(threads, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  for (int round = 0; round < 10; round++) {
    Block b = {.caller = pthread_self(), .block_caller = block_caller, .n = n};
    b.total = (int)want_chunks(threads, n);
    b.visits = calloc((size_t)(n > 0 ? n : 1), sizeof *b.visits);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b.visits);
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cv, NULL);
    xg_parallel_for(p, n, block_fn, &b);
    int64_t wrong = 0;
    for (int64_t i = 0; i < n; i++) wrong += atomic_load(&b.visits[i]) != 1;
    if (b.gave_up || b.by_holder != 1)
      fprintf(stderr, "\n  %d threads, n=%lld: %s, the blocked thread ran %d chunks\n", threads,
              (long long)n, b.gave_up ? "gave up" : "done", b.by_holder);
    CU_ASSERT_FALSE(b.gave_up);
    CU_ASSERT_EQUAL(b.held, 1);
    CU_ASSERT_EQUAL(b.by_holder, 1);
    CU_ASSERT_EQUAL(b.others_done, b.total - 1);
    CU_ASSERT_EQUAL(wrong, 0);
    pthread_cond_destroy(&b.cv);
    pthread_mutex_destroy(&b.mu);
    free(b.visits);
  }
  rt_pool_free(p);
}

static void test_blocked_worker(void) {
  check_blocked(2, 16, 0);
  check_blocked(2, 1001, 0);
  check_blocked(4, 64, 0);
}

static void test_blocked_caller(void) {
  check_blocked(2, 16, 1);
  check_blocked(3, 100, 1);
  check_blocked(4, 7, 1);
}

/* Work spreads over threads: with 4 threads and 4 chunks that each wait
 * for all four to have started, the call can only return if they run at
 * the same time; each chunk notes its thread in its own slot. */
typedef struct Barrier {
  atomic_int arrived;
  int n;
  pthread_t threads[4];
} Barrier;

static void meet(void *ctx, int64_t b, int64_t e) {
  Barrier *m = ctx;
  (void)e;
  m->threads[b] = pthread_self();
  atomic_fetch_add(&m->arrived, 1);
  while (atomic_load(&m->arrived) < m->n) sched_yield();
}

static void test_concurrent_chunks(void) {
  char err[256];
  xg_pool *p = rt_pool_create(4, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  for (int round = 0; round < 20; round++) {
    Barrier m = {.n = 4};
    xg_parallel_for(p, 4, meet, &m);
    CU_ASSERT_EQUAL(atomic_load(&m.arrived), 4);
    CU_ASSERT_TRUE(pthread_equal(m.threads[0], pthread_self())); /* chunk 0 on the caller */
    int distinct = 1;
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < i; j++) distinct &= !pthread_equal(m.threads[i], m.threads[j]);
    CU_ASSERT_TRUE(distinct);
  }
  rt_pool_free(p);
}

/* A parallel_for inside a chunk runs serially on that chunk's thread. */
typedef struct Nest {
  xg_pool *pool;
  atomic_int inner_chunks, inner_sum, foreign;
} Nest;

typedef struct Inner {
  Nest *nest;
  pthread_t outer;
} Inner;

static void inner(void *ctx, int64_t b, int64_t e) {
  Inner *in = ctx;
  atomic_fetch_add(&in->nest->inner_chunks, 1);
  if (!pthread_equal(in->outer, pthread_self())) atomic_fetch_add(&in->nest->foreign, 1);
  atomic_fetch_add(&in->nest->inner_sum, (int)(e - b));
}

static void outer(void *ctx, int64_t b, int64_t e) {
  Nest *n = ctx;
  for (int64_t i = b; i < e; i++) {
    Inner in = {n, pthread_self()};
    xg_parallel_for(n->pool, 10, inner, &in);
  }
}

static void test_nested(void) {
  char err[256];
  Nest n = {0};
  n.pool = rt_pool_create(3, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(n.pool);
  xg_parallel_for(n.pool, 6, outer, &n);
  CU_ASSERT_EQUAL(atomic_load(&n.inner_chunks), 6); /* one serial chunk each */
  CU_ASSERT_EQUAL(atomic_load(&n.inner_sum), 60);
  CU_ASSERT_EQUAL(atomic_load(&n.foreign), 0);
  /* after the nest, the pool is parallel again */
  CU_ASSERT_EQUAL(check_cover(n.pool, 100), want_chunks(3, 100));
  rt_pool_free(n.pool);
}

/* Many calls in a row, with and without pauses long enough for the
 * workers to fall asleep. */
static void add(void *ctx, int64_t b, int64_t e) {
  atomic_fetch_add((atomic_llong *)ctx, (long long)(e - b));
}

static void test_many_calls(void) {
  char err[256];
  xg_pool *p = rt_pool_create(2, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  atomic_llong total = 0;
  for (int i = 0; i < 200000; i++) xg_parallel_for(p, 2 + i % 5, add, &total);
  long long want = 0;
  for (int i = 0; i < 200000; i++) want += 2 + i % 5;
  CU_ASSERT_EQUAL(atomic_load(&total), want);
  total = 0;
  for (int i = 0; i < 20; i++) {
    usleep(i % 2 ? 2 * RT_POOL_SPIN_US : 10);
    xg_parallel_for(p, 1000, add, &total);
  }
  CU_ASSERT_EQUAL(atomic_load(&total), 20000);
  rt_pool_free(p);
  /* pools made and freed, busy or not */
  for (int i = 0; i < 100; i++) {
    p = rt_pool_create(1 + i % 4, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    if (i % 2) xg_parallel_for(p, 10, add, &total);
    rt_pool_free(p);
  }
}

/* Two application threads on one pool: one gets the workers, the other
 * runs serially; both cover their ranges. */
typedef struct Caller {
  xg_pool *pool;
  atomic_llong total;
} Caller;

static void *caller_main(void *arg) {
  Caller *c = arg;
  for (int i = 0; i < 20000; i++) xg_parallel_for(c->pool, 7, add, &c->total);
  return NULL;
}

static void test_two_callers(void) {
  char err[256];
  xg_pool *p = rt_pool_create(3, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  Caller a = {p, 0}, b = {p, 0};
  pthread_t ta, tb;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&ta, NULL, caller_main, &a), 0);
  CU_ASSERT_EQUAL_FATAL(pthread_create(&tb, NULL, caller_main, &b), 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  CU_ASSERT_EQUAL(atomic_load(&a.total), 140000);
  CU_ASSERT_EQUAL(atomic_load(&b.total), 140000);
  rt_pool_free(p);
}

/* ------------------------------------------------------------ the count */

static void check_env(const char *value, int want, const char *msg) {
  char err[256] = "";
  int n = -5;
  if (value) setenv("XG_NUM_THREADS", value, 1);
  else unsetenv("XG_NUM_THREADS");
  int rc = rt_pool_threads(0, &n, err, sizeof err);
  if (msg) {
    CU_ASSERT_EQUAL(rc, -1);
    if (strcmp(err, msg)) fprintf(stderr, "\n  got:  %s\n  want: %s\n", err, msg);
    CU_ASSERT_STRING_EQUAL(err, msg);
  } else {
    CU_ASSERT_EQUAL(rc, 0);
    if (want) CU_ASSERT_EQUAL(n, want);
  }
}

static void test_threads(void) {
  char err[256];
  int n = 0;
  CU_ASSERT_EQUAL(rt_pool_threads(3, &n, err, sizeof err), 0);
  CU_ASSERT_EQUAL(n, 3);
  setenv("XG_NUM_THREADS", "5", 1);
  CU_ASSERT_EQUAL(rt_pool_threads(2, &n, err, sizeof err), 0); /* the request wins */
  CU_ASSERT_EQUAL(n, 2);
  CU_ASSERT_EQUAL(rt_pool_threads(-1, &n, err, sizeof err), -1);
  CU_ASSERT_STRING_EQUAL(err,
                         "-1 threads requested: the count must be from 1 to 1024 (0: the default)");
  CU_ASSERT_EQUAL(rt_pool_threads(1025, &n, err, sizeof err), -1);
  check_env("5", 5, NULL);
  check_env("1", 1, NULL);
  check_env("1024", 1024, NULL);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  check_env(NULL, 0, NULL);
  CU_ASSERT_TRUE(rt_pool_threads(0, &n, err, sizeof err) == 0 && n >= 1 && n <= cpus);
  check_env("", 0, NULL); /* empty: unset */
  static const char *const bad[] = {
      "0", "-2", "abc", "4x", " 4", "4 ", "+4", "1025", "99999999999999999999", "0x10"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char want[256];
    snprintf(want, sizeof want,
             "XG_NUM_THREADS='%s' is not a thread count (an integer from 1 to 1024)", bad[i]);
    check_env(bad[i], 0, want);
  }
  check_env("\x01\xff", 0,
            "XG_NUM_THREADS='\\x01\\xff' is not a thread count (an integer from 1 to 1024)");
  unsetenv("XG_NUM_THREADS");
  CU_ASSERT_PTR_NULL(rt_pool_create(0, err, sizeof err));
  CU_ASSERT_STRING_EQUAL(err, "0 threads: the count must be from 1 to 1024");
  CU_ASSERT_PTR_NULL(rt_pool_create(1025, err, sizeof err));
}

static const RttTest pool_tests[] = {
    {"every index once, balanced chunks of [0, n)", test_cover},
    {"balanced chunks", test_balanced},
    {"chunk bounds", test_chunk_bounds},
    {"a blocked worker's chunks done by the others", test_blocked_worker},
    {"a blocked caller's chunks done by the workers", test_blocked_caller},
    {"chunks run concurrently", test_concurrent_chunks},
    {"nested calls run serially", test_nested},
    {"many calls, sleeping workers, many pools", test_many_calls},
    {"two callers on one pool", test_two_callers},
    {"thread count and XG_NUM_THREADS", test_threads},
};

int main(void) {
  const RttSuite suites[] = {RTT_SUITE("pool", pool_tests)};
  return rtt_run(suites, 1);
}
