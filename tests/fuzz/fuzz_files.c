/* fuzz_files.c -- the libFuzzer target of the file readers: the same bytes
 * through the .npy and the safetensors parser, every tensor found touched.
 * Built with clang by `make fuzz-files`; replayed by tests/fuzz/replay_files. */
#include "runtime/rt.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every byte of t, so that a bad pointer or length shows. */
static unsigned touch(const RtTensor *t) {
  unsigned sum = 0;
  if (t->nbytes != (size_t)rt_tensor_elems(t) * rt_dtype_size(t->dtype)) abort();
  for (size_t i = 0; i < t->nbytes; i++) sum += ((const unsigned char *)t->data)[i];
  return sum;
}

/* A failure must leave a message that names the input. */
static void check_err(const char *err, const char *name) {
  size_t n = strlen(name);
  if (strncmp(err, name, n) || strncmp(err + n, ": ", 2) || !err[n + 2]) abort();
}

static void fuzz_npy(const uint8_t *data, size_t size) {
  char err[512] = "";
  RtTensor t;
  if (rt_npy_parse("fuzz.npy", data, size, &t, err, sizeof err) == 0) {
    if (!t.owned || t.rank > RT_MAX_RANK) abort();
    touch(&t);
    rt_tensor_free(&t);
  } else {
    check_err(err, "fuzz.npy");
  }
}

static void fuzz_st(const uint8_t *data, size_t size) {
  char err[512] = "";
  RtSafetensors *st = rt_st_parse("fuzz.safetensors", data, size, err, sizeof err);
  if (!st) {
    check_err(err, "fuzz.safetensors");
    return;
  }
  for (int i = 0; i < rt_st_count(st); i++) {
    const RtTensor *t = rt_st_tensor(st, i);
    if (rt_st_find(st, rt_st_name(st, i)) != t) abort();
    if (t->nbytes && (uintptr_t)t->data % rt_dtype_size(t->dtype)) abort();
    touch(t);
  }
  rt_st_close(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_npy(data, size);
  fuzz_st(data, size);
  return 0;
}
