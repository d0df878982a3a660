/* ocl_load.c -- the cold start of a model: the time of xg_model_load, of
 * the first run and of the second, in one process (zero inputs; a
 * benchmark, not a test; bench/ocl_coldstart.sh runs it in fresh
 * processes):  bench/ocl_load MODEL.so [WEIGHTS]
 * Prints "load_ms first_run_ms second_run_ms". */
#include "runtime/xg.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) return fprintf(stderr, "usage: ocl_load MODEL.so [WEIGHTS]\n"), 2;
  xg_model *m;
  double t0 = now_ms();
  if (xg_model_load(argv[1], argc > 2 ? argv[2] : NULL, NULL, &m))
    return fprintf(stderr, "ocl_load: %s\n", xg_last_error()), 1;
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
