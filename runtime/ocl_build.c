/* runtime/ocl_build.c -- a model's OpenCL program, built through the
 * kernel-binary cache: a good entry skips the compiler; anything else
 * builds from source, reports the driver's build log on failure, and
 * stores the new binary (after the first run: rtcl_store). */
#include "runtime/ocl.h"
#include "runtime/rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of a build log a message carries: the first errors are the ones
 * that matter, and a message must stay readable. */
enum { LOG_SHOWN = 3000 };

/* The build log of p for d, trimmed to LOG_SHOWN bytes, into buf. */
static void build_log(cl_program p, const RtclDevice *d, char *buf, size_t len) {
  size_t n = 0;
  char *log = NULL;
  buf[0] = 0;
  if (clGetProgramBuildInfo(p, d->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &n) != CL_SUCCESS ||
      !(log = malloc(n + 1)) ||
      clGetProgramBuildInfo(p, d->device, CL_PROGRAM_BUILD_LOG, n, log, NULL) != CL_SUCCESS) {
    snprintf(buf, len, "(the driver gives no build log)");
    free(log);
    return;
  }
  log[n] = 0;
  n = strlen(log);
  while (n && (log[n - 1] == '\n' || log[n - 1] == ' ' || log[n - 1] == '\r')) log[--n] = 0;
  if (!n) snprintf(buf, len, "(the build log is empty)");
  else if (n <= LOG_SHOWN) snprintf(buf, len, "%s", log);
  else snprintf(buf, len, "%.*s\n... (%zu more bytes of build log)", LOG_SHOWN, log, n - LOG_SHOWN);
  free(log);
}

static xg_status from_source(cl_context ctx, const RtclDevice *d, const char *source,
                             const char *options, cl_program *out, const char *who, char *err,
                             size_t errlen) {
  cl_int e;
  cl_program p = clCreateProgramWithSource(ctx, 1, &source, NULL, &e);
  if (e != CL_SUCCESS) {
    snprintf(err, errlen, "%s: clCreateProgramWithSource failed: %s (device '%s')", who,
             rtcl_err_name(e), d->name);
    return rtcl_err_status(e, 0);
  }
  e = clBuildProgram(p, 1, &d->device, options, NULL, NULL);
  if (e == CL_SUCCESS) return *out = p, XG_OK;
  char *log = malloc(LOG_SHOWN + 128);
  if (log) build_log(p, d, log, LOG_SHOWN + 128);
  snprintf(err, errlen,
           "%s: the model's OpenCL program does not build for device '%s' (clBuildProgram: %s, "
           "options '%s'); the build log:\n%s",
           who, d->name, rtcl_err_name(e), options, log ? log : "(out of memory)");
  free(log);
  clReleaseProgram(p);
  return e == CL_OUT_OF_HOST_MEMORY ? XG_ERR_MEMORY : XG_ERR_RUNTIME;
}

/* The program from a cached binary, or NULL when the driver refuses it. */
static cl_program from_binary(cl_context ctx, const RtclDevice *d, const unsigned char *bin,
                              size_t len, const char *options, cl_int *e) {
  cl_int status = CL_SUCCESS;
  cl_program p = clCreateProgramWithBinary(ctx, 1, &d->device, &len, &bin, &status, e);
  if (*e == CL_SUCCESS && status != CL_SUCCESS) *e = status;
  if (*e != CL_SUCCESS) {
    if (p) clReleaseProgram(p);
    return NULL;
  }
  if ((*e = clBuildProgram(p, 1, &d->device, options, NULL, NULL)) == CL_SUCCESS) return p;
  clReleaseProgram(p);
  return NULL;
}

/* The binary of a built program (malloc'd), or NULL. */
static unsigned char *get_binary(cl_program p, size_t *len) {
  cl_uint ndev = 0;
  if (clGetProgramInfo(p, CL_PROGRAM_NUM_DEVICES, sizeof ndev, &ndev, NULL) || ndev != 1 ||
      clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof *len, len, NULL) || !*len)
    return NULL;
  unsigned char *bin = malloc(*len);
  if (bin && clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) != CL_SUCCESS)
    free(bin), bin = NULL;
  return bin;
}

void rtcl_store(RtclPending *pending, cl_program p) {
  char err[RT_CACHE_PATH_MAX + 256];
  const char *dir = pending->dir;
  const RtclKey *k = &pending->key;
  size_t len = 0;
  if (!pending->on) return;
  pending->on = 0;
  unsigned char *bin = get_binary(p, &len);
  int rc = bin ? rtcl_cache_store(dir, k, bin, len, err, sizeof err)
               : (snprintf(err, sizeof err, "the driver gives no binary of the program"), -1);
  rtcl_count(rc ? RTCL_STORE_FAIL : RTCL_STORE);
  if (rtcl_verbose()) {
    if (rc) fprintf(stderr, "xg: OpenCL cache: not stored: %s\n", err);
    else fprintf(stderr, "xg: OpenCL cache: stored %s/ocl-%s.bin (%zu bytes)\n", dir, k->hex, len);
  }
  free(bin);
}

/* A hit: the program from the cache, or NULL (a miss or a rejected entry,
 * counted and told). */
static cl_program lookup(cl_context ctx, const RtclDevice *d, const char *dir, const RtclKey *k,
                         const char *options) {
  char why[RT_CACHE_PATH_MAX + 256];
  size_t len;
  cl_int e = CL_SUCCESS;
  unsigned char *bin = rtcl_cache_load(dir, k, &len, why, sizeof why);
  cl_program p = bin ? from_binary(ctx, d, bin, len, options, &e) : NULL;
  free(bin);
  if (bin && !p) snprintf(why, sizeof why, "%s/ocl-%s.bin: the driver refuses it (%s)", dir,
                          k->hex, rtcl_err_name(e));
  rtcl_count(p ? RTCL_HIT : why[0] ? RTCL_REJECT : RTCL_MISS);
  if (rtcl_verbose()) {
    if (p) fprintf(stderr, "xg: OpenCL cache: hit %s/ocl-%s.bin\n", dir, k->hex);
    else if (why[0]) fprintf(stderr, "xg: OpenCL cache: rebuilding: %s\n", why);
    else fprintf(stderr, "xg: OpenCL cache: miss %s/ocl-%s.bin\n", dir, k->hex);
  }
  return p;
}

xg_status rtcl_build(cl_context ctx, const RtclDevice *d, const char *source, const char *options,
                     cl_program *out, RtclPending *pending, const char *who, char *err,
                     size_t errlen) {
  char *dir = pending->dir;
  RtclKey *k = &pending->key;
  *out = NULL;
  pending->on = 0;
  int cached = rt_cache_dir(dir, sizeof pending->dir);
  if (!cached && rtcl_verbose()) fprintf(stderr, "xg: OpenCL cache: off (%s)\n", dir);
  if (cached) {
    rtcl_key(d, options, source, k);
    if ((*out = lookup(ctx, d, dir, k, options))) return XG_OK;
  }
  xg_status s = from_source(ctx, d, source, options, out, who, err, errlen);
  pending->on = !s && cached;
  return s;
}
