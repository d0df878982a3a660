/* driver/run.c -- `xgc run [--ref] FILE ...`: loads and checks FILE, builds
 * the graph of one model, reads its inputs (.npy) and params (safetensors)
 * or makes them pseudo-random, runs it -- compiled for the CPU and loaded
 * through the runtime (xg.h), or with the reference interpreter (--ref) --
 * and writes the outputs. */
#include "driver/driver.h"
#include "backends/ref/ref.h"
#include "runtime/xg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct RunOpts {
  int ref, threads;
  const char *file, *model, *weights;
  int rand_inputs, rand_weights;
  uint64_t seed_inputs, seed_weights;
  PtrVec inputs, outputs; /* const char*: "[NAME=]FILE" specs */
  FrontOpts fo;
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

static int run_parse_seed_opt(int argc, char **argv, int *i, const char *name, int *flag,
                              uint64_t *seed) {
  const char *v = opt_value(argc, argv, i, name);
  if (!v) return 2;
  if (parse_seed(v, seed)) return usage_error("bad %s '%s' (an unsigned integer)", name, v);
  *flag = 1;
  return 0;
}

static int run_parse_opt(int argc, char **argv, int *i, RunOpts *o, Arena *a) {
  const char *s = argv[*i], *v;
  int rc;
  if (!strcmp(s, "--ref")) o->ref = 1;
  else if (is_opt(s, "--model")) {
    if (!(o->model = opt_value(argc, argv, i, "--model"))) return 2;
  } else if (is_opt(s, "--weights")) {
    if (!(o->weights = opt_value(argc, argv, i, "--weights"))) return 2;
  } else if (is_opt(s, "--input")) {
    if (!(v = opt_value(argc, argv, i, "--input"))) return 2;
    vec_push(a, &o->inputs, (void *)v);
  } else if (is_opt(s, "-o")) {
    if (!(v = opt_value(argc, argv, i, "-o"))) return 2;
    vec_push(a, &o->outputs, (void *)v);
  } else if (is_opt(s, "--random-inputs"))
    return run_parse_seed_opt(argc, argv, i, "--random-inputs", &o->rand_inputs, &o->seed_inputs);
  else if (is_opt(s, "--random-weights"))
    return run_parse_seed_opt(argc, argv, i, "--random-weights", &o->rand_weights,
                              &o->seed_weights);
  else if (is_opt(s, "--threads")) {
    if (!(v = opt_value(argc, argv, i, "--threads"))) return 2;
    long n = opt_count("--threads", v, 64);
    if (n < 0) return 2;
    o->threads = (int)n;
  } else if (front_opt(argc, argv, i, &o->fo, a, &rc)) return rc;
  else if (s[0] == '-' && s[1]) return usage_error("unknown option '%s' for 'xgc run'", s);
  else if (o->file)
    return usage_error("'xgc run' takes one file ('%s' and '%s' given)", o->file, s);
  else o->file = s;
  return 0;
}

static int run_parse_args(int argc, char **argv, RunOpts *o, Arena *a) {
  memset(o, 0, sizeof *o);
  front_opts_init(&o->fo);
  for (int i = 2; i < argc; i++) {
    int rc = run_parse_opt(argc, argv, &i, o, a);
    if (rc) return rc;
  }
  if (!o->file) return usage_error("%s", "'xgc run' needs a file");
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
    if (strlen(ts[i]->name) == (size_t)(eq - spec) &&
        !strncmp(ts[i]->name, spec, (size_t)(eq - spec)))
      return i;
  diag_plain(&f->diag, DIAG_ERROR, "model '%s' has no %s '%.*s' (its %ss: %s)", model, what,
             (int)(eq - spec), spec, what, tensor_names(&f->arena, ts, n));
  return -1;
}

/* What one run holds: the graph and the tensors it reads and writes. */
typedef struct RunState {
  Pipeline *pl;
  Front *f;
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
      diag_plain(&r->f->diag, DIAG_ERROR, "input '%s' is given twice ('%s' and '%s')",
                 g->inputs[k]->name, r->in_from[k], file);
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

/* Inputs not given: random with --random-inputs; else the check reports
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
      r->in_from[i] =
          arena_printf(&r->f->arena, "give --input %s=FILE.npy or --random-inputs SEED", t->name);
      continue;
    }
    int64_t shape[RT_MAX_RANK];
    char err[256];
    if (t->rank > RT_MAX_RANK || ref_shape(&r->pl->c, g, given, t, shape) < 0 ||
        rt_tensor_alloc(&r->in[i], (RtDType)ref_dtype_of(t->elem), t->rank, shape, err,
                        sizeof err)) {
      errors++;
      continue;
    }
    rt_fill_random(&r->in[i], o->seed_inputs, t->name);
    r->in_from[i] = "--random-inputs";
  }
  return errors ? -1 : 0;
}

/* Params from the safetensors file (extra tensors are warned about) or
 * pseudo-random; a missing one is reported by the check. */
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
      if (t->rank > RT_MAX_RANK || ref_shape(&r->pl->c, g, NULL, t, shape) < 0 ||
          rt_tensor_alloc(&r->w[i], (RtDType)ref_dtype_of(t->elem), t->rank, shape, err,
                          sizeof err)) {
        errors++;
        continue;
      }
      rt_fill_random_weight(&r->w[i], o->seed_weights, t->name);
      r->w_from[i] = "--random-weights";
    } else { /* reported missing, with this hint */
      r->w_from[i] = o->weights ? arena_printf(&r->f->arena, "not in %s", o->weights)
                                : "give --weights FILE.safetensors or --random-weights SEED";
    }
  }
  for (int i = 0; r->st && i < rt_st_count(r->st); i++) {
    const char *name = rt_st_name(r->st, i);
    int used = 0;
    for (int k = 0; k < g->nweights; k++) used |= !strcmp(g->weights[k]->name, name);
    if (!used)
      diag_plain(&r->f->diag, DIAG_WARNING, "%s: tensor '%s' is not a param of model '%s'",
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
    case RT_F32: {
      float f;
      memcpy(&f, p + 4 * i, 4);
      v = f;
      break;
    }
    case RT_F16: {
      uint16_t h;
      memcpy(&h, p + 2 * i, 2);
      v = rt_f16_to_f32(h);
      break;
    }
    case RT_I32: {
      int32_t k;
      memcpy(&k, p + 4 * i, 4);
      v = k;
      break;
    }
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

/* --------------------------------------------------------- the CPU path */

/* Checks one given input or weight against its buffer, as ref_run does. */
static int cpu_check_given(RunState *r, const IrTensor *t, const LoopBuf *b, const RtTensor *x,
                           const char *from) {
  Arena *a = &r->f->arena;
  const char *kind = t->kind == IR_WEIGHT ? "param" : "input";
  if (!x || !x->data) {
    diag_error(&r->f->diag, t->loc, "%s '%s' of model '%s' is missing%s: expected %s", kind,
               t->name, r->g->name, from ? arena_printf(a, " (%s)", from) : "", buf_type_str(a, b));
    return 1;
  }
  int ok = ref_dtype_of(t->elem) == (int)x->dtype && x->rank == b->rank;
  for (int k = 0; ok && k < b->rank; k++) ok = x->shape[k] == b->shape[k];
  if (ok) return 0;
  LoopBuf given = {.elem = t->elem, .rank = x->rank, .shape = x->shape};
  const char *gs = buf_type_str(a, &given);
  gs = arena_printf(a, "%s%s", rt_dtype_name(x->dtype), strchr(gs, '['));
  diag_error(&r->f->diag, t->loc, "%s '%s'%s: expected %s, given %s", kind, t->name,
             from ? arena_printf(a, " (from %s)", from) : "", buf_type_str(a, b), gs);
  return 1;
}

static int cpu_check(RunState *r) {
  const LoopProgram *p = r->pl->p;
  int errors = 0;
  for (int i = 0; i < r->g->ninputs; i++)
    errors += cpu_check_given(r, r->g->inputs[i], p->bufs[p->inputs[i]], &r->in[i], r->in_from[i]);
  for (int i = 0; i < r->g->nweights; i++)
    errors += cpu_check_given(r, r->g->weights[i], p->bufs[p->weights[i]], &r->w[i], r->w_from[i]);
  return errors;
}

/* The weights file to load: --weights as given, else the random params
 * written to a temporary file. */
static const char *cpu_weights_file(RunState *r, const RunOpts *o) {
  const IrGraph *g = r->g;
  if (g->nweights == 0) return NULL;
  if (o->weights && !o->rand_weights) return o->weights;
  const char *path = pipeline_temp(r->pl, "weights.safetensors");
  if (!path) return NULL;
  const char **names = arena_alloc(&r->f->arena, sizeof(char *) * (size_t)g->nweights);
  const RtTensor **ts = arena_alloc(&r->f->arena, sizeof(RtTensor *) * (size_t)g->nweights);
  for (int i = 0; i < g->nweights; i++) names[i] = g->weights[i]->name, ts[i] = &r->w[i];
  char err[512];
  if (rt_st_write(path, g->nweights, names, ts, err, sizeof err)) {
    diag_plain(&r->f->diag, DIAG_ERROR, "%s", err);
    return NULL;
  }
  return path;
}

/* "... failed with code N": the meaning of N (loop.h). */
static void cpu_run_failed(RunState *r, const char *msg) {
  const char *c = strstr(msg, "code ");
  int code = c ? atoi(c + 5) : 0;
  if (code)
    diag_plain(&r->f->diag, DIAG_ERROR,
               "model '%s' failed at run time: %s (xgc run --ref locates it)", r->g->name,
               loop_run_error(code));
  else diag_plain(&r->f->diag, DIAG_ERROR, "%s", msg);
}

static int cpu_alloc_outputs(RunState *r) {
  const LoopProgram *p = r->pl->p;
  for (int i = 0; i < p->noutputs; i++) {
    const LoopBuf *b = p->bufs[p->outputs[i]];
    char err[256];
    if (rt_tensor_alloc(&r->out[i], (RtDType)ref_dtype_of(b->elem), b->rank, b->shape, err,
                        sizeof err)) {
      diag_plain(&r->f->diag, DIAG_ERROR, "output '%s': %s", b->name, err);
      return -1;
    }
  }
  return 0;
}

static int run_cpu(RunState *r, const RunOpts *o) {
  Pipeline *pl = r->pl;
  if (cpu_check(r)) return 1;
  const char *so = pipeline_temp(pl, "model.so");
  if (!so || pipeline_library(pl, so, NULL)) return 1;
  const char *wfile = cpu_weights_file(r, o);
  if (r->g->nweights && !wfile) return 1;
  xg_options opts = {.threads = o->threads};
  xg_model *m;
  if (xg_model_load(so, wfile, &opts, &m) != XG_OK) {
    diag_plain(&r->f->diag, DIAG_ERROR, "%s", xg_last_error());
    return 1;
  }
  const void **ins = arena_alloc(&r->f->arena, sizeof(void *) * (size_t)(r->g->ninputs + 1));
  void **outs = arena_alloc(&r->f->arena, sizeof(void *) * (size_t)(r->g->noutputs + 1));
  int rc = cpu_alloc_outputs(r);
  for (int i = 0; i < r->g->ninputs; i++) ins[i] = r->in[i].data;
  for (int i = 0; i < r->g->noutputs; i++) outs[i] = r->out[i].data;
  if (!rc && xg_model_run(m, ins, (void *const *)outs) != XG_OK) {
    cpu_run_failed(r, xg_last_error());
    rc = -1;
  }
  xg_model_free(m);
  return rc || run_write_outputs(r, o) ? 1 : 0;
}

/* --------------------------------------------------------- the ref path */

static int run_ref(RunState *r, const RunOpts *o) {
  const IrGraph *g = r->g;
  Arena *a = &r->f->arena;
  const RtTensor **ins = arena_alloc(a, sizeof(RtTensor *) * (size_t)(g->ninputs + 1));
  const RtTensor **ws = arena_alloc(a, sizeof(RtTensor *) * (size_t)(g->nweights + 1));
  for (int i = 0; i < g->ninputs; i++) ins[i] = r->in[i].data ? &r->in[i] : NULL;
  for (int i = 0; i < g->nweights; i++) ws[i] = r->w[i].data ? &r->w[i] : NULL;
  RefArgs args = {.inputs = ins,
                  .input_from = r->in_from,
                  .weights = ws,
                  .weight_from = r->w_from,
                  .threads = o->threads};
  if (ref_run(&r->pl->c, g, &args, r->out)) return 1;
  return run_write_outputs(r, o) ? 1 : 0;
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
  if (!o->ref && pipeline_lower(r->pl, &o->fo)) return 1; /* what it cannot compile, first */
  if (run_output_files(r, o) || run_read_inputs(r, o)) return 1;
  int bad = run_fill_inputs(r, o);
  if (run_weights(r, o) || bad) return 1;
  return o->ref ? run_ref(r, o) : run_cpu(r, o);
}

static void run_free(RunState *r) {
  for (int i = 0; r->g && r->in && i < r->g->ninputs; i++) rt_tensor_free(&r->in[i]);
  for (int i = 0; r->g && r->w && i < r->g->nweights; i++)
    if (r->w[i].owned) rt_tensor_free(&r->w[i]);
  for (int i = 0; r->g && r->out && i < r->g->noutputs; i++) rt_tensor_free(&r->out[i]);
  if (r->st) rt_st_close(r->st);
}

static int run_file(const RunOpts *o) {
  Pipeline pl;
  pipeline_init(&pl);
  RunState r = {.pl = &pl, .f = &pl.f};
  int rc = 1;
  if (pipeline_load(&pl, &o->fo, o->file, o->model) == 0) {
    r.g = pl.g;
    rc = run_graph(&r, o);
  }
  run_free(&r);
  pipeline_free(&pl);
  return rc;
}

int run_command(int argc, char **argv) {
  Arena a;
  arena_init(&a);
  RunOpts o;
  int rc = run_parse_args(argc, argv, &o, &a);
  if (rc == 0) rc = run_file(&o);
  arena_free(&a);
  return rc;
}
