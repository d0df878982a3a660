/* peak_avx2.c -- the AVX2+FMA peak kernel: independent vfmadd231ps on 12
 * ymm accumulators.  Compiled with -mavx2 -mfma; called only on CPUs that
 * have both (peak.c checks). */
#include "bench/peak.h"

#include <immintrin.h>

#define ACCS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define DECL(i) __m256 c##i = _mm256_set1_ps(0.1f * (i));
#define STEP(i) c##i = _mm256_fmadd_ps(c##i, a, b);
#define SUM(i) s = _mm256_add_ps(s, c##i);
#define ONE(i) +1
_Static_assert(0 ACCS(ONE) == PEAK_AVX2_ACCS, "PEAK_AVX2_ACCS counts ACCS");

float peak_fma_avx2(int64_t iters) {
  /* acc = acc * a + b converges to b / (1 - a): the values stay normal. */
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
  ACCS(DECL)
  for (int64_t i = 0; i < iters; i++) {
    ACCS(STEP)
  }
  __m256 s = _mm256_setzero_ps();
  ACCS(SUM)
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[7];
}
