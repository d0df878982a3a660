/* xgc.c -- the command-line driver: parses options, runs the front end and
 * prints what was asked for.  Exit status: 0 clean, 1 diagnostics, 2 usage. */
#include "config.h"
#include "backends/ref/ref.h"
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
    "       xgc run --ref FILE [run options]  run a model with the reference interpreter\n"
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
    "run options (docs/interpreter.md):\n"
    "  --ref                   the reference interpreter (the only back end for now)\n"
    "  --model NAME            the model to run (needed when FILE defines several)\n"
    "  --weights W.safetensors the params, by name\n"
    "  --input [NAME=]X.npy    an input (NAME may be left out for a single input)\n"
    "  -o [NAME=]Y.npy         where an output goes (NAME may be left out for one output);\n"
    "                          without -o, a summary of every output is printed\n"
    "  --random-inputs SEED    inputs not given take pseudo-random values (docs/random.md)\n"
    "  --random-weights SEED   every param takes pseudo-random values (no --weights)\n"
    "  --threads N             threads for large statements (default: the CPUs, at most 8)\n"
    "\n"
    "Not implemented yet: code generation, `xgc build/bench`, and `xgc run` without\n"
    "--ref (see README.md).\n";

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

static int run_command(int argc, char **argv);

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "run")) return run_command(argc, argv);
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

/* ================================================================ xgc run
 *
 * `xgc run --ref FILE ...`: loads and checks FILE, builds the graph of one
 * model, reads its inputs (.npy) and params (safetensors) or makes them
 * pseudo-random, runs the reference interpreter and writes the outputs. */

typedef struct RunOpts {
  int ref, threads, error_limit;
  const char *file, *model, *weights, *stdlib_dir;
  int rand_inputs, rand_weights;
  uint64_t seed_inputs, seed_weights;
  PtrVec includes, inputs, outputs; /* const char*: "-I" dirs, "[NAME=]FILE" specs */
} RunOpts;

/* A seed: a decimal or 0x-hex unsigned 64-bit integer. */
static int parse_seed(const char *s, uint64_t *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 0);
  if (!*s || *end || errno || *s == '-') return -1;
  *v = x;
  return 0;
}

/* The value of option argv[*i]: after '=' in it, or the next argument. */
static const char *opt_value(int argc, char **argv, int *i, const char *name) {
  size_t n = strlen(name);
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (*i + 1 < argc) return argv[++*i];
  usage_error("%s needs a value", name);
  return NULL;
}

static int is_opt(const char *s, const char *name) {
  size_t n = strlen(name);
  return !strncmp(s, name, n) && (s[n] == 0 || s[n] == '=');
}

static int run_parse_seed_opt(int argc, char **argv, int *i, const char *name, int *flag, uint64_t *seed) {
  const char *v = opt_value(argc, argv, i, name);
  if (!v) return 2;
  if (parse_seed(v, seed)) return usage_error("bad %s '%s' (an unsigned integer)", name, v);
  *flag = 1;
  return 0;
}

static int run_parse_opt(int argc, char **argv, int *i, RunOpts *o, Arena *a) {
  const char *s = argv[*i], *v;
  if (!strcmp(s, "--ref")) o->ref = 1;
  else if (is_opt(s, "--model")) { if (!(o->model = opt_value(argc, argv, i, "--model"))) return 2; }
  else if (is_opt(s, "--weights")) { if (!(o->weights = opt_value(argc, argv, i, "--weights"))) return 2; }
  else if (is_opt(s, "--input")) {
    if (!(v = opt_value(argc, argv, i, "--input"))) return 2;
    vec_push(a, &o->inputs, (void *)v);
  } else if (is_opt(s, "-o")) {
    if (!(v = opt_value(argc, argv, i, "-o"))) return 2;
    vec_push(a, &o->outputs, (void *)v);
  } else if (is_opt(s, "--random-inputs"))
    return run_parse_seed_opt(argc, argv, i, "--random-inputs", &o->rand_inputs, &o->seed_inputs);
  else if (is_opt(s, "--random-weights"))
    return run_parse_seed_opt(argc, argv, i, "--random-weights", &o->rand_weights, &o->seed_weights);
  else if (is_opt(s, "--threads")) {
    if (!(v = opt_value(argc, argv, i, "--threads"))) return 2;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < 1 || n > 64) return usage_error("bad --threads '%s' (1 to 64)", v);
    o->threads = (int)n;
  } else if (!strcmp(s, "-I")) {
    if (++*i == argc) return usage_error("%s needs a directory", s);
    vec_push(a, &o->includes, argv[*i]);
  } else if (!strncmp(s, "-I", 2)) vec_push(a, &o->includes, (void *)(s + 2));
  else if (!strncmp(s, "--stdlib-dir=", 13)) o->stdlib_dir = s + 13;
  else if (!strncmp(s, "--error-limit=", 14)) {
    char *end;
    long n = strtol(s + 14, &end, 10);
    if (*end || end == s + 14 || n < 0 || n > 1000000) return usage_error("bad --error-limit '%s'", s + 14);
    o->error_limit = (int)n;
  }
  else if (s[0] == '-' && s[1]) return usage_error("unknown option '%s' for 'xgc run'", s);
  else if (o->file) return usage_error("'xgc run' takes one file ('%s' and '%s' given)", o->file, s);
  else o->file = s;
  return 0;
}

static int run_parse_args(int argc, char **argv, RunOpts *o, Arena *a) {
  memset(o, 0, sizeof *o);
  o->error_limit = 20;
  for (int i = 2; i < argc; i++) {
    int rc = run_parse_opt(argc, argv, &i, o, a);
    if (rc) return rc;
  }
  if (!o->file) return usage_error("%s", "'xgc run' needs a file");
  if (!o->ref) {
    fprintf(stderr, "xgc: error: the CPU back end is not implemented yet (issue 4); "
                    "'xgc run --ref' runs the reference interpreter\n");
    return 2;
  }
  if (o->weights && o->rand_weights)
    return usage_error("%s", "--weights and --random-weights exclude each other");
  return 0;
}

/* "x, y, z": the names of n tensors. */
static const char *tensor_names(Arena *a, IrTensor *const *t, int n) {
  size_t len = 1;
  for (int i = 0; i < n; i++) len += strlen(t[i]->name) + 2;
  char *s = arena_alloc(a, len);
  for (int i = 0; i < n; i++) {
    if (i) strcat(s, ", ");
    strcat(s, t[i]->name);
  }
  return n ? s : "none";
}

/* The model to run: --model NAME, or the file's only model. */
static const AstNode *run_find_model(Front *f, const Module *m, const char *name) {
  const AstNode *found = NULL;
  char *list = arena_alloc(&f->arena, m->ast->list.n * (size_t)256 + 1);
  int n = 0;
  for (int i = 0; i < m->ast->list.n; i++) {
    const AstNode *d = m->ast->list.items[i];
    if (d->kind != AST_MODEL) continue;
    if (n++) strcat(list, ", ");
    strncat(list, d->name, 250);
    if (name ? !strcmp(d->name, name) : n == 1) found = d;
  }
  if (found && (name || n == 1)) return found;
  if (n == 0) diag_plain(&f->diag, DIAG_ERROR, "%s defines no model to run", m->name);
  else if (name) diag_plain(&f->diag, DIAG_ERROR, "%s has no model '%s' (its models: %s)", m->name, name, list);
  else diag_plain(&f->diag, DIAG_ERROR, "%s defines several models (%s): choose one with --model NAME", m->name, list);
  return NULL;
}

/* Splits "NAME=FILE" (or "FILE", name NULL) and finds NAME among ts. */
static int spec_target(Front *f, const char *spec, const char *what, const char *model,
                       IrTensor *const *ts, int n, const char **file) {
  const char *eq = strchr(spec, '=');
  *file = eq ? eq + 1 : spec;
  if (!eq) {
    if (n == 1) return 0;
    diag_plain(&f->diag, DIAG_ERROR, "model '%s' has %d %ss (%s): write %s NAME=%s", model, n, what,
               tensor_names(&f->arena, ts, n), strcmp(what, "input") ? "-o" : "--input", spec);
    return -1;
  }
  for (int i = 0; i < n; i++)
    if (strlen(ts[i]->name) == (size_t)(eq - spec) && !strncmp(ts[i]->name, spec, (size_t)(eq - spec)))
      return i;
  diag_plain(&f->diag, DIAG_ERROR, "model '%s' has no %s '%.*s' (its %ss: %s)", model, what,
             (int)(eq - spec), spec, what, tensor_names(&f->arena, ts, n));
  return -1;
}

/* What one run holds: the graph and the tensors it reads and writes. */
typedef struct RunState {
  Front *f;
  IrCtx c;
  const IrGraph *g;
  RtTensor *in, *w, *out; /* by graph position; data NULL where absent */
  const char **in_from, **w_from, **out_file;
  RtSafetensors *st;
} RunState;

static int run_read_inputs(RunState *r, const RunOpts *o) {
  const IrGraph *g = r->g;
  for (int i = 0; i < o->inputs.n; i++) {
    const char *file, *spec = o->inputs.items[i];
    int k = spec_target(r->f, spec, "input", g->name, g->inputs, g->ninputs, &file);
    if (k < 0) return -1;
    if (r->in_from[k]) {
      diag_plain(&r->f->diag, DIAG_ERROR, "input '%s' is given twice ('%s' and '%s')", g->inputs[k]->name,
                 r->in_from[k], file);
      return -1;
    }
    char err[512];
    if (rt_npy_read(file, &r->in[k], err, sizeof err)) {
      diag_plain(&r->f->diag, DIAG_ERROR, "%s", err);
      return -1;
    }
    r->in_from[k] = file;
  }
  return 0;
}

/* Inputs not given: random with --random-inputs; else ref_run reports
 * them missing, with the hint in in_from. */
static int run_fill_inputs(RunState *r, const RunOpts *o) {
  const IrGraph *g = r->g;
  const RtTensor **given = arena_alloc(&r->f->arena, sizeof(RtTensor *) * (size_t)(g->ninputs + 1));
  int errors = 0;
  for (int i = 0; i < g->ninputs; i++) given[i] = r->in[i].data ? &r->in[i] : NULL;
  for (int i = 0; i < g->ninputs; i++) {
    const IrTensor *t = g->inputs[i];
    if (r->in[i].data) continue;
    if (!o->rand_inputs) {
      r->in_from[i] = arena_printf(&r->f->arena, "give --input %s=FILE.npy or --random-inputs SEED",
                                   t->name);
      continue;
    }
    int64_t shape[RT_MAX_RANK];
    char err[256];
    if (t->rank > RT_MAX_RANK || ref_shape(&r->c, g, given, t, shape) < 0 ||
        rt_tensor_alloc(&r->in[i], (RtDType)ref_dtype_of(t->elem), t->rank, shape, err, sizeof err)) {
      errors++;
      continue;
    }
    rt_fill_random(&r->in[i], o->seed_inputs, t->name);
    r->in_from[i] = "--random-inputs";
  }
  return errors ? -1 : 0;
}

/* Params from the safetensors file (extra tensors are warned about) or
 * pseudo-random; a missing one is reported by ref_run. */
static int run_weights(RunState *r, const RunOpts *o) {
  const IrGraph *g = r->g;
  char err[512];
  int errors = 0;
  if (o->weights && !(r->st = rt_st_open(o->weights, err, sizeof err))) {
    diag_plain(&r->f->diag, DIAG_ERROR, "%s", err);
    return -1;
  }
  for (int i = 0; i < g->nweights; i++) {
    const IrTensor *t = g->weights[i];
    const RtTensor *x = r->st ? rt_st_find(r->st, t->name) : NULL;
    if (x) {
      r->w[i] = *x, r->w[i].owned = 0, r->w_from[i] = o->weights;
    } else if (o->rand_weights) {
      int64_t shape[RT_MAX_RANK];
      if (t->rank > RT_MAX_RANK || ref_shape(&r->c, g, NULL, t, shape) < 0 ||
          rt_tensor_alloc(&r->w[i], (RtDType)ref_dtype_of(t->elem), t->rank, shape, err, sizeof err)) {
        errors++;
        continue;
      }
      rt_fill_random_weight(&r->w[i], o->seed_weights, t->name);
      r->w_from[i] = "--random-weights";
    } else { /* ref_run reports it missing, with this hint */
      r->w_from[i] = o->weights ? arena_printf(&r->f->arena, "not in %s", o->weights)
                                : "give --weights FILE.safetensors or --random-weights SEED";
    }
  }
  for (int i = 0; r->st && i < rt_st_count(r->st); i++) {
    const char *name = rt_st_name(r->st, i);
    int used = 0;
    for (int k = 0; k < g->nweights; k++) used |= !strcmp(g->weights[k]->name, name);
    if (!used) diag_plain(&r->f->diag, DIAG_WARNING, "%s: tensor '%s' is not a param of model '%s'",
                          o->weights, name, g->name);
  }
  return errors ? -1 : 0;
}

static int run_output_files(RunState *r, const RunOpts *o) {
  const IrGraph *g = r->g;
  for (int i = 0; i < o->outputs.n; i++) {
    const char *file, *spec = o->outputs.items[i];
    int k = spec_target(r->f, spec, "output", g->name, g->outputs, g->noutputs, &file);
    if (k < 0) return -1;
    if (r->out_file[k]) {
      diag_plain(&r->f->diag, DIAG_ERROR, "output '%s' is asked for twice", g->outputs[k]->name);
      return -1;
    }
    r->out_file[k] = file;
  }
  return 0;
}

/* Without -o: "y: f32[1, 10] = [0.25, -1.5, ...]" (at most 8 values). */
static void run_print_output(const IrTensor *t, const RtTensor *x) {
  printf("%s: %s[", t->name, rt_dtype_name(x->dtype));
  for (int d = 0; d < x->rank; d++) printf("%s%lld", d ? ", " : "", (long long)x->shape[d]);
  printf("] = [");
  int64_t n = rt_tensor_elems(x);
  for (int64_t i = 0; i < n && i < 8; i++) {
    double v = 0;
    const unsigned char *p = x->data;
    switch (x->dtype) {
    case RT_F32: { float f; memcpy(&f, p + 4 * i, 4); v = f; break; }
    case RT_F16: { uint16_t h; memcpy(&h, p + 2 * i, 2); v = rt_f16_to_f32(h); break; }
    case RT_I32: { int32_t k; memcpy(&k, p + 4 * i, 4); v = k; break; }
    case RT_I8: v = (int8_t)p[i]; break;
    case RT_BOOL: v = p[i]; break;
    case RT__COUNT: break;
    }
    printf("%s%.9g", i ? ", " : "", v);
  }
  printf("%s]\n", n > 8 ? ", ..." : "");
}

static int run_write_outputs(RunState *r, const RunOpts *o) {
  const IrGraph *g = r->g;
  for (int i = 0; i < g->noutputs; i++) {
    char err[512];
    if (!o->outputs.n) run_print_output(g->outputs[i], &r->out[i]);
    if (!r->out_file[i]) continue;
    if (rt_npy_write(r->out_file[i], &r->out[i], err, sizeof err)) {
      diag_plain(&r->f->diag, DIAG_ERROR, "%s", err);
      return -1;
    }
  }
  return 0;
}

static int run_graph(RunState *r, const RunOpts *o) {
  const IrGraph *g = r->g;
  Arena *a = &r->f->arena;
  r->in = arena_alloc(a, sizeof(RtTensor) * (size_t)(g->ninputs + 1));
  r->w = arena_alloc(a, sizeof(RtTensor) * (size_t)(g->nweights + 1));
  r->out = arena_alloc(a, sizeof(RtTensor) * (size_t)(g->noutputs + 1));
  r->in_from = arena_alloc(a, sizeof(char *) * (size_t)(g->ninputs + 1));
  r->w_from = arena_alloc(a, sizeof(char *) * (size_t)(g->nweights + 1));
  r->out_file = arena_alloc(a, sizeof(char *) * (size_t)(g->noutputs + 1));
  if (run_output_files(r, o) || run_read_inputs(r, o)) return 1;
  int bad = run_fill_inputs(r, o);
  if (run_weights(r, o) || bad) return 1;
  const RtTensor **ins = arena_alloc(a, sizeof(RtTensor *) * (size_t)(g->ninputs + 1));
  const RtTensor **ws = arena_alloc(a, sizeof(RtTensor *) * (size_t)(g->nweights + 1));
  for (int i = 0; i < g->ninputs; i++) ins[i] = r->in[i].data ? &r->in[i] : NULL;
  for (int i = 0; i < g->nweights; i++) ws[i] = r->w[i].data ? &r->w[i] : NULL;
  RefArgs args = {.inputs = ins, .input_from = r->in_from, .weights = ws, .weight_from = r->w_from,
                  .threads = o->threads};
  if (ref_run(&r->c, g, &args, r->out)) return 1;
  return run_write_outputs(r, o) ? 1 : 0;
}

static void run_free(RunState *r) {
  for (int i = 0; r->g && r->in && i < r->g->ninputs; i++) rt_tensor_free(&r->in[i]);
  for (int i = 0; r->g && r->w && i < r->g->nweights; i++)
    if (r->w[i].owned) rt_tensor_free(&r->w[i]);
  for (int i = 0; r->g && r->out && i < r->g->noutputs; i++) rt_tensor_free(&r->out[i]);
  if (r->st) rt_st_close(r->st);
}

static int run_file_ref(const RunOpts *o) {
  Front f;
  front_init(&f, stderr);
  f.diag.max_errors = o->error_limit;
  for (int i = 0; i < o->includes.n; i++) front_add_include(&f, o->includes.items[i]);
  f.stdlib_dir = o->stdlib_dir ? o->stdlib_dir : default_stdlib();
  RunState r = {.f = &f};
  int rc = 1;
  Module *m = front_load(&f, o->file);
  if (m && sema_check(&f, m) == 0 && f.diag.errors == 0) {
    const AstNode *model = run_find_model(&f, m, o->model);
    if (model) {
      ir_ctx_init(&r.c, &f);
      IrGraph *g = ir_build_model(&r.c, model);
      r.g = g && f.diag.errors == 0 && ir_verify(&r.c, g) == 0 ? g : NULL;
      if (r.g) rc = run_graph(&r, o);
    }
  }
  run_free(&r);
  front_free(&f);
  return rc;
}

/* `xgc run ...`: exit 0, 1 (diagnostics, a failed run) or 2 (usage). */
static int run_command(int argc, char **argv) {
  Arena a;
  arena_init(&a);
  RunOpts o;
  int rc = run_parse_args(argc, argv, &o, &a);
  if (rc == 0) rc = run_file_ref(&o);
  arena_free(&a);
  return rc;
}
