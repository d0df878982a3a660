/* test_safetensors.c -- the safetensors reader and writer: a file laid out
 * by hand after the specification, round trips, alignment, malformed files. */
#include "tests/unit/rt_test.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

static char err[1024];

/* A safetensors image in a malloc'd buffer: the 8-byte header length, the
 * header text as given, then dlen bytes counting 0, 1, 2, ... */
static unsigned char *mk_st(const char *json, size_t dlen, size_t *len) {
  size_t n = strlen(json);
  unsigned char *b = malloc(8 + n + dlen + 1);
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)n >> (8 * i));
  memcpy(b + 8, json, n);
  for (size_t i = 0; i < dlen; i++) b[8 + n + i] = (unsigned char)i;
  *len = 8 + n + dlen;
  return b;
}

/* ---------------------------------------------------------------- reading */

static const float fc_bias[3] = {0.25f, -0.75f, 2.0f};

static void test_read_committed(void) {
  RtSafetensors *st = rt_st_open(rtt_src("mixed.safetensors"), err, sizeof err);
  if (!st) fprintf(stderr, "\n  %s\n", err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  /* header order, __metadata__ left out */
  static const char *const names[] = {"emb", "empty", "fc.bias", "fc.weight", "idx", "mask", "q"};
  CU_ASSERT_EQUAL_FATAL(rt_st_count(st), 7);
  for (int i = 0; i < 7; i++) CU_ASSERT_STRING_EQUAL(rt_st_name(st, i), names[i]);
  CU_ASSERT_PTR_NULL(rt_st_name(st, 7));
  CU_ASSERT_PTR_NULL(rt_st_tensor(st, -1));
  const RtTensor *w = rt_st_find(st, "fc.weight");
  CU_ASSERT_PTR_EQUAL(w, rt_st_tensor(st, 3));
  CU_ASSERT_TRUE(w->dtype == RT_F32 && w->rank == 2 && w->shape[0] == 2 && w->shape[1] == 3 &&
                 w->nbytes == 24 && !w->owned);
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(((const float *)w->data)[i], i * 0.5f - 1.0f);
  const RtTensor *b = rt_st_find(st, "fc.bias");
  CU_ASSERT_EQUAL(memcmp(b->data, fc_bias, 12), 0);
  const RtTensor *e = rt_st_find(st, "emb");
  CU_ASSERT_TRUE(e->dtype == RT_F16 && ((const uint16_t *)e->data)[3] == 0x7bff);
  const RtTensor *idx = rt_st_find(st, "idx");
  CU_ASSERT_TRUE(idx->dtype == RT_I32 && ((const int32_t *)idx->data)[5] == INT32_MAX);
  const RtTensor *q = rt_st_find(st, "q"), *mask = rt_st_find(st, "mask");
  CU_ASSERT_TRUE(q->dtype == RT_I8 && ((const int8_t *)q->data)[0] == -128);
  CU_ASSERT_TRUE(mask->dtype == RT_BOOL && !memcmp(mask->data, (uint8_t[]){1, 0, 0, 1}, 4));
  const RtTensor *z = rt_st_find(st, "empty");
  CU_ASSERT_TRUE(z->rank == 2 && z->shape[0] == 0 && z->nbytes == 0);
  CU_ASSERT_PTR_NULL(rt_st_find(st, "fc"));
  CU_ASSERT_PTR_NULL(rt_st_find(st, "__metadata__"));
  CU_ASSERT_PTR_NULL(rt_st_find(st, ""));
  rt_st_close(st);
  rt_st_close(NULL);
}

/* An empty file, in the sense of the format: "{}" and no data. */
static void test_read_empty_and_spacing(void) {
  size_t len = 0;
  unsigned char *b = mk_st("{}      ", 0, &len);
  RtSafetensors *st = rt_st_parse("mem", b, len, err, sizeof err);
  CU_ASSERT_TRUE_FATAL(st != NULL);
  CU_ASSERT_EQUAL(rt_st_count(st), 0);
  CU_ASSERT_PTR_NULL(rt_st_find(st, "a"));
  rt_st_close(st);
  free(b);
  b = mk_st(" \n{ \"a\" : { \"shape\" : [ ] , \"data_offsets\" : [0,4], \"dtype\":\"I32\" },"
            "\"__metadata__\":{} }\t\r\n",
            4, &len);
  st = rt_st_parse("mem", b, len, err, sizeof err);
  if (!st) fprintf(stderr, "\n  %s\n", err);
  CU_ASSERT_TRUE_FATAL(st != NULL);
  CU_ASSERT_TRUE(rt_st_count(st) == 1 && rt_st_find(st, "a")->rank == 0);
  CU_ASSERT_EQUAL(*(const int32_t *)rt_st_find(st, "a")->data, 0x03020100);
  rt_st_close(st);
  free(b);
}

/* A header of odd length leaves the data misaligned: the reader copies such
 * tensors to aligned memory and frees the copies on close. */
static void test_misaligned(void) {
  size_t len = 0;
  unsigned char *b = mk_st("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                           "\"y\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[8,9]}}",
                           9, &len);
  CU_ASSERT_NOT_EQUAL((uintptr_t)(b + len - 9) % 4, 0);
  RtSafetensors *st = rt_st_parse("mem", b, len, err, sizeof err);
  CU_ASSERT_TRUE_FATAL(st != NULL);
  const RtTensor *x = rt_st_find(st, "x"), *y = rt_st_find(st, "y");
  CU_ASSERT_EQUAL((uintptr_t)x->data % 4, 0);
  CU_ASSERT_EQUAL(memcmp(x->data, b + len - 9, 8), 0);
  CU_ASSERT_PTR_EQUAL(y->data, b + len - 1); /* bytes need no copy */
  rt_st_close(st);
  free(b);
}

/* ---------------------------------------------------------------- writing */

static void test_round_trip(void) {
  RtTensor ts[RT__COUNT * 3];
  const RtTensor *tp[RT__COUNT * 3];
  char namebuf[RT__COUNT * 3][32];
  const char *names[RT__COUNT * 3];
  int n = 0;
  for (int dt = 0; dt < RT__COUNT; dt++) {
    static const int64_t shapes[3][2] = {{3, 5}, {0, 0}, {7, 1}};
    for (int k = 0; k < 3; k++, n++) {
      int rank = k == 1 ? 0 : 2; /* a scalar in the middle */
      CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&ts[n], (RtDType)dt, rank, shapes[k], err, sizeof err), 0);
      snprintf(namebuf[n], sizeof namebuf[n], "layer%d.%s", k, rt_dtype_name((RtDType)dt));
      rt_fill_random(&ts[n], 99, namebuf[n]);
      names[n] = namebuf[n];
      tp[n] = &ts[n];
    }
  }
  const char *path = rtt_path("round.safetensors");
  CU_ASSERT_EQUAL_FATAL(rt_st_write(path, n, names, tp, err, sizeof err), 0);
  if (rtt_keep("rt-round.safetensors"))
    CU_ASSERT_EQUAL(rt_st_write(rtt_keep("rt-round.safetensors"), n, names, tp, err, sizeof err), 0);
  size_t len = 0;
  unsigned char *raw = rtt_slurp(path, &len);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = hlen << 8 | raw[i];
  CU_ASSERT_EQUAL(hlen % 8, 0); /* the data starts 8-byte aligned */
  uint64_t last = hlen;
  while (last > 0 && raw[8 + last - 1] == ' ') last--;
  CU_ASSERT_TRUE(last > 0 && hlen - last < 8 && raw[8 + last - 1] == '}'); /* padded with spaces */
  free(raw);
  RtSafetensors *st = rt_st_open(path, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_EQUAL_FATAL(rt_st_count(st), n);
  for (int i = 0; i < n; i++) {
    const RtTensor *t = rt_st_tensor(st, i);
    CU_ASSERT_STRING_EQUAL(rt_st_name(st, i), names[i]); /* the given order */
    CU_ASSERT_TRUE(t->dtype == ts[i].dtype && t->rank == ts[i].rank && t->nbytes == ts[i].nbytes);
    CU_ASSERT_EQUAL(memcmp(t->shape, ts[i].shape, (size_t)t->rank * sizeof *t->shape), 0);
    CU_ASSERT_TRUE(t->nbytes == 0 || !memcmp(t->data, ts[i].data, t->nbytes));
    CU_ASSERT_PTR_EQUAL(rt_st_find(st, names[i]), t);
  }
  rt_st_close(st);
  for (int i = 0; i < n; i++) rt_tensor_free(&ts[i]);
}

/* Names are JSON-escaped; the exact header text is pinned. */
static void test_write_header_text(void) {
  RtTensor a, b;
  CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&a, RT_F16, 1, (int64_t[]){2}, err, sizeof err), 0);
  CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&b, RT_BOOL, 0, NULL, err, sizeof err), 0);
  const char *names[] = {"q\"uo\\te\n\xc3\xa9", "b"};
  const RtTensor *tp[] = {&a, &b};
  const char *path = rtt_path("text.safetensors");
  CU_ASSERT_EQUAL_FATAL(rt_st_write(path, 2, names, tp, err, sizeof err), 0);
  if (rtt_keep("rt-names.safetensors"))
    CU_ASSERT_EQUAL(rt_st_write(rtt_keep("rt-names.safetensors"), 2, names, tp, err, sizeof err), 0);
  size_t len = 0;
  unsigned char *raw = rtt_slurp(path, &len);
  static const char want[] = "{\"q\\\"uo\\\\te\\u000a\xc3\xa9\":{\"dtype\":\"F16\",\"shape\":[2],"
                             "\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BOOL\",\"shape\":[],"
                             "\"data_offsets\":[4,5]}}";
  size_t wl = sizeof want - 1, padded = (wl + 7) / 8 * 8;
  CU_ASSERT_EQUAL_FATAL(len, 8 + padded + 5);
  CU_ASSERT_EQUAL(raw[0], padded);
  CU_ASSERT_EQUAL(memcmp(raw + 8, want, wl), 0);
  for (size_t i = wl; i < padded; i++) CU_ASSERT_EQUAL(raw[8 + i], ' ');
  free(raw);
  RtSafetensors *st = rt_st_open(path, err, sizeof err);
  CU_ASSERT_TRUE_FATAL(st != NULL);
  CU_ASSERT_PTR_EQUAL(rt_st_find(st, names[0]), rt_st_tensor(st, 0));
  rt_st_close(st);
  /* no tensors at all */
  CU_ASSERT_EQUAL_FATAL(rt_st_write(path, 0, NULL, NULL, err, sizeof err), 0);
  raw = rtt_slurp(path, &len);
  CU_ASSERT_TRUE(len == 16 && !memcmp(raw, "\x08\0\0\0\0\0\0\0{}      ", 16));
  free(raw);
  rt_tensor_free(&a);
  rt_tensor_free(&b);
}

/* The reference implementation (the Rust crate) serializes these cases to
 * these bytes in its own tests; our writer produces the same. */
static void same_as_reference(const char *name, int rank, const int64_t *shape, const char *header) {
  RtTensor t;
  CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&t, RT_F32, rank, shape, err, sizeof err), 0);
  for (int i = 0; i < 6; i++) ((float *)t.data)[i] = (float)i;
  const RtTensor *tp[] = {&t};
  const char *path = rtt_path("ref.safetensors");
  CU_ASSERT_EQUAL_FATAL(rt_st_write(path, 1, &name, tp, err, sizeof err), 0);
  size_t len = 0, hl = strlen(header);
  unsigned char *raw = rtt_slurp(path, &len);
  CU_ASSERT_TRUE(len == 8 + hl + 24 && raw[0] == hl && !memcmp(raw + 8, header, hl));
  CU_ASSERT_TRUE(len == 8 + hl + 24 && !memcmp(raw + 8 + hl + 4, "\0\0\x80\x3f", 4)); /* 1.0f */
  free(raw);
  rt_tensor_free(&t);
}

static void test_write_like_reference(void) {
  same_as_reference("attn.0", 3, (int64_t[]){1, 2, 3},
                    "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}");
  same_as_reference("attn0", 4, (int64_t[]){1, 1, 2, 3},
                    "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ");
}

static void test_write_errors(void) {
  RtTensor a;
  CU_ASSERT_EQUAL_FATAL(rt_tensor_alloc(&a, RT_F32, 1, (int64_t[]){2}, err, sizeof err), 0);
  const RtTensor *tp[] = {&a, &a};
  const char *path = rtt_path("werr.safetensors");
  CU_ASSERT_EQUAL(rt_st_write(path, 2, (const char *[]){"x", "x"}, tp, err, sizeof err), -1);
  RTT_MSG(err, path, "tensor 'x' is given twice");
  CU_ASSERT_EQUAL(rt_st_write(path, 1, (const char *[]){"__metadata__"}, tp, err, sizeof err), -1);
  RTT_MSG(err, path, "tensor '__metadata__': the name is reserved");
  CU_ASSERT_EQUAL(rt_st_write(path, 1, (const char *[]){"a\xff"}, tp, err, sizeof err), -1);
  RTT_MSG(err, path, "tensor 'a\\xff': the name is not valid UTF-8");
  a.nbytes = 4;
  CU_ASSERT_EQUAL(rt_st_write(path, 1, (const char *[]){"w"}, tp, err, sizeof err), -1);
  RTT_MSG(err, path, "tensor 'w': the tensor holds 4 bytes, shape [2] of f32 needs 8");
  a.nbytes = 8;
  struct stat sb;
  CU_ASSERT_NOT_EQUAL(stat(path, &sb), 0); /* nothing was created */
  CU_ASSERT_EQUAL(rt_st_write("/nonexistent/w.safetensors", 1, (const char *[]){"w"}, tp, err, sizeof err), -1);
  CU_ASSERT_STRING_EQUAL(err, "/nonexistent/w.safetensors: cannot create: No such file or directory");
  rt_tensor_free(&a);
}

/* -------------------------------------------------------------- malformed */

/* Writes the bytes as a file, opens it, and checks the message. */
static void bad_bytes(const void *bytes, size_t len, const char *want) {
  const char *path = rtt_write("bad.safetensors", bytes, len);
  RtSafetensors *st = rt_st_open(path, err, sizeof err);
  CU_ASSERT_PTR_NULL(st);
  rt_st_close(st);
  RTT_MSG(err, path, want);
}

/* The same for a header text and dlen bytes of data. */
static void bad(const char *json, size_t dlen, const char *want) {
  size_t len = 0;
  unsigned char *b = mk_st(json, dlen, &len);
  bad_bytes(b, len, want);
  free(b);
}

#define T(name, dtype, shape, offs) "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":" offs "}"

static void test_not_safetensors(void) {
  bad_bytes("", 0, "not a safetensors file (0 bytes, too short for the header length)");
  bad_bytes("\x02\0\0", 3, "not a safetensors file (3 bytes, too short for the header length)");
  size_t len = 0;
  unsigned char *npy = rtt_slurp(rtt_src("f32_2x3.npy"), &len);
  bad_bytes(npy, len, "not a safetensors file (it is a .npy file)");
  free(npy);
  bad_bytes("PK\x03\x04\x14\0\0\0\0\0", 10, "header length 85966670672 exceeds the file (2 bytes follow the length)");
}

static void test_header_length_lies(void) {
  bad_bytes("\x10\0\0\0\0\0\0\0{}", 10, "header length 16 exceeds the file (2 bytes follow the length)");
  bad_bytes("\xff\xff\xff\xff\xff\xff\xff\xff{}", 10,
            "header length 18446744073709551615 exceeds the file (2 bytes follow the length)");
  bad_bytes("\0\0\0\0\0\0\0\x80{}", 10,
            "header length 9223372036854775808 exceeds the file (2 bytes follow the length)");
  /* a sparse file long enough for a header over the limit */
  const char *path = rtt_path("huge.safetensors");
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT(write(fd, "\x01\xe1\xf5\x05\0\0\0\0", 8) == 8); /* 100000001 */
  CU_ASSERT(ftruncate(fd, 8 + 100000001 + 8) == 0);
  close(fd);
  CU_ASSERT_PTR_NULL(rt_st_open(path, err, sizeof err));
  RTT_MSG(err, path, "header length 100000001 is over the limit of 100000000 bytes");
  /* a header length too short cuts the JSON */
  bad_bytes("\x04\0\0\0\0\0\0\0{\"a\":{}}", 16, "header is not valid JSON (error at byte 3, near '\"')");
}

static void test_not_json(void) {
  bad("", 0, "header is not valid JSON (it ends early, at byte 0)");
  bad("{\"a\": }", 0, "header is not valid JSON (error at byte 6, near '}')");
  bad("{'a': 1}", 0, "header is not valid JSON (error at byte 2, near 'a': 1}')");
  bad("{} {}", 0, "header is not valid JSON (text after the value at byte 3)");
  bad("{\"a\":\"\xc3(\"}", 0, "header is not valid UTF-8 (at byte 6)");
  bad_bytes("\x04\0\0\0\0\0\0\0{\0}\n", 12, "header is not valid JSON (a NUL byte at byte 1)");
  bad("[1, 2]", 0, "header is not a JSON object");
  bad("\"x\"", 0, "header is not a JSON object");
  bad("null", 0, "header is not a JSON object");
}

static void test_bad_metadata(void) {
  bad("{\"__metadata__\": [1]}", 0, "'__metadata__' is not a JSON object");
  bad("{\"__metadata__\": {\"format\": \"pt\", \"n\": 3}}", 0, "'__metadata__' entry 'n' is not a string");
  bad("{\"__metadata__\": {}, \"__metadata__\": {}}", 0, "'__metadata__' appears twice in the header");
}

static void test_bad_entry(void) {
  bad("{\"w\": 5}", 0, "tensor 'w': entry is not a JSON object");
  bad("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4, "tensor 'w': lacks the key 'data_offsets'");
  bad("{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "tensor 'w': lacks the key 'dtype'");
  bad("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4, "tensor 'w': lacks the key 'shape'");
  bad("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"x\": 1}}", 4,
      "tensor 'w': unknown key 'x'");
  bad("{\"w\": {\"dtype\": \"F32\", \"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
      "tensor 'w': key 'dtype' appears twice");
  bad("{" T("w\\n\\u0001", "F32", "[1]", "[0,4]") ",\"x\":{}}", 4, "tensor 'x': lacks the key 'dtype'");
  bad("{\"w\\n\": 1}", 4, "tensor 'w\\x0a': entry is not a JSON object");
}

static void test_bad_dtype(void) {
  bad("{" T("w", "BF16", "[1]", "[0,2]") "}", 2,
      "tensor 'w': unsupported dtype 'BF16' (supported: F32, F16, I32, I8, BOOL)");
  bad("{" T("w", "F64", "[1]", "[0,8]") "}", 8,
      "tensor 'w': unsupported dtype 'F64' (supported: F32, F16, I32, I8, BOOL)");
  bad("{" T("w", "U8", "[1]", "[0,1]") "}", 1,
      "tensor 'w': unsupported dtype 'U8' (supported: F32, F16, I32, I8, BOOL)");
  bad("{" T("w", "f32", "[1]", "[0,4]") "}", 4,
      "tensor 'w': unsupported dtype 'f32' (supported: F32, F16, I32, I8, BOOL)");
  bad("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'w': 'dtype' is not a string");
}

static void test_bad_shape(void) {
  bad("{" T("w", "F32", "[2,-3]", "[0,4]") "}", 4, "tensor 'w': shape has a negative dimension -3");
  bad("{" T("w", "F32", "[1.5]", "[0,4]") "}", 4, "tensor 'w': shape entry 0 is not a whole number below 2^53");
  bad("{" T("w", "F32", "[1,\"2\"]", "[0,4]") "}", 4, "tensor 'w': shape entry 1 is not a number");
  bad("{" T("w", "F32", "[1e300]", "[0,4]") "}", 4, "tensor 'w': shape entry 0 is not a whole number below 2^53");
  bad("{" T("w", "F32", "5", "[0,4]") "}", 4, "tensor 'w': 'shape' is not an array");
  bad("{" T("w", "F32", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]", "[0,4]") "}", 4,
      "tensor 'w': rank 17 exceeds the limit of 16");
  bad("{" T("w", "F32", "[4294967296,4294967296]", "[0,0]") "}", 0,
      "tensor 'w': shape [4294967296, 4294967296] is too large (its byte count overflows)");
  bad("{" T("w", "F32", "[2,3]", "[0,20]") "}", 20,
      "tensor 'w': data offsets [0, 20) hold 20 bytes, shape [2, 3] of F32 needs 24");
  bad("{" T("w", "I8", "[]", "[0,0]") "}", 0, "tensor 'w': data offsets [0, 0) hold 0 bytes, shape [] of I8 needs 1");
}

static void test_bad_offsets(void) {
  bad("{" T("w", "F32", "[1]", "[0]") "}", 4, "tensor 'w': 'data_offsets' is not an array [begin, end]");
  bad("{" T("w", "F32", "[1]", "[0,4,8]") "}", 4, "tensor 'w': 'data_offsets' is not an array [begin, end]");
  bad("{" T("w", "F32", "[1]", "{}") "}", 4, "tensor 'w': 'data_offsets' is not an array [begin, end]");
  bad("{" T("w", "F32", "[1]", "[-4,0]") "}", 4, "tensor 'w': data offset begin is negative");
  bad("{" T("w", "F32", "[1]", "[0,4.5]") "}", 4, "tensor 'w': data offset end is not a whole number below 2^53");
  bad("{" T("w", "F32", "[1]", "[8,4]") "}", 8, "tensor 'w': data offsets [8, 4) end before they begin");
  bad("{" T("w", "F32", "[1]", "[0,4]") "}", 2, "tensor 'w': data offsets [0, 4) exceed the data section (2 bytes)");
  bad("{" T("w", "F32", "[1]", "[100,104]") "}", 4,
      "tensor 'w': data offsets [100, 104) exceed the data section (4 bytes)");
  /* the truncated copy of a good file */
  size_t len = 0;
  unsigned char *b = rtt_slurp(rtt_src("mixed.safetensors"), &len);
  bad_bytes(b, len - 3, "tensor 'mask': data offsets [73, 77) exceed the data section (74 bytes)");
  free(b);
}

static void test_bad_layout(void) {
  bad("{" T("a", "F32", "[2]", "[0,8]") "," T("b", "F32", "[2]", "[4,12]") "}", 12,
      "tensor 'b': data offsets [4, 12) overlap tensor 'a' [0, 8)");
  bad("{" T("b", "F32", "[2]", "[0,8]") "," T("a", "F32", "[2]", "[0,8]") "}", 8,
      "tensor 'a': data offsets [0, 8) overlap tensor 'b' [0, 8)");
  bad("{" T("a", "F32", "[2]", "[0,8]") "," T("z", "F32", "[0]", "[4,4]") "}", 8,
      "tensor 'z': data offsets [4, 4) overlap tensor 'a' [0, 8)");
  bad("{" T("a", "F32", "[2]", "[0,8]") "," T("b", "F32", "[1]", "[12,16]") "}", 16,
      "tensor 'b': data offsets [12, 16) leave a hole of 4 bytes after tensor 'a' [0, 8)");
  bad("{" T("a", "F32", "[2]", "[4,12]") "}", 12,
      "tensor 'a': data offsets [4, 12) leave a hole of 4 bytes at the start of the data section");
  bad("{" T("a", "F32", "[2]", "[0,8]") "}", 11,
      "the data section is 11 bytes but the tensors end at 8 (3 bytes left over)");
  bad("{}", 1, "the data section is 1 bytes but the tensors end at 0 (1 bytes left over)");
  bad("{" T("a", "F32", "[2]", "[0,8]") "," T("a", "I8", "[0]", "[8,8]") "}", 8,
      "tensor 'a' appears twice in the header");
}

static void test_open_errors(void) {
  CU_ASSERT_PTR_NULL(rt_st_open("/nonexistent/w.safetensors", err, sizeof err));
  CU_ASSERT_STRING_EQUAL(err, "/nonexistent/w.safetensors: cannot open: No such file or directory");
  CU_ASSERT_PTR_NULL(rt_st_open(rtt_dir, err, sizeof err));
  RTT_MSG(err, rtt_dir, "cannot open: not a regular file");
}

static const RttTest tests[] = {
    {"a file laid out by hand (make_files.py)", test_read_committed},
    {"an empty file, white space in the header", test_read_empty_and_spacing},
    {"misaligned data is copied", test_misaligned},
    {"round trip of every dtype", test_round_trip},
    {"the written header", test_write_header_text},
    {"the reference implementation's bytes", test_write_like_reference},
    {"write errors", test_write_errors},
};

static const RttTest malformed[] = {
    {"not safetensors at all", test_not_safetensors},
    {"header length lies", test_header_length_lies},
    {"header not JSON, not an object", test_not_json},
    {"bad __metadata__", test_bad_metadata},
    {"bad tensor entries", test_bad_entry},
    {"bad dtypes", test_bad_dtype},
    {"bad shapes, shape and bytes mismatch", test_bad_shape},
    {"offsets out of range, truncated data", test_bad_offsets},
    {"overlaps, holes, leftovers, duplicates", test_bad_layout},
    {"files that cannot be opened", test_open_errors},
};

int main(void) {
  const RttSuite suites[] = {RTT_SUITE("safetensors", tests), RTT_SUITE("safetensors-malformed", malformed)};
  return rtt_run(suites, 2);
}
