/* clhost.h -- the tests' own tiny OpenCL host code (the model runtime's is
 * runtime/): a device (XG_OPENCL_DEVICE=P:D, else the first device of the
 * first platform), a context and an in-order queue; programs built from
 * source with their build log on failure; buffers; launches. */
#ifndef XG_TESTS_CLHOST_H
#define XG_TESTS_CLHOST_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/opencl/fast.h"

typedef struct Cl {
  cl_device_id dev;
  cl_context ctx;
  cl_command_queue q;
  OclLimits lim; /* the device's own */
  char name[256];
} Cl;

static inline int cl_fail(const char *what, cl_int e) {
  fprintf(stderr, "OpenCL: %s failed (error %d)\n", what, (int)e);
  return -1;
}

/* 0, or -1 with a message on stderr. */
static inline int cl_setup(Cl *c) {
  cl_platform_id plats[16];
  cl_uint np = 0;
  cl_int e = clGetPlatformIDs(16, plats, &np);
  if (e != CL_SUCCESS || np == 0) {
    fprintf(stderr, "OpenCL: no platform (install the Debian package 'pocl-opencl-icd'; "
                    "clGetPlatformIDs: %d)\n", (int)e);
    return -1;
  }
  unsigned p = 0, d = 0;
  const char *env = getenv("XG_OPENCL_DEVICE");
  if (env && *env && sscanf(env, "%u:%u", &p, &d) != 2) {
    fprintf(stderr, "XG_OPENCL_DEVICE='%s': expected PLATFORM:DEVICE, as 0:0\n", env);
    return -1;
  }
  if (p >= np) {
    fprintf(stderr, "XG_OPENCL_DEVICE: platform %u of %u\n", p, (unsigned)np);
    return -1;
  }
  cl_device_id devs[16];
  cl_uint nd = 0;
  e = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 16, devs, &nd);
  if (e != CL_SUCCESS || d >= nd) {
    fprintf(stderr, "OpenCL: device %u of platform %u not found (%u devices)\n", d, p,
            (unsigned)nd);
    return -1;
  }
  c->dev = devs[d];
  clGetDeviceInfo(c->dev, CL_DEVICE_NAME, sizeof c->name, c->name, NULL);
  size_t wg = 0;
  cl_ulong lm = 0;
  cl_uint cu = 0;
  clGetDeviceInfo(c->dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
  clGetDeviceInfo(c->dev, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lm, &lm, NULL);
  clGetDeviceInfo(c->dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
  c->lim.max_wg = (int64_t)wg, c->lim.local_bytes = (int64_t)lm, c->lim.compute_units = (int)cu;
  c->ctx = clCreateContext(NULL, 1, &c->dev, NULL, NULL, &e);
  if (e != CL_SUCCESS) return cl_fail("clCreateContext", e);
  c->q = clCreateCommandQueue(c->ctx, c->dev, 0, &e);
  if (e != CL_SUCCESS) return cl_fail("clCreateCommandQueue", e);
  return 0;
}

static inline void cl_teardown(Cl *c) {
  clReleaseCommandQueue(c->q);
  clReleaseContext(c->ctx);
}

/* Builds src and returns its kernel `name` (*prog gets the program), or
 * NULL with the build log and the source's first lines on stderr. */
static inline cl_kernel cl_build(Cl *c, const char *src, const char *name, cl_program *prog) {
  cl_int e;
  *prog = clCreateProgramWithSource(c->ctx, 1, &src, NULL, &e);
  if (e != CL_SUCCESS) return cl_fail("clCreateProgramWithSource", e), NULL;
  e = clBuildProgram(*prog, 1, &c->dev, "", NULL, NULL);
  if (e != CL_SUCCESS) {
    size_t n = 0;
    clGetProgramBuildInfo(*prog, c->dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
    char *log = malloc(n + 1);
    if (log) {
      clGetProgramBuildInfo(*prog, c->dev, CL_PROGRAM_BUILD_LOG, n, log, NULL);
      log[n] = 0;
      fprintf(stderr, "build of '%s' failed (%d):\n%s\n--- source:\n%s\n", name, (int)e, log, src);
      free(log);
    }
    clReleaseProgram(*prog);
    return NULL;
  }
  cl_kernel k = clCreateKernel(*prog, name, &e);
  if (e != CL_SUCCESS) {
    clReleaseProgram(*prog);
    return cl_fail("clCreateKernel", e), NULL;
  }
  return k;
}

/* A buffer of n floats, initialized from init when not NULL. */
static inline cl_mem cl_buf(Cl *c, size_t n, const float *init) {
  cl_int e;
  cl_mem m = clCreateBuffer(c->ctx, CL_MEM_READ_WRITE | (init ? CL_MEM_COPY_HOST_PTR : 0),
                            (n ? n : 1) * sizeof(float), (void *)init, &e);
  if (e != CL_SUCCESS) return cl_fail("clCreateBuffer", e), NULL;
  return m;
}

/* Runs k(args...) on the NDRange and waits.  0 or -1. */
static inline int cl_launch(Cl *c, cl_kernel k, int nargs, const cl_mem *args, const size_t g[3],
                            const size_t l[3]) {
  for (int i = 0; i < nargs; i++) {
    cl_int e = clSetKernelArg(k, (cl_uint)i, sizeof(cl_mem), &args[i]);
    if (e != CL_SUCCESS) return cl_fail("clSetKernelArg", e);
  }
  cl_int e = clEnqueueNDRangeKernel(c->q, k, 3, NULL, g, l, 0, NULL, NULL);
  if (e != CL_SUCCESS) return cl_fail("clEnqueueNDRangeKernel", e);
  e = clFinish(c->q);
  return e == CL_SUCCESS ? 0 : cl_fail("clFinish", e);
}

static inline int cl_read(Cl *c, cl_mem m, size_t n, float *out) {
  cl_int e = clEnqueueReadBuffer(c->q, m, CL_TRUE, 0, n * sizeof(float), out, 0, NULL, NULL);
  return e == CL_SUCCESS ? 0 : cl_fail("clEnqueueReadBuffer", e);
}

#endif
