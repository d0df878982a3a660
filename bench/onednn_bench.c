/* onednn_bench.c -- the benchmark problems of bench/run.sh on oneDNN's
 * primitives called directly (C API): layouts as oneDNN prefers, reorders
 * and primitive creation outside the timing.  A benchmark, not a test:
 *   bench/onednn_bench [--threads 1,2] [--reps R] [--seconds S] [--json] SPEC...
 * SPEC (shapes as in docs/benchmarks.md):
 *   matmul:MxKxN     c[M,N] = a[M,K] b[K,N]
 *   conv:NxCxHxWxF   3x3 filters, pad 1, stride 1, no bias (NCHW semantics)
 *   softmax:RxD      over rows of D
 *   layernorm:RxD    over rows of D, with gamma and beta
 *   chain:RxD        y = clip(((relu(x + z) * x) * 0.5 + 1 - z)^2, 0, 6) */
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <omp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ problems */

#define KINDS(X) X(MATMUL, "matmul", 3) X(CONV, "conv", 5) X(SOFTMAX, "softmax", 2) \
  X(LAYERNORM, "layernorm", 2) X(CHAIN, "chain", 2)
#define AS_ENUM(e, name, nd) K_##e,
#define AS_NAME(e, name, nd) name,
#define AS_NDIMS(e, name, nd) nd,
typedef enum { KINDS(AS_ENUM) NKINDS } Kind;
static const char *const kind_names[] = {KINDS(AS_NAME)};
static const int kind_ndims[] = {KINDS(AS_NDIMS)};
_Static_assert(sizeof kind_names / sizeof *kind_names == NKINDS, "one name per kind");

typedef struct {
  const char *spec;
  Kind kind;
  dnnl_dims_t d;
} Problem;

/* Parses "kind:AxBx..." into p; returns 0, or -1 with a message. */
static int parse_spec(const char *spec, Problem *p) {
  const char *colon = strchr(spec, ':');
  p->spec = spec;
  for (int k = 0; k < NKINDS && colon; k++) {
    size_t len = (size_t)(colon - spec);
    if (strlen(kind_names[k]) != len || strncmp(spec, kind_names[k], len)) continue;
    p->kind = (Kind)k;
    const char *s = colon + 1;
    for (int i = 0; i < kind_ndims[k]; i++) {
      char *end;
      errno = 0;
      long long v = strtoll(s, &end, 10);
      if (errno || end == s || v < 1 || *end != (i + 1 < kind_ndims[k] ? 'x' : '\0')) break;
      p->d[i] = (dnnl_dim_t)v, s = end + 1;
      if (i + 1 == kind_ndims[k]) return 0;
    }
    fprintf(stderr, "onednn_bench: '%s': %s needs %d positive sizes joined by 'x'\n", spec,
            kind_names[k], kind_ndims[k]);
    return -1;
  }
  fprintf(stderr, "onednn_bench: '%s' is not KIND:SIZES "
                  "(matmul, conv, softmax, layernorm, chain)\n", spec);
  return -1;
}

/* The work of one run: flops for the contractions, else bytes moved (each
 * input read once, each output written once, as STREAM counts). */
static double problem_work(const Problem *p, int *is_flops) {
  const dnnl_dim_t *d = p->d;
  *is_flops = p->kind == K_MATMUL || p->kind == K_CONV;
  switch (p->kind) {
  case K_MATMUL: return 2.0 * (double)d[0] * (double)d[1] * (double)d[2];
  case K_CONV: return 2.0 * (double)(d[0] * d[4] * d[2] * d[3]) * (double)(d[1] * 9);
  case K_SOFTMAX: return 2.0 * 4 * (double)(d[0] * d[1]);
  case K_LAYERNORM: return 4.0 * (2 * (double)(d[0] * d[1]) + 2 * (double)d[1]);
  case K_CHAIN: return 3.0 * 4 * (double)(d[0] * d[1]);
  case NKINDS: break;
  }
  return 0;
}

/* ------------------------------------------------------------ a built primitive */

#define MAX_ARGS 8
typedef struct {
  dnnl_primitive_t prim;
  dnnl_exec_arg_t args[MAX_ARGS];
  dnnl_memory_t owned[MAX_ARGS]; /* memories to destroy (each once) */
  int nargs, nowned;
  char impl[64], layout[160];
} Built;

static int fail(const char *what, dnnl_status_t st) {
  fprintf(stderr, "onednn_bench: %s failed: %s\n", what, dnnl_status2str(st));
  return -1;
}
#define TRY(call)                                    \
  do {                                               \
    dnnl_status_t st_ = (call);                      \
    if (st_ != dnnl_success) return fail(#call, st_); \
  } while (0)

/* A layout in oneDNN's verbose style: dims by decreasing stride (upper case
 * when blocked), then the inner blocks ("aBcd16b" is nChw16c). */
static void layout_str(const dnnl_memory_desc_t *md, char *buf, size_t n) {
  const dnnl_blocking_desc_t *b = &md->format_desc.blocking;
  int order[DNNL_MAX_NDIMS], used = 0, blocked[DNNL_MAX_NDIMS] = {0};
  if (md->format_kind != dnnl_blocked) {
    snprintf(buf, n, "%s", dnnl_fmt_kind2str(md->format_kind));
    return;
  }
  for (int i = 0; i < b->inner_nblks; i++) blocked[b->inner_idxs[i]] = 1;
  for (int i = 0; i < md->ndims; i++) order[i] = i;
  for (int i = 1; i < md->ndims; i++) /* insertion sort, stable */
    for (int j = i; j > 0 && b->strides[order[j]] > b->strides[order[j - 1]]; j--) {
      int t = order[j]; order[j] = order[j - 1], order[j - 1] = t;
    }
  for (int i = 0; i < md->ndims && used + 1 < (int)n; i++)
    buf[used++] = (char)((blocked[order[i]] ? 'A' : 'a') + order[i]);
  buf[used] = 0;
  for (int i = 0; i < b->inner_nblks; i++)
    used += snprintf(buf + used, n - (size_t)used, "%lld%c", (long long)b->inner_blks[i],
                     (char)('a' + b->inner_idxs[i]));
}

/* Allocates the memory the primitive wants for (what, index), fills it with
 * values in [-1, 1) and binds it to `arg`; `name` labels it in the layout. */
static int bind(Built *b, dnnl_engine_t eng, const_dnnl_primitive_desc_t pd, dnnl_query_t what,
                int index, int arg, const char *name) {
  const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, what, index);
  dnnl_memory_t m;
  void *data;
  if (!md || md->ndims == 0) return fail(name, dnnl_invalid_arguments);
  TRY(dnnl_memory_create(&m, md, eng, DNNL_MEMORY_ALLOCATE));
  b->owned[b->nowned++] = m;
  TRY(dnnl_memory_get_data_handle(m, &data));
  float *f = data;
  for (size_t i = 0, n = dnnl_memory_desc_get_size(md) / sizeof(float); i < n; i++)
    f[i] = (float)((i * 2654435761u) % 2048) / 1024.0f - 1.0f;
  b->args[b->nargs++] = (dnnl_exec_arg_t){arg, m};
  size_t used = strlen(b->layout);
  snprintf(b->layout + used, sizeof b->layout - used, "%s%s:", used ? " " : "", name);
  used = strlen(b->layout);
  layout_str(md, b->layout + used, sizeof b->layout - used);
  return 0;
}

/* Binds the memory of args[existing] to `arg` too. */
static int bind_same(Built *b, int arg, int existing) {
  b->args[b->nargs++] = (dnnl_exec_arg_t){arg, b->args[existing].memory};
  return 0;
}

/* (Dims are dnnl_dims_t, full DNNL_MAX_NDIMS arrays, as the API reads them.) */
static void md_any(dnnl_memory_desc_t *md, int nd, const dnnl_dims_t dims) {
  dnnl_memory_desc_init_by_tag(md, nd, dims, dnnl_f32, dnnl_format_tag_any);
}
static void md_plain(dnnl_memory_desc_t *md, int nd, const dnnl_dims_t dims) {
  static const dnnl_format_tag_t tags[] = {dnnl_format_tag_undef, dnnl_a, dnnl_ab, dnnl_abc,
                                           dnnl_abcd};
  dnnl_memory_desc_init_by_tag(md, nd, dims, dnnl_f32, tags[nd]);
}

/* Creates the primitive of `op` (with attributes), keeping pd for binds. */
static int create(Built *b, dnnl_engine_t eng, const void *op, const_dnnl_primitive_attr_t attr,
                  dnnl_primitive_desc_t *pd) {
  const char *impl = NULL;
  TRY(dnnl_primitive_desc_create(pd, op, attr, eng, NULL));
  TRY(dnnl_primitive_desc_query(*pd, dnnl_query_impl_info_str, 0, &impl));
  snprintf(b->impl, sizeof b->impl, "%s", impl ? impl : "?");
  TRY(dnnl_primitive_create(&b->prim, *pd));
  return 0;
}

static int build_matmul(Built *b, dnnl_engine_t eng, const dnnl_dim_t *d) {
  dnnl_dims_t ad = {d[0], d[1]}, bd = {d[1], d[2]}, cd = {d[0], d[2]};
  dnnl_memory_desc_t a, w, c;
  dnnl_matmul_desc_t op;
  dnnl_primitive_desc_t pd;
  md_any(&a, 2, ad), md_any(&w, 2, bd), md_any(&c, 2, cd);
  TRY(dnnl_matmul_desc_init(&op, &a, &w, NULL, &c));
  if (create(b, eng, &op, NULL, &pd)) return -1;
  int r = bind(b, eng, pd, dnnl_query_src_md, 0, DNNL_ARG_SRC, "a") ||
          bind(b, eng, pd, dnnl_query_weights_md, 0, DNNL_ARG_WEIGHTS, "b") ||
          bind(b, eng, pd, dnnl_query_dst_md, 0, DNNL_ARG_DST, "c");
  dnnl_primitive_desc_destroy(pd);
  return r ? -1 : 0;
}

static int build_conv(Built *b, dnnl_engine_t eng, const dnnl_dim_t *d) {
  dnnl_dims_t xd = {d[0], d[1], d[2], d[3]}, wd = {d[4], d[1], 3, 3};
  dnnl_dims_t yd = {d[0], d[4], d[2], d[3]}, one = {1, 1};
  dnnl_memory_desc_t x, w, y;
  dnnl_convolution_desc_t op;
  dnnl_primitive_desc_t pd;
  md_any(&x, 4, xd), md_any(&w, 4, wd), md_any(&y, 4, yd);
  TRY(dnnl_convolution_forward_desc_init(&op, dnnl_forward_inference, dnnl_convolution_direct,
                                         &x, &w, NULL, &y, one, one, one));
  if (create(b, eng, &op, NULL, &pd)) return -1;
  int r = bind(b, eng, pd, dnnl_query_src_md, 0, DNNL_ARG_SRC, "x") ||
          bind(b, eng, pd, dnnl_query_weights_md, 0, DNNL_ARG_WEIGHTS, "w") ||
          bind(b, eng, pd, dnnl_query_dst_md, 0, DNNL_ARG_DST, "y");
  dnnl_primitive_desc_destroy(pd);
  return r ? -1 : 0;
}

static int build_softmax(Built *b, dnnl_engine_t eng, const dnnl_dim_t *d) {
  dnnl_memory_desc_t x;
  dnnl_softmax_desc_t op;
  dnnl_primitive_desc_t pd;
  dnnl_dims_t xd = {d[0], d[1]};
  md_plain(&x, 2, xd);
  TRY(dnnl_softmax_forward_desc_init(&op, dnnl_forward_inference, &x, 1));
  if (create(b, eng, &op, NULL, &pd)) return -1;
  int r = bind(b, eng, pd, dnnl_query_src_md, 0, DNNL_ARG_SRC, "x") ||
          bind(b, eng, pd, dnnl_query_dst_md, 0, DNNL_ARG_DST, "y");
  dnnl_primitive_desc_destroy(pd);
  return r ? -1 : 0;
}

static int build_layernorm(Built *b, dnnl_engine_t eng, const dnnl_dim_t *d) {
  dnnl_memory_desc_t x;
  dnnl_layer_normalization_desc_t op;
  dnnl_primitive_desc_t pd;
  dnnl_dims_t xd = {d[0], d[1]};
  md_plain(&x, 2, xd);
  TRY(dnnl_layer_normalization_forward_desc_init(&op, dnnl_forward_inference, &x, NULL, 1e-5f,
                                                 dnnl_use_scale | dnnl_use_shift));
  if (create(b, eng, &op, NULL, &pd)) return -1;
  int r = bind(b, eng, pd, dnnl_query_src_md, 0, DNNL_ARG_SRC, "x") ||
          bind(b, eng, pd, dnnl_query_exec_arg_md, DNNL_ARG_SCALE, DNNL_ARG_SCALE, "gamma") ||
          bind(b, eng, pd, dnnl_query_exec_arg_md, DNNL_ARG_SHIFT, DNNL_ARG_SHIFT, "beta") ||
          bind(b, eng, pd, dnnl_query_dst_md, 0, DNNL_ARG_DST, "y");
  dnnl_primitive_desc_destroy(pd);
  return r ? -1 : 0;
}

/* The chain as one binary primitive with post-ops: x + z, then relu, * x,
 * linear 0.5 t + 1, - z, square, clip to [0, 6]; the post-ops read the
 * very memories of x and z. */
static int build_chain(Built *b, dnnl_engine_t eng, const dnnl_dim_t *d) {
  dnnl_memory_desc_t x;
  dnnl_binary_desc_t op;
  dnnl_primitive_desc_t pd;
  dnnl_post_ops_t po;
  dnnl_primitive_attr_t attr;
  dnnl_dims_t xd = {d[0], d[1]};
  md_plain(&x, 2, xd);
  TRY(dnnl_binary_desc_init(&op, dnnl_binary_add, &x, &x, &x));
  TRY(dnnl_post_ops_create(&po));
  TRY(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f));
  TRY(dnnl_post_ops_append_binary(po, dnnl_binary_mul, &x));
  TRY(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_linear, 0.5f, 1.0f));
  TRY(dnnl_post_ops_append_binary(po, dnnl_binary_sub, &x));
  TRY(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_square, 0.0f, 0.0f));
  TRY(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, 0.0f, 6.0f));
  TRY(dnnl_primitive_attr_create(&attr));
  TRY(dnnl_primitive_attr_set_post_ops(attr, po));
  int r = create(b, eng, &op, attr, &pd);
  dnnl_primitive_attr_destroy(attr), dnnl_post_ops_destroy(po);
  if (r) return -1;
  r = bind(b, eng, pd, dnnl_query_src_md, 0, DNNL_ARG_SRC_0, "x") ||
      bind(b, eng, pd, dnnl_query_src_md, 1, DNNL_ARG_SRC_1, "z") ||
      bind(b, eng, pd, dnnl_query_dst_md, 0, DNNL_ARG_DST, "y") ||
      bind_same(b, DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1, 0) ||
      bind_same(b, DNNL_ARG_ATTR_MULTIPLE_POST_OP(3) | DNNL_ARG_SRC_1, 1);
  dnnl_primitive_desc_destroy(pd);
  return r ? -1 : 0;
}

static int build(Built *b, dnnl_engine_t eng, const Problem *p) {
  memset(b, 0, sizeof *b);
  switch (p->kind) {
  case K_MATMUL: return build_matmul(b, eng, p->d);
  case K_CONV: return build_conv(b, eng, p->d);
  case K_SOFTMAX: return build_softmax(b, eng, p->d);
  case K_LAYERNORM: return build_layernorm(b, eng, p->d);
  case K_CHAIN: return build_chain(b, eng, p->d);
  case NKINDS: break;
  }
  return -1;
}

static void built_free(Built *b) {
  if (b->prim) dnnl_primitive_destroy(b->prim);
  for (int i = 0; i < b->nowned; i++) dnnl_memory_destroy(b->owned[i]);
}

/* ------------------------------------------------------------ timing */

typedef struct {
  double med_ms, min_ms, max_ms;
  int runs;
} Timing;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int run_once(Built *b, dnnl_stream_t s, double *secs) {
  double t = now_s();
  TRY(dnnl_primitive_execute(b->prim, s, b->nargs, b->args));
  TRY(dnnl_stream_wait(s));
  *secs = now_s() - t;
  return 0;
}

/* Warm-up (at least 3 runs and 0.2 s), then max(reps, seconds / run) runs,
 * at most 1000 (runs longer than `seconds`: max(5, ...)): median, min and
 * max latency. */
static int time_it(Built *b, dnnl_stream_t s, int reps, double seconds, Timing *out) {
  static double t[1000];
  double one = 0, spent = 0;
  for (int i = 0; i < 3 || spent < 0.2; i++, spent += one)
    if (run_once(b, s, &one)) return -1;
  int n = (int)(seconds / (one > 1e-7 ? one : 1e-7));
  int least = one > seconds && reps > 5 ? 5 : reps;
  n = n < least ? least : n > 1000 ? 1000 : n;
  for (int i = 0; i < n; i++)
    if (run_once(b, s, &t[i])) return -1;
  qsort(t, (size_t)n, sizeof *t, cmp_double);
  *out = (Timing){(n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2) * 1e3, t[0] * 1e3,
                  t[n - 1] * 1e3, n};
  return 0;
}

/* ------------------------------------------------------------ main */

typedef struct {
  int threads[16], nthreads, reps, json;
  double seconds;
  Problem probs[64];
  int nprobs;
} Opts;

static void usage(FILE *f) {
  fprintf(f, "usage: onednn_bench [--threads 1,2] [--reps R] [--seconds S] [--json] SPEC...\n"
             "  SPEC: matmul:MxKxN conv:NxCxHxWxF softmax:RxD layernorm:RxD chain:RxD\n");
}

static int parse_threads(const char *s, Opts *o) {
  o->nthreads = 0;
  while (s && *s && o->nthreads < 16) {
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || v < 1 || v > 1024 || (*end && *end != ',')) return -1;
    o->threads[o->nthreads++] = (int)v;
    s = *end ? end + 1 : end;
  }
  return o->nthreads ? 0 : -1;
}

static void parse_opts(int argc, char **argv, Opts *o) {
  *o = (Opts){.threads = {1}, .nthreads = 1, .reps = 10, .seconds = 1.0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--json")) o->json = 1;
    else if (!strcmp(a, "--threads") && !parse_threads(v, o)) i++;
    else if (!strcmp(a, "--reps") && v && atoi(v) > 0) o->reps = atoi(v), i++;
    else if (!strcmp(a, "--seconds") && v && atof(v) > 0) o->seconds = atof(v), i++;
    else if (!strcmp(a, "--help") || !strcmp(a, "-h")) usage(stdout), exit(0);
    else if (a[0] != '-' && o->nprobs < 64 && !parse_spec(a, &o->probs[o->nprobs])) o->nprobs++;
    else fprintf(stderr, "onednn_bench: bad argument '%s'\n", a), usage(stderr), exit(2);
  }
  if (!o->nprobs) usage(stderr), exit(2);
}

static void report(const Opts *o, const Problem *p, int threads, const Built *b,
                   const Timing *t, int *first) {
  int is_flops;
  double rate = problem_work(p, &is_flops) / (t->med_ms * 1e-3) / 1e9;
  if (!o->json) {
    printf("%-24s %3d thr  %9.3f ms  %8.1f %s  %s  [%s]\n", p->spec, threads, t->med_ms, rate,
           is_flops ? "GFLOP/s" : "GB/s   ", b->impl, b->layout);
    return;
  }
  printf("%s\n  {\"problem\": \"%s\", \"threads\": %d, \"median_ms\": %.4f, \"min_ms\": %.4f, "
         "\"max_ms\": %.4f, \"runs\": %d, \"%s\": %.3f, \"impl\": \"%s\", \"layout\": \"%s\"}",
         *first ? "" : ",", p->spec, threads, t->med_ms, t->min_ms, t->max_ms, t->runs,
         is_flops ? "gflops" : "gbps", rate, b->impl, b->layout);
  *first = 0;
}

int main(int argc, char **argv) {
  Opts o;
  dnnl_engine_t eng;
  dnnl_stream_t s;
  int first = 1, status = 0;
  parse_opts(argc, argv, &o);
  if (dnnl_engine_create(&eng, dnnl_cpu, 0) ||
      dnnl_stream_create(&s, eng, dnnl_stream_default_flags))
    return fprintf(stderr, "onednn_bench: no CPU engine\n"), 1;
  const dnnl_version_t *v = dnnl_version();
  const char *max_isa = getenv("ONEDNN_MAX_CPU_ISA");
  if (o.json)
    printf("{\"tool\": \"onednn\", \"version\": \"%d.%d.%d\", \"isa\": \"%s\", "
           "\"max_isa\": \"%s\", \"results\": [",
           v->major, v->minor, v->patch, dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()),
           max_isa ? max_isa : "ALL");
  else
    printf("oneDNN %d.%d.%d, ISA %s\n", v->major, v->minor, v->patch,
           dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()));
  for (int ti = 0; ti < o.nthreads; ti++) {
    omp_set_num_threads(o.threads[ti]); /* before creation: kernels are partitioned for it */
    for (int i = 0; i < o.nprobs; i++) {
      Built b;
      Timing t;
      if (build(&b, eng, &o.probs[i]) || time_it(&b, s, o.reps, o.seconds, &t)) status = 1;
      else report(&o, &o.probs[i], o.threads[ti], &b, &t, &first);
      built_free(&b);
      fflush(stdout);
    }
  }
  if (o.json) printf("\n]}\n");
  dnnl_stream_destroy(s);
  dnnl_engine_destroy(eng);
  return status;
}
