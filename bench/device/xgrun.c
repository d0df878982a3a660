/* xgrun.c -- runs a compiled model (`xgc build`, CPU or --target=opencl)
 * through xg.h, as an application would: checks its outputs against
 * expected .npy files and times the median latency on each thread count
 * (one JSON line per count), or runs it a given number of times on one load
 * (--runs) and writes its outputs (-o).  The runner of both device kits:
 * the CPU benchmark's (bench/device/, docs/benchmarks.md) and the OpenCL
 * kit's (tests/opencl/make-kit.sh, docs/opencl.md). */
#include "bench/device/xgrun_weights.h"
#include "runtime/rt.h"
#include "runtime/xg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
  MAX_TENSORS = 64,    /* inputs or expectations named on the command line */
  MAX_COUNTS = 16,     /* thread counts of --threads */
  MAX_RUNS = 1000,     /* timed runs behind one median */
  MIN_WARMUP = 3       /* warm-up runs, and at least 0.2 s of them */
};

typedef struct Named {
  const char *name, *path;
} Named;

typedef struct Opts {
  const char *lib, *weights, *name, *tol;
  Named in[MAX_TENSORS], expect[MAX_TENSORS], out[MAX_TENSORS];
  int nin, nexpect, nout;
  int threads[MAX_COUNTS], nthreads;
  int reps, json, timing_opts; /* timing_opts: --reps or --seconds given */
  int runs, time, info;        /* --runs N (0: the timing protocol), --time, --info */
  double seconds;
  unsigned long long seed, seed_w;
  int rand_w; /* --random-weights seed_w */
} Opts;

/* The tensors of one model's signature, in order: data the run reads
 * (inputs) or writes (outputs), and the expected outputs. */
typedef struct Io {
  int nin, nout;
  RtTensor in[MAX_TENSORS], want[MAX_TENSORS];
  void *out[MAX_TENSORS];
  int has_want[MAX_TENSORS];
  double rtol[MAX_TENSORS], atol[MAX_TENSORS];
} Io;

static int usage(void) {
  fprintf(stderr,
          "usage: xgrun MODEL.so [--weights W.safetensors | --random-weights SEED]\n"
          "             [--input NAME=X.npy]... [--seed N | --random-inputs N]\n"
          "             [--expect NAME=Y.npy]... [--tol FILE]\n"
          "             [-o NAME=Y.npy]... [--info] [--name NAME]\n"
          "             [--threads 1,N] [--reps R] [--seconds S] [--json] | [--runs N [--time]]\n"
          "  inputs not given take xgc's random fill of --seed (1), as `xgc bench` and\n"
          "  `xgc run --random-inputs N` (the same option); --random-weights SEED: those of\n"
          "  `xgc run --random-weights SEED`; --tol FILE: lines 'OUTPUT RTOL ATOL'\n"
          "  (tests/examples/data/NAME.tol), one for each --expect; an element passes when\n"
          "  |got - want| <= ATOL + RTOL |want|; -o writes an output after the last run;\n"
          "  --info prints the device (xg_model_device).  --runs N: N runs on one load (one\n"
          "  thread count), no warm-up; --time prints the median of the runs after the\n"
          "  first, from writing the inputs to reading the outputs.\n"
          "  Exit status: 0, 1 when an output is wrong, 2 for bad usage, 3 when a load or\n"
          "  a run fails.\n");
  return 2;
}

static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("xgrun: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return -1;
}

/* ------------------------------------------------------------ arguments */

static int parse_named(const char *opt, const char *arg, Named *list, int *n) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !eq[1]) return fail("%s takes NAME=FILE, not '%s'", opt, arg);
  if (*n == MAX_TENSORS) return fail("more than %d %s options", MAX_TENSORS, opt);
  size_t len = (size_t)(eq - arg);
  char *name = malloc(len + 1);
  if (!name) return fail("out of memory");
  memcpy(name, arg, len);
  name[len] = 0;
  list[*n].name = name;
  list[(*n)++].path = eq + 1;
  return 0;
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (!*s || *end || errno || v < lo || v > hi)
    return fail("%s: '%s' is not an integer from %ld to %ld", opt, s, lo, hi);
  *out = v;
  return 0;
}

static int parse_threads(const char *s, Opts *o) {
  char buf[256];
  if (strlen(s) >= sizeof buf) return fail("--threads: '%s' is too long", s);
  strcpy(buf, s);
  o->nthreads = 0;
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    long v;
    if (o->nthreads == MAX_COUNTS) return fail("--threads: more than %d counts", MAX_COUNTS);
    if (parse_long("--threads", t, 1, RT_MAX_THREADS, &v)) return -1;
    o->threads[o->nthreads++] = (int)v;
  }
  return o->nthreads ? 0 : fail("--threads: no count in '%s'", s);
}

/* 1 and the CPUs this process may use (rt_pool_threads), or just 1. */
static int default_threads(Opts *o) {
  char err[256];
  int n;
  if (rt_pool_threads(0, &n, err, sizeof err)) return fail("%s", err);
  o->threads[0] = 1;
  o->threads[1] = n;
  o->nthreads = n > 1 ? 2 : 1;
  return 0;
}

/* The value of option argv[*i] (the next word); NULL after a message. */
static const char *value(int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    fail("%s needs a value", argv[*i]);
    return NULL;
  }
  return argv[++*i];
}

static int parse_opt(int argc, char **argv, int *i, Opts *o) {
  const char *s = argv[*i], *v = value(argc, argv, i);
  long n;
  if (!v) return -1;
  if (!strcmp(s, "--weights")) o->weights = v;
  else if (!strcmp(s, "-o")) return parse_named(s, v, o->out, &o->nout);
  else if (!strcmp(s, "--name")) o->name = v;
  else if (!strcmp(s, "--tol")) o->tol = v;
  else if (!strcmp(s, "--input")) return parse_named(s, v, o->in, &o->nin);
  else if (!strcmp(s, "--expect")) return parse_named(s, v, o->expect, &o->nexpect);
  else if (!strcmp(s, "--threads")) return parse_threads(v, o);
  else if (!strcmp(s, "--reps")) {
    if (parse_long(s, v, 1, MAX_RUNS, &n)) return -1;
    o->reps = (int)n;
    o->timing_opts = 1;
  } else if (!strcmp(s, "--runs")) {
    if (parse_long(s, v, 1, MAX_RUNS, &n)) return -1;
    o->runs = (int)n;
  } else if (!strcmp(s, "--seed") || !strcmp(s, "--random-inputs")) {
    if (parse_long(s, v, 0, 1L << 30, &n)) return -1;
    o->seed = (unsigned long long)n;
  } else if (!strcmp(s, "--random-weights")) {
    if (parse_long(s, v, 0, 1L << 30, &n)) return -1;
    o->seed_w = (unsigned long long)n;
    o->rand_w = 1;
  } else if (!strcmp(s, "--seconds")) {
    char *end;
    o->timing_opts = 1;
    o->seconds = strtod(v, &end);
    if (*end || !(o->seconds >= 0 && o->seconds <= 600))
      return fail("--seconds: '%s' is not a time from 0 to 600", v);
  } else {
    return fail("unknown option '%s'", s);
  }
  return 0;
}

static int parse_args(int argc, char **argv, Opts *o) {
  memset(o, 0, sizeof *o);
  o->reps = 10;
  o->seconds = 1.0;
  o->seed = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) o->json = 1;
    else if (!strcmp(argv[i], "--time")) o->time = 1;
    else if (!strcmp(argv[i], "--info")) o->info = 1;
    else if (!strcmp(argv[i], "--help")) return -1;
    else if (argv[i][0] == '-') {
      if (parse_opt(argc, argv, &i, o)) return -1;
    } else if (o->lib) return fail("one model library only ('%s' and '%s')", o->lib, argv[i]);
    else o->lib = argv[i];
  }
  if (!o->lib) return fail("no model library given");
  if (o->nexpect && !o->tol) return fail("--expect needs --tol FILE (the tolerances)");
  if (o->weights && o->rand_w) return fail("--weights and --random-weights exclude each other");
  if (o->time && o->runs < 2)
    return fail("--time needs --runs N with N >= 2 (the median of the runs after the first)");
  if (o->runs && (o->json || o->timing_opts))
    return fail("--runs N runs exactly N times: it takes no --json, --reps or --seconds");
  if (o->runs && o->nthreads > 1) return fail("--runs N takes one thread count");
  if (o->runs && !o->nthreads) o->threads[o->nthreads++] = 0; /* the runtime's default */
  return o->nthreads ? 0 : default_threads(o);
}

/* ------------------------------------------------------------ tensors */

static int same_shape(const RtTensor *t, const xg_tensor_info *info) {
  if ((int)t->dtype != (int)info->dtype || t->rank != info->rank) return 0;
  for (int d = 0; d < t->rank; d++)
    if (t->shape[d] != info->shape[d]) return 0;
  return 1;
}

/* "f32 [3, 16]" into buf. */
static const char *type_str(char *buf, size_t len, RtDType dt, int rank, const int64_t *shape) {
  size_t n = (size_t)snprintf(buf, len, "%s [", rt_dtype_name(dt));
  for (int d = 0; d < rank && n < len; d++)
    n += (size_t)snprintf(buf + n, len - n, "%s%lld", d ? ", " : "", (long long)shape[d]);
  if (n < len) snprintf(buf + n, len - n, "]");
  return buf;
}

/* Reads path into t and checks it against info (what = "input"/"output"). */
static int read_npy(const char *path, const xg_tensor_info *info, const char *what, RtTensor *t) {
  char err[512], a[256], b[256];
  if (rt_npy_read(path, t, err, sizeof err)) return fail("%s", err);
  if (!same_shape(t, info))
    return fail("%s: holds %s, the model's %s '%s' is %s", path,
                type_str(a, sizeof a, t->dtype, t->rank, t->shape), what, info->name,
                type_str(b, sizeof b, (RtDType)info->dtype, info->rank, info->shape));
  return 0;
}

static const char *find(const Named *list, int n, const char *name, int *used) {
  for (int i = 0; i < n; i++)
    if (!strcmp(list[i].name, name)) {
      used[i] = 1;
      return list[i].path;
    }
  return NULL;
}

/* The model's inputs: the named .npy files, xgc's random fill otherwise. */
static int make_inputs(xg_model *m, const Opts *o, Io *io, int *used) {
  for (int i = 0; i < io->nin; i++) {
    xg_tensor_info info;
    char err[256];
    if (xg_model_input(m, i, &info) != XG_OK) return fail("%s", xg_last_error());
    const char *path = find(o->in, o->nin, info.name, used);
    if (path) {
      if (read_npy(path, &info, "input", &io->in[i])) return -1;
      continue;
    }
    if (rt_tensor_alloc(&io->in[i], (RtDType)info.dtype, info.rank, info.shape, err, sizeof err))
      return fail("input '%s': %s", info.name, err);
    rt_fill_random(&io->in[i], o->seed, info.name);
  }
  return 0;
}

/* rtol and atol of output `name` from the --tol file; -1 if absent. */
static int read_tol(const char *file, const char *name, double *rtol, double *atol) {
  FILE *f = fopen(file, "r");
  if (!f) return fail("%s: %s", file, strerror(errno));
  char line[512], n[256];
  int found = 0;
  while (!found && fgets(line, sizeof line, f))
    found = line[0] != '#' && sscanf(line, "%255s %lf %lf", n, rtol, atol) == 3 && !strcmp(n, name);
  fclose(f);
  return found ? 0 : fail("%s: no tolerance for output '%s'", file, name);
}

static int make_outputs(xg_model *m, const Opts *o, Io *io, int *used) {
  for (int i = 0; i < io->nout; i++) {
    xg_tensor_info info;
    if (xg_model_output(m, i, &info) != XG_OK) return fail("%s", xg_last_error());
    if (!(io->out[i] = calloc(1, info.nbytes ? info.nbytes : 1)))
      return fail("out of memory for output '%s'", info.name);
    const char *path = find(o->expect, o->nexpect, info.name, used);
    if (!path) continue;
    io->has_want[i] = 1;
    if (read_npy(path, &info, "output", &io->want[i]) ||
        read_tol(o->tol, info.name, &io->rtol[i], &io->atol[i]))
      return -1;
  }
  return 0;
}

static int unused(const Named *list, int n, const int *used, const char *what) {
  for (int i = 0; i < n; i++)
    if (!used[i]) return fail("the model has no %s called '%s'", what, list[i].name);
  return 0;
}

/* Everything the runs need, from the first load (m). */
static int make_io(xg_model *m, const Opts *o, Io *io) {
  int used_in[MAX_TENSORS] = {0}, used_out[MAX_TENSORS] = {0};
  io->nin = xg_model_num_inputs(m);
  io->nout = xg_model_num_outputs(m);
  if (io->nin > MAX_TENSORS || io->nout > MAX_TENSORS)
    return fail("%s: more than %d inputs or outputs", o->lib, MAX_TENSORS);
  if (make_inputs(m, o, io, used_in) || make_outputs(m, o, io, used_out)) return -1;
  for (int i = 0; i < o->nout; i++) {
    int found = 0;
    for (int k = 0; k < io->nout && !found; k++) {
      xg_tensor_info info;
      found = xg_model_output(m, k, &info) == XG_OK && !strcmp(info.name, o->out[i].name);
    }
    if (!found) return fail("the model has no output called '%s' (-o)", o->out[i].name);
  }
  return unused(o->in, o->nin, used_in, "input") ||
         unused(o->expect, o->nexpect, used_out, "output");
}

static void free_io(Io *io) {
  for (int i = 0; i < io->nin; i++) rt_tensor_free(&io->in[i]);
  for (int i = 0; i < io->nout; i++) {
    free(io->out[i]);
    if (io->has_want[i]) rt_tensor_free(&io->want[i]);
  }
}

/* ------------------------------------------------------------ checks */

typedef struct Check {
  long long bad;
  double max_err, max_want;
} Check;

/* Element-wise test of f32 outputs (NaN never passes); other types must be
 * equal bytes, element by element. */
static Check compare(const void *got, const RtTensor *want, double rtol, double atol) {
  Check c = {0, 0, 0};
  int64_t n = rt_tensor_elems(want);
  if (want->dtype != RT_F32) {
    size_t size = rt_dtype_size(want->dtype);
    for (int64_t i = 0; i < n; i++)
      c.bad += memcmp((const char *)got + i * size, (const char *)want->data + i * size, size) != 0;
    return c;
  }
  const float *g = got, *w = want->data;
  for (int64_t i = 0; i < n; i++) {
    double e = fabs((double)g[i] - (double)w[i]), aw = fabs((double)w[i]);
    if (!(e <= atol + rtol * aw)) c.bad++;
    if (!(e <= c.max_err)) c.max_err = e; /* NaN sticks */
    if (aw > c.max_want) c.max_want = aw;
  }
  return c;
}

/* Checks every expected output; prints the "check" member (JSON) or lines.
 * Returns the number of wrong outputs. */
static int check_outputs(xg_model *m, const Io *io, int json) {
  int wrong = 0, first = 1;
  for (int i = 0; i < io->nout; i++) {
    if (!io->has_want[i]) continue;
    xg_tensor_info info;
    xg_model_output(m, i, &info);
    Check c = compare(io->out[i], &io->want[i], io->rtol[i], io->atol[i]);
    wrong += c.bad != 0;
    double of_max = c.max_want > 0 ? c.max_err / c.max_want : c.max_err;
    if (json)
      printf("%s\"%s\": {\"ok\": %s, \"bad\": %lld, \"max_abs_err\": %.6g, \"of_max\": %.6g, "
             "\"rtol\": %g, \"atol\": %g}",
             first ? "" : ", ", info.name, c.bad ? "false" : "true", c.bad, c.max_err, of_max,
             io->rtol[i], io->atol[i]);
    else
      printf("  %s: %s: %lld of %lld elements out of tolerance, max abs error %.3g "
             "(%.3g of max |want|; rtol %g, atol %g)\n",
             info.name, c.bad ? "WRONG" : "ok", c.bad, (long long)rt_tensor_elems(&io->want[i]),
             c.max_err, of_max, io->rtol[i], io->atol[i]);
    first = 0;
  }
  return wrong;
}

/* ------------------------------------------------------------ timing */

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct Timing {
  double load, first, median, min, max;
  int runs, warmup;
} Timing;

static int run_once(xg_model *m, const Io *io, double *secs) {
  const void *in[MAX_TENSORS];
  for (int i = 0; i < io->nin; i++) in[i] = io->in[i].data;
  double t0 = now_s();
  if (xg_model_run(m, in, io->out) != XG_OK) return fail("%s", xg_last_error());
  *secs = now_s() - t0;
  return 0;
}

/* Warm-up (MIN_WARMUP runs and 0.2 s), then max(reps, seconds / run) runs,
 * at most MAX_RUNS (5 when one run takes longer than `seconds`); the
 * median, min and max of those.  bench/timing.py times the peers alike. */
static int time_runs(xg_model *m, const Io *io, const Opts *o, Timing *t) {
  static double ts[MAX_RUNS];
  double one = 0, spent = 0;
  for (t->warmup = 0; t->warmup < MIN_WARMUP || spent < 0.2; t->warmup++) {
    if (run_once(m, io, &one)) return -1;
    spent += one;
  }
  double want = one > 0 ? o->seconds / one : MAX_RUNS;
  int n = want > MAX_RUNS ? MAX_RUNS : (int)want;
  int least = one <= o->seconds ? o->reps : 5;
  n = n < least ? least : n;
  for (int i = 0; i < n; i++)
    if (run_once(m, io, &ts[i])) return -1;
  qsort(ts, (size_t)n, sizeof *ts, cmp_double);
  t->median = n % 2 ? ts[n / 2] : (ts[n / 2 - 1] + ts[n / 2]) / 2;
  t->min = ts[0];
  t->max = ts[n - 1];
  t->runs = n;
  return 0;
}

/* ------------------------------------------------------------ output */

static void print_error(const Opts *o, int threads, const char *msg) {
  if (!o->json) return;
  printf("{\"example\": ");
  rt_json_string(stdout, o->name);
  printf(", \"threads\": %d, \"error\": ", threads);
  rt_json_string(stdout, msg);
  printf("}\n");
  fflush(stdout);
}

static void print_head(const Opts *o, int threads, const Timing *t) {
  if (!o->json) {
    printf("%s, %d thread%s: load %.3f ms, first run %.3f ms\n", o->name, threads,
           threads == 1 ? "" : "s", t->load * 1e3, t->first * 1e3);
    return;
  }
  printf("{\"example\": ");
  rt_json_string(stdout, o->name);
  printf(", \"threads\": %d, \"check\": {", threads);
}

static void print_timing(const Opts *o, const Timing *t) {
  if (!o->json) {
    printf("  latency: median %.4f ms, min %.4f ms, max %.4f ms (%d runs after %d warm-up)\n",
           t->median * 1e3, t->min * 1e3, t->max * 1e3, t->runs, t->warmup);
    return;
  }
  printf("}, \"result\": {\"median_ms\": %.6f, \"min_ms\": %.6f, \"max_ms\": %.6f, \"runs\": %d, "
         "\"warmup\": %d, \"load_ms\": %.4f, \"first_run_ms\": %.4f}}\n",
         t->median * 1e3, t->min * 1e3, t->max * 1e3, t->runs, t->warmup, t->load * 1e3,
         t->first * 1e3);
  fflush(stdout);
}

/* ------------------------------------------------------------ -o, --info */

/* Writes the outputs named by -o (the last run's). */
static int write_outputs(xg_model *m, const Opts *o, const Io *io) {
  for (int i = 0; i < io->nout; i++) {
    xg_tensor_info info;
    char err[512];
    if (xg_model_output(m, i, &info) != XG_OK) return fail("%s", xg_last_error());
    for (int k = 0; k < o->nout; k++) {
      if (strcmp(o->out[k].name, info.name)) continue;
      RtTensor t = {.dtype = (RtDType)info.dtype, .rank = info.rank, .data = io->out[i],
                    .nbytes = info.nbytes};
      for (int d = 0; d < info.rank; d++) t.shape[d] = info.shape[d];
      if (rt_npy_write(o->out[k].path, &t, err, sizeof err)) return fail("%s", err);
    }
  }
  return 0;
}

/* --info: the OpenCL device of the runtime (xg_model_device), or the CPU's
 * thread count. */
static int print_info(xg_model *m, int threads) {
  const char *platform, *device, *driver;
  if (xg_model_num_launches(m) == 0) { /* a CPU model */
    char err[256];
    int n;
    if (rt_pool_threads(threads, &n, err, sizeof err)) return fail("%s", err);
    printf("device: the host's CPUs (a CPU model), %d thread%s\n", n, n == 1 ? "" : "s");
  } else {
    if (xg_model_device(m, &platform, &device, &driver) != XG_OK)
      return fail("%s", xg_last_error());
    printf("platform: %s; device: %s; driver %s\n", platform, device, driver);
  }
  fflush(stdout);
  return 0;
}

/* ------------------------------------------------------------ --runs */

/* --runs N: one load, N runs (the first one runs an OpenCL model's `once`
 * launches and, on a fresh kernel-binary cache, what the driver compiles
 * lazily), the outputs of the last run checked and written; with --time
 * the median of runs 2..N, each from writing the inputs to reading the
 * outputs (xg_model_run).  Returns 0, 1 when an output is wrong, 3 when
 * the load or a run fails. */
static int fixed_runs(const Opts *o, const char *weights, Io *io, int *have_io) {
  static double ts[MAX_RUNS];
  xg_options opts = {.threads = o->threads[0]};
  xg_model *m;
  if (xg_model_load(o->lib, weights, &opts, &m) != XG_OK) return fail("%s", xg_last_error()), 3;
  int rc = 3;
  if ((o->info && print_info(m, o->threads[0])) || make_io(m, o, io)) goto out;
  *have_io = 1;
  for (int r = 0; r < o->runs; r++)
    if (run_once(m, io, &ts[r])) goto out;
  rc = check_outputs(m, io, 0) ? 1 : 0;
  if (write_outputs(m, o, io)) {
    rc = 3;
    goto out;
  }
  if (o->time) {
    int n = o->runs - 1;
    int launches = xg_model_num_launches(m);
    qsort(ts + 1, (size_t)n, sizeof *ts, cmp_double);
    double med = n % 2 ? ts[1 + n / 2] : (ts[n / 2] + ts[1 + n / 2]) / 2;
    printf("%s: median %.4f ms over %d runs (first run %.4f ms)", o->name, med * 1e3, n,
           ts[0] * 1e3);
    if (launches > 0) printf(", %d launches", launches);
    printf("\n");
  }
out:
  xg_model_free(m);
  return rc;
}

/* ------------------------------------------------------------ main */

/* One thread count: load, first run and check, timed runs.  Returns 0, 1
 * when an output is wrong, 3 when the load or a run fails. */
static int one_count(const Opts *o, const char *weights, Io *io, int *have_io, int threads) {
  xg_options opts = {.threads = threads};
  xg_model *m;
  Timing t = {0};
  double t0 = now_s();
  if (xg_model_load(o->lib, weights, &opts, &m) != XG_OK) {
    fail("%s", xg_last_error());
    print_error(o, threads, xg_last_error());
    return 3;
  }
  t.load = now_s() - t0;
  if (o->info && print_info(m, threads)) {
    xg_model_free(m);
    print_error(o, threads, xg_last_error());
    return 3;
  }
  if (!*have_io) {
    if (make_io(m, o, io)) {
      xg_model_free(m);
      print_error(o, threads, "bad inputs or expectations (see stderr)");
      return 3;
    }
    *have_io = 1;
  }
  if (run_once(m, io, &t.first)) {
    xg_model_free(m);
    print_error(o, threads, xg_last_error());
    return 3;
  }
  print_head(o, threads, &t);
  int wrong = check_outputs(m, io, o->json);
  int rc = time_runs(m, io, o, &t) || write_outputs(m, o, io) ? 3 : wrong ? 1 : 0;
  if (rc == 3) printf(o->json ? "}, \"error\": \"a timed run failed\"}\n" : "  a run failed\n");
  else print_timing(o, &t);
  xg_model_free(m);
  return rc;
}

static const char *stem(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strlen(base);
  if (len > 3 && !strcmp(base + len - 3, ".so")) len -= 3;
  char *s = malloc(len + 1);
  if (!s) return base;
  memcpy(s, base, len);
  s[len] = 0;
  return s;
}

int main(int argc, char **argv) {
  static Opts o;
  static Io io;
  if (parse_args(argc, argv, &o)) return usage();
  if (!o.name) o.name = stem(o.lib);
  const char *weights = o.weights;
  char *temp = NULL, err[512];
  if (o.rand_w && !(weights = temp = xgrun_random_weights(o.lib, o.seed_w, err, sizeof err)) &&
      err[0])
    return fail("--random-weights: %s", err), 3;
  int have_io = 0, rc = 0;
  if (o.runs) {
    rc = fixed_runs(&o, weights, &io, &have_io);
  } else {
    for (int i = 0; i < o.nthreads; i++) {
      int r = one_count(&o, weights, &io, &have_io, o.threads[i]);
      rc = r > rc ? r : rc;
      if (r == 3 && !have_io) break; /* nothing to run on */
    }
  }
  if (have_io) free_io(&io);
  if (temp) unlink(temp), free(temp);
  return rc;
}
