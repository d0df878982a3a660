/* test_model.c -- the C API of xg.h against hand-written model libraries
 * (fake_model.c): load, query, run on 1 to 3 threads, and every failure,
 * with its status and its exact message. */
#include "config.h"
#include "tests/unit/rt_test.h"
#include "tests/unit/fake_model.h"
#include "runtime/xg.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>

static char err[1024];
static fake_variant_fn set_variant;

/* The build tree's fake libraries (libtool's objdir). */
static const char *fake_lib(const char *name) {
  static char bufs[4][4096];
  static int k;
  char *b = bufs[k++ % 4];
  snprintf(b, sizeof bufs[0], "%s/%s%s.so", FAKE_DIR, LT_OBJDIR, name);
  return b;
}
#define FAKE fake_lib("fake_model")

/* Weights: w[i] = i / 64, b[j] = j - 4, as f32; `skip` leaves one out,
 * extra names add small tensors the model does not use. */
static const char *write_weights(const char *file, const char *skip, const char *const *extra,
                                 int nextra) {
  RtTensor w, b, e[8];
  CU_ASSERT_FATAL(
      !rt_tensor_alloc(&w, RT_F32, 2, (int64_t[]){FAKE_ROWS, FAKE_COLS}, err, sizeof err));
  CU_ASSERT_FATAL(!rt_tensor_alloc(&b, RT_F32, 1, (int64_t[]){FAKE_COLS}, err, sizeof err));
  for (int i = 0; i < FAKE_ROWS * FAKE_COLS; i++) ((float *)w.data)[i] = (float)i / 64;
  for (int j = 0; j < FAKE_COLS; j++) ((float *)b.data)[j] = (float)j - 4;
  const char *names[10];
  const RtTensor *ts[10];
  int n = 0;
  if (!skip || strcmp(skip, "w")) names[n] = "w", ts[n++] = &w;
  if (!skip || strcmp(skip, "b")) names[n] = "b", ts[n++] = &b;
  for (int i = 0; i < nextra; i++) {
    CU_ASSERT_FATAL(!rt_tensor_alloc(&e[i], RT_I8, 1, (int64_t[]){3}, err, sizeof err));
    names[n] = extra[i], ts[n++] = &e[i];
  }
  const char *path = rtt_path(file);
  if (rt_st_write(path, n, names, ts, err, sizeof err)) fprintf(stderr, "\n  %s\n", err);
  rt_tensor_free(&w);
  rt_tensor_free(&b);
  for (int i = 0; i < nextra; i++) rt_tensor_free(&e[i]);
  return path;
}

/* A weights file with one tensor of the given dtype and shape in place of
 * `name` (and the other weight right). */
static const char *write_wrong(const char *file, const char *name, RtDType dt, int rank,
                               const int64_t *shape, const char *other_wrong) {
  RtTensor good_w, good_b, bad, bad2;
  rt_tensor_alloc(&good_w, RT_F32, 2, (int64_t[]){FAKE_ROWS, FAKE_COLS}, err, sizeof err);
  rt_tensor_alloc(&good_b, RT_F32, 1, (int64_t[]){FAKE_COLS}, err, sizeof err);
  rt_tensor_alloc(&bad, dt, rank, shape, err, sizeof err);
  rt_tensor_alloc(&bad2, RT_I32, 1, (int64_t[]){2}, err, sizeof err);
  int wbad = !strcmp(name, "w");
  const char *names[] = {"w", "b"};
  const RtTensor *ts[] = {wbad ? &bad : &good_w, wbad ? &good_b : &bad};
  if (other_wrong) ts[wbad] = &bad2;
  const char *path = rtt_path(file);
  CU_ASSERT(!rt_st_write(path, 2, names, ts, err, sizeof err));
  rt_tensor_free(&good_w), rt_tensor_free(&good_b), rt_tensor_free(&bad), rt_tensor_free(&bad2);
  return path;
}

/* Runs m on x[i] = i % 7 - 3 (x[0] = NaN when nan) and checks y. */
static xg_status run_fake(xg_model *m, int nan, int weights, int *chunks) {
  float x[FAKE_ROWS * FAKE_COLS], y[FAKE_ROWS * FAKE_COLS]; /* per thread */
  for (int i = 0; i < FAKE_ROWS * FAKE_COLS; i++) x[i] = (float)(i % 7 - 3), y[i] = -1;
  if (nan) x[0] = NAN;
  const void *in[] = {x};
  void *out[] = {y, chunks};
  xg_status s = xg_model_run(m, in, out);
  if (s) return s;
  int wrong = 0;
  for (int i = 0; i < FAKE_ROWS * FAKE_COLS; i++) {
    float want = weights ? x[i] * ((float)i / 64) + (float)(i % FAKE_COLS - 4) : 0.0f;
    wrong += y[i] != want;
  }
  CU_ASSERT_EQUAL(wrong, 0);
  return s;
}

/* Checks a failed load: status, *out NULL, message exact. */
static void load_fails(const char *lib, const char *weights, const xg_options *o, xg_status want,
                       const char *msg) {
  xg_model *m = (xg_model *)&m;
  xg_status s = xg_model_load(lib, weights, o, &m);
  if (s != want)
    fprintf(stderr, "\n  status %s, want %s\n", xg_status_name(s), xg_status_name(want));
  CU_ASSERT_EQUAL(s, want);
  CU_ASSERT_PTR_NULL(m);
  if (strcmp(xg_last_error(), msg))
    fprintf(stderr, "\n  got:  %s\n  want: %s\n", xg_last_error(), msg);
  CU_ASSERT_STRING_EQUAL(xg_last_error(), msg);
  if (!s) xg_model_free(m);
}

static void check_msg(const char *want) {
  if (strcmp(xg_last_error(), want))
    fprintf(stderr, "\n  got:  %s\n  want: %s\n", xg_last_error(), want);
  CU_ASSERT_STRING_EQUAL(xg_last_error(), want);
}

/* ----------------------------------------------------------------- runs */

/* The chunks the fake model's rows are cut into on T threads: the whole
 * on one, else min(rows, RT_POOL_CHUNKS T) (runtime/xg_abi.h). */
static int fake_chunks(int threads) {
  return threads == 1 ? 1 : FAKE_ROWS < RT_POOL_CHUNKS * threads ? FAKE_ROWS
                                                                 : RT_POOL_CHUNKS * threads;
}

static void test_load_run(void) {
  const char *wpath = write_weights("fake.safetensors", NULL, NULL, 0);
  for (int threads = 1; threads <= 3; threads++) {
    xg_options o = {.threads = threads};
    xg_model *m = NULL;
    xg_status s = xg_model_load(FAKE, wpath, &o, &m);
    if (s) fprintf(stderr, "\n  %s\n", xg_last_error());
    CU_ASSERT_EQUAL_FATAL(s, XG_OK);
    for (int k = 0; k < 5; k++) {
      int chunks = 0;
      CU_ASSERT_EQUAL(run_fake(m, 0, 1, &chunks), XG_OK);
      CU_ASSERT_EQUAL(chunks, fake_chunks(threads));
    }
    xg_model_free(m);
  }
  xg_model_free(NULL);
}

static void test_queries(void) {
  xg_model *m = NULL;
  xg_tensor_info info;
  CU_ASSERT_EQUAL_FATAL(
      xg_model_load(FAKE, write_weights("q.safetensors", NULL, NULL, 0), NULL, &m), XG_OK);
  CU_ASSERT_EQUAL(xg_model_num_inputs(m), 1);
  CU_ASSERT_EQUAL(xg_model_num_outputs(m), 2);
  CU_ASSERT_EQUAL(xg_model_input(m, 0, &info), XG_OK);
  CU_ASSERT_STRING_EQUAL(info.name, "x");
  CU_ASSERT_TRUE(info.dtype == XG_F32 && info.rank == 2 && info.shape[0] == FAKE_ROWS &&
                 info.shape[1] == FAKE_COLS && info.nbytes == FAKE_ROWS * FAKE_COLS * 4);
  CU_ASSERT_EQUAL(xg_model_output(m, 1, &info), XG_OK);
  CU_ASSERT_STRING_EQUAL(info.name, "chunks");
  CU_ASSERT_TRUE(info.dtype == XG_I32 && info.rank == 0 && info.nbytes == 4);
  CU_ASSERT_EQUAL(xg_model_input(m, 1, &info), XG_ERR_ARGUMENT);
  check_msg("xg_model_input: input 1 is out of range (model 'fake' has 1 input)");
  CU_ASSERT_EQUAL(xg_model_output(m, -1, &info), XG_ERR_ARGUMENT);
  check_msg("xg_model_output: output -1 is out of range (model 'fake' has 2 outputs)");
  CU_ASSERT_EQUAL(xg_model_output(m, 0, NULL), XG_ERR_ARGUMENT);
  check_msg("xg_model_output: info is NULL");
  CU_ASSERT_EQUAL(xg_model_input(NULL, 0, &info), XG_ERR_ARGUMENT);
  check_msg("xg_model_input: model is NULL");
  CU_ASSERT_EQUAL(xg_model_num_inputs(NULL), -1);
  check_msg("xg_model_num_inputs: model is NULL");
  CU_ASSERT_EQUAL(xg_model_num_outputs(NULL), -1);
  check_msg("xg_model_num_outputs: model is NULL");
  /* a success leaves the last message alone */
  CU_ASSERT_EQUAL(xg_model_num_inputs(m), 1);
  check_msg("xg_model_num_outputs: model is NULL");
  /* per-launch profiles are for OpenCL models (test_ocl) */
  CU_ASSERT_EQUAL(xg_model_num_launches(m), 0);
  double ms;
  CU_ASSERT_EQUAL(xg_model_launch_time(m, 0, NULL, NULL, &ms), XG_ERR_ARGUMENT);
  check_msg("xg_model_launch_time: model 'fake' is a CPU model: it has no kernel launches to time "
            "(per-launch profiles are for OpenCL models)");
  CU_ASSERT_EQUAL(xg_model_device(m, NULL, NULL, NULL), XG_ERR_ARGUMENT);
  check_msg("xg_model_device: model 'fake' is a CPU model: it runs on the host's threads, not on "
            "an OpenCL device");
  xg_model_free(m);
}

/* The thread count: options, then XG_NUM_THREADS, then the CPUs. */
static void test_threads(void) {
  const char *wpath = write_weights("t.safetensors", NULL, NULL, 0);
  xg_model *m = NULL;
  int chunks = 0;
  setenv("XG_NUM_THREADS", "3", 1);
  CU_ASSERT_EQUAL_FATAL(xg_model_load(FAKE, wpath, NULL, &m), XG_OK);
  CU_ASSERT_EQUAL(run_fake(m, 0, 1, &chunks), XG_OK);
  CU_ASSERT_EQUAL(chunks, fake_chunks(3));
  xg_model_free(m);
  xg_options o = {.threads = 2}, zero = {0};
  CU_ASSERT_EQUAL_FATAL(xg_model_load(FAKE, wpath, &o, &m), XG_OK);
  CU_ASSERT_EQUAL(run_fake(m, 0, 1, &chunks), XG_OK);
  CU_ASSERT_EQUAL(chunks, fake_chunks(2));
  xg_model_free(m);
  CU_ASSERT_EQUAL_FATAL(xg_model_load(FAKE, wpath, &zero, &m), XG_OK);
  CU_ASSERT_EQUAL(run_fake(m, 0, 1, &chunks), XG_OK);
  CU_ASSERT_EQUAL(chunks, fake_chunks(3));
  xg_model_free(m);
  setenv("XG_NUM_THREADS", "three", 1);
  load_fails(
      FAKE, wpath, NULL, XG_ERR_ARGUMENT,
      "xg_model_load: XG_NUM_THREADS='three' is not a thread count (an integer from 1 to 1024)");
  CU_ASSERT_EQUAL(xg_model_load(FAKE, wpath, &o, &m), XG_OK); /* not read when options say */
  xg_model_free(m);
  unsetenv("XG_NUM_THREADS");
  o.threads = -2;
  load_fails(
      FAKE, wpath, &o, XG_ERR_ARGUMENT,
      "xg_model_load: -2 threads requested: the count must be from 1 to 1024 (0: the default)");
}

/* Two models of one library, loaded together and run from two threads. */
static void *run_thread(void *arg) {
  int chunks = 0;
  for (int i = 0; i < 200; i++)
    if (run_fake(arg, 0, 1, &chunks)) return arg;
  return NULL;
}

static void test_two_models(void) {
  const char *wpath = write_weights("two.safetensors", NULL, NULL, 0);
  xg_options o = {.threads = 2};
  xg_model *a = NULL, *b = NULL;
  CU_ASSERT_EQUAL_FATAL(xg_model_load(FAKE, wpath, &o, &a), XG_OK);
  CU_ASSERT_EQUAL_FATAL(xg_model_load(FAKE, wpath, &o, &b), XG_OK);
  pthread_t ta, tb;
  void *ra, *rb;
  pthread_create(&ta, NULL, run_thread, a);
  pthread_create(&tb, NULL, run_thread, b);
  pthread_join(ta, &ra);
  pthread_join(tb, &rb);
  CU_ASSERT_PTR_NULL(ra);
  CU_ASSERT_PTR_NULL(rb);
  xg_model_free(a);
  xg_model_free(b);
}

/* A file with more tensors than the model uses is fine; a model without
 * weights takes NULL or any file. */
static void test_extra_and_no_weights(void) {
  static const char *const extra[] = {"step", "b.momentum"};
  const char *wpath = write_weights("extra.safetensors", NULL, extra, 2);
  xg_model *m = NULL;
  int chunks;
  CU_ASSERT_EQUAL_FATAL(xg_model_load(FAKE, wpath, NULL, &m), XG_OK);
  CU_ASSERT_EQUAL(run_fake(m, 0, 1, &chunks), XG_OK);
  xg_model_free(m);
  set_variant(FAKE_NOWEIGHTS);
  CU_ASSERT_EQUAL_FATAL(xg_model_load(FAKE, NULL, NULL, &m), XG_OK);
  CU_ASSERT_EQUAL(run_fake(m, 0, 0, &chunks), XG_OK);
  xg_model_free(m);
  CU_ASSERT_EQUAL_FATAL(xg_model_load(FAKE, wpath, NULL, &m), XG_OK);
  CU_ASSERT_EQUAL(run_fake(m, 0, 0, &chunks), XG_OK);
  xg_model_free(m);
  set_variant(FAKE_OK);
}

/* Messages are per thread. */
static void *fresh_error(void *arg) {
  (void)arg;
  return (void *)xg_last_error();
}

static void test_errors_per_thread(void) {
  xg_model *m;
  CU_ASSERT_EQUAL(xg_model_load(NULL, NULL, NULL, &m), XG_ERR_ARGUMENT);
  pthread_t t;
  void *r = NULL;
  pthread_create(&t, NULL, fresh_error, NULL);
  pthread_join(t, &r);
  CU_ASSERT_STRING_EQUAL((const char *)r, "");
  check_msg("xg_model_load: library is NULL");
  static const char *const names[] = {"XG_OK", "XG_ERR_ARGUMENT", "XG_ERR_IO", "XG_ERR_FORMAT",
                                      "XG_ERR_MISMATCH", "XG_ERR_MEMORY", "XG_ERR_RUNTIME"};
  for (int s = XG_OK; s <= XG_ERR_RUNTIME; s++)
    CU_ASSERT_STRING_EQUAL(xg_status_name((xg_status)s), names[s]);
  CU_ASSERT_STRING_EQUAL(xg_status_name((xg_status)99), "XG_ERR_UNKNOWN");
  CU_ASSERT_STRING_EQUAL(xg_status_name((xg_status)-1), "XG_ERR_UNKNOWN");
}

/* ------------------------------------------------------------- failures */

static void test_bad_arguments(void) {
  const char *wpath = write_weights("args.safetensors", NULL, NULL, 0);
  load_fails(NULL, wpath, NULL, XG_ERR_ARGUMENT, "xg_model_load: library is NULL");
  CU_ASSERT_EQUAL(xg_model_load(FAKE, wpath, NULL, NULL), XG_ERR_ARGUMENT);
  check_msg("xg_model_load: out is NULL");
  load_fails(FAKE, NULL, NULL, XG_ERR_ARGUMENT,
             "xg_model_load: model 'fake' (" FAKE_DIR "/" LT_OBJDIR
             "fake_model.so) has 2 weights and "
             "no weights file was given");
}

static void test_bad_library(void) {
  char want[8192];
  const char *missing = rtt_path("nothing.so");
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory", missing);
  load_fails(missing, NULL, NULL, XG_ERR_IO, want);
  snprintf(want, sizeof want, "%s: cannot open: not a regular file", rtt_dir);
  load_fails(rtt_dir, NULL, NULL, XG_ERR_IO, want);
  char junk[256];
  memset(junk, 'j', sizeof junk);
  const char *path = rtt_write("junk.so", junk, sizeof junk);
  snprintf(want, sizeof want, "%s: cannot load: invalid ELF header", path);
  load_fails(path, NULL, NULL, XG_ERR_FORMAT, want);
  path = fake_lib("fake_nodesc");
  snprintf(want, sizeof want, "%s: not a model library (no symbol 'xg_model_describe')", path);
  load_fails(path, NULL, NULL, XG_ERR_FORMAT, want);
  path = fake_lib("fake_undef");
  snprintf(want, sizeof want, "%s: cannot load: undefined symbol: xg_not_in_any_runtime", path);
  load_fails(path, NULL, NULL, XG_ERR_FORMAT, want);
}

/* Each bent descriptor, with the message it gets. */
static void test_bad_descriptor(void) {
  static const struct {
    FakeVariant v;
    xg_status s;
    const char *msg;
  } cases[] = {
      {FAKE_ABI, XG_ERR_FORMAT,
       "model ABI version 99, this runtime reads version 2 (rebuild the "
       "model with the xgc of this runtime)"},
      {FAKE_NULL, XG_ERR_FORMAT, "xg_model_describe() returned NULL"},
      {FAKE_NONAME, XG_ERR_FORMAT, "bad model descriptor: the model has no name"},
      {FAKE_NORUN, XG_ERR_FORMAT,
       "bad model descriptor: neither a run function nor an OpenCL program"},
      {FAKE_BADDTYPE, XG_ERR_FORMAT, "bad model descriptor: input 0 ('x'): dtype 9 is unknown"},
      {FAKE_BADNBYTES, XG_ERR_FORMAT,
       "bad model descriptor: weight 1 ('b'): nbytes is 31, shape [8] of f32 needs 32"},
      {FAKE_DUPWEIGHT, XG_ERR_FORMAT, "bad model descriptor: two weights are called 'w'"},
      {FAKE_BADRANK, XG_ERR_FORMAT,
       "bad model descriptor: output 1 ('chunks'): rank 17 is outside 0..16"},
      {FAKE_NEGCOUNT, XG_ERR_FORMAT, "bad model descriptor: -1 inputs"},
      {FAKE_NOARRAY, XG_ERR_FORMAT, "bad model descriptor: 2 outputs and no array of them"},
      {FAKE_UNNAMED, XG_ERR_FORMAT, "bad model descriptor: weight 0: it has no name"},
      {FAKE_HUGESCRATCH, XG_ERR_MEMORY,
       "out of memory for the scratch arena (4611686018427387904 bytes)"},
  };
  const char *wpath = write_weights("desc.safetensors", NULL, NULL, 0);
  char want[8192];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    set_variant(cases[i].v);
    snprintf(want, sizeof want, "%s: %s", FAKE, cases[i].msg);
    load_fails(FAKE, wpath, NULL, cases[i].s, want);
  }
  set_variant(FAKE_OK);
}

static void test_bad_weights(void) {
  char want[8192];
  const char *path = rtt_path("none.safetensors");
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
  load_fails(FAKE, path, NULL, XG_ERR_IO, want);
  path = rtt_write("short.safetensors", "abc", 3);
  snprintf(want, sizeof want,
           "%s: not a safetensors file (3 bytes, too short for the header length)", path);
  load_fails(FAKE, path, NULL, XG_ERR_FORMAT, want);

  path = write_weights("nob.safetensors", "b", NULL, 0);
  snprintf(want, sizeof want, "%s: no tensor 'b' (the model needs f32 [8])", path);
  load_fails(FAKE, path, NULL, XG_ERR_MISMATCH, want);
  static const char *const misspelt[] = {"bias"};
  path = write_weights("bias.safetensors", "b", misspelt, 1);
  snprintf(want, sizeof want,
           "%s: no tensor 'b' (the model needs f32 [8]); unused in the file: 'bias'", path);
  load_fails(FAKE, path, NULL, XG_ERR_MISMATCH, want);
  static const char *const many[] = {"a", "c", "d", "e", "f"};
  path = write_weights("many.safetensors", "w", many, 5);
  snprintf(want, sizeof want,
           "%s: no tensor 'w' (the model needs f32 [64, 8]); unused in the file: 'a', 'c', 'd' and "
           "2 more",
           path);
  load_fails(FAKE, path, NULL, XG_ERR_MISMATCH, want);

  path = write_wrong("shape.safetensors", "b", RT_F32, 1, (int64_t[]){9}, NULL);
  snprintf(want, sizeof want, "%s: tensor 'b' is f32 [9], the model needs f32 [8]", path);
  load_fails(FAKE, path, NULL, XG_ERR_MISMATCH, want);
  path = write_wrong("rank.safetensors", "b", RT_F32, 2, (int64_t[]){1, 8}, NULL);
  snprintf(want, sizeof want, "%s: tensor 'b' is f32 [1, 8], the model needs f32 [8]", path);
  load_fails(FAKE, path, NULL, XG_ERR_MISMATCH, want);
  path = write_wrong("dtype.safetensors", "w", RT_F16, 2, (int64_t[]){FAKE_ROWS, FAKE_COLS}, NULL);
  snprintf(want, sizeof want, "%s: tensor 'w' is f16 [64, 8], the model needs f32 [64, 8]", path);
  load_fails(FAKE, path, NULL, XG_ERR_MISMATCH, want);
  path = write_wrong("both.safetensors", "w", RT_I8, 0, NULL, "b");
  snprintf(want, sizeof want,
           "%s: tensor 'w' is i8 [], the model needs f32 [64, 8] (and 1 more mismatched weight)",
           path);
  load_fails(FAKE, path, NULL, XG_ERR_MISMATCH, want);
}

static void test_bad_run(void) {
  xg_model *m = NULL;
  float x[FAKE_ROWS * FAKE_COLS] = {0}, y[FAKE_ROWS * FAKE_COLS];
  int chunks;
  CU_ASSERT_EQUAL_FATAL(
      xg_model_load(FAKE, write_weights("run.safetensors", NULL, NULL, 0), NULL, &m), XG_OK);
  const void *in[] = {x}, *in_null[] = {NULL};
  void *out[] = {y, &chunks}, *out_null[] = {y, NULL};
  CU_ASSERT_EQUAL(xg_model_run(NULL, in, out), XG_ERR_ARGUMENT);
  check_msg("xg_model_run: model is NULL");
  CU_ASSERT_EQUAL(xg_model_run(m, NULL, out), XG_ERR_ARGUMENT);
  check_msg("xg_model_run: inputs is NULL (model 'fake' has 1 input)");
  CU_ASSERT_EQUAL(xg_model_run(m, in, NULL), XG_ERR_ARGUMENT);
  check_msg("xg_model_run: outputs is NULL (model 'fake' has 2 outputs)");
  CU_ASSERT_EQUAL(xg_model_run(m, in_null, out), XG_ERR_ARGUMENT);
  check_msg("xg_model_run: input 0 ('x') is NULL");
  CU_ASSERT_EQUAL(xg_model_run(m, in, out_null), XG_ERR_ARGUMENT);
  check_msg("xg_model_run: output 1 ('chunks') is NULL");
  char want[8192];
  CU_ASSERT_EQUAL(run_fake(m, 1, 1, &chunks), XG_ERR_RUNTIME);
  snprintf(want, sizeof want,
           "%s: model 'fake' failed with code 3 (a conversion of a float to an integer type out "
           "of its range)",
           FAKE);
  check_msg(want);
  CU_ASSERT_EQUAL(run_fake(m, 0, 1, &chunks), XG_OK); /* and runs again */
  xg_model_free(m);
}

/* A second run of one model while the first is inside it is refused. */
static void *run_blocked(void *arg) {
  int chunks = 0;
  return (void *)(intptr_t)run_fake(arg, 0, 1, &chunks);
}

static void test_concurrent_run(void) {
  xg_model *m = NULL;
  CU_ASSERT_EQUAL_FATAL(
      xg_model_load(FAKE, write_weights("block.safetensors", NULL, NULL, 0), NULL, &m), XG_OK);
  int before = set_variant(FAKE_BLOCK);
  pthread_t t;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, run_blocked, m), 0);
  while (set_variant(-1) == before) sched_yield();
  int chunks = 0;
  CU_ASSERT_EQUAL(run_fake(m, 0, 1, &chunks), XG_ERR_ARGUMENT);
  check_msg("xg_model_run: model 'fake' is already running in another thread (one run at a time "
            "per loaded model)");
  set_variant(FAKE_OK);
  void *r = (void *)1;
  pthread_join(t, &r);
  CU_ASSERT_EQUAL((intptr_t)r, XG_OK);
  CU_ASSERT_EQUAL(run_fake(m, 0, 1, &chunks), XG_OK); /* free again */
  xg_model_free(m);
}

/* A library named without a slash is the file in the current directory,
 * not one of the library path. */
static void test_relative_name(void) {
  char cwd[4096], dir[4096], want[8192];
  const char *wpath = write_weights("rel.safetensors", NULL, NULL, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
  snprintf(dir, sizeof dir, "%s/%s", FAKE_DIR, LT_OBJDIR);
  CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
  xg_model *m = NULL;
  int chunks;
  xg_status s = xg_model_load("fake_model.so", wpath, NULL, &m);
  if (s) fprintf(stderr, "\n  %s\n", xg_last_error());
  CU_ASSERT_EQUAL(s, XG_OK);
  if (m) CU_ASSERT_EQUAL(run_fake(m, 0, 1, &chunks), XG_OK);
  xg_model_free(m);
  load_fails("fake_undef.so", NULL, NULL, XG_ERR_FORMAT,
             "fake_undef.so: cannot load: undefined symbol: xg_not_in_any_runtime");
  CU_ASSERT_EQUAL_FATAL(chdir(rtt_dir), 0);
  /* libc.so.6 is in the library path, not here */
  snprintf(want, sizeof want, "libc.so.6: cannot open: No such file or directory");
  load_fails("libc.so.6", NULL, NULL, XG_ERR_IO, want);
  CU_ASSERT_EQUAL(chdir(cwd), 0);
}

static const RttTest model_tests[] = {
    {"load and run on 1, 2, 3 threads", test_load_run},
    {"inputs and outputs", test_queries},
    {"threads from options and XG_NUM_THREADS", test_threads},
    {"two models at once", test_two_models},
    {"a library named without a slash", test_relative_name},
    {"extra tensors, a model without weights", test_extra_and_no_weights},
    {"messages per thread, status names", test_errors_per_thread},
};

static const RttTest failure_tests[] = {
    {"NULL arguments", test_bad_arguments},
    {"not a model library", test_bad_library},
    {"bad descriptors", test_bad_descriptor},
    {"weights that do not fit", test_bad_weights},
    {"bad runs", test_bad_run},
    {"one run at a time per model", test_concurrent_run},
};

int main(void) {
  /* The test's own handle on the fake model: the same instance that
   * xg_model_load opens, whose descriptor fake_model_variant bends. */
  void *h = dlopen(FAKE, RTLD_NOW | RTLD_LOCAL);
  if (!h || !(*(void **)&set_variant = dlsym(h, FAKE_VARIANT_SYMBOL))) {
    fprintf(stderr, "test_model: %s\n", dlerror());
    return 1;
  }
  unsetenv("XG_NUM_THREADS");
  const RttSuite suites[] = {RTT_SUITE("model", model_tests), RTT_SUITE("failures", failure_tests)};
  int rc = rtt_run(suites, 2);
  dlclose(h);
  return rc;
}
