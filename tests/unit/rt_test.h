/* rt_test.h -- helpers of the runtime's CUnit suites: a scratch directory
 * made with mkdtemp, files written into it, committed files of tests/files/,
 * and the check of an exact error message. */
#ifndef XG_RT_TEST_H
#define XG_RT_TEST_H

#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/rt.h"

/* The scratch directory, made by rtt_setup (once: a suite may make it
 * before rtt_run) and removed by rtt_cleanup. */
static char rtt_dir[] = "/tmp/xg-rt-XXXXXX";

static inline int rtt_setup(void) {
  if (strcmp(rtt_dir + sizeof rtt_dir - 7, "XXXXXX")) return 0;
  return mkdtemp(rtt_dir) ? 0 : -1;
}

/* Removes dir and what it holds (files and directories of files, without
 * following links). */
static inline void rtt_remove(const char *dir, int depth) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[4096];
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
      if (unlink(path) != 0 && depth < 4) rtt_remove(path, depth + 1);
    }
  if (d) closedir(d);
  rmdir(dir);
}

static inline void rtt_cleanup(void) {
  rtt_remove(rtt_dir, 0);
}

/* The path of name inside the scratch directory (a rotating static buffer). */
static inline const char *rtt_path(const char *name) {
  static char bufs[4][4096];
  static int k;
  char *b = bufs[k++ % 4];
  snprintf(b, sizeof bufs[0], "%s/%s", rtt_dir, name);
  return b;
}

/* The path of a committed file of tests/files/ ($SRCDIR, or the cwd). */
static inline const char *rtt_src(const char *name) {
  static char bufs[4][4096];
  static int k;
  const char *src = getenv("SRCDIR");
  char *b = bufs[k++ % 4];
  snprintf(b, sizeof bufs[0], "%s/tests/files/%s", src ? src : ".", name);
  return b;
}

/* With XG_RT_KEEP=DIR in the environment, the round-trip tests also leave
 * what our writers made in DIR, for tests/files/make_files.py --check DIR
 * (numpy.load on every .npy); the path there, or NULL. */
static inline const char *rtt_keep(const char *name) {
  static char buf[4096];
  const char *dir = getenv("XG_RT_KEEP");
  if (!dir || !*dir) return NULL;
  snprintf(buf, sizeof buf, "%s/%s", dir, name);
  return buf;
}

/* Writes len bytes into the scratch file name; returns its path. */
static inline const char *rtt_write(const char *name, const void *data, size_t len) {
  const char *path = rtt_path(name);
  FILE *fp = fopen(path, "wb");
  CU_ASSERT_FATAL(fp != NULL);
  CU_ASSERT_FATAL(len == 0 || fwrite(data, 1, len, fp) == len);
  fclose(fp);
  return path;
}

/* The whole file, malloc'd with a NUL after it; *len set.  NULL if it
 * cannot be read. */
static inline unsigned char *rtt_slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  unsigned char *b = malloc(n > 0 ? (size_t)n + 1 : 1);
  *len = b && n >= 0 && fread(b, 1, (size_t)n, fp) == (size_t)n ? (size_t)n : 0;
  if (b) b[*len] = 0;
  fclose(fp);
  return b;
}

/* Checks that err is exactly "PREFIX: " followed by want. */
#define RTT_MSG(err, prefix, want)                                                   \
  do {                                                                              \
    char rtt_want_[1024];                                                           \
    snprintf(rtt_want_, sizeof rtt_want_, "%s: %s", (prefix), (want));              \
    if (strcmp((err), rtt_want_))                                                   \
      fprintf(stderr, "\n  got:  %s\n  want: %s\n", (err), rtt_want_);              \
    CU_ASSERT_STRING_EQUAL((err), rtt_want_);                                       \
  } while (0)

typedef struct RttTest {
  const char *name;
  void (*fn)(void);
} RttTest;

typedef struct RttSuite {
  const char *name;
  const RttTest *tests;
  int n;
} RttSuite;
#define RTT_SUITE(name, tests) {name, tests, (int)(sizeof tests / sizeof *tests)}

/* Runs the suites inside a fresh scratch directory; returns the process
 * exit status. */
static inline int rtt_run(const RttSuite *suites, int nsuites) {
  if (rtt_setup() != 0) {
    perror("mkdtemp");
    return 1;
  }
  if (CU_initialize_registry() != CUE_SUCCESS) return 1;
  for (int k = 0; k < nsuites; k++) {
    CU_pSuite s = CU_add_suite(suites[k].name, NULL, NULL);
    for (int i = 0; s && i < suites[k].n; i++) CU_add_test(s, suites[k].tests[i].name, suites[k].tests[i].fn);
  }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  int rc = CU_get_error() != CUE_SUCCESS || failed ? 1 : 0;
  CU_cleanup_registry();
  rtt_cleanup();
  return rc;
}

#endif
