/* ocl.h -- the OpenCL half of libxgrt, shared by runtime/ocl_*.c and
 * runtime/model.c only: OpenCL error names, device selection, the
 * kernel-binary cache, program builds, and the executor of OpenCL models
 * (xg_abi_ocl of xg_abi.h).  Prefix rtcl_ (backends/opencl, in the same
 * xgc binary, owns ocl_).  docs/opencl-runtime.md. */
#ifndef XG_RT_OCL_H
#define XG_RT_OCL_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "runtime/rt.h"
#include "runtime/xg.h"
#include "runtime/xg_abi.h"

#include <stddef.h>

/* Messages are written into err (errlen bytes); the functions that return
 * an xg_status write a complete message, starting with `who` (the model
 * library's path) or "xg_model_load" for a bad environment variable. */

/* ------------------------------------------------------------ ocl_err.c */

/* What the ICD loader returns when no driver is registered (cl_ext.h's
 * CL_PLATFORM_NOT_FOUND_KHR). */
enum { RTCL_PLATFORM_NOT_FOUND = -1001 };

/* "CL_OUT_OF_RESOURCES" for -5, ...; "OpenCL error -9999" for a code the
 * table does not know (in a static thread-local buffer). */
const char *rtcl_err_name(cl_int e);
/* XG_ERR_MEMORY for a failed allocation (CL_OUT_OF_HOST_MEMORY,
 * CL_MEM_OBJECT_ALLOCATION_FAILURE, and CL_OUT_OF_RESOURCES when
 * `allocating`: drivers report device memory that runs out while they
 * create or fill memory objects that way); else XG_ERR_RUNTIME. */
xg_status rtcl_err_status(cl_int e, int allocating);
/* Is $XG_VERBOSE set to something other than "" and "0"?  Then the runtime
 * tells on stderr which device it took and what the cache did. */
int rtcl_verbose(void);

/* --------------------------------------------------------- ocl_device.c */

enum { RTCL_INFO_LEN = 256 };

/* The device a model runs on and what the runtime checks against. */
typedef struct RtclDevice {
  cl_platform_id platform;
  cl_device_id device;
  int pi, di; /* its indices: XG_OPENCL_DEVICE=pi:di */
  char platform_name[RTCL_INFO_LEN], platform_version[RTCL_INFO_LEN];
  char name[RTCL_INFO_LEN], vendor[RTCL_INFO_LEN], version[RTCL_INFO_LEN];
  char driver[RTCL_INFO_LEN];
  cl_device_type type;
  cl_ulong max_alloc;       /* CL_DEVICE_MAX_MEM_ALLOC_SIZE */
  cl_ulong global_mem;      /* CL_DEVICE_GLOBAL_MEM_SIZE */
  cl_bool image_support;    /* CL_DEVICE_IMAGE_SUPPORT */
  size_t image_w, image_h;  /* CL_DEVICE_IMAGE2D_MAX_WIDTH, _HEIGHT */
  size_t max_group;         /* CL_DEVICE_MAX_WORK_GROUP_SIZE */
  size_t max_item[3];       /* CL_DEVICE_MAX_WORK_ITEM_SIZES */
} RtclDevice;

/* Picks the device: $XG_OPENCL_DEVICE=P:D (platform and device indices,
 * from 0; empty counts as unset), else the first GPU of any platform, else
 * the first device.  XG_ERR_ARGUMENT for a malformed or out-of-range
 * XG_OPENCL_DEVICE (the message lists the devices there are);
 * XG_ERR_RUNTIME when there is no platform or no device. */
xg_status rtcl_select(RtclDevice *d, const char *who, char *err, size_t errlen);

/* ---------------------------------------------------------- ocl_cache.c
 * Entries live in the directory of rt_cache_dir (rt.h), one file each:
 * "ocl-KEY.bin", KEY the hex SHA-256 of what the binary depends on. */

typedef struct RtclKey {
  unsigned char digest[32];
  char hex[65];
} RtclKey;

/* The key of a program: the cache format, the platform's name and
 * version, the device's name, vendor, version and driver version, the
 * build options and the source. */
void rtcl_key(const RtclDevice *d, const char *options, const char *source, RtclKey *k);
/* The binary of entry k of dir (malloc'd, *len set), or NULL: *why is NULL
 * for a plain miss (no such file), else why the entry is not trusted
 * (truncated, bad magic or version, another key, a bad checksum). */
unsigned char *rtcl_cache_load(const char *dir, const RtclKey *k, size_t *len, char *why,
                               size_t whylen);
/* Writes entry k (a temporary file renamed into place: readers see the
 * old entry or the new one, never half of one).  0, or -1 with the reason
 * in err. */
int rtcl_cache_store(const char *dir, const RtclKey *k, const unsigned char *bin, size_t len,
                     char *err, size_t errlen);
/* Counts a cache event (RtCacheStats of rt.h). */
typedef enum RtclEvent { RTCL_HIT, RTCL_MISS, RTCL_REJECT, RTCL_STORE, RTCL_STORE_FAIL } RtclEvent;
void rtcl_count(RtclEvent e);

/* ---------------------------------------------------------- ocl_build.c */

/* A program built from source whose binary is to go into the cache. */
typedef struct RtclPending {
  int on;
  char dir[RT_CACHE_PATH_MAX];
  RtclKey key;
} RtclPending;

/* The program of source for d in ctx, built with options: from the cache
 * when it holds a good entry, else from source, and then *pending says
 * where its binary belongs.  A build failure is XG_ERR_RUNTIME with the
 * driver's build log (trimmed) in the message. */
xg_status rtcl_build(cl_context ctx, const RtclDevice *d, const char *source, const char *options,
                     cl_program *out, RtclPending *pending, const char *who, char *err,
                     size_t errlen);
/* Stores the binary of p in the cache entry of *pending, if on (and turns
 * it off).  The executor calls it after the model's first run, so that the
 * binary holds what the driver compiles lazily at the first launches
 * (POCL compiles each kernel for its work-group size there): a later
 * process then skips that too.  A failure only counts (RTCL_STORE_FAIL)
 * and tells (XG_VERBOSE): the model works without the cache. */
void rtcl_store(RtclPending *pending, cl_program p);

/* ---------------------------------------------------------- ocl_check.c */

/* Checks the OpenCL part of a descriptor whose tensors are checked:
 * source and options, every memory object (kind, index in range, each
 * input, output and weight at most once, every output present, one arena
 * and one status word at most, image sizes), every launch (kernel and
 * what named, args in range, work_dim 1..3, a global size >= 1 and a
 * multiple of the local size where one is set, once 0 or 1).
 * XG_ERR_FORMAT ("bad model descriptor: ...") otherwise. */
xg_status rtcl_check_desc(const xg_abi_model *d, const char *who, char *err, size_t errlen);

/* --------------------------------------------- ocl_model.c, ocl_run.c */

/* A loaded OpenCL model (ocl_model.c makes it, ocl_run.c runs it). */
typedef struct RtclModel {
  const xg_abi_model *desc;
  const xg_abi_ocl *ocl;
  const char *who; /* the library's path (owned by the xg_model) */
  RtclDevice dev;
  cl_context ctx;
  cl_command_queue queue;
  cl_program program;
  RtclPending pending; /* the program's cache entry, written after the first run */
  cl_mem *mems;        /* ocl->nmems, NULL where creation has not come */
  cl_kernel *kernels;  /* one per launch: each has its own arguments */
  int *input_mem;      /* per input: its memory object, or -1 */
  int *output_mem;     /* per output: its memory object */
  int status_mem;      /* the status word's memory object, or -1 */
  int prepared;        /* the once launches have run */
  int profile;         /* the queue records events */
  cl_event *events;    /* per launch, during a profiled run */
  double *ms;          /* per launch: its time in the last run, -1 if it did not run */
} RtclModel;

/* Makes everything a run needs, once: the device, a context and one
 * in-order queue (profiling when `profile`), every memory object (checked
 * against the device's limits first), zeroed; the weights uploaded from
 * weights[] (host pointers that may go away after this returns); the
 * program through the cache; one kernel per launch with its arguments
 * set.  *out NULL on failure. */
xg_status rtcl_load(const xg_abi_model *d, const void *const *weights, int profile,
                    const char *who, RtclModel **out, char *err, size_t errlen);
void rtcl_free(RtclModel *m);
/* One run: writes the inputs, zeroes the status word, enqueues the once
 * launches (first successful run only) and the others, reads the status
 * word and the outputs, waits.  A nonzero status word is XG_ERR_RUNTIME
 * with the meaning of its code (xg_run_error_text). */
xg_status rtcl_run(RtclModel *m, const void *const *inputs, void *const *outputs, char *err,
                   size_t errlen);
/* Launch i's time in the last run, in ms (-1: it did not run); the model
 * must have been loaded with profiling. */
double rtcl_launch_ms(const RtclModel *m, int i);
int rtcl_profiling(const RtclModel *m);
/* The device's name ("pthread-skylake-avx512-...") for messages. */
const char *rtcl_device_name(const RtclModel *m);

#endif
