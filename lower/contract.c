/* lower/contract.c -- contractions the BLIS way: a statement whose value is
 * an epilogue of sum(k) A * B, with A and B reads by index arithmetic
 * (matmul, linear, conv2d as an implicit GEMM, pointwise conv), becomes
 *   1. a nest packing A into panels of MR rows, k-major,
 *   2. a nest of cache blocks of panels, parallel over blocks of B panels:
 *      each block of B is packed first into panels of NR columns, k-major
 *      (for conv2d this is the im2col, zero where the source reads ?? 0.0),
 *      then every pair of panels goes through a register-blocked
 *      micro-kernel: an MR x NR tile of
 *      accumulators in registers (MR * NR/lanes vectors), a loop over k of
 *      MR broadcasts of A times NR/lanes vector loads of B, and the tile
 *      stored through the epilogue (partial tiles at the edges).
 * M indices are the left-hand indices that only A reads, N indices those
 * that only B reads (the store's contiguous index among them), K the
 * reduced indices.  docs/cpu.md, "Contractions". */
#include "lower/lower_int.h"

#include <string.h>

/* Contractions of less work than this use the plain schedule. */
#define CONTRACT_MIN_FLOPS (1 << 17)

typedef struct Contr {
  const IrStmt *s;
  const IrExpr *red;         /* the sum */
  const IrExpr *a, *b;       /* its factors: a reads the M indices, b the N indices */
  int mi[LOOP_MAX_RANK], nm; /* M indices, in left-hand order */
  int ni[LOOP_MAX_RANK], nn; /* N indices, the store's contiguous one last */
  int64_t M, N, K;
  int lanes, MR, NR;          /* the register tile */
  int64_t MP, NP;             /* panels of A and B */
  int64_t MCB, NCB, NIC, NJC; /* panels per block, blocks */
  int ap, bp, acc;            /* buffers: packed A, packed B, the tile */
  int epilogue_proven;        /* the epilogue's reads need no checks at valid points */
  int b_weight;               /* B is a weight: packed once per loaded model */
} Contr;

/* -------------------------------------------------------------- matching */

/* A read whose subscripts are all index arithmetic. */
static int affine_read(LowerCtx *L, const IrExpr *e) {
  if (e->kind != IE_READ || e->type != ELEM_F32 || e->tensor->kind == IR_LOCAL) return 0;
  if (e->dflt && (e->dflt->kind != IE_CONST || e->dflt->f != 0.0)) return 0;
  for (int i = 0; i < e->nargs; i++)
    if (!lw_expr_dim(L, e->args[i], NULL)) return 0;
  return 1;
}

/* Sorts the left-hand indices into M (read by a only) and N (by b only);
 * indices of extent 1 may be read by both or neither.  0 when another
 * index is read by both (a batch) or by neither (a broadcast). */
static int classify(LowerCtx *L, Contr *c) {
  const IrStmt *s = c->s;
  c->nm = c->nn = 0;
  for (int i = 0; i < s->nlhs; i++) {
    int ix = s->lhs[i], ina = sched_mentions(c->a, ix), inb = sched_mentions(c->b, ix);
    if (L->ext[ix] == 1) continue;
    if (ina == inb) return 0;
    if (ina) c->mi[c->nm++] = ix;
    else c->ni[c->nn++] = ix;
  }
  if (c->nm == 0 || c->nn == 0) return 0;
  /* the store is contiguous along the innermost left-hand index (of extent > 1) */
  int last = -1;
  for (int i = 0; i < s->nlhs; i++)
    if (L->ext[s->lhs[i]] > 1) last = s->lhs[i];
  if (last == c->ni[c->nn - 1]) return 1;
  if (last != c->mi[c->nm - 1]) return 0;
  const IrExpr *t = c->a; /* the product commutes: make the contiguous side B */
  c->a = c->b, c->b = t;
  int tmp[LOOP_MAX_RANK], n = c->nm;
  memcpy(tmp, c->mi, sizeof tmp);
  memcpy(c->mi, c->ni, sizeof c->mi);
  memcpy(c->ni, tmp, sizeof c->ni);
  c->nm = c->nn, c->nn = n;
  return 1;
}

static int has_guard(const LoopExpr *e) {
  if (e->kind == LE_LOAD && e->guard) return 1;
  for (int i = 0; i < e->nargs; i++)
    if (has_guard(e->args[i])) return 1;
  return 0;
}

/* Is read e in range at every point of the node's index space (a read
 * with ?? is, by its default)?  Then the packing nests, whose padded
 * panels reach past the space, may read without checks where they keep
 * the value. */
static int proven(LowerCtx *L, const IrExpr *e) {
  NestB nb;
  nest_begin(L, &nb);
  for (int i = 0; i < L->node->nindices; i++) {
    int v = nest_var(L, L->node->indices[i].name, ELEM_INT, 0, L->ext[i]);
    nb.env[i] = dim_sym(L->dc, nb.syms[v]);
  }
  LoopExpr *x = lw_value(L, e, NULL, -1);
  L->nb = NULL;
  return x && !has_guard(x);
}

static int match(LowerCtx *L, const IrStmt *s, Contr *c) {
  memset(c, 0, sizeof *c);
  c->s = s;
  int nred = 0;
  c->red = sched_only_reduce(s->rhs, &nred);
  if (nred != 1 || c->red->reduce != RD_SUM || c->red->type != ELEM_F32 ||
      s->target->elem != ELEM_F32)
    return 0;
  const IrExpr *body = c->red->args[0];
  if (body->kind != IE_BINARY || body->op != OP_MUL) return 0;
  c->a = body->args[0], c->b = body->args[1];
  if (!affine_read(L, c->a) || !affine_read(L, c->b) || s->nlhs > LOOP_MAX_RANK) return 0;
  if (c->a->tensor == s->target || c->b->tensor == s->target) return 0;
  if (!classify(L, c) || !proven(L, c->a) || !proven(L, c->b)) return 0;
  L->subst = c->red; /* the epilogue, the sum standing for itself */
  L->subst_value = le_float(L->a, ELEM_F32, 0.0);
  c->epilogue_proven = proven(L, s->rhs);
  L->subst = NULL;
  c->M = c->N = c->K = 1;
  for (int i = 0; i < c->nm; i++) c->M *= L->ext[c->mi[i]];
  for (int i = 0; i < c->nn; i++) c->N *= L->ext[c->ni[i]];
  for (int i = 0; i < c->red->nred; i++) c->K *= L->ext[c->red->red[i]];
  return 2.0 * (double)c->M * (double)c->N * (double)c->K >= CONTRACT_MIN_FLOPS && c->K >= 16 &&
         c->M >= 4 && c->N >= L->lanes;
}

/* ------------------------------------------------------------ the tiling */

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* The register tile: NR = 2 vectors (1 when N is short), MR rows so that
 * MR * NR/lanes accumulators, the NR/lanes vectors of B and a broadcast of
 * A fill the vector registers; among the row counts that fit, the one that
 * pads M least for the most work per load.  Then the cache blocks: a block
 * of A panels fills half the L2, and the B panels are cut into at least 16
 * blocks (the parallel loop), when there are that many. */
static void tile(LowerCtx *L, Contr *c) {
  c->lanes = L->lanes;
  int nv = c->N >= 2 * c->lanes ? 2 : 1;
  c->NR = nv * c->lanes;
  int mrmax = (L->t->vector_regs - nv - 1) / nv;
  if (mrmax > 16) mrmax = 16;
  double best = -1;
  for (int mr = 2; mr <= mrmax; mr++) {
    double fill = (double)c->M / (double)(ceil_div(c->M, mr) * mr);
    double work = (double)(mr * nv) / (double)(mr * nv + mr + nv);
    if (fill * work > best + 1e-9) best = fill * work, c->MR = mr;
  }
  c->MP = ceil_div(c->M, c->MR);
  c->NP = ceil_div(c->N, c->NR);
  c->MCB = L->t->l2 / 2 / (c->MR * c->K * 4);
  if (c->MCB < 1) c->MCB = 1;
  if (c->MCB > c->MP) c->MCB = c->MP;
  c->NIC = ceil_div(c->MP, c->MCB);
  c->NCB = ceil_div(c->NP, 16);
  c->NJC = ceil_div(c->NP, c->NCB);
}

/* ---------------------------------------------------------------- helpers */

static const Dim *dsym(LowerCtx *L, int v) { return dim_sym(L->dc, L->nb->syms[v]); }
static const Dim *dconst(LowerCtx *L, int64_t v) { return dim_const(L->dc, v); }
static const Dim *dmuladd(LowerCtx *L, int64_t k, const Dim *x, const Dim *y) {
  return dim_add(L->dc, dim_mul(L->dc, dconst(L, k), x), y);
}

/* Binds the indices ix[0..n-1] (row-major, extents from L->ext) to the
 * digits of the flat position `flat`. */
static void bind_flat(LowerCtx *L, const int *ix, int n, const Dim *flat) {
  int64_t stride = 1;
  for (int i = n - 1; i >= 0; i--) {
    const Dim *d = dim_div(L->dc, flat, dconst(L, stride));
    if (i > 0) d = dim_mod(L->dc, d, dconst(L, L->ext[ix[i]]));
    L->nb->env[ix[i]] = d;
    stride *= L->ext[ix[i]];
  }
}

/* Binds every left-hand index of extent 1 to 0. */
static void bind_ones(LowerCtx *L, const IrStmt *s) {
  for (int i = 0; i < s->nlhs; i++)
    if (L->ext[s->lhs[i]] == 1) L->nb->env[s->lhs[i]] = L->dc->zero;
}

static LoopStmt *loop(LowerCtx *L, LoopStmt *parent, int var, int64_t lo, int64_t hi, LoopKind k) {
  LoopStmt *s = ls_loop(L->a, var, lo, hi, k, L->lanes);
  if (parent) ls_push(L->a, parent, s);
  return s;
}

/* Loops over the reduced indices (bound in env) inside `in`; returns the
 * innermost and sets *kflat to their flat position. */
static LoopStmt *k_loops(LowerCtx *L, const Contr *c, LoopStmt *in, const Dim **kflat) {
  const Dim *k = L->dc->zero;
  for (int i = 0; i < c->red->nred; i++) {
    int ix = c->red->red[i];
    int v = nest_var(L, L->node->indices[ix].name, ELEM_INT, 0, L->ext[ix]);
    in = loop(L, in, v, 0, L->ext[ix], L->ext[ix] <= 4 ? LOOP_UNROLL : LOOP_SERIAL);
    L->nb->env[ix] = dsym(L, v);
    k = dmuladd(L, L->ext[ix], k, dsym(L, v));
  }
  *kflat = k;
  return in;
}

/* flat < limit ? value : 0.0 (nothing when the panels are not padded). */
static LoopExpr *padded(LowerCtx *L, const Dim *flat, int64_t limit, int64_t padded_to,
                        LoopExpr *v) {
  if (padded_to == limit) return v;
  LoopExpr *cond = le_binary(L->a, OP_LT, ELEM_BOOL, lw_dim_loop(L, flat), le_int(L->a, limit));
  return le_select(L->a, cond, v, le_float(L->a, ELEM_F32, 0.0));
}

/* ---------------------------------------------------------------- packing */

/* Inside `in`: bp[NR*K*jp + NR*k + c] = B(n = NR*jp + c, k), 0 past N. */
static int pack_b(LowerCtx *L, const Contr *c, LoopStmt *in, const Dim *jp) {
  const Dim *kf;
  in = k_loops(L, c, in, &kf);
  int cv = nest_var(L, "c", ELEM_INT, 0, c->NR);
  in = loop(L, in, cv, 0, c->NR, LOOP_VECTOR);
  const Dim *n = dmuladd(L, c->NR, jp, dsym(L, cv));
  bind_flat(L, c->ni, c->nn, n);
  L->no_guard = 1;
  LoopExpr *v = lw_value(L, c->b, in, -1);
  L->no_guard = 0;
  if (!v) return 0;
  const Dim *off = dim_add(
      L->dc, dmuladd(L, c->NR * c->K, jp, dim_mul(L->dc, dconst(L, c->NR), kf)), dsym(L, cv));
  ls_push(L->a, in,
          ls_store(L->a, c->bp, lw_dim_loop(L, off), padded(L, n, c->N, c->NP * c->NR, v)));
  return 1;
}

/* All of B in a nest of its own (B a weight, packed once). */
static LoopNest *pack_b_nest(LowerCtx *L, const Contr *c) {
  NestB nb;
  nest_begin(L, &nb);
  bind_ones(L, c->s);
  int jp = nest_var(L, "jp", ELEM_INT, 0, c->NP);
  LoopStmt *root = loop(L, NULL, jp, 0, c->NP, LOOP_PARALLEL);
  if (!pack_b(L, c, root, dsym(L, jp))) return NULL;
  return nest_end(L, arena_printf(L->a, "%s (pack %s)", c->s->target->name, c->b->tensor->name),
                  root, 0);
}

/* ap[MR*K*ip + MR*k + r] = A(m = MR*ip + r, k), 0 past M. */
static LoopNest *pack_a(LowerCtx *L, const Contr *c) {
  NestB nb;
  nest_begin(L, &nb);
  bind_ones(L, c->s);
  int ip = nest_var(L, "ip", ELEM_INT, 0, c->MP);
  LoopStmt *root = loop(L, NULL, ip, 0, c->MP, LOOP_PARALLEL);
  const Dim *kf;
  LoopStmt *in = k_loops(L, c, root, &kf);
  int r = nest_var(L, "r", ELEM_INT, 0, c->MR);
  in = loop(L, in, r, 0, c->MR, LOOP_UNROLL);
  const Dim *m = dmuladd(L, c->MR, dsym(L, ip), dsym(L, r));
  bind_flat(L, c->mi, c->nm, m);
  L->no_guard = 1;
  LoopExpr *v = lw_value(L, c->a, in, -1);
  L->no_guard = 0;
  if (!v) return NULL;
  const Dim *off =
      dim_add(L->dc, dmuladd(L, c->MR * c->K, dsym(L, ip), dim_mul(L->dc, dconst(L, c->MR), kf)),
              dsym(L, r));
  ls_push(L->a, in,
          ls_store(L->a, c->ap, lw_dim_loop(L, off), padded(L, m, c->M, c->MP * c->MR, v)));
  return nest_end(L, arena_printf(L->a, "%s (pack %s)", c->s->target->name, c->a->tensor->name),
                  root, 0);
}

/* ------------------------------------------------------------ the kernel */

/* for r in [0, rows) unroll: for c in [0, cols) vector: acc[NR*r + c] = ... */
typedef struct TileLoops {
  LoopStmt *outer, *inner;
  int r, c;
} TileLoops;

static TileLoops tile_loops(LowerCtx *L, const Contr *c, LoopStmt *parent, int64_t rows,
                            int64_t cols) {
  TileLoops t;
  t.r = nest_var(L, "r", ELEM_INT, 0, rows);
  t.outer = loop(L, parent, t.r, 0, rows, LOOP_UNROLL);
  t.c = nest_var(L, "c", ELEM_INT, 0, cols);
  t.inner = loop(L, t.outer, t.c, 0, cols, cols >= c->lanes ? LOOP_VECTOR : LOOP_SERIAL);
  return t;
}

static LoopExpr *acc_at(LowerCtx *L, const Contr *c, const TileLoops *t) {
  return lw_dim_loop(L, dmuladd(L, c->NR, dsym(L, t->r), dsym(L, t->c)));
}

/* The tile's rows x cols elements through the epilogue into the target. */
static int store_tile(LowerCtx *L, const Contr *c, LoopStmt *parent, const Dim *ip, const Dim *jp,
                      int64_t rows, int64_t cols) {
  TileLoops t = tile_loops(L, c, parent, rows, cols);
  bind_flat(L, c->mi, c->nm, dmuladd(L, c->MR, ip, dsym(L, t.r)));
  bind_flat(L, c->ni, c->nn, dmuladd(L, c->NR, jp, dsym(L, t.c)));
  L->subst = c->red;
  L->subst_value = le_load(L->a, c->acc, ELEM_F32, acc_at(L, c, &t));
  L->no_guard = c->epilogue_proven; /* the stores cover valid points only */
  LoopExpr *v = lw_value(L, c->s->rhs, t.inner, -1);
  L->no_guard = 0;
  L->subst = NULL;
  LoopExpr *off = v ? lw_store_offset(L, c->s) : NULL;
  if (!off) return 0;
  ls_push(L->a, t.inner, ls_store(L->a, lower_buf_of(L, c->s->target), off, v));
  return 1;
}

static LoopExpr *cmp(LowerCtx *L, AstOp op, const Dim *x, int64_t k) {
  return le_binary(L->a, op, ELEM_BOOL, lw_dim_loop(L, x), le_int(L->a, k));
}

/* `if cond:` inside `in`; returns the if, to fill. */
static LoopStmt *guard(LowerCtx *L, LoopStmt *in, LoopExpr *cond) {
  LoopStmt *s = ls_if(L->a, cond);
  ls_push(L->a, in, s);
  return s;
}

/* The stores of a tile: whole, or the rows and columns left at the edges
 * (the last panels), each under its condition. */
static int store_tiles(LowerCtx *L, const Contr *c, LoopStmt *in, const Dim *ip, const Dim *jp) {
  int64_t mrest = c->M - (c->MP - 1) * c->MR, nrest = c->N - (c->NP - 1) * c->NR;
  for (int pr = 0; pr < 2; pr++)
    for (int pc = 0; pc < 2; pc++) {
      if ((pr && mrest == c->MR) || (pc && nrest == c->NR)) continue;
      LoopExpr *cond = NULL;
      if (mrest != c->MR) cond = cmp(L, pr ? OP_EQ : OP_LT, ip, c->MP - 1);
      if (nrest != c->NR) cond = le_and(L->a, cond, cmp(L, pc ? OP_EQ : OP_LT, jp, c->NP - 1));
      LoopStmt *at = cond ? guard(L, in, cond) : in;
      if (!store_tile(L, c, at, ip, jp, pr ? mrest : c->MR, pc ? nrest : c->NR)) return 0;
    }
  return 1;
}

/* The micro-kernel of panel ip of A and panel jp of B. */
static int micro_kernel(LowerCtx *L, const Contr *c, LoopStmt *in, const Dim *ip, const Dim *jp) {
  Arena *a = L->a;
  TileLoops z = tile_loops(L, c, in, c->MR, c->NR);
  ls_push(a, z.inner, ls_store(a, c->acc, acc_at(L, c, &z), le_float(a, ELEM_F32, 0.0)));
  int k = nest_var(L, "k", ELEM_INT, 0, c->K);
  LoopStmt *kl = loop(L, in, k, 0, c->K, LOOP_SERIAL);
  TileLoops t = tile_loops(L, c, kl, c->MR, c->NR);
  const Dim *aoff =
      dim_add(L->dc, dmuladd(L, c->MR * c->K, ip, dim_mul(L->dc, dconst(L, c->MR), dsym(L, k))),
              dsym(L, t.r));
  const Dim *boff =
      dim_add(L->dc, dmuladd(L, c->NR * c->K, jp, dim_mul(L->dc, dconst(L, c->NR), dsym(L, k))),
              dsym(L, t.c));
  LoopExpr *prod = le_binary(a, OP_MUL, ELEM_F32, le_load(a, c->ap, ELEM_F32, lw_dim_loop(L, aoff)),
                             le_load(a, c->bp, ELEM_F32, lw_dim_loop(L, boff)));
  LoopExpr *at = acc_at(L, c, &t);
  ls_push(a, t.inner,
          ls_store(a, c->acc, at,
                   le_binary(a, OP_ADD, ELEM_F32, le_load(a, c->acc, ELEM_F32, at), prod)));
  return store_tiles(L, c, in, ip, jp);
}

/* for jc parallel: pack the jc-th block of B panels (here, so that it is
 * still in the L2 when the kernels read it), then for ic: for jq: for iq:
 * the micro-kernel of panels jp = NCB*jc + jq and ip = MCB*ic + iq
 * (guarded where blocks are ragged). */
static LoopNest *compute(LowerCtx *L, const Contr *c) {
  NestB nb;
  nest_begin(L, &nb);
  bind_ones(L, c->s);
  int jc = nest_var(L, "jc", ELEM_INT, 0, c->NJC), ic = nest_var(L, "ic", ELEM_INT, 0, c->NIC);
  int jq = nest_var(L, "jq", ELEM_INT, 0, c->NCB), iq = nest_var(L, "iq", ELEM_INT, 0, c->MCB);
  LoopStmt *root = loop(L, NULL, jc, 0, c->NJC, c->NJC > 1 ? LOOP_PARALLEL : LOOP_SERIAL);
  LoopStmt *in;
  const Dim *jp;
  if (!c->b_weight) {
    int pq = nest_var(L, "jq", ELEM_INT, 0, c->NCB);
    in = loop(L, root, pq, 0, c->NCB, LOOP_SERIAL);
    jp = dmuladd(L, c->NCB, dsym(L, jc), dsym(L, pq));
    if (c->NJC * c->NCB > c->NP) in = guard(L, in, cmp(L, OP_LT, jp, c->NP));
    if (!pack_b(L, c, in, jp)) return NULL;
  }
  in = loop(L, root, ic, 0, c->NIC, LOOP_SERIAL);
  in = loop(L, in, jq, 0, c->NCB, LOOP_SERIAL);
  jp = dmuladd(L, c->NCB, dsym(L, jc), dsym(L, jq));
  if (c->NJC * c->NCB > c->NP) in = guard(L, in, cmp(L, OP_LT, jp, c->NP));
  in = loop(L, in, iq, 0, c->MCB, LOOP_SERIAL);
  const Dim *ip = dmuladd(L, c->MCB, dsym(L, ic), dsym(L, iq));
  if (c->NIC * c->MCB > c->MP) in = guard(L, in, cmp(L, OP_LT, ip, c->MP));
  if (!micro_kernel(L, c, in, ip, jp)) return NULL;
  return nest_end(L, c->s->target->name, root, lower_stmt_flops(L->node, c->s));
}

int contract_stmt(LowerCtx *L, LoopKernel *k, const IrStmt *s) {
  Contr c;
  if (L->t->gpu || !match(L, s, &c)) return 0; /* GPU: backends/opencl's own */
  tile(L, &c);
  const char *t = s->target->name;
  c.bp = lower_new_buf(L, arena_printf(L->a, "%s.%s.packed", t, c.b->tensor->name), LB_SCRATCH,
                       ELEM_F32, c.NP * c.NR * c.K);
  c.ap = lower_new_buf(L, arena_printf(L->a, "%s.%s.packed", t, c.a->tensor->name), LB_SCRATCH,
                       ELEM_F32, c.MP * c.MR * c.K);
  c.acc =
      lower_new_buf(L, arena_printf(L->a, "%s.tile", t), LB_STACK, ELEM_F32, (int64_t)c.MR * c.NR);
  /* weights are packed once per loaded model, into persistent buffers */
  if (c.a->tensor->kind == IR_WEIGHT) lower_persistent(L, c.ap);
  c.b_weight = c.b->tensor->kind == IR_WEIGHT;
  if (c.b_weight) lower_persistent(L, c.bp);
  LoopNest *n;
  if (!(n = pack_a(L, &c))) return -1;
  n->once = c.a->tensor->kind == IR_WEIGHT;
  nest_add(L, k, n);
  if (c.b_weight) {
    if (!(n = pack_b_nest(L, &c))) return -1;
    n->once = 1;
    nest_add(L, k, n);
  }
  if (!(n = compute(L, &c))) return -1;
  nest_add(L, k, n);
  return L->errors ? -1 : 1;
}
