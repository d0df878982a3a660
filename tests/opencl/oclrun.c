/* oclrun.c -- a private test harness, not part of the library: runs the
 * OpenCL model of a library built by `xgc build --target=opencl` on the
 * device the runtime would choose (XG_OPENCL_DEVICE=P:D, else the first
 * GPU, else the first device: POCL here) straight from its descriptor
 * (runtime/xg_abi.h), with the inputs and weights `xgc run` would use, and
 * writes its outputs.  It exists so that the kernels can be tested before
 * the runtime loads OpenCL models (xg_model_load); it checks every OpenCL
 * call and prints the build log when the program does not build.
 *
 *   oclrun MODEL.so [--weights W.safetensors | --random-weights SEED]
 *          [--input NAME=X.npy]... [--random-inputs SEED] [-o NAME=Y.npy]...
 *          [--runs N] [--time] [--info]
 *
 * --runs N runs the model N times on one load (the `once` launches on the
 * first run only); --time prints the median time of the runs after the
 * first, from writing the inputs to reading the status word (a measurement
 * for the device experiments of docs/opencl.md, not a benchmark tool);
 * --info prints the platform and the device used.
 *
 * Exit status: 0, 1 on a failure (the message on stderr), 2 on usage. */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "runtime/rt.h"
#include "runtime/xg_abi.h"

#include <dlfcn.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("oclrun: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n", stderr);
  exit(1);
}

#define CHECK(call)                                                                                \
  do {                                                                                             \
    cl_int e_ = (call);                                                                            \
    if (e_ != CL_SUCCESS) die("%s failed: %d", #call, (int)e_);                                    \
  } while (0)

typedef struct Opts {
  const char *lib, *weights;
  int rand_in, rand_w, runs, time, info;
  uint64_t seed_in, seed_w;
  const char *in_spec[64], *out_spec[64];
  int nin, nout;
} Opts;

static void parse(int argc, char **argv, Opts *o) {
  memset(o, 0, sizeof *o);
  o->runs = 1;
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(s, "--weights") && v) o->weights = v, i++;
    else if (!strcmp(s, "--random-weights") && v) o->rand_w = 1, o->seed_w = strtoull(v, 0, 0), i++;
    else if (!strcmp(s, "--random-inputs") && v)
      o->rand_in = 1, o->seed_in = strtoull(v, 0, 0), i++;
    else if (!strcmp(s, "--input") && v && o->nin < 64) o->in_spec[o->nin++] = v, i++;
    else if (!strcmp(s, "-o") && v && o->nout < 64) o->out_spec[o->nout++] = v, i++;
    else if (!strcmp(s, "--runs") && v) o->runs = atoi(v), i++;
    else if (!strcmp(s, "--time")) o->time = 1;
    else if (!strcmp(s, "--info")) o->info = 1;
    else if (s[0] != '-' && !o->lib) o->lib = s;
    else {
      fprintf(stderr, "oclrun: bad argument '%s'\n", s);
      exit(2);
    }
  }
  if (!o->lib || o->runs < 1) {
    fprintf(stderr, "usage: oclrun MODEL.so [options] (see tests/opencl/oclrun.c)\n");
    exit(2);
  }
}

/* The file named for tensor `name` among specs "NAME=FILE", or NULL. */
static const char *spec_for(const char *const *specs, int n, const char *name) {
  size_t len = strlen(name);
  for (int i = 0; i < n; i++)
    if (!strncmp(specs[i], name, len) && specs[i][len] == '=') return specs[i] + len + 1;
  return NULL;
}

/* A host tensor for t: from a file, else pseudo-random as `xgc run` makes it. */
static void host_tensor(const xg_abi_tensor *t, const char *file, int rnd, uint64_t seed,
                        int weight, RtTensor *out) {
  char err[512];
  if (file) {
    if (rt_npy_read(file, out, err, sizeof err)) die("%s", err);
  } else if (rnd) {
    if (rt_tensor_alloc(out, (RtDType)t->dtype, t->rank, t->shape, err, sizeof err)) die("%s", err);
    if (weight) rt_fill_random_weight(out, seed, t->name);
    else rt_fill_random(out, seed, t->name);
  } else {
    die("no data for '%s'", t->name);
  }
  if (out->nbytes != t->nbytes) die("'%s': %zu bytes given, %llu expected", t->name, out->nbytes,
                                    (unsigned long long)t->nbytes);
}

typedef struct Cl {
  cl_context ctx;
  cl_command_queue q;
  cl_device_id dev;
  cl_program prog;
  cl_mem *mems;
  cl_kernel *kernels;
} Cl;

static void cl_setup(Cl *c, const xg_abi_ocl *o, int info) {
  cl_platform_id plats[16], plat = NULL;
  cl_uint n, np;
  CHECK(clGetPlatformIDs(16, plats, &np));
  if (np == 0) die("no OpenCL platform");
  if (np > 16) np = 16;
  /* XG_OPENCL_DEVICE=P:D as the runtime reads it, else the first GPU of
   * any platform, else the first device of the first platform. */
  const char *spec = getenv("XG_OPENCL_DEVICE");
  unsigned pi, di;
  if (spec && *spec) {
    cl_device_id devs[16];
    if (sscanf(spec, "%u:%u", &pi, &di) != 2 || pi >= np || di >= 16)
      die("XG_OPENCL_DEVICE='%s' names no device", spec);
    CHECK(clGetDeviceIDs(plats[pi], CL_DEVICE_TYPE_ALL, 16, devs, &n));
    if (di >= n) die("XG_OPENCL_DEVICE='%s' names no device", spec);
    plat = plats[pi];
    c->dev = devs[di];
  } else {
    for (cl_uint i = 0; i < np && !plat; i++)
      if (clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_GPU, 1, &c->dev, &n) == CL_SUCCESS && n > 0)
        plat = plats[i];
    if (!plat) {
      plat = plats[0];
      CHECK(clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 1, &c->dev, &n));
    }
  }
  if (info) {
    char pn[256] = "?", dn[256] = "?", dv[256] = "?";
    clGetPlatformInfo(plat, CL_PLATFORM_NAME, sizeof pn, pn, NULL);
    clGetDeviceInfo(c->dev, CL_DEVICE_NAME, sizeof dn, dn, NULL);
    clGetDeviceInfo(c->dev, CL_DRIVER_VERSION, sizeof dv, dv, NULL);
    printf("platform: %s; device: %s; driver %s\n", pn, dn, dv);
  }
  cl_int e;
  c->ctx = clCreateContext(NULL, 1, &c->dev, NULL, NULL, &e);
  CHECK(e);
  c->q = clCreateCommandQueue(c->ctx, c->dev, 0, &e);
  CHECK(e);
  const char *src = o->source;
  c->prog = clCreateProgramWithSource(c->ctx, 1, (const char **)&src, NULL, &e);
  CHECK(e);
  if (clBuildProgram(c->prog, 1, &c->dev, o->build_options, NULL, NULL) != CL_SUCCESS) {
    size_t len = 0;
    clGetProgramBuildInfo(c->prog, c->dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &len);
    char *log = malloc(len + 1);
    if (log && clGetProgramBuildInfo(c->prog, c->dev, CL_PROGRAM_BUILD_LOG, len, log, NULL) == 0)
      log[len] = 0;
    die("the program does not build:\n%s", log ? log : "?");
  }
}

/* Releases every OpenCL object of c (a clean exit under LeakSanitizer). */
static void cl_teardown(Cl *c, const xg_abi_ocl *o) {
  for (int i = 0; i < o->nlaunches; i++)
    if (c->kernels[i]) clReleaseKernel(c->kernels[i]);
  for (int i = 0; i < o->nmems; i++)
    if (c->mems[i]) clReleaseMemObject(c->mems[i]);
  free(c->kernels), free(c->mems);
  clReleaseProgram(c->prog);
  clReleaseCommandQueue(c->q);
  clReleaseContext(c->ctx);
}

static cl_mem buffer(Cl *c, size_t bytes, const void *init) {
  cl_int e;
  cl_mem m = clCreateBuffer(c->ctx, CL_MEM_READ_WRITE | (init ? CL_MEM_COPY_HOST_PTR : 0),
                            bytes ? bytes : 4, (void *)init, &e);
  CHECK(e);
  return m;
}

static void make_mems(Cl *c, const xg_abi_model *d, RtTensor *w) {
  const xg_abi_ocl *o = d->ocl;
  c->mems = calloc((size_t)o->nmems + 1, sizeof *c->mems);
  for (int i = 0; i < o->nmems; i++) {
    const xg_abi_ocl_mem *m = &o->mems[i];
    switch ((xg_ocl_mem_kind)m->kind) {
    case XG_OCL_INPUT: c->mems[i] = buffer(c, d->inputs[m->index].nbytes, NULL); break;
    case XG_OCL_OUTPUT: c->mems[i] = buffer(c, d->outputs[m->index].nbytes, NULL); break;
    case XG_OCL_WEIGHT: c->mems[i] = buffer(c, w[m->index].nbytes, w[m->index].data); break;
    case XG_OCL_ARENA: {
      void *zero = calloc(1, o->arena_bytes ? o->arena_bytes : 4);
      c->mems[i] = buffer(c, o->arena_bytes, zero);
      free(zero);
      break;
    }
    case XG_OCL_STATUS: c->mems[i] = buffer(c, 4, NULL); break;
    case XG_OCL_IMAGE: {
      cl_image_format f = {CL_RGBA, CL_FLOAT};
      cl_image_desc desc = {0};
      desc.image_type = CL_MEM_OBJECT_IMAGE2D;
      desc.image_width = m->width;
      desc.image_height = m->height;
      cl_int e;
      c->mems[i] = clCreateImage(c->ctx, CL_MEM_READ_WRITE, &f, &desc, NULL, &e);
      CHECK(e);
      break;
    }
    default: die("memory object %d of unknown kind %d", i, m->kind);
    }
  }
}

static void launch(Cl *c, const xg_abi_ocl *o, int i) {
  const xg_abi_ocl_launch *l = &o->launches[i];
  cl_int e;
  if (!c->kernels[i]) {
    c->kernels[i] = clCreateKernel(c->prog, l->kernel, &e);
    if (e != CL_SUCCESS) die("clCreateKernel(%s) failed: %d", l->kernel, (int)e);
    for (int a = 0; a < l->nargs; a++)
      CHECK(clSetKernelArg(c->kernels[i], (cl_uint)a, sizeof(cl_mem), &c->mems[l->args[a]]));
  }
  size_t g[3], lo[3];
  int has_local = 0;
  for (int d = 0; d < l->work_dim; d++) {
    g[d] = (size_t)l->global[d];
    lo[d] = (size_t)l->local[d];
    has_local |= lo[d] != 0;
  }
  e = clEnqueueNDRangeKernel(c->q, c->kernels[i], (cl_uint)l->work_dim, NULL, g,
                             has_local ? lo : NULL, 0, NULL, NULL);
  if (e != CL_SUCCESS) die("launch of %s failed: %d", l->kernel, (int)e);
}

static int status_mem(const xg_abi_ocl *o) {
  for (int i = 0; i < o->nmems; i++)
    if (o->mems[i].kind == XG_OCL_STATUS) return i;
  die("no status word");
}

static void run(Cl *c, const xg_abi_model *d, RtTensor *in, int first) {
  const xg_abi_ocl *o = d->ocl;
  cl_int zero = 0;
  int st = status_mem(o);
  CHECK(clEnqueueWriteBuffer(c->q, c->mems[st], CL_TRUE, 0, 4, &zero, 0, NULL, NULL));
  for (int i = 0; i < o->nmems; i++)
    if (o->mems[i].kind == XG_OCL_INPUT && in[o->mems[i].index].nbytes)
      CHECK(clEnqueueWriteBuffer(c->q, c->mems[i], CL_TRUE, 0, in[o->mems[i].index].nbytes,
                                 in[o->mems[i].index].data, 0, NULL, NULL));
  for (int i = 0; first && i < o->nlaunches; i++)
    if (o->launches[i].once) launch(c, o, i);
  for (int i = 0; i < o->nlaunches; i++)
    if (!o->launches[i].once) launch(c, o, i);
  CHECK(clFinish(c->q));
  cl_int status = 0;
  CHECK(clEnqueueReadBuffer(c->q, c->mems[st], CL_TRUE, 0, 4, &status, 0, NULL, NULL));
  if (status) die("model '%s' failed at run time with code %d", d->name, (int)status);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  Opts o;
  parse(argc, argv, &o);
  void *lib = dlopen(o.lib, RTLD_NOW | RTLD_LOCAL);
  if (!lib) die("%s", dlerror());
  const xg_abi_model *(*describe)(void) =
      (const xg_abi_model *(*)(void))dlsym(lib, XG_ABI_DESCRIBE_SYMBOL);
  if (!describe) die("%s: no %s", o.lib, XG_ABI_DESCRIBE_SYMBOL);
  const xg_abi_model *d = describe();
  if (d->abi_version != XG_ABI_VERSION || !d->ocl || d->run)
    die("%s is not an OpenCL model of ABI %d", o.lib, XG_ABI_VERSION);
  RtTensor *in = calloc((size_t)d->ninputs + 1, sizeof *in);
  RtTensor *w = calloc((size_t)d->nweights + 1, sizeof *w);
  RtSafetensors *st = NULL;
  char err[512];
  if (o.weights && !(st = rt_st_open(o.weights, err, sizeof err))) die("%s", err);
  for (int i = 0; i < d->ninputs; i++)
    host_tensor(&d->inputs[i], spec_for(o.in_spec, o.nin, d->inputs[i].name), o.rand_in, o.seed_in,
                0, &in[i]);
  for (int i = 0; i < d->nweights; i++) {
    const RtTensor *x = st ? rt_st_find(st, d->weights[i].name) : NULL;
    if (x) w[i] = *x, w[i].owned = 0;
    else host_tensor(&d->weights[i], NULL, o.rand_w, o.seed_w, 1, &w[i]);
  }
  Cl c = {0};
  cl_setup(&c, d->ocl, o.info);
  make_mems(&c, d, w);
  c.kernels = calloc((size_t)d->ocl->nlaunches + 1, sizeof *c.kernels);
  double *times = calloc((size_t)o.runs + 1, sizeof *times);
  for (int r = 0; r < o.runs; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run(&c, d, in, r == 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    times[r] = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  }
  if (o.time && o.runs > 1) {
    qsort(times + 1, (size_t)o.runs - 1, sizeof *times, cmp_double);
    int n = o.runs - 1;
    double med = n % 2 ? times[1 + n / 2] : (times[n / 2] + times[1 + n / 2]) / 2;
    printf("%s: median %.4f ms over %d runs (first run %.4f ms), %d launches\n", d->name,
           med * 1e3, n, times[0] * 1e3, d->ocl->nlaunches);
  }
  free(times);
  for (int i = 0; i < d->noutputs; i++) {
    const char *file = spec_for(o.out_spec, o.nout, d->outputs[i].name);
    if (!file) continue;
    RtTensor out;
    const xg_abi_tensor *t = &d->outputs[i];
    if (rt_tensor_alloc(&out, (RtDType)t->dtype, t->rank, t->shape, err, sizeof err))
      die("%s", err);
    for (int m = 0; m < d->ocl->nmems; m++)
      if (d->ocl->mems[m].kind == XG_OCL_OUTPUT && d->ocl->mems[m].index == i && out.nbytes)
        CHECK(clEnqueueReadBuffer(c.q, c.mems[m], CL_TRUE, 0, out.nbytes, out.data, 0, NULL, NULL));
    if (rt_npy_write(file, &out, err, sizeof err)) die("%s", err);
    rt_tensor_free(&out);
  }
  cl_teardown(&c, d->ocl);
  for (int i = 0; i < d->ninputs; i++) rt_tensor_free(&in[i]);
  for (int i = 0; i < d->nweights; i++)
    if (w[i].owned) rt_tensor_free(&w[i]);
  free(in), free(w);
  if (st) rt_st_close(st);
  dlclose(lib);
  return 0;
}
