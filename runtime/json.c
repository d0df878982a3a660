/* runtime/json.c -- JSON output shared by the programs that print results
 * as JSON lines (`xgc bench --json`, bench/device/xgrun). */
#include "runtime/rt.h"

void rt_json_string(FILE *out, const char *s) {
  putc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else putc(c, out);
  }
  putc('"', out);
}
