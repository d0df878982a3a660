/* runtime/ocl_check.c -- the checks of an OpenCL model's descriptor
 * (xg_abi_ocl) that need no device: what the executor relies on. */
#include "runtime/ocl.h"
#include "runtime/rt_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records "WHO: bad model descriptor: ..." and returns XG_ERR_FORMAT. */
__attribute__((format(printf, 4, 5)))
static xg_status bad(char *err, size_t errlen, const char *who, const char *fmt, ...) {
  int n = snprintf(err, errlen, "%s: bad model descriptor: ", who);
  va_list ap;
  va_start(ap, fmt);
  if (n >= 0 && (size_t)n < errlen) vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
  va_end(ap);
  return XG_ERR_FORMAT;
}

/* How many tensors of a signature kind the model has; -1 for other kinds. */
static int signature_count(const xg_abi_model *d, int32_t kind) {
  return kind == XG_OCL_INPUT    ? d->ninputs
         : kind == XG_OCL_OUTPUT ? d->noutputs
         : kind == XG_OCL_WEIGHT ? d->nweights
                                 : -1;
}

/* The memory objects: kinds, indices, images; each tensor and the arena
 * and status word at most once (seen[] marks them), every output once. */
static xg_status check_mems(const xg_abi_model *d, const char *who, char *err, size_t errlen) {
  const xg_abi_ocl *o = d->ocl;
  int n = d->ninputs + d->noutputs + d->nweights, arena = -1, status = -1;
  int *seen = calloc((size_t)n + 1, sizeof *seen);
  xg_status s = XG_OK;
  if (!seen) return snprintf(err, errlen, "%s: out of memory", who), XG_ERR_MEMORY;
  for (int i = 0; i < o->nmems && !s; i++) {
    const xg_abi_ocl_mem *m = &o->mems[i];
    int count = signature_count(d, m->kind);
    int base = m->kind == XG_OCL_INPUT ? 0 : m->kind == XG_OCL_OUTPUT ? d->ninputs
                                                                       : d->ninputs + d->noutputs;
    if (!xg_ocl_mem_kind_name(m->kind)) s = bad(err, errlen, who, "memory object %d: kind %d is unknown", i,
                                     (int)m->kind);
    else if (count >= 0 && (m->index < 0 || m->index >= count))
      s = bad(err, errlen, who, "memory object %d: %s %d is out of range (the model has %d)", i,
              xg_ocl_mem_kind_name(m->kind), (int)m->index, count);
    else if (count >= 0 && seen[base + m->index]++)
      s = bad(err, errlen, who, "memory object %d: %s %d has a memory object already", i,
              xg_ocl_mem_kind_name(m->kind), (int)m->index);
    else if ((m->kind == XG_OCL_ARENA && arena >= 0) || (m->kind == XG_OCL_STATUS && status >= 0))
      s = bad(err, errlen, who, "memory object %d: a second %s (memory object %d is one)", i,
              xg_ocl_mem_kind_name(m->kind), m->kind == XG_OCL_ARENA ? arena : status);
    else if (m->kind == XG_OCL_IMAGE && (m->width == 0 || m->height == 0))
      s = bad(err, errlen, who, "memory object %d: an image of %llu x %llu pixels", i,
              (unsigned long long)m->width, (unsigned long long)m->height);
    if (m->kind == XG_OCL_ARENA) arena = i;
    if (m->kind == XG_OCL_STATUS) status = i;
  }
  char shown[RT_NAME_STRLEN];
  for (int i = 0; i < d->noutputs && !s; i++)
    if (!seen[d->ninputs + i])
      s = bad(err, errlen, who, "output %d ('%s') has no memory object", i,
              rt_show(shown, d->outputs[i].name, strlen(d->outputs[i].name)));
  free(seen);
  return s;
}

/* One launch: names, args, the NDRange. */
static xg_status check_launch(const xg_abi_ocl *o, int i, const char *who, char *err,
                              size_t errlen) {
  const xg_abi_ocl_launch *l = &o->launches[i];
  if (!l->kernel || !*l->kernel) return bad(err, errlen, who, "launch %d has no kernel name", i);
  if (!l->what) return bad(err, errlen, who, "launch %d ('%s') has no 'what'", i, l->kernel);
  if (l->nargs < 0 || (l->nargs > 0 && !l->args))
    return bad(err, errlen, who, "launch %d ('%s'): %d args%s", i, l->kernel, (int)l->nargs,
               l->nargs > 0 ? " and no array of them" : "");
  for (int a = 0; a < l->nargs; a++)
    if (l->args[a] < 0 || l->args[a] >= o->nmems)
      return bad(err, errlen, who, "launch %d ('%s'): arg %d is memory object %d (there are %d)",
                 i, l->kernel, a, (int)l->args[a], (int)o->nmems);
  if (l->once != 0 && l->once != 1)
    return bad(err, errlen, who, "launch %d ('%s'): once is %d (0 or 1)", i, l->kernel,
               (int)l->once);
  if (l->work_dim < 1 || l->work_dim > 3)
    return bad(err, errlen, who, "launch %d ('%s'): work_dim %d is outside 1..3", i, l->kernel,
               (int)l->work_dim);
  int locals = 0;
  for (int k = 0; k < l->work_dim; k++) locals += l->local[k] != 0;
  for (int k = 0; k < l->work_dim; k++) {
    if (l->global[k] == 0)
      return bad(err, errlen, who, "launch %d ('%s'): global size %llu in dimension %d", i,
                 l->kernel, (unsigned long long)l->global[k], k);
    if (locals && locals != l->work_dim)
      return bad(err, errlen, who,
                 "launch %d ('%s'): a local size of 0 in some dimensions only (all 0: the "
                 "driver chooses)", i, l->kernel);
    if (locals && l->global[k] % l->local[k])
      return bad(err, errlen, who,
                 "launch %d ('%s'): global size %llu is not a multiple of local size %llu in "
                 "dimension %d", i, l->kernel, (unsigned long long)l->global[k],
                 (unsigned long long)l->local[k], k);
  }
  return XG_OK;
}

xg_status rtcl_check_desc(const xg_abi_model *d, const char *who, char *err, size_t errlen) {
  const xg_abi_ocl *o = d->ocl;
  xg_status s;
  if (!o->source) return bad(err, errlen, who, "the OpenCL program has no source");
  if (!o->build_options) return bad(err, errlen, who, "the OpenCL program's build_options is NULL "
                                    "(\"\" for none)");
  if (o->nmems < 0 || (o->nmems > 0 && !o->mems))
    return bad(err, errlen, who, "%d memory objects%s", (int)o->nmems,
               o->nmems > 0 ? " and no array of them" : "");
  if (o->nlaunches < 0 || (o->nlaunches > 0 && !o->launches))
    return bad(err, errlen, who, "%d launches%s", (int)o->nlaunches,
               o->nlaunches > 0 ? " and no array of them" : "");
  if ((s = check_mems(d, who, err, errlen))) return s;
  for (int i = 0; i < o->nlaunches; i++)
    if ((s = check_launch(o, i, who, err, errlen))) return s;
  return XG_OK;
}
