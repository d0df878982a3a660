/* fnv.h -- FNV-1a, 64 bits (Fowler, Noll, Vo): the one definition of the
 * hash of dimension names (sema/dim.c), of the random fill's name seed
 * (runtime/random.c, docs/random.md) and of `xgc run --checksum`
 * (driver/data.c).  Standalone, only <stddef.h> and <stdint.h>, so the
 * runtime, which includes nothing else of the compiler, may include it. */
#ifndef XG_FNV_H
#define XG_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_OFFSET 0xcbf29ce484222325u /* the offset basis */
#define FNV1A64_PRIME 0x100000001b3u

/* The hash of the n bytes at p (p may be NULL when n is 0); the same value
 * on every machine, so it may be pinned in files and docs. */
static inline uint64_t fnv1a64(const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t h = FNV1A64_OFFSET;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * FNV1A64_PRIME;
  return h;
}

#endif
