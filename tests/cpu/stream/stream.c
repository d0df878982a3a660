/* stream.c -- runs the library of tests/cpu/stream/stream.xg (built for a
 * CPU whose L3 is smaller than the output: non-temporal stores) with the
 * output at every alignment from 0 to 60 bytes past a 64-byte boundary, on
 * 1 and 2 threads, and checks every element against the same formula in C
 * (exact: small integers).  Usage: stream LIB.so */
#include <xg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 768, COLS = 4096, N = ROWS * COLS };

static float want(float x, float z) {
  float s = x + z;
  return (s > 0 ? s : 0.0f) * 2.0f;
}

static int check(const float *x, const float *z, const float *y, int shift, int threads) {
  for (long i = 0; i < N; i++)
    if (y[i] != want(x[i], z[i])) {
      fprintf(stderr, "stream: output misaligned by %d bytes, %d threads: y[%ld] = %g, want %g\n",
              shift, threads, i, y[i], want(x[i], z[i]));
      return 1;
    }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: stream LIB.so\n"), 2;
  float *x = malloc(sizeof *x * N), *z = malloc(sizeof *z * N);
  unsigned char *out = NULL;
  if (!x || !z || posix_memalign((void **)&out, 64, sizeof(float) * N + 64))
    return fprintf(stderr, "stream: out of memory\n"), 1;
  for (long i = 0; i < N; i++) x[i] = (float)(i % 17) - 8.0f, z[i] = (float)(i % 5) - 2.0f;
  int bad = 0;
  for (int threads = 1; threads <= 2 && !bad; threads++) {
    xg_options opts = {threads};
    xg_model *m;
    if (xg_model_load(argv[1], NULL, &opts, &m) != XG_OK)
      return fprintf(stderr, "stream: %s\n", xg_last_error()), 1;
    for (int shift = 0; shift < 64 && !bad; shift += 4) {
      float *y = (float *)(out + shift);
      memset(out, 0xff, sizeof(float) * N + 64); /* NaN everywhere */
      const void *ins[] = {x, z};
      void *outs[] = {y};
      if (xg_model_run(m, ins, outs) != XG_OK)
        return fprintf(stderr, "stream: %s\n", xg_last_error()), 1;
      bad = check(x, z, y, shift, threads);
    }
    xg_model_free(m);
  }
  free(x), free(z), free(out);
  return bad;
}
