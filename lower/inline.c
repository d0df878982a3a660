/* lower/inline.c -- the members of a fusion group other than its root are
 * never stored: where a node of the group reads a fused tensor (or a local
 * of a fused node), the statement that defines it is lowered in place,
 * its left-hand indices bound to the read's subscripts (docs/fusion.md).
 * The value goes into a register (`t = ...`) the first time a block needs
 * it at given subscripts, and later reads in that block use the register;
 * inside an arm of a select it is computed in the arm, where the select
 * guards it. */
#include "lower/lower_int.h"

#include <string.h>

typedef struct InlineMemo {
  const IrTensor *t;
  const Dim **subs;
  const LoopStmt *block;
  int var;
} InlineMemo;

/* The statement of node n that defines t. */
static const IrStmt *definition(const IrNode *n, const IrTensor *t) {
  for (int i = 0; i < n->nstmts; i++)
    if (n->stmts[i].target == t) return &n->stmts[i];
  return NULL;
}

/* The row-major digits of a flat offset in t's dims. */
static int flat_digits(LowerCtx *L, const IrTensor *t, const Dim *off, const Dim **subs) {
  int64_t v, stride = 1;
  for (int j = t->rank - 1; j >= 0; j--) {
    if (!lw_const_dim(L, t->dims[j].dim, t->loc, &v)) return 0;
    const Dim *q = dim_div(L->dc, off, dim_const(L->dc, stride));
    subs[j] = j == 0 ? q : dim_mod(L->dc, q, dim_const(L->dc, v));
    stride *= v;
  }
  return 1;
}

static int memo_find(LowerCtx *L, const IrTensor *t, const Dim **subs, const LoopStmt *block) {
  for (int i = 0; i < L->nmemo; i++) {
    const InlineMemo *m = &L->memo[i];
    if (m->t != t || m->block != block) continue;
    int same = 1;
    for (int j = 0; j < t->rank && same; j++) same = dim_equal(m->subs[j], subs[j]);
    if (same) return m->var;
  }
  return -1;
}

static void memo_add(LowerCtx *L, const IrTensor *t, const Dim **subs, const LoopStmt *block,
                     int var) {
  if (L->nmemo == L->capmemo) {
    int cap = L->capmemo ? 2 * L->capmemo : 16;
    InlineMemo *v = arena_alloc(L->a, sizeof *v * (size_t)cap);
    if (L->nmemo) memcpy(v, L->memo, sizeof *v * (size_t)L->nmemo);
    L->memo = v;
    L->capmemo = cap;
  }
  const Dim **copy = arena_alloc(L->a, sizeof *copy * (size_t)(t->rank + 1));
  memcpy(copy, subs, sizeof *copy * (size_t)t->rank);
  L->memo[L->nmemo++] = (InlineMemo){t, copy, block, var};
}

/* The value of def's right-hand side (a statement of node p) with its
 * left-hand indices bound to subs. */
static LoopExpr *compute(LowerCtx *L, const IrNode *p, const IrStmt *def, const Dim **subs,
                         LoopStmt *block) {
  const IrNode *node = L->node;
  const Dim **env = L->nb->env;
  int64_t *ext = L->ext;
  const Dim **penv = arena_alloc(L->a, sizeof *penv * (size_t)(p->nindices + 1));
  memset(penv, 0, sizeof *penv * (size_t)(p->nindices + 1));
  for (int j = 0; j < def->nlhs; j++) penv[def->lhs[j]] = subs[j];
  int64_t *pext = arena_alloc(L->a, sizeof *pext * (size_t)(p->nindices + 1));
  for (int i = 0; i < p->nindices; i++)
    if (!lw_const_dim(L, p->indices[i].extent.dim, p->loc, &pext[i])) return NULL;
  L->node = p, L->nb->env = penv, L->ext = pext, L->inlining++;
  LoopExpr *v = lw_value(L, def->rhs, block, -1);
  L->node = node, L->nb->env = env, L->ext = ext, L->inlining--;
  return v;
}

int lw_assumed_in_range(LowerCtx *L, const Dim *d, int64_t extent) {
  for (int i = 0; d && i < L->nassume; i++)
    if (L->assume_ext[i] <= extent && dim_equal(L->assume[i], d)) return 1;
  return 0;
}

static void assume(LowerCtx *L, const Dim *d, int64_t extent) {
  if (L->nassume == L->capassume) {
    int cap = L->capassume ? 2 * L->capassume : 16;
    const Dim **v = arena_alloc(L->a, sizeof *v * (size_t)cap);
    int64_t *x = arena_alloc(L->a, sizeof *x * (size_t)cap);
    if (L->nassume) {
      memcpy(v, L->assume, sizeof *v * (size_t)L->nassume);
      memcpy(x, L->assume_ext, sizeof *x * (size_t)L->nassume);
    }
    L->assume = v, L->assume_ext = x, L->capassume = cap;
  }
  L->assume[L->nassume] = d;
  L->assume_ext[L->nassume++] = extent;
}

int lw_store(LowerCtx *L, LoopStmt *block, const IrStmt *s, LoopExpr *v) {
  if (!L->epi_root || s->target != L->epi_tensor) {
    LoopExpr *addr = lw_store_offset(L, s);
    if (addr) ls_push(L->a, block, ls_store(L->a, lower_buf_of(L, s->target), addr, v));
    return addr != NULL;
  }
  const IrNode *r = L->epi_root;
  const IrStmt *rs = &r->stmts[r->nstmts - 1];
  int var = nest_var(L, s->target->name, v->type, 0, 0);
  ls_push(L->a, block, ls_let(L->a, var, v));
  const Dim **point = arena_alloc(L->a, sizeof *point * (size_t)(s->nlhs + 1));
  const Dim **renv = arena_alloc(L->a, sizeof *renv * (size_t)(r->nindices + 1));
  int64_t *rext = arena_alloc(L->a, sizeof *rext * (size_t)(r->nindices + 1));
  memset(renv, 0, sizeof *renv * (size_t)(r->nindices + 1));
  for (int j = 0; j < s->nlhs; j++) point[j] = L->nb->env[s->lhs[j]];
  for (int j = 0; j < rs->nlhs && j < s->nlhs; j++) renv[rs->lhs[j]] = point[j];
  for (int i = 0; i < r->nindices; i++)
    if (!lw_const_dim(L, r->indices[i].extent.dim, r->loc, &rext[i])) return 0;
  const IrNode *node = L->node;
  const Dim **env = L->nb->env;
  int64_t *ext = L->ext;
  int shrink = L->shrink;
  L->node = r, L->nb->env = renv, L->ext = rext, L->shrink = 0;
  L->epi_point = point, L->epi_value = le_var(L->a, var, v->type);
  LoopExpr *v2 = lw_value(L, rs->rhs, block, -1);
  LoopExpr *addr = v2 ? lw_store_offset(L, rs) : NULL;
  L->node = node, L->nb->env = env, L->ext = ext, L->shrink = shrink;
  L->epi_point = NULL, L->epi_value = NULL;
  if (addr) ls_push(L->a, block, ls_store(L->a, lower_buf_of(L, rs->target), addr, v2));
  return addr != NULL;
}

int lw_is_inlined(LowerCtx *L, const IrTensor *t) {
  if (t->kind == IR_LOCAL) return L->inlining > 0;
  return L->p->bufs[L->tensor_buf[t->id]]->kind == LB_FUSED;
}

LoopExpr *lw_inline_read(LowerCtx *L, const IrExpr *e, LoopStmt *block, int vec_red) {
  const IrTensor *t = e->tensor;
  const IrNode *p = t->kind == IR_LOCAL ? L->node : t->producer;
  const IrStmt *def = p ? definition(p, t) : NULL;
  const Dim **subs = arena_alloc(L->a, sizeof *subs * (size_t)(t->rank + 1));
  LoopExpr *check = NULL;
  int ok = def && def->nlhs == t->rank && (e->flat ? e->nargs == 1 : e->nargs == t->rank);
  for (int j = 0; ok && j < e->nargs; j++) {
    const Dim *d = lw_expr_dim(L, e->args[j], L->nb->env);
    int64_t ext = 1, v;
    for (int k = 0; k < t->rank && e->flat; k++)
      ext *= lw_const_dim(L, t->dims[k].dim, t->loc, &v) ? v : 0;
    if (!e->flat && !lw_const_dim(L, t->dims[j].dim, t->loc, &ext)) return NULL;
    if (!d) {
      ok = 0;
    } else {
      int fine;
      check = le_and(L->a, check, lw_range_check(L, d, ext, &fine));
      if (!fine) return NULL;
    }
    if (d && !e->flat) subs[j] = d;
    if (d && e->flat) ok = flat_digits(L, t, d, subs);
  }
  if (check && !e->dflt && (L->valid_points || L->no_guard))
    check = NULL; /* valid points only, where the plan proved the read in range */
  if (ok && L->epi_point && t == L->epi_tensor) { /* the epilogue reads the anchor's value */
    for (int j = 0; j < t->rank && ok; j++) ok = dim_equal(subs[j], L->epi_point[j]);
    if (ok && !check) return L->epi_value;
    ok = 0;
  }
  if (!ok || (check && !e->dflt)) { /* the fusion plan admits neither */
    diag_error(L->ir->diag, e->loc,
               "internal error: the read of fused tensor '%s' cannot be computed in place",
               t->name);
    L->errors++;
    return NULL;
  }
  if (check) { /* ?? out of range: computed only in the arm that is in range */
    int saved = L->nassume;
    int64_t v0;
    for (int j = 0; j < t->rank; j++)
      if (lw_const_dim(L, t->dims[j].dim, t->loc, &v0)) assume(L, subs[j], v0);
    L->in_arm++;
    LoopExpr *v = compute(L, p, def, subs, block);
    L->in_arm--;
    L->nassume = saved;
    LoopExpr *d = v ? lw_value(L, e->dflt, block, vec_red) : NULL;
    return d ? le_select(L->a, check, v, d) : NULL;
  }
  if (!block || L->in_arm) return compute(L, p, def, subs, block);
  int var = memo_find(L, t, subs, block);
  if (var < 0) {
    LoopExpr *v = compute(L, p, def, subs, block);
    if (!v) return NULL;
    var = nest_var(L, t->name, v->type, 0, 0);
    ls_push(L->a, block, ls_let(L->a, var, v));
    memo_add(L, t, subs, block, var);
  }
  return le_var(L->a, var, L->nb->vars[var].type);
}
