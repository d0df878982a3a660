/* test_ocl.c -- the OpenCL runtime (runtime/ocl_*.c) on the machine's
 * OpenCL driver (POCL in CI) against a hand-written OpenCL model library
 * (fake_ocl.c): runs (arena, once launch, image, status word), profiles,
 * each load-time failure with its status and message, device selection,
 * no platform at all, and the kernel-binary cache (hits, corrupt and stale
 * entries rebuilt, keys, unwritable directories, clearing); SHA-256
 * against FIPS 180-4's examples. */
#include "config.h"
#include "tests/unit/rt_test.h"
#include "tests/unit/fake_ocl.h"
#include "runtime/ocl.h"
#include "runtime/rt_int.h"
#include "runtime/xg.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>

static focl_variant_fn set_variant;
static focl_sizes_fn set_sizes;
static RtclDevice dev; /* the device a load picks by default */
static char err[8192];
enum { N = FOCL_ROWS * FOCL_COLS };

/* The build tree's fake library (libtool's objdir). */
static const char *focl_lib(void) {
  static char b[4096];
  snprintf(b, sizeof b, "%s/%sfake_ocl.so", FAKE_DIR, LT_OBJDIR);
  return b;
}
#define FOCL focl_lib()

static float weight(int i) {
  return (float)(i % 13 - 6) / 8;
}

/* The weights file: w[i] = (i % 13 - 6) / 8. */
static const char *weights_file(void) {
  static const char *path;
  if (path) return path;
  RtTensor w;
  CU_ASSERT_FATAL(!rt_tensor_alloc(&w, RT_F32, 2, (int64_t[]){FOCL_ROWS, FOCL_COLS}, err,
                                   sizeof err));
  for (int i = 0; i < N; i++) ((float *)w.data)[i] = weight(i);
  const char *names[] = {"w"};
  const RtTensor *ts[] = {&w};
  path = strdup(rtt_path("w.safetensors"));
  CU_ASSERT_FATAL(!rt_st_write(path, 1, names, ts, err, sizeof err));
  rt_tensor_free(&w);
  return path;
}

/* Runs m on x[i] = i % 7 - 2.5 (x[0] NaN and x[1] = code when code) and
 * checks every output against the host's arithmetic. */
static xg_status run_focl(xg_model *m, int code) {
  float x[N], y[N], z[N], edge[FOCL_ROWS * 8];
  for (int i = 0; i < N; i++) x[i] = (float)(i % 7) - 2.5f, y[i] = z[i] = -1;
  for (int i = 0; i < FOCL_ROWS * 8; i++) edge[i] = -1;
  if (code) x[0] = NAN, x[1] = (float)code;
  const void *in[] = {x};
  void *out[] = {y, z, edge};
  xg_status s = xg_model_run(m, in, out);
  if (s) return s;
  int wrong = 0;
  for (int i = 0; i < N; i++) {
    float p = x[i] * weight(i);
    wrong += y[i] != p + 1.0f || z[i] != x[i];
  }
  for (int i = 0; i < FOCL_ROWS * 8; i++) wrong += edge[i] != 0.0f;
  if (wrong) fprintf(stderr, "\n  %d wrong values\n", wrong);
  CU_ASSERT_EQUAL(wrong, 0);
  return s;
}

static xg_model *load_ok(const xg_options *o) {
  xg_model *m = NULL;
  xg_status s = xg_model_load(FOCL, weights_file(), o, &m);
  if (s) fprintf(stderr, "\n  %s\n", xg_last_error());
  CU_ASSERT_EQUAL(s, XG_OK);
  return m;
}

static void check_msg(const char *want) {
  if (strcmp(xg_last_error(), want))
    fprintf(stderr, "\n  got:  %s\n  want: %s\n", xg_last_error(), want);
  CU_ASSERT_STRING_EQUAL(xg_last_error(), want);
}

/* A load of variant v fails with status want and message "LIB: " msg. */
static void load_fails(int v, xg_status want, const char *msg) {
  char full[8192];
  xg_model *m = (xg_model *)&m;
  set_variant(v);
  xg_status s = xg_model_load(FOCL, weights_file(), NULL, &m);
  set_variant(FOCL_OK);
  if (s != want)
    fprintf(stderr, "\n  variant %d: status %s, want %s\n", v, xg_status_name(s),
            xg_status_name(want));
  CU_ASSERT_EQUAL(s, want);
  CU_ASSERT_PTR_NULL(m);
  if (!s) xg_model_free(m);
  snprintf(full, sizeof full, "%s: %s", FOCL, msg);
  check_msg(full);
}

static RtCacheStats stats(void) {
  RtCacheStats s;
  rt_cache_stats(&s);
  return s;
}

/* ----------------------------------------------------------------- sha256 */

static void sha_is(const void *data, size_t n, const char *want) {
  unsigned char d[RT_SHA256_LEN];
  char hex[65];
  rt_sha256(data, n, d);
  rt_hex(hex, d, sizeof d);
  CU_ASSERT_STRING_EQUAL(hex, want);
}

/* FIPS 180-4's examples (and the NIST one-million-'a' test), whole and fed
 * in uneven pieces. */
static void test_sha256(void) {
  sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha_is(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  char *a = malloc(1000000);
  CU_ASSERT_FATAL(a != NULL);
  memset(a, 'a', 1000000);
  sha_is(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  RtSha256 c;
  unsigned char d[RT_SHA256_LEN];
  char hex[65];
  rt_sha256_init(&c);
  for (size_t at = 0, step = 1; at < 1000000; at += step, step = step * 3 % 1031 + 1)
    rt_sha256_update(&c, a + at, at + step > 1000000 ? 1000000 - at : step);
  rt_sha256_final(&c, d);
  rt_hex(hex, d, sizeof d);
  CU_ASSERT_STRING_EQUAL(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(a);
}

/* OpenCL's error names, and which errors are allocation failures. */
static void test_errors(void) {
  CU_ASSERT_STRING_EQUAL(rtcl_err_name(0), "CL_SUCCESS");
  CU_ASSERT_STRING_EQUAL(rtcl_err_name(-5), "CL_OUT_OF_RESOURCES");
  CU_ASSERT_STRING_EQUAL(rtcl_err_name(-11), "CL_BUILD_PROGRAM_FAILURE");
  CU_ASSERT_STRING_EQUAL(rtcl_err_name(-54), "CL_INVALID_WORK_GROUP_SIZE");
  CU_ASSERT_STRING_EQUAL(rtcl_err_name(-72), "CL_MAX_SIZE_RESTRICTION_EXCEEDED");
  CU_ASSERT_STRING_EQUAL(rtcl_err_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
  CU_ASSERT_STRING_EQUAL(rtcl_err_name(-25), "OpenCL error -25");
  CU_ASSERT_STRING_EQUAL(rtcl_err_name(-9999), "OpenCL error -9999");
  CU_ASSERT_EQUAL(rtcl_err_status(CL_OUT_OF_HOST_MEMORY, 0), XG_ERR_MEMORY);
  CU_ASSERT_EQUAL(rtcl_err_status(CL_MEM_OBJECT_ALLOCATION_FAILURE, 0), XG_ERR_MEMORY);
  CU_ASSERT_EQUAL(rtcl_err_status(CL_OUT_OF_RESOURCES, 1), XG_ERR_MEMORY);
  CU_ASSERT_EQUAL(rtcl_err_status(CL_OUT_OF_RESOURCES, 0), XG_ERR_RUNTIME);
  CU_ASSERT_EQUAL(rtcl_err_status(CL_INVALID_KERNEL_ARGS, 1), XG_ERR_RUNTIME);
}

/* ------------------------------------------------------------------- runs */

static void test_load_run(void) {
  xg_model *m = load_ok(NULL);
  if (!m) return;
  CU_ASSERT_EQUAL(xg_model_num_inputs(m), 1);
  CU_ASSERT_EQUAL(xg_model_num_outputs(m), 3);
  xg_tensor_info info;
  CU_ASSERT_EQUAL(xg_model_output(m, 2, &info), XG_OK);
  CU_ASSERT_STRING_EQUAL(info.name, "edge");
  /* three runs: the once launch adds 2 w to the arena in the first only */
  for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(run_focl(m, 0), XG_OK);
  xg_model_free(m);
}

/* The status word: a kernel's code fails the run with its meaning; the
 * next run starts from 0 again. */
static void test_status(void) {
  char want[8192];
  xg_model *m = load_ok(NULL);
  if (!m) return;
  CU_ASSERT_EQUAL(run_focl(m, 3), XG_ERR_RUNTIME);
  snprintf(want, sizeof want,
           "%s: model 'fakecl' failed with code 3 (a conversion of a float to an integer type "
           "out of its range)",
           FOCL);
  check_msg(want);
  CU_ASSERT_EQUAL(run_focl(m, 0), XG_OK);
  CU_ASSERT_EQUAL(run_focl(m, 42), XG_ERR_RUNTIME);
  snprintf(want, sizeof want, "%s: model 'fakecl' failed with code 42 (an unknown failure)", FOCL);
  check_msg(want);
  CU_ASSERT_EQUAL(run_focl(m, 1), XG_ERR_RUNTIME);
  snprintf(want, sizeof want,
           "%s: model 'fakecl' failed with code 1 (a read out of range (a subscript the source "
           "does not guard with ?\?))",
           FOCL);
  check_msg(want);
  CU_ASSERT_EQUAL(run_focl(m, 0), XG_OK);
  /* the CPU path's argument checks hold */
  CU_ASSERT_EQUAL(xg_model_run(m, NULL, NULL), XG_ERR_ARGUMENT);
  check_msg("xg_model_run: inputs is NULL (model 'fakecl' has 1 input)");
  xg_model_free(m);
}

static void *run_thread(void *arg) {
  for (int i = 0; i < 20; i++)
    if (run_focl(arg, 0)) return arg;
  return NULL;
}

/* Two loads of one library, each its own context and queue, run from two
 * threads at once. */
static void test_two_models(void) {
  xg_model *a = load_ok(NULL), *b = load_ok(NULL);
  if (a && b) {
    pthread_t ta, tb;
    void *ra = a, *rb = b;
    pthread_create(&ta, NULL, run_thread, a);
    pthread_create(&tb, NULL, run_thread, b);
    pthread_join(ta, &ra);
    pthread_join(tb, &rb);
    CU_ASSERT_PTR_NULL(ra);
    CU_ASSERT_PTR_NULL(rb);
  }
  xg_model_free(a);
  xg_model_free(b);
}

static void test_profile(void) {
  static const char *const kernels[] = {"prep", "mul", "add", "to_image", "from_image", "check"};
  xg_options o = {.profile = 1};
  xg_model *m = load_ok(&o);
  const char *k, *w;
  double ms;
  if (!m) return;
  CU_ASSERT_EQUAL(xg_model_num_launches(m), FOCL_LAUNCHES);
  CU_ASSERT_EQUAL(xg_model_launch_time(m, 0, &k, &w, &ms), XG_OK);
  CU_ASSERT_EQUAL(ms, -1.0); /* no run yet */
  for (int run = 0; run < 2; run++) {
    CU_ASSERT_EQUAL(run_focl(m, 0), XG_OK);
    for (int i = 0; i < FOCL_LAUNCHES; i++) {
      CU_ASSERT_EQUAL(xg_model_launch_time(m, i, &k, &w, &ms), XG_OK);
      CU_ASSERT_STRING_EQUAL(k, kernels[i]);
      if (i == 0 && run == 1) {
        CU_ASSERT_EQUAL(ms, -1.0); /* once: the first run only */
      } else {
        CU_ASSERT_TRUE(ms >= 0 && ms < 10000);
      }
    }
  }
  CU_ASSERT_EQUAL(xg_model_launch_time(m, 1, NULL, NULL, NULL), XG_OK);
  CU_ASSERT_EQUAL(xg_model_launch_time(m, 6, &k, &w, &ms), XG_ERR_ARGUMENT);
  check_msg("xg_model_launch_time: launch 6 is out of range (model 'fakecl' has 6 launches)");
  CU_ASSERT_EQUAL(run_focl(m, 3), XG_ERR_RUNTIME); /* a failed run still times its launches */
  CU_ASSERT_EQUAL(xg_model_launch_time(m, 5, &k, &w, &ms), XG_OK);
  CU_ASSERT_TRUE(ms >= 0);
  xg_model_free(m);
  m = load_ok(NULL);
  CU_ASSERT_EQUAL(xg_model_launch_time(m, 0, &k, &w, &ms), XG_ERR_ARGUMENT);
  check_msg("xg_model_launch_time: model 'fakecl' was loaded without profiling (set "
            "xg_options.profile)");
  xg_model_free(m);
  CU_ASSERT_EQUAL(xg_model_num_launches(NULL), -1);
  check_msg("xg_model_num_launches: model is NULL");
  CU_ASSERT_EQUAL(xg_model_launch_time(NULL, 0, &k, &w, &ms), XG_ERR_ARGUMENT);
  check_msg("xg_model_launch_time: model is NULL");
}

/* The device of a loaded model: the one rtcl_select picks (main's dev). */
static void test_device(void) {
  xg_model *m = load_ok(NULL);
  const char *p = NULL, *d = NULL, *v = NULL;
  if (!m) return;
  CU_ASSERT_EQUAL(xg_model_device(m, &p, &d, &v), XG_OK);
  CU_ASSERT_STRING_EQUAL(p, dev.platform_name);
  CU_ASSERT_STRING_EQUAL(d, dev.name);
  CU_ASSERT_STRING_EQUAL(v, dev.driver);
  CU_ASSERT_TRUE(d[0] != 0);
  CU_ASSERT_EQUAL(xg_model_device(m, NULL, NULL, NULL), XG_OK);
  xg_model_free(m);
  CU_ASSERT_EQUAL(xg_model_device(NULL, &p, &d, &v), XG_ERR_ARGUMENT);
  check_msg("xg_model_device: model is NULL");
}

/* ------------------------------------------------------------ descriptors */

static void test_bad_descriptor(void) {
  static const struct {
    FoclVariant v;
    const char *msg;
  } cases[] = {
      {FOCL_BOTH, "both a run function and an OpenCL program (a model has one or the other)"},
      {FOCL_NEITHER, "neither a run function nor an OpenCL program"},
      {FOCL_NOSOURCE, "the OpenCL program has no source"},
      {FOCL_NOOPTIONS, "the OpenCL program's build_options is NULL (\"\" for none)"},
      {FOCL_NEGMEMS, "-1 memory objects"},
      {FOCL_NOLAUNCHES, "6 launches and no array of them"},
      {FOCL_BADKIND, "memory object 2: kind 9 is unknown"},
      {FOCL_BADINDEX, "memory object 0: input 1 is out of range (the model has 1)"},
      {FOCL_DUPMEM, "memory object 5: output 0 has a memory object already"},
      {FOCL_TWOARENAS, "memory object 7: a second arena (memory object 2 is one)"},
      {FOCL_NOOUTPUTMEM, "output 2 ('edge') has no memory object"},
      {FOCL_FLATIMAGE, "memory object 4: an image of 2 x 0 pixels"},
      {FOCL_NOKERNEL, "launch 0 has no kernel name"},
      {FOCL_NOWHAT, "launch 1 ('mul') has no 'what'"},
      {FOCL_BADARG, "launch 2 ('add'): arg 1 is memory object 99 (there are 8)"},
      {FOCL_BADONCE, "launch 0 ('prep'): once is 2 (0 or 1)"},
      {FOCL_BADDIM, "launch 1 ('mul'): work_dim 4 is outside 1..3"},
      {FOCL_ZEROGLOBAL, "launch 3 ('to_image'): global size 0 in dimension 0"},
      {FOCL_PARTLOCAL, "launch 1 ('mul'): a local size of 0 in some dimensions only (all 0: "
                       "the driver chooses)"},
      {FOCL_NOTMULTIPLE,
       "launch 2 ('add'): global size 512 is not a multiple of local size 48 in dimension 0"},
  };
  char want[1024];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    snprintf(want, sizeof want, "bad model descriptor: %s", cases[i].msg);
    load_fails(cases[i].v, XG_ERR_FORMAT, want);
  }
}

/* Failures that need the device: kernels, the build, the limits. */
static void test_device_failures(void) {
  char want[4096];
  snprintf(want, sizeof want,
           "kernel 'nothere' of launch 2 ('y'): the program has no such kernel (device '%s')",
           dev.name);
  load_fails(FOCL_NOSUCHKERNEL, XG_ERR_FORMAT, want);
  load_fails(FOCL_NARGS, XG_ERR_FORMAT,
             "kernel 'add' of launch 2 ('y'): the kernel takes 2 arguments, the launch gives 1");

  uint64_t arena = dev.max_alloc + 1;
  set_sizes(arena, 0, 0, 0);
  snprintf(want, sizeof want,
           "memory object 2 (the arena, %llu bytes) is larger than the largest buffer device "
           "'%s' allows (CL_DEVICE_MAX_MEM_ALLOC_SIZE: %llu bytes)",
           (unsigned long long)arena, dev.name, (unsigned long long)dev.max_alloc);
  load_fails(FOCL_HUGEARENA, XG_ERR_MEMORY, want);

  CU_ASSERT_FATAL(dev.image_support);
  uint64_t w = dev.image_w, h = dev.image_h, each = w * h * 16;
  int extra = (int)(dev.global_mem / each) + 1;
  CU_ASSERT_FATAL(extra <= 16);
  set_sizes(0, w, h, extra);
  uint64_t total = 6 * (uint64_t)N * 4 + 4 + (uint64_t)extra * each; /* x, w, arena, y, z; status */
  total += FOCL_ROWS * 8 * 4 + FOCL_ROWS * 2 * 16;                   /* edge, the image */
  snprintf(want, sizeof want,
           "the model's memory objects take %llu bytes, more than device '%s' has "
           "(CL_DEVICE_GLOBAL_MEM_SIZE: %llu bytes)",
           (unsigned long long)total, dev.name, (unsigned long long)dev.global_mem);
  load_fails(FOCL_MANYIMAGES, XG_ERR_MEMORY, want);

  set_sizes(0, w + 1, 1, 0);
  snprintf(want, sizeof want,
           "memory object 4 (an image of %llu x 1 pixels, %llu bytes) is larger than device '%s' "
           "allows (at most %zu x %zu pixels: CL_DEVICE_IMAGE2D_MAX_WIDTH, _HEIGHT)",
           (unsigned long long)w + 1, (unsigned long long)(w + 1) * 16, dev.name, dev.image_w,
           dev.image_h);
  load_fails(FOCL_WIDEIMAGE, XG_ERR_MEMORY, want);

  set_sizes(0, dev.max_item[0] * 2, 1, 0);
  snprintf(want, sizeof want,
           "kernel 'add' of launch 2 ('y'): a local size of %zu in dimension 0 is more than "
           "device '%s' allows (CL_DEVICE_MAX_WORK_ITEM_SIZES: %zu)",
           dev.max_item[0] * 2, dev.name, dev.max_item[0]);
  load_fails(FOCL_BIGITEMS, XG_ERR_RUNTIME, want);

  CU_ASSERT_FATAL(dev.max_item[1] >= 2 && dev.max_item[0] * 2 > dev.max_group);
  set_sizes(0, dev.max_item[0], 2, 0);
  snprintf(want, sizeof want,
           "kernel 'mul' of launch 1 ('t = x * w2'): a work-group of %zu work-items is more than "
           "the kernel allows on device '%s' (CL_KERNEL_WORK_GROUP_SIZE: ",
           dev.max_item[0] * 2, dev.name);
  set_variant(FOCL_BIGGROUP);
  xg_model *m = (xg_model *)&m;
  CU_ASSERT_EQUAL(xg_model_load(FOCL, weights_file(), NULL, &m), XG_ERR_RUNTIME);
  set_variant(FOCL_OK);
  CU_ASSERT_PTR_NULL(m);
  const char *msg = strchr(xg_last_error(), ' ');
  CU_ASSERT_TRUE(msg && !strncmp(msg + 1, want, strlen(want)));
  if (!msg || strncmp(msg + 1, want, strlen(want))) fprintf(stderr, "\n  %s\n", xg_last_error());
}

/* A source that does not compile: the driver's log is in the message. */
static void test_build_failure(void) {
  char want[8192];
  xg_model *m = (xg_model *)&m;
  set_variant(FOCL_BUILDFAIL);
  xg_status s = xg_model_load(FOCL, weights_file(), NULL, &m);
  set_variant(FOCL_OK);
  CU_ASSERT_EQUAL(s, XG_ERR_RUNTIME);
  CU_ASSERT_PTR_NULL(m);
  snprintf(want, sizeof want,
           "%s: the model's OpenCL program does not build for device '%s' (clBuildProgram: "
           "CL_BUILD_PROGRAM_FAILURE, options ''); the build log:\n",
           FOCL, dev.name);
  const char *msg = xg_last_error();
  CU_ASSERT_TRUE(!strncmp(msg, want, strlen(want)));
  CU_ASSERT_PTR_NOT_NULL(strstr(msg + strlen(want), "undefined_thing"));
  if (strncmp(msg, want, strlen(want)) || !strstr(msg, "undefined_thing"))
    fprintf(stderr, "\n  got: %s\n", msg);
}

/* ---------------------------------------------------------------- devices */

/* A load with XG_OPENCL_DEVICE=spec fails with a message that starts with
 * want and lists the default device. */
static void device_fails(const char *spec, const char *want) {
  char head[1024], listed[1024];
  xg_model *m = (xg_model *)&m;
  setenv("XG_OPENCL_DEVICE", spec, 1);
  CU_ASSERT_EQUAL(xg_model_load(FOCL, weights_file(), NULL, &m), XG_ERR_ARGUMENT);
  CU_ASSERT_PTR_NULL(m);
  snprintf(head, sizeof head, "xg_model_load: XG_OPENCL_DEVICE='%s'%s; the devices: ", spec, want);
  snprintf(listed, sizeof listed, "%d:%d '%s' (%s, ", dev.pi, dev.di, dev.name,
           dev.platform_name);
  const char *msg = xg_last_error();
  int ok = !strncmp(msg, head, strlen(head)) && strstr(msg, listed);
  if (!ok) fprintf(stderr, "\n  got:  %s\n  want: %s...%s...\n", msg, head, listed);
  CU_ASSERT_TRUE(ok);
}

static void test_select(void) {
  static const char *const malformed[] = {"x", "0", "0:", ":0", "-1:0", " 0:0", "0:0x", "0:+1",
                                          "1234567:0"};
  for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++)
    device_fails(malformed[i], " is not PLATFORM:DEVICE (two indices from 0, e.g. 0:1)");
  device_fails("0:99", ": there is no device 0:99");
  device_fails("7:0", ": there is no device 7:0");
  char spec[32];
  snprintf(spec, sizeof spec, "%d:%d", dev.pi, dev.di);
  setenv("XG_OPENCL_DEVICE", spec, 1);
  xg_model *m = load_ok(NULL);
  if (m) CU_ASSERT_EQUAL(run_focl(m, 0), XG_OK);
  xg_model_free(m);
  setenv("XG_OPENCL_DEVICE", "", 1); /* empty: unset */
  m = load_ok(NULL);
  xg_model_free(m);
  unsetenv("XG_OPENCL_DEVICE");
}

/* No platform: the ICD loader reads its vendors once per process, so a
 * child process loads the model with OCL_ICD_VENDORS at an empty
 * directory and prints the status and message. */
static void test_no_platform(void) {
  char self[PATH_MAX], cmd[3 * PATH_MAX], out[8192] = "", want[8192];
  const char *empty = rtt_path("no-vendors");
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  CU_ASSERT_FATAL(n > 0);
  self[n] = 0;
  CU_ASSERT_FATAL(mkdir(empty, 0700) == 0);
  snprintf(cmd, sizeof cmd, "OCL_ICD_VENDORS='%s' '%s' --no-platform-child '%s'", empty, self,
           weights_file());
  FILE *p = popen(cmd, "r");
  CU_ASSERT_FATAL(p != NULL);
  size_t got = fread(out, 1, sizeof out - 1, p);
  out[got] = 0;
  CU_ASSERT_EQUAL(pclose(p), 0);
  rmdir(empty);
  snprintf(want, sizeof want,
           "XG_ERR_RUNTIME\n%s: no OpenCL platform is installed (clGetPlatformIDs: "
           "CL_PLATFORM_NOT_FOUND_KHR): install an OpenCL driver, e.g. Debian's "
           "'pocl-opencl-icd' (any CPU) or the GPU vendor's, which registers itself with a .icd "
           "file in /etc/OpenCL/vendors; OCL_ICD_VENDORS='%s' is set, so the loader looks there\n",
           FOCL, empty);
  if (strcmp(out, want)) fprintf(stderr, "\n  got:  %s\n  want: %s\n", out, want);
  CU_ASSERT_STRING_EQUAL(out, want);
}

static int no_platform_child(const char *weights) {
  xg_model *m = NULL;
  xg_status s = xg_model_load(FOCL, weights, NULL, &m);
  printf("%s\n%s\n", xg_status_name(s), xg_last_error());
  xg_model_free(m);
  return 0;
}

/* ------------------------------------------------------------------ cache */

/* A fresh cache directory (made by the first store), set as XG_CACHE_DIR. */
static const char *fresh_cache(const char *name) {
  static char dir[4][4096];
  static int k;
  char *d = dir[k++ % 4];
  snprintf(d, sizeof dir[0], "%s", rtt_path(name));
  setenv("XG_CACHE_DIR", d, 1);
  return d;
}

/* The path of the one entry of dir (there must be exactly one). */
static const char *only_entry(const char *dir) {
  static char path[8192];
  long files = 0;
  uint64_t bytes;
  DIR *d = opendir(dir);
  struct dirent *e;
  path[0] = 0;
  while (d && (e = readdir(d)))
    if (!strncmp(e->d_name, "ocl-", 4)) snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
  if (d) closedir(d);
  CU_ASSERT_EQUAL(rt_cache_entries(dir, 0, &files, &bytes, err, sizeof err), 0);
  CU_ASSERT_EQUAL(files, 1);
  return path;
}

/* Loads and runs once; returns the change of the counters. */
static RtCacheStats load_run(void) {
  RtCacheStats a = stats(), b;
  xg_model *m = load_ok(NULL);
  if (m) CU_ASSERT_EQUAL(run_focl(m, 0), XG_OK);
  xg_model_free(m);
  b = stats();
  b.hits -= a.hits, b.misses -= a.misses, b.rejects -= a.rejects, b.stores -= a.stores;
  b.store_failures -= a.store_failures;
  return b;
}

#define EXPECT(d, h, mi, r, s, f)                                                              \
  do {                                                                                         \
    RtCacheStats d_ = (d);                                                                     \
    if (d_.hits != (h) || d_.misses != (mi) || d_.rejects != (r) || d_.stores != (s) ||        \
        d_.store_failures != (f))                                                              \
      fprintf(stderr, "\n  line %d: hits %ld misses %ld rejects %ld stores %ld failures %ld\n", \
              __LINE__, d_.hits, d_.misses, d_.rejects, d_.stores, d_.store_failures);         \
    CU_ASSERT_TRUE(d_.hits == (h) && d_.misses == (mi) && d_.rejects == (r) &&                 \
                   d_.stores == (s) && d_.store_failures == (f));                              \
  } while (0)

static void test_cache_hit(void) {
  const char *dir = fresh_cache("hit");
  long files = -1;
  uint64_t bytes;
  /* the entry is written after the first run, not at load */
  xg_model *m = load_ok(NULL);
  CU_ASSERT_EQUAL(rt_cache_entries(dir, 0, &files, &bytes, err, sizeof err), 0);
  CU_ASSERT_EQUAL(files, 0);
  if (m) CU_ASSERT_EQUAL(run_focl(m, 0), XG_OK);
  CU_ASSERT_EQUAL(rt_cache_entries(dir, 0, &files, &bytes, err, sizeof err), 0);
  CU_ASSERT_EQUAL(files, 1);
  xg_model_free(m);
  CU_ASSERT_EQUAL(rt_cache_entries(dir, 1, &files, &bytes, err, sizeof err), 0);
  EXPECT(load_run(), 0, 1, 0, 1, 0);
  const char *entry = only_entry(dir);
  struct stat st;
  CU_ASSERT_EQUAL(stat(entry, &st), 0);
  CU_ASSERT_TRUE(st.st_size > 88);
  EXPECT(load_run(), 1, 0, 0, 0, 0);
  EXPECT(load_run(), 1, 0, 0, 0, 0);
}

/* Overwrites entry bytes [at, at + n) with data (or truncates to `at`
 * when data is NULL). */
static void damage(const char *path, long at, const void *data, size_t n) {
  if (!data) {
    CU_ASSERT_EQUAL(truncate(path, at), 0);
    return;
  }
  int fd = open(path, O_WRONLY);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT_EQUAL(pwrite(fd, data, n, at), (ssize_t)n);
  close(fd);
}

/* Every kind of bad entry is rebuilt (and rewritten), never trusted. */
static void test_cache_corrupt(void) {
  const char *dir = fresh_cache("corrupt");
  EXPECT(load_run(), 0, 1, 0, 1, 0);
  char entry[8192];
  snprintf(entry, sizeof entry, "%s", only_entry(dir));
  unsigned char *whole = NULL;
  size_t len = 0;
  static const struct {
    const char *what;
    long at; /* < 0: from the end */
    int truncate;
  } cases[] = {
      {"a byte of the binary", 88 + 40, 0}, {"the last byte", -1, 0}, {"the magic", 0, 0},
      {"the format version", 8, 0},         {"the key", 20, 0},       {"the length", 50, 0},
      {"the checksum", 60, 0},              {"cut in the header", 50, 1},
      {"cut by one byte", -1, 1},           {"empty", 0, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    free(whole);
    whole = rtt_slurp(entry, &len);
    CU_ASSERT_FATAL(whole && len > 88);
    long at = cases[i].at < 0 ? (long)len + cases[i].at : cases[i].at;
    if (cases[i].truncate) damage(entry, at, NULL, 0);
    else {
      unsigned char b = whole[at] ^ 1;
      damage(entry, at, &b, 1);
    }
    RtCacheStats d = load_run();
    if (d.rejects != 1) fprintf(stderr, "\n  %s: not rejected\n", cases[i].what);
    EXPECT(d, 0, 0, 1, 1, 0);
    EXPECT(load_run(), 1, 0, 0, 0, 0); /* rewritten whole */
  }
  /* a sound entry whose binary the driver refuses: rebuilt too */
  unsigned char junk[1000], head[88];
  memset(junk, 'x', sizeof junk);
  memcpy(head, whole, 88);
  for (int i = 0; i < 8; i++) head[48 + i] = (unsigned char)((uint64_t)sizeof junk >> (8 * i));
  rt_sha256(junk, sizeof junk, head + 56);
  FILE *fp = fopen(entry, "wb");
  CU_ASSERT_FATAL(fp != NULL);
  fwrite(head, 1, sizeof head, fp);
  fwrite(junk, 1, sizeof junk, fp);
  fclose(fp);
  EXPECT(load_run(), 0, 0, 1, 1, 0);
  EXPECT(load_run(), 1, 0, 0, 0, 0);
  free(whole);
}

/* XG_VERBOSE tells what the cache did, on stderr. */
static void test_cache_verbose(void) {
  const char *dir = fresh_cache("verbose");
  const char *log = rtt_path("verbose.log");
  char entry[8192];
  fflush(stderr);
  int saved = dup(2), fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CU_ASSERT_FATAL(saved >= 0 && fd >= 0);
  setenv("XG_VERBOSE", "1", 1);
  dup2(fd, 2);
  load_run();
  snprintf(entry, sizeof entry, "%s", only_entry(dir));
  unsigned char b = 0;
  damage(entry, 100, &b, 1);
  load_run();
  load_run();
  fflush(stderr);
  dup2(saved, 2);
  close(saved), close(fd);
  unsetenv("XG_VERBOSE");
  size_t n = 0;
  char *text = (char *)rtt_slurp(log, &n), want[8192];
  CU_ASSERT_FATAL(text != NULL);
  static const char *const lines[][2] = {
      {"xg: OpenCL device ", NULL},
      {"xg: OpenCL cache: miss ", "\n"},
      {"xg: OpenCL cache: stored ", " ("},
      {"xg: OpenCL cache: rebuilding: ", ": corrupt (the binary's checksum differs)\n"},
      {"xg: OpenCL cache: hit ", "\n"}};
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    snprintf(want, sizeof want, "%s%s%s", lines[i][0], lines[i][1] ? entry : "",
             lines[i][1] ? lines[i][1] : "");
    if (!strstr(text, want)) fprintf(stderr, "\n  no '%s' in:\n%s\n", want, text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
  }
  free(text);
}

/* The key covers the source and the build options. */
static void test_cache_keys(void) {
  const char *dir = fresh_cache("keys");
  long files;
  uint64_t bytes;
  EXPECT(load_run(), 0, 1, 0, 1, 0);
  set_variant(FOCL_OPTIONS);
  EXPECT(load_run(), 0, 1, 0, 1, 0);
  EXPECT(load_run(), 1, 0, 0, 0, 0);
  set_variant(FOCL_SOURCE2);
  EXPECT(load_run(), 0, 1, 0, 1, 0);
  set_variant(FOCL_OK);
  EXPECT(load_run(), 1, 0, 0, 0, 0);
  CU_ASSERT_EQUAL(rt_cache_entries(dir, 0, &files, &bytes, err, sizeof err), 0);
  CU_ASSERT_EQUAL(files, 3);
}

/* Without a usable directory the model loads all the same. */
static void test_cache_unusable(void) {
  const char *file = rtt_write("a-file", "x", 1);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/cache", file);
  setenv("XG_CACHE_DIR", dir, 1);
  EXPECT(load_run(), 0, 1, 0, 0, 1);
  EXPECT(load_run(), 0, 1, 0, 0, 1);
  setenv("XG_CACHE_DIR", "off", 1);
  EXPECT(load_run(), 0, 0, 0, 0, 0);
  char buf[4096];
  CU_ASSERT_EQUAL(rt_cache_dir(buf, sizeof buf), 0);
  CU_ASSERT_STRING_EQUAL(buf, "XG_CACHE_DIR=off");
}

/* Two threads load at once into an empty cache: both work, the entry is
 * whole, and the next load hits. */
static void *load_thread(void *arg) {
  xg_model *m = NULL;
  (void)arg;
  if (xg_model_load(FOCL, weights_file(), NULL, &m)) return (void *)1;
  void *r = run_focl(m, 0) ? (void *)1 : NULL;
  xg_model_free(m);
  return r;
}

static void test_cache_concurrent(void) {
  const char *dir = fresh_cache("concurrent");
  weights_file();
  pthread_t t[2];
  void *r[2] = {(void *)1, (void *)1};
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, load_thread, NULL);
  for (int i = 0; i < 2; i++) pthread_join(t[i], &r[i]);
  CU_ASSERT_PTR_NULL(r[0]);
  CU_ASSERT_PTR_NULL(r[1]);
  only_entry(dir);
  EXPECT(load_run(), 1, 0, 0, 0, 0);
}

static void test_cache_dir(void) {
  char buf[4096], *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
  char *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
  setenv("XG_CACHE_DIR", "/some/where", 1);
  CU_ASSERT_EQUAL(rt_cache_dir(buf, sizeof buf), 1);
  CU_ASSERT_STRING_EQUAL(buf, "/some/where");
  setenv("XG_CACHE_DIR", "", 1); /* empty: unset */
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  setenv("HOME", "/home/u", 1);
  CU_ASSERT_EQUAL(rt_cache_dir(buf, sizeof buf), 1);
  CU_ASSERT_STRING_EQUAL(buf, "/xdg/xgc");
  setenv("XDG_CACHE_HOME", "relative", 1); /* XDG: relative paths are ignored */
  CU_ASSERT_EQUAL(rt_cache_dir(buf, sizeof buf), 1);
  CU_ASSERT_STRING_EQUAL(buf, "/home/u/.cache/xgc");
  unsetenv("XDG_CACHE_HOME");
  unsetenv("XG_CACHE_DIR");
  CU_ASSERT_EQUAL(rt_cache_dir(buf, sizeof buf), 1);
  CU_ASSERT_STRING_EQUAL(buf, "/home/u/.cache/xgc");
  unsetenv("HOME");
  CU_ASSERT_EQUAL(rt_cache_dir(buf, sizeof buf), 0);
  CU_ASSERT_STRING_EQUAL(buf, "no XG_CACHE_DIR, XDG_CACHE_HOME or HOME is set");
  CU_ASSERT_EQUAL(rt_cache_dir(buf, 8), 0); /* a path that does not fit */
  setenv("XG_CACHE_DIR", "/a/long/path", 1);
  CU_ASSERT_EQUAL(rt_cache_dir(buf, 8), 0);
  if (home) setenv("HOME", home, 1);
  if (xdg) setenv("XDG_CACHE_HOME", xdg, 1);
  free(home), free(xdg);
}

/* Counting and clearing touch only the cache's own files. */
static void test_cache_clear(void) {
  const char *dir = fresh_cache("clear");
  char path[8192];
  long files;
  uint64_t bytes;
  load_run();
  /* the magic without our name, our name without the magic */
  const char *others[] = {
      "notes.txt", "ocl-12.bin",
      "ocl-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.bin"};
  const char *contents[] = {"XGCLBIN", "XGCLBIN", "NOTMAGIC and more"};
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, others[i]);
    FILE *fp = fopen(path, "w");
    CU_ASSERT_FATAL(fp != NULL);
    fwrite(contents[i], 1, 8, fp);
    fclose(fp);
  }
  snprintf(path, sizeof path, "%s/%s", dir,
           "ocl-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.tmp-Ab12Cd");
  FILE *fp = fopen(path, "w");
  fwrite("XGCLBIN\0leftover", 1, 16, fp);
  fclose(fp);
  CU_ASSERT_EQUAL(rt_cache_entries(dir, 0, &files, &bytes, err, sizeof err), 0);
  CU_ASSERT_EQUAL(files, 2); /* the entry and the leftover */
  CU_ASSERT_EQUAL(rt_cache_entries(dir, 1, &files, &bytes, err, sizeof err), 0);
  CU_ASSERT_EQUAL(files, 2);
  CU_ASSERT_EQUAL(rt_cache_entries(dir, 0, &files, &bytes, err, sizeof err), 0);
  CU_ASSERT_EQUAL(files, 0);
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, others[i]);
    CU_ASSERT_EQUAL(access(path, F_OK), 0);
    unlink(path);
  }
  CU_ASSERT_EQUAL(rmdir(dir), 0);
  CU_ASSERT_EQUAL(rt_cache_entries(dir, 1, &files, &bytes, err, sizeof err), 0); /* no dir */
  CU_ASSERT_EQUAL(files, 0);
  EXPECT(load_run(), 0, 1, 0, 1, 0); /* the directory comes back */
}

/* ------------------------------------------------------------------- main */

static const RttTest sha_tests[] = {{"FIPS 180-4 examples", test_sha256},
                                    {"OpenCL error names and statuses", test_errors}};

static const RttTest run_tests[] = {
    {"load and run three times", test_load_run},
    {"the status word", test_status},
    {"two models from two threads", test_two_models},
    {"per-launch profiles", test_profile},
    {"the device", test_device},
};

static const RttTest failure_tests[] = {
    {"bad descriptors", test_bad_descriptor},
    {"kernels and device limits", test_device_failures},
    {"a program that does not build", test_build_failure},
    {"XG_OPENCL_DEVICE", test_select},
    {"no OpenCL platform", test_no_platform},
};

static const RttTest cache_tests[] = {
    {"a second load hits", test_cache_hit},
    {"bad entries are rebuilt", test_cache_corrupt},
    {"XG_VERBOSE", test_cache_verbose},
    {"source and options in the key", test_cache_keys},
    {"an unusable directory, off", test_cache_unusable},
    {"two loads at once", test_cache_concurrent},
    {"the directory", test_cache_dir},
    {"counting and clearing", test_cache_clear},
};

int main(int argc, char **argv) {
  unsetenv("XG_OPENCL_DEVICE");
  unsetenv("XG_VERBOSE");
  if (argc > 2 && !strcmp(argv[1], "--no-platform-child")) {
    setenv("XG_CACHE_DIR", "off", 1);
    return no_platform_child(argv[2]);
  }
  void *h = dlopen(FOCL, RTLD_NOW | RTLD_LOCAL);
  if (!h || !(*(void **)&set_variant = dlsym(h, FOCL_VARIANT_SYMBOL)) ||
      !(*(void **)&set_sizes = dlsym(h, FOCL_SIZES_SYMBOL))) {
    fprintf(stderr, "test_ocl: %s\n", dlerror());
    return 1;
  }
  if (rtcl_select(&dev, "test_ocl", err, sizeof err)) {
    fprintf(stderr, "test_ocl: needs an OpenCL device (Debian: pocl-opencl-icd): %s\n", err);
    return 1;
  }
  const RttSuite suites[] = {RTT_SUITE("helpers", sha_tests), RTT_SUITE("runs", run_tests),
                             RTT_SUITE("failures", failure_tests),
                             RTT_SUITE("cache", cache_tests)};
  if (rtt_setup() != 0) return perror("mkdtemp"), 1;
  fresh_cache("cache");
  int rc = rtt_run(suites, 4);
  dlclose(h);
  return rc;
}
