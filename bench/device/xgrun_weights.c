/* xgrun_weights.c -- xgrun's --random-weights (xgrun_weights.h): reads the
 * weights' names, types and shapes from the library's descriptor
 * (runtime/xg_abi.h; xg.h does not list weights, since a loaded model has
 * them already) and writes xgc's random fill of them to a safetensors file. */
#include "bench/device/xgrun_weights.h"
#include "runtime/rt.h"
#include "runtime/xg_abi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Is t a tensor this reader can allocate?  (The runtime checks every
 * descriptor fully at load time; this guards only what is read here.) */
static int usable(const xg_abi_tensor *t) {
  if (!t->name || t->dtype < 0 || t->dtype >= RT__COUNT || t->rank < 0 || t->rank > RT_MAX_RANK ||
      (t->rank > 0 && !t->shape))
    return 0;
  for (int d = 0; d < t->rank; d++)
    if (t->shape[d] < 0) return 0;
  return 1;
}

/* The descriptor of an open library, if it is one of this ABI with usable
 * weights; else NULL. */
static const xg_abi_model *describe(void *h) {
  const xg_abi_model *(*fn)(void);
  *(void **)&fn = dlsym(h, XG_ABI_DESCRIBE_SYMBOL);
  const xg_abi_model *d = fn ? fn() : NULL;
  if (!d || d->abi_version != XG_ABI_VERSION || d->nweights < 0 || (d->nweights && !d->weights))
    return NULL;
  for (int i = 0; i < d->nweights; i++)
    if (!usable(&d->weights[i])) return NULL;
  return d;
}

/* A new empty file in $TMPDIR or /tmp; its path (malloc'd) or NULL. */
static char *temp_file(char *err, size_t errlen) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  size_t n = strlen(dir) + 64;
  char *path = malloc(n);
  if (!path) return snprintf(err, errlen, "out of memory"), NULL;
  snprintf(path, n, "%s/xgrun-weights-XXXXXX", dir);
  int fd = mkstemp(path);
  if (fd < 0) {
    snprintf(err, errlen, "cannot make a temporary file in %s (set TMPDIR)", dir);
    free(path);
    return NULL;
  }
  close(fd);
  return path;
}

/* Fills d's weights and writes them to a new temporary file. */
static char *write_weights(const xg_abi_model *d, uint64_t seed, char *err, size_t errlen) {
  int n = d->nweights;
  RtTensor *ts = calloc((size_t)n, sizeof *ts);
  const RtTensor **tp = calloc((size_t)n, sizeof *tp);
  const char **names = calloc((size_t)n, sizeof *names);
  char *path = NULL;
  int ok = ts && tp && names;
  if (!ok) snprintf(err, errlen, "out of memory");
  for (int i = 0; ok && i < n; i++) {
    const xg_abi_tensor *t = &d->weights[i];
    char e[256];
    if (rt_tensor_alloc(&ts[i], (RtDType)t->dtype, t->rank, t->shape, e, sizeof e)) {
      snprintf(err, errlen, "weight '%s': %s", t->name, e);
      ok = 0;
      break;
    }
    rt_fill_random_weight(&ts[i], seed, t->name);
    names[i] = t->name;
    tp[i] = &ts[i];
  }
  if (ok && (path = temp_file(err, errlen)) && rt_st_write(path, n, names, tp, err, errlen)) {
    unlink(path);
    free(path);
    path = NULL;
  }
  for (int i = 0; ts && i < n; i++) rt_tensor_free(&ts[i]);
  free(ts), free(tp), free(names);
  return path;
}

char *xgrun_random_weights(const char *lib, uint64_t seed, char *err, size_t errlen) {
  err[0] = 0;
  /* a name without a slash is a file here, as xg_model_load takes it */
  size_t len = strlen(lib);
  char *local = malloc(len + 3);
  if (!local) return snprintf(err, errlen, "out of memory"), NULL;
  snprintf(local, len + 3, "%s%s", strchr(lib, '/') ? "" : "./", lib);
  void *h = dlopen(local, RTLD_NOW | RTLD_LOCAL);
  free(local);
  if (!h) return NULL; /* xg_model_load says why */
  const xg_abi_model *d = describe(h);
  char *path = d && d->nweights > 0 ? write_weights(d, seed, err, errlen) : NULL;
  dlclose(h);
  return path;
}
