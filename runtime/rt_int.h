/* rt_int.h -- what the runtime's files share and nobody else sees: the error
 * printer, shape arithmetic and printing, quoting of names, file mapping,
 * SHA-256. */
#ifndef XG_RT_INT_H
#define XG_RT_INT_H

#include "runtime/rt.h"

#include <stddef.h>
#include <stdint.h>

/* Writes the message into err (if any) and returns -1. */
int rt_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The element count and byte count of a shape; -1 when a dimension is
 * negative or a count overflows int64_t or size_t. */
int rt_shape_bytes(RtDType dtype, int rank, const int64_t *shape, int64_t *elems,
                   size_t *nbytes);

/* NULL when t is a well-formed tensor (valid dtype and rank, non-negative
 * shape, nbytes matching it, data present); else the problem, in buf. */
const char *rt_tensor_problem(const RtTensor *t, char *buf, size_t len);

/* The offset of the first byte of s[0..n) that breaks UTF-8 (overlong
 * forms, surrogates and code points over U+10FFFF included), or n. */
size_t rt_utf8_valid(const unsigned char *s, size_t n);

/* Room for "[d0, d1, ...]" of RT_MAX_RANK 20-digit dimensions. */
enum { RT_SHAPE_STRLEN = 2 + RT_MAX_RANK * 22 };
/* Prints shape as "[2, 3]" into buf; returns the length it wanted. */
size_t rt_shape_str(char *buf, size_t len, int rank, const int64_t *shape);

/* Room for a quoted name: at most RT_NAME_SHOWN bytes of it, each escaped
 * as \xNN at worst, and "...". */
enum { RT_NAME_SHOWN = 64, RT_NAME_STRLEN = RT_NAME_SHOWN * 4 + 8 };
/* Copies the n bytes at s into buf for a message: printable ASCII as is,
 * the rest as \xNN, cut after RT_NAME_SHOWN bytes with "...". */
const char *rt_show(char *buf, const char *s, size_t n);

/* A read-only view of a whole file (mapped; a zero-length file has data
 * pointing at a static empty buffer). */
typedef struct RtMap {
  const unsigned char *data;
  size_t len;
  void *base; /* the mapping, or NULL */
} RtMap;
/* Maps path; returns 0, or -1 with "PATH: cannot open: ..." in err. */
int rt_map_file(const char *path, RtMap *m, char *err, size_t errlen);
void rt_unmap_file(RtMap *m);

/* SHA-256 (runtime/sha256.c): init, update any number of times, final. */
enum { RT_SHA256_LEN = 32 };
typedef struct RtSha256 {
  uint32_t h[8];
  uint64_t len; /* bytes so far */
  unsigned char buf[64];
} RtSha256;
void rt_sha256_init(RtSha256 *c);
void rt_sha256_update(RtSha256 *c, const void *data, size_t n);
void rt_sha256_final(RtSha256 *c, unsigned char out[RT_SHA256_LEN]);
void rt_sha256(const void *data, size_t n, unsigned char out[RT_SHA256_LEN]);
/* n bytes as 2n lowercase hex digits and a NUL into out. */
void rt_hex(char *out, const unsigned char *bytes, size_t n);

#endif
