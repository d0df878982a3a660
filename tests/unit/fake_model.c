/* fake_model.c -- a model library written by hand against runtime/xg_abi.h,
 * as xgc would generate one: the model API's tests load it (fake_model.h). */
#include "runtime/xg_abi.h"
#include "tests/unit/fake_model.h"

#include <sched.h>
#include <stdint.h>
#include <string.h>

enum { F32 = 0, I32 = 2 }; /* xg_dtype, spelt out as generated code does */

static const int64_t shape_xy[] = {FAKE_ROWS, FAKE_COLS}, shape_b[] = {FAKE_COLS};
static const int64_t shape_17[17] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
#define XY_BYTES (FAKE_ROWS * FAKE_COLS * 4)

static xg_abi_tensor inputs[] = {{"x", F32, 2, shape_xy, XY_BYTES}};
static xg_abi_tensor outputs[] = {{"y", F32, 2, shape_xy, XY_BYTES}, {"chunks", I32, 0, NULL, 4}};
static xg_abi_tensor weights[] = {{"w", F32, 2, shape_xy, XY_BYTES},
                                  {"b", F32, 1, shape_b, FAKE_COLS * 4}};

static int variant, blocked; /* read and written atomically */

typedef struct Job {
  const float *x, *w, *b;
  float *t, *y;
  int chunks;
} Job;

static void rows_mul(void *ctx, int64_t begin, int64_t end) {
  Job *j = ctx;
  __atomic_fetch_add(&j->chunks, 1, __ATOMIC_RELAXED);
  for (int64_t i = begin * FAKE_COLS; i < end * FAKE_COLS; i++)
    j->t[i] = j->x[i] * (j->w ? j->w[i] : 0.0f);
}

static void rows_add(void *ctx, int64_t begin, int64_t end) {
  Job *j = ctx;
  for (int64_t i = begin; i < end; i++)
    for (int k = 0; k < FAKE_COLS; k++)
      j->y[i * FAKE_COLS + k] = j->t[i * FAKE_COLS + k] + (j->b ? j->b[k] : 0.0f);
}

static int32_t fake_run(const xg_abi_args *a) {
#ifdef FAKE_UNDEFINED
  extern void xg_not_in_any_runtime(void);
  xg_not_in_any_runtime();
#endif
  Job j = {a->inputs[0], NULL, NULL, a->scratch, a->outputs[0], 0};
  if (__atomic_load_n(&variant, __ATOMIC_SEQ_CST) == FAKE_BLOCK) {
    __atomic_fetch_add(&blocked, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&variant, __ATOMIC_SEQ_CST) == FAKE_BLOCK) sched_yield();
  }
  if (variant != FAKE_NOWEIGHTS) j.w = a->weights[0], j.b = a->weights[1];
  if ((uintptr_t)a->scratch % 64) return 7;
  if (j.x[0] != j.x[0]) return 3;
  xg_parallel_for(a->pool, FAKE_ROWS, rows_mul, &j);
  xg_parallel_for(a->pool, FAKE_ROWS, rows_add, &j);
  memcpy(a->outputs[1], &j.chunks, 4);
  return 0;
}

static xg_abi_model model = {XG_ABI_VERSION, "fake", 1, 2, 2, inputs, outputs, weights, XY_BYTES,
                             fake_run, NULL};
static xg_abi_model bent;
static xg_abi_tensor bent_in[1], bent_out[2], bent_w[2];

int fake_model_variant(int v);
int fake_model_variant(int v) {
  if (v >= 0) __atomic_store_n(&variant, v, __ATOMIC_SEQ_CST);
  return __atomic_load_n(&blocked, __ATOMIC_SEQ_CST);
}

/* The descriptor of the current variant, made afresh from the model. */
static const xg_abi_model *fake_bend(void) {
  bent = model;
  memcpy(bent_in, inputs, sizeof inputs);
  memcpy(bent_out, outputs, sizeof outputs);
  memcpy(bent_w, weights, sizeof weights);
  bent.inputs = bent_in, bent.outputs = bent_out, bent.weights = bent_w;
  switch ((FakeVariant)variant) {
  case FAKE_OK: break;
  case FAKE_ABI: bent.abi_version = 99; break;
  case FAKE_NULL: return NULL;
  case FAKE_NONAME: bent.name = NULL; break;
  case FAKE_NORUN: bent.run = NULL; break;
  case FAKE_BADDTYPE: bent_in[0].dtype = 9; break;
  case FAKE_BADNBYTES: bent_w[1].nbytes = 31; break;
  case FAKE_DUPWEIGHT: bent_w[1].name = "w"; break;
  case FAKE_BADRANK: bent_out[1].rank = 17, bent_out[1].shape = shape_17; break;
  case FAKE_NEGCOUNT: bent.ninputs = -1; break;
  case FAKE_NOARRAY: bent.outputs = NULL; break;
  case FAKE_HUGESCRATCH: bent.scratch_bytes = (uint64_t)1 << 62; break;
  case FAKE_NOWEIGHTS: bent.nweights = 0, bent.weights = NULL; break;
  case FAKE_UNNAMED: bent_w[0].name = NULL; break;
  case FAKE_BLOCK: break;
  case FAKE__COUNT: break;
  }
  return &bent;
}

#ifndef FAKE_NO_DESCRIBE
const xg_abi_model *xg_model_describe(void);
const xg_abi_model *xg_model_describe(void) {
  return fake_bend();
}
#else
/* A shared library like any other: something, but no descriptor. */
const xg_abi_model *fake_describe_elsewhere(void);
const xg_abi_model *fake_describe_elsewhere(void) {
  return fake_bend();
}
#endif
