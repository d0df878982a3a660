/* fake_ocl.h -- what the fake OpenCL model library of the OpenCL runtime's
 * tests computes and how a test bends its descriptor (fake_ocl.c). */
#ifndef XG_FAKE_OCL_H
#define XG_FAKE_OCL_H

#include <stdint.h>

/* The model 'fakecl', input x and weight w of f32 [FOCL_ROWS, FOCL_COLS]:
 *   y = x * w + 1, through the arena: a once launch stores 2 w there
 *     (adding to the zeroed arena: a second run of it would make 4 w),
 *     then t = x * (2 w) in the arena, then y = t * 0.5 + 1;
 *   z = x, through an image (FOCL_COLS / 4 by FOCL_ROWS RGBA float pixels);
 *   edge [FOCL_ROWS, 8]: reads of that image out of range, to the right
 *     and to the left (CLK_ADDRESS_CLAMP: all 0);
 *   a NaN in x[0] makes the last kernel store (int)x[1] in the status word.
 * Launches: 0 prep (once), 1 mul (2-D, local 8 x 4), 2 add (local 64),
 * 3 to_image, 4 from_image, 5 check. */
enum { FOCL_ROWS = 64, FOCL_COLS = 8, FOCL_LAUNCHES = 6 };

#define FOCL_VARIANTS(X)                                                         \
  X(FOCL_OK)          /* the model as described above */                        \
  X(FOCL_BOTH)        /* a run function too */                                  \
  X(FOCL_NEITHER)     /* no run function, no OpenCL program */                  \
  X(FOCL_NOSOURCE)    /* source NULL */                                         \
  X(FOCL_NOOPTIONS)   /* build_options NULL */                                  \
  X(FOCL_NEGMEMS)     /* nmems -1 */                                            \
  X(FOCL_NOLAUNCHES)  /* nlaunches 6 and no array */                            \
  X(FOCL_BADKIND)     /* memory object 2 of kind 9 */                           \
  X(FOCL_BADINDEX)    /* memory object 0 is input 1 */                          \
  X(FOCL_DUPMEM)      /* memory object 5 is output 0 too */                     \
  X(FOCL_TWOARENAS)   /* memory object 7 is an arena too */                     \
  X(FOCL_NOOUTPUTMEM) /* 6 memory objects: output 2 has none */                 \
  X(FOCL_FLATIMAGE)   /* the image is 2 x 0 pixels */                           \
  X(FOCL_NOKERNEL)    /* launch 0 has no kernel name */                         \
  X(FOCL_NOWHAT)      /* launch 1 has no 'what' */                              \
  X(FOCL_BADARG)      /* launch 2's arg 1 is memory object 99 */                \
  X(FOCL_BADONCE)     /* launch 0's once is 2 */                                \
  X(FOCL_BADDIM)      /* launch 1's work_dim is 4 */                            \
  X(FOCL_ZEROGLOBAL)  /* launch 3's global size is 0 x 64 */                    \
  X(FOCL_PARTLOCAL)   /* launch 1's local size is 8 x 0 */                      \
  X(FOCL_NOTMULTIPLE) /* launch 2: global 512, local 48 */                      \
  X(FOCL_NOSUCHKERNEL) /* launch 2 calls kernel 'nothere' */                    \
  X(FOCL_NARGS)       /* launch 2 gives 1 arg of 2 */                           \
  X(FOCL_BUILDFAIL)   /* the source does not compile */                         \
  X(FOCL_HUGEARENA)   /* arena of fake_ocl_sizes' bytes */                      \
  X(FOCL_MANYIMAGES)  /* plus fake_ocl_sizes' count of extra images */          \
  X(FOCL_WIDEIMAGE)   /* the image is fake_ocl_sizes' width x height */         \
  X(FOCL_BIGITEMS)    /* launch 2: global and local fake_ocl_sizes' width */    \
  X(FOCL_BIGGROUP)    /* launch 1: global and local its width x height */       \
  X(FOCL_OPTIONS)     /* build options "-cl-fast-relaxed-math" */               \
  X(FOCL_SOURCE2)     /* the source with a comment appended */

typedef enum FoclVariant {
#define X(v) v,
  FOCL_VARIANTS(X)
#undef X
  FOCL__COUNT
} FoclVariant;

/* Sets the variant. */
typedef void (*focl_variant_fn)(int variant);
#define FOCL_VARIANT_SYMBOL "fake_ocl_variant"
/* Sizes of the variants that need the device's limits: the arena's bytes
 * (FOCL_HUGEARENA), a width and height (of the image, the extra images, or
 * the work-groups of FOCL_BIGITEMS and FOCL_BIGGROUP), and the count of
 * extra images (at most 16). */
typedef void (*focl_sizes_fn)(uint64_t arena, uint64_t width, uint64_t height, int images);
#define FOCL_SIZES_SYMBOL "fake_ocl_sizes"

#endif
