/* runtime/tensor.c -- host tensors: the dtype table, allocation with
 * overflow checks, IEEE half-precision conversions, and the error printer. */
#include "runtime/rt.h"
#include "runtime/rt_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const dtype_names[] = {
#define X(k, s, n) s,
    XG_RT_DTYPES(X)
#undef X
};
static const size_t dtype_sizes[] = {
#define X(k, s, n) n,
    XG_RT_DTYPES(X)
#undef X
};
_Static_assert(sizeof dtype_names / sizeof *dtype_names == RT__COUNT, "dtype table");

const char *rt_dtype_name(RtDType t) {
  return (unsigned)t < RT__COUNT ? dtype_names[t] : "?";
}

size_t rt_dtype_size(RtDType t) {
  return (unsigned)t < RT__COUNT ? dtype_sizes[t] : 0;
}

int64_t rt_tensor_elems(const RtTensor *t) {
  /* A zero dim makes the count 0 whatever the others are: the product of
   * the others may not fit (a [2^32, 2^32, 0] tensor is valid and empty). */
  uint64_t n = 1;
  for (int i = 0; i < t->rank; i++) {
    if (t->shape[i] == 0) return 0;
    n *= (uint64_t)t->shape[i];
  }
  return (int64_t)n;
}

int rt_shape_bytes(RtDType dtype, int rank, const int64_t *shape, int64_t *elems,
                   size_t *nbytes) {
  uint64_t n = 1;
  for (int i = 0; i < rank; i++) {
    if (shape[i] < 0 || __builtin_mul_overflow(n, (uint64_t)shape[i], &n)) return -1;
  }
  uint64_t bytes;
  if (n > (uint64_t)INT64_MAX || __builtin_mul_overflow(n, (uint64_t)rt_dtype_size(dtype), &bytes) ||
      bytes > (uint64_t)INT64_MAX || bytes > (uint64_t)SIZE_MAX)
    return -1;
  *elems = (int64_t)n;
  *nbytes = (size_t)bytes;
  return 0;
}

size_t rt_shape_str(char *buf, size_t len, int rank, const int64_t *shape) {
  size_t at = 0;
  at += (size_t)snprintf(buf, len, "[");
  for (int i = 0; i < rank && at < len; i++)
    at += (size_t)snprintf(buf + at, len - at, "%s%lld", i ? ", " : "", (long long)shape[i]);
  if (at < len) at += (size_t)snprintf(buf + at, len - at, "]");
  return at;
}

int rt_tensor_alloc(RtTensor *t, RtDType dtype, int rank, const int64_t *shape, char *err,
                    size_t errlen) {
  memset(t, 0, sizeof *t);
  char sh[RT_SHAPE_STRLEN];
  if ((unsigned)dtype >= RT__COUNT) return rt_err(err, errlen, "invalid dtype %d", (int)dtype);
  if (rank < 0 || rank > RT_MAX_RANK)
    return rt_err(err, errlen, "rank %d is outside 0..%d", rank, RT_MAX_RANK);
  rt_shape_str(sh, sizeof sh, rank, shape);
  for (int i = 0; i < rank; i++)
    if (shape[i] < 0) return rt_err(err, errlen, "shape %s has a negative dimension", sh);
  int64_t elems;
  size_t nbytes;
  if (rt_shape_bytes(dtype, rank, shape, &elems, &nbytes) != 0)
    return rt_err(err, errlen, "shape %s of %s is too large", sh, rt_dtype_name(dtype));
  void *data = NULL; /* 64-byte aligned: whole cache lines, streaming stores (docs/cpu.md) */
  if (posix_memalign(&data, 64, nbytes ? nbytes : 1) != 0) data = NULL;
  else memset(data, 0, nbytes ? nbytes : 1);
  if (!data)
    return rt_err(err, errlen, "out of memory for a %s tensor of shape %s (%zu bytes)",
                  rt_dtype_name(dtype), sh, nbytes);
  t->dtype = dtype;
  t->rank = rank;
  if (rank) memcpy(t->shape, shape, (size_t)rank * sizeof *shape);
  t->data = data;
  t->nbytes = nbytes;
  t->owned = 1;
  return 0;
}

const char *rt_tensor_problem(const RtTensor *t, char *buf, size_t len) {
  char sh[RT_SHAPE_STRLEN];
  int64_t elems;
  size_t nbytes;
  if ((unsigned)t->dtype >= RT__COUNT) {
    snprintf(buf, len, "invalid dtype %d", (int)t->dtype);
  } else if (t->rank < 0 || t->rank > RT_MAX_RANK) {
    snprintf(buf, len, "rank %d is outside 0..%d", t->rank, RT_MAX_RANK);
  } else if (rt_shape_str(sh, sizeof sh, t->rank, t->shape),
             rt_shape_bytes(t->dtype, t->rank, t->shape, &elems, &nbytes)) {
    snprintf(buf, len, "invalid shape %s", sh);
  } else if (nbytes != t->nbytes || (nbytes && !t->data)) {
    snprintf(buf, len, "the tensor holds %zu bytes, shape %s of %s needs %zu",
             t->data ? t->nbytes : 0, sh, rt_dtype_name(t->dtype), nbytes);
  } else {
    return NULL;
  }
  return buf;
}

void rt_tensor_free(RtTensor *t) {
  if (t->owned) free(t->data);
  t->data = NULL;
  t->nbytes = 0;
  t->owned = 0;
}

/* ------------------------------------------------------------ half floats */

float rt_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13); /* inf, NaN (payload kept) */
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else { /* subnormal: normalize */
    int e = 113;
    while (!(man & 0x400)) man <<= 1, e--;
    bits = sign | ((uint32_t)e << 23) | ((man & 0x3ff) << 13);
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* Rounds the magnitude m (an integer scaled by 2^-shift) to nearest, ties
 * to even. */
static uint32_t round_shift(uint32_t m, int shift) {
  if (shift > 31) return 0;
  uint32_t q = m >> shift, rest = m & ((1u << shift) - 1), half = 1u << (shift - 1);
  return q + (rest > half || (rest == half && (q & 1)));
}

uint16_t rt_f32_to_f16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
  int exp = (int)((bits >> 23) & 0xff);
  uint32_t man = bits & 0x7fffff;
  if (exp == 0xff) /* inf, or NaN kept quiet with its top payload bits */
    return (uint16_t)(sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0));
  if (exp == 0) return sign; /* f32 subnormals are far below the f16 range */
  int e = exp - 127 + 15;
  uint32_t full = man | 0x800000; /* 24-bit significand */
  if (e >= 0x1f) return (uint16_t)(sign | 0x7c00);
  if (e <= 0) /* subnormal f16: units of 2^-24 */
    return (uint16_t)(sign | round_shift(full, 14 - e));
  /* A carry out of the significand bumps the exponent, up to inf. */
  return (uint16_t)(sign | (((uint32_t)e << 10) + round_shift(man, 13)));
}

/* ------------------------------------------------- errors, names, files */

int rt_err(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

const char *rt_show(char *buf, const char *s, size_t n) {
  char *p = buf;
  for (size_t i = 0; i < n && i < RT_NAME_SHOWN; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') *p++ = (char)c;
    else p += sprintf(p, "\\x%02x", c);
  }
  if (n > RT_NAME_SHOWN) p += sprintf(p, "...");
  *p = 0;
  return buf;
}

int rt_map_file(const char *path, RtMap *m, char *err, size_t errlen) {
  static const unsigned char empty[1];
  m->data = empty;
  m->len = 0;
  m->base = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return rt_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  int rc = 0;
  if (fstat(fd, &st) != 0) {
    rc = rt_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    rc = rt_err(err, errlen, "%s: cannot open: not a regular file", path);
  } else if (st.st_size > 0) {
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (base == MAP_FAILED) {
      rc = rt_err(err, errlen, "%s: cannot map: %s", path, strerror(errno));
    } else {
      m->base = base;
      m->data = base;
      m->len = (size_t)st.st_size;
    }
  }
  close(fd);
  return rc;
}

void rt_unmap_file(RtMap *m) {
  if (m->base) munmap(m->base, m->len);
  m->base = NULL;
  m->len = 0;
}

size_t rt_utf8_valid(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i], need, min;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) need = 1, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) need = 2, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) need = 3, min = 0x10000;
    else return i;
    if (n - i <= need) return i;
    unsigned cp = c & (0x3fu >> need);
    for (unsigned k = 1; k <= need; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return i;
      cp = cp << 6 | (s[i + k] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return n;
}
