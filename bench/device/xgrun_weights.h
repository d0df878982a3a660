/* xgrun_weights.h -- the weights file of `xgrun --random-weights SEED`:
 * every weight of a model library filled as `xgc run --random-weights SEED`
 * fills it (rt_fill_random_weight), written to a temporary safetensors file
 * that xg_model_load then reads, as an application's file would be. */
#ifndef XGRUN_WEIGHTS_H
#define XGRUN_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

/* Writes the random weights of library lib (seed) into a new file in
 * $TMPDIR (else /tmp) and returns its path (malloc'd; the caller unlinks
 * and frees it).  NULL with err[0] == 0 when there is nothing to write: a
 * model without weights, or a library whose descriptor this reader does not
 * trust (xg_model_load then says what is wrong with it).  NULL with a
 * message in err when the file cannot be made (memory, disk). */
char *xgrun_random_weights(const char *lib, uint64_t seed, char *err, size_t errlen);

#endif
