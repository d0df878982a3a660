/* peak_avx512.c -- the AVX-512 peak kernel: independent vfmadd231ps on 24
 * zmm accumulators.  Compiled with -mavx512f; called only on CPUs (and
 * kernels) with AVX-512F enabled (peak.c checks). */
#include "bench/peak.h"

#include <immintrin.h>

#define ACCS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) \
  X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)
#define DECL(i) __m512 c##i = _mm512_set1_ps(0.1f * (i));
#define STEP(i) c##i = _mm512_fmadd_ps(c##i, a, b);
#define SUM(i) s = _mm512_add_ps(s, c##i);
#define ONE(i) +1
_Static_assert(0 ACCS(ONE) == PEAK_AVX512_ACCS, "PEAK_AVX512_ACCS counts ACCS");

float peak_fma_avx512(int64_t iters) {
  /* acc = acc * a + b converges to b / (1 - a): the values stay normal. */
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  ACCS(DECL)
  for (int64_t i = 0; i < iters; i++) {
    ACCS(STEP)
  }
  __m512 s = _mm512_setzero_ps();
  ACCS(SUM)
  return _mm512_reduce_add_ps(s);
}
