/* runtime/ocl_device.c -- which OpenCL device a model runs on:
 * $XG_OPENCL_DEVICE=P:D, else the first GPU, else the first device; and
 * what the runtime needs to know of it. */
#include "runtime/ocl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Platforms and devices beyond these are not looked at (and not offered
 * by XG_OPENCL_DEVICE); real machines have a handful. */
enum { MAX_PLATFORMS = 16, MAX_DEVICES = 64, LISTED = 8 };

/* Every device of every platform, in the order of the ICD loader. */
typedef struct Devices {
  cl_uint np;
  cl_platform_id p[MAX_PLATFORMS];
  cl_uint nd[MAX_PLATFORMS];
  cl_device_id d[MAX_PLATFORMS][MAX_DEVICES];
} Devices;

static const char *type_name(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU) return "GPU";
  if (t & CL_DEVICE_TYPE_CPU) return "CPU";
  if (t & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  return "other";
}

/* A string property; "?" when the driver does not say. */
static void plat_str(cl_platform_id p, cl_platform_info what, char *buf) {
  if (clGetPlatformInfo(p, what, RTCL_INFO_LEN, buf, NULL) != CL_SUCCESS) strcpy(buf, "?");
  buf[RTCL_INFO_LEN - 1] = 0;
}

static void dev_str(cl_device_id d, cl_device_info what, char *buf) {
  if (clGetDeviceInfo(d, what, RTCL_INFO_LEN, buf, NULL) != CL_SUCCESS) strcpy(buf, "?");
  buf[RTCL_INFO_LEN - 1] = 0;
}

static cl_device_type dev_type(cl_device_id d) {
  cl_device_type t = 0;
  if (clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof t, &t, NULL) != CL_SUCCESS) t = 0;
  return t;
}

/* The message for no platform at all. */
static xg_status no_platform(const char *who, cl_int e, char *err, size_t errlen) {
  const char *vendors = getenv("OCL_ICD_VENDORS");
  char where[RTCL_INFO_LEN + 64] = "";
  if (vendors && *vendors)
    snprintf(where, sizeof where, "; OCL_ICD_VENDORS='%.*s' is set, so the loader looks there",
             RTCL_INFO_LEN, vendors);
  snprintf(err, errlen,
           "%s: no OpenCL platform is installed (clGetPlatformIDs: %s): install an OpenCL driver, "
           "e.g. Debian's 'pocl-opencl-icd' (any CPU) or the GPU vendor's, which registers "
           "itself with a .icd file in /etc/OpenCL/vendors%s",
           who, rtcl_err_name(e), where);
  return XG_ERR_RUNTIME;
}

/* Enumerates platforms and their devices.  0, or a status with the message. */
static xg_status list_devices(Devices *v, const char *who, char *err, size_t errlen) {
  cl_int e = clGetPlatformIDs(MAX_PLATFORMS, v->p, &v->np);
  if (e == RTCL_PLATFORM_NOT_FOUND || (e == CL_SUCCESS && v->np == 0))
    return no_platform(who, e, err, errlen);
  if (e != CL_SUCCESS) {
    snprintf(err, errlen, "%s: clGetPlatformIDs failed: %s", who, rtcl_err_name(e));
    return XG_ERR_RUNTIME;
  }
  if (v->np > MAX_PLATFORMS) v->np = MAX_PLATFORMS;
  for (cl_uint i = 0; i < v->np; i++) {
    e = clGetDeviceIDs(v->p[i], CL_DEVICE_TYPE_ALL, MAX_DEVICES, v->d[i], &v->nd[i]);
    if (e != CL_SUCCESS) v->nd[i] = 0; /* CL_DEVICE_NOT_FOUND: a platform without devices */
    if (v->nd[i] > MAX_DEVICES) v->nd[i] = MAX_DEVICES;
  }
  return XG_OK;
}

/* "0:0 'NAME' (PLATFORM, CPU), 1:0 ..." into buf: the first LISTED. */
static void describe_all(const Devices *v, char *buf, size_t len) {
  size_t at = 0;
  int n = 0, total = 0;
  buf[0] = 0;
  for (cl_uint p = 0; p < v->np; p++) {
    char pname[RTCL_INFO_LEN], dname[RTCL_INFO_LEN];
    plat_str(v->p[p], CL_PLATFORM_NAME, pname);
    for (cl_uint d = 0; d < v->nd[p]; d++, total++) {
      if (n == LISTED || at >= len) continue;
      dev_str(v->d[p][d], CL_DEVICE_NAME, dname);
      at += (size_t)snprintf(buf + at, len - at, "%s%u:%u '%s' (%s, %s)", n++ ? ", " : "", p, d,
                             dname, pname, type_name(dev_type(v->d[p][d])));
    }
  }
  if (total > n && at < len) snprintf(buf + at, len - at, " and %d more", total - n);
  if (!total) snprintf(buf, len, "none (%u platform%s without devices)", v->np,
                       v->np == 1 ? "" : "s");
}

/* A decimal index (digits only, no sign, no blanks); -1 otherwise. */
static long parse_index(const char *s, const char *end) {
  long v = 0;
  if (s == end || end - s > 6) return -1;
  for (; s < end; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

/* The device of XG_OPENCL_DEVICE=spec into *pi, *di. */
static xg_status pick_env(const Devices *v, const char *spec, int *pi, int *di, char *err,
                          size_t errlen) {
  char all[2048], shown[64];
  const char *colon = strchr(spec, ':');
  long p = colon ? parse_index(spec, colon) : -1;
  long d = colon ? parse_index(colon + 1, colon + strlen(colon)) : -1;
  describe_all(v, all, sizeof all);
  snprintf(shown, sizeof shown, "%.40s%s", spec, strlen(spec) > 40 ? "..." : "");
  if (p < 0 || d < 0) {
    snprintf(err, errlen,
             "xg_model_load: XG_OPENCL_DEVICE='%s' is not PLATFORM:DEVICE (two indices from "
             "0, e.g. 0:1); the devices: %s",
             shown, all);
    return XG_ERR_ARGUMENT;
  }
  if (p >= (long)v->np || d >= (long)v->nd[p]) {
    snprintf(err, errlen, "xg_model_load: XG_OPENCL_DEVICE='%s': there is no device %ld:%ld; the "
             "devices: %s", shown, p, d, all);
    return XG_ERR_ARGUMENT;
  }
  *pi = (int)p, *di = (int)d;
  return XG_OK;
}

/* The first GPU, else the first device. */
static xg_status pick_default(const Devices *v, int *pi, int *di, const char *who, char *err,
                              size_t errlen) {
  *pi = -1;
  for (cl_uint p = 0; p < v->np; p++)
    for (cl_uint d = 0; d < v->nd[p]; d++) {
      if (*pi < 0) *pi = (int)p, *di = (int)d;
      if (dev_type(v->d[p][d]) & CL_DEVICE_TYPE_GPU) {
        *pi = (int)p, *di = (int)d;
        return XG_OK;
      }
    }
  if (*pi >= 0) return XG_OK;
  char all[2048];
  describe_all(v, all, sizeof all);
  snprintf(err, errlen, "%s: no OpenCL device: the platforms have none (%s)", who, all);
  return XG_ERR_RUNTIME;
}

/* Fills the limits of d->device. */
static xg_status query_limits(RtclDevice *d, const char *who, char *err, size_t errlen) {
  cl_device_id id = d->device;
  size_t items[3] = {0, 0, 0}, n = 0;
  cl_uint dims = 0;
  cl_int e;
  if ((e = clGetDeviceInfo(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof d->max_alloc, &d->max_alloc,
                           NULL)) ||
      (e = clGetDeviceInfo(id, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof d->global_mem, &d->global_mem,
                           NULL)) ||
      (e = clGetDeviceInfo(id, CL_DEVICE_IMAGE_SUPPORT, sizeof d->image_support,
                           &d->image_support, NULL)) ||
      (e = clGetDeviceInfo(id, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof d->max_group, &d->max_group,
                           NULL)) ||
      (e = clGetDeviceInfo(id, CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS, sizeof dims, &dims, NULL)) ||
      (e = clGetDeviceInfo(id, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof items, items, &n)) ||
      (d->image_support &&
       ((e = clGetDeviceInfo(id, CL_DEVICE_IMAGE2D_MAX_WIDTH, sizeof d->image_w, &d->image_w,
                             NULL)) ||
        (e = clGetDeviceInfo(id, CL_DEVICE_IMAGE2D_MAX_HEIGHT, sizeof d->image_h, &d->image_h,
                             NULL))))) {
    snprintf(err, errlen, "%s: clGetDeviceInfo failed: %s (device '%s')", who, rtcl_err_name(e),
             d->name);
    return XG_ERR_RUNTIME;
  }
  for (int i = 0; i < 3; i++) d->max_item[i] = i < (int)dims ? items[i] : 1;
  return XG_OK;
}

xg_status rtcl_select(RtclDevice *d, const char *who, char *err, size_t errlen) {
  Devices *v = calloc(1, sizeof *v);
  const char *spec = getenv("XG_OPENCL_DEVICE");
  int pi = 0, di = 0;
  memset(d, 0, sizeof *d);
  if (!v) return snprintf(err, errlen, "%s: out of memory", who), XG_ERR_MEMORY;
  xg_status s = list_devices(v, who, err, errlen);
  if (!s) s = spec && *spec ? pick_env(v, spec, &pi, &di, err, errlen)
                            : pick_default(v, &pi, &di, who, err, errlen);
  if (!s) {
    d->platform = v->p[pi], d->device = v->d[pi][di], d->pi = pi, d->di = di;
    plat_str(d->platform, CL_PLATFORM_NAME, d->platform_name);
    plat_str(d->platform, CL_PLATFORM_VERSION, d->platform_version);
    dev_str(d->device, CL_DEVICE_NAME, d->name);
    dev_str(d->device, CL_DEVICE_VENDOR, d->vendor);
    dev_str(d->device, CL_DEVICE_VERSION, d->version);
    dev_str(d->device, CL_DRIVER_VERSION, d->driver);
    d->type = dev_type(d->device);
    s = query_limits(d, who, err, errlen);
  }
  free(v);
  if (!s && rtcl_verbose())
    fprintf(stderr, "xg: OpenCL device %d:%d '%s' (%s, %s, driver %s)\n", d->pi, d->di, d->name,
            d->platform_name, type_name(d->type), d->driver);
  return s;
}
