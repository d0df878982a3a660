/* ocl_load.c -- the cold start of a model: the time of xg_model_load, of
 * the first run and of the second, in one process (zero inputs; a
 * benchmark, not a test; bench/ocl_coldstart.sh runs it in fresh
 * processes):  bench/ocl_load MODEL.so [WEIGHTS]
 * Without WEIGHTS, a model with weights gets zeros (written to a temporary
 * file from the library's descriptor before the clock starts).
 * Prints "load_ms first_run_ms second_run_ms". */
#include "runtime/rt.h"
#include "runtime/xg.h"
#include "runtime/xg_abi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Zero weights for the model of lib, in a temporary file; its path
 * (static), or NULL when the model has none or on failure (said). */
static const char *zero_weights(const char *lib) {
  static char path[] = "/tmp/xg-ocl-load-XXXXXX";
  char err[512];
  void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
  const xg_abi_model *(*describe)(void);
  *(void **)&describe = h ? dlsym(h, XG_ABI_DESCRIBE_SYMBOL) : NULL;
  const xg_abi_model *d = describe ? describe() : NULL;
  int n = d ? d->nweights : 0, fd = n ? mkstemp(path) : -1, rc = n ? -1 : 0;
  RtTensor *t = calloc((size_t)n + 1, sizeof *t);
  const RtTensor **ts = calloc((size_t)n + 1, sizeof *ts);
  const char **names = calloc((size_t)n + 1, sizeof *names);
  if (fd >= 0) close(fd);
  for (int i = 0; fd >= 0 && t && ts && names && i < n; i++) {
    const xg_abi_tensor *w = &d->weights[i];
    if (rt_tensor_alloc(&t[i], (RtDType)w->dtype, w->rank, w->shape, err, sizeof err)) break;
    names[i] = w->name, ts[i] = &t[i];
    if (i == n - 1) rc = rt_st_write(path, n, names, ts, err, sizeof err);
  }
  if (rc) fprintf(stderr, "ocl_load: no zero weights for %s: %s\n", lib, n ? err : dlerror());
  for (int i = 0; t && i < n; i++) rt_tensor_free(&t[i]);
  free(t), free(ts), free(names);
  if (h) dlclose(h);
  return n && !rc ? path : NULL;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) return fprintf(stderr, "usage: ocl_load MODEL.so [WEIGHTS]\n"), 2;
  xg_model *m;
  const char *zeros = argc > 2 ? NULL : zero_weights(argv[1]);
  double t0 = now_ms();
  xg_status s = xg_model_load(argv[1], argc > 2 ? argv[2] : zeros, NULL, &m);
  if (zeros) unlink(zeros);
  if (s) return fprintf(stderr, "ocl_load: %s\n", xg_last_error()), 1;
  double t1 = now_ms();
  int ni = xg_model_num_inputs(m), no = xg_model_num_outputs(m);
  const void **in = calloc((size_t)ni + 1, sizeof *in);
  void **out = calloc((size_t)no + 1, sizeof *out);
  xg_tensor_info info;
  for (int i = 0; i < ni; i++) xg_model_input(m, i, &info), in[i] = calloc(1, info.nbytes + 1);
  for (int i = 0; i < no; i++) xg_model_output(m, i, &info), out[i] = calloc(1, info.nbytes + 1);
  double t[3] = {t1, 0, 0};
  for (int r = 1; r <= 2; r++) {
    if (xg_model_run(m, in, out)) return fprintf(stderr, "ocl_load: %s\n", xg_last_error()), 1;
    t[r] = now_ms();
  }
  printf("%.3f %.3f %.3f\n", t1 - t0, t[1] - t[0], t[2] - t[1]);
  for (int i = 0; i < ni; i++) free((void *)in[i]);
  for (int i = 0; i < no; i++) free(out[i]);
  free(in), free(out);
  xg_model_free(m);
  return 0;
}
