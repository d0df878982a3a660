/* unit.h -- shared helpers of the CUnit suites: run a suite, load a source
 * from a string into a fresh Front and capture its diagnostics. */
#ifndef XG_UNIT_H
#define XG_UNIT_H

#include <CUnit/Basic.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parser.h"

/* A Front whose diagnostics go to a memory stream. */
typedef struct UnitFront {
  Front f;
  char *diag_text;
  size_t diag_len;
  FILE *diag_out;
} UnitFront;

static inline void unit_front_init(UnitFront *u) {
  u->diag_text = NULL;
  u->diag_len = 0;
  u->diag_out = open_memstream(&u->diag_text, &u->diag_len);
  front_init(&u->f, u->diag_out);
}

/* The diagnostics printed so far, NUL-terminated. */
static inline const char *unit_diags(UnitFront *u) {
  fflush(u->diag_out);
  return u->diag_text ? u->diag_text : "";
}

static inline void unit_front_free(UnitFront *u) {
  front_free(&u->f);
  fclose(u->diag_out);
  free(u->diag_text);
}

typedef struct UnitTest {
  const char *name;
  void (*fn)(void);
} UnitTest;

/* Runs the tests as one suite; returns the process exit status. */
static inline int unit_run(const char *suite, const UnitTest *tests, int n) {
  assert(n > 0 && "a suite without tests cannot fail");
  if (CU_initialize_registry() != CUE_SUCCESS) return 1;
  CU_pSuite s = CU_add_suite(suite, NULL, NULL);
  for (int i = 0; s && i < n; i++) CU_add_test(s, tests[i].name, tests[i].fn);
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  int rc = CU_get_error() != CUE_SUCCESS || failed ? 1 : 0;
  CU_cleanup_registry();
  return rc;
}

#endif
