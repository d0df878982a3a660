/* ir/passes.c -- the pass list of the graph IR, in order, with the verifier
 * between passes (--verify-each) and a dump after any pass (--dump-after). */
#include "ir/ir_int.h"

#include <string.h>

/* Each pass transforms the graph in place and returns 0 after reporting an
 * error.  `build` is special: it makes the graph (ir_build_model or
 * ir_build_op), so its entry has no function. */
typedef int (*IrPassFn)(IrCtx *c, IrGraph *g);

static int pass_classify(IrCtx *c, IrGraph *g) {
  ir_classify(c, g);
  return 1;
}

static int pass_fuse(IrCtx *c, IrGraph *g) {
  if (!g->generic) g->fusion = ir_fuse(c, g);
  return 1;
}

/* X(name, function, what it does) -- in the order they run. */
#define XG_IR_PASSES(X)                                                                            \
  X("build", NULL, "the graph of a model (calls instantiated) or of one op")                       \
  X("classify", pass_classify, "the mapping type of every node (docs/classification.md)")          \
  X("fuse", pass_fuse, "the fusion plan: groups of nodes computed together (docs/fusion.md)")

static const struct {
  const char *name;
  IrPassFn run;
  const char *what;
} passes[] = {
#define X(n, f, w) {n, f, w},
    XG_IR_PASSES(X)
#undef X
};
enum { NPASSES = sizeof passes / sizeof *passes };
_Static_assert(NPASSES >= 1, "the pass list starts with build");

int ir_pass_known(const char *name) {
  for (int i = 0; i < NPASSES; i++)
    if (strcmp(passes[i].name, name) == 0) return 1;
  return 0;
}

const char *ir_pass_names(void) {
  static char buf[256];
  if (!buf[0]) {
    size_t n = 0;
    for (int i = 0; i < NPASSES; i++)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", passes[i].name);
  }
  return buf;
}

/* After pass i: the verifier (with verify_each) and the dump (when asked).
 * Returns 0 when the verifier found errors. */
static int after(IrCtx *c, const IrGraph *g, int i, const IrPassOpts *o) {
  if (o && o->dump_after && strcmp(o->dump_after, passes[i].name) == 0) {
    FILE *out = o->dump ? o->dump : stdout;
    fprintf(out, "# after %s\n", passes[i].name);
    ir_print(out, g);
    fputs("\n", out);
  }
  if (o && o->verify_each && ir_verify(c, g) > 0) {
    diag_note(c->diag, g->loc, "the graph of '%s' is invalid after pass '%s'", g->name,
              passes[i].name);
    return 0;
  }
  return 1;
}

IrGraph *ir_run_passes(IrCtx *c, const AstNode *decl, const IrPassOpts *o) {
  IrGraph *g = decl->kind == AST_MODEL ? ir_build_model(c, decl) : ir_build_op(c, decl);
  if (!g || !after(c, g, 0, o)) return NULL;
  for (int i = 1; i < NPASSES; i++)
    if (!passes[i].run(c, g) || !after(c, g, i, o)) return NULL;
  return g;
}
