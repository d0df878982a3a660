/* peak.c -- the machine's single-core FMA peak (AVX2 and, where the CPU has
 * it, AVX-512: independent chains of fused multiply-adds, enough of them to
 * cover the latency) and its memory bandwidth (a copy and a triad over
 * arrays far beyond the last-level cache), for docs/benchmarks.md.
 * usage: bench/peak [--threads N] */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define FMA_ITERS 20000000L

/* Independent chains of FMAs, in named variables so that every compiler
 * keeps them in registers: 12 (AVX2) or 24 (AVX-512) accumulators cover
 * two FMA units of 4-5 cycles of latency.  GFLOP/s of one thread. */
#define FMA4(V, T, F) V##0 = F(V##0, b, c); V##1 = F(V##1, b, c); V##2 = F(V##2, b, c); V##3 = F(V##3, b, c);
#define FMA12(T, F) FMA4(x, T, F) FMA4(y, T, F) FMA4(z, T, F)
#define DECL4(V, T, S) T V##0 = S(1.0f), V##1 = S(2.0f), V##2 = S(3.0f), V##3 = S(4.0f);
#define SUM4(V, R) R(V##0) + R(V##1) + R(V##2) + R(V##3)
/* The timer must not move across the loop: the accumulators pass through
 * an empty asm before the clock is read again. */
#define KEEP4(V) __asm__ volatile("" : "+x"(V##0), "+x"(V##1), "+x"(V##2), "+x"(V##3));

__attribute__((target("avx2,fma"))) static double fma256(void) {
  __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  DECL4(x, __m256, _mm256_set1_ps) DECL4(y, __m256, _mm256_set1_ps) DECL4(z, __m256, _mm256_set1_ps)
  KEEP4(x) KEEP4(y) KEEP4(z)
  double t0 = now();
  for (long n = 0; n < FMA_ITERS; n++) {
    FMA12(__m256, _mm256_fmadd_ps)
  }
  KEEP4(x) KEEP4(y) KEEP4(z)
  double t = now() - t0;
  volatile float sink = SUM4(x, _mm256_cvtss_f32) + SUM4(y, _mm256_cvtss_f32) + SUM4(z, _mm256_cvtss_f32);
  (void)sink;
  return 2.0 * 8 * 12 * (double)FMA_ITERS / t * 1e-9;
}

__attribute__((target("avx512f"))) static double fma512(void) {
  __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  DECL4(x, __m512, _mm512_set1_ps) DECL4(y, __m512, _mm512_set1_ps) DECL4(z, __m512, _mm512_set1_ps)
  DECL4(u, __m512, _mm512_set1_ps) DECL4(v, __m512, _mm512_set1_ps) DECL4(w, __m512, _mm512_set1_ps)
  KEEP4(x) KEEP4(y) KEEP4(z) KEEP4(u) KEEP4(v) KEEP4(w)
  double t0 = now();
  for (long n = 0; n < FMA_ITERS / 2; n++) {
    FMA12(__m512, _mm512_fmadd_ps)
    FMA4(u, __m512, _mm512_fmadd_ps) FMA4(v, __m512, _mm512_fmadd_ps) FMA4(w, __m512, _mm512_fmadd_ps)
  }
  KEEP4(x) KEEP4(y) KEEP4(z) KEEP4(u) KEEP4(v) KEEP4(w)
  double t = now() - t0;
  volatile float sink = SUM4(x, _mm512_reduce_add_ps) + SUM4(y, _mm512_reduce_add_ps) +
                        SUM4(z, _mm512_reduce_add_ps) + SUM4(u, _mm512_reduce_add_ps) +
                        SUM4(v, _mm512_reduce_add_ps) + SUM4(w, _mm512_reduce_add_ps);
  (void)sink;
  return 2.0 * 16 * 24 * (double)(FMA_ITERS / 2) / t * 1e-9;
}

/* ------------------------------------------------------------ bandwidth */

enum { BW_FLOATS = 64 << 20 }; /* 256 MiB per array */

typedef struct Job {
  float *a, *b, *c;
  long lo, hi;
  int triad;
} Job;

static void *bw_job(void *arg) {
  Job *j = arg;
  if (j->triad)
    for (long i = j->lo; i < j->hi; i++) j->a[i] = j->b[i] + 0.5f * j->c[i];
  else
    memcpy(j->a + j->lo, j->b + j->lo, sizeof(float) * (size_t)(j->hi - j->lo));
  return NULL;
}

/* GB/s of reads plus writes, best of 5, on `threads` threads. */
static double bandwidth(float *a, float *b, float *c, int threads, int triad) {
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
    pthread_t th[64];
    Job jobs[64];
    double t0 = now();
    for (int k = 0; k < threads; k++) {
      jobs[k] = (Job){a, b, c, (long)BW_FLOATS * k / threads, (long)BW_FLOATS * (k + 1) / threads, triad};
      pthread_create(&th[k], NULL, bw_job, &jobs[k]);
    }
    for (int k = 0; k < threads; k++) pthread_join(th[k], NULL);
    double t = now() - t0, bytes = (double)BW_FLOATS * 4 * (triad ? 3 : 2);
    if (bytes / t * 1e-9 > best) best = bytes / t * 1e-9;
  }
  return best;
}

typedef struct FmaJob {
  int wide;
  double gflops;
} FmaJob;

static void *fma_job(void *arg) {
  FmaJob *j = arg;
  j->gflops = j->wide ? fma512() : fma256();
  return NULL;
}

/* The FMA peak of `threads` threads running at once: their sum. */
static double fma_peak(int threads, int wide) {
  pthread_t th[64];
  FmaJob jobs[64];
  for (int k = 0; k < threads; k++) {
    jobs[k].wide = wide;
    pthread_create(&th[k], NULL, fma_job, &jobs[k]);
  }
  double sum = 0;
  for (int k = 0; k < threads; k++) {
    pthread_join(th[k], NULL);
    sum += jobs[k].gflops;
  }
  return sum;
}

int main(int argc, char **argv) {
  int threads = argc == 3 && !strcmp(argv[1], "--threads") ? atoi(argv[2]) : 1;
  if (threads < 1 || threads > 64) threads = 1;
  __builtin_cpu_init();
  printf("fma peak, %d thread%s: AVX2 %.1f GFLOP/s", threads, threads == 1 ? "" : "s", fma_peak(threads, 0));
  if (__builtin_cpu_supports("avx512f")) printf(", AVX-512 %.1f GFLOP/s", fma_peak(threads, 1));
  printf("\n");
  float *a = aligned_alloc(64, sizeof(float) * BW_FLOATS), *b = aligned_alloc(64, sizeof(float) * BW_FLOATS),
        *c = aligned_alloc(64, sizeof(float) * BW_FLOATS);
  if (!a || !b || !c) return fprintf(stderr, "peak: out of memory\n"), 1;
  for (long i = 0; i < BW_FLOATS; i++) a[i] = 0, b[i] = (float)i, c[i] = 1;
  printf("memory bandwidth, %d thread%s: copy %.1f GB/s, triad %.1f GB/s (reads + writes)\n", threads,
         threads == 1 ? "" : "s", bandwidth(a, b, c, threads, 0), bandwidth(a, b, c, threads, 1));
  free(a), free(b), free(c);
  return 0;
}
