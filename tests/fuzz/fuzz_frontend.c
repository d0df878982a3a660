/* fuzz_frontend.c -- the libFuzzer target of the front end and the graph
 * IR: lexer, parser, import resolution (against the source stdlib), semantic
 * checks, the AST dump and, on checked input, the IR of every model and op
 * (build, verify, classify, print), on arbitrary bytes.  Built with clang by
 * `make fuzz`, and replayed over the committed corpus by tests/fuzz/replay
 * in `make check`. */
#include "ir/ir.h"
#include "parser/parser.h"
#include "sema/sema.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Builds, verifies, classifies and prints the graph of every declaration. */
static void fuzz_ir(Front *f, Module *m, FILE *sink) {
  IrCtx c;
  ir_ctx_init(&c, f);
  for (int i = 0; i < m->ast->list.n; i++) {
    const AstNode *d = m->ast->list.items[i];
    IrGraph *g = d->kind == AST_MODEL ? ir_build_model(&c, d)
               : d->kind == AST_OP    ? ir_build_op(&c, d)
                                      : NULL;
    if (!g || ir_verify(&c, g)) continue;
    ir_classify(&c, g);
    ir_print(sink, g);
    ir_print_classes(sink, g);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *sink;
  if (!sink) sink = fopen("/dev/null", "w");
  if (!sink) abort();
  Front f;
  front_init(&f, sink);
  f.stdlib_dir = XG_STDLIB_SRC;
  Module *m = front_load_buffer(&f, "fuzz.xg", (const char *)data, size);
  if (m && sema_check(&f, m) == 0 && f.diag.errors == 0) fuzz_ir(&f, m, sink);
  if (m) ast_dump(sink, m->ast, &f.sm);
  front_free(&f);
  return 0;
}
