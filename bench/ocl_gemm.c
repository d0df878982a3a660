/* ocl_gemm.c -- the fast OpenCL kernels of backends/opencl/fast.h timed on
 * a device: matmul, conv2d 3x3 (pad 1), softmax and layernorm, the specs
 * of bench/problems.py; bench/torch_gpu.py times PyTorch on the same ones.
 *
 *   bench/ocl_gemm [--reps N] [--tiles TMxTNxTKxRMxRN,...] [--sweep]
 *                  [--device-limits] [--flat-k] [SPEC...]
 *
 * SPEC: matmul:MxKxN (default 4096x4096x4096), conv:NxCxHxWxF
 * (1x64x56x56x64), softmax:RxD (4096x1024), layernorm:RxD (384x768).
 * The device: XG_OPENCL_DEVICE=P:D, else the first GPU, else the first
 * device (with a warning).  Tilings are chosen for ocl_limits_default(), as
 * xgc compiles (--device-limits: for the device's own limits); --tiles
 * times the contractions with each tiling given instead, --sweep with a
 * built-in list.  Each line: the median kernel time of N runs (OpenCL
 * profiling events, after 3 warm-up runs), min and max, TFLOP/s (GB/s for
 * the row kernels: input and output once) at the median, and the largest
 * error of sampled outputs against double-precision C.  --flat-k: the
 * conv's gather takes k flat and divides it (as before K's digits).
 *
 * It loads libOpenCL.so.1 with dlopen and needs no OpenCL headers, so it
 * builds on a machine with only a C compiler and the driver:
 *   gcc -O2 -std=c11 -I. bench/ocl_gemm.c backends/opencl/code.c \
 *       backends/opencl/gemm.c backends/opencl/reduce.c backends/opencl/ops.c \
 *       -ldl -lm -o ocl_gemm */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/opencl/fast.h"

/* ------------------------------------------------------- the OpenCL API
 * The few types, constants and entry points used, as the OpenCL 1.2
 * specification defines them; checked against CL/cl.h where it exists. */
#if defined(__has_include) && __has_include(<CL/cl.h>) && !defined(BENCH_NO_CL_H)
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#define HAVE_CL_H 1
#else
typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint64_t cl_ulong;
typedef cl_ulong cl_bitfield;
typedef cl_bitfield cl_device_type, cl_mem_flags, cl_command_queue_properties;
typedef cl_uint cl_platform_info, cl_device_info, cl_program_build_info, cl_profiling_info,
    cl_bool;
typedef intptr_t cl_context_properties;
typedef struct _cl_platform_id *cl_platform_id;
typedef struct _cl_device_id *cl_device_id;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_program *cl_program;
typedef struct _cl_kernel *cl_kernel;
typedef struct _cl_event *cl_event;
#define CL_SUCCESS 0
#define CL_TRUE 1
#define CL_PLATFORM_NAME 0x0902
#define CL_DEVICE_TYPE_GPU (1 << 2)
#define CL_DEVICE_TYPE_ALL 0xFFFFFFFF
#define CL_DEVICE_MAX_COMPUTE_UNITS 0x1002
#define CL_DEVICE_MAX_WORK_GROUP_SIZE 0x1004
#define CL_DEVICE_LOCAL_MEM_SIZE 0x1023
#define CL_DEVICE_NAME 0x102B
#define CL_DRIVER_VERSION 0x102D
#define CL_QUEUE_PROFILING_ENABLE (1 << 1)
#define CL_MEM_READ_WRITE (1 << 0)
#define CL_MEM_COPY_HOST_PTR (1 << 5)
#define CL_PROGRAM_BUILD_LOG 0x1183
#define CL_PROFILING_COMMAND_START 0x1282
#define CL_PROFILING_COMMAND_END 0x1283
#endif

#define CL_FUNCS(X)                                                                                \
  X(clGetPlatformIDs, cl_int, (cl_uint, cl_platform_id *, cl_uint *))                              \
  X(clGetPlatformInfo, cl_int, (cl_platform_id, cl_platform_info, size_t, void *, size_t *))       \
  X(clGetDeviceIDs, cl_int, (cl_platform_id, cl_device_type, cl_uint, cl_device_id *, cl_uint *))  \
  X(clGetDeviceInfo, cl_int, (cl_device_id, cl_device_info, size_t, void *, size_t *))             \
  X(clCreateContext, cl_context,                                                                   \
    (const cl_context_properties *, cl_uint, const cl_device_id *,                                 \
     void (*)(const char *, const void *, size_t, void *), void *, cl_int *))                      \
  X(clCreateCommandQueue, cl_command_queue,                                                        \
    (cl_context, cl_device_id, cl_command_queue_properties, cl_int *))                             \
  X(clCreateProgramWithSource, cl_program,                                                         \
    (cl_context, cl_uint, const char **, const size_t *, cl_int *))                                \
  X(clBuildProgram, cl_int,                                                                        \
    (cl_program, cl_uint, const cl_device_id *, const char *,                                      \
     void (*)(cl_program, void *), void *))                                                        \
  X(clGetProgramBuildInfo, cl_int,                                                                 \
    (cl_program, cl_device_id, cl_program_build_info, size_t, void *, size_t *))                   \
  X(clCreateKernel, cl_kernel, (cl_program, const char *, cl_int *))                               \
  X(clCreateBuffer, cl_mem, (cl_context, cl_mem_flags, size_t, void *, cl_int *))                  \
  X(clSetKernelArg, cl_int, (cl_kernel, cl_uint, size_t, const void *))                            \
  X(clEnqueueNDRangeKernel, cl_int,                                                                \
    (cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *, const size_t *,         \
     cl_uint, const cl_event *, cl_event *))                                                       \
  X(clEnqueueReadBuffer, cl_int,                                                                   \
    (cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint, const cl_event *,         \
     cl_event *))                                                                                  \
  X(clGetEventProfilingInfo, cl_int, (cl_event, cl_profiling_info, size_t, void *, size_t *))      \
  X(clWaitForEvents, cl_int, (cl_uint, const cl_event *))                                          \
  X(clFinish, cl_int, (cl_command_queue))                                                          \
  X(clReleaseEvent, cl_int, (cl_event))                                                            \
  X(clReleaseMemObject, cl_int, (cl_mem))                                                          \
  X(clReleaseKernel, cl_int, (cl_kernel))                                                          \
  X(clReleaseProgram, cl_int, (cl_program))                                                        \
  X(clReleaseCommandQueue, cl_int, (cl_command_queue))                                             \
  X(clReleaseContext, cl_int, (cl_context))

#define X(name, ret, args) static ret(*p_##name) args;
CL_FUNCS(X)
#undef X

#ifdef HAVE_CL_H /* our signatures are the header's */
#define X(name, ret, args)                                                                         \
  _Static_assert(__builtin_types_compatible_p(__typeof__(&name), __typeof__(p_##name)), #name);
CL_FUNCS(X)
#undef X
#endif

static int load_opencl(void) {
  const char *libs[] = {"libOpenCL.so.1", "libOpenCL.so"};
  void *h = NULL;
  for (int i = 0; i < 2 && !h; i++) h = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "ocl_gemm: cannot load libOpenCL.so.1: %s\n", dlerror());
    return -1;
  }
#define X(name, ret, args)                                                                         \
  if (!(*(void **)&p_##name = dlsym(h, #name))) {                                                  \
    fprintf(stderr, "ocl_gemm: libOpenCL has no %s\n", #name);                                     \
    return -1;                                                                                     \
  }
  CL_FUNCS(X)
#undef X
  return 0;
}

static void die(const char *what, cl_int e) {
  fprintf(stderr, "ocl_gemm: %s failed (OpenCL error %d)\n", what, (int)e);
  exit(1);
}
#define CHECK(call)                                                                                \
  do {                                                                                             \
    cl_int e_ = (call);                                                                            \
    if (e_ != CL_SUCCESS) die(#call, e_);                                                          \
  } while (0)

/* ------------------------------------------------------------ the device */

typedef struct Dev {
  cl_device_id id;
  cl_context ctx;
  cl_command_queue q;
  OclLimits own;
  char name[256], platform[256], driver[128];
} Dev;

static int pick(cl_device_id *out, char *plat_name, size_t len) {
  cl_platform_id plats[16];
  cl_uint np = 0;
  if (p_clGetPlatformIDs(16, plats, &np) != CL_SUCCESS || np == 0) {
    fprintf(stderr, "ocl_gemm: no OpenCL platform\n");
    return -1;
  }
  const char *env = getenv("XG_OPENCL_DEVICE");
  unsigned pi = 0, di = 0;
  cl_device_id devs[16];
  cl_uint nd = 0;
  if (env && *env) {
    if (sscanf(env, "%u:%u", &pi, &di) != 2 || pi >= np ||
        p_clGetDeviceIDs(plats[pi], CL_DEVICE_TYPE_ALL, 16, devs, &nd) != CL_SUCCESS ||
        di >= nd) {
      fprintf(stderr, "ocl_gemm: XG_OPENCL_DEVICE='%s': no such device (PLATFORM:DEVICE)\n", env);
      return -1;
    }
    *out = devs[di];
  } else {
    int found = 0;
    for (pi = 0; pi < np && !found; pi++)
      if (p_clGetDeviceIDs(plats[pi], CL_DEVICE_TYPE_GPU, 16, devs, &nd) == CL_SUCCESS && nd)
        *out = devs[0], found = 1;
    if (found) pi--;
    else {
      pi = 0;
      CHECK(p_clGetDeviceIDs(plats[0], CL_DEVICE_TYPE_ALL, 16, devs, &nd));
      *out = devs[0];
      fprintf(stderr, "ocl_gemm: warning: no GPU; timing the first device of platform 0\n");
    }
  }
  p_clGetPlatformInfo(plats[pi], CL_PLATFORM_NAME, len, plat_name, NULL);
  return 0;
}

static void open_device(Dev *d) {
  if (pick(&d->id, d->platform, sizeof d->platform)) exit(1);
  cl_int e;
  size_t wg = 0;
  cl_ulong lm = 0;
  cl_uint cu = 0;
  p_clGetDeviceInfo(d->id, CL_DEVICE_NAME, sizeof d->name, d->name, NULL);
  p_clGetDeviceInfo(d->id, CL_DRIVER_VERSION, sizeof d->driver, d->driver, NULL);
  p_clGetDeviceInfo(d->id, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
  p_clGetDeviceInfo(d->id, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lm, &lm, NULL);
  p_clGetDeviceInfo(d->id, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
  d->own.max_wg = (int64_t)wg, d->own.local_bytes = (int64_t)lm, d->own.compute_units = (int)cu;
  d->ctx = p_clCreateContext(NULL, 1, &d->id, NULL, NULL, &e);
  if (e != CL_SUCCESS) die("clCreateContext", e);
  d->q = p_clCreateCommandQueue(d->ctx, d->id, CL_QUEUE_PROFILING_ENABLE, &e);
  if (e != CL_SUCCESS) die("clCreateCommandQueue", e);
}

static cl_kernel build(Dev *d, const char *src, const char *name, cl_program *prog) {
  cl_int e;
  *prog = p_clCreateProgramWithSource(d->ctx, 1, &src, NULL, &e);
  if (e != CL_SUCCESS) die("clCreateProgramWithSource", e);
  e = p_clBuildProgram(*prog, 1, &d->id, "", NULL, NULL);
  if (e != CL_SUCCESS) {
    size_t n = 0;
    p_clGetProgramBuildInfo(*prog, d->id, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
    char *log = calloc(n + 1, 1);
    if (log) p_clGetProgramBuildInfo(*prog, d->id, CL_PROGRAM_BUILD_LOG, n, log, NULL);
    fprintf(stderr, "ocl_gemm: build of %s failed (%d):\n%s\n", name, (int)e, log ? log : "");
    exit(1);
  }
  cl_kernel k = p_clCreateKernel(*prog, name, &e);
  if (e != CL_SUCCESS) die("clCreateKernel", e);
  return k;
}

static cl_mem upload(Dev *d, const float *host, size_t n) {
  cl_int e;
  cl_mem m = p_clCreateBuffer(d->ctx, CL_MEM_READ_WRITE | (host ? CL_MEM_COPY_HOST_PTR : 0),
                              n * sizeof(float), (void *)host, &e);
  if (e != CL_SUCCESS) die("clCreateBuffer", e);
  return m;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct Timing {
  double median, min, max; /* seconds */
} Timing;

/* 3 warm-up runs, then reps runs back to back, each timed by its event. */
static Timing time_kernel(Dev *d, cl_kernel k, int nargs, const cl_mem *args, const size_t g[3],
                          const size_t l[3], int reps) {
  for (int i = 0; i < nargs; i++) CHECK(p_clSetKernelArg(k, (cl_uint)i, sizeof(cl_mem), &args[i]));
  for (int i = 0; i < 3; i++)
    CHECK(p_clEnqueueNDRangeKernel(d->q, k, 3, NULL, g, l, 0, NULL, NULL));
  CHECK(p_clFinish(d->q));
  cl_event *ev = malloc((size_t)reps * sizeof *ev);
  double *t = malloc((size_t)reps * sizeof *t);
  for (int i = 0; i < reps; i++)
    CHECK(p_clEnqueueNDRangeKernel(d->q, k, 3, NULL, g, l, 0, NULL, &ev[i]));
  CHECK(p_clWaitForEvents((cl_uint)reps, ev));
  for (int i = 0; i < reps; i++) {
    cl_ulong s = 0, e = 0;
    CHECK(p_clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_START, sizeof s, &s, NULL));
    CHECK(p_clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_END, sizeof e, &e, NULL));
    t[i] = (double)(e - s) * 1e-9;
    p_clReleaseEvent(ev[i]);
  }
  qsort(t, (size_t)reps, sizeof *t, cmp_double);
  Timing r = {t[reps / 2], t[0], t[reps - 1]};
  if (reps % 2 == 0) r.median = 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
  free(ev), free(t);
  return r;
}

/* ------------------------------------------------------------- problems */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (float)((double)(rng >> 40) / (double)(1ull << 23) - 1.0);
}
static float *rand_vec(size_t n) {
  float *v = malloc(n * sizeof *v);
  if (!v) {
    fprintf(stderr, "ocl_gemm: out of memory\n");
    exit(1);
  }
  for (size_t i = 0; i < n; i++) v[i] = frand();
  return v;
}

typedef struct Opts {
  int reps, device_limits, flat_k, sweep;
  int ntiles;
  OclGemmTile tiles[64];
} Opts;

typedef struct Spec {
  char kind[16];
  int64_t d[5];
  int nd;
} Spec;

static int parse_spec(const char *s, Spec *p) {
  const char *colon = strchr(s, ':');
  if (!colon || colon - s >= (long)sizeof p->kind) return -1;
  memcpy(p->kind, s, (size_t)(colon - s));
  p->kind[colon - s] = 0;
  p->nd = 0;
  const char *q = colon + 1;
  while (*q && p->nd < 5) {
    char *end;
    long long v = strtoll(q, &end, 10);
    if (end == q || v < 1) return -1;
    p->d[p->nd++] = v;
    q = *end == 'x' ? end + 1 : end;
    if (*end && *end != 'x') return -1;
  }
  int want = strcmp(p->kind, "matmul") == 0   ? 3
             : strcmp(p->kind, "conv") == 0   ? 5
             : strcmp(p->kind, "softmax") == 0 || strcmp(p->kind, "layernorm") == 0 ? 2
                                              : -1;
  return want == p->nd && !*q ? 0 : -1;
}

static void line(const char *spec, const char *how, Timing t, double work, const char *unit,
                 double err) {
  double scale = strcmp(unit, "TFLOP/s") == 0 ? 1e12 : 1e9;
  printf("%-26s %-42s median %9.4f ms (min %.4f, max %.4f)  %8.2f %s  max error %.2g\n", spec, how,
         t.median * 1e3, t.min * 1e3, t.max * 1e3, work / t.median / scale, unit, err);
  fflush(stdout);
}

/* A contraction g (named "gemm", parameters A, B, C, bias) with tiling t. */
static void run_gemm(Dev *d, const Opts *o, const char *spec, OclGemm *g, const OclLimits *lim,
                     cl_mem *args, double flops,
                     double (*sample_err)(const void *, const float *), const void *ctx,
                     size_t nout) {
  char err[256], how[96];
  OclCode src;
  ocl_code_init(&src);
  if (ocl_gemm_emit(g, lim, &src, err, sizeof err)) {
    printf("%-26s skipped: %s\n", spec, err);
    ocl_code_free(&src);
    return;
  }
  cl_program prog;
  cl_kernel k = build(d, ocl_code_str(&src), "gemm", &prog);
  size_t gs[3], ls[3];
  ocl_gemm_ndrange(g, gs, ls);
  Timing t = time_kernel(d, k, 4, args, gs, ls, o->reps);
  float *out = malloc(nout * sizeof *out);
  CHECK(p_clEnqueueReadBuffer(d->q, args[2], CL_TRUE, 0, nout * sizeof *out, out, 0, NULL, NULL));
  ocl_gemm_describe(g, how, sizeof how);
  line(spec, how, t, flops, "TFLOP/s", sample_err(ctx, out));
  free(out);
  p_clReleaseKernel(k), p_clReleaseProgram(prog);
  ocl_code_free(&src);
}

/* Tilings worth trying on a large GPU (--sweep): for plain contractions,
 * and for those with K's digits (a conv: TK a multiple of its window). */
static const OclGemmTile SWEEP[] = {
    {128, 128, 16, 8, 8}, {128, 128, 8, 8, 8}, {64, 128, 16, 4, 8}, {128, 64, 16, 8, 4},
    {128, 64, 8, 8, 4},   {64, 64, 16, 4, 4},  {64, 64, 8, 8, 8},   {32, 64, 16, 4, 4},
    {64, 32, 16, 4, 4},   {128, 256, 8, 8, 8}, {256, 128, 8, 8, 8},
};
static const OclGemmTile SWEEP_DIGITS[] = {
    {64, 32, 18, 4, 4}, {64, 32, 36, 4, 4}, {64, 32, 9, 4, 4},   {64, 64, 18, 4, 4},
    {64, 64, 18, 8, 8}, {64, 16, 18, 4, 2}, {64, 32, 18, 8, 4},  {32, 32, 18, 4, 4},
    {32, 64, 18, 4, 4}, {64, 128, 18, 8, 8}, {128, 64, 18, 8, 4},
};

/* The tilings to time: the chosen one, the listed ones, or (--sweep) the
 * chosen one and the sweep's. */
static void each_tiling(Dev *d, const Opts *o, const char *spec, OclGemm *g, cl_mem *args,
                        double flops, double (*sample_err)(const void *, const float *),
                        const void *ctx, size_t nout) {
  OclLimits lim = o->device_limits ? d->own : ocl_limits_default();
  char err[256];
  if (o->sweep) { /* the chosen tiling, then the list */
    Opts one = *o;
    one.sweep = 0, one.ntiles = 0;
    each_tiling(d, &one, spec, g, args, flops, sample_err, ctx, nout);
    const OclGemmTile *list = g->nkdig ? SWEEP_DIGITS : SWEEP;
    size_t n = g->nkdig ? sizeof SWEEP_DIGITS / sizeof *SWEEP_DIGITS : sizeof SWEEP / sizeof *SWEEP;
    one.ntiles = (int)n;
    memcpy(one.tiles, list, n * sizeof *list);
    each_tiling(d, &one, spec, g, args, flops, sample_err, ctx, nout);
    return;
  }
  if (o->ntiles == 0) {
    if (ocl_gemm_choose(g, &lim, err, sizeof err)) {
      printf("%-26s skipped: %s\n", spec, err);
      return;
    }
    run_gemm(d, o, spec, g, &lim, args, flops, sample_err, ctx, nout);
    return;
  }
  for (int i = 0; i < o->ntiles; i++) {
    g->tile = o->tiles[i];
    /* a conv's K by digits takes TK a multiple of its window */
    if (ocl_gemm_check(g, &d->own, err, sizeof err) && g->nkdig)
      g->tile.tk = ocl_gemm_tk(g, g->tile.rm, g->tile.rn);
    run_gemm(d, o, spec, g, &d->own, args, flops, sample_err, ctx, nout);
  }
}

/* Sampled outputs against double precision: the largest |got - want| /
 * (sum of |terms|) over 256 points. */
typedef struct MatmulCtx {
  const float *a, *b;
  int64_t m, k, n;
} MatmulCtx;

static double matmul_err(const void *p, const float *out) {
  const MatmulCtx *c = p;
  double worst = 0;
  for (int s = 0; s < 256; s++) {
    int64_t i = (int64_t)((uint64_t)(s * 7919 + 13) % (uint64_t)c->m);
    int64_t j = (int64_t)((uint64_t)(s * 104729 + 7) % (uint64_t)c->n);
    double want = 0, mag = 0;
    for (int64_t k = 0; k < c->k; k++) {
      double t = (double)c->a[i * c->k + k] * c->b[k * c->n + j];
      want += t, mag += fabs(t);
    }
    double e = fabs(out[i * c->n + j] - want) / (mag > 0 ? mag : 1);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

static void bench_matmul(Dev *d, const Opts *o, const Spec *p, const char *spec) {
  int64_t M = p->d[0], K = p->d[1], N = p->d[2];
  float *a = rand_vec((size_t)(M * K)), *b = rand_vec((size_t)(K * N));
  cl_mem args[4] = {upload(d, a, (size_t)(M * K)), upload(d, b, (size_t)(K * N)),
                    upload(d, NULL, (size_t)(M * N)), upload(d, NULL, 1)};
  OclGemm g;
  memset(&g, 0, sizeof g);
  g.name = "gemm";
  g.params = "global const float *A, global const float *B, global float *C, "
             "global const float *bias";
  g.batch = 1, g.m = M, g.n = N, g.k = K;
  g.a = (OclGemmInput){.kind = OCL_ACCESS_STRIDED, .ptr = "A", .sr = K, .sk = 1};
  g.b = (OclGemmInput){.kind = OCL_ACCESS_STRIDED, .ptr = "B", .sr = 1, .sk = N};
  g.c = (OclGemmOutput){.kind = OCL_ACCESS_STRIDED, .ptr = "C", .sm = N, .sn = 1};
  MatmulCtx c = {a, b, M, K, N};
  each_tiling(d, o, spec, &g, args, 2.0 * (double)M * (double)N * (double)K, matmul_err, &c,
              (size_t)(M * N));
  for (int i = 0; i < 4; i++) p_clReleaseMemObject(args[i]);
  free(a), free(b);
}

typedef struct ConvCtx {
  const OclConv2d *cv;
  const float *x, *w;
} ConvCtx;

static double conv_err(const void *p, const float *out) {
  const ConvCtx *c = p;
  const OclConv2d *cv = c->cv;
  int64_t oh = ocl_conv2d_oh(cv), ow = ocl_conv2d_ow(cv), total = cv->n * cv->f * oh * ow;
  double worst = 0;
  for (int s = 0; s < 256; s++) {
    int64_t at = (int64_t)((uint64_t)(s * 7919 + 13) % (uint64_t)total);
    int64_t j = at % ow, i = at / ow % oh, f = at / (ow * oh) % cv->f, n = at / (ow * oh * cv->f);
    double want = 0, mag = 0;
    for (int64_t ch = 0; ch < cv->c; ch++)
      for (int64_t u = 0; u < cv->kh; u++)
        for (int64_t v = 0; v < cv->kw; v++) {
          int64_t y = i * cv->stride + u - cv->pad, x = j * cv->stride + v - cv->pad;
          if (y < 0 || y >= cv->h || x < 0 || x >= cv->w) continue;
          double t = (double)c->x[((n * cv->c + ch) * cv->h + y) * cv->w + x] *
                     c->w[((f * cv->c + ch) * cv->kh + u) * cv->kw + v];
          want += t, mag += fabs(t);
        }
    double e = fabs(out[at] - want) / (mag > 0 ? mag : 1);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

static void bench_conv(Dev *d, const Opts *o, const Spec *p, const char *spec) {
  OclConv2d cv = {p->d[0], p->d[1], p->d[2], p->d[3], p->d[4], 3, 3, 1, 1,
                  "B",     "A",     "C",     NULL,    0,       o->flat_k};
  int64_t nx = cv.n * cv.c * cv.h * cv.w, nw = cv.f * cv.c * 9;
  int64_t ny = cv.n * cv.f * ocl_conv2d_oh(&cv) * ocl_conv2d_ow(&cv);
  float *x = rand_vec((size_t)nx), *w = rand_vec((size_t)nw);
  cl_mem args[4] = {upload(d, w, (size_t)nw), upload(d, x, (size_t)nx), upload(d, NULL, (size_t)ny),
                    upload(d, NULL, 1)};
  OclGemm g;
  memset(&g, 0, sizeof g);
  g.name = "gemm";
  g.params = "global const float *A, global const float *B, global float *C, "
             "global const float *bias";
  ocl_conv2d_gemm(&cv, &g);
  ConvCtx c = {&cv, x, w};
  double flops = 2.0 * (double)g.batch * (double)g.m * (double)g.n * (double)g.k;
  each_tiling(d, o, spec, &g, args, flops, conv_err, &c, (size_t)ny);
  for (int i = 0; i < 4; i++) p_clReleaseMemObject(args[i]);
  free(x), free(w);
}

/* Rows: the first, the middle and the last row against double precision:
 * the largest |got - want| / max|want| of the row. */
static double row_err(const Spec *p, int ln, const float *x, const float *gam, const float *bet,
                      const float *y) {
  int64_t R = p->d[0], D = p->d[1], rows[3] = {0, R / 2, R - 1};
  double worst = 0;
  for (int s = 0; s < 3; s++) {
    const float *xr = x + rows[s] * D, *yr = y + rows[s] * D;
    double mx = -INFINITY, sum = 0, var = 0, big = 0;
    for (int64_t i = 0; i < D; i++) mx = fmax(mx, xr[i]), sum += xr[i];
    double mean = sum / (double)D, es = 0;
    for (int64_t i = 0; i < D; i++) var += (xr[i] - mean) * (xr[i] - mean), es += exp(xr[i] - mx);
    for (int pass = 0; pass < 2; pass++)
      for (int64_t i = 0; i < D; i++) {
        double want = ln ? (xr[i] - mean) / sqrt(var / (double)D + 1e-5) * gam[i] + bet[i]
                         : exp(xr[i] - mx) / es;
        if (pass == 0) big = fmax(big, fabs(want));
        else if (!(fabs(yr[i] - want) / big <= worst)) worst = fabs(yr[i] - want) / big;
      }
  }
  return worst;
}

static void bench_rows(Dev *d, const Opts *o, const Spec *p, const char *spec) {
  int ln = strcmp(p->kind, "layernorm") == 0;
  int64_t R = p->d[0], D = p->d[1];
  float *x = rand_vec((size_t)(R * D)), *gam = rand_vec((size_t)D), *bet = rand_vec((size_t)D);
  cl_mem args[4] = {upload(d, x, (size_t)(R * D)), upload(d, NULL, (size_t)(R * D)),
                    upload(d, gam, (size_t)D), upload(d, bet, (size_t)D)};
  OclRowOp op = {R, D, "X", "Y", "G", "Bt", 1e-5, {{0}}, {NULL}};
  OclRow r;
  memset(&r, 0, sizeof r);
  r.name = "rows";
  r.params = "global const float *X, global float *Y, global const float *G, "
             "global const float *Bt";
  if (ln) ocl_row_layernorm(&op, &r);
  else ocl_row_softmax(&op, &r);
  OclLimits lim = o->device_limits ? d->own : ocl_limits_default();
  char err[256], how[64];
  OclCode src;
  ocl_code_init(&src);
  if (ocl_row_choose(&r, &lim, err, sizeof err) || ocl_row_emit(&r, &lim, &src, err, sizeof err)) {
    printf("%-26s skipped: %s\n", spec, err);
  } else {
    cl_program prog;
    cl_kernel k = build(d, ocl_code_str(&src), "rows", &prog);
    size_t gs[3], ls[3];
    ocl_row_ndrange(&r, gs, ls);
    Timing t = time_kernel(d, k, 4, args, gs, ls, o->reps);
    float *y = malloc((size_t)(R * D) * sizeof *y);
    CHECK(p_clEnqueueReadBuffer(d->q, args[1], CL_TRUE, 0, (size_t)(R * D) * sizeof *y, y, 0,
                                NULL, NULL));
    snprintf(how, sizeof how, "%d work-items per row", r.wg);
    double bytes = 4.0 * (2.0 * (double)R * (double)D + (ln ? 2.0 * (double)D : 0));
    line(spec, how, t, bytes, "GB/s", row_err(p, ln, x, gam, bet, y));
    free(y);
    p_clReleaseKernel(k), p_clReleaseProgram(prog);
  }
  ocl_code_free(&src);
  for (int i = 0; i < 4; i++) p_clReleaseMemObject(args[i]);
  free(x), free(gam), free(bet);
}

/* ----------------------------------------------------------------- main */

static int parse_tiles(const char *s, Opts *o) {
  while (*s && o->ntiles < 64) {
    OclGemmTile t;
    int n = 0;
    if (sscanf(s, "%dx%dx%dx%dx%d%n", &t.tm, &t.tn, &t.tk, &t.rm, &t.rn, &n) != 5) return -1;
    o->tiles[o->ntiles++] = t;
    s += n;
    if (*s == ',') s++;
    else if (*s) return -1;
  }
  return 0;
}

static void usage(void) {
  fprintf(stderr, "usage: ocl_gemm [--reps N] [--tiles TMxTNxTKxRMxRN,...] [--sweep] "
                  "[--device-limits] [--flat-k] [SPEC...]\n"
                  "  SPEC: matmul:MxKxN, conv:NxCxHxWxF (3x3, pad 1), softmax:RxD, "
                  "layernorm:RxD\n");
  exit(2);
}

int main(int argc, char **argv) {
  Opts o = {20, 0, 0, 0, 0, {{0}}};
  const char *specs[64];
  int ns = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      o.reps = atoi(argv[++i]);
      if (o.reps < 1) usage();
    } else if (strcmp(argv[i], "--tiles") == 0 && i + 1 < argc) {
      if (parse_tiles(argv[++i], &o)) usage();
    } else if (strcmp(argv[i], "--sweep") == 0) {
      o.sweep = 1;
    } else if (strcmp(argv[i], "--flat-k") == 0) {
      o.flat_k = 1;
    } else if (strcmp(argv[i], "--device-limits") == 0) {
      o.device_limits = 1;
    } else if (argv[i][0] == '-' || ns == 64) {
      usage();
    } else specs[ns++] = argv[i];
  }
  static const char *defaults[] = {"matmul:4096x4096x4096", "conv:1x64x56x56x64",
                                   "softmax:4096x1024", "layernorm:384x768"};
  if (ns == 0) {
    for (int i = 0; i < 4; i++) specs[i] = defaults[i];
    ns = 4;
  }
  if (load_opencl()) return 1;
  Dev d;
  open_device(&d);
  printf("device: %s (%s; driver %s): %d compute units, %lld work-items, %lld bytes of local "
         "memory\n",
         d.name, d.platform, d.driver, d.own.compute_units, (long long)d.own.max_wg,
         (long long)d.own.local_bytes);
  for (int i = 0; i < ns; i++) {
    Spec p;
    if (parse_spec(specs[i], &p)) {
      fprintf(stderr, "ocl_gemm: bad spec '%s'\n", specs[i]);
      usage();
    }
    if (strcmp(p.kind, "matmul") == 0) bench_matmul(&d, &o, &p, specs[i]);
    else if (strcmp(p.kind, "conv") == 0) bench_conv(&d, &o, &p, specs[i]);
    else bench_rows(&d, &o, &p, specs[i]);
  }
  p_clReleaseCommandQueue(d.q);
  p_clReleaseContext(d.ctx);
  return 0;
}
