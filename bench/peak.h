/* peak.h -- the FMA kernels of bench/peak, each in its own file compiled
 * with the instruction set it needs (-mavx2 -mfma, -mavx512f); peak.c
 * calls one only after checking at run time that the CPU has it. */
#ifndef XG_BENCH_PEAK_H
#define XG_BENCH_PEAK_H

#include <stdint.h>

/* Runs `iters` rounds of PEAK_*_ACCS independent vector FMAs (one per
 * accumulator) and returns a value derived from every accumulator, so that
 * no FMA can be removed.  Flops per call: iters * peak_*_flops_per_iter. */
float peak_fma_avx2(int64_t iters);
float peak_fma_avx512(int64_t iters);

/* 12 ymm accumulators x 8 lanes x 2 flops; 24 zmm x 16 lanes x 2.  Twelve
 * (of 16 ymm registers) cover FMA latency (4 cycles) x 2 FMA ports with
 * room to spare; zmm has 32 registers. */
#define PEAK_AVX2_ACCS 12
#define PEAK_AVX512_ACCS 24
#define PEAK_AVX2_FLOPS_PER_ITER (PEAK_AVX2_ACCS * 8 * 2)
#define PEAK_AVX512_FLOPS_PER_ITER (PEAK_AVX512_ACCS * 16 * 2)

#endif
