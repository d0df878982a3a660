/* ir/fusion.c -- the fusion plan: which nodes of a model are computed
 * together in one kernel.  A producer is fused into its consumer by the
 * pair of their mapping types (DNNFusion's table, below), when the tensor
 * between them has that one consumer, is not a model output, and each of
 * its elements would be computed at most FUSE_MAX_RECOMPUTE times where the
 * consumer reads it (docs/fusion.md).  Groups are in-trees: every node but
 * the root feeds one node of its group, so they are convex. */
#include "ir/ir_int.h"

#include <string.h>

/* Evaluations of a fused element per element, at most: the consumer reads
 * the producer's value where it needs it, recomputing it at each read
 * (softmax reads its input twice, layernorm four times; a matmul reads
 * each element of a factor N times: not fused). */
#define FUSE_MAX_RECOMPUTE 4.0

/* ------------------------------------------------------------- the table
 * DNNFusion's fusion table (producer's type x consumer group's type): the
 * type of the fused group, or MAP__COUNT where the producer is not fused
 * ("never", and "measure": there is no cost model or profile yet, so the
 * conservative answer).  Reorganize and shuffle producers fuse into
 * element-wise consumers only.  A many-to-many producer becomes the
 * group's anchor, its consumers an epilogue at its stores, when they read
 * its output element for element (see anchor_refusal): so also into
 * one-to-many, reorganize and shuffle groups, where the table says
 * "measure", because then only the epilogue's other operands broadcast or
 * move, and nothing is computed twice. */
#define NO MAP__COUNT
#define O2O MAP_ONE_TO_ONE
#define REORG MAP_REORGANIZE
#define SHUF MAP_SHUFFLE
#define O2M MAP_ONE_TO_MANY
#define M2M MAP_MANY_TO_MANY
static const IrMapType fusion_table[MAP__COUNT][MAP__COUNT] = {
    /* consumer:      o2o    reorg  shuffle o2m  m2m  opaque */
    [MAP_ONE_TO_ONE] = {O2O, REORG, SHUF, O2M, M2M, NO},
    [MAP_REORGANIZE] = {REORG, REORG, REORG, NO, NO, NO},
    [MAP_SHUFFLE] = {SHUF, REORG, SHUF, NO, NO, NO},
    [MAP_ONE_TO_MANY] = {O2M, NO, NO, NO, NO, NO},
    [MAP_MANY_TO_MANY] = {M2M, M2M, M2M, M2M, NO, NO},
    [MAP_OPAQUE] = {NO, NO, NO, NO, NO, NO},
};
#undef O2O
#undef REORG
#undef SHUF
#undef O2M
#undef M2M
_Static_assert(sizeof fusion_table / sizeof *fusion_table == MAP__COUNT, "fusion table rows");

IrMapType ir_fusion_type(IrMapType producer, IrMapType consumer) {
  if ((unsigned)producer >= MAP__COUNT || (unsigned)consumer >= MAP__COUNT) return MAP__COUNT;
  return fusion_table[producer][consumer];
}

/* ------------------------------------------------------------ intervals */

typedef struct Range {
  int64_t lo, hi;
  int ok;
} Range;

static Range span(int64_t lo, int64_t hi) { return (Range){lo, hi, 1}; }

static Range range_mul(Range a, Range b) {
  int64_t p[4];
  if (!a.ok || !b.ok || __builtin_mul_overflow(a.lo, b.lo, &p[0]) ||
      __builtin_mul_overflow(a.lo, b.hi, &p[1]) || __builtin_mul_overflow(a.hi, b.lo, &p[2]) ||
      __builtin_mul_overflow(a.hi, b.hi, &p[3]))
    return (Range){0, 0, 0};
  Range r = span(p[0], p[0]);
  for (int i = 1; i < 4; i++) {
    if (p[i] < r.lo) r.lo = p[i];
    if (p[i] > r.hi) r.hi = p[i];
  }
  return r;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static Range dim_range(const IrNode *n, const Dim *d);

/* An atom over node n's indices, each in [0, extent). */
static Range atom_range(const IrNode *n, const DimAtom *a) {
  int64_t v, den;
  if (a->kind == DIM_SYM) {
    int ix = ir_sym_index(n, a->name);
    if (ix < 0 || !dim_is_const(n->indices[ix].extent.dim, &v) || v < 1) return (Range){0, 0, 0};
    return span(0, v - 1);
  }
  Range x = dim_range(n, a->num);
  if (!x.ok || !dim_is_const(a->den, &den) || den <= 0) return (Range){0, 0, 0};
  if (a->kind == DIM_FLOORDIV) return span(floor_div(x.lo, den), floor_div(x.hi, den));
  if (x.lo >= 0 && x.hi < den) return x;
  return span(0, den - 1);
}

static Range dim_range(const IrNode *n, const Dim *d) {
  Range sum = span(0, 0);
  for (int i = 0; d && i < d->nterms && sum.ok; i++) {
    const DimTerm *t = &d->terms[i];
    Range p = span(t->coef, t->coef);
    for (int j = 0; j < t->natoms; j++) p = range_mul(p, atom_range(n, t->atoms[j]));
    if (!p.ok || __builtin_add_overflow(sum.lo, p.lo, &sum.lo) ||
        __builtin_add_overflow(sum.hi, p.hi, &sum.hi))
      return (Range){0, 0, 0};
  }
  return d ? sum : (Range){0, 0, 0};
}

/* ------------------------------------------------------------- the reads */

static int64_t tensor_elems(const IrTensor *t) {
  int64_t n = 1, v;
  for (int i = 0; i < t->rank; i++) {
    if (!t->dims[i].dim || !dim_is_const(t->dims[i].dim, &v)) return -1;
    n *= v;
  }
  return n;
}

/* Is every subscript of read e (of tensor t, in node n) index arithmetic
 * that stays in t's range at every point of n's index space?  A read with
 * ?? may leave the range: its default stands there. */
static int read_in_range(IrCtx *c, const IrNode *n, const IrExpr *e) {
  const IrTensor *t = e->tensor;
  for (int j = 0; j < e->nargs; j++) {
    const Dim *d = ir_expr_dim(c, n, e->args[j], 0);
    Range r = d ? dim_range(n, d) : (Range){0, 0, 0};
    if (!r.ok) return 0; /* not index arithmetic of constant extents and divisors */
    if (e->dflt) continue;
    int64_t ext = e->flat ? tensor_elems(t) : -1;
    if (!e->flat && !dim_is_const(t->dims[j].dim, &ext)) return 0;
    if (ext < 0 || r.lo < 0 || r.hi >= ext) return 0;
  }
  return 1;
}

/* Points of node n over the indices of a statement's left-hand side and
 * the reductions enclosing a read. */
static double points(const IrNode *n, const int *ix, int nix) {
  double p = 1;
  int64_t v;
  for (int i = 0; i < nix; i++)
    p *= dim_is_const(n->indices[ix[i]].extent.dim, &v) ? (double)v : 1e30;
  return p;
}

typedef struct Reads {
  IrCtx *c;
  const IrNode *n;
  const IrTensor *t;
  double evals; /* evaluations of t's elements over n's index space */
  int ok;       /* every read of t can be computed in place */
} Reads;

static void scan(Reads *r, const IrExpr *e, double pts, int in_sub) {
  if (!e) return;
  if (e->kind == IE_READ && e->tensor == r->t) {
    r->evals += pts;
    if (in_sub || !read_in_range(r->c, r->n, e)) r->ok = 0;
  }
  if (e->kind == IE_REDUCE) pts *= points(r->n, e->red, e->nred);
  for (int i = 0; i < e->nargs; i++) scan(r, e->args[i], pts, in_sub || e->kind == IE_READ);
  scan(r, e->dflt, pts, in_sub);
}

/* How many times each element of t would be computed if consumer n
 * computed it at each of its reads (-1: some read cannot). */
static double recompute(IrCtx *c, const IrNode *n, const IrTensor *t) {
  Reads r = {c, n, t, 0, 1};
  for (int i = 0; i < n->nstmts; i++)
    scan(&r, n->stmts[i].rhs, points(n, n->stmts[i].lhs, n->stmts[i].nlhs), 0);
  int64_t elems = tensor_elems(t);
  if (!r.ok || elems <= 0) return -1;
  return r.evals / (double)elems;
}

/* ------------------------------------------------------------- grouping */

typedef struct Fz {
  IrCtx *c;
  const IrGraph *g;
  int *consumers;       /* per tensor: the nodes that read it */
  IrNode **reader;      /* per tensor: one of them */
  int *group;           /* per node: its group (the root's node id), -1 */
  IrMapType *gmap;      /* per root: the group's type */
  double *factor;       /* per node: evaluations of its elements per element */
  const char **why;     /* per node: why a consumer did not take it in */
  unsigned char *ident; /* per node: it computes the element the group stores
                           (a chain of element-for-element reads from the root) */
  IrNode **anchor;      /* per root: the group's many-to-many anchor, or NULL */
} Fz;

static int reads_tensor(const IrNode *n, const IrTensor *t) {
  for (int i = 0; i < n->ninputs; i++)
    if (n->inputs[i] == t) return 1;
  return 0;
}

static void count_consumers(Fz *z) {
  for (int i = 0; i < z->g->nnodes; i++) {
    IrNode *n = z->g->nodes[i];
    for (int j = 0; j < n->ninputs; j++) {
      const IrTensor *t = n->inputs[j];
      int seen = 0;
      for (int k = 0; k < j; k++) seen |= n->inputs[k] == t;
      if (seen || t->kind != IR_VALUE) continue;
      z->consumers[t->id]++;
      z->reader[t->id] = n;
    }
  }
}

/* Is every read of t in e at the statement's own left-hand indices? */
static int identity_expr(const IrExpr *e, const IrTensor *t, const IrStmt *s, int in_sub) {
  if (!e) return 1;
  if (e->kind == IE_READ && e->tensor == t) {
    if (in_sub || e->flat || e->nargs != s->nlhs) return 0;
    for (int j = 0; j < e->nargs; j++)
      if (e->args[j]->kind != IE_INDEX || e->args[j]->index != s->lhs[j]) return 0;
  }
  for (int i = 0; i < e->nargs; i++)
    if (!identity_expr(e->args[i], t, s, in_sub || e->kind == IE_READ)) return 0;
  return identity_expr(e->dflt, t, s, in_sub);
}

/* Does n (one statement, one output) read t element for element: only at
 * its own left-hand indices, t of its output's shape? */
static int identity_reads(const IrNode *n, const IrTensor *t) {
  if (n->nstmts != 1 || n->noutputs != 1) return 0;
  const IrStmt *s = &n->stmts[0];
  int64_t a, b;
  if (t->rank != s->nlhs) return 0;
  for (int j = 0; j < t->rank; j++)
    if (!dim_is_const(t->dims[j].dim, &a) || !dim_is_const(n->indices[s->lhs[j]].extent.dim, &b) ||
        a != b)
      return 0;
  return identity_expr(s->rhs, t, s, 0);
}

/* Why many-to-many p cannot be the anchor of n's group (NULL: it can): the
 * group has none yet, and every node from n to the root computes the
 * element that p stores, so that the epilogue applies at p's stores. */
static const char *anchor_refusal(Fz *z, const IrNode *p, const IrNode *n) {
  if (z->anchor[z->group[n->id]]) return "the group has a many-to-many anchor already";
  if (!z->ident[n->id] || !identity_reads(n, p->outputs[0]))
    return arena_printf(
        z->c->arena, "its epilogue would not read it element for element (%s reads it)", n->name);
  return NULL;
}

/* Why producer p cannot join the group of n, a node reading its output (NULL:
 * it can; *into gets the group's new type, *f the evaluations of p's
 * elements per element). */
static const char *refusal(Fz *z, const IrNode *p, const IrNode *n, IrMapType *into, double *f) {
  Arena *a = z->c->arena;
  const IrTensor *t = p->noutputs == 1 ? p->outputs[0] : NULL;
  if (!t) return "several outputs";
  if (t->is_output) return "a model output";
  if (z->consumers[t->id] != 1) return arena_printf(a, "read by %d nodes", z->consumers[t->id]);
  if (t->elem != ELEM_F32 && t->elem != ELEM_BOOL) /* stores round or wrap */
    return arena_printf(a, "%s values are %s where they are stored", elem_type_name(t->elem),
                        t->elem == ELEM_F16 ? "rounded" : "wrapped");
  int root = z->group[n->id];
  IrMapType m = ir_fusion_type(p->map, z->gmap[root]);
  if (m == MAP__COUNT)
    return arena_printf(a, "a %s producer does not fuse into a %s group", ir_map_name(p->map),
                        ir_map_name(z->gmap[root]));
  if (p->map == MAP_MANY_TO_MANY) { /* an anchor: computed once, at its own stores */
    const char *why = anchor_refusal(z, p, n);
    *into = m, *f = 1;
    return why;
  }
  double r = recompute(z->c, n, t);
  if (r < 0) return arena_printf(a, "%s reads it other than by index arithmetic in range", n->name);
  if (r * z->factor[n->id] > FUSE_MAX_RECOMPUTE)
    return arena_printf(a, "each element would be computed %.4g times (more than %g)",
                        r * z->factor[n->id], FUSE_MAX_RECOMPUTE);
  *into = m;
  *f = r * z->factor[n->id];
  return NULL;
}

/* Visits nodes consumers first: each node roots a group unless a consumer
 * took it in; then it takes in the producers it may. */
static void grow(Fz *z) {
  const IrGraph *g = z->g;
  for (int i = g->nnodes - 1; i >= 0; i--) {
    IrNode *n = g->nodes[i];
    if (z->group[n->id] < 0) {
      z->group[n->id] = n->id;
      z->gmap[n->id] = n->map;
      z->factor[n->id] = 1;
      z->ident[n->id] = n->nstmts == 1 && n->noutputs == 1;
    }
    for (int j = 0; j < n->ninputs; j++) {
      const IrTensor *t = n->inputs[j];
      IrNode *p = t->kind == IR_VALUE ? t->producer : NULL;
      IrMapType m = MAP__COUNT;
      double f = 0;
      if (!p || z->group[p->id] >= 0) continue;
      const char *why = refusal(z, p, n, &m, &f);
      if (why) {
        if (!z->why[p->id]) z->why[p->id] = why;
        continue;
      }
      z->group[p->id] = z->group[n->id];
      z->gmap[z->group[n->id]] = m;
      z->factor[p->id] = f;
      z->ident[p->id] = z->ident[n->id] && identity_reads(n, t);
      if (p->map == MAP_MANY_TO_MANY) z->anchor[z->group[n->id]] = p;
    }
  }
}

static IrFusion *collect(Fz *z) {
  const IrGraph *g = z->g;
  Arena *a = z->c->arena;
  IrFusion *f = arena_alloc(a, sizeof *f);
  f->group_of = arena_alloc(a, sizeof(int) * (size_t)(g->nnodes + 1));
  f->inlined = arena_alloc(a, (size_t)g->ntensors + 1);
  f->groups = arena_alloc(a, sizeof *f->groups * (size_t)(g->nnodes + 1));
  int *index = arena_alloc(a, sizeof(int) * (size_t)(g->nnodes + 1));
  for (int i = 0; i < g->nnodes; i++) { /* groups in the order of their roots */
    const IrNode *n = g->nodes[i];
    if (z->group[n->id] != n->id) continue;
    IrGroup *gr = &f->groups[f->ngroups];
    gr->id = f->ngroups;
    gr->root = g->nodes[i];
    gr->map = z->gmap[n->id];
    gr->anchor = z->anchor[n->id];
    gr->stored = z->why[n->id] ? z->why[n->id] : n->noutputs ? "a model output" : "no output";
    gr->nodes = arena_alloc(a, sizeof *gr->nodes * (size_t)(g->nnodes + 1));
    index[n->id] = f->ngroups++;
  }
  for (int i = 0; i < g->nnodes; i++) { /* members in graph order, the root last */
    IrNode *n = g->nodes[i];
    IrGroup *gr = &f->groups[index[z->group[n->id]]];
    gr->nodes[gr->nnodes++] = n;
    f->group_of[n->id] = gr->id;
    if (n != gr->root) f->inlined[n->outputs[0]->id] = 1;
  }
  return f;
}

IrFusion *ir_fuse(IrCtx *c, const IrGraph *g) {
  Arena scratch;
  arena_init(&scratch);
  Fz z = {c, g, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  size_t nt = (size_t)g->ntensors + 1, nn = (size_t)g->nnodes + 1;
  z.consumers = arena_alloc(&scratch, sizeof(int) * nt);
  z.reader = arena_alloc(&scratch, sizeof(IrNode *) * nt);
  z.group = arena_alloc(&scratch, sizeof(int) * nn);
  z.gmap = arena_alloc(&scratch, sizeof(IrMapType) * nn);
  z.factor = arena_alloc(&scratch, sizeof(double) * nn);
  z.why = arena_alloc(&scratch, sizeof(char *) * nn);
  memset(z.why, 0, sizeof(char *) * nn);
  z.ident = arena_alloc(&scratch, nn);
  z.anchor = arena_alloc(&scratch, sizeof(IrNode *) * nn);
  memset(z.ident, 0, nn);
  memset(z.anchor, 0, sizeof(IrNode *) * nn);
  memset(z.consumers, 0, sizeof(int) * nt);
  memset(z.reader, 0, sizeof(IrNode *) * nt);
  for (size_t i = 0; i < nn; i++) z.group[i] = -1;
  count_consumers(&z);
  grow(&z);
  IrFusion *f = collect(&z);
  arena_free(&scratch);
  return f;
}

/* ------------------------------------------------------------- checking */

/* The invariants of a plan (run by ir_verify): every node in one group;
 * a non-root member feeds exactly one node, of its own group, through a
 * tensor that is no model output; groups in the order of their roots. */
int ir_fusion_verify(IrCtx *c, const IrGraph *g, const IrFusion *f) {
  int errors = 0, seen = 0;
  for (int gi = 0; gi < f->ngroups; gi++) {
    const IrGroup *gr = &f->groups[gi];
    if (gr->nnodes < 1 || gr->nodes[gr->nnodes - 1] != gr->root ||
        (gi > 0 && f->groups[gi - 1].root->id > gr->root->id)) {
      diag_error(c->diag, g->loc, "internal error: fusion group %d is malformed", gi);
      errors++;
    }
    seen += gr->nnodes;
    int m2m = 0;
    for (int i = 0; i < gr->nnodes; i++) m2m += gr->nodes[i]->map == MAP_MANY_TO_MANY;
    if (m2m > 1 ||
        (gr->anchor && (gr->anchor == gr->root || f->group_of[gr->anchor->id] != gi ||
                        gr->anchor->map != MAP_MANY_TO_MANY)) ||
        (!gr->anchor && m2m && gr->root->map != MAP_MANY_TO_MANY)) {
      diag_error(c->diag, g->loc,
                 "internal error: fusion group %d must hold at most one many-to-many node, "
                 "its root or its anchor",
                 gi);
      errors++;
    }
    for (int i = 0; i < gr->nnodes; i++) {
      const IrNode *n = gr->nodes[i];
      if (f->group_of[n->id] != gi) {
        diag_error(c->diag, n->loc, "internal error: node '%s' is in two fusion groups", n->name);
        errors++;
      }
      if (n == gr->root) continue;
      const IrTensor *t = n->noutputs == 1 ? n->outputs[0] : NULL;
      int readers = 0, inside = 0;
      for (int k = 0; t && k < g->nnodes; k++)
        if (reads_tensor(g->nodes[k], t)) {
          readers++;
          inside += f->group_of[g->nodes[k]->id] == gi;
        }
      if (!t || t->is_output || readers != 1 || inside != 1 || !f->inlined[t->id]) {
        diag_error(c->diag, n->loc,
                   "internal error: fused node '%s' must feed exactly one node of its group",
                   n->name);
        errors++;
      }
    }
  }
  if (seen != g->nnodes) {
    diag_error(c->diag, g->loc, "internal error: the fusion plan covers %d of %d nodes", seen,
               g->nnodes);
    errors++;
  }
  return errors;
}

/* ------------------------------------------------------------- printing */

void ir_print_fusion(FILE *out, const IrGraph *g) {
  const IrFusion *f = g->fusion;
  int ng = f ? f->ngroups : 0;
  fprintf(out, "# model %s: %d node%s in %d group%s\n", g->name, g->nnodes,
          g->nnodes == 1 ? "" : "s", ng, ng == 1 ? "" : "s");
  for (int gi = 0; f && gi < f->ngroups; gi++) {
    const IrGroup *gr = &f->groups[gi];
    fprintf(out, "group %d: %s : %s (stored: %s)\n", gi, gr->root->name, ir_map_name(gr->map),
            gr->stored);
    for (int i = 0; i < gr->nnodes; i++) {
      const IrNode *n = gr->nodes[i];
      fprintf(out, "  %s %s %s%s\n", n->name, n->op, ir_map_name(n->map),
              n == gr->root     ? ""
              : n == gr->anchor ? " (anchor)"
                                : " (inlined)");
    }
  }
}
