/* runtime/random.c -- the deterministic pseudo-random fill: SplitMix64
 * seeded by seed ^ FNV-1a(name), one draw per element (docs/random.md). */
#include "runtime/rt.h"

#include <string.h>

/* FNV-1a, 64 bits, over the bytes of s up to its NUL. */
static uint64_t fnv1a64(const char *s) {
  uint64_t h = 0xcbf29ce484222325u;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3u;
  }
  return h;
}

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
  uint64_t state = seed ^ fnv1a64(name ? name : "");
  size_t n = t->nbytes / size;
  for (size_t i = 0; i < n; i++) put(t, i, splitmix64(&state));
}
