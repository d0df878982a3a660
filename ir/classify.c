/* ir/classify.c -- DNNFusion's mapping type of every node, derived from its
 * access functions only, never from its name (docs/classification.md): a
 * reduction makes it many-to-many; otherwise each read of an input, composed
 * through the node's locals, is a map from the output's indices to the
 * input's subscripts, and its shape decides the type. */
#include "ir/ir_int.h"

#include <string.h>

/* Expression visits per node, locals inlined at every read: beyond this a
 * node (a pathological chain of locals read many times) is not analysed
 * and counts as opaque. */
enum { CLASSIFY_BUDGET = 200000 };
/* Distinct maps of one input compared pairwise; beyond, they count as a
 * window (many-to-many). */
enum { CLASSIFY_MAX_MAPS = 64 };

/* The arm of a select that a read sits in. */
typedef struct Arm {
  int select, arm;
} Arm;

/* One read of a node input: its subscripts as polynomials of the output
 * statement's indices (NULL where a subscript is not one: a gather, a
 * clamp), and the select arms around it. */
typedef struct Access {
  const IrTensor *t;
  int flat, nsubs;
  const Dim **subs;
  const Dim **units; /* subs with the output's indices of extent 1 set to 0 */
  const Arm *arms;
  int narms;
} Access;

/* A composition already walked: the same definition read through the same
 * subscripts under the same arms records the same accesses again. */
typedef struct Seen {
  const IrStmt *def;
  const Dim **subs;
  const Arm *arms;
  int narms, env_ok;
} Seen;

typedef struct Cl {
  IrCtx *c; /* a scratch context: Dims die with the classification */
  Seen *seen;
  int nseen, capseen;
  const IrNode *n;
  const IrStmt *out; /* the output statement being analysed */
  Access *acc;
  int nacc, capacc;
  Arm *arms;
  int narms, caparms;
  int selects;
  long budget;
} Cl;

/* ------------------------------------------------------------- the reads */

static void walk(Cl *k, const IrExpr *e, const DimBind *env, int nenv, int env_ok);

static const IrStmt *definition(const IrNode *n, const IrTensor *t) {
  for (int i = 0; i < n->nstmts; i++)
    if (n->stmts[i].target == t) return &n->stmts[i];
  return NULL;
}

static const Dim *sub_dim(Cl *k, const IrExpr *sub, const DimBind *env, int nenv, int env_ok) {
  if (!env_ok) return NULL;
  const Dim *d = ir_expr_dim(k->c, k->n, sub, 0);
  return d && nenv ? dim_subst(&k->c->dc, d, env, nenv) : d;
}

static void record(Cl *k, const IrExpr *e, const Dim **subs) {
  if (k->nacc == k->capacc) {
    int cap = k->capacc ? 2 * k->capacc : 16;
    Access *a = arena_alloc(k->c->arena, sizeof *a * (size_t)cap);
    if (k->nacc) memcpy(a, k->acc, sizeof *a * (size_t)k->nacc);
    k->acc = a;
    k->capacc = cap;
  }
  Arm *arms = arena_alloc(k->c->arena, sizeof *arms * (size_t)(k->narms + 1));
  if (k->narms) memcpy(arms, k->arms, sizeof *arms * (size_t)k->narms);
  k->acc[k->nacc++] = (Access){e->tensor, e->flat, e->nargs, subs, NULL, arms, k->narms};
}

/* The left-hand indices of a local (or output) read by offset: digit k of
 * the offset in the tensor's row-major strides. */
static const Dim **flat_subs(Cl *k, const IrTensor *t, const Dim *off) {
  const Dim **s = arena_alloc(k->c->arena, sizeof *s * (size_t)(t->rank + 1));
  DimCtx *dc = &k->c->dc;
  const Dim *stride = dim_const(dc, 1);
  for (int j = t->rank - 1; j >= 0; j--) {
    if (!off || !t->dims[j].dim) return NULL;
    const Dim *q = dim_div(dc, off, stride);
    s[j] = j == 0 ? q : dim_mod(dc, q, t->dims[j].dim);
    stride = dim_mul(dc, stride, t->dims[j].dim);
  }
  return s;
}

/* Has this composition been walked (and if not, remember it)? */
static int seen(Cl *k, const IrStmt *def, const Dim **subs, int env_ok) {
  for (int i = 0; i < k->nseen; i++) {
    const Seen *x = &k->seen[i];
    int same = x->def == def && x->env_ok == env_ok && x->narms == k->narms && !!x->subs == !!subs;
    for (int j = 0; same && subs && j < def->nlhs; j++)
      same = subs[j] && x->subs[j] ? dim_equal(subs[j], x->subs[j]) : subs[j] == x->subs[j];
    for (int j = 0; same && j < k->narms; j++)
      same = x->arms[j].select == k->arms[j].select && x->arms[j].arm == k->arms[j].arm;
    if (same) return 1;
  }
  if (k->nseen == k->capseen) {
    int cap = k->capseen ? 2 * k->capseen : 16;
    Seen *v = arena_alloc(k->c->arena, sizeof *v * (size_t)cap);
    if (k->nseen) memcpy(v, k->seen, sizeof *v * (size_t)k->nseen);
    k->seen = v;
    k->capseen = cap;
  }
  Arm *arms = arena_alloc(k->c->arena, sizeof *arms * (size_t)(k->narms + 1));
  if (k->narms) memcpy(arms, k->arms, sizeof *arms * (size_t)k->narms);
  k->seen[k->nseen++] = (Seen){def, subs, arms, k->narms, env_ok};
  return 0;
}

/* A read of a local (or an earlier output): its definition, with the
 * definition's left-hand indices bound to this read's subscripts. */
static void compose(Cl *k, const IrStmt *def, const Dim **subs, int env_ok) {
  if (seen(k, def, subs, env_ok)) return;
  DimBind *b = arena_alloc(k->c->arena, sizeof *b * (size_t)(def->nlhs + 1));
  for (int j = 0; j < def->nlhs; j++) {
    if (!subs || !subs[j]) env_ok = 0;
    b[j] = (DimBind){ir_index_sym(k->c, &k->n->indices[def->lhs[j]]), subs ? subs[j] : NULL};
  }
  walk(k, def->rhs, b, def->nlhs, env_ok);
}

static void walk_read(Cl *k, const IrExpr *e, const DimBind *env, int nenv, int env_ok) {
  const Dim **subs = arena_alloc(k->c->arena, sizeof *subs * (size_t)(e->nargs + 1));
  for (int j = 0; j < e->nargs; j++) {
    walk(k, e->args[j], env, nenv, env_ok); /* reads inside subscripts: gathers */
    subs[j] = sub_dim(k, e->args[j], env, nenv, env_ok);
  }
  if (e->dflt) walk(k, e->dflt, env, nenv, env_ok);
  const IrStmt *def = e->tensor && e->tensor != k->out->target ? definition(k->n, e->tensor) : NULL;
  if (!def) {
    record(k, e, subs);
  } else if (e->flat) {
    compose(k, def, subs[0] ? flat_subs(k, e->tensor, subs[0]) : NULL, env_ok);
  } else {
    compose(k, def, subs, env_ok);
  }
}

static void push_arm(Cl *k, int select, int arm) {
  if (k->narms == k->caparms) {
    int cap = k->caparms ? 2 * k->caparms : 16;
    Arm *a = arena_alloc(k->c->arena, sizeof *a * (size_t)cap);
    if (k->narms) memcpy(a, k->arms, sizeof *a * (size_t)k->narms);
    k->arms = a;
    k->caparms = cap;
  }
  k->arms[k->narms++] = (Arm){select, arm};
}

static void walk(Cl *k, const IrExpr *e, const DimBind *env, int nenv, int env_ok) {
  if (!e || --k->budget < 0) return;
  switch (e->kind) {
  case IE_READ: walk_read(k, e, env, nenv, env_ok); return;
  case IE_SELECT: {
    int id = ++k->selects;
    walk(k, e->args[0], env, nenv, env_ok);
    for (int arm = 1; arm <= 2; arm++) {
      push_arm(k, id, arm);
      walk(k, e->args[arm], env, nenv, env_ok);
      k->narms--;
    }
    return;
  }
  case IE_CONST: case IE_INDEX: case IE_DIM: case IE_UNARY: case IE_BINARY: case IE_CALL:
  case IE_CAST: case IE_REDUCE: case IE__COUNT:
    break;
  }
  for (int i = 0; i < e->nargs; i++) walk(k, e->args[i], env, nenv, env_ok);
}

static int has_reduce(const IrExpr *e) {
  if (!e) return 0;
  if (e->kind == IE_REDUCE) return 1;
  for (int i = 0; i < e->nargs; i++)
    if (has_reduce(e->args[i])) return 1;
  return has_reduce(e->dflt);
}

/* ------------------------------------------------------- polynomial tools */

static int is_one(const Dim *d) {
  int64_t v;
  return d && dim_is_const(d, &v) && v == 1;
}

static const Dim *atom_dim(Cl *k, const DimAtom *a) {
  DimCtx *dc = &k->c->dc;
  switch (a->kind) {
  case DIM_SYM: return dim_sym(dc, a->name);
  case DIM_FLOORDIV: return dim_div(dc, a->num, a->den);
  case DIM_MOD: return dim_mod(dc, a->num, a->den);
  }
  return NULL;
}

/* d with every a % b rewritten a - b*(a/b), so that a digit decomposition
 * and its recombination cancel: 4*(i/4) + i%4 = i. */
static const Dim *expand_mods(Cl *k, const Dim *d) {
  DimCtx *dc = &k->c->dc;
  const Dim *sum = dc->zero;
  for (int i = 0; d && sum && i < d->nterms; i++) {
    const DimTerm *t = &d->terms[i];
    const Dim *prod = dim_const(dc, t->coef);
    for (int j = 0; j < t->natoms && prod; j++) {
      const DimAtom *a = t->atoms[j];
      const Dim *x = a->kind == DIM_SYM ? dim_sym(dc, a->name) : NULL;
      if (a->kind != DIM_SYM) {
        const Dim *num = expand_mods(k, a->num), *den = expand_mods(k, a->den);
        const Dim *q = dim_div(dc, num, den);
        x = a->kind == DIM_FLOORDIV ? q : dim_sub(dc, num, dim_mul(dc, den, q));
      }
      prod = dim_mul(dc, prod, x);
    }
    sum = dim_add(dc, sum, prod);
  }
  return d ? sum : NULL;
}

static SemDim lhs_extent(const Cl *k, int pos) { return k->n->indices[k->out->lhs[pos]].extent; }

static int lhs_unit(const Cl *k, int pos) { return is_one(lhs_extent(k, pos).dim); }

/* Dimension j of t is 1 (for a flat read: t has one element). */
static int unit_dim(const IrTensor *t, int j, int flat) {
  if (!flat) return is_one(t->dims[j].dim);
  for (int i = 0; i < t->rank; i++)
    if (!is_one(t->dims[i].dim)) return 0;
  return 1;
}

/* The output's row-major offset, and the read's: equal (after the mods
 * expand) means the read keeps row-major order element for element. */
static int same_offset(Cl *k, const IrTensor *t, int flat, const Dim **subs) {
  DimCtx *dc = &k->c->dc;
  const IrTensor *y = k->out->target;
  const Dim *out = dc->zero, *in = dc->zero, *stride = dim_const(dc, 1);
  for (int j = y->rank - 1; j >= 0; j--) {
    if (!y->dims[j].dim) return 0;
    if (!lhs_unit(k, j)) {
      const Dim *x = dim_sym(dc, ir_index_sym(k->c, &k->n->indices[k->out->lhs[j]]));
      out = dim_add(dc, out, dim_mul(dc, x, stride));
    }
    stride = dim_mul(dc, stride, y->dims[j].dim);
  }
  if (flat) {
    in = subs[0];
  } else {
    stride = dim_const(dc, 1);
    for (int j = t->rank - 1; j >= 0 && in; j--) {
      if (!t->dims[j].dim) return 0;
      in = dim_add(dc, in, dim_mul(dc, subs[j], stride));
      stride = dim_mul(dc, stride, t->dims[j].dim);
    }
  }
  return in && out && dim_equal(expand_mods(k, in), expand_mods(k, out));
}

static int same_shape(const IrTensor *a, const IrTensor *b) {
  if (a->rank != b->rank) return 0;
  for (int j = 0; j < a->rank; j++) {
    SemDim x = a->dims[j], y = b->dims[j];
    if (x.pack || y.pack ? !(x.pack && y.pack && strcmp(x.pack, y.pack) == 0)
                         : !dim_equal(x.dim, y.dim))
      return 0;
  }
  return 1;
}

/* ------------------------------------------------------------------ digits
 *
 * A digit of index x is floor(x / p) % q (q NULL: no modulo); x itself is
 * the digit p = 1, q = none.  A subscript that is a sum of weighted digits
 * (and an offset) whose weights grow by the extents of the digits (w, w*e1,
 * w*e1*e2, ...) is a mixed-radix number: injective in its digits. */
typedef struct Digit {
  int index;        /* the node index */
  const Dim *p, *q;
  const Dim *w;     /* its weight in the subscript */
  int sub;          /* the subscript it stands in */
  int rank_sub;     /* 0: the most significant digit of its subscript */
  int rank_index;   /* 0: the most significant digit of its index */
} Digit;

static int parse_digit(Cl *k, const DimAtom *a, Digit *d) {
  if (a->kind == DIM_SYM) {
    d->index = ir_sym_index(k->n, a->name);
    d->p = dim_const(&k->c->dc, 1);
    d->q = NULL;
    return d->index >= 0;
  }
  const Dim *num = a->num;
  if (ir_dim_has_index(a->den) || num->nterms != 1 || num->terms[0].coef != 1 ||
      num->terms[0].natoms != 1)
    return 0;
  Digit in;
  if (!parse_digit(k, num->terms[0].atoms[0], &in) || in.q) return 0;
  d->index = in.index;
  d->p = a->kind == DIM_FLOORDIV ? dim_mul(&k->c->dc, in.p, a->den) : in.p;
  d->q = a->kind == DIM_MOD ? a->den : NULL;
  return d->p != NULL;
}

static const Dim *digit_extent(Cl *k, const Digit *d) {
  if (d->q) return d->q;
  const Dim *e = k->n->indices[d->index].extent.dim;
  if (!e) return NULL; /* a pack */
  return is_one(d->p) ? e : dim_div(&k->c->dc, e, d->p);
}

/* The digits of subscript s (index j) appended to ds; 0 when a term is not
 * weight * digit (i*j, floor((i + j)/2), ...). */
static int sub_digits(Cl *k, const Dim *s, int j, Digit *ds, int *nd) {
  for (int i = 0; i < s->nterms; i++) {
    const DimTerm *t = &s->terms[i];
    const DimAtom *dig = NULL;
    const Dim *w = dim_const(&k->c->dc, t->coef);
    for (int a = 0; a < t->natoms && w; a++) {
      const DimAtom *at = t->atoms[a];
      int idx = at->kind == DIM_SYM ? at->name[0] == '$'
                                    : ir_dim_has_index(at->num) || ir_dim_has_index(at->den);
      if (!idx) w = dim_mul(&k->c->dc, w, atom_dim(k, at));
      else if (dig) return 0;
      else dig = at;
    }
    if (!dig) continue; /* the offset */
    Digit d = {0};
    if (!w || !parse_digit(k, dig, &d)) return 0;
    d.w = w;
    d.sub = j;
    ds[(*nd)++] = d;
  }
  return 1;
}

/* Orders the digits ds[0..m) of one subscript as a mixed-radix number:
 * exactly one digit is nobody's successor, and each next weight is the
 * weight times the extent before it.  Sets rank_sub; 0 if not a chain. */
static int chain_sub(Cl *k, Digit *ds, int m) {
  if (m == 1) {
    ds[0].rank_sub = 0;
    return 1;
  }
  int *next = arena_alloc(k->c->arena, sizeof *next * (size_t)m);
  int *has_prev = arena_alloc(k->c->arena, sizeof *has_prev * (size_t)m);
  for (int i = 0; i < m; i++) {
    const Dim *e = digit_extent(k, &ds[i]);
    const Dim *want = e ? dim_mul(&k->c->dc, ds[i].w, e) : NULL;
    next[i] = -1;
    for (int j = 0; want && j < m; j++)
      if (j != i && dim_equal(ds[j].w, want)) {
        if (next[i] >= 0 || has_prev[j]) return 0;
        next[i] = j;
        has_prev[j] = 1;
      }
  }
  int start = -1, seen = 0;
  for (int i = 0; i < m; i++)
    if (!has_prev[i]) {
      if (start >= 0) return 0;
      start = i;
    }
  for (int i = start; i >= 0 && seen <= m; i = next[i]) ds[i].rank_sub = m - 1 - seen++;
  return start >= 0 && seen == m;
}

/* Do the digits of index x determine it?  From p = 1 up, each digit's p is
 * the previous p*q, ending with a digit without modulo or one whose p*q is
 * x's extent.  Sets rank_index.  Every digit of x must be on that chain. */
static int covers(Cl *k, Digit *ds, int nd, int x) {
  int count = 0, seen = 0;
  for (int i = 0; i < nd; i++) count += ds[i].index == x;
  if (!count) return 0;
  const Dim *p = dim_const(&k->c->dc, 1), *ext = k->n->indices[x].extent.dim;
  int *order = arena_alloc(k->c->arena, sizeof *order * (size_t)count);
  for (;;) {
    int at = -1;
    for (int i = 0; i < nd && at < 0; i++)
      if (ds[i].index == x && dim_equal(ds[i].p, p)) at = i;
    if (at < 0) return 0;
    order[seen++] = at;
    if (!ds[at].q) break;
    p = dim_mul(&k->c->dc, p, ds[at].q);
    if (!p || (ext && dim_equal(p, ext)) || seen == count) break;
  }
  if (seen != count || (ds[order[seen - 1]].q && !(ext && dim_equal(p, ext)))) return 0;
  for (int i = 0; i < seen; i++) ds[order[i]].rank_index = seen - 1 - i;
  return 1;
}

static int lhs_pos(const Cl *k, int index) {
  for (int j = 0; j < k->out->nlhs; j++)
    if (k->out->lhs[j] == index) return j;
  return -1;
}

/* Read order against output order: digits in subscript order (most
 * significant first) must come in output order (index position, then
 * significance). */
static int order_kept(const Cl *k, const Digit *ds, int nd) {
  const Digit **v = arena_alloc(k->c->arena, sizeof *v * (size_t)(nd + 1));
  for (int i = 0; i < nd; i++) {
    int j = i;
    while (j > 0 && (v[j - 1]->sub > ds[i].sub ||
                     (v[j - 1]->sub == ds[i].sub && v[j - 1]->rank_sub > ds[i].rank_sub))) {
      v[j] = v[j - 1];
      j--;
    }
    v[j] = &ds[i];
  }
  for (int i = 1; i < nd; i++) {
    int a = lhs_pos(k, v[i - 1]->index), b = lhs_pos(k, v[i]->index);
    if (b < a || (b == a && v[i]->rank_index <= v[i - 1]->rank_index)) return 0;
  }
  return 1;
}

/* ---------------------------------------------------------- one access */

/* A pack subscript of a generic graph: the pack index over the tensor's
 * own pack; another pack may broadcast. */
static int own_pack(const Cl *k, const IrTensor *t, int j, const Dim *s) {
  int ix = ir_sym_index(k->n, dim_as_sym(s));
  const char *p = ix >= 0 ? k->n->indices[ix].extent.pack : NULL;
  return p && strcmp(p, t->dims[j].pack) == 0;
}

/* The subscripts with the output's indices of extent 1 set to 0. */
static const Dim **drop_units(Cl *k, const Access *a) {
  DimBind *b = arena_alloc(k->c->arena, sizeof *b * (size_t)(k->out->nlhs + 1));
  int nb = 0;
  for (int j = 0; j < k->out->nlhs; j++)
    if (lhs_unit(k, j))
      b[nb++] = (DimBind){ir_index_sym(k->c, &k->n->indices[k->out->lhs[j]]), k->c->dc.zero};
  const Dim **s = arena_alloc(k->c->arena, sizeof *s * (size_t)(a->nsubs + 1));
  for (int j = 0; j < a->nsubs; j++)
    if (!(s[j] = dim_subst(&k->c->dc, a->subs[j], b, nb))) return NULL;
  return s;
}

/* Same rank, each subscript one whole index at its own position (with an
 * offset or a stride): slice, pad, concat's parts, element-wise. */
static int positional(const Cl *k, const Access *a, const Digit *ds, int nd) {
  if (a->flat || a->nsubs != k->out->target->rank) return 0;
  for (int i = 0; i < nd; i++)
    if (!is_one(ds[i].p) || ds[i].q || k->out->lhs[ds[i].sub] != ds[i].index) return 0;
  for (int i = 0; i < nd; i++)
    for (int j = 0; j < i; j++)
      if (ds[i].sub == ds[j].sub) return 0;
  return 1;
}

/* The digits of every subscript, each subscript a chain, every output
 * index of extent > 1 determined: the map is injective.  NULL otherwise. */
static Digit *injective(Cl *k, const Access *a, const Dim **s, int *nd) {
  int cap = 0;
  for (int j = 0; j < a->nsubs; j++) cap += s[j]->nterms;
  Digit *ds = arena_alloc(k->c->arena, sizeof *ds * (size_t)(cap + 1));
  *nd = 0;
  for (int j = 0; j < a->nsubs; j++) {
    int first = *nd;
    if (!sub_digits(k, s[j], j, ds, nd)) return NULL;
    if (*nd > first && !chain_sub(k, ds + first, *nd - first)) return NULL;
  }
  for (int i = 0; i < *nd; i++) {
    if (lhs_pos(k, ds[i].index) < 0) return NULL;
    for (int j = 0; j < i; j++)
      if (ds[i].index == ds[j].index && dim_equal(ds[i].p, ds[j].p) &&
          (ds[i].q ? ds[j].q && dim_equal(ds[i].q, ds[j].q) : !ds[j].q))
        return NULL; /* read twice: x[i, i] */
  }
  for (int j = 0; j < k->out->nlhs; j++)
    if (!lhs_unit(k, j) && !covers(k, ds, *nd, k->out->lhs[j])) return NULL;
  return ds;
}

static IrMapType access_type(Cl *k, const Access *a) {
  const IrTensor *t = a->t;
  for (int j = 0; j < a->nsubs; j++) {
    const Dim *s = a->subs[j];
    if (!s) return MAP_ONE_TO_MANY; /* data-dependent or clamped */
    if (!a->flat && t->dims[j].pack && !own_pack(k, t, j, s))
      return MAP_ONE_TO_MANY; /* may broadcast */
    if (!ir_dim_has_index(s) && !unit_dim(t, j, a->flat)) return MAP_ONE_TO_MANY; /* x[i, 3] */
  }
  const Dim **s = a->units;
  if (!s) return MAP_ONE_TO_MANY;
  int nd;
  Digit *ds = injective(k, a, s, &nd);
  if (ds && positional(k, a, ds, nd)) return MAP_ONE_TO_ONE;
  if (same_offset(k, t, a->flat, s))
    return same_shape(t, k->out->target) ? MAP_ONE_TO_ONE : MAP_REORGANIZE;
  if (!ds) return MAP_ONE_TO_MANY;
  return order_kept(k, ds, nd) ? MAP_REORGANIZE : MAP_SHUFFLE;
}

/* ------------------------------------------------------------------ nodes */

/* A read of an operand declared `param` (batchnorm's statistics): not
 * counted in a generic graph, nor in a model graph when the argument is a
 * model weight. */
static int weight_operand(const Cl *k, const IrTensor *t) {
  const IrNode *n = k->n;
  const SemSig *sig = n->def ? n->def->sem : NULL;
  int any = 0;
  for (int i = 0; sig && i < n->ninputs && i < sig->ntensors; i++) {
    if (n->inputs[i] != t) continue;
    if (!sig->tensors[i]->weight || (!n->generic && t->kind != IR_WEIGHT)) return 0;
    any = 1;
  }
  return any;
}

static int same_map(const Access *a, const Access *b) {
  if (a->flat != b->flat || a->nsubs != b->nsubs) return 0;
  for (int j = 0; j < a->nsubs; j++)
    if (!dim_equal(a->units[j], b->units[j])) return 0;
  return 1;
}

static int polynomial(const Access *a) { return a->units != NULL; }

/* On different arms of one select: never read at the same output point. */
static int exclusive(const Access *a, const Access *b) {
  for (int i = 0; i < a->narms; i++)
    for (int j = 0; j < b->narms; j++)
      if (a->arms[i].select == b->arms[j].select && a->arms[i].arm != b->arms[j].arm) return 1;
  return 0;
}

/* Several maps of one input: read together, a window (many-to-many); on
 * exclusive arms, one element each but perhaps the same one (tiling):
 * one-to-many. */
static IrMapType several_maps(const Cl *k, int i) {
  const Access *a = &k->acc[i];
  IrMapType worst = MAP_ONE_TO_ONE;
  int distinct = 0;
  for (int j = i + 1; j < k->nacc; j++) {
    const Access *b = &k->acc[j];
    if (b->t != a->t || !polynomial(b) || same_map(a, b)) continue;
    if (++distinct > CLASSIFY_MAX_MAPS || !exclusive(a, b)) return MAP_MANY_TO_MANY;
    worst = MAP_ONE_TO_MANY;
  }
  return worst;
}

static IrMapType max_type(IrMapType a, IrMapType b) { return a > b ? a : b; }

static IrMapType classify_output(Cl *k, const IrStmt *s) {
  k->out = s;
  k->nacc = k->narms = k->nseen = 0;
  walk(k, s->rhs, NULL, 0, 1);
  if (k->budget < 0) return MAP_OPAQUE;
  for (int i = 0; i < k->nacc; i++) {
    Access *a = &k->acc[i];
    int poly = 1;
    for (int j = 0; j < a->nsubs; j++) poly &= a->subs[j] != NULL;
    a->units = poly ? drop_units(k, a) : NULL;
  }
  IrMapType worst = MAP_ONE_TO_ONE;
  for (int i = 0; i < k->nacc; i++) {
    const Access *a = &k->acc[i];
    if (weight_operand(k, a->t)) continue;
    worst = max_type(worst, access_type(k, a));
    if (polynomial(a)) worst = max_type(worst, several_maps(k, i));
  }
  return worst;
}

static int is_output(const IrNode *n, const IrTensor *t) {
  for (int i = 0; i < n->noutputs; i++)
    if (n->outputs[i] == t) return 1;
  return 0;
}

IrMapType ir_classify_node(const IrNode *n) {
  for (int i = 0; i < n->nstmts; i++)
    if (has_reduce(n->stmts[i].rhs)) return MAP_MANY_TO_MANY;
  Arena a;
  arena_init(&a);
  IrCtx c;
  memset(&c, 0, sizeof c);
  c.arena = &a;
  dim_ctx_init(&c.dc, &a);
  Cl k;
  memset(&k, 0, sizeof k);
  k.c = &c;
  k.n = n;
  k.budget = CLASSIFY_BUDGET;
  IrMapType worst = MAP_ONE_TO_ONE;
  for (int i = 0; i < n->nstmts; i++)
    if (is_output(n, n->stmts[i].target))
      worst = max_type(worst, classify_output(&k, &n->stmts[i]));
  arena_free(&a);
  return worst;
}

void ir_classify(IrCtx *c, IrGraph *g) {
  (void)c;
  for (int i = 0; i < g->nnodes; i++) g->nodes[i]->map = ir_classify_node(g->nodes[i]);
  g->classified = 1;
}
