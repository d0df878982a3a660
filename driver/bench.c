/* driver/bench.c -- `xgc bench FILE [--model NAME] [--threads N] [--runs N]
 * [--warmup N] [--json] [--profile]`: compiles a model, loads it with
 * pseudo-random weights, runs it on pseudo-random inputs, and prints the
 * median, min and max latency after warm-up, GFLOP/s (lower_node_flops)
 * and the peak of the memory plan; --profile adds each kernel launch's
 * device time (OpenCL models).  docs/cpu.md, docs/opencl-runtime.md. */
#include "driver/driver.h"
#include "runtime/rt.h"
#include "runtime/xg.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct BenchOpts {
  const char *file, *model;
  int threads, runs, warmup, json, profile;
  FrontOpts fo;
} BenchOpts;

/* --profile: one launch's device time, summed over the timed runs. */
typedef struct LaunchTime {
  int index;
  const char *kernel, *what;
  double total_ms;
  int runs; /* timed runs it ran in (a once launch: at most one) */
} LaunchTime;

typedef struct Profile {
  LaunchTime *t;
  int n;
} Profile;

static int bench_parse(int argc, char **argv, BenchOpts *o, Arena *a) {
  memset(o, 0, sizeof *o);
  front_opts_init(&o->fo);
  o->runs = 30;
  o->warmup = 3;
  for (int i = 2; i < argc; i++) {
    const char *s = argv[i], *v;
    int rc;
    long n;
    if (is_opt(s, "--model")) {
      if (!(o->model = opt_value(argc, argv, &i, "--model"))) return 2;
    } else if (is_opt(s, "--threads") || is_opt(s, "--runs") || is_opt(s, "--warmup")) {
      const char *name = is_opt(s, "--threads") ? "--threads"
                         : is_opt(s, "--runs")  ? "--runs"
                                                : "--warmup";
      if (!(v = opt_value(argc, argv, &i, name)) || (n = opt_count(name, v, 1000000)) < 0) return 2;
      *(name[2] == 't' ? &o->threads : name[2] == 'r' ? &o->runs : &o->warmup) = (int)n;
    } else if (!strcmp(s, "--json")) {
      o->json = 1;
    } else if (!strcmp(s, "--profile")) {
      o->profile = 1;
    } else if (front_opt(argc, argv, &i, &o->fo, a, &rc)) {
      if (rc) return rc;
    } else if (s[0] == '-' && s[1]) {
      return usage_error("unknown option '%s' for 'xgc bench'", s);
    } else if (o->file) {
      return usage_error("'xgc bench' takes one file ('%s' and '%s' given)", o->file, s);
    } else {
      o->file = s;
    }
  }
  if (!o->file) return usage_error("%s", "'xgc bench' needs a file");
  return 0;
}

/* Pseudo-random tensors (seed 1) for the buffers ids, shaped like trained
 * weights when `weights` (rt_fill_random_weight); the caller frees. */
static int random_tensors(Pipeline *pl, const int *ids, int n, RtTensor *out, int weights) {
  for (int i = 0; i < n; i++) {
    const LoopBuf *b = pl->p->bufs[ids[i]];
    char err[256];
    static const RtDType dt[ELEM__COUNT] = {[ELEM_F32] = RT_F32,
                                            [ELEM_F16] = RT_F16,
                                            [ELEM_I32] = RT_I32,
                                            [ELEM_I8] = RT_I8,
                                            [ELEM_BOOL] = RT_BOOL};
    if (rt_tensor_alloc(&out[i], dt[b->elem], b->rank, b->shape, err, sizeof err)) {
      diag_plain(&pl->f.diag, DIAG_ERROR, "%s: %s", b->name, err);
      return -1;
    }
    if (weights) rt_fill_random_weight(&out[i], 1, b->name);
    else rt_fill_random(&out[i], 1, b->name);
  }
  return 0;
}

static const char *bench_weights(Pipeline *pl, RtTensor *w) {
  const LoopProgram *p = pl->p;
  if (p->nweights == 0) return NULL;
  const char *path = pipeline_temp(pl, "weights.safetensors");
  const char **names = arena_alloc(&pl->f.arena, sizeof(char *) * (size_t)p->nweights);
  const RtTensor **ts = arena_alloc(&pl->f.arena, sizeof(RtTensor *) * (size_t)p->nweights);
  for (int i = 0; i < p->nweights; i++) names[i] = p->bufs[p->weights[i]]->name, ts[i] = &w[i];
  char err[512];
  if (!path || rt_st_write(path, p->nweights, names, ts, err, sizeof err)) {
    if (path) diag_plain(&pl->f.diag, DIAG_ERROR, "%s", err);
    return NULL;
  }
  return path;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* ---------------------------------------------------------------- profile */

/* The launches of m (an OpenCL model loaded with profiling); -1 after
 * reporting a model without launches. */
static int profile_init(Pipeline *pl, xg_model *m, Profile *pr) {
  pr->n = xg_model_num_launches(m);
  if (pr->n <= 0) {
    diag_plain(&pl->f.diag, DIAG_ERROR,
               "--profile times the kernel launches of an OpenCL model (--target=opencl); model "
               "'%s' is a CPU model, which runs as one function: use the latency alone",
               pl->p->name);
    return -1;
  }
  if (!(pr->t = calloc((size_t)pr->n, sizeof *pr->t))) return -1;
  for (int i = 0; i < pr->n; i++) pr->t[i].index = i;
  return 0;
}

/* Adds the last run's times. */
static int profile_add(Pipeline *pl, xg_model *m, Profile *pr) {
  for (int i = 0; i < pr->n; i++) {
    double ms;
    LaunchTime *t = &pr->t[i];
    if (xg_model_launch_time(m, i, &t->kernel, &t->what, &ms) != XG_OK) {
      diag_plain(&pl->f.diag, DIAG_ERROR, "%s", xg_last_error());
      return -1;
    }
    if (ms >= 0) t->total_ms += ms, t->runs++;
  }
  return 0;
}

static int cmp_launch(const void *a, const void *b) {
  const LaunchTime *x = a, *y = b;
  if (x->total_ms != y->total_ms) return x->total_ms > y->total_ms ? -1 : 1;
  return x->index - y->index;
}

static void profile_json(const Profile *pr) {
  printf(", \"launches\": [");
  for (int i = 0; i < pr->n; i++) {
    const LaunchTime *t = &pr->t[i];
    printf("%s{\"launch\": %d, \"kernel\": ", i ? ", " : "", t->index);
    rt_json_string(stdout, t->kernel);
    printf(", \"what\": ");
    rt_json_string(stdout, t->what);
    printf(", \"runs\": %d, \"total_ms\": %.6f}", t->runs, t->total_ms);
  }
  printf("]");
}

/* The table: launches by total time, the sum per run against the median. */
static void profile_print(const BenchOpts *o, const Profile *pr, double median_ms) {
  double sum = 0;
  for (int i = 0; i < pr->n; i++) sum += pr->t[i].total_ms;
  printf("  profile: device time of each launch over the %d timed runs (OpenCL events)\n",
         o->runs);
  printf("    %12s %10s %6s %5s  %s\n", "total ms", "mean ms", "%", "runs", "launch kernel (what)");
  for (int i = 0; i < pr->n; i++) {
    const LaunchTime *t = &pr->t[i];
    printf("    %12.4f %10.4f %5.1f%% %5d  %d %s (%s)\n", t->total_ms,
           t->runs ? t->total_ms / t->runs : 0.0, sum > 0 ? 100 * t->total_ms / sum : 0.0,
           t->runs, t->index, t->kernel, t->what);
  }
  printf("  kernels: %.4f ms per run in all, of a median latency of %.4f ms\n", sum / o->runs,
         median_ms);
}

/* ----------------------------------------------------------------- report */

static void report(const BenchOpts *o, const Pipeline *pl, double *t, int threads,
                   Profile *pr) {
  qsort(t, (size_t)o->runs, sizeof *t, cmp_double);
  double med = o->runs % 2 ? t[o->runs / 2] : (t[o->runs / 2 - 1] + t[o->runs / 2]) / 2;
  double flops = pl->p->flops, gf = flops / med * 1e-9;
  if (pr->t) qsort(pr->t, (size_t)pr->n, sizeof *pr->t, cmp_launch);
  if (o->json) {
    printf(
        "{\"model\": \"%s\", \"file\": \"%s\", \"cpu\": \"%s\", \"threads\": %d, \"runs\": %d, "
        "\"warmup\": %d, \"median_ms\": %.6f, \"min_ms\": %.6f, \"max_ms\": %.6f, \"flops\": %.0f, "
        "\"gflops\": %.3f, \"scratch_bytes\": %lld",
        pl->p->name, o->file, pl->info.cpu, threads, o->runs, o->warmup, med * 1e3, t[0] * 1e3,
        t[o->runs - 1] * 1e3, flops, gf, (long long)pl->p->scratch_bytes);
    if (pr->t) profile_json(pr);
    printf("}\n");
    return;
  }
  if (pl->p->target.gpu) /* the device is the runtime's choice (XG_OPENCL_DEVICE) */
    printf("model %s (%s), target opencl\n", pl->p->name, o->file);
  else
    printf("model %s (%s), cpu %s, %d thread%s\n", pl->p->name, o->file, pl->info.cpu, threads,
           threads == 1 ? "" : "s");
  printf("  latency: median %.4f ms, min %.4f ms, max %.4f ms (%d runs after %d warm-up)\n",
         med * 1e3, t[0] * 1e3, t[o->runs - 1] * 1e3, o->runs, o->warmup);
  printf("  compute: %.6g MFLOP per run, %.2f GFLOP/s at the median\n", flops * 1e-6, gf);
  printf("  memory:  scratch %lld bytes (the memory plan's peak)\n",
         (long long)pl->p->scratch_bytes);
  if (pr->t) profile_print(o, pr, med * 1e3);
}

static int bench_run(Pipeline *pl, const BenchOpts *o, const char *so, const char *wfile) {
  const LoopProgram *p = pl->p;
  xg_options opts = {.threads = o->threads, .profile = o->profile};
  Profile prof = {NULL, 0};
  xg_model *m;
  if (xg_model_load(so, wfile, &opts, &m) != XG_OK) {
    diag_plain(&pl->f.diag, DIAG_ERROR, "%s", xg_last_error());
    return 1;
  }
  RtTensor *in = calloc((size_t)p->ninputs + 1, sizeof *in),
           *out = calloc((size_t)p->noutputs + 1, sizeof *out);
  const void **ins = calloc((size_t)p->ninputs + 1, sizeof *ins);
  void **outs = calloc((size_t)p->noutputs + 1, sizeof *outs);
  double *t = calloc((size_t)o->runs, sizeof *t);
  int rc = !in || !out || !ins || !outs || !t || random_tensors(pl, p->inputs, p->ninputs, in, 0) ||
           random_tensors(pl, p->outputs, p->noutputs, out, 0) ||
           (o->profile && profile_init(pl, m, &prof));
  for (int i = 0; !rc && i < p->ninputs; i++) ins[i] = in[i].data;
  for (int i = 0; !rc && i < p->noutputs; i++) outs[i] = out[i].data;
  for (int i = 0; !rc && i < o->warmup + o->runs; i++) {
    double t0 = now_s();
    if (xg_model_run(m, ins, (void *const *)outs) != XG_OK) {
      diag_plain(&pl->f.diag, DIAG_ERROR, "%s", xg_last_error());
      rc = 1;
    }
    if (i >= o->warmup) t[i - o->warmup] = now_s() - t0;
    if (!rc && i >= o->warmup && prof.t) rc = profile_add(pl, m, &prof);
  }
  int threads = o->threads;
  if (!threads) {
    char err[256];
    if (rt_pool_threads(0, &threads, err, sizeof err)) threads = 0;
  }
  if (!rc) report(o, pl, t, threads, &prof);
  for (int i = 0; in && i < p->ninputs; i++) rt_tensor_free(&in[i]);
  for (int i = 0; out && i < p->noutputs; i++) rt_tensor_free(&out[i]);
  free(in), free(out), free(ins), free(outs), free(t), free(prof.t);
  xg_model_free(m);
  return rc;
}

int bench_command(int argc, char **argv) {
  Arena a;
  arena_init(&a);
  BenchOpts o;
  int rc = bench_parse(argc, argv, &o, &a);
  if (rc == 0) {
    Pipeline pl;
    pipeline_init(&pl);
    const char *so = NULL, *wfile = NULL;
    RtTensor *w = NULL;
    rc = pipeline_load(&pl, &o.fo, o.file, o.model) || pipeline_lower(&pl, &o.fo) ||
         !(so = pipeline_temp(&pl, "model.so")) || pipeline_library(&pl, so, NULL);
    if (!rc) {
      w = calloc((size_t)pl.p->nweights + 1, sizeof *w);
      rc = !w || random_tensors(&pl, pl.p->weights, pl.p->nweights, w, 1) ||
           (pl.p->nweights && !(wfile = bench_weights(&pl, w)));
    }
    if (!rc) rc = bench_run(&pl, &o, so, wfile);
    for (int i = 0; w && i < pl.p->nweights; i++) rt_tensor_free(&w[i]);
    free(w);
    pipeline_free(&pl);
  }
  arena_free(&a);
  return rc;
}
