/* xgc.c -- the command-line driver: parses options, runs the front end and
 * prints what was asked for (check, --emit), or hands over to a command
 * (run, build, bench, cache: the other files of driver/).  Exit status: 0 clean, 1 diagnostics,
 * 2 usage. */
#include "config.h"
#include "driver/driver.h"
#include "sema/sema.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: xgc check [options] FILE...      check .xg files; exit 1 on errors\n"
    "       xgc --emit=KIND [options] FILE   print a stage of FILE: ast, ir, classes, loops,\n"
    "                                        llvm, opencl\n"
    "       xgc build FILE [--model NAME] -o MODEL.so [--cpu=CPU] [--target=opencl]\n"
    "                                        compile a model to a shared library and MODEL.h\n"
    "       xgc run [--ref] FILE [run options]  compile and run a model (--ref: interpret it)\n"
    "       xgc bench FILE [--model NAME] [--threads N] [--runs N] [--json] [--profile]\n"
    "                                        time a compiled model on random inputs and weights\n"
    "       xgc cache [--dir | --clear]      show or clear the OpenCL kernel-binary cache\n"
    "       xgc --help | --version\n"
    "\n"
    "options:\n"
    "  -I DIR             search DIR for imported modules (before the stdlib)\n"
    "  --stdlib-dir=DIR   the standard library directory (default: $XG_STDLIB_DIR,\n"
    "                     else the installed one)\n"
    "  --error-limit=N    stop after N errors (default 20; 0: no limit)\n"
    "  --summary          with check: print what each file defines\n"
    "  --verify-each      verify the graph IR after every pass (and the loop IR)\n"
    "  --dump-after=PASS  print the graph IR after PASS (build, classify)\n"
    "  --cpu=CPU          the CPU to compile for: native (default) or a name\n"
    "                     (x86-64-v3, haswell, skylake-avx512, ...; docs/cpu.md)\n"
    "  --target=T         cpu (default) or opencl: OpenCL C kernels run through the\n"
    "                     OpenCL ICD loader (docs/opencl.md)\n"
    "  --opencl-images=M  auto (default), on or off: 4-D tensors in image memory\n"
    "\n"
    "run options (docs/interpreter.md, docs/cpu.md):\n"
    "  --ref                   the reference interpreter instead of compiled code\n"
    "  --model NAME            the model to run (needed when FILE defines several)\n"
    "  --weights W.safetensors the params, by name\n"
    "  --input [NAME=]X.npy    an input (NAME may be left out for a single input)\n"
    "  -o [NAME=]Y.npy         where an output goes (NAME may be left out for one output);\n"
    "                          without -o, a summary of every output is printed\n"
    "  --random-inputs SEED    inputs not given take pseudo-random values (docs/random.md)\n"
    "  --random-weights SEED   every param takes pseudo-random values (no --weights)\n"
    "  --threads N             threads (default: $XG_NUM_THREADS, else the CPUs;\n"
    "                          --ref: the CPUs, at most 8)\n";

typedef struct Options {
  const char *emit;
  int check, summary;
  const char *dump_after;
  FrontOpts fo;
  const char **files;
  int nfiles;
} Options;

int usage_error(const char *fmt, ...) {
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
const char *default_stdlib(void) {
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

/* ---------------------------------------------------------- option helpers */

int is_opt(const char *s, const char *name) {
  size_t n = strlen(name);
  return !strncmp(s, name, n) && (s[n] == 0 || s[n] == '=');
}

const char *opt_value(int argc, char **argv, int *i, const char *name) {
  size_t n = strlen(name);
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (*i + 1 < argc) return argv[++*i];
  usage_error("%s needs a value", name);
  return NULL;
}

long opt_count(const char *name, const char *v, long max) {
  char *end;
  long n = strtol(v, &end, 10);
  if (*end || end == v || n < 1 || n > max) {
    usage_error("bad %s '%s' (1 to %ld)", name, v, max);
    return -1;
  }
  return n;
}

void front_opts_init(FrontOpts *o) {
  memset(o, 0, sizeof *o);
  o->error_limit = 20;
  o->cpu = "native";
}

int front_opt(int argc, char **argv, int *i, FrontOpts *o, Arena *a, int *rc) {
  const char *s = argv[*i];
  *rc = 0;
  if (!strcmp(s, "-I")) {
    if (++*i == argc) *rc = usage_error("%s needs a directory", s);
    else vec_push(a, &o->includes, argv[*i]);
  } else if (!strncmp(s, "-I", 2)) {
    vec_push(a, &o->includes, (void *)(s + 2));
  } else if (!strncmp(s, "--stdlib-dir=", 13)) {
    o->stdlib_dir = s + 13;
  } else if (!strncmp(s, "--error-limit=", 14)) {
    char *end;
    long v = strtol(s + 14, &end, 10);
    if (*end || end == s + 14 || v < 0 || v > 1000000)
      *rc = usage_error("bad --error-limit '%s'", s + 14);
    o->error_limit = (int)v;
  } else if (is_opt(s, "--cpu")) {
    if (!(o->cpu = opt_value(argc, argv, i, "--cpu"))) *rc = 2;
  } else if (!strcmp(s, "--verify-each")) {
    o->verify_each = 1;
  } else if (is_opt(s, "--target")) {
    const char *v = opt_value(argc, argv, i, "--target");
    if (!v) *rc = 2;
    else if (!strcmp(v, "cpu") || !strcmp(v, "opencl")) o->opencl = !strcmp(v, "opencl");
    else *rc = usage_error("unknown --target '%s' (cpu or opencl)", v);
  } else if (is_opt(s, "--opencl-images")) {
    const char *v = opt_value(argc, argv, i, "--opencl-images");
    if (!v) *rc = 2;
    else if (ocl_images_parse(v, &o->images))
      *rc = usage_error("bad --opencl-images '%s' (auto, on or off)", v);
  } else {
    return 0;
  }
  return 1;
}

void front_setup(Front *f, const FrontOpts *o) {
  f->diag.max_errors = o->error_limit;
  for (int i = 0; i < o->includes.n; i++) front_add_include(f, o->includes.items[i]);
  f->stdlib_dir = o->stdlib_dir ? o->stdlib_dir : default_stdlib();
}

/* ------------------------------------------------------- check and --emit */

static int known_emit(const char *e) {
  static const char *const kinds[] = {"ast", "ir", "classes", "loops", "llvm", "opencl"};
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (!strcmp(e, kinds[i])) return 1;
  return 0;
}

static int parse_arg(int argc, char **argv, int *i, Options *o, Arena *a) {
  const char *s = argv[*i];
  int rc;
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
    if (!known_emit(o->emit))
      return usage_error(
          "unknown --emit kind '%s' (this version knows: ast, ir, classes, loops, llvm, opencl)",
          o->emit);
  } else if (!strncmp(s, "--dump-after=", 13)) {
    o->dump_after = s + 13;
    if (!ir_pass_known(o->dump_after))
      return usage_error("unknown pass '%s' for --dump-after (the passes: %s)", o->dump_after,
                         ir_pass_names());
  } else if (front_opt(argc, argv, i, &o->fo, a, &rc)) {
    return rc;
  } else if (!strcmp(s, "--summary")) {
    o->summary = 1;
  } else if (s[0] == '-' && s[1]) {
    return usage_error("unknown option '%s'", s);
  } else {
    o->files[o->nfiles++] = s;
  }
  return 0;
}

static int parse_args(int argc, char **argv, Options *o, Arena *a) {
  memset(o, 0, sizeof *o);
  front_opts_init(&o->fo);
  o->files = arena_alloc(a, sizeof(char *) * (size_t)argc);
  for (int i = 1; i < argc; i++) {
    int rc = parse_arg(argc, argv, &i, o, a);
    if (rc) return rc;
  }
  if (!o->check && !o->emit)
    return usage_error(
        "%s", "nothing to do: give 'check', --emit=KIND, or a command (run, build, bench, cache)");
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
    if (params && weights >= 0)
      printf(" (%lld weight%s)", (long long)weights, weights == 1 ? "" : "s");
    printf(", %d statement%s\n", stmts, plural(stmts));
  }
}

static int wants_ir(const Options *o) {
  return o->fo.verify_each || o->dump_after || (o->emit && strcmp(o->emit, "ast"));
}

/* The graph IR of every op and model of the root module, in source order,
 * through the passes; printed for --emit=ir and --emit=classes. */
static void run_ir(Front *f, const Module *m, const Options *o) {
  IrCtx c;
  ir_ctx_init(&c, f);
  IrPassOpts po = {o->fo.verify_each, o->dump_after, stdout};
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

static int is_codegen_emit(const char *e) {
  return e && (!strcmp(e, "loops") || !strcmp(e, "llvm") || !strcmp(e, "opencl"));
}

/* Runs the front end over one file; returns 1 when it had errors. */
static int run_file(const Options *o, const char *path) {
  Front f;
  front_init(&f, stderr);
  front_setup(&f, &o->fo);
  Module *m = front_load(&f, path);
  int ast = o->emit && !strcmp(o->emit, "ast");
  if (m && !ast) sema_check(&f, m);
  if (m && !ast && f.diag.errors == 0 && is_codegen_emit(o->emit))
    emit_models(&f, m, &o->fo, o->emit);
  else if (m && !ast && f.diag.errors == 0 && wants_ir(o)) run_ir(&f, m, o);
  int failed = !m || f.diag.errors > 0;
  if (!failed && ast) ast_dump(stdout, m->ast, &f.sm);
  if (!failed && o->summary) print_summary(&f, m);
  front_free(&f);
  return failed;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "run")) return run_command(argc, argv);
  if (argc > 1 && !strcmp(argv[1], "build")) return build_command(argc, argv);
  if (argc > 1 && !strcmp(argv[1], "bench")) return bench_command(argc, argv);
  if (argc > 1 && !strcmp(argv[1], "cache")) return cache_command(argc, argv);
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
