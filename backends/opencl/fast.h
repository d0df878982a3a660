/* fast.h -- generators of fast OpenCL C 1.2 kernels for the statements that
 * dominate DNNs: tiled, register-blocked contractions (ocl_gemm_*: matmul,
 * batched matmul, linear, conv2d as an implicit GEMM) and row reductions as
 * work-group trees (ocl_row_*: softmax, layernorm, reductions over the last
 * axis).  They write source text only and depend on libc alone, so that
 * bench/ocl_gemm.c builds with them outside the tree.  docs/opencl.md,
 * "Fast kernels".
 *
 * Every generator takes the sizes as constants (a model's shapes are
 * static), asks its caller for the text of each operand access through a
 * callback or a stride description, and names its own variables `g_...`:
 * the caller's prologue and expressions must use no name of that form. */
#ifndef XG_OCL_FAST_H
#define XG_OCL_FAST_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------- code
 * A growable string.  After an allocation failure `failed` is set and
 * further appends do nothing; the generators then return an error. */
typedef struct OclCode {
  char *s; /* NUL-terminated (NULL while empty) */
  size_t len, cap;
  int failed;
} OclCode;

void ocl_code_init(OclCode *t);
void ocl_code_free(OclCode *t);
void ocl_code_printf(OclCode *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties t (keeping its memory). */
void ocl_code_clear(OclCode *t);
/* The text so far ("" while empty); owned by t. */
const char *ocl_code_str(const OclCode *t);

/* ----------------------------------------------------------------- limits
 * What the generators need to know of the device.  A model is compiled
 * before its device is known, so xgc uses ocl_limits_default: limits that
 * every GPU we target meets (256 work-items and 32 KiB of local memory per
 * work-group; OpenCL 1.2 guarantees only 1 and 32 KiB, NVIDIA gives 1024 and
 * 48 KiB, AMD 256-1024 and 64 KiB, POCL 4096 and more).  compute_units is
 * no limit but the work-groups one wave of the device runs: tiles shrink
 * until the grid has that many, where the problem is small. */
typedef struct OclLimits {
  int64_t max_wg;      /* work-items per work-group */
  int64_t local_bytes; /* local memory per work-group */
  int compute_units;   /* work-groups the device runs at once, roughly */
} OclLimits;

/* 256 work-items, 32 KiB, 128 compute units (an H100/H200 has 132). */
OclLimits ocl_limits_default(void);

/* ----------------------------------------------------------- contractions
 * C[b, m, n] = epilogue(sum over k of A(b, m, k) * B(b, k, n)), for b in
 * [0, batch), m in [0, M), n in [0, N), k in [0, K): a work-group computes a
 * TM x TN tile of one batch, stepping through K by TK: the A and B tiles
 * are loaded from global memory into registers (float4 where the layout
 * allows), stored into local memory, and each work-item multiplies an
 * RM x RN block of the tile in registers, while the next tiles load.
 * Edge tiles (M, N, K not multiples of the tile) read zeros and store
 * nothing outside. */

typedef enum OclAccessKind {
  OCL_ACCESS_STRIDED, /* element at ptr[off + sb*b + s1*i + s2*j] */
  OCL_ACCESS_CUSTOM   /* text from a callback */
} OclAccessKind;

/* Appends to out a float expression for an input operand at (b, r, k): r is
 * m for A and n for B.  b, r and k are C expressions of type int, in range
 * (the generator never asks for an element outside the operand). */
typedef void (*OclLoadFn)(void *ctx, OclCode *out, const char *b, const char *r, const char *k);
/* The same with k as its digits (OclGemm.kdig): kd[i] is an int
 * expression of digit i, in range. */
typedef void (*OclLoadDigitsFn)(void *ctx, OclCode *out, const char *b, const char *r,
                                const char *const *kd);
/* Appends to out a float expression: the epilogue of the sum `acc` at
 * (b, m, n) (a bias, an activation), int expressions in range. */
typedef void (*OclEpilogueFn)(void *ctx, OclCode *out, const char *b, const char *m, const char *n,
                              const char *acc);
/* Appends to out a statement storing float expression `value` at (b, m, n). */
typedef void (*OclStoreFn)(void *ctx, OclCode *out, const char *b, const char *m, const char *n,
                           const char *value);

typedef struct OclGemmInput {
  OclAccessKind kind;
  /* STRIDED: element (b, r, k) is ptr[off + sb*b + sr*r + sk*k]; ptr is a
   * `global const float *` expression of the kernel, 16-byte aligned (a
   * buffer's start is; so is an arena offset that is a multiple of 16).
   * Strides may be 0 (a broadcast over the batch). */
  const char *ptr;
  int64_t off, sb, sr, sk;
  /* CUSTOM: load, or load_kd when the caller gives K's digits */
  OclLoadFn load;
  OclLoadDigitsFn load_kd;
  void *ctx;
  int r_major; /* CUSTOM: neighbours in r are closer in memory than in k
                  (conv input pixels): work-items load along r */
} OclGemmInput;

typedef struct OclGemmOutput {
  OclAccessKind kind;
  const char *ptr; /* STRIDED: `global float *`, 16-byte aligned */
  int64_t off, sb, sm, sn;
  OclStoreFn store; /* CUSTOM */
  void *ctx;
  OclEpilogueFn epilogue; /* NULL: the sum itself */
  void *epi_ctx;
} OclGemmOutput;

/* The tiling.  The work-group has (TM/RM) x (TN/RN) work-items; TM, TN,
 * RM, RN are powers of 2, RM <= TM, RN <= TN, TK is 4, 8 or 16 -- or, when
 * K has digits, a multiple of the inner digits' product up to 64. */
enum { OCL_GEMM_MAX_KDIG = 8 };
typedef struct OclGemmTile {
  int tm, tn, tk;
  int rm, rn;
} OclGemmTile;

typedef struct OclGemm {
  const char *name;     /* the kernel's name (an identifier) */
  const char *params;   /* its parameter list: "global const float *a, ..." */
  const char *prologue; /* statements at the top of its body, or NULL */
  int body_only;        /* emit only what goes between the kernel's braces: the
                           caller writes `kernel ATTRIBUTE void NAME(...) {`
                           before and `}` after (ocl_gemm_attribute); name and
                           params are then unused */
  int64_t batch, m, n, k;
  /* K as digits, row-major (kdig[0] the outermost; their product is K), or
   * nkdig 0.  An operand with load_kd gets each digit's expression: the
   * innermost digits whose product P is at most 64 (a conv's window) then
   * cost nothing in the loop over k (TK is a multiple of P, so they are
   * the same for a work-item's element at every step), and the others
   * follow from a counter of the steps (a conv's channel: one add). */
  int nkdig;
  int64_t kdig[OCL_GEMM_MAX_KDIG];
  OclGemmInput a, b; /* A(b, m, k), B(b, k, n) */
  OclGemmOutput c;
  OclGemmTile tile; /* ocl_gemm_choose fills it, or the caller */
} OclGemm;

/* Chooses g->tile for g's sizes and operands within lim: among the tilings
 * that fit, the one of least estimated time (padded work over an
 * efficiency of the register block and the share of the device the grid
 * fills; docs/opencl.md).  Returns 0, or -1 with a message in err when the
 * sizes are invalid or nothing fits. */
int ocl_gemm_choose(OclGemm *g, const OclLimits *lim, char *err, size_t errlen);
/* The TK ocl_gemm_choose takes for blocks of RM x RN: 16; 8 for blocks of
 * 32 accumulators or more; less when K is shorter; with K's digits a
 * multiple of the inner digits' product near 16 (18 for a 3x3 window). */
int ocl_gemm_tk(const OclGemm *g, int rm, int rn);
/* Checks g (sizes, operands, g->tile against lim).  0, or -1 with a
 * message in err. */
int ocl_gemm_check(const OclGemm *g, const OclLimits *lim, char *err, size_t errlen);
/* Appends the kernel to out (after ocl_gemm_check).  0, or -1 with a
 * message in err. */
int ocl_gemm_emit(const OclGemm *g, const OclLimits *lim, OclCode *out, char *err,
                  size_t errlen);
/* The launch: work_dim 3, global = {ceil(N/TN) * WG, ceil(M/TM), batch},
 * local = {WG, 1, 1}. */
void ocl_gemm_ndrange(const OclGemm *g, size_t global[3], size_t local[3]);
/* "__attribute__((reqd_work_group_size(WG, 1, 1)))" of g's kernel, into buf. */
void ocl_gemm_attribute(const OclGemm *g, char *buf, size_t len);
/* Work-items per work-group of g->tile. */
int ocl_gemm_wg(const OclGemmTile *t);
/* "128x128x16/8x8 a:k4 b:n4 c:n4": the tiling and the loads, for comments
 * and reports; into buf. */
void ocl_gemm_describe(const OclGemm *g, char *buf, size_t len);

/* ---------------------------------------------------------- row reductions
 * A node computed row by row (lower/fuse.c): for each of `rows` rows of
 * length D, a list of steps: reductions over the row to a scalar, scalars
 * of earlier scalars, and statements for every element of the row.  A
 * work-group takes a row: its work-items take the elements d = l, l + WG,
 * ..., and a reduction combines their partial results in a tree in local
 * memory (log2 WG steps); or, when rows are short (wg == 1), each
 * work-item takes a row alone. */

typedef enum OclRowStepKind {
  OCL_ROW_REDUCE, /* float NAME = red over d of fn's expression (row, d) */
  OCL_ROW_LET,    /* float NAME = fn's expression (row) */
  OCL_ROW_MAP,    /* fn's statement (row, d), for every d of the row */
  OCL_ROW_ONCE,   /* fn's statement (row), once per row (the first work-item) */
  OCL_ROW_ALL     /* fn's statement (row), by every work-item of the row (it
                     may write private variables only) */
} OclRowStepKind;

typedef enum OclRed { OCL_RED_SUM, OCL_RED_PROD, OCL_RED_MAX, OCL_RED_MIN } OclRed;

/* Appends an expression or a statement (as the step's kind says); row and
 * d are int expressions in range (d is "" for LET and ONCE). */
typedef void (*OclRowFn)(void *ctx, OclCode *out, const char *row, const char *d);

typedef struct OclRowStep {
  OclRowStepKind kind;
  OclRed red;       /* REDUCE: max and min propagate NaN */
  const char *name; /* REDUCE, LET: the float variable it defines */
  OclRowFn fn;
  void *ctx;
  int64_t n; /* REDUCE, MAP: d ranges over [0, n); 0: the row's D */
} OclRowStep;

typedef struct OclRow {
  const char *name, *params, *prologue; /* as in OclGemm */
  int body_only;                        /* as in OclGemm (ocl_row_attribute) */
  int64_t rows, d;
  int nsteps;
  const OclRowStep *steps;
  /* Per-row float buffers that MAP steps may write (NAME[d] = ...) and
   * later steps read, at any element of the row: in local memory (wg > 1)
   * or private memory (wg == 1); of buf_elems[i] elements (NULL: D each). */
  int nbufs;
  const char *const *bufs;
  const int64_t *buf_elems;
  int wg; /* work-items per row: a power of 2 (1: a work-item per row);
             ocl_row_choose fills it */
} OclRow;

/* Chooses r->wg: a work-item per row when its steps are short (< 64
 * elements) and its buffers fit in 1 KiB of private memory, else a power
 * of 2 up to lim->max_wg, about a quarter of the longest step, and no more
 * than the local memory allows.  0, or -1 with a message in err. */
int ocl_row_choose(OclRow *r, const OclLimits *lim, char *err, size_t errlen);
int ocl_row_check(const OclRow *r, const OclLimits *lim, char *err, size_t errlen);
int ocl_row_emit(const OclRow *r, const OclLimits *lim, OclCode *out, char *err, size_t errlen);
void ocl_row_attribute(const OclRow *r, char *buf, size_t len);
/* work_dim 1: wg > 1: global rows * wg, local wg; wg == 1: global rows
 * rounded up to 64, local 64 (work-items past the last row return). */
void ocl_row_ndrange(const OclRow *r, size_t global[3], size_t local[3]);

/* ------------------------------------------------------ named problems
 * (ops.c) Set-ups of the generators for the tests and bench/ocl_gemm.c;
 * the compiler describes its statements from the loop IR instead. */

/* conv2d, NCHW: y[b, f, i, j] = act(sum over (c, u, v) of
 * x[b, c, i*stride + u - pad, j*stride + v - pad] (0 outside the image) *
 * w[f, c, u, v] + bias[f]) as the implicit GEMM batch = N, M = F, N = OH*OW,
 * K = C*KH*KW: A the filters (strided), B the gather of the input (a
 * callback; strided for a pointwise conv), C strided. */
typedef struct OclConv2d {
  int64_t n, c, h, w;    /* the input */
  int64_t f, kh, kw;     /* the filters */
  int64_t stride, pad;
  const char *xp, *wp, *yp; /* the buffers as kernel expressions */
  const char *bias;      /* NULL: none */
  int relu;
  int flat_k; /* the gather divides k into (c, u, v) itself, instead of
                 taking K's digits (OclGemm.kdig): for tests */
} OclConv2d;

int64_t ocl_conv2d_oh(const OclConv2d *cv);
int64_t ocl_conv2d_ow(const OclConv2d *cv);
/* Sets g's sizes and operands (not its name, parameters or tile); g's
 * callbacks keep a pointer to cv. */
void ocl_conv2d_gemm(const OclConv2d *cv, OclGemm *g);

/* softmax and layernorm over rows of D (y = (x - mean) / sqrt(var + eps) *
 * gamma + beta, the variance biased): r's sizes and steps (kept in op).
 * Rows of up to 4096 elements are read once into local memory. */
typedef struct OclRowOp {
  int64_t rows, d;
  const char *x, *y, *gamma, *beta; /* buffers as kernel expressions */
  double eps;
  OclRowStep steps[6];
  const char *bufs[1];
} OclRowOp;

void ocl_row_softmax(OclRowOp *op, OclRow *r);
void ocl_row_layernorm(OclRowOp *op, OclRow *r);

#endif
