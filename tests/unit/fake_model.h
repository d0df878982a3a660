/* fake_model.h -- what the fake model library of the model API's tests
 * computes and how a test bends its descriptor (fake_model.c). */
#ifndef XG_FAKE_MODEL_H
#define XG_FAKE_MODEL_H

/* The model 'fake': y[i][j] = x[i][j] * w[i][j] + b[j] for x, w, y of
 * f32 [FAKE_ROWS, FAKE_COLS] and b of f32 [FAKE_COLS]; the rows are spread
 * over the pool with xg_parallel_for, x * w goes through the scratch arena.
 * A second output, `chunks` (i32 []), counts the chunks the rows were cut
 * into.  A NaN in x[0][0] makes the run fail with code 3. */
enum { FAKE_ROWS = 64, FAKE_COLS = 8 };

/* Descriptor variants, set through the library's fake_model_variant(). */
#define FAKE_VARIANTS(X)                                             \
  X(FAKE_OK)          /* the model as described above */            \
  X(FAKE_ABI)         /* abi_version 99 */                           \
  X(FAKE_NULL)        /* xg_model_describe returns NULL */           \
  X(FAKE_NONAME)      /* the model has no name */                    \
  X(FAKE_NORUN)       /* no run function */                          \
  X(FAKE_BADDTYPE)    /* input 0 of dtype 9 */                       \
  X(FAKE_BADNBYTES)   /* weight 1 ('b') claims 31 bytes */           \
  X(FAKE_DUPWEIGHT)   /* both weights called 'w' */                  \
  X(FAKE_BADRANK)     /* output 1 of rank 17 */                      \
  X(FAKE_NEGCOUNT)    /* ninputs -1 */                               \
  X(FAKE_NOARRAY)     /* noutputs 2 and no outputs array */          \
  X(FAKE_HUGESCRATCH) /* 2^62 bytes of scratch */                    \
  X(FAKE_NOWEIGHTS)   /* nweights 0 (b and w as zeros): y = 0 */     \
  X(FAKE_UNNAMED)     /* weight 0 has no name */                     \
  X(FAKE_BLOCK)       /* run waits while the variant stays FAKE_BLOCK */

typedef enum FakeVariant {
#define X(v) v,
  FAKE_VARIANTS(X)
#undef X
  FAKE__COUNT
} FakeVariant;

/* Sets the variant (when >= 0); returns how many runs have entered the
 * wait of FAKE_BLOCK so far. */
typedef int (*fake_variant_fn)(int variant);
#define FAKE_VARIANT_SYMBOL "fake_model_variant"

#endif
