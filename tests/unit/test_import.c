/* test_import.c -- placeholder, being written. */
#include "tests/unit/unit.h"
static void t_placeholder(void) { CU_FAIL("not written yet"); }
int main(void) {
  static const UnitTest tests[] = {{"placeholder", t_placeholder}};
  return unit_run("import", tests, 1);
}
