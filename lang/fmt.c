/* fmt.c -- the text of float constants shared by the dumps of every layer
 * (ast_dump.c, ir/print.c, lower/print.c): shortest, exact, always a float. */
#include "lang/lang.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The shortest %g form that strtod reads back as v (17 digits always do). */
static void shortest_g(char *buf, double v) {
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(buf, FMT_FLOAT_MAX, "%.*g", digits, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

/* The shortest %f form that reads back as v: for 1e-4 <= |v| < 1e16, 17
 * significant digits need at most 20 decimals, so the loop always ends on a
 * form that reads back. */
static void shortest_f(char *buf, double v) {
  for (int decimals = 0; decimals <= 20; decimals++) {
    snprintf(buf, FMT_FLOAT_MAX, "%.*f", decimals, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

char *fmt_float(char buf[FMT_FLOAT_MAX], double v) {
  if (isinf(v))
    return strcpy(buf, v < 0 ? "-inf" : "inf");
  if (isnan(v))
    return strcpy(buf, "nan");
  shortest_g(buf, v);
  double mag = v < 0 ? -v : v;
  if (strchr(buf, 'e') && mag >= 1e-4 && mag < 1e16)
    shortest_f(buf, v); /* 2500.0, not 2.5e+03 */
  if (!strpbrk(buf, ".e"))
    strcat(buf, ".0");
  return buf;
}

void fmt_put_float(FILE *out, double v) {
  char buf[FMT_FLOAT_MAX];
  fputs(fmt_float(buf, v), out);
}
