/* runtime/ocl_run.c -- one run of an OpenCL model on its in-order queue:
 * inputs in, status word zeroed, the launches, status word and outputs
 * out; with profiling, each launch's time from its event. */
#include "runtime/ocl.h"
#include "runtime/rt_int.h"

#include <stdio.h>
#include <string.h>

/* "WHO: CALL failed: CL_NAME (ABOUT, device 'NAME')" after waiting for
 * what is queued (it may read the caller's buffers). */
static xg_status run_fail(RtclModel *m, cl_int e, const char *call, const char *about, char *err,
                          size_t errlen) {
  clFinish(m->queue);
  snprintf(err, errlen, "%s: %s failed: %s (%s%sdevice '%s')", m->who, call, rtcl_err_name(e),
           about, about[0] ? ", " : "", m->dev.name);
  return rtcl_err_status(e, 0);
}

static xg_status write_inputs(RtclModel *m, const void *const *inputs, char *err, size_t errlen) {
  for (int i = 0; i < m->desc->ninputs; i++) {
    const xg_abi_tensor *t = &m->desc->inputs[i];
    if (m->input_mem[i] < 0 || !t->nbytes) continue;
    cl_int e = clEnqueueWriteBuffer(m->queue, m->mems[m->input_mem[i]], CL_FALSE, 0,
                                    (size_t)t->nbytes, inputs[i], 0, NULL, NULL);
    if (e != CL_SUCCESS) {
      char about[RT_NAME_STRLEN + 32], name[RT_NAME_STRLEN];
      snprintf(about, sizeof about, "input %d '%s'", i, rt_show(name, t->name, strlen(t->name)));
      return run_fail(m, e, "clEnqueueWriteBuffer", about, err, errlen);
    }
  }
  if (m->status_mem < 0) return XG_OK;
  static const cl_int zero = 0;
  cl_int e = clEnqueueFillBuffer(m->queue, m->mems[m->status_mem], &zero, sizeof zero, 0,
                                 sizeof zero, 0, NULL, NULL);
  return e ? run_fail(m, e, "clEnqueueFillBuffer", "the status word", err, errlen) : XG_OK;
}

/* Enqueues launch i (with an event when profiling). */
static xg_status enqueue(RtclModel *m, int i, char *err, size_t errlen) {
  const xg_abi_ocl_launch *l = &m->ocl->launches[i];
  size_t global[3], local[3];
  for (int k = 0; k < 3; k++) global[k] = (size_t)l->global[k], local[k] = (size_t)l->local[k];
  cl_event *ev = m->profile ? &m->events[i] : NULL;
  cl_int e = clEnqueueNDRangeKernel(m->queue, m->kernels[i], (cl_uint)l->work_dim, NULL, global,
                                    l->local[0] ? local : NULL, 0, NULL, ev);
  if (e == CL_SUCCESS) return XG_OK;
  char about[2 * RT_NAME_STRLEN + 64], k[RT_NAME_STRLEN], w[RT_NAME_STRLEN];
  snprintf(about, sizeof about, "kernel '%s' of launch %d ('%s')",
           rt_show(k, l->kernel, strlen(l->kernel)), i, rt_show(w, l->what, strlen(l->what)));
  return run_fail(m, e, "clEnqueueNDRangeKernel", about, err, errlen);
}

/* The once launches (first run only), then the others, in order. */
static xg_status launch_all(RtclModel *m, char *err, size_t errlen) {
  xg_status s;
  for (int pass = m->prepared; pass < 2; pass++)
    for (int i = 0; i < m->ocl->nlaunches; i++)
      if (m->ocl->launches[i].once == !pass && (s = enqueue(m, i, err, errlen))) return s;
  return XG_OK;
}

/* Enqueues the reads of the status word (into *status) and the outputs. */
static xg_status read_back(RtclModel *m, cl_int *status, void *const *outputs, char *err,
                           size_t errlen) {
  cl_int e;
  if (m->status_mem >= 0 &&
      (e = clEnqueueReadBuffer(m->queue, m->mems[m->status_mem], CL_FALSE, 0, sizeof *status,
                               status, 0, NULL, NULL)))
    return run_fail(m, e, "clEnqueueReadBuffer", "the status word", err, errlen);
  for (int i = 0; i < m->desc->noutputs; i++) {
    const xg_abi_tensor *t = &m->desc->outputs[i];
    if (!t->nbytes) continue;
    e = clEnqueueReadBuffer(m->queue, m->mems[m->output_mem[i]], CL_FALSE, 0, (size_t)t->nbytes,
                            outputs[i], 0, NULL, NULL);
    if (e != CL_SUCCESS) {
      char about[RT_NAME_STRLEN + 32], name[RT_NAME_STRLEN];
      snprintf(about, sizeof about, "output %d '%s'", i, rt_show(name, t->name, strlen(t->name)));
      return run_fail(m, e, "clEnqueueReadBuffer", about, err, errlen);
    }
  }
  return XG_OK;
}

/* Each launch's time from its event (-1 for those that did not run);
 * releases the events. */
static xg_status collect_times(RtclModel *m, char *err, size_t errlen) {
  xg_status s = XG_OK;
  for (int i = 0; i < m->ocl->nlaunches; i++) {
    cl_ulong t0 = 0, t1 = 0;
    cl_int e = CL_SUCCESS;
    m->ms[i] = -1;
    if (!m->events[i]) continue;
    if (!s && ((e = clGetEventProfilingInfo(m->events[i], CL_PROFILING_COMMAND_START, sizeof t0,
                                            &t0, NULL)) ||
               (e = clGetEventProfilingInfo(m->events[i], CL_PROFILING_COMMAND_END, sizeof t1, &t1,
                                            NULL))))
      s = run_fail(m, e, "clGetEventProfilingInfo", "", err, errlen);
    m->ms[i] = t1 >= t0 ? (double)(t1 - t0) * 1e-6 : 0;
    clReleaseEvent(m->events[i]);
    m->events[i] = NULL;
  }
  return s;
}

/* After a failed run: no times, no events. */
static void drop_events(RtclModel *m) {
  for (int i = 0; i < m->ocl->nlaunches; i++) {
    if (m->events[i]) clReleaseEvent(m->events[i]);
    m->events[i] = NULL;
    m->ms[i] = -1;
  }
}

xg_status rtcl_run(RtclModel *m, const void *const *inputs, void *const *outputs, char *err,
                   size_t errlen) {
  cl_int status = 0, e;
  char shown[RT_NAME_STRLEN];
  xg_status s;
  if ((s = write_inputs(m, inputs, err, errlen)) || (s = launch_all(m, err, errlen)) ||
      (s = read_back(m, &status, outputs, err, errlen)))
    return drop_events(m), s;
  if ((e = clFinish(m->queue)) != CL_SUCCESS)
    return drop_events(m), run_fail(m, e, "clFinish", "after the run", err, errlen);
  m->prepared = 1;
  rtcl_store(&m->pending, m->program); /* after the first run: see ocl.h */
  if (m->profile && (s = collect_times(m, err, errlen))) return s;
  if (status != XG_RUN_OK)
    return snprintf(err, errlen, "%s: model '%s' failed with code %d (%s)", m->who,
                    rt_show(shown, m->desc->name, strlen(m->desc->name)), (int)status,
                    xg_run_error_text(status)),
           XG_ERR_RUNTIME;
  return XG_OK;
}
