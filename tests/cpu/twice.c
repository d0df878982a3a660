/* twice.c -- one loaded model run twice on different inputs (its weights
 * are packed into the scratch arena on the first run only) must give, on
 * the second run, exactly what a fresh load gives for that input
 * (tests/cpu/build.sh).  usage: twice MODEL.so WEIGHTS.safetensors */
#include "runtime/rt.h"
#include "runtime/xg.h"
#include "runtime/xg_abi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

enum { MAXT = 16 };

/* Loads lib with pseudo-random weights (written to wpath) and runs it on
 * inputs of the given seeds, in order; the outputs of the last run in out. */
static int run(const char *lib, const char *wpath, const uint64_t *seeds, int nseeds,
               RtTensor *out) {
  void *h = dlopen(lib, RTLD_NOW);
  if (!h) return fprintf(stderr, "twice: %s\n", dlerror()), -1;
  const xg_abi_model *(*describe)(void) =
      (const xg_abi_model *(*)(void))dlsym(h, XG_ABI_DESCRIBE_SYMBOL);
  const xg_abi_model *d = describe ? describe() : NULL;
  if (!d || d->ninputs > MAXT || d->noutputs > MAXT || d->nweights > 64)
    return fprintf(stderr, "twice: bad model\n"), -1;
  char err[512];
  RtTensor w[64], in[MAXT];
  const char *names[64];
  const RtTensor *wp[64];
  for (int i = 0; i < d->nweights; i++) {
    const xg_abi_tensor *t = &d->weights[i];
    if (rt_tensor_alloc(&w[i], (RtDType)t->dtype, t->rank, t->shape, err, sizeof err)) return -1;
    rt_fill_random(&w[i], 5, t->name);
    names[i] = t->name, wp[i] = &w[i];
  }
  if (rt_st_write(wpath, d->nweights, names, wp, err, sizeof err))
    return fprintf(stderr, "twice: %s\n", err), -1;
  xg_model *m;
  if (xg_model_load(lib, wpath, NULL, &m) != XG_OK)
    return fprintf(stderr, "twice: %s\n", xg_last_error()), -1;
  const void *ins[MAXT];
  void *outs[MAXT];
  for (int i = 0; i < d->noutputs; i++) {
    const xg_abi_tensor *t = &d->outputs[i];
    rt_tensor_alloc(&out[i], (RtDType)t->dtype, t->rank, t->shape, err, sizeof err);
    outs[i] = out[i].data;
  }
  for (int s = 0; s < nseeds; s++) {
    for (int i = 0; i < d->ninputs; i++) {
      const xg_abi_tensor *t = &d->inputs[i];
      rt_tensor_alloc(&in[i], (RtDType)t->dtype, t->rank, t->shape, err, sizeof err);
      rt_fill_random(&in[i], seeds[s], t->name);
      ins[i] = in[i].data;
    }
    if (xg_model_run(m, ins, outs) != XG_OK)
      return fprintf(stderr, "twice: %s\n", xg_last_error()), -1;
    for (int i = 0; i < d->ninputs; i++) rt_tensor_free(&in[i]);
  }
  int n = d->noutputs;
  xg_model_free(m);
  for (int i = 0; i < d->nweights; i++) rt_tensor_free(&w[i]);
  dlclose(h);
  return n;
}

int main(int argc, char **argv) {
  if (argc != 3) return fprintf(stderr, "usage: twice MODEL.so WEIGHTS\n"), 2;
  RtTensor a[MAXT], b[MAXT];
  uint64_t both[2] = {1, 2}, second[1] = {2};
  int n = run(argv[1], argv[2], both, 2, a);
  if (n < 0 || run(argv[1], argv[2], second, 1, b) != n) return 1;
  int differ = -1;
  for (int i = 0; i < n && differ < 0; i++)
    if (a[i].nbytes != b[i].nbytes || memcmp(a[i].data, b[i].data, a[i].nbytes)) differ = i;
  for (int i = 0; i < n; i++) {
    rt_tensor_free(&a[i]);
    rt_tensor_free(&b[i]);
  }
  if (differ >= 0)
    return fprintf(stderr, "twice: output %d of a second run differs from a fresh load's\n", differ),
           1;
  printf("ok: %s run twice\n", argv[1]);
  return 0;
}
