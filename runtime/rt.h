/* rt.h -- the runtime that compiled models and the tools share: host
 * tensors, .npy and safetensors files, and the deterministic pseudo-random
 * fill.  Independent of the compiler: it includes nothing of lang/ to ir/
 * (random.c includes the standalone lang/fnv.h, FNV-1a's one definition). */
#ifndef XG_RT_H
#define XG_RT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Element types of stored tensors; names as in .xg (f32, f16, i32, i8, bool). */
#define XG_RT_DTYPES(X)      \
  X(RT_F32, "f32", 4)        \
  X(RT_F16, "f16", 2)        \
  X(RT_I32, "i32", 4)        \
  X(RT_I8, "i8", 1)          \
  X(RT_BOOL, "bool", 1)

typedef enum RtDType {
#define X(k, s, n) k,
  XG_RT_DTYPES(X)
#undef X
  RT__COUNT
} RtDType;

const char *rt_dtype_name(RtDType t);
size_t rt_dtype_size(RtDType t);

enum { RT_MAX_RANK = 16 };

/* A dense, row-major tensor in host memory.  `data` is owned by whoever
 * made the tensor: rt_tensor_alloc'd tensors are freed by rt_tensor_free;
 * tensors of a safetensors file point into its mapping. */
typedef struct RtTensor {
  RtDType dtype;
  int rank;
  int64_t shape[RT_MAX_RANK];
  void *data;
  size_t nbytes;
  int owned; /* data is malloc'd and freed by rt_tensor_free */
} RtTensor;

int64_t rt_tensor_elems(const RtTensor *t);
/* Allocates zeroed storage for dtype/rank/shape; returns 0, or -1 with a
 * message in err when the size overflows or memory is short. */
int rt_tensor_alloc(RtTensor *t, RtDType dtype, int rank, const int64_t *shape, char *err,
                    size_t errlen);
void rt_tensor_free(RtTensor *t);

/* IEEE 754 binary16 <-> binary32, bit-exact on every machine (integer code,
 * no dependence on the FPU): f32 -> f16 rounds to nearest, ties to even,
 * overflows to infinity; NaNs stay NaNs.  f16 -> f32 is exact. */
float rt_f16_to_f32(uint16_t h);
uint16_t rt_f32_to_f16(float f);

/* Errors: every reader and writer returns 0 on success and -1 on failure
 * with a message in err (at most errlen bytes, NUL-terminated) that names
 * the file, the tensor where there is one, and the problem:
 *   "w.safetensors: tensor 'fc.weight': data offsets [0, 400) overlap tensor 'fc.bias'" */

/* --------------------------------------------------------------------- .npy
 * NumPy's format, versions 1.0, 2.0 and 3.0; little-endian f4/f2/i4/i1/b1
 * ('<f4', '|i1', '|b1', ...), C order ('fortran_order': False). */
int rt_npy_read(const char *path, RtTensor *out, char *err, size_t errlen);
int rt_npy_write(const char *path, const RtTensor *t, char *err, size_t errlen);
/* The same on memory (the fuzz target and the tests): `name` names the
 * buffer in messages. */
int rt_npy_parse(const char *name, const void *buf, size_t len, RtTensor *out, char *err,
                 size_t errlen);

/* ------------------------------------------------------------- safetensors
 * An 8-byte little-endian header length, a JSON header (parsed with
 * libcjson) mapping names to {"dtype", "shape", "data_offsets"}, optional
 * "__metadata__", then the data, memory-mapped.  Dtypes F32, F16, I32, I8,
 * BOOL.  Every structural problem is an error: a header that is not JSON or
 * lies about sizes, offsets out of the data section, overlapping or
 * non-contiguous data, a shape that does not match the byte count. */
typedef struct RtSafetensors RtSafetensors;

RtSafetensors *rt_st_open(const char *path, char *err, size_t errlen);
RtSafetensors *rt_st_parse(const char *name, const void *buf, size_t len, char *err,
                           size_t errlen); /* borrows buf */
void rt_st_close(RtSafetensors *st);
int rt_st_count(const RtSafetensors *st);
/* The i-th tensor (0 <= i < count; else NULL), in the order of the JSON
 * header's keys (data borrowed from the mapping, or an aligned copy where
 * the mapping is misaligned for the dtype; owned by st: never pass it to
 * rt_tensor_free).  The data section is checked to be exactly the tensors
 * laid end to end: overlaps, holes and leftover bytes are errors. */
const char *rt_st_name(const RtSafetensors *st, int i);
const RtTensor *rt_st_tensor(const RtSafetensors *st, int i);
/* The tensor called name, or NULL. */
const RtTensor *rt_st_find(const RtSafetensors *st, const char *name);
/* Writes the n tensors in the given order, header and data alike; the
 * header is padded with spaces so the data starts 8-byte aligned.  Names
 * must be unique, valid UTF-8 and not "__metadata__".  See docs/files.md. */
int rt_st_write(const char *path, int n, const char *const *names, const RtTensor *const *tensors,
                char *err, size_t errlen);

/* ------------------------------------------------------------------- random
 * Deterministic pseudo-random contents, the same on every back end and
 * machine for the same (seed, name): see docs/random.md.  Floats uniform in
 * [-1, 1), ints uniform in [0, 16), bools 0 or 1. */
void rt_fill_random(RtTensor *t, uint64_t seed, const char *name);
/* The same draws shaped like trained weights, so that deep networks stay
 * finite: float tensors of rank >= 2 are scaled by 1/sqrt(fan_in) (fan_in =
 * elements / shape[0]), float tensors of rank <= 1 (biases, normalization
 * statistics) map to [0.5, 1.5), so that variances stay positive.  Ints and
 * bools as rt_fill_random.  `xgc run --random-weights` uses this. */
void rt_fill_random_weight(RtTensor *t, uint64_t seed, const char *name);

/* -------------------------------------------------------------------- json
 * s as a JSON string on out: quoted, with quotes, backslashes and control
 * characters escaped (runtime/json.c; `xgc bench --json`, xgrun). */
void rt_json_string(FILE *out, const char *s);

/* ------------------------------------------------------------- thread pool
 * The pool behind xg_parallel_for (runtime/xg_abi.h): the calling thread
 * plus nthreads - 1 workers that sleep on a futex when idle (after a spin
 * of RT_POOL_SPIN_US).  A call cuts [0, n) into min(n, RT_POOL_CHUNKS *
 * nthreads) balanced chunks; each thread runs its own contiguous run of
 * them in order, then takes the others' unstarted chunks from the back, so
 * that a descheduled thread's share is done by the rest.  See
 * docs/runtime.md. */
struct xg_pool;
enum { RT_MAX_THREADS = 1024, RT_POOL_SPIN_US = 100, RT_POOL_CHUNKS = 8 };
/* The thread count a model uses: `requested` when positive, else
 * $XG_NUM_THREADS when set and not empty, else the CPUs this process may
 * run on.  Returns 0 with *out set, or -1 with a message in err (a
 * negative request, or an XG_NUM_THREADS that is not 1..RT_MAX_THREADS). */
int rt_pool_threads(int requested, int *out, char *err, size_t errlen);
/* A pool of nthreads threads in all (1..RT_MAX_THREADS; 1: no workers,
 * every loop runs on the caller).  NULL with a message in err when a
 * thread cannot be started (those started are stopped again). */
struct xg_pool *rt_pool_create(int nthreads, char *err, size_t errlen);
/* Stops and joins the workers and frees the pool; NULL is a no-op.  No
 * xg_parallel_for may be running on it. */
void rt_pool_free(struct xg_pool *pool);
int rt_pool_size(const struct xg_pool *pool);

/* ------------------------------------------------------------------- cache
 * The kernel-binary cache of OpenCL models (runtime/ocl_cache.c,
 * docs/opencl-runtime.md): `xgc cache` shows and clears it. */
enum { RT_CACHE_PATH_MAX = 4096 };
/* The directory: $XG_CACHE_DIR ("off": no cache; empty counts as unset),
 * else $XDG_CACHE_HOME/xgc (an absolute XDG_CACHE_HOME), else
 * $HOME/.cache/xgc (an absolute HOME).  Returns 1 with the path in buf, or
 * 0 with why there is no cache in buf ("XG_CACHE_DIR=off", ...). */
int rt_cache_dir(char *buf, size_t len);
/* Counts (remove == 0) or removes (remove == 1) the cache's files in dir:
 * entries "ocl-<64 hex digits>.bin" and leftover temporary files
 * "ocl-<64 hex digits>.tmp-XXXXXX" that start with the entry magic, and
 * nothing else.  A missing dir has none.  0 with *files and *bytes set, or
 * -1 with a message in err. */
int rt_cache_entries(const char *dir, int remove, long *files, uint64_t *bytes, char *err,
                     size_t errlen);
/* What the cache did in this process, for tests and XG_VERBOSE: hits,
 * misses (no entry), rejected entries (truncated, corrupt, stale, or
 * refused by the driver: rebuilt from source), entries written, and writes
 * that failed (an unwritable directory: the model still loads). */
typedef struct RtCacheStats {
  long hits, misses, rejects, stores, store_failures;
} RtCacheStats;
void rt_cache_stats(RtCacheStats *s);

#endif
