/* test_npy.c -- the .npy reader and writer: numpy's own files (versions
 * 1.0-3.0), byte-identical output, round trips, and malformed files. */
#include "tests/unit/rt_test.h"

#include <stdint.h>
#include <sys/stat.h>

static char err[1024];

/* A .npy image: magic, version major.0, header length, the dict padded
 * with spaces and '\n' to 64 bytes, then dlen bytes of data. */
static size_t mk_npy(unsigned char *out, int major, const char *dict, const void *data, size_t dlen) {
  size_t pre = major == 1 ? 10 : 12, n = strlen(dict), pad = 64 - (pre + n + 1) % 64;
  memcpy(out, "\x93NUMPY", 6);
  out[6] = (unsigned char)major;
  out[7] = 0;
  size_t hlen = n + pad + 1;
  for (size_t i = 0; i < pre - 8; i++) out[8 + i] = (unsigned char)(hlen >> (8 * i));
  memcpy(out + pre, dict, n);
  memset(out + pre + n, ' ', pad);
  out[pre + n + pad] = '\n';
  if (dlen) memcpy(out + pre + hlen, data, dlen);
  return pre + hlen + dlen;
}

/* Reads the committed file name and checks dtype and shape. */
static int read_src(const char *name, RtTensor *t, RtDType dt, int rank, const int64_t *shape) {
  int rc = rt_npy_read(rtt_src(name), t, err, sizeof err);
  if (rc) fprintf(stderr, "\n  %s\n", err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_EQUAL(t->dtype, dt);
  CU_ASSERT_EQUAL(t->rank, rank);
  CU_ASSERT_TRUE(t->owned);
  for (int i = 0; i < rank && i < t->rank; i++) CU_ASSERT_EQUAL(t->shape[i], shape[i]);
  return rc;
}

/* --------------------------------------------------------- numpy's files */

static void check_f32_2x3(const char *name) {
  RtTensor t;
  read_src(name, &t, RT_F32, 2, (int64_t[]){2, 3});
  CU_ASSERT_EQUAL(t.nbytes, 24);
  const float *f = t.data;
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(f[i], i * 0.5f - 1.0f);
  rt_tensor_free(&t);
}

static void test_numpy_versions(void) {
  check_f32_2x3("f32_2x3.npy");
  check_f32_2x3("f32_2x3_v2.npy");
  check_f32_2x3("f32_2x3_v3.npy");
}

static void test_numpy_dtypes(void) {
  RtTensor t;
  read_src("f16_4.npy", &t, RT_F16, 1, (int64_t[]){4});
  const uint16_t *h = t.data;
  CU_ASSERT_EQUAL(h[0], 0x3e00); /* 1.5 */
  CU_ASSERT_EQUAL(h[1], 0xc000); /* -2 */
  CU_ASSERT_EQUAL(h[2], 0x2e66); /* 0.1 rounded */
  CU_ASSERT_EQUAL(h[3], 0x7bff); /* 65504 */
  rt_tensor_free(&t);
  read_src("i32_3x2.npy", &t, RT_I32, 2, (int64_t[]){3, 2});
  const int32_t *i32 = t.data;
  CU_ASSERT_TRUE(i32[0] == INT32_MIN && i32[1] == -1 && i32[2] == 0 && i32[3] == 1 && i32[4] == 7 &&
                 i32[5] == INT32_MAX);
  rt_tensor_free(&t);
  read_src("i8_5.npy", &t, RT_I8, 1, (int64_t[]){5});
  CU_ASSERT_EQUAL(memcmp(t.data, (int8_t[]){-128, -1, 0, 1, 127}, 5), 0);
  rt_tensor_free(&t);
  read_src("bool_2x2.npy", &t, RT_BOOL, 2, (int64_t[]){2, 2});
  CU_ASSERT_EQUAL(memcmp(t.data, (uint8_t[]){1, 0, 0, 1}, 4), 0);
  rt_tensor_free(&t);
}

static void test_numpy_scalar_and_empty(void) {
  RtTensor t;
  read_src("f32_scalar.npy", &t, RT_F32, 0, NULL);
  CU_ASSERT_EQUAL(t.nbytes, 4);
  CU_ASSERT_EQUAL(*(float *)t.data, 3.25f);
  CU_ASSERT_EQUAL(rt_tensor_elems(&t), 1);
  rt_tensor_free(&t);
  read_src("f32_0x3.npy", &t, RT_F32, 2, (int64_t[]){0, 3});
  CU_ASSERT_EQUAL(t.nbytes, 0);
  CU_ASSERT_EQUAL(rt_tensor_elems(&t), 0);
  rt_tensor_free(&t);
}

/* Our writer produces exactly numpy's bytes (np.save, version 1.0). */
static void test_writer_matches_numpy(void) {
  static const char *const files[] = {"f32_2x3.npy", "f16_4.npy", "i32_3x2.npy", "i8_5.npy",
                                      "bool_2x2.npy", "f32_scalar.npy", "f32_0x3.npy",
                                      "random_f32.npy", "random_bool.npy"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    RtTensor t;
    CU_ASSERT_EQUAL_FATAL(rt_npy_read(rtt_src(files[i]), &t, err, sizeof err), 0);
    const char *out = rtt_path(files[i]);
    CU_ASSERT_EQUAL_FATAL(rt_npy_write(out, &t, err, sizeof err), 0);
    size_t la = 0, lb = 0;
    unsigned char *a = rtt_slurp(rtt_src(files[i]), &la), *b = rtt_slurp(out, &lb);
    CU_ASSERT_TRUE(a && b && la == lb && la % 64 == t.nbytes % 64 && !memcmp(a, b, la));
    if (!(a && b && la == lb && !memcmp(a, b, la))) fprintf(stderr, "\n  %s differs\n", files[i]);
    free(a);
    free(b);
    rt_tensor_free(&t);
  }
}

/* -------------------------------------------------------------- round trips */

static void round_trip(RtDType dt, int rank, const int64_t *shape) {
  RtTensor t, u;
  CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&t, dt, rank, shape, err, sizeof err), 0);
  rt_fill_random(&t, 1234, rt_dtype_name(dt));
  const char *path = rtt_path("round.npy");
  CU_ASSERT_EQUAL_FATAL(rt_npy_write(path, &t, err, sizeof err), 0);
  CU_ASSERT_EQUAL_FATAL(rt_npy_read(path, &u, err, sizeof err), 0);
  char kept[64];
  snprintf(kept, sizeof kept, "rt-%s-rank%d-%lld.npy", rt_dtype_name(dt), rank, (long long)u.nbytes);
  if (rtt_keep(kept)) CU_ASSERT_EQUAL(rt_npy_write(rtt_keep(kept), &t, err, sizeof err), 0);
  CU_ASSERT_EQUAL(u.dtype, dt);
  CU_ASSERT_EQUAL(u.rank, rank);
  CU_ASSERT_TRUE(rank == 0 || !memcmp(u.shape, shape, (size_t)rank * sizeof *shape));
  CU_ASSERT_EQUAL(u.nbytes, t.nbytes);
  CU_ASSERT_TRUE(t.nbytes == 0 || !memcmp(u.data, t.data, t.nbytes));
  size_t len = 0;
  unsigned char *b = rtt_slurp(path, &len);
  CU_ASSERT_TRUE(b && b[6] == 1 && (len - t.nbytes) % 64 == 0); /* v1.0, data aligned */
  free(b);
  rt_tensor_free(&t);
  rt_tensor_free(&u);
}

static void test_round_trips(void) {
  for (int dt = 0; dt < RT__COUNT; dt++) {
    round_trip((RtDType)dt, 2, (int64_t[]){3, 7});
    round_trip((RtDType)dt, 0, NULL);
    round_trip((RtDType)dt, 3, (int64_t[]){2, 0, 5});
    round_trip((RtDType)dt, 1, (int64_t[]){1000});
  }
  int64_t ones[RT_MAX_RANK];
  for (int i = 0; i < RT_MAX_RANK; i++) ones[i] = i % 3 + 1;
  round_trip(RT_F32, RT_MAX_RANK, ones);
}

/* The header parser takes what Python's literal syntax allows numpy to
 * write or a person to type: any key order, either quote, spacing, no
 * trailing comma, the older 16-byte alignment. */
static void test_header_variants(void) {
  static const char *const dicts[] = {
      "{'shape': (2,), 'fortran_order': False, 'descr': '<i4'}",
      "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (2,),}",
      "{ 'descr' :'<i4','fortran_order':False ,'shape':( 2 , ) , }",
      "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }  \t ",
  };
  int32_t data[2] = {5, -6};
  unsigned char buf[256];
  for (size_t i = 0; i < sizeof dicts / sizeof *dicts; i++) {
    size_t n = mk_npy(buf, (int)(i % 3) + 1, dicts[i], data, sizeof data);
    RtTensor t;
    int rc = rt_npy_parse("mem.npy", buf, n, &t, err, sizeof err);
    if (rc) fprintf(stderr, "\n  %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_TRUE(t.dtype == RT_I32 && t.rank == 1 && t.shape[0] == 2 && !memcmp(t.data, data, 8));
    rt_tensor_free(&t);
  }
  /* numpy before 1.9 aligned the data to 16 bytes */
  static const char old[] = "\x93NUMPY\x01\x00\x46\x00{'descr': '<i1', 'fortran_order': False, "
                            "'shape': (3,), }            \n\x01\x02\x03";
  RtTensor t;
  CU_ASSERT_EQUAL_FATAL(rt_npy_parse("old.npy", old, sizeof old - 1, &t, err, sizeof err), 0);
  CU_ASSERT_TRUE(t.dtype == RT_I8 && t.shape[0] == 3 && ((int8_t *)t.data)[2] == 3);
  rt_tensor_free(&t);
}

/* ---------------------------------------------------------------- malformed */

/* Writes the bytes as a file, reads it, and checks the message. */
static void bad_file(const char *name, const void *bytes, size_t len, const char *want) {
  RtTensor t = {.owned = 1};
  const char *path = rtt_write(name, bytes, len);
  CU_ASSERT_EQUAL(rt_npy_read(path, &t, err, sizeof err), -1);
  RTT_MSG(err, path, want);
  CU_ASSERT_TRUE(t.data == NULL && !t.owned);
}

/* The same through rt_npy_parse, for an image made by mk_npy. */
static void bad_dict(int major, const char *dict, const void *data, size_t dlen, const char *want) {
  unsigned char buf[1024];
  size_t n = mk_npy(buf, major, dict, data, dlen);
  bad_file("bad.npy", buf, n, want);
}

#define OKDICT(descr, shape) "{'descr': '" descr "', 'fortran_order': False, 'shape': " shape ", }"

static void test_bad_magic(void) {
  static const char want[] = "not a .npy file (it does not start with \"\\x93NUMPY\")";
  bad_file("empty.npy", "", 0, want);
  bad_file("magic.npy", "\x93NUMPZ\x01\x00\x10\x00", 10, want);
  bad_file("short.npy", "\x93NUM", 4, want);
  /* a safetensors file is not a .npy file */
  bad_file("st.npy", "\x08\0\0\0\0\0\0\0{}      ", 16, want);
}

static void test_bad_version(void) {
  bad_file("v4.npy", "\x93NUMPY\x04\x00\x10\x00", 10,
           "unsupported .npy version 4.0 (1.0, 2.0 and 3.0 are supported)");
  bad_file("v11.npy", "\x93NUMPY\x01\x01\x10\x00", 10,
           "unsupported .npy version 1.1 (1.0, 2.0 and 3.0 are supported)");
  bad_file("v0.npy", "\x93NUMPY\x00\x00\x10\x00", 10,
           "unsupported .npy version 0.0 (1.0, 2.0 and 3.0 are supported)");
  bad_file("nover.npy", "\x93NUMPY\x01", 7, "truncated: the file ends before the version");
}

static void test_truncated_header(void) {
  bad_file("len1.npy", "\x93NUMPY\x01\x00\x10", 9, "truncated: the file ends inside the header length");
  bad_file("len2.npy", "\x93NUMPY\x02\x00\x10\x00\x00", 11,
           "truncated: the file ends inside the header length");
  bad_file("lie.npy", "\x93NUMPY\x01\x00\x00\x01{'descr'", 17,
           "truncated header: the header length is 256 bytes but 7 follow");
  bad_file("lie2.npy", "\x93NUMPY\x02\x00\xff\xff\xff\xff{}\n", 15,
           "truncated header: the header length is 4294967295 bytes but 3 follow");
  bad_file("nonl.npy", "\x93NUMPY\x01\x00\x02\x00{}", 12, "bad header: it does not end with a newline");
  bad_file("zero.npy", "\x93NUMPY\x01\x00\x00\x00", 10, "bad header: it does not end with a newline");
}

static void test_bad_dict(void) {
  bad_dict(1, "'descr': '<f4'}", NULL, 0, "bad header: expected '{', found ''descr':'");
  bad_dict(1, "{'descr' '<f4'}", NULL, 0, "bad header: expected ':' after a key, found ''<f4'}'");
  bad_dict(1, "{descr: '<f4'}", NULL, 0, "bad header: expected a quoted key or '}', found 'descr:'");
  bad_dict(1, "{'descr': '<f4' 'shape': ()}", NULL, 0, "bad header: expected ',' or '}', found ''shape':'");
  bad_dict(1, "{'descr': '<f4', 'fortran_order': False, 'shape': ()", NULL, 0,
           "bad header: expected ',' or '}', found the end");
  bad_dict(1, "{'descr': '<f4, 'fortran_order': False, 'shape': ()}", NULL, 0,
           "bad header: expected ',' or '}', found 'fortran_'");
  bad_dict(1, "{'descr': '<f\\x34', 'fortran_order': False, 'shape': ()}", NULL, 0,
           "bad header: unterminated or escaped string, found ''<f\\x5cx34''");
  bad_dict(1, OKDICT("<f4", "()") " x", NULL, 0,
           "bad header: expected the end of the header after '}', found 'x'");
  bad_dict(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'extra': 1}", NULL, 0,
           "header has an unknown key 'extra'");
  bad_dict(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}", NULL, 0,
           "header has the key 'descr' twice");
  bad_dict(1, "{'descr': '<f4', 'fortran_order': False}", NULL, 0, "header lacks the key 'shape'");
  bad_dict(1, "{'shape': (), 'fortran_order': False}", NULL, 0, "header lacks the key 'descr'");
  bad_dict(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': ()}", NULL, 0,
           "bad header: 'fortran_order' must be True or False, found '0'");
  bad_dict(1, "{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", NULL, 0,
           "bad header: 'shape' must be a tuple, found '[2]}'");
  bad_dict(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", NULL, 0,
           "'shape' (2) is not a tuple (write (2,))");
  bad_dict(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}", NULL, 0,
           "bad header: expected ',' or ')' in 'shape', found '.5'");
  bad_dict(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (,)}", NULL, 0,
           "bad header: expected a dimension in 'shape', found ',)}'");
  bad_dict(1, "{'descr': 4, 'fortran_order': False, 'shape': ()}", NULL, 0,
           "bad header: 'descr' must be a string, found '4'");
  bad_dict(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}", NULL, 0,
           "'descr' is not a string (structured dtypes are not supported)");
  /* version 3.0 headers are UTF-8, checked as such */
  bad_dict(3, "{'descr': '<f4\xff', 'fortran_order': False, 'shape': ()}", NULL, 0,
           "bad header: not valid UTF-8 (at byte 14)");
  bad_dict(3, "{'descr': '<f4\xc3\xa9', 'fortran_order': False, 'shape': ()}", NULL, 0,
           "unsupported dtype '<f4\\xc3\\xa9' (supported: '<f4', '<f2', '<i4', '|i1', '|b1')");
}

static void test_bad_dtype(void) {
  bad_dict(1, OKDICT(">f4", "(1,)"), "\0\0\0\0", 4,
           "big-endian data ('>f4') is not supported (save it little-endian: a.astype('<f4'))");
  bad_dict(2, OKDICT(">i4", "(1,)"), "\0\0\0\0", 4,
           "big-endian data ('>i4') is not supported (save it little-endian: a.astype('<i4'))");
  bad_dict(1, OKDICT("<f8", "(1,)"), "\0\0\0\0\0\0\0\0", 8,
           "unsupported dtype '<f8' (supported: '<f4', '<f2', '<i4', '|i1', '|b1')");
  bad_dict(1, OKDICT("|u1", "(1,)"), "\0", 1,
           "unsupported dtype '|u1' (supported: '<f4', '<f2', '<i4', '|i1', '|b1')");
  bad_dict(1, OKDICT("<i8", "(1,)"), "\0\0\0\0\0\0\0\0", 8,
           "unsupported dtype '<i8' (supported: '<f4', '<f2', '<i4', '|i1', '|b1')");
  bad_dict(1, OKDICT("=f4", "(1,)"), "\0\0\0\0", 4,
           "unsupported dtype '=f4' (supported: '<f4', '<f2', '<i4', '|i1', '|b1')");
  bad_dict(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", "\0\0\0\0\0\0\0\0", 8,
           "Fortran-order data is not supported (save a C-order array: np.ascontiguousarray(a))");
  /* '<i1' is accepted as '|i1' */
  unsigned char buf[256];
  size_t n = mk_npy(buf, 1, OKDICT("<i1", "(1,)"), "\x7f", 1);
  RtTensor t;
  CU_ASSERT_EQUAL_FATAL(rt_npy_parse("i1.npy", buf, n, &t, err, sizeof err), 0);
  CU_ASSERT_TRUE(t.dtype == RT_I8 && ((int8_t *)t.data)[0] == 127);
  rt_tensor_free(&t);
}

static void test_bad_shape(void) {
  bad_dict(1, OKDICT("<f4", "(2, -3)"), NULL, 0, "'shape' has a negative dimension -3");
  bad_dict(1, OKDICT("<f4", "(99999999999999999999,)"), NULL, 0,
           "'shape' dimension 99999999999999999999 is too large");
  bad_dict(1, OKDICT("<f4", "(4294967296, 4294967296)"), NULL, 0,
           "shape [4294967296, 4294967296] is too large (its byte count overflows)");
  bad_dict(1, OKDICT("<f4", "(4611686018427387904,)"), NULL, 0,
           "shape [4611686018427387904] is too large (its byte count overflows)");
  bad_dict(1, OKDICT("<f4", "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)"), NULL, 0,
           "'shape' has more than 16 dimensions");
}

static void test_bad_data_size(void) {
  static const unsigned char data[32];
  bad_dict(1, OKDICT("<f4", "(2, 3)"), data, 20, "truncated data: shape [2, 3] of f32 needs 24 bytes, the file has 20");
  bad_dict(1, OKDICT("<f4", "(2, 3)"), data, 28, "trailing data: shape [2, 3] of f32 needs 24 bytes, the file has 28");
  bad_dict(1, OKDICT("|b1", "()"), data, 0, "truncated data: shape [] of bool needs 1 bytes, the file has 0");
  bad_dict(2, OKDICT("<f2", "(0,)"), data, 1, "trailing data: shape [0] of f16 needs 0 bytes, the file has 1");
}

static void test_open_errors(void) {
  RtTensor t;
  CU_ASSERT_EQUAL(rt_npy_read("/nonexistent/x.npy", &t, err, sizeof err), -1);
  CU_ASSERT_STRING_EQUAL(err, "/nonexistent/x.npy: cannot open: No such file or directory");
  CU_ASSERT_EQUAL(rt_npy_read(rtt_dir, &t, err, sizeof err), -1);
  RTT_MSG(err, rtt_dir, "cannot open: not a regular file");
  /* a short error buffer is cut, not overrun */
  char tiny[8];
  CU_ASSERT_EQUAL(rt_npy_read("/nonexistent/x.npy", &t, tiny, sizeof tiny), -1);
  CU_ASSERT_STRING_EQUAL(tiny, "/nonexi");
  CU_ASSERT_EQUAL(rt_npy_read("/nonexistent/x.npy", &t, NULL, 0), -1);
}

static void test_write_errors(void) {
  RtTensor t;
  CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&t, RT_F32, 1, (int64_t[]){4}, err, sizeof err), 0);
  CU_ASSERT_EQUAL(rt_npy_write("/nonexistent/x.npy", &t, err, sizeof err), -1);
  CU_ASSERT_STRING_EQUAL(err, "/nonexistent/x.npy: cannot create: No such file or directory");
  t.nbytes = 12;
  const char *path = rtt_path("w.npy");
  CU_ASSERT_EQUAL(rt_npy_write(path, &t, err, sizeof err), -1);
  RTT_MSG(err, path, "the tensor holds 12 bytes, shape [4] of f32 needs 16");
  t.nbytes = 16;
  t.shape[0] = -4;
  CU_ASSERT_EQUAL(rt_npy_write(path, &t, err, sizeof err), -1);
  RTT_MSG(err, path, "invalid shape [-4]");
  t.shape[0] = 4;
  t.rank = RT_MAX_RANK + 1;
  CU_ASSERT_EQUAL(rt_npy_write(path, &t, err, sizeof err), -1);
  RTT_MSG(err, path, "rank 17 is outside 0..16");
  struct stat st;
  CU_ASSERT_NOT_EQUAL(stat(path, &st), 0); /* nothing was created */
  rt_tensor_free(&t);
  CU_ASSERT_EQUAL(rt_tensor_alloc(&t, RT_F32, 2, (int64_t[]){INT64_MAX, 2}, err, sizeof err), -1);
  CU_ASSERT_STRING_EQUAL(err, "shape [9223372036854775807, 2] of f32 is too large");
  CU_ASSERT_EQUAL(rt_tensor_alloc(&t, RT_F32, 1, (int64_t[]){-1}, err, sizeof err), -1);
  CU_ASSERT_STRING_EQUAL(err, "shape [-1] has a negative dimension");
}

static const RttTest tests[] = {
    {"numpy's files, versions 1.0 2.0 3.0", test_numpy_versions},
    {"numpy's files, every dtype", test_numpy_dtypes},
    {"numpy's files, a scalar and an empty array", test_numpy_scalar_and_empty},
    {"the writer makes numpy's exact bytes", test_writer_matches_numpy},
    {"round trips of every dtype and rank", test_round_trips},
    {"header variants", test_header_variants},
};

static const RttTest malformed[] = {
    {"bad magic", test_bad_magic},
    {"unsupported versions", test_bad_version},
    {"truncated or lying header", test_truncated_header},
    {"bad header dict", test_bad_dict},
    {"big-endian, fortran order, unsupported dtypes", test_bad_dtype},
    {"bad shapes and overflow", test_bad_shape},
    {"truncated and trailing data", test_bad_data_size},
    {"files that cannot be opened", test_open_errors},
    {"write errors", test_write_errors},
};

int main(void) {
  const RttSuite suites[] = {RTT_SUITE("npy", tests), RTT_SUITE("npy-malformed", malformed)};
  return rtt_run(suites, 2);
}
