/* app.c -- an application of a model built by `xgc build` (tests/cpu/build.sh):
 * includes the generated mlp.h and xg.h, checks the header against what the
 * loaded library says, runs the model on 1 and 2 threads on an input it
 * makes, and writes input and output as .npy for the script to compare
 * with the reference interpreter. */
#include "mlp.h"
#include <xg.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A float32 .npy file (format 1.0) of the given shape. */
static int write_npy(const char *path, const float *data, int rank, const int64_t *shape) {
  char dict[128];
  int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
  int64_t count = 1;
  for (int i = 0; i < rank; i++) {
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld, ", (long long)shape[i]);
    count *= shape[i];
  }
  n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
  while ((10 + n + 1) % 64) dict[n++] = ' ';
  dict[n++] = '\n';
  unsigned char head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)n, 0};
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(head, 10, 1, f) == 1 && fwrite(dict, (size_t)n, 1, f) == 1 &&
           fwrite(data, sizeof *data, (size_t)count, f) == (size_t)count;
  return f && fclose(f) == 0 && ok ? 0 : -1;
}

static int check_info(const xg_tensor_info *info, const char *name, int rank, const int64_t *shape,
                      size_t bytes) {
  if (strcmp(info->name, name) || info->rank != rank || info->nbytes != bytes ||
      info->dtype != XG_F32)
    return -1;
  for (int i = 0; i < rank; i++)
    if (info->shape[i] != shape[i]) return -1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5) return fprintf(stderr, "usage: app MLP.so WEIGHTS X.npy Y.npy\n"), 2;
  static float x[MLP_INPUT_X_ELEMS], y1[MLP_OUTPUT_LOGITS_ELEMS], y2[MLP_OUTPUT_LOGITS_ELEMS];
  for (int i = 0; i < MLP_INPUT_X_ELEMS; i++) x[i] = (float)sin(0.37 * i);
  for (int threads = 1; threads <= 2; threads++) {
    xg_options opts = {.threads = threads};
    xg_model *m;
    if (xg_model_load(argv[1], argv[2], &opts, &m) != XG_OK)
      return fprintf(stderr, "app: %s\n", xg_last_error()), 1;
    xg_tensor_info in, out;
    if (xg_model_num_inputs(m) != MLP_NUM_INPUTS || xg_model_num_outputs(m) != MLP_NUM_OUTPUTS ||
        xg_model_input(m, MLP_INPUT_X, &in) != XG_OK ||
        xg_model_output(m, MLP_OUTPUT_LOGITS, &out) != XG_OK ||
        check_info(&in, "x", MLP_INPUT_X_RANK, mlp_input_x_shape, MLP_INPUT_X_BYTES) ||
        check_info(&out, "logits", MLP_OUTPUT_LOGITS_RANK, mlp_output_logits_shape,
                   MLP_OUTPUT_LOGITS_BYTES))
      return fprintf(stderr, "app: mlp.h does not describe the library\n"), 1;
    const void *ins[] = {x};
    void *outs[] = {threads == 1 ? y1 : y2};
    if (xg_model_run(m, ins, outs) != XG_OK)
      return fprintf(stderr, "app: %s\n", xg_last_error()), 1;
    xg_model_free(m);
  }
  if (memcmp(y1, y2, sizeof y1)) return fprintf(stderr, "app: 1 and 2 threads differ\n"), 1;
  if (write_npy(argv[3], x, MLP_INPUT_X_RANK, mlp_input_x_shape) ||
      write_npy(argv[4], y1, MLP_OUTPUT_LOGITS_RANK, mlp_output_logits_shape))
    return fprintf(stderr, "app: cannot write the .npy files\n"), 1;
  printf("ok: logits[0] = %g\n", y1[0]);
  return 0;
}
