/* runtime/ocl_model.c -- loads an OpenCL model once: the device, a context
 * and one in-order queue, every memory object (checked against the
 * device's limits, then zeroed), the weights, the program (through the
 * cache) and one kernel per launch with its arguments set. */
#include "runtime/ocl.h"
#include "runtime/rt_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "WHO: CALL failed: CL_NAME (ABOUT, device 'NAME')"; the status of e. */
__attribute__((format(printf, 7, 8)))
static xg_status fail_cl(char *err, size_t errlen, const RtclModel *m, cl_int e, int allocating,
                         const char *call, const char *fmt, ...) {
  char about[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(about, sizeof about, fmt, ap);
  va_end(ap);
  snprintf(err, errlen, "%s: %s failed: %s (%s%sdevice '%s')", m->who, call, rtcl_err_name(e),
           about, about[0] ? ", " : "", m->dev.name);
  return rtcl_err_status(e, allocating);
}

/* ------------------------------------------------------- memory objects */

/* The bytes memory object x takes on the device (images: 16 a pixel). */
static uint64_t mem_bytes(const RtclModel *m, const xg_abi_ocl_mem *x) {
  switch ((xg_ocl_mem_kind)x->kind) {
  case XG_OCL_INPUT: return m->desc->inputs[x->index].nbytes;
  case XG_OCL_OUTPUT: return m->desc->outputs[x->index].nbytes;
  case XG_OCL_WEIGHT: return m->desc->weights[x->index].nbytes;
  case XG_OCL_ARENA: return m->ocl->arena_bytes;
  case XG_OCL_IMAGE:
    return x->width > UINT64_MAX / 16 / x->height ? UINT64_MAX : x->width * x->height * 16;
  case XG_OCL_STATUS: return sizeof(cl_int);
  }
  return 0;
}

/* "memory object 2 (weight 1 'b', 32 bytes)" into buf. */
static const char *mem_what(const RtclModel *m, int i, char *buf, size_t len) {
  const xg_abi_ocl_mem *x = &m->ocl->mems[i];
  const xg_abi_tensor *t = x->kind == XG_OCL_INPUT    ? &m->desc->inputs[x->index]
                           : x->kind == XG_OCL_OUTPUT ? &m->desc->outputs[x->index]
                           : x->kind == XG_OCL_WEIGHT ? &m->desc->weights[x->index]
                                                      : NULL;
  static const char *const kinds[] = {"input", "output", "weight", "the arena", "an image",
                                      "the status word"};
  char name[RT_NAME_STRLEN];
  unsigned long long bytes = (unsigned long long)mem_bytes(m, x);
  if (t)
    snprintf(buf, len, "memory object %d (%s %d '%s', %llu bytes)", i, kinds[x->kind],
             (int)x->index, rt_show(name, t->name, strlen(t->name)), bytes);
  else if (x->kind == XG_OCL_IMAGE)
    snprintf(buf, len, "memory object %d (an image of %llu x %llu pixels, %llu bytes)", i,
             (unsigned long long)x->width, (unsigned long long)x->height, bytes);
  else snprintf(buf, len, "memory object %d (%s, %llu bytes)", i, kinds[x->kind], bytes);
  return buf;
}

/* Every memory object fits the device: images supported and within its
 * sizes, buffers within its largest allocation, all within its memory. */
static xg_status check_limits(const RtclModel *m, char *err, size_t errlen) {
  const RtclDevice *d = &m->dev;
  char what[RT_NAME_STRLEN + 128];
  uint64_t total = 0;
  for (int i = 0; i < m->ocl->nmems; i++) {
    const xg_abi_ocl_mem *x = &m->ocl->mems[i];
    uint64_t bytes = mem_bytes(m, x);
    mem_what(m, i, what, sizeof what);
    if (x->kind == XG_OCL_IMAGE && !d->image_support)
      return snprintf(err, errlen, "%s: %s: device '%s' has no image support "
                      "(CL_DEVICE_IMAGE_SUPPORT is false)", m->who, what, d->name),
             XG_ERR_RUNTIME;
    if (x->kind == XG_OCL_IMAGE && (x->width > d->image_w || x->height > d->image_h))
      return snprintf(err, errlen, "%s: %s is larger than device '%s' allows (at most %zu x %zu "
                      "pixels: CL_DEVICE_IMAGE2D_MAX_WIDTH, _HEIGHT)", m->who, what, d->name,
                      d->image_w, d->image_h),
             XG_ERR_MEMORY;
    if (x->kind != XG_OCL_IMAGE && bytes > d->max_alloc)
      return snprintf(err, errlen, "%s: %s is larger than the largest buffer device '%s' allows "
                      "(CL_DEVICE_MAX_MEM_ALLOC_SIZE: %llu bytes)", m->who, what, d->name,
                      (unsigned long long)d->max_alloc),
             XG_ERR_MEMORY;
    total = bytes > UINT64_MAX - total ? UINT64_MAX : total + bytes;
  }
  if (total > d->global_mem)
    return snprintf(err, errlen, "%s: the model's memory objects take %llu bytes, more than "
                    "device '%s' has (CL_DEVICE_GLOBAL_MEM_SIZE: %llu bytes)", m->who,
                    (unsigned long long)total, d->name, (unsigned long long)d->global_mem),
           XG_ERR_MEMORY;
  return XG_OK;
}

/* Creates memory object i and enqueues its zeroing. */
static xg_status make_mem(RtclModel *m, int i, char *err, size_t errlen) {
  const xg_abi_ocl_mem *x = &m->ocl->mems[i];
  char what[RT_NAME_STRLEN + 128];
  cl_int e;
  if (x->kind == XG_OCL_IMAGE) {
    cl_image_format f = {CL_RGBA, CL_FLOAT};
    cl_image_desc id = {.image_type = CL_MEM_OBJECT_IMAGE2D,
                        .image_width = (size_t)x->width,
                        .image_height = (size_t)x->height};
    static const float zero4[4] = {0, 0, 0, 0};
    size_t origin[3] = {0, 0, 0}, region[3] = {(size_t)x->width, (size_t)x->height, 1};
    m->mems[i] = clCreateImage(m->ctx, CL_MEM_READ_WRITE, &f, &id, NULL, &e);
    if (e == CL_SUCCESS)
      e = clEnqueueFillImage(m->queue, m->mems[i], zero4, origin, region, 0, NULL, NULL);
    if (e != CL_SUCCESS)
      return fail_cl(err, errlen, m, e, 1, m->mems[i] ? "clEnqueueFillImage" : "clCreateImage",
                     "%s", mem_what(m, i, what, sizeof what));
    return XG_OK;
  }
  uint64_t bytes = mem_bytes(m, x);
  static const unsigned char zero = 0;
  size_t size = bytes ? (size_t)bytes : 1; /* OpenCL has no empty buffers */
  m->mems[i] = clCreateBuffer(m->ctx, CL_MEM_READ_WRITE, size, NULL, &e);
  if (e == CL_SUCCESS)
    e = clEnqueueFillBuffer(m->queue, m->mems[i], &zero, 1, 0, size, 0, NULL, NULL);
  if (e != CL_SUCCESS)
    return fail_cl(err, errlen, m, e, 1, m->mems[i] ? "clEnqueueFillBuffer" : "clCreateBuffer",
                   "%s", mem_what(m, i, what, sizeof what));
  return XG_OK;
}

/* All memory objects, zeroed, with the weights uploaded; waits for it. */
static xg_status make_mems(RtclModel *m, const void *const *weights, char *err, size_t errlen) {
  char what[RT_NAME_STRLEN + 128];
  xg_status s;
  cl_int e;
  for (int i = 0; i < m->ocl->nmems; i++) {
    const xg_abi_ocl_mem *x = &m->ocl->mems[i];
    if ((s = make_mem(m, i, err, errlen))) return s;
    if (x->kind == XG_OCL_INPUT) m->input_mem[x->index] = i;
    if (x->kind == XG_OCL_OUTPUT) m->output_mem[x->index] = i;
    if (x->kind == XG_OCL_STATUS) m->status_mem = i;
    uint64_t n = mem_bytes(m, x);
    if (x->kind != XG_OCL_WEIGHT || !n) continue;
    e = clEnqueueWriteBuffer(m->queue, m->mems[i], CL_FALSE, 0, (size_t)n, weights[x->index], 0,
                             NULL, NULL);
    if (e != CL_SUCCESS)
      return fail_cl(err, errlen, m, e, 1, "clEnqueueWriteBuffer", "%s",
                     mem_what(m, i, what, sizeof what));
  }
  if ((e = clFinish(m->queue)) != CL_SUCCESS)
    return fail_cl(err, errlen, m, e, 1, "clFinish", "after zeroing the memory objects and "
                   "uploading the weights");
  return XG_OK;
}

/* --------------------------------------------------------------- kernels */

/* "kernel 'k' of launch 3 ('what')" into buf. */
static const char *launch_what(const RtclModel *m, int i, char *buf, size_t len) {
  const xg_abi_ocl_launch *l = &m->ocl->launches[i];
  char k[RT_NAME_STRLEN], w[RT_NAME_STRLEN];
  snprintf(buf, len, "kernel '%s' of launch %d ('%s')", rt_show(k, l->kernel, strlen(l->kernel)),
           i, rt_show(w, l->what, strlen(l->what)));
  return buf;
}

/* The work-group size of launch i fits the kernel on the device. */
static xg_status check_group(const RtclModel *m, int i, char *err, size_t errlen) {
  const xg_abi_ocl_launch *l = &m->ocl->launches[i];
  char what[2 * RT_NAME_STRLEN + 64];
  size_t allowed = 0;
  uint64_t size = 1;
  if (!l->local[0]) return XG_OK;
  cl_int e = clGetKernelWorkGroupInfo(m->kernels[i], m->dev.device, CL_KERNEL_WORK_GROUP_SIZE,
                                      sizeof allowed, &allowed, NULL);
  launch_what(m, i, what, sizeof what);
  if (e != CL_SUCCESS) return fail_cl(err, errlen, m, e, 0, "clGetKernelWorkGroupInfo", "%s", what);
  for (int k = 0; k < l->work_dim; k++) {
    size *= l->local[k];
    if (l->local[k] > m->dev.max_item[k])
      return snprintf(err, errlen, "%s: %s: a local size of %llu in dimension %d is more than "
                      "device '%s' allows (CL_DEVICE_MAX_WORK_ITEM_SIZES: %zu)", m->who, what,
                      (unsigned long long)l->local[k], k, m->dev.name, m->dev.max_item[k]),
             XG_ERR_RUNTIME;
  }
  if (size > allowed)
    return snprintf(err, errlen, "%s: %s: a work-group of %llu work-items is more than the kernel "
                    "allows on device '%s' (CL_KERNEL_WORK_GROUP_SIZE: %zu)", m->who, what,
                    (unsigned long long)size, m->dev.name, allowed),
           XG_ERR_RUNTIME;
  return XG_OK;
}

/* The kernel of launch i, its argument count checked and its args set. */
static xg_status make_kernel(RtclModel *m, int i, char *err, size_t errlen) {
  const xg_abi_ocl_launch *l = &m->ocl->launches[i];
  char what[2 * RT_NAME_STRLEN + 64], mem[RT_NAME_STRLEN + 128];
  cl_uint nargs = 0;
  cl_int e;
  launch_what(m, i, what, sizeof what);
  m->kernels[i] = clCreateKernel(m->program, l->kernel, &e);
  if (e == CL_INVALID_KERNEL_NAME)
    return snprintf(err, errlen, "%s: %s: the program has no such kernel (device '%s')", m->who,
                    what, m->dev.name),
           XG_ERR_FORMAT;
  if (e != CL_SUCCESS) return fail_cl(err, errlen, m, e, 0, "clCreateKernel", "%s", what);
  e = clGetKernelInfo(m->kernels[i], CL_KERNEL_NUM_ARGS, sizeof nargs, &nargs, NULL);
  if (e != CL_SUCCESS) return fail_cl(err, errlen, m, e, 0, "clGetKernelInfo", "%s", what);
  if (nargs != (cl_uint)l->nargs)
    return snprintf(err, errlen, "%s: %s: the kernel takes %u argument%s, the launch gives %d",
                    m->who, what, nargs, nargs == 1 ? "" : "s", (int)l->nargs),
           XG_ERR_FORMAT;
  for (int a = 0; a < l->nargs; a++) {
    e = clSetKernelArg(m->kernels[i], (cl_uint)a, sizeof(cl_mem), &m->mems[l->args[a]]);
    if (e != CL_SUCCESS)
      return fail_cl(err, errlen, m, e, 0, "clSetKernelArg", "%s, argument %d: %s", what, a,
                     mem_what(m, l->args[a], mem, sizeof mem));
  }
  return check_group(m, i, err, errlen);
}

/* ------------------------------------------------------------------ load */

static xg_status make_queue(RtclModel *m, char *err, size_t errlen) {
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)m->dev.platform, 0};
  cl_int e;
  m->ctx = clCreateContext(props, 1, &m->dev.device, NULL, NULL, &e);
  if (e != CL_SUCCESS) return fail_cl(err, errlen, m, e, 1, "clCreateContext", "%s", "");
  cl_command_queue_properties qp = m->profile ? CL_QUEUE_PROFILING_ENABLE : 0;
  m->queue = clCreateCommandQueue(m->ctx, m->dev.device, qp, &e);
  if (e != CL_SUCCESS) return fail_cl(err, errlen, m, e, 1, "clCreateCommandQueue", "%s", "");
  return XG_OK;
}

/* The tables of m, sized by the descriptor. */
static xg_status make_tables(RtclModel *m, char *err, size_t errlen) {
  const xg_abi_ocl *o = m->ocl;
  size_t nl = (size_t)o->nlaunches + 1;
  m->mems = calloc((size_t)o->nmems + 1, sizeof *m->mems);
  m->kernels = calloc(nl, sizeof *m->kernels);
  m->input_mem = malloc(((size_t)m->desc->ninputs + 1) * sizeof *m->input_mem);
  m->output_mem = malloc(((size_t)m->desc->noutputs + 1) * sizeof *m->output_mem);
  m->events = calloc(nl, sizeof *m->events);
  m->ms = malloc(nl * sizeof *m->ms);
  if (!m->mems || !m->kernels || !m->input_mem || !m->output_mem || !m->events || !m->ms)
    return snprintf(err, errlen, "%s: out of memory", m->who), XG_ERR_MEMORY;
  for (int i = 0; i < m->desc->ninputs; i++) m->input_mem[i] = -1;
  for (int i = 0; i < o->nlaunches; i++) m->ms[i] = -1;
  m->status_mem = -1;
  return XG_OK;
}

static xg_status load_into(RtclModel *m, const void *const *weights, char *err, size_t errlen) {
  xg_status s;
  if ((s = make_tables(m, err, errlen)) || (s = rtcl_select(&m->dev, m->who, err, errlen)) ||
      (s = make_queue(m, err, errlen)) || (s = check_limits(m, err, errlen)) ||
      (s = make_mems(m, weights, err, errlen)) ||
      (s = rtcl_build(m->ctx, &m->dev, m->ocl->source, m->ocl->build_options, &m->program,
                      &m->pending, m->who, err, errlen)))
    return s;
  for (int i = 0; i < m->ocl->nlaunches; i++)
    if ((s = make_kernel(m, i, err, errlen))) return s;
  return XG_OK;
}

xg_status rtcl_load(const xg_abi_model *d, const void *const *weights, int profile,
                    const char *who, RtclModel **out, char *err, size_t errlen) {
  RtclModel *m = calloc(1, sizeof *m);
  *out = NULL;
  if (!m) return snprintf(err, errlen, "%s: out of memory", who), XG_ERR_MEMORY;
  m->desc = d, m->ocl = d->ocl, m->who = who, m->profile = profile != 0;
  xg_status s = load_into(m, weights, err, errlen);
  if (s) rtcl_free(m);
  else *out = m;
  return s;
}

void rtcl_free(RtclModel *m) {
  if (!m) return;
  if (m->queue) clFinish(m->queue);
  for (int i = 0; m->kernels && i < m->ocl->nlaunches; i++)
    if (m->kernels[i]) clReleaseKernel(m->kernels[i]);
  for (int i = 0; m->events && i < m->ocl->nlaunches; i++)
    if (m->events[i]) clReleaseEvent(m->events[i]);
  if (m->program) clReleaseProgram(m->program);
  for (int i = 0; m->mems && i < m->ocl->nmems; i++)
    if (m->mems[i]) clReleaseMemObject(m->mems[i]);
  if (m->queue) clReleaseCommandQueue(m->queue);
  if (m->ctx) clReleaseContext(m->ctx);
  free(m->mems), free(m->kernels), free(m->input_mem), free(m->output_mem);
  free(m->events), free(m->ms);
  free(m);
}

int rtcl_profiling(const RtclModel *m) {
  return m->profile;
}

double rtcl_launch_ms(const RtclModel *m, int i) {
  return m->ms[i];
}

const char *rtcl_device_name(const RtclModel *m) {
  return m->dev.name;
}
