/* runtime/random.c -- the deterministic pseudo-random fill: SplitMix64
 * seeded by seed ^ FNV-1a(name), one draw per element (docs/random.md). */
#include "runtime/rt.h"
#include "lang/fnv.h"

#include <math.h>
#include <string.h>

/* SplitMix64 (Steele, Lea, Flood 2014): the state advances by the golden
 * gamma; the output is the state through two xor-shift-multiply rounds. */
static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* Element i of a tensor of dtype t from the draw x. */
static void put(RtTensor *t, size_t i, uint64_t x) {
  unsigned char *p = (unsigned char *)t->data + i * rt_dtype_size(t->dtype);
  switch (t->dtype) {
  case RT_F32: { /* k / 2^23 - 1 for the top 24 bits k: exact in f32 */
    float v = (float)((int32_t)(x >> 40) - (1 << 23)) * 0x1p-23f;
    memcpy(p, &v, 4);
    return;
  }
  case RT_F16: { /* k / 2^10 - 1 for the top 11 bits k: exact in f16 */
    uint16_t h = rt_f32_to_f16((float)((int32_t)(x >> 53) - (1 << 10)) * 0x1p-10f);
    memcpy(p, &h, 2);
    return;
  }
  case RT_I32: {
    int32_t v = (int32_t)(x >> 60);
    memcpy(p, &v, 4);
    return;
  }
  case RT_I8:
    *p = (unsigned char)(x >> 60);
    return;
  case RT_BOOL:
    *p = (unsigned char)(x >> 63);
    return;
  case RT__COUNT:
    return;
  }
}

void rt_fill_random(RtTensor *t, uint64_t seed, const char *name) {
  size_t size = rt_dtype_size(t->dtype);
  if (!size || !t->data) return;
  uint64_t state = seed ^ fnv1a64(name ? name : "", name ? strlen(name) : 0);
  size_t n = t->nbytes / size;
  for (size_t i = 0; i < n; i++) put(t, i, splitmix64(&state));
}

/* The factor of weight fill for a float tensor of this shape: 1/sqrt(fan_in)
 * with fan_in = elements / shape[0] for rank >= 2 (PyTorch's bound for
 * linear and conv weights), computed in double and rounded to float once. */
static float weight_scale(const RtTensor *t) {
  int64_t fan_in = 1;
  for (int i = 1; i < t->rank; i++) fan_in *= t->shape[i];
  return (float)(1.0 / sqrt((double)(fan_in > 0 ? fan_in : 1)));
}

/* v in [-1, 1) becomes v * scale (rank >= 2) or 1 + v/2 in [0.5, 1.5)
 * (rank <= 1: biases, normalization statistics and scales). */
static float weight_value(float v, int rank, float scale) {
  return rank >= 2 ? v * scale : 1.0f + v * 0.5f;
}

void rt_fill_random_weight(RtTensor *t, uint64_t seed, const char *name) {
  rt_fill_random(t, seed, name);
  if (!t->data || (t->dtype != RT_F32 && t->dtype != RT_F16)) return;
  float scale = weight_scale(t);
  size_t n = t->nbytes / rt_dtype_size(t->dtype);
  for (size_t i = 0; i < n; i++) {
    if (t->dtype == RT_F32) {
      float *p = (float *)t->data + i;
      *p = weight_value(*p, t->rank, scale);
    } else {
      uint16_t *p = (uint16_t *)t->data + i;
      *p = rt_f32_to_f16(weight_value(rt_f16_to_f32(*p), t->rank, scale));
    }
  }
}
