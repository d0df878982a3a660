/* fuzz_frontend.c -- the libFuzzer target of the front end: lexer, parser,
 * import resolution (against the source stdlib), semantic checks and the AST
 * dump, on arbitrary bytes.  Built with clang by `make fuzz`, and replayed
 * over the committed corpus by tests/fuzz/replay in `make check`. */
#include "parser/parser.h"
#include "sema/sema.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *sink;
  if (!sink) sink = fopen("/dev/null", "w");
  if (!sink) abort();
  Front f;
  front_init(&f, sink);
  f.stdlib_dir = XG_STDLIB_SRC;
  Module *m = front_load_buffer(&f, "fuzz.xg", (const char *)data, size);
  if (m) sema_check(&f, m);
  if (m) ast_dump(sink, m->ast, &f.sm);
  front_free(&f);
  return 0;
}
