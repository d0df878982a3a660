/* driver/data.c -- deterministic data for a model: `xgc weights FILE
 * [--model NAME] [--seed N] -o W.safetensors` and `xgc inputs FILE
 * [--model NAME] [--seed N] -o DIR` write the same pseudo-random values as
 * `xgc run --random-weights N` / `--random-inputs N` (docs/random.md) as
 * files; and the checksum of a tensor that `xgc run --checksum` prints. */
#include "driver/driver.h"
#include "backends/ref/ref.h"
#include "lang/fnv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------- checksum */

static double elem_value(const RtTensor *x, int64_t i) {
  const unsigned char *p = x->data;
  switch (x->dtype) {
  case RT_F32: {
    float f;
    memcpy(&f, p + 4 * i, 4);
    return f;
  }
  case RT_F16: {
    uint16_t h;
    memcpy(&h, p + 2 * i, 2);
    return rt_f16_to_f32(h);
  }
  case RT_I32: {
    int32_t k;
    memcpy(&k, p + 4 * i, 4);
    return k;
  }
  case RT_I8: return (int8_t)p[i];
  case RT_BOOL: return p[i];
  case RT__COUNT: break;
  }
  return 0;
}

void print_checksum(const char *name, const RtTensor *x) {
  double sum = 0, abs_sum = 0;
  int64_t n = rt_tensor_elems(x);
  for (int64_t i = 0; i < n; i++) {
    double v = elem_value(x, i);
    sum += v;
    abs_sum += v < 0 ? -v : v;
  }
  uint64_t h = fnv1a64(x->data, x->nbytes);
  printf("%s: %s[", name, rt_dtype_name(x->dtype));
  for (int d = 0; d < x->rank; d++) printf("%s%lld", d ? ", " : "", (long long)x->shape[d]);
  printf("] sum=%.9g abs=%.9g fnv1a64=%016llx\n", sum, abs_sum, (unsigned long long)h);
}

/* ---------------------------------------------------------------- options */

typedef struct DataOpts {
  const char *cmd; /* "weights" or "inputs" */
  const char *file, *model, *out;
  uint64_t seed;
  FrontOpts fo;
} DataOpts;

static int data_parse(int argc, char **argv, DataOpts *o, Arena *a) {
  memset(o, 0, sizeof *o);
  front_opts_init(&o->fo);
  o->cmd = argv[1];
  o->seed = 1;
  for (int i = 2; i < argc; i++) {
    const char *s = argv[i], *v;
    int rc;
    if (is_opt(s, "--model")) {
      if (!(o->model = opt_value(argc, argv, &i, "--model"))) return 2;
    } else if (is_opt(s, "-o")) {
      if (!(o->out = opt_value(argc, argv, &i, "-o"))) return 2;
    } else if (is_opt(s, "--seed")) {
      char *end;
      if (!(v = opt_value(argc, argv, &i, "--seed"))) return 2;
      errno = 0;
      unsigned long long x = strtoull(v, &end, 0);
      if (!*v || *end || errno || *v == '-')
        return usage_error("bad --seed '%s' (an unsigned integer)", v);
      o->seed = x;
    } else if (front_opt(argc, argv, &i, &o->fo, a, &rc)) {
      if (rc) return rc;
    } else if (s[0] == '-' && s[1]) {
      return usage_error("unknown option '%s' for 'xgc %s'", s, o->cmd);
    } else if (o->file) {
      return usage_error("'xgc %s' takes one file ('%s' and '%s' given)", o->cmd, o->file, s);
    } else {
      o->file = s;
    }
  }
  if (!o->file) return usage_error("'xgc %s' needs a file", o->cmd);
  if (!o->out)
    return usage_error("'xgc %s' needs -o %s", o->cmd,
                       strcmp(o->cmd, "weights") ? "DIR" : "FILE.safetensors");
  return 0;
}

/* ---------------------------------------------------------------- writing */

/* A tensor shaped like t (constant shapes only), filled for `seed`. */
static int make_tensor(Pipeline *pl, const IrTensor *t, uint64_t seed, RtTensor *x) {
  int64_t shape[RT_MAX_RANK];
  char err[256];
  if (t->rank > RT_MAX_RANK || ref_shape(&pl->c, pl->g, NULL, t, shape) < 0) return 1;
  if (rt_tensor_alloc(x, (RtDType)ref_dtype_of(t->elem), t->rank, shape, err, sizeof err)) {
    diag_plain(&pl->f.diag, DIAG_ERROR, "%s '%s': %s", t->kind == IR_WEIGHT ? "param" : "input",
               t->name, err);
    return 1;
  }
  if (t->kind == IR_WEIGHT) rt_fill_random_weight(x, seed, t->name);
  else rt_fill_random(x, seed, t->name);
  return 0;
}

static int write_weights(Pipeline *pl, const DataOpts *o) {
  const IrGraph *g = pl->g;
  Arena *a = &pl->f.arena;
  RtTensor *ts = arena_alloc(a, sizeof *ts * (size_t)(g->nweights + 1));
  const RtTensor **tp = arena_alloc(a, sizeof *tp * (size_t)(g->nweights + 1));
  const char **names = arena_alloc(a, sizeof *names * (size_t)(g->nweights + 1));
  int rc = 0, made = 0;
  while (made < g->nweights && !(rc = make_tensor(pl, g->weights[made], o->seed, &ts[made]))) {
    tp[made] = &ts[made], names[made] = g->weights[made]->name;
    made++;
  }
  char err[512];
  if (!rc && rt_st_write(o->out, g->nweights, names, tp, err, sizeof err)) {
    diag_plain(&pl->f.diag, DIAG_ERROR, "%s", err);
    rc = 1;
  }
  for (int i = 0; i < made; i++) rt_tensor_free(&ts[i]);
  if (!rc)
    printf("%s: %d param%s of model '%s', seed %llu\n", o->out, g->nweights,
           g->nweights == 1 ? "" : "s", g->name, (unsigned long long)o->seed);
  return rc;
}

/* Every input made first (a symbolic shape fails before anything is
 * written), then DIR (made if missing) and DIR/NAME.npy. */
static int write_inputs(Pipeline *pl, const DataOpts *o) {
  const IrGraph *g = pl->g;
  RtTensor *xs = arena_alloc(&pl->f.arena, sizeof *xs * (size_t)(g->ninputs + 1));
  int rc = 0, made = 0;
  while (made < g->ninputs && !(rc = make_tensor(pl, g->inputs[made], o->seed, &xs[made]))) made++;
  if (!rc && mkdir(o->out, 0777) != 0 && errno != EEXIST) {
    diag_plain(&pl->f.diag, DIAG_ERROR, "cannot make the directory '%s': %s", o->out,
               strerror(errno));
    rc = 1;
  }
  for (int i = 0; i < g->ninputs && !rc; i++) {
    char err[512];
    const char *path = arena_printf(&pl->f.arena, "%s/%s.npy", o->out, g->inputs[i]->name);
    if (rt_npy_write(path, &xs[i], err, sizeof err)) {
      diag_plain(&pl->f.diag, DIAG_ERROR, "%s", err);
      rc = 1;
    } else {
      printf("%s: input '%s' of model '%s', seed %llu\n", path, g->inputs[i]->name, g->name,
             (unsigned long long)o->seed);
    }
  }
  for (int i = 0; i < made; i++) rt_tensor_free(&xs[i]);
  return rc;
}

int data_command(int argc, char **argv) {
  Arena a;
  arena_init(&a);
  DataOpts o;
  int rc = data_parse(argc, argv, &o, &a);
  if (rc == 0) {
    Pipeline pl;
    pipeline_init(&pl);
    rc = pipeline_load(&pl, &o.fo, o.file, o.model);
    if (!rc) rc = strcmp(o.cmd, "weights") ? write_inputs(&pl, &o) : write_weights(&pl, &o);
    pipeline_free(&pl);
  }
  arena_free(&a);
  return rc;
}
