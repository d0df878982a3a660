/* peak.c -- this machine's fp32 FMA peak (AVX2 ymm and, where present,
 * AVX-512 zmm) and memory bandwidth (STREAM copy/scale/add/triad), on 1
 * thread and on N; medians of repeats.  A benchmark, not a test:
 *   bench/peak [--threads N] [--reps R] [--mib M] [--ms T] [--json]
 * The ratios in docs/benchmarks.md divide by its "peak" and "bandwidth".
 * Short FMA repeats (20 ms) let the median pass over the moments another
 * process of a shared machine takes the CPU. */
#include "config.h"
#include "bench/peak.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ options */

typedef struct {
  int threads;    /* N: the second column (default: the CPUs we may run on) */
  int reps;       /* repeats of each measurement; the median is reported */
  long mib;       /* MiB per STREAM array (default: 4 x LLC, at least 256) */
  double seconds; /* length of one FMA repeat (--ms) */
  int json;
} Opts;

static void usage(FILE *f) {
  fprintf(f, "usage: peak [--threads N] [--reps R] [--mib M] [--ms T] [--json]\n"
             "  fp32 FMA peak and STREAM bandwidth on 1 and N threads (medians)\n");
}

static long arg_long(const char *flag, const char *s, long lo, long hi) {
  char *end;
  errno = 0;
  long v = strtol(s ? s : "", &end, 10);
  if (!s || errno || *end || end == s || v < lo || v > hi) {
    fprintf(stderr, "peak: %s needs an integer in [%ld, %ld]\n", flag, lo, hi);
    exit(2);
  }
  return v;
}

static int cpus_allowed(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

static Opts parse_opts(int argc, char **argv) {
  Opts o = {cpus_allowed(), 15, 0, 0.02, 0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--json")) o.json = 1;
    else if (!strcmp(a, "--threads")) o.threads = (int)arg_long(a, v, 1, 1024), i++;
    else if (!strcmp(a, "--reps")) o.reps = (int)arg_long(a, v, 1, 1000), i++;
    else if (!strcmp(a, "--mib")) o.mib = arg_long(a, v, 1, 1 << 20), i++;
    else if (!strcmp(a, "--ms")) o.seconds = (double)arg_long(a, v, 1, 60000) / 1000, i++;
    else if (!strcmp(a, "--help") || !strcmp(a, "-h")) usage(stdout), exit(0);
    else fprintf(stderr, "peak: unknown argument '%s'\n", a), usage(stderr), exit(2);
  }
  return o;
}

/* ------------------------------------------------------------ machine */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median and the best of n measurements (reordered). */
typedef struct {
  double med, max;
} Stat;

static Stat stat_of(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return (Stat){n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[n - 1]};
}

/* The CPU's model name from /proc/cpuinfo, or "unknown". */
static void cpu_name(char *buf, size_t n) {
  snprintf(buf, n, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (strncmp(line, "model name", 10) || !colon) continue;
    snprintf(buf, n, "%s", colon + 2);
    buf[strcspn(buf, "\n")] = 0;
    break;
  }
  fclose(f);
}

/* The last-level cache in bytes: the largest cache level sysfs lists. */
static long llc_bytes(void) {
  long best = 0;
  for (int i = 0; i < 8; i++) {
    char path[96], text[64];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    if (fgets(text, sizeof text, f)) {
      char *end;
      long v = strtol(text, &end, 10);
      v *= *end == 'K' ? 1024L : *end == 'M' ? 1024L * 1024 : 1;
      if (v > best) best = v;
    }
    fclose(f);
  }
  return best;
}

/* ------------------------------------------------------------ a team of threads */

/* Team runs work(tid) on n threads (the caller is thread 0), each pinned to
 * one allowed CPU when there are enough, between two barriers; it returns
 * the seconds from the first barrier to the second, as thread 0 saw them. */
typedef void (*WorkFn)(void *ctx, int tid, int n);
typedef struct {
  pthread_barrier_t bar;
  WorkFn fn;
  void *ctx;
  int n;
} Team;
typedef struct {
  Team *team;
  int tid;
} Member;

static void pin(int tid, int n) {
  cpu_set_t allowed, one;
  if (sched_getaffinity(0, sizeof allowed, &allowed) || CPU_COUNT(&allowed) < n) return;
  for (int cpu = 0, k = 0; cpu < CPU_SETSIZE; cpu++) {
    if (!CPU_ISSET(cpu, &allowed) || k++ != tid) continue;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    return;
  }
}

static void *member_main(void *arg) {
  Member *m = arg;
  pin(m->tid, m->team->n);
  pthread_barrier_wait(&m->team->bar);
  m->team->fn(m->team->ctx, m->tid, m->team->n);
  pthread_barrier_wait(&m->team->bar);
  return NULL;
}

static double team_run(int n, WorkFn fn, void *ctx) {
  Team t = {.fn = fn, .ctx = ctx, .n = n};
  pthread_t th[1024];
  Member m[1024];
  pthread_barrier_init(&t.bar, NULL, (unsigned)n);
  for (int i = 1; i < n; i++) {
    m[i] = (Member){&t, i};
    if (pthread_create(&th[i], NULL, member_main, &m[i]))
      fprintf(stderr, "peak: cannot start thread %d\n", i), exit(1);
  }
  cpu_set_t saved;
  sched_getaffinity(0, sizeof saved, &saved);
  pin(0, n);
  pthread_barrier_wait(&t.bar);
  double t0 = now_s();
  fn(ctx, 0, n);
  pthread_barrier_wait(&t.bar);
  double dt = now_s() - t0;
  for (int i = 1; i < n; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&t.bar);
  sched_setaffinity(0, sizeof saved, &saved);
  return dt;
}

/* ------------------------------------------------------------ FMA peak */

typedef float (*FmaFn)(int64_t iters);
typedef struct {
  const char *name, *desc;
  FmaFn fn;
  int flops_per_iter;
  int usable; /* the CPU and the kernel support it, and it was compiled in */
} Isa;

typedef struct {
  FmaFn fn;
  int64_t iters;
  volatile float sink;
} FmaCtx;

static void fma_work(void *ctx, int tid, int n) {
  FmaCtx *c = ctx;
  (void)tid, (void)n;
  float r = c->fn(c->iters);
  c->sink = r; /* a racy store of a value nobody reads: keeps the work */
}

static Isa isa_avx2(void) {
  Isa i = {"avx2", "AVX2 ymm", NULL, 0, 0};
#if PEAK_HAVE_AVX2
  i.fn = peak_fma_avx2, i.flops_per_iter = PEAK_AVX2_FLOPS_PER_ITER;
  i.usable = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return i;
}

static Isa isa_avx512(void) {
  Isa i = {"avx512", "AVX-512 zmm", NULL, 0, 0};
#if PEAK_HAVE_AVX512
  i.fn = peak_fma_avx512, i.flops_per_iter = PEAK_AVX512_FLOPS_PER_ITER;
  i.usable = __builtin_cpu_supports("avx512f");
#endif
  return i;
}

/* Iterations for one thread to run about `seconds`. */
static int64_t calibrate(FmaFn fn, double seconds) {
  int64_t iters = 1 << 16;
  for (;;) {
    double t = now_s();
    fn(iters);
    t = now_s() - t;
    if (t > 0.02 || iters > ((int64_t)1 << 40)) return (int64_t)((double)iters * seconds / t) + 1;
    iters *= 4;
  }
}

/* The GFLOP/s of `reps` runs of the kernel on n threads. */
static Stat fma_gflops(const Isa *isa, int64_t iters, int n, int reps) {
  FmaCtx c = {isa->fn, iters, 0};
  double r[1000];
  team_run(n, fma_work, &c); /* warm-up: clocks up, pages in */
  for (int k = 0; k < reps; k++)
    r[k] = (double)n * (double)iters * isa->flops_per_iter / team_run(n, fma_work, &c) / 1e9;
  return stat_of(r, reps);
}

/* ------------------------------------------------------------ STREAM */

enum { COPY, SCALE, ADD, TRIAD, NKERNELS };
static const char *const kernel_names[NKERNELS] = {"copy", "scale", "add", "triad"};
static const int kernel_words[NKERNELS] = {2, 2, 3, 3}; /* STREAM's counting */

typedef struct {
  double *a, *b, *c;
  size_t len;
  int kernel; /* -1: first-touch initialization */
} StreamCtx;

static void stream_work(void *ctx, int tid, int n) {
  StreamCtx *s = ctx;
  size_t lo = s->len * (size_t)tid / (size_t)n, hi = s->len * (size_t)(tid + 1) / (size_t)n;
  double *restrict a = s->a, *restrict b = s->b, *restrict c = s->c;
  const double q = 3.0;
  switch (s->kernel) {
  case COPY: for (size_t i = lo; i < hi; i++) c[i] = a[i]; break;
  case SCALE: for (size_t i = lo; i < hi; i++) b[i] = q * c[i]; break;
  case ADD: for (size_t i = lo; i < hi; i++) c[i] = a[i] + b[i]; break;
  case TRIAD: for (size_t i = lo; i < hi; i++) a[i] = b[i] + q * c[i]; break;
  default:
    for (size_t i = lo; i < hi; i++) a[i] = 1.0, b[i] = 2.0, c[i] = 0.0;
  }
}

/* The GB/s (10^9 bytes, STREAM's words moved, no write-allocate) of `reps`
 * runs of each kernel on n threads, into gbps[kernel]. */
static void stream_gbps(StreamCtx *s, int n, int reps, Stat gbps[NKERNELS]) {
  double r[NKERNELS][1000];
  for (int k = 0; k < reps; k++)
    for (int j = 0; j < NKERNELS; j++) {
      s->kernel = j;
      double t = team_run(n, stream_work, s);
      r[j][k] = (double)kernel_words[j] * sizeof(double) * (double)s->len / t / 1e9;
    }
  for (int j = 0; j < NKERNELS; j++) gbps[j] = stat_of(r[j], reps);
}

/* ------------------------------------------------------------ report */

typedef struct {
  char cpu[256];
  long llc, mib;
  int nthreads[2], ncols; /* 1 and N (one column when N is 1) */
  Isa isa[2];
  Stat fma[2][2];                /* [isa][column], 0 when not measured */
  Stat stream[NKERNELS][2];      /* [kernel][column] */
  double peak[2], bandwidth[2];  /* the best ISA, the best kernel */
  const char *peak_isa;
} Results;

static void print_table(const Results *r, int reps) {
  printf("bench/peak: %s, %d CPUs, LLC %ld MiB; medians of %d\n", r->cpu, cpus_allowed(),
         r->llc >> 20, reps);
  printf("%-34s", "fp32 FMA peak, GFLOP/s");
  for (int c = 0; c < r->ncols; c++) printf("  %5d thr", r->nthreads[c]);
  printf("\n");
  for (int i = 0; i < 2; i++) {
    printf("  %-32s", r->isa[i].desc);
    for (int c = 0; c < r->ncols; c++)
      r->isa[i].usable ? printf("  %9.1f", r->fma[i][c].med) : printf("  %9s", "n/a");
    printf("\n");
  }
  printf("memory bandwidth, GB/s (STREAM)\n");
  for (int j = 0; j < NKERNELS; j++) {
    printf("  %-32s", kernel_names[j]);
    for (int c = 0; c < r->ncols; c++) printf("  %9.1f", r->stream[j][c].med);
    printf("\n");
  }
  printf("peak (%s):", r->peak_isa);
  for (int c = 0; c < r->ncols; c++) printf(" %.1f GFLOP/s on %d thr;", r->peak[c], r->nthreads[c]);
  printf("\nbandwidth (best kernel):");
  for (int c = 0; c < r->ncols; c++)
    printf(" %.1f GB/s on %d thr;", r->bandwidth[c], r->nthreads[c]);
  printf("\nSTREAM arrays: 3 x %ld MiB\n", r->mib);
}

static void json_by_threads(const Results *r, const double v[2]) {
  printf("{");
  for (int c = 0; c < r->ncols; c++) printf("%s\"%d\": %.3f", c ? ", " : "", r->nthreads[c], v[c]);
  printf("}");
}

/* {"median": {"1": .., "N": ..}, "max": {...}} */
static void json_stats(const Results *r, const Stat s[2]) {
  double med[2] = {s[0].med, s[1].med}, max[2] = {s[0].max, s[1].max};
  printf("{\"median\": ");
  json_by_threads(r, med);
  printf(", \"max\": ");
  json_by_threads(r, max);
  printf("}");
}

static void print_json(const Results *r, int reps) {
  printf("{\"tool\": \"bench/peak\", \"cpu\": \"%s\", \"cpus\": %d, \"llc_bytes\": %ld,\n",
         r->cpu, cpus_allowed(), r->llc);
  printf(" \"reps\": %d, \"stream_mib\": %ld, \"threads\": [", reps, r->mib);
  for (int c = 0; c < r->ncols; c++) printf("%s%d", c ? ", " : "", r->nthreads[c]);
  printf("],\n \"fma_gflops\": {");
  for (int i = 0, first = 1; i < 2; i++) {
    if (!r->isa[i].usable) continue;
    printf("%s\n  \"%s\": ", first ? "" : ",", r->isa[i].name), first = 0;
    json_stats(r, r->fma[i]);
  }
  printf("},\n \"stream_gbps\": {");
  for (int j = 0; j < NKERNELS; j++) {
    printf("%s\n  \"%s\": ", j ? "," : "", kernel_names[j]);
    json_stats(r, r->stream[j]);
  }
  printf("},\n \"peak_isa\": \"%s\", \"peak_gflops\": ", r->peak_isa);
  json_by_threads(r, r->peak);
  printf(",\n \"bandwidth_gbps\": ");
  json_by_threads(r, r->bandwidth);
  printf("}\n");
}

/* ------------------------------------------------------------ main */

static void measure_fma(Results *r, const Opts *o) {
  r->peak_isa = "none";
  for (int i = 0; i < 2; i++) {
    if (!r->isa[i].usable) continue;
    int64_t iters = calibrate(r->isa[i].fn, o->seconds);
    for (int c = 0; c < r->ncols; c++) {
      r->fma[i][c] = fma_gflops(&r->isa[i], iters, r->nthreads[c], o->reps);
      if (r->fma[i][c].med > r->peak[c])
        r->peak[c] = r->fma[i][c].med, r->peak_isa = r->isa[i].name;
    }
  }
}

static void measure_stream(Results *r, const Opts *o) {
  StreamCtx s = {0};
  s.len = (size_t)r->mib * 1024 * 1024 / sizeof(double);
  if (posix_memalign((void **)&s.a, 4096, s.len * sizeof(double)) ||
      posix_memalign((void **)&s.b, 4096, s.len * sizeof(double)) ||
      posix_memalign((void **)&s.c, 4096, s.len * sizeof(double)))
    fprintf(stderr, "peak: cannot allocate 3 x %ld MiB (try --mib)\n", r->mib), exit(1);
  s.kernel = -1;
  team_run(r->nthreads[r->ncols - 1], stream_work, &s); /* first touch, N threads */
  for (int c = 0; c < r->ncols; c++) {
    Stat g[NKERNELS];
    stream_gbps(&s, r->nthreads[c], o->reps, g);
    for (int j = 0; j < NKERNELS; j++) {
      r->stream[j][c] = g[j];
      if (g[j].med > r->bandwidth[c]) r->bandwidth[c] = g[j].med;
    }
  }
  free(s.a), free(s.b), free(s.c);
}

int main(int argc, char **argv) {
  Opts o = parse_opts(argc, argv);
  Results r = {.isa = {isa_avx2(), isa_avx512()}};
  cpu_name(r.cpu, sizeof r.cpu);
  r.llc = llc_bytes();
  r.mib = o.mib ? o.mib : (4 * r.llc >> 20) > 256 ? 4 * r.llc >> 20 : 256;
  r.nthreads[0] = 1, r.nthreads[1] = o.threads, r.ncols = o.threads > 1 ? 2 : 1;
  measure_fma(&r, &o);
  measure_stream(&r, &o);
  o.json ? print_json(&r, o.reps) : print_table(&r, o.reps);
  return 0;
}
