/* xg.h -- the C API of models compiled by xgc: load a compiled model with
 * its weights, query its inputs and outputs, run it, free it.  The one
 * installed header; a compiled model needs only libc, libm, pthreads and
 * libxgrt at run time (and an OpenCL driver, for one built with
 * --target=opencl).  The same calls serve CPU and OpenCL models.
 *
 *   xg_model *m;
 *   if (xg_model_load("mlp.so", "mlp.safetensors", NULL, &m) != XG_OK)
 *     fprintf(stderr, "%s\n", xg_last_error());
 *   const void *in[] = {x};  void *out[] = {y};
 *   xg_model_run(m, in, out);
 *   xg_model_free(m);
 */
#ifndef XG_H
#define XG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum xg_status {
  XG_OK = 0,
  XG_ERR_ARGUMENT,   /* a NULL pointer, an index out of range, bad options */
  XG_ERR_IO,         /* a file cannot be opened or read */
  XG_ERR_FORMAT,     /* a library or weights file that is not what it claims */
  XG_ERR_MISMATCH,   /* weights that do not fit the model (missing, shape, dtype) */
  XG_ERR_MEMORY,     /* out of memory */
  XG_ERR_RUNTIME     /* a failure while running (threads, device) */
} xg_status;

/* Element types, as in .xg. */
typedef enum xg_dtype { XG_F32, XG_F16, XG_I32, XG_I8, XG_BOOL } xg_dtype;

typedef struct xg_model xg_model;

typedef struct xg_options {
  int threads; /* worker threads; 0: $XG_NUM_THREADS, else the online CPUs */
  int profile; /* 1: time each kernel launch of an OpenCL model (see
                  xg_model_launch_time); 0: no profiling */
} xg_options;
/* Zero-initialize an xg_options ({0} or memset) and set what you need:
 * fields are only ever added at the end, and 0 is always the default.
 * threads counts the calling thread: 1 runs everything on the caller, N
 * starts N - 1 workers (1..1024).  "The online CPUs" are those this process
 * may run on (its affinity mask).  XG_NUM_THREADS must be an integer from
 * 1 to 1024 (empty counts as unset); anything else fails the load.  An
 * OpenCL model ignores threads (the host thread only enqueues) and runs
 * on the device of $XG_OPENCL_DEVICE=PLATFORM:DEVICE, else the first GPU,
 * else the first OpenCL device; docs/opencl-runtime.md. */

/* The message of the last failure in this thread ("" when none): names the
 * file, the tensor and the problem.  A successful call leaves it as it was
 * (like errno); the pointer stays valid in this thread until its next
 * failing call.  xg_status_name gives "XG_OK", "XG_ERR_IO", ...,
 * "XG_ERR_UNKNOWN" for a value out of the enum. */
const char *xg_last_error(void);
const char *xg_status_name(xg_status s);

/* Loads a compiled model (a shared library built by `xgc build`) and its
 * weights (safetensors; NULL when the model has no params).  Checks every
 * weight against the model: a missing one, a wrong shape or dtype is
 * XG_ERR_MISMATCH.  On success *out owns everything it needs.
 * Tensors of the file that the model does not use are ignored.  opts may
 * be NULL (the defaults).  On failure *out is NULL and nothing is kept;
 * the statuses: a NULL library or out, or a bad thread count (opts or
 * $XG_NUM_THREADS): XG_ERR_ARGUMENT; a file that cannot be opened:
 * XG_ERR_IO; a library that is not a model of this runtime's ABI, or a
 * weights file that is not safetensors: XG_ERR_FORMAT.  An OpenCL model
 * also: a malformed XG_OPENCL_DEVICE: XG_ERR_ARGUMENT; memory objects
 * larger than the device allows, or device memory exhausted:
 * XG_ERR_MEMORY; no OpenCL platform or device, a program that does not
 * build (the message has the build log), any other OpenCL failure:
 * XG_ERR_RUNTIME.  See docs/runtime.md and docs/opencl-runtime.md. */
xg_status xg_model_load(const char *library, const char *weights, const xg_options *opts,
                        xg_model **out);
void xg_model_free(xg_model *m);

/* Inputs and outputs, in the model's signature order.  The counts are -1
 * for a NULL model; an index out of range is XG_ERR_ARGUMENT.  info's name
 * and shape point into the model library: valid until xg_model_free. */
int xg_model_num_inputs(const xg_model *m);
int xg_model_num_outputs(const xg_model *m);
typedef struct xg_tensor_info {
  const char *name;
  xg_dtype dtype;
  int rank;
  const int64_t *shape;
  size_t nbytes;
} xg_tensor_info;
xg_status xg_model_input(const xg_model *m, int i, xg_tensor_info *info);
xg_status xg_model_output(const xg_model *m, int i, xg_tensor_info *info);

/* Runs the model: inputs[i] points at the i-th input's data (row-major,
 * info.nbytes), outputs[i] at caller-owned memory for the i-th output.  Not
 * reentrant on one model; distinct models may run concurrently.  Buffers
 * need only their element type's alignment; outputs must not overlap the
 * inputs.  A second concurrent run of one model is refused
 * (XG_ERR_ARGUMENT); a failure inside the model is XG_ERR_RUNTIME, its
 * message "LIB: model 'NAME' failed with code N (what went wrong)". */
xg_status xg_model_run(xg_model *m, const void *const *inputs, void *const *outputs);

/* Per-kernel profiles of an OpenCL model loaded with opts->profile = 1.
 * xg_model_num_launches: the launches of one run (-1 for a NULL model, 0
 * for a CPU model, which runs as one function).  xg_model_launch_time:
 * launch i's kernel function and what it computes (strings of the model
 * library, valid until xg_model_free; either pointer may be NULL) and its
 * device time in the last run, in milliseconds, from OpenCL events; -1 when
 * it did not run in the last run (before the first run, or a launch that
 * prepares weights in the first run only).  XG_ERR_ARGUMENT for a NULL
 * model, i out of range, a CPU model, or a model loaded without
 * profiling. */
int xg_model_num_launches(const xg_model *m);
xg_status xg_model_launch_time(const xg_model *m, int i, const char **kernel, const char **what,
                               double *ms);

/* The OpenCL device an OpenCL model runs on (the one xg_model_load chose:
 * see xg_options): its platform's name, its own name and its driver's
 * version as the driver reports them (CL_PLATFORM_NAME, CL_DEVICE_NAME,
 * CL_DRIVER_VERSION).  The strings belong to the model (valid until
 * xg_model_free); any pointer may be NULL.  XG_ERR_ARGUMENT for a NULL
 * model or a CPU model (it runs on the host's threads). */
xg_status xg_model_device(const xg_model *m, const char **platform, const char **device,
                          const char **driver);

#ifdef __cplusplus
}
#endif
#endif
