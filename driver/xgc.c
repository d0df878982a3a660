/* xgc.c -- the command-line driver: parses options, runs the front end and
 * prints what was asked for.  Exit status: 0 clean, 1 diagnostics, 2 usage. */
#include "config.h"
#include "parser/parser.h"
#include "sema/sema.h"
#include "ir/ir.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: xgc check [options] FILE...      check .xg files; exit 1 on errors\n"
    "       xgc --emit=ast [options] FILE    print the syntax tree of FILE\n"
    "       xgc --emit=ir [options] FILE     print the graph IR of FILE's ops and models\n"
    "       xgc --emit=classes [options] FILE  print each operator's mapping type\n"
    "       xgc --help | --version\n"
    "\n"
    "options:\n"
    "  -I DIR             search DIR for imported modules (before the stdlib)\n"
    "  --stdlib-dir=DIR   the standard library directory (default: $XG_STDLIB_DIR,\n"
    "                     else the installed one)\n"
    "  --error-limit=N    stop after N errors (default 20; 0: no limit)\n"
    "  --summary          with check: print what each file defines\n"
    "  --verify-each      build the graph IR and verify it after every pass\n"
    "  --dump-after=PASS  print the graph IR after PASS (build, classify)\n"
    "\n"
    "Not implemented yet: code generation and `xgc build/run/bench`\n"
    "(see README.md).\n";

typedef struct Options {
  const char *emit;
  int check, summary, error_limit;
  int verify_each;        /* the graph IR's options: see ir_option */
  const char *dump_after;
  const char *stdlib_dir;
  PtrVec includes; /* const char* */
  const char **files;
  int nfiles;
} Options;

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "xgc: error: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(run 'xgc --help' for usage)\n");
  return 2;
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The stdlib directory: the option, the environment, the source tree when
 * this binary is the one in the build tree, else the installed copy. */
static const char *default_stdlib(void) {
  const char *env = getenv("XG_STDLIB_DIR");
  if (env && *env) return env;
  char self[PATH_MAX], built[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = 0;
    static char src[PATH_MAX]; /* realpath: no "build/.." in messages */
    if (realpath(XG_BUILD_XGC, built) && strcmp(self, built) == 0 && realpath(XG_STDLIB_SRC, src) &&
        is_dir(src))
      return src;
  }
  return XG_STDLIB_INSTALLED;
}

/* --verify-each and --dump-after=PASS: returns 1 when s is one of them
 * (with *rc the usage error, or 0). */
static int ir_option(Options *o, const char *s, int *rc) {
  *rc = 0;
  if (!strcmp(s, "--verify-each")) {
    o->verify_each = 1;
    return 1;
  }
  if (strncmp(s, "--dump-after=", 13)) return 0;
  o->dump_after = s + 13;
  if (!ir_pass_known(o->dump_after))
    *rc = usage_error("unknown pass '%s' for --dump-after (the passes: %s)", o->dump_after,
                      ir_pass_names());
  return 1;
}

static int parse_args(int argc, char **argv, Options *o, Arena *a) {
  int rc;
  memset(o, 0, sizeof *o);
  o->error_limit = 20;
  o->files = arena_alloc(a, sizeof(char *) * (size_t)argc);
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      fputs(usage_text, stdout);
      exit(0);
    } else if (!strcmp(s, "--version")) {
      printf("xgc %s\n", PACKAGE_VERSION);
      exit(0);
    } else if (!strcmp(s, "check") && !o->check && o->nfiles == 0) {
      o->check = 1;
    } else if (!strncmp(s, "--emit=", 7)) {
      o->emit = s + 7;
      if (strcmp(o->emit, "ast") && strcmp(o->emit, "ir") && strcmp(o->emit, "classes"))
        return usage_error("unknown --emit kind '%s' (this version knows: ast, ir, classes)",
                           o->emit);
    } else if (ir_option(o, s, &rc)) {
      if (rc) return rc;
    } else if (!strcmp(s, "-I")) {
      if (++i == argc) return usage_error("%s needs a directory", s);
      vec_push(a, &o->includes, argv[i]);
    } else if (!strncmp(s, "-I", 2)) {
      vec_push(a, &o->includes, (void *)(s + 2));
    } else if (!strncmp(s, "--stdlib-dir=", 13)) {
      o->stdlib_dir = s + 13;
    } else if (!strncmp(s, "--error-limit=", 14)) {
      char *end;
      long v = strtol(s + 14, &end, 10);
      if (*end || end == s + 14 || v < 0 || v > 1000000)
        return usage_error("bad --error-limit '%s'", s + 14);
      o->error_limit = (int)v;
    } else if (!strcmp(s, "--summary")) {
      o->summary = 1;
    } else if (s[0] == '-' && s[1]) {
      return usage_error("unknown option '%s'", s);
    } else {
      o->files[o->nfiles++] = s;
    }
  }
  if (!o->check && !o->emit)
    return usage_error("%s", "nothing to do: give 'check' or --emit=ast|ir|classes");
  if (o->check && o->emit) return usage_error("%s", "'check' and --emit cannot be combined");
  if (o->nfiles == 0) return usage_error("%s", "no input files");
  if (o->emit && o->nfiles != 1) return usage_error("%s", "--emit takes exactly one file");
  return 0;
}

static const char *plural(int n) { return n == 1 ? "" : "s"; }

/* Elements of a checked tensor type, or -1 when a dim is symbolic. */
static int64_t type_elems(const SemType *t) {
  int64_t n = 1, v;
  for (int i = 0; t && i < t->rank; i++) {
    if (!t->dims[i].dim || !dim_is_const(t->dims[i].dim, &v)) return -1;
    n *= v;
  }
  return t ? n : -1;
}

/* "name: f32[1, 784], ..." of checked inputs or outputs. */
static void print_sig(Front *f, const PtrVec *v) {
  for (int i = 0; i < v->n; i++) {
    const AstNode *p = v->items[i];
    printf("%s%s: %s", i ? ", " : "", p->name, p->sem ? sem_type_str(&f->arena, p->sem) : "?");
  }
}

/* What a checked file defines: its ops, and each model's signature and size. */
static void print_summary(Front *f, const Module *m) {
  int ops = 0, models = 0, imports = 0;
  for (int i = 0; i < m->ast->list.n; i++) {
    const AstNode *d = m->ast->list.items[i];
    ops += d->kind == AST_OP;
    models += d->kind == AST_MODEL;
    imports += d->kind == AST_IMPORT;
  }
  printf("%s: %d op%s, %d model%s, %d import%s\n", m->name, ops, plural(ops), models,
         plural(models), imports, plural(imports));
  for (int i = 0; i < m->ast->list.n; i++) {
    const AstNode *d = m->ast->list.items[i];
    if (d->kind != AST_MODEL) continue;
    int params = 0, stmts = 0;
    int64_t weights = 0;
    for (int j = 0; j < d->list.n; j++) {
      const AstNode *s = d->list.items[j];
      if (s->kind == AST_WEIGHT) {
        int64_t n = type_elems(s->sem);
        params++;
        weights = weights < 0 || n < 0 ? -1 : weights + n;
      }
      stmts += s->kind == AST_LET;
    }
    printf("  model %s(", d->name);
    print_sig(f, &d->params);
    printf(") -> (");
    print_sig(f, &d->results);
    printf("): %d param%s", params, plural(params));
    if (params && weights >= 0) printf(" (%lld weight%s)", (long long)weights, weights == 1 ? "" : "s");
    printf(", %d statement%s\n", stmts, plural(stmts));
  }
}

static int wants_ir(const Options *o) {
  return o->verify_each || o->dump_after || (o->emit && strcmp(o->emit, "ast"));
}

/* The graph IR of every op and model of the root module, in source order,
 * through the passes; printed for --emit=ir and --emit=classes. */
static void run_ir(Front *f, const Module *m, const Options *o) {
  IrCtx c;
  ir_ctx_init(&c, f);
  IrPassOpts po = {o->verify_each, o->dump_after, stdout};
  int printed = 0;
  for (int i = 0; i < m->ast->list.n && !diag_should_stop(&f->diag); i++) {
    const AstNode *d = m->ast->list.items[i];
    if ((d->kind != AST_OP && d->kind != AST_MODEL) || d->broken) continue;
    int ir = o->emit && !strcmp(o->emit, "ir");
    if (ir && printed++) fputs("\n", stdout); /* a blank line between graphs */
    IrGraph *g = ir_run_passes(&c, d, &po);
    if (!g || !o->emit) continue;
    if (ir) {
      ir_print(stdout, g);
    } else if (!strcmp(o->emit, "classes")) {
      ir_print_classes(stdout, g);
    }
  }
}

/* Runs the front end over one file; returns 1 when it had errors. */
static int run_file(const Options *o, const char *path) {
  Front f;
  front_init(&f, stderr);
  f.diag.max_errors = o->error_limit;
  for (int i = 0; i < o->includes.n; i++) front_add_include(&f, o->includes.items[i]);
  f.stdlib_dir = o->stdlib_dir ? o->stdlib_dir : default_stdlib();
  Module *m = front_load(&f, path);
  int ast = o->emit && !strcmp(o->emit, "ast");
  if (m && !ast) sema_check(&f, m);
  if (m && !ast && f.diag.errors == 0 && wants_ir(o)) run_ir(&f, m, o);
  int failed = !m || f.diag.errors > 0;
  if (!failed && ast) ast_dump(stdout, m->ast, &f.sm);
  if (!failed && o->summary) print_summary(&f, m);
  front_free(&f);
  return failed;
}

int main(int argc, char **argv) {
  Arena a;
  arena_init(&a);
  Options o;
  int rc = parse_args(argc, argv, &o, &a);
  if (rc == 0) {
    for (int i = 0; i < o.nfiles; i++) rc |= run_file(&o, o.files[i]);
  }
  arena_free(&a);
  return rc;
}
