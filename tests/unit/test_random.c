/* test_random.c -- the random fill of docs/random.md: pinned first values,
 * agreement with the Python implementation of make_files.py, ranges; and
 * the half-precision conversions it relies on. */
#include "tests/unit/rt_test.h"

#include <math.h>
#include <stdint.h>

static char err[1024];

static RtTensor filled(RtDType dt, int rank, const int64_t *shape, uint64_t seed, const char *name) {
  RtTensor t;
  CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&t, dt, rank, shape, err, sizeof err), 0);
  rt_fill_random(&t, seed, name);
  return t;
}

/* The first values for seed 42 and "fc.weight", as docs/random.md lists
 * them (draws 0xbc3b387b81004ca1, 0x0f32237283a00ceb, 0x9727cf71876b194c). */
static void test_pinned(void) {
  int64_t n = 3;
  RtTensor t = filled(RT_F32, 1, &n, 42, "fc.weight");
  const float *f = t.data;
  CU_ASSERT_EQUAL(f[0], 12335928 * 0x1p-23f - 1);
  CU_ASSERT_EQUAL(f[1], 995875 * 0x1p-23f - 1);
  CU_ASSERT_EQUAL(f[2], 9906127 * 0x1p-23f - 1);
  CU_ASSERT_EQUAL(f[0], 0x1.e1d9cp-2f);
  CU_ASSERT_EQUAL(f[1], -0x1.c33774p-1f);
  rt_tensor_free(&t);
  t = filled(RT_F16, 1, &n, 42, "fc.weight");
  const uint16_t *h = t.data;
  CU_ASSERT_TRUE(h[0] == 14212 && h[1] == 47886 && h[2] == 12744); /* 1505, 121, 1209 / 1024 - 1 */
  CU_ASSERT_EQUAL(rt_f16_to_f32(h[0]), 1505 / 1024.0f - 1);
  rt_tensor_free(&t);
  t = filled(RT_I32, 1, &n, 42, "fc.weight");
  CU_ASSERT_EQUAL(memcmp(t.data, (int32_t[]){11, 0, 9}, 12), 0);
  rt_tensor_free(&t);
  t = filled(RT_I8, 1, &n, 42, "fc.weight");
  CU_ASSERT_EQUAL(memcmp(t.data, (int8_t[]){11, 0, 9}, 3), 0);
  rt_tensor_free(&t);
  t = filled(RT_BOOL, 1, &n, 42, "fc.weight");
  CU_ASSERT_EQUAL(memcmp(t.data, (uint8_t[]){1, 0, 1}, 3), 0);
  rt_tensor_free(&t);
}

/* The weight fill: the same draws, scaled by 1/sqrt(fan_in) for rank >= 2
 * and mapped to [0.5, 1.5) for rank <= 1; ints untouched. */
static void test_weight_fill(void) {
  int64_t shape[4] = {4, 3, 3, 3}, n = 3;
  RtTensor plain = filled(RT_F32, 4, shape, 42, "conv.w"), w;
  CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&w, RT_F32, 4, shape, err, sizeof err), 0);
  rt_fill_random_weight(&w, 42, "conv.w");
  const float *p = plain.data, *q = w.data;
  float scale = (float)(1.0 / sqrt(27.0));
  for (int i = 0; i < 108; i++) {
    CU_ASSERT_EQUAL(q[i], p[i] * scale);
    CU_ASSERT_TRUE(q[i] >= -scale && q[i] < scale);
  }
  rt_tensor_free(&plain);
  rt_tensor_free(&w);
  plain = filled(RT_F32, 1, &n, 42, "fc.weight");
  CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&w, RT_F32, 1, &n, err, sizeof err), 0);
  rt_fill_random_weight(&w, 42, "fc.weight");
  p = plain.data;
  q = w.data;
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_EQUAL(q[i], 1.0f + p[i] * 0.5f);
    CU_ASSERT_TRUE(q[i] >= 0.5f && q[i] < 1.5f);
  }
  CU_ASSERT_EQUAL(q[1], 1.0f + 0.5f * -0x1.c33774p-1f); /* the pinned draw of test_pinned */
  rt_tensor_free(&plain);
  rt_tensor_free(&w);
  RtTensor i32 = filled(RT_I32, 1, &n, 42, "fc.weight");
  CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&w, RT_I32, 1, &n, err, sizeof err), 0);
  rt_fill_random_weight(&w, 42, "fc.weight");
  CU_ASSERT_EQUAL(memcmp(w.data, i32.data, 12), 0);
  rt_tensor_free(&i32);
  rt_tensor_free(&w);
}

/* The same values as the independent Python implementation wrote. */
static void test_matches_python(void) {
  static const struct {
    const char *file;
    uint64_t seed;
    const char *name;
  } cases[] = {
      {"random_f32.npy", 42, "fc.weight"}, {"random_f16.npy", 42, "fc.weight"},
      {"random_i32.npy", 7, "idx"},        {"random_i8.npy", 7, "idx"},
      {"random_bool.npy", UINT64_MAX, "mask"}, {"random_f32_noname.npy", 0, ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    RtTensor want, got;
    CU_ASSERT_EQUAL_FATAL(rt_npy_read(rtt_src(cases[i].file), &want, err, sizeof err), 0);
    got = filled(want.dtype, want.rank, want.shape, cases[i].seed, cases[i].name);
    CU_ASSERT_TRUE(got.nbytes == want.nbytes && got.nbytes > 0 && !memcmp(got.data, want.data, got.nbytes));
    rt_tensor_free(&want);
    rt_tensor_free(&got);
  }
  /* a NULL name is the empty name */
  int64_t n = 4;
  RtTensor a = filled(RT_F32, 1, &n, 0, NULL), b = filled(RT_F32, 1, &n, 0, "");
  CU_ASSERT_EQUAL(memcmp(a.data, b.data, 16), 0);
  rt_tensor_free(&a);
  rt_tensor_free(&b);
}

/* Deterministic per (seed, name); the shape does not change the prefix. */
static void test_deterministic(void) {
  int64_t s1 = 100, s2[2] = {5, 40};
  RtTensor a = filled(RT_F32, 1, &s1, 5, "w"), b = filled(RT_F32, 2, s2, 5, "w");
  RtTensor c = filled(RT_F32, 1, &s1, 6, "w"), d = filled(RT_F32, 1, &s1, 5, "w2");
  CU_ASSERT_EQUAL(memcmp(a.data, b.data, a.nbytes), 0);
  CU_ASSERT_NOT_EQUAL(memcmp(a.data, c.data, a.nbytes), 0);
  CU_ASSERT_NOT_EQUAL(memcmp(a.data, d.data, a.nbytes), 0);
  RtTensor *ts[] = {&a, &b, &c, &d};
  for (int i = 0; i < 4; i++) rt_tensor_free(ts[i]);
}

static void test_ranges(void) {
  int64_t n = 100000;
  RtTensor f = filled(RT_F32, 1, &n, 1, "range"), h = filled(RT_F16, 1, &n, 1, "range");
  RtTensor i32 = filled(RT_I32, 1, &n, 1, "range"), b = filled(RT_BOOL, 1, &n, 1, "range");
  double sum = 0, lo = 1, hi = -1;
  int bad = 0, seen[16] = {0}, ones = 0;
  for (int64_t i = 0; i < n; i++) {
    float v = ((const float *)f.data)[i], w = rt_f16_to_f32(((const uint16_t *)h.data)[i]);
    bad += !(v >= -1 && v < 1) || !(w >= -1 && w < 1);
    /* the f16 value is the f32 value rounded down to a multiple of 2^-10 */
    bad += w != floorf(v * 1024) / 1024;
    sum += v;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
    int32_t k = ((const int32_t *)i32.data)[i];
    bad += k < 0 || k > 15;
    if (k >= 0 && k < 16) seen[k]++;
    uint8_t bit = ((const uint8_t *)b.data)[i];
    bad += bit > 1;
    ones += bit;
  }
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT_TRUE(fabs(sum / n) < 0.01 && lo < -0.999 && hi > 0.999);
  for (int k = 0; k < 16; k++) CU_ASSERT_TRUE(seen[k] > n / 16 * 0.9 && seen[k] < n / 16 * 1.1);
  CU_ASSERT_TRUE(ones > n * 0.49 && ones < n * 0.51);
  RtTensor *ts[] = {&f, &h, &i32, &b};
  for (int i = 0; i < 4; i++) rt_tensor_free(ts[i]);
}

/* ------------------------------------------------------------ half floats */

static uint32_t bits32(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}

static float from32(uint32_t b) {
  float f;
  memcpy(&f, &b, 4);
  return f;
}

static void test_f16_exhaustive(void) {
  int bad = 0;
  for (uint32_t h = 0; h < 0x10000; h++) {
    float f = rt_f16_to_f32((uint16_t)h);
    int nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
    if (nan) bad += !isnan(f) || (rt_f32_to_f16(f) & 0x7e00) != 0x7e00;
    else bad += rt_f32_to_f16(f) != h;
#ifdef __FLT16_MAX__
    _Float16 c;
    uint16_t hb = (uint16_t)h;
    memcpy(&c, &hb, 2);
    if (!nan) bad += bits32(f) != bits32((float)c);
#endif
  }
  CU_ASSERT_EQUAL(bad, 0);
}

static void test_f16_rounding(void) {
  CU_ASSERT_EQUAL(rt_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);             /* tie: to even (1.0) */
  CU_ASSERT_EQUAL(rt_f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);         /* tie: to even (up) */
  CU_ASSERT_EQUAL(rt_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);  /* above the tie */
  CU_ASSERT_EQUAL(rt_f32_to_f16(65504.0f), 0x7bff);
  CU_ASSERT_EQUAL(rt_f32_to_f16(65519.0f), 0x7bff);
  CU_ASSERT_EQUAL(rt_f32_to_f16(65520.0f), 0x7c00); /* rounds to infinity */
  CU_ASSERT_EQUAL(rt_f32_to_f16(-1e10f), 0xfc00);
  CU_ASSERT_EQUAL(rt_f32_to_f16(0x1p-24f), 0x0001); /* the least subnormal */
  CU_ASSERT_EQUAL(rt_f32_to_f16(0x1p-25f), 0x0000); /* tie: to even (zero) */
  CU_ASSERT_EQUAL(rt_f32_to_f16(0x1.8p-25f), 0x0001);
  CU_ASSERT_EQUAL(rt_f32_to_f16(3 * 0x1p-25f), 0x0002); /* tie: to even (2) */
  CU_ASSERT_EQUAL(rt_f32_to_f16(0x1.ffcp-15f), 0x0400); /* rounds up into the normals */
  CU_ASSERT_EQUAL(rt_f32_to_f16(-0.0f), 0x8000);
  CU_ASSERT_EQUAL(rt_f32_to_f16(from32(1)), 0x0000); /* f32 subnormal */
  CU_ASSERT_EQUAL(rt_f32_to_f16(INFINITY), 0x7c00);
  CU_ASSERT_EQUAL(rt_f32_to_f16(-INFINITY), 0xfc00);
  CU_ASSERT_EQUAL(rt_f32_to_f16(NAN) & 0x7e00, 0x7e00);
  CU_ASSERT_EQUAL(rt_f32_to_f16(from32(0x7f800001)) & 0x7e00, 0x7e00); /* signalling NaN stays NaN */
  CU_ASSERT_EQUAL(bits32(rt_f16_to_f32(0x0001)), bits32(0x1p-24f));
  CU_ASSERT_EQUAL(bits32(rt_f16_to_f32(0x8000)), 0x80000000u);
#ifdef __FLT16_MAX__
  /* against the compiler's conversion, on many patterns of every range */
  uint64_t x = 1;
  int bad = 0;
  for (int i = 0; i < 2000000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    uint32_t b = (uint32_t)x;
    if (i & 1) b = (b & 0x8fffffffu) | 0x30000000u; /* exponents near the f16 range */
    float f = from32(b);
    if (isnan(f)) continue;
    _Float16 h = (_Float16)f;
    uint16_t hb;
    memcpy(&hb, &h, 2);
    bad += rt_f32_to_f16(f) != hb;
  }
  CU_ASSERT_EQUAL(bad, 0);
#endif
}

static const RttTest tests[] = {
    {"pinned first values", test_pinned},
    {"weight fill", test_weight_fill},
    {"same values as make_files.py", test_matches_python},
    {"deterministic per seed and name", test_deterministic},
    {"ranges and spread", test_ranges},
};

static const RttTest half[] = {
    {"every f16 through f32 and back", test_f16_exhaustive},
    {"f32 to f16 rounding", test_f16_rounding},
};

int main(void) {
  const RttSuite suites[] = {RTT_SUITE("random", tests), RTT_SUITE("f16", half)};
  return rtt_run(suites, 2);
}
