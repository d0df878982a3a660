/* runtime/model.c -- the C API of xg.h: loads a compiled model library and
 * its weights, checks one against the other, runs it on a thread pool (a
 * CPU model) or hands it to the OpenCL executor (runtime/ocl_*.c). */
#include "runtime/xg.h"
#include "runtime/xg_abi.h"
#include "runtime/ocl.h"
#include "runtime/rt.h"
#include "runtime/rt_int.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert((int)XG_F32 == RT_F32 && (int)XG_F16 == RT_F16 && (int)XG_I32 == RT_I32 &&
                   (int)XG_I8 == RT_I8 && (int)XG_BOOL == RT_BOOL,
               "xg_dtype and RtDType agree");

struct xg_model {
  void *lib;                 /* the dlopen handle */
  const xg_abi_model *desc;  /* the library's descriptor (lives as long as lib) */
  char *library;             /* the path, for messages */
  RtMap map;                 /* the weights file */
  RtSafetensors *st;         /* its tensors, over map */
  const void **weights;      /* desc->nweights pointers into st */
  void *scratch;             /* desc->scratch_bytes, 64-byte aligned, or NULL */
  xg_pool *pool;             /* a CPU model's */
  RtclModel *ocl;            /* an OpenCL model's executor */
  atomic_int running;        /* an xg_model_run is in progress */
};

/* ------------------------------------------------------------------ errors */

/* Room for a message with an OpenCL build log (ocl_build.c trims it). */
enum { MODEL_ERRLEN = 8192 };
static _Thread_local char model_err[MODEL_ERRLEN];

const char *xg_last_error(void) {
  return model_err;
}

/* Records the message of a failure and returns its status. */
__attribute__((format(printf, 2, 3)))
static xg_status model_fail(xg_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(model_err, sizeof model_err, fmt, ap);
  va_end(ap);
  return s;
}

#define XG_STATUSES(X) \
  X(XG_OK)             \
  X(XG_ERR_ARGUMENT)   \
  X(XG_ERR_IO)         \
  X(XG_ERR_FORMAT)     \
  X(XG_ERR_MISMATCH)   \
  X(XG_ERR_MEMORY)     \
  X(XG_ERR_RUNTIME)

static const char *const status_names[] = {
#define X(s) #s,
    XG_STATUSES(X)
#undef X
};
_Static_assert(sizeof status_names / sizeof *status_names == XG_ERR_RUNTIME + 1, "statuses");

const char *xg_status_name(xg_status s) {
  return (unsigned)s <= XG_ERR_RUNTIME ? status_names[s] : "XG_ERR_UNKNOWN";
}

/* ---------------------------------------------------------- the library */

/* Puts the library that holds this file in the global scope, so that a
 * model's undefined xg_parallel_for resolves even when the application
 * opened libxgrt with RTLD_LOCAL (Python's ctypes does).  Nothing happens
 * when the runtime is part of the executable. */
static void model_promote_runtime(void) {
  Dl_info info;
  if (dladdr((void *)xg_model_load, &info) && info.dli_fname) {
    void *self = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
    if (self) dlclose(self);
  }
  dlerror();
}

/* The text of dlerror() without the path it may start with (as given, or
 * with the "./" of model_dlopen). */
static const char *model_dlerror(const char *path) {
  const char *e = dlerror();
  size_t n = strlen(path);
  if (!e) return "out of memory";
  if (!strncmp(e, "./", 2) && !strchr(path, '/')) e += 2;
  if (!strncmp(e, path, n) && !strncmp(e + n, ": ", 2)) e += n + 2;
  return e;
}

/* dlopen of a file: a name without a slash would be searched for in the
 * library path, so it gets "./" like the open() of the check. */
static void *model_dlopen(const char *path) {
  if (strchr(path, '/')) return dlopen(path, RTLD_NOW | RTLD_LOCAL);
  size_t n = strlen(path);
  char *local = malloc(n + 3);
  if (!local) return NULL;
  memcpy(local, "./", 2);
  memcpy(local + 2, path, n + 1);
  void *h = dlopen(local, RTLD_NOW | RTLD_LOCAL);
  free(local);
  return h;
}

/* Opens the library and reads its descriptor's version. */
static xg_status model_open_lib(xg_model *m, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0) return model_fail(XG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  close(fd);
  if (!regular) return model_fail(XG_ERR_IO, "%s: cannot open: not a regular file", path);
  model_promote_runtime();
  if (!(m->lib = model_dlopen(path)))
    return model_fail(XG_ERR_FORMAT, "%s: cannot load: %s", path, model_dlerror(path));
  const xg_abi_model *(*describe)(void);
  *(void **)&describe = dlsym(m->lib, XG_ABI_DESCRIBE_SYMBOL);
  if (!describe)
    return model_fail(XG_ERR_FORMAT, "%s: not a model library (no symbol '%s')", path,
                      XG_ABI_DESCRIBE_SYMBOL);
  if (!(m->desc = describe()))
    return model_fail(XG_ERR_FORMAT, "%s: %s() returned NULL", path, XG_ABI_DESCRIBE_SYMBOL);
  if (m->desc->abi_version != XG_ABI_VERSION)
    return model_fail(XG_ERR_FORMAT,
                      "%s: model ABI version %u, this runtime reads version %d (rebuild the "
                      "model with the xgc of this runtime)",
                      path, (unsigned)m->desc->abi_version, (int)XG_ABI_VERSION);
  return XG_OK;
}

/* NULL when t is a well-formed tensor of the descriptor; else the problem,
 * in buf. */
static const char *model_tensor_problem(const xg_abi_tensor *t, char *buf, size_t len) {
  char sh[RT_SHAPE_STRLEN];
  int64_t elems;
  size_t nbytes;
  if (!t->name) return "it has no name";
  if (t->dtype < 0 || t->dtype >= RT__COUNT)
    return snprintf(buf, len, "dtype %d is unknown", (int)t->dtype), buf;
  if (t->rank < 0 || t->rank > RT_MAX_RANK)
    return snprintf(buf, len, "rank %d is outside 0..%d", (int)t->rank, RT_MAX_RANK), buf;
  if (t->rank > 0 && !t->shape) return "its shape is NULL";
  if (rt_shape_bytes((RtDType)t->dtype, t->rank, t->shape, &elems, &nbytes))
    return "its shape is negative or too large";
  if (nbytes != t->nbytes) {
    rt_shape_str(sh, sizeof sh, t->rank, t->shape);
    snprintf(buf, len, "nbytes is %llu, shape %s of %s needs %zu", (unsigned long long)t->nbytes,
             sh, rt_dtype_name((RtDType)t->dtype), nbytes);
    return buf;
  }
  return NULL;
}

static int model_cmp_names(const void *a, const void *b) {
  return strcmp((*(const xg_abi_tensor *const *)a)->name, (*(const xg_abi_tensor *const *)b)->name);
}

/* The first weight name that appears twice, or NULL (names checked first). */
static const char *model_dup_weight(const xg_abi_model *d, xg_status *s) {
  const xg_abi_tensor **v = malloc(((size_t)d->nweights + 1) * sizeof *v);
  const char *dup = NULL;
  if (!v) return *s = XG_ERR_MEMORY, NULL;
  for (int i = 0; i < d->nweights; i++) v[i] = &d->weights[i];
  qsort(v, (size_t)d->nweights, sizeof *v, model_cmp_names);
  for (int i = 1; i < d->nweights && !dup; i++)
    if (!strcmp(v[i - 1]->name, v[i]->name)) dup = v[i]->name;
  free(v);
  return dup;
}

/* Checks one array of the descriptor. */
static xg_status model_check_tensors(const char *path, const char *what, int n,
                                     const xg_abi_tensor *ts) {
  char buf[RT_SHAPE_STRLEN + 128], shown[RT_NAME_STRLEN];
  if (n < 0) return model_fail(XG_ERR_FORMAT, "%s: bad model descriptor: %d %ss", path, n, what);
  if (n > 0 && !ts)
    return model_fail(XG_ERR_FORMAT, "%s: bad model descriptor: %d %ss and no array of them", path,
                      n, what);
  for (int i = 0; i < n; i++) {
    const char *why = model_tensor_problem(&ts[i], buf, sizeof buf);
    if (!why) continue;
    if (!ts[i].name)
      return model_fail(XG_ERR_FORMAT, "%s: bad model descriptor: %s %d: %s", path, what, i, why);
    return model_fail(XG_ERR_FORMAT, "%s: bad model descriptor: %s %d ('%s'): %s", path, what, i,
                      rt_show(shown, ts[i].name, strlen(ts[i].name)), why);
  }
  return XG_OK;
}

/* Checks what the runtime relies on: counts, arrays, tensors, unique
 * weight names, a run function or an OpenCL program (rtcl_check_desc). */
static xg_status model_check_desc(const xg_abi_model *d, const char *path) {
  char shown[RT_NAME_STRLEN], err[MODEL_ERRLEN];
  xg_status s = XG_OK;
  if (!d->name)
    return model_fail(XG_ERR_FORMAT, "%s: bad model descriptor: the model has no name", path);
  if (!d->run && !d->ocl)
    return model_fail(XG_ERR_FORMAT,
                      "%s: bad model descriptor: neither a run function nor an OpenCL program",
                      path);
  if (d->run && d->ocl)
    return model_fail(XG_ERR_FORMAT,
                      "%s: bad model descriptor: both a run function and an OpenCL program "
                      "(a model has one or the other)",
                      path);
  if ((s = model_check_tensors(path, "input", d->ninputs, d->inputs)) ||
      (s = model_check_tensors(path, "output", d->noutputs, d->outputs)) ||
      (s = model_check_tensors(path, "weight", d->nweights, d->weights)))
    return s;
  const char *dup = model_dup_weight(d, &s);
  if (s) return model_fail(s, "%s: out of memory", path);
  if (dup)
    return model_fail(XG_ERR_FORMAT, "%s: bad model descriptor: two weights are called '%s'", path,
                      rt_show(shown, dup, strlen(dup)));
  if (d->ocl && (s = rtcl_check_desc(d, path, err, sizeof err))) return model_fail(s, "%s", err);
  return XG_OK;
}

/* ---------------------------------------------------------- the weights */

/* "f32 [2, 3]" into buf. */
static const char *model_type_str(char *buf, size_t len, int dtype, int rank,
                                  const int64_t *shape) {
  char sh[RT_SHAPE_STRLEN];
  rt_shape_str(sh, sizeof sh, rank, shape);
  snprintf(buf, len, "%s %s", rt_dtype_name((RtDType)dtype), sh);
  return buf;
}

/* Appends to buf the file's tensors that the model does not use (at most
 * three), for the message of a missing weight: a misspelt name shows. */
static void model_unused_names(const xg_model *m, char *buf, size_t len) {
  const xg_abi_model *d = m->desc;
  char shown[RT_NAME_STRLEN];
  int listed = 0, unused = 0;
  size_t at = 0;
  for (int i = 0; i < rt_st_count(m->st); i++) {
    const char *name = rt_st_name(m->st, i);
    int used = 0;
    for (int k = 0; k < d->nweights && !used; k++) used = !strcmp(d->weights[k].name, name);
    if (used) continue;
    unused++;
    if (listed == 3 || at >= len) continue;
    at += (size_t)snprintf(buf + at, len - at, "%s'%s'", listed++ ? ", " : "; unused in the file: ",
                           rt_show(shown, name, strlen(name)));
  }
  if (unused > listed && at < len) snprintf(buf + at, len - at, " and %d more", unused - listed);
}

/* The problem with weight k of the model in the file, in buf; NULL if none. */
static const char *model_weight_problem(const xg_model *m, int k, char *buf, size_t len) {
  const xg_abi_tensor *w = &m->desc->weights[k];
  char want[RT_SHAPE_STRLEN + 16], got[RT_SHAPE_STRLEN + 16], name[RT_NAME_STRLEN];
  const RtTensor *t = rt_st_find(m->st, w->name);
  model_type_str(want, sizeof want, w->dtype, w->rank, w->shape);
  rt_show(name, w->name, strlen(w->name));
  if (!t) return snprintf(buf, len, "no tensor '%s' (the model needs %s)", name, want), buf;
  int same = (int)t->dtype == w->dtype && t->rank == w->rank;
  for (int i = 0; same && i < w->rank; i++) same = t->shape[i] == w->shape[i];
  if (same) return NULL;
  model_type_str(got, sizeof got, (int)t->dtype, t->rank, t->shape);
  snprintf(buf, len, "tensor '%s' is %s, the model needs %s", name, got, want);
  return buf;
}

/* Maps the weights file and checks every weight of the model against it:
 * the first problem is reported with the count of the others. */
static xg_status model_load_weights(xg_model *m, const char *path) {
  char err[MODEL_ERRLEN], first[MODEL_ERRLEN], buf[MODEL_ERRLEN];
  if (rt_map_file(path, &m->map, err, sizeof err)) return model_fail(XG_ERR_IO, "%s", err);
  if (!(m->st = rt_st_parse(path, m->map.data, m->map.len, err, sizeof err)))
    return model_fail(XG_ERR_FORMAT, "%s", err);
  int bad = 0, missing = 0;
  for (int k = 0; k < m->desc->nweights; k++) {
    const char *why = model_weight_problem(m, k, bad ? buf : first, sizeof first);
    if (!why) m->weights[k] = rt_st_find(m->st, m->desc->weights[k].name)->data;
    else if (!bad++) missing = !rt_st_find(m->st, m->desc->weights[k].name);
  }
  if (!bad) return XG_OK;
  buf[0] = 0;
  if (missing) model_unused_names(m, buf, sizeof buf);
  char more[64] = "";
  if (bad > 1)
    snprintf(more, sizeof more, " (and %d more mismatched weight%s)", bad - 1, bad > 2 ? "s" : "");
  return model_fail(XG_ERR_MISMATCH, "%s: %s%s%s", path, first, buf, more);
}

/* ---------------------------------------------------------------- load */

/* More than any 64-bit address space holds (x86-64 and AArch64 user space
 * is at most 2^47..2^52 bytes): refused without asking the allocator. */
#define MODEL_MAX_SCRATCH ((uint64_t)1 << 56)

/* The weight pointers and the scratch arena (zeroed, so that a model that
 * reads before it writes does so the same way on every run); an OpenCL
 * model has its arena on the device instead (scratch_bytes unused). */
static xg_status model_alloc(xg_model *m) {
  const xg_abi_model *d = m->desc;
  if (!(m->weights = calloc((size_t)d->nweights + 1, sizeof *m->weights)))
    return model_fail(XG_ERR_MEMORY, "%s: out of memory", m->library);
  if (!d->scratch_bytes || d->ocl) return XG_OK;
  uint64_t size = (d->scratch_bytes + 63) & ~(uint64_t)63;
  if (d->scratch_bytes > MODEL_MAX_SCRATCH || size > SIZE_MAX ||
      posix_memalign(&m->scratch, 64, (size_t)size) != 0) {
    m->scratch = NULL;
    return model_fail(XG_ERR_MEMORY, "%s: out of memory for the scratch arena (%llu bytes)",
                      m->library, (unsigned long long)d->scratch_bytes);
  }
  memset(m->scratch, 0, (size_t)size);
  return XG_OK;
}

/* An OpenCL model: the executor gets the weights, which are not needed
 * on the host afterwards (the mapping goes). */
static xg_status model_load_ocl(xg_model *m, int profile) {
  char err[MODEL_ERRLEN];
  xg_status s = rtcl_load(m->desc, m->weights, profile, m->library, &m->ocl, err, sizeof err);
  if (s) return model_fail(s, "%s", err);
  rt_st_close(m->st);
  rt_unmap_file(&m->map);
  m->st = NULL;
  memset(m->weights, 0, (size_t)m->desc->nweights * sizeof *m->weights);
  return XG_OK;
}

static xg_status model_load_into(xg_model *m, const char *library, const char *weights,
                                 int threads, int profile) {
  char err[MODEL_ERRLEN], shown[RT_NAME_STRLEN];
  xg_status s;
  if (!(m->library = strdup(library)))
    return model_fail(XG_ERR_MEMORY, "%s: out of memory", library);
  if ((s = model_open_lib(m, library)) || (s = model_check_desc(m->desc, library)) ||
      (s = model_alloc(m)))
    return s;
  if (!weights && m->desc->nweights > 0)
    return model_fail(XG_ERR_ARGUMENT,
                      "xg_model_load: model '%s' (%s) has %d weight%s and no "
                      "weights file was given",
                      rt_show(shown, m->desc->name, strlen(m->desc->name)), library,
                      (int)m->desc->nweights, m->desc->nweights > 1 ? "s" : "");
  if (weights && (s = model_load_weights(m, weights))) return s;
  if (m->desc->ocl) return model_load_ocl(m, profile);
  if (!(m->pool = rt_pool_create(threads, err, sizeof err)))
    return model_fail(XG_ERR_RUNTIME, "xg_model_load: %s", err);
  return XG_OK;
}

xg_status xg_model_load(const char *library, const char *weights, const xg_options *opts,
                        xg_model **out) {
  char err[MODEL_ERRLEN];
  int threads;
  if (out) *out = NULL;
  if (!library) return model_fail(XG_ERR_ARGUMENT, "xg_model_load: library is NULL");
  if (!out) return model_fail(XG_ERR_ARGUMENT, "xg_model_load: out is NULL");
  if (rt_pool_threads(opts ? opts->threads : 0, &threads, err, sizeof err))
    return model_fail(XG_ERR_ARGUMENT, "xg_model_load: %s", err);
  xg_model *m = calloc(1, sizeof *m);
  if (!m) return model_fail(XG_ERR_MEMORY, "xg_model_load: out of memory");
  xg_status s = model_load_into(m, library, weights, threads, opts ? opts->profile : 0);
  if (s) xg_model_free(m);
  else *out = m;
  return s;
}

void xg_model_free(xg_model *m) {
  if (!m) return;
  rtcl_free(m->ocl);
  rt_pool_free(m->pool);
  free(m->scratch);
  free(m->weights);
  rt_st_close(m->st);
  rt_unmap_file(&m->map);
  if (m->lib) dlclose(m->lib);
  free(m->library);
  free(m);
}

/* ------------------------------------------------------------- queries */

int xg_model_num_inputs(const xg_model *m) {
  if (!m) return model_fail(XG_ERR_ARGUMENT, "xg_model_num_inputs: model is NULL"), -1;
  return m->desc->ninputs;
}

int xg_model_num_outputs(const xg_model *m) {
  if (!m) return model_fail(XG_ERR_ARGUMENT, "xg_model_num_outputs: model is NULL"), -1;
  return m->desc->noutputs;
}

static xg_status model_info(const char *fn, const char *what, const xg_model *m, int i,
                            xg_tensor_info *info, int output) {
  char shown[RT_NAME_STRLEN];
  if (!m) return model_fail(XG_ERR_ARGUMENT, "%s: model is NULL", fn);
  if (!info) return model_fail(XG_ERR_ARGUMENT, "%s: info is NULL", fn);
  int n = output ? m->desc->noutputs : m->desc->ninputs;
  if (i < 0 || i >= n)
    return model_fail(XG_ERR_ARGUMENT, "%s: %s %d is out of range (model '%s' has %d %s%s)", fn,
                      what, i, rt_show(shown, m->desc->name, strlen(m->desc->name)), n, what,
                      n == 1 ? "" : "s");
  const xg_abi_tensor *t = output ? &m->desc->outputs[i] : &m->desc->inputs[i];
  info->name = t->name;
  info->dtype = (xg_dtype)t->dtype;
  info->rank = t->rank;
  info->shape = t->shape;
  info->nbytes = (size_t)t->nbytes;
  return XG_OK;
}

xg_status xg_model_input(const xg_model *m, int i, xg_tensor_info *info) {
  return model_info("xg_model_input", "input", m, i, info, 0);
}

xg_status xg_model_output(const xg_model *m, int i, xg_tensor_info *info) {
  return model_info("xg_model_output", "output", m, i, info, 1);
}

/* ----------------------------------------------------------------- run */

/* Checks one array of run's pointers: present, and no NULL for a tensor
 * that has bytes. */
static xg_status model_check_ptrs(const xg_model *m, const char *what, const void *const *p, int n,
                                  const xg_abi_tensor *ts) {
  char shown[RT_NAME_STRLEN];
  if (n > 0 && !p)
    return model_fail(XG_ERR_ARGUMENT, "xg_model_run: %ss is NULL (model '%s' has %d %s%s)", what,
                      rt_show(shown, m->desc->name, strlen(m->desc->name)), n, what,
                      n == 1 ? "" : "s");
  for (int i = 0; i < n; i++)
    if (!p[i] && ts[i].nbytes)
      return model_fail(XG_ERR_ARGUMENT, "xg_model_run: %s %d ('%s') is NULL", what, i,
                        rt_show(shown, ts[i].name, strlen(ts[i].name)));
  return XG_OK;
}

xg_status xg_model_run(xg_model *m, const void *const *inputs, void *const *outputs) {
  char shown[RT_NAME_STRLEN];
  xg_status s;
  if (!m) return model_fail(XG_ERR_ARGUMENT, "xg_model_run: model is NULL");
  const xg_abi_model *d = m->desc;
  if ((s = model_check_ptrs(m, "input", inputs, d->ninputs, d->inputs)) ||
      (s = model_check_ptrs(m, "output", (const void *const *)outputs, d->noutputs, d->outputs)))
    return s;
  rt_show(shown, d->name, strlen(d->name));
  if (atomic_exchange(&m->running, 1))
    return model_fail(XG_ERR_ARGUMENT, "xg_model_run: model '%s' is already running in another "
                      "thread (one run at a time per loaded model)", shown);
  if (m->ocl) {
    char err[MODEL_ERRLEN];
    s = rtcl_run(m->ocl, inputs, outputs, err, sizeof err);
    atomic_store(&m->running, 0);
    return s ? model_fail(s, "%s", err) : XG_OK;
  }
  xg_abi_args args = {inputs, outputs, m->weights, m->scratch, m->pool};
  int32_t rc = d->run(&args);
  atomic_store(&m->running, 0);
  if (rc)
    return model_fail(XG_ERR_RUNTIME, "%s: model '%s' failed with code %d (%s)", m->library, shown,
                      (int)rc, xg_run_error_text(rc));
  return XG_OK;
}

/* ------------------------------------------------------------- profiles */

int xg_model_num_launches(const xg_model *m) {
  if (!m) return model_fail(XG_ERR_ARGUMENT, "xg_model_num_launches: model is NULL"), -1;
  return m->desc->ocl ? m->desc->ocl->nlaunches : 0;
}

xg_status xg_model_launch_time(const xg_model *m, int i, const char **kernel, const char **what,
                               double *ms) {
  char shown[RT_NAME_STRLEN];
  if (!m) return model_fail(XG_ERR_ARGUMENT, "xg_model_launch_time: model is NULL");
  rt_show(shown, m->desc->name, strlen(m->desc->name));
  if (!m->ocl)
    return model_fail(XG_ERR_ARGUMENT,
                      "xg_model_launch_time: model '%s' is a CPU model: it has no kernel "
                      "launches to time (per-launch profiles are for OpenCL models)",
                      shown);
  int n = m->desc->ocl->nlaunches;
  if (i < 0 || i >= n)
    return model_fail(XG_ERR_ARGUMENT,
                      "xg_model_launch_time: launch %d is out of range (model '%s' has %d "
                      "launch%s)",
                      i, shown, n, n == 1 ? "" : "es");
  if (!rtcl_profiling(m->ocl))
    return model_fail(XG_ERR_ARGUMENT,
                      "xg_model_launch_time: model '%s' was loaded without profiling (set "
                      "xg_options.profile)",
                      shown);
  if (kernel) *kernel = m->desc->ocl->launches[i].kernel;
  if (what) *what = m->desc->ocl->launches[i].what;
  if (ms) *ms = rtcl_launch_ms(m->ocl, i);
  return XG_OK;
}

xg_status xg_model_device(const xg_model *m, const char **platform, const char **device,
                          const char **driver) {
  char shown[RT_NAME_STRLEN];
  if (!m) return model_fail(XG_ERR_ARGUMENT, "xg_model_device: model is NULL");
  if (!m->ocl) {
    rt_show(shown, m->desc->name, strlen(m->desc->name));
    return model_fail(XG_ERR_ARGUMENT,
                      "xg_model_device: model '%s' is a CPU model: it runs on the host's "
                      "threads, not on an OpenCL device",
                      shown);
  }
  const RtclDevice *d = &m->ocl->dev;
  if (platform) *platform = d->platform_name;
  if (device) *device = d->name;
  if (driver) *driver = d->driver;
  return XG_OK;
}
