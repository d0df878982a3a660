/* run.c -- ref_run: checks the inputs and weights against the graph, binds
 * the model's symbolic dims, evaluates the nodes in order (tensors held as
 * doubles, freed after their last reader) and rounds the outputs. */
#include "backends/ref/ref_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct Run {
  IrCtx *c;
  const IrGraph *g;
  DimBind *binds;
  int nbinds;
  double **gdata;   /* by tensor id */
  int64_t *gelems;  /* by tensor id: element count */
  int *last_use;    /* by tensor id: the last node that reads it, -1: none */
  int threads;
  int errors;
} Run;

int ref_default_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

int ref_dtype_of(ElemType e) {
  switch (e) {
  case ELEM_F32: return RT_F32;
  case ELEM_F16: return RT_F16;
  case ELEM_I32: return RT_I32;
  case ELEM_I8: return RT_I8;
  case ELEM_BOOL: return RT_BOOL;
  case ELEM_NONE:
  case ELEM_INT:
  case ELEM_FLOAT:
  case ELEM__COUNT:
    break;
  }
  return -1;
}

/* ------------------------------------------------------------- f16 */

static double half_to_double(uint16_t h) {
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m | 0x400, e - 25);
  return h & 0x8000 ? -v : v;
}

/* Round to nearest even, overflow to infinity, subnormals kept. */
static uint16_t double_to_half(double x) {
  uint16_t sign = signbit(x) ? 0x8000 : 0;
  double a = fabs(x);
  if (isnan(x)) return 0x7e00;
  if (a >= 65520.0) return sign | 0x7c00; /* rounds to infinity */
  if (a < ldexp(1, -14)) {                /* subnormal: units of 2^-24 */
    double q = nearbyint(a * ldexp(1, 24));
    return sign | (uint16_t)q; /* q == 1024 gives the smallest normal */
  }
  int e;
  double f = frexp(a, &e); /* a = f * 2^e, f in [0.5, 1) */
  double q = nearbyint(f * 2048.0); /* 11 significant bits */
  if (q == 2048.0) q = 1024.0, e++;
  uint16_t he = (uint16_t)(e - 1 + 15);
  if (he >= 31) return sign | 0x7c00;
  return sign | (uint16_t)(he << 10) | (uint16_t)((int)q - 1024);
}

/* ------------------------------------------------------- conversions */

static void to_double(const RtTensor *t, double *out, int64_t n) {
  const unsigned char *p = t->data;
  for (int64_t i = 0; i < n; i++) {
    switch (t->dtype) {
    case RT_F32: { float v; memcpy(&v, p + 4 * i, 4); out[i] = v; break; }
    case RT_F16: { uint16_t v; memcpy(&v, p + 2 * i, 2); out[i] = half_to_double(v); break; }
    case RT_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); out[i] = v; break; }
    case RT_I8: out[i] = (int8_t)p[i]; break;
    case RT_BOOL: out[i] = p[i] != 0; break;
    case RT__COUNT: break;
    }
  }
}

static void from_double(const double *in, RtTensor *t, int64_t n) {
  unsigned char *p = t->data;
  for (int64_t i = 0; i < n; i++) {
    switch (t->dtype) {
    case RT_F32: { float v = (float)in[i]; memcpy(p + 4 * i, &v, 4); break; }
    case RT_F16: { uint16_t v = double_to_half(in[i]); memcpy(p + 2 * i, &v, 2); break; }
    case RT_I32: { int32_t v = (int32_t)in[i]; memcpy(p + 4 * i, &v, 4); break; }
    case RT_I8: p[i] = (unsigned char)(int8_t)in[i]; break;
    case RT_BOOL: p[i] = in[i] != 0; break;
    case RT__COUNT: break;
    }
  }
}

/* --------------------------------------------------------------- shapes */

static const char *kind_word(const IrTensor *t) {
  return t->kind == IR_WEIGHT ? "param" : t->kind == IR_INPUT ? "input" : "output";
}

/* "f32[2, 784]" of a given tensor. */
static const char *given_str(Arena *a, const RtTensor *t) {
  char buf[400];
  size_t u = (size_t)snprintf(buf, sizeof buf, "%s[", rt_dtype_name(t->dtype));
  for (int d = 0; d < t->rank && u < sizeof buf; d++)
    u += (size_t)snprintf(buf + u, sizeof buf - u, "%s%lld", d ? ", " : "", (long long)t->shape[d]);
  if (u < sizeof buf) snprintf(buf + u, sizeof buf - u, "]");
  return arena_strndup(a, buf, strlen(buf));
}

/* "f32[2, 784]" of a graph tensor, the dims bound where they can be. */
static const char *expected_str(Run *r, const IrTensor *t) {
  char buf[400];
  size_t u = (size_t)snprintf(buf, sizeof buf, "%s[", elem_type_name(t->elem));
  for (int d = 0; d < t->rank && u < sizeof buf; d++) {
    int64_t v;
    const Dim *dim = t->dims[d].dim;
    if (ref_dim_value(r->c, r->binds, r->nbinds, dim, &v) == 0)
      u += (size_t)snprintf(buf + u, sizeof buf - u, "%s%lld", d ? ", " : "", (long long)v);
    else
      u += (size_t)snprintf(buf + u, sizeof buf - u, "%s%s", d ? ", " : "",
                            dim ? dim_str(r->c->arena, dim) : "...");
  }
  if (u < sizeof buf) snprintf(buf + u, sizeof buf - u, "]");
  return arena_strndup(r->c->arena, buf, strlen(buf));
}

/* Binds the graph's symbols that are a whole dim of a given input. */
static void bind_syms(Run *r, const RtTensor *const *inputs) {
  const IrGraph *g = r->g;
  r->binds = arena_alloc(r->c->arena, sizeof(DimBind) * (size_t)(g->nsyms + 1));
  r->nbinds = 0;
  for (int i = 0; i < g->ninputs && inputs; i++) {
    const IrTensor *t = g->inputs[i];
    const RtTensor *x = inputs[i];
    if (!x || x->rank != t->rank) continue;
    for (int d = 0; d < t->rank; d++) {
      const char *s = t->dims[d].dim ? dim_as_sym(t->dims[d].dim) : NULL;
      int known = 0;
      for (int b = 0; b < r->nbinds; b++) known |= r->binds[b].name == s;
      if (!s || known || r->nbinds >= g->nsyms) continue;
      r->binds[r->nbinds].name = s;
      r->binds[r->nbinds++].value = dim_const(&r->c->dc, x->shape[d]);
    }
  }
}

/* Checks one given input or weight against graph tensor t. */
static void check_given(Run *r, const IrTensor *t, const RtTensor *x, const char *from) {
  Diag *d = r->c->diag;
  const char *in = from ? arena_printf(r->c->arena, " (from %s)", from) : "";
  if (!x) {
    diag_error(d, t->loc, "%s '%s' of model '%s' is missing%s: expected %s", kind_word(t), t->name,
               r->g->name, from ? arena_printf(r->c->arena, " (%s)", from) : "", expected_str(r, t));
    r->errors++;
    return;
  }
  int ok = ref_dtype_of(t->elem) == (int)x->dtype && x->rank == t->rank;
  for (int k = 0; ok && k < t->rank; k++) {
    int64_t v;
    ok = ref_dim_value(r->c, r->binds, r->nbinds, t->dims[k].dim, &v) == 0 && v == x->shape[k];
  }
  if (ok) return;
  diag_error(d, t->loc, "%s '%s'%s: expected %s, given %s", kind_word(t), t->name, in,
             expected_str(r, t), given_str(r->c->arena, x));
  r->errors++;
}

/* The element count of every graph tensor; the dims must be bound. */
static int size_tensors(Run *r) {
  const IrGraph *g = r->g;
  for (int i = 0; i < g->ntensors; i++) {
    const IrTensor *t = g->tensors[i];
    int64_t n = 1, v;
    for (int k = 0; k < t->rank; k++) {
      if (ref_dim_value(r->c, r->binds, r->nbinds, t->dims[k].dim, &v) != 0) {
        diag_error(r->c->diag, t->loc, "the shape %s of '%s' is not known from the inputs",
                   expected_str(r, t), t->name);
        return -1;
      }
      if (v < 0 || __builtin_mul_overflow(n, v, &n)) {
        diag_error(r->c->diag, t->loc, "'%s' has the shape %s for these inputs", t->name,
                   expected_str(r, t));
        return -1;
      }
    }
    r->gelems[i] = n;
  }
  return 0;
}

/* ---------------------------------------------------------- liveness */

static void mark_reads(Run *r, const IrExpr *e, int node) {
  if (!e) return;
  if (e->kind == IE_READ && e->tensor && e->tensor->kind != IR_LOCAL && e->tensor->id >= 0 &&
      e->tensor->id < r->g->ntensors && r->last_use[e->tensor->id] < node)
    r->last_use[e->tensor->id] = node;
  for (int i = 0; i < e->nargs; i++) mark_reads(r, e->args[i], node);
  mark_reads(r, e->dflt, node);
}

static void liveness(Run *r) {
  for (int i = 0; i < r->g->ntensors; i++) r->last_use[i] = -1;
  for (int n = 0; n < r->g->nnodes; n++) {
    const IrNode *node = r->g->nodes[n];
    for (int i = 0; i < node->ninputs; i++)
      if (node->inputs[i]->id >= 0 && node->inputs[i]->id < r->g->ntensors &&
          r->last_use[node->inputs[i]->id] < n)
        r->last_use[node->inputs[i]->id] = n;
    for (int s = 0; s < node->nstmts; s++) mark_reads(r, node->stmts[s].rhs, n);
  }
}

/* -------------------------------------------------------------- nodes */

static double *alloc_elems(Run *r, int64_t n) {
  double *p = calloc((size_t)(n ? n : 1), sizeof(double));
  if (!p) diag_plain(r->c->diag, DIAG_ERROR, "out of memory: %lld values", (long long)n);
  return p;
}

static int local_elems(Run *r, const IrTensor *t, int64_t *n) {
  *n = 1;
  for (int k = 0; k < t->rank; k++) {
    int64_t v;
    if (ref_dim_value(r->c, r->binds, r->nbinds, t->dims[k].dim, &v) != 0 || v < 0 ||
        __builtin_mul_overflow(*n, v, n)) {
      diag_error(r->c->diag, t->loc, "internal error: the shape of local '%s' is not known",
                 t->name);
      return -1;
    }
  }
  return 0;
}

static int run_stmts(Run *r, const IrNode *node, double **ldata) {
  Arena a;
  arena_init(&a);
  RRun run = {.gdata = r->gdata, .ldata = ldata};
  int rc = 0;
  for (int s = 0; s < node->nstmts && rc == 0; s++) {
    RStmt *st = ref_compile_stmt(r->c, &a, r->binds, r->nbinds, node, &node->stmts[s]);
    rc = st ? ref_exec_stmt(r->c->diag, &run, st, r->threads) : -1;
  }
  arena_free(&a);
  return rc;
}

static int run_node(Run *r, const IrNode *node) {
  for (int o = 0; o < node->noutputs; o++) {
    int id = node->outputs[o]->id;
    if (!r->gdata[id] && !(r->gdata[id] = alloc_elems(r, r->gelems[id]))) return -1;
  }
  double **ldata = calloc((size_t)node->nlocals + 1, sizeof(double *));
  int rc = ldata ? 0 : -1;
  for (int l = 0; l < node->nlocals && rc == 0; l++) {
    int64_t n;
    rc = local_elems(r, node->locals[l], &n);
    if (rc == 0 && !(ldata[l] = alloc_elems(r, n))) rc = -1;
  }
  if (rc == 0) rc = run_stmts(r, node, ldata);
  for (int l = 0; ldata && l < node->nlocals; l++) free(ldata[l]);
  free(ldata);
  return rc;
}

static void free_dead(Run *r, int node) {
  for (int i = 0; i < r->g->ntensors; i++) {
    const IrTensor *t = r->g->tensors[i];
    if (r->last_use[i] == node && !t->is_output && t->kind == IR_VALUE) {
      free(r->gdata[i]);
      r->gdata[i] = NULL;
    }
  }
}

/* ------------------------------------------------------------ ref_run */

static int load_given(Run *r, const IrTensor *t, const RtTensor *x) {
  int64_t n = r->gelems[t->id];
  if (!(r->gdata[t->id] = alloc_elems(r, n))) return -1;
  to_double(x, r->gdata[t->id], n);
  return 0;
}

static int make_outputs(Run *r, RtTensor *outputs) {
  for (int i = 0; i < r->g->noutputs; i++) {
    const IrTensor *t = r->g->outputs[i];
    int64_t shape[RT_MAX_RANK];
    char err[256];
    if (t->rank > RT_MAX_RANK) {
      diag_error(r->c->diag, t->loc, "output '%s' has rank %d (at most %d)", t->name, t->rank,
                 RT_MAX_RANK);
      return -1;
    }
    for (int k = 0; k < t->rank; k++)
      ref_dim_value(r->c, r->binds, r->nbinds, t->dims[k].dim, &shape[k]);
    if (rt_tensor_alloc(&outputs[i], (RtDType)ref_dtype_of(t->elem), t->rank, shape, err,
                        sizeof err)) {
      diag_error(r->c->diag, t->loc, "output '%s': %s", t->name, err);
      return -1;
    }
    from_double(r->gdata[t->id], &outputs[i], r->gelems[t->id]);
  }
  return 0;
}

static int check_graph(Run *r) {
  const IrGraph *g = r->g;
  if (g->generic) {
    diag_error(r->c->diag, g->loc, "internal error: the reference interpreter runs models, not "
               "generic op graphs");
    return -1;
  }
  for (int i = 0; i < g->ntensors; i++)
    if (!g->tensors[i] || g->tensors[i]->id != i || ref_dtype_of(g->tensors[i]->elem) < 0) {
      diag_error(r->c->diag, g->loc, "internal error: graph tensor %d is malformed", i);
      return -1;
    }
  return 0;
}

static int run_all(Run *r, const RefArgs *args, RtTensor *outputs) {
  const IrGraph *g = r->g;
  bind_syms(r, args->inputs);
  for (int i = 0; i < g->ninputs; i++)
    check_given(r, g->inputs[i], args->inputs ? args->inputs[i] : NULL,
                args->input_from ? args->input_from[i] : NULL);
  for (int i = 0; i < g->nweights; i++)
    check_given(r, g->weights[i], args->weights ? args->weights[i] : NULL,
                args->weight_from ? args->weight_from[i] : NULL);
  if (r->errors || size_tensors(r)) return -1;
  for (int i = 0; i < g->ninputs; i++)
    if (load_given(r, g->inputs[i], args->inputs[i])) return -1;
  for (int i = 0; i < g->nweights; i++)
    if (load_given(r, g->weights[i], args->weights[i])) return -1;
  liveness(r);
  for (int n = 0; n < g->nnodes; n++) {
    if (run_node(r, g->nodes[n])) return -1;
    free_dead(r, n);
  }
  for (int i = 0; i < g->noutputs; i++)
    if (!r->gdata[g->outputs[i]->id]) {
      diag_error(r->c->diag, g->outputs[i]->loc, "internal error: output '%s' was not computed",
                 g->outputs[i]->name);
      return -1;
    }
  return make_outputs(r, outputs);
}

int ref_run(IrCtx *c, const IrGraph *g, const RefArgs *args, RtTensor *outputs) {
  Run r = {.c = c, .g = g};
  memset(outputs, 0, sizeof(RtTensor) * (size_t)g->noutputs);
  if (check_graph(&r)) return -1;
  r.threads = args->threads > 0 ? args->threads : ref_default_threads();
  r.gdata = calloc((size_t)g->ntensors + 1, sizeof(double *));
  r.gelems = calloc((size_t)g->ntensors + 1, sizeof(int64_t));
  r.last_use = calloc((size_t)g->ntensors + 1, sizeof(int));
  int rc = r.gdata && r.gelems && r.last_use ? run_all(&r, args, outputs) : -1;
  if (rc)
    for (int i = 0; i < g->noutputs; i++) rt_tensor_free(&outputs[i]), memset(&outputs[i], 0, sizeof *outputs);
  for (int i = 0; r.gdata && i < g->ntensors; i++) free(r.gdata[i]);
  free(r.gdata);
  free(r.gelems);
  free(r.last_use);
  return rc;
}

int ref_shape(IrCtx *c, const IrGraph *g, const RtTensor *const *inputs, const IrTensor *t,
              int64_t *shape) {
  Run r = {.c = c, .g = g};
  bind_syms(&r, inputs);
  for (int k = 0; k < t->rank; k++) {
    if (ref_dim_value(c, r.binds, r.nbinds, t->dims[k].dim, &shape[k]) == 0 && shape[k] >= 0)
      continue;
    diag_error(c->diag, t->loc, "the shape %s of %s '%s' is not known without data for the "
               "model's symbolic inputs", expected_str(&r, t), kind_word(t), t->name);
    return -1;
  }
  return t->rank;
}
