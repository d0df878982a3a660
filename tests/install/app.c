/* app.c -- a program built against the installed runtime (xg.h, libxgrt,
 * xgc.pc) by tests/install.sh: loads the fake model with weights it
 * writes, runs it on 2 threads (its 64 rows in 16 chunks: 8 per thread),
 * checks the output and a failure. */
#include <xg.h>

#include <stdio.h>
#include <string.h>

enum { ROWS = 64, COLS = 8 };

/* w = 2 everywhere, b[j] = j: a safetensors file written by hand. */
static int write_weights(const char *path) {
  static float w[ROWS * COLS], b[COLS];
  char header[256];
  for (int i = 0; i < ROWS * COLS; i++) w[i] = 2;
  for (int j = 0; j < COLS; j++) b[j] = (float)j;
  int n = snprintf(header, sizeof header,
                   "{\"w\":{\"dtype\":\"F32\",\"shape\":[%d,%d],\"data_offsets\":[0,%d]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[%d],\"data_offsets\":[%d,%d]}}",
                   ROWS, COLS, (int)sizeof w, COLS, (int)sizeof w, (int)(sizeof w + sizeof b));
  while (n % 8) header[n++] = ' ';
  unsigned char len[8] = {(unsigned char)n};
  FILE *fp = fopen(path, "wb");
  int ok = fp && fwrite(len, 8, 1, fp) == 1 && fwrite(header, (size_t)n, 1, fp) == 1 &&
           fwrite(w, sizeof w, 1, fp) == 1 && fwrite(b, sizeof b, 1, fp) == 1;
  return (fp && fclose(fp) == 0 && ok) ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc != 3) return fprintf(stderr, "usage: app MODEL.so WEIGHTS\n"), 2;
  if (write_weights(argv[2])) return fprintf(stderr, "app: cannot write %s\n", argv[2]), 1;
  xg_options opts = {.threads = 2};
  xg_model *m;
  if (xg_model_load(argv[1], argv[2], &opts, &m) != XG_OK)
    return fprintf(stderr, "app: %s\n", xg_last_error()), 1;
  xg_tensor_info info;
  if (xg_model_num_inputs(m) != 1 || xg_model_input(m, 0, &info) != XG_OK ||
      info.nbytes != sizeof(float) * ROWS * COLS || strcmp(info.name, "x"))
    return fprintf(stderr, "app: unexpected input\n"), 1;
  static float x[ROWS * COLS], y[ROWS * COLS];
  int chunks = 0;
  for (int i = 0; i < ROWS * COLS; i++) x[i] = 1.5f;
  const void *in[] = {x};
  void *out[] = {y, &chunks};
  if (xg_model_run(m, in, out) != XG_OK) return fprintf(stderr, "app: %s\n", xg_last_error()), 1;
  for (int i = 0; i < ROWS * COLS; i++)
    if (y[i] != 3.0f + (float)(i % COLS)) return fprintf(stderr, "app: y[%d] = %g\n", i, y[i]), 1;
  xg_model_free(m);
  if (xg_model_load("/nonexistent/model.so", NULL, NULL, &m) != XG_ERR_IO)
    return fprintf(stderr, "app: a missing library loaded\n"), 1;
  printf("ok: y[9] = %g in %d chunks; %s\n", y[9], chunks, xg_last_error());
  return 0;
}
