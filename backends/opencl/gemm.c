/* backends/opencl/gemm.c -- OpenCL C for a tiled, register-blocked
 * contraction C[b, m, n] = epilogue(sum_k A(b, m, k) * B(b, k, n)) with
 * constant sizes (fast.h).  A work-group computes a TM x TN tile: for each
 * step of TK along k, every work-item stores the A and B elements it
 * loaded into local memory (float4 global loads where the layout allows),
 * loads its share of the next step into registers, and multiplies its
 * RM x RN block from local memory (float4 local reads).  docs/opencl.md,
 * "Fast kernels". */
#include "backends/opencl/fast.h"

#include <stdio.h>
#include <string.h>

/* -------------------------------------------------------------- the plan */

/* How one input tile (rows x TK, rows = TM for A, TN for B) goes from
 * global to local memory: in units of `vec` elements (4: float4) that are
 * consecutive along k or along the rows; unit u of the tile is loaded by
 * work-item u % WG, `per` units each. */
typedef struct Load {
  int vec, along_k;
  int rows, units, per;
  int ld; /* the local array's row length (per k): rows, + 4 when stored
             along k (fewer bank conflicts for the transposing stores) */
} Load;

typedef struct Gen {
  const OclGemm *g;
  OclCode *o;
  int tm, tn, tk, rm, rn, tx, ty, wg;
  int wa, wb;  /* elements of A / B a work-item reads from local memory at once */
  Load la, lb; /* A and B */
  int vec_c;   /* float4 stores of C */
  const char *ix; /* "int" or "long": the type of strided offsets */
  int digits;     /* some operand loads K's digits (load_kd) */
  int ks;         /* the inner digits: kdig[ks..nkdig), of product P */
  int64_t P;      /* TK is a multiple of it */
} Gen;

static int is_pow2(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }
static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* sb is irrelevant when there is one batch. */
static int64_t eff_sb(const OclGemm *g, int64_t sb) { return g->batch == 1 ? 0 : sb; }

/* Can input x (rows of extent r in the problem, tile rows `rows`) load
 * float4 units along k / along r? */
static int vec_k(const OclGemm *g, const OclGemmInput *x, int tk) {
  return x->kind == OCL_ACCESS_STRIDED && x->sk == 1 && g->k % 4 == 0 && tk % 4 == 0 &&
         x->off % 4 == 0 && eff_sb(g, x->sb) % 4 == 0 && x->sr % 4 == 0;
}
static int vec_r(const OclGemm *g, const OclGemmInput *x, int64_t r, int rows) {
  return x->kind == OCL_ACCESS_STRIDED && x->sr == 1 && r % 4 == 0 && rows % 4 == 0 &&
         x->off % 4 == 0 && eff_sb(g, x->sb) % 4 == 0 && (x->sk % 4 == 0 || g->k == 1);
}

static Load plan_load(const OclGemm *g, const OclGemmInput *x, int64_t r, int rows, int tk,
                      int wg) {
  Load l;
  l.rows = rows;
  if (vec_r(g, x, r, rows)) l.vec = 4, l.along_k = 0;
  else if (vec_k(g, x, tk)) l.vec = 4, l.along_k = 1;
  else {
    l.vec = 1;
    if (x->kind == OCL_ACCESS_CUSTOM) l.along_k = !x->r_major;
    else l.along_k = !(x->sr == 1 || (x->sk != 1 && x->sr < x->sk));
  }
  l.units = rows * tk / l.vec;
  l.per = (int)cdiv(l.units, wg);
  l.ld = rows + (l.along_k && rows >= 16 ? 4 : 0);
  return l;
}

static int vec_store(const OclGemm *g, int wb) {
  const OclGemmOutput *c = &g->c;
  return c->kind == OCL_ACCESS_STRIDED && wb == 4 && c->sn == 1 && g->n % 4 == 0 &&
         c->off % 4 == 0 && c->sm % 4 == 0 && eff_sb(g, c->sb) % 4 == 0;
}

int ocl_gemm_wg(const OclGemmTile *t) {
  if (t->rm <= 0 || t->rn <= 0) return 0;
  return (t->tm / t->rm) * (t->tn / t->rn);
}

/* The inner digits of K: the longest suffix of kdig of product <= 64. */
static void inner_digits(const OclGemm *g, int *ks, int64_t *P) {
  *ks = g->nkdig, *P = 1;
  while (*ks > 0 && *P * g->kdig[*ks - 1] <= 64) *P *= g->kdig[--*ks];
}

static int uses_digits(const OclGemm *g) {
  return g->nkdig > 0 && ((g->a.kind == OCL_ACCESS_CUSTOM && g->a.load_kd) ||
                          (g->b.kind == OCL_ACCESS_CUSTOM && g->b.load_kd));
}

static void plan(Gen *G, const OclGemm *g) {
  const OclGemmTile *t = &g->tile;
  G->g = g;
  G->digits = uses_digits(g);
  G->ks = g->nkdig, G->P = 1;
  if (G->digits) inner_digits(g, &G->ks, &G->P);
  G->tm = t->tm, G->tn = t->tn, G->tk = t->tk, G->rm = t->rm, G->rn = t->rn;
  G->ty = t->tm / t->rm, G->tx = t->tn / t->rn;
  G->wg = G->tx * G->ty;
  G->wa = t->rm % 4 == 0 ? 4 : 1;
  G->wb = t->rn % 4 == 0 ? 4 : 1;
  G->la = plan_load(g, &g->a, g->m, t->tm, t->tk, G->wg);
  G->lb = plan_load(g, &g->b, g->n, t->tn, t->tk, G->wg);
  G->vec_c = vec_store(g, G->wb);
}

static int64_t local_bytes(const Gen *G) {
  return 4 * (int64_t)G->tk * (G->la.ld + G->lb.ld);
}

/* ------------------------------------------------------------- checking */

static int fail(char *err, size_t n, const char *msg, const char *name) {
  if (err && n) snprintf(err, n, "gemm kernel '%s': %s", name ? name : "?", msg);
  return -1;
}

/* The largest element offset a strided access reaches; -1 when it has a
 * negative stride or offset. */
static int64_t max_offset(int64_t off, int64_t s0, int64_t e0, int64_t s1, int64_t e1, int64_t s2,
                          int64_t e2) {
  if (off < 0 || s0 < 0 || s1 < 0 || s2 < 0) return -1;
  return off + s0 * (e0 - 1) + s1 * (e1 - 1) + s2 * (e2 - 1);
}

static int check_sizes(const OclGemm *g, char *err, size_t n) {
  char msg[160];
  if (!g->body_only && (!g->name || !g->params))
    return fail(err, n, "no name or parameter list", g->name);
  if (g->batch < 1 || g->m < 1 || g->n < 1 || g->k < 1) {
    snprintf(msg, sizeof msg, "sizes must be >= 1 (batch %lld, M %lld, N %lld, K %lld)",
             (long long)g->batch, (long long)g->m, (long long)g->n, (long long)g->k);
    return fail(err, n, msg, g->name);
  }
  if (g->m > INT32_MAX / 2 || g->n > INT32_MAX / 2 || g->k > INT32_MAX / 2 || g->batch > 65535)
    return fail(err, n, "sizes too large (M, N, K < 2^30, batch <= 65535)", g->name);
  const OclGemmInput *in[2] = {&g->a, &g->b};
  int64_t ext[2] = {g->m, g->n};
  for (int i = 0; i < 2; i++) {
    const OclGemmInput *x = in[i];
    if (x->kind == OCL_ACCESS_CUSTOM ? !x->load && !(x->load_kd && g->nkdig > 0) : !x->ptr)
      return fail(err, n, i ? "operand B has no access" : "operand A has no access", g->name);
    if (x->kind == OCL_ACCESS_STRIDED &&
        max_offset(x->off, x->sb, g->batch, x->sr, ext[i], x->sk, g->k) < 0)
      return fail(err, n, "negative stride or offset", g->name);
  }
  if (g->nkdig < 0 || g->nkdig > OCL_GEMM_MAX_KDIG)
    return fail(err, n, "bad number of digits of K", g->name);
  int64_t prod = 1;
  for (int i = 0; i < g->nkdig; i++) {
    if (g->kdig[i] < 1) return fail(err, n, "a digit of K of extent < 1", g->name);
    prod *= g->kdig[i];
  }
  if (g->nkdig && prod != g->k)
    return fail(err, n, "the digits of K do not multiply to K", g->name);
  const OclGemmOutput *c = &g->c;
  if (c->kind == OCL_ACCESS_CUSTOM ? !c->store : !c->ptr)
    return fail(err, n, "operand C has no access", g->name);
  if (c->kind == OCL_ACCESS_STRIDED &&
      max_offset(c->off, c->sb, g->batch, c->sm, g->m, c->sn, g->n) < 0)
    return fail(err, n, "negative stride or offset", g->name);
  return 0;
}

static int check_tile(const OclGemm *g, const OclLimits *lim, char *err, size_t n) {
  const OclGemmTile *t = &g->tile;
  char msg[240];
  int ks;
  int64_t P = 1;
  if (uses_digits(g)) inner_digits(g, &ks, &P);
  int tk_ok = P > 1 ? t->tk >= 1 && t->tk <= 64 && t->tk % P == 0
                    : t->tk == 4 || t->tk == 8 || t->tk == 16;
  if (!is_pow2(t->tm) || !is_pow2(t->tn) || !is_pow2(t->rm) || !is_pow2(t->rn) ||
      t->rm > t->tm || t->rn > t->tn || !tk_ok || t->rm > 8 || t->rn > 8 || t->tm > 512 ||
      t->tn > 512) {
    snprintf(msg, sizeof msg,
             "bad tiling %dx%dx%d/%dx%d (TM, TN, RM, RN powers of 2, RM <= TM, RN <= TN, "
             "RM, RN <= 8, TM, TN <= 512, TK 4, 8 or 16, or a multiple of %lld up to 64 "
             "with the digits of K)",
             t->tm, t->tn, t->tk, t->rm, t->rn, (long long)P);
    return fail(err, n, msg, g->name);
  }
  Gen G;
  plan(&G, g);
  if (G.wg > lim->max_wg) {
    snprintf(msg, sizeof msg, "%d work-items per work-group, the device allows %lld", G.wg,
             (long long)lim->max_wg);
    return fail(err, n, msg, g->name);
  }
  if (local_bytes(&G) > lim->local_bytes) {
    snprintf(msg, sizeof msg, "%lld bytes of local memory, the device has %lld",
             (long long)local_bytes(&G), (long long)lim->local_bytes);
    return fail(err, n, msg, g->name);
  }
  if (cdiv(g->m, t->tm) > 65535) return fail(err, n, "more than 65535 tiles along M", g->name);
  return 0;
}

int ocl_gemm_check(const OclGemm *g, const OclLimits *lim, char *err, size_t errlen) {
  if (check_sizes(g, err, errlen)) return -1;
  return check_tile(g, lim, err, errlen);
}

/* --------------------------------------------------------------- choice */

/* The cost model of the choice (docs/opencl.md), in multiply-adds of one
 * work-item: an element loaded into a tile from memory costs LOAD_VEC4
 * (float4 loads), LOAD_SCALAR (one at a time) or LOAD_CUSTOM (a callback's
 * expression: a conv's gather, its index arithmetic), a read of local
 * memory LOCAL_READ.  Calibrated on an H200 (bench/ocl_gpu.sh --sweep,
 * bench/results/h200-2026-11-21/gpu.txt): matmul 4096^3, conv 64x56x56. */
#define LOAD_VEC4 8.0
#define LOAD_SCALAR 12.0
#define LOAD_CUSTOM 64.0
#define LOAD_DIGITS 16.0 /* a callback given K's digits: a guess, not yet measured */
#define LOCAL_READ 3.0

static double load_cost(const Gen *G, const Load *l, const OclGemmInput *x) {
  if (x->kind == OCL_ACCESS_CUSTOM) return G->digits && x->load_kd ? LOAD_DIGITS : LOAD_CUSTOM;
  return l->vec == 4 ? LOAD_VEC4 : LOAD_SCALAR;
}

/* Estimated time of g's tiling (arbitrary units): the work of every
 * work-item of every tile per step of k -- its block's multiply-adds, its
 * local reads and its share of the tile loads -- over the share of the
 * device's compute units the grid fills. */
static double estimate(const OclGemm *g, int compute_units) {
  Gen G;
  plan(&G, g);
  double tiles = (double)cdiv(g->m, G.tm) * (double)cdiv(g->n, G.tn) * (double)g->batch;
  int ra = G.rm % 4 == 0 ? G.rm / 4 : G.rm, rb = G.rn % 4 == 0 ? G.rn / 4 : G.rn;
  double item = (double)G.rm * G.rn + LOCAL_READ * (ra + rb) +
                (G.tm * load_cost(&G, &G.la, &g->a) + G.tn * load_cost(&G, &G.lb, &g->b)) / G.wg;
  double util = tiles / compute_units;
  if (util > 1) util = 1;
  return tiles * G.wg * item / util;
}

/* TK: 16, or 8 for blocks of 32 accumulators or more (fewer registers for
 * the prefetched loads: two work-groups fit an SM of 64K registers; 128 x
 * 128 x 8 runs 18% faster than x 16 on the H200), or less when K is. */
int ocl_gemm_tk(const OclGemm *g, int rm, int rn) {
  int ks;
  int64_t P = 1;
  if (uses_digits(g)) inner_digits(g, &ks, &P);
  if (P > 1 && 16 % P != 0) { /* a multiple of P near 16: 18 for a 3x3 window */
    int64_t m = (16 + P / 2) / P;
    return (int)(P * (m > 0 ? m : 1));
  }
  int tk = g->k < 8 ? 4 : g->k < 16 || rm * rn >= 32 ? 8 : 16;
  return tk < P ? (int)P : tk;
}

int ocl_gemm_choose(OclGemm *g, const OclLimits *lim, char *err, size_t errlen) {
  if (check_sizes(g, err, errlen)) return -1;
  /* work-groups of at least 4 warps: fewer hide the latencies badly */
  int minwg = lim->max_wg >= 128 ? 128 : lim->max_wg >= 64 ? 64 : 1;
  double best = 0;
  int found = 0;
  OclGemmTile keep = g->tile;
  for (int rm = 1; rm <= 8; rm *= 2)
    for (int rn = 1; rn <= 8; rn *= 2)
      for (int ty = 1; ty <= 256; ty *= 2)
        for (int tx = 1; tx <= 256; tx *= 2) {
          OclGemmTile t = {rm * ty, rn * tx, ocl_gemm_tk(g, rm, rn), rm, rn};
          if (tx * ty < minwg || tx * ty > lim->max_wg || t.tm > 256 || t.tn > 256) continue;
          g->tile = t;
          if (check_tile(g, lim, NULL, 0)) continue;
          double e = estimate(g, lim->compute_units > 0 ? lim->compute_units : 1);
          /* ties go to the larger tile */
          if (!found || e < best * (1 - 1e-9) ||
              (e <= best * (1 + 1e-9) && t.tm * t.tn > keep.tm * keep.tn))
            best = e, keep = t, found = 1;
        }
  g->tile = keep;
  if (!found) return fail(err, errlen, "no tiling fits the device's limits", g->name);
  return 0;
}

void ocl_gemm_ndrange(const OclGemm *g, size_t global[3], size_t local[3]) {
  int wg = ocl_gemm_wg(&g->tile);
  global[0] = (size_t)cdiv(g->n, g->tile.tn) * (size_t)wg;
  global[1] = (size_t)cdiv(g->m, g->tile.tm);
  global[2] = (size_t)g->batch;
  local[0] = (size_t)wg, local[1] = local[2] = 1;
}

static const char *load_name(const Load *l) {
  if (l->vec == 1) return l->along_k ? "k1" : "r1";
  return l->along_k ? "k4" : "r4";
}

void ocl_gemm_describe(const OclGemm *g, char *buf, size_t len) {
  Gen G;
  plan(&G, g);
  int n = snprintf(buf, len, "%dx%dx%d/%dx%d wg %d a:%s b:%s c:%s", G.tm, G.tn, G.tk, G.rm,
                   G.rn, G.wg, load_name(&G.la), load_name(&G.lb), G.vec_c ? "n4" : "1");
  if (G.digits && n > 0 && (size_t)n < len)
    snprintf(buf + n, len - (size_t)n, " k:%d+%lld", G.ks, (long long)G.P);
}

/* ------------------------------------------------------------- emission */

#define P(...) ocl_code_printf(G->o, __VA_ARGS__)

/* `+ c*x` for the strided offset: nothing when c is 0. */
static void term(Gen *G, int64_t c, const char *x) {
  if (c == 0) return;
  if (strcmp(G->ix, "long") == 0) P(" + %lldL * (long)%s", (long long)c, x);
  else if (c == 1) P(" + %s", x);
  else P(" + %lld * %s", (long long)c, x);
}

/* (ptr)[off + sb*b + s1*i + s2*j] as an address `(ptr) + (...)`. */
static void address(Gen *G, const char *ptr, int64_t off, int64_t sb, int64_t s1, const char *i,
                    int64_t s2, const char *j) {
  P("(%s) + (%lld%s", ptr, (long long)off, strcmp(G->ix, "long") == 0 ? "L" : "");
  term(G, eff_sb(G->g, sb), "g_b");
  term(G, s1, i);
  term(G, s2, j);
  P(")");
}

/* The work-item's unit i of a tile: its row and k within the tile, as
 * constants of the kernel (g_a0r, g_a0k). */
static void unit_coords(Gen *G, const Load *l, char op, int i) {
  int u = i * G->wg;
  if (l->along_k) {
    int kg = G->tk / l->vec;
    P("  const int g_%c%dr = (g_t + %d) / %d, g_%c%dk = (g_t + %d) %% %d * %d;\n", op, i, u, kg,
      op, i, u, kg, l->vec);
  } else {
    int rg = l->rows / l->vec;
    P("  const int g_%c%dk = (g_t + %d) / %d, g_%c%dr = (g_t + %d) %% %d * %d;\n", op, i, u, rg,
      op, i, u, rg, l->vec);
  }
}

/* Does unit i exist for every work-item? */
static int unit_whole(const Gen *G, const Load *l, int i) { return (i + 1) * G->wg <= l->units; }

/* Loads unit i of input x (A: op 'a', rows from g_m0; B: 'b', from g_n0)
 * at k step `kb` into its register g_pa0 / g_pb0. */
/* The digits of k for unit i of operand op at step (kb, kob): the outer
 * ones from the step counter kob and the unit's offset, the inner ones
 * from the offset alone (the same at every step). */
static void digit_names(Gen *G, char op, int i, const char *kob, char names[][96]) {
  const OclGemm *g = G->g;
  char off[16], outer[64], inner[64];
  snprintf(off, sizeof off, "g_%c%dk", op, i);
  if (G->P > 1) {
    snprintf(outer, sizeof outer, "(%s + %s / %lld)", kob, off, (long long)G->P);
    snprintf(inner, sizeof inner, "(%s %% %lld)", off, (long long)G->P);
  } else {
    snprintf(outer, sizeof outer, "(%s + %s)", kob, off);
    snprintf(inner, sizeof inner, "0");
  }
  int64_t w = 1;
  for (int d = g->nkdig - 1; d >= 0; d--) {
    const char *flat = d >= G->ks ? inner : outer;
    int first = d == G->ks || d == 0, last = d == g->nkdig - 1 || d == G->ks - 1;
    if (d == G->ks - 1) w = 1; /* the outer digits restart */
    if (g->kdig[d] == 1) snprintf(names[d], 96, "0");
    else if (first && last) snprintf(names[d], 96, "%s", flat);
    else if (first) snprintf(names[d], 96, "(%s / %lld)", flat, (long long)w);
    else if (last) snprintf(names[d], 96, "(%s %% %lld)", flat, (long long)g->kdig[d]);
    else snprintf(names[d], 96, "(%s / %lld %% %lld)", flat, (long long)w, (long long)g->kdig[d]);
    w *= g->kdig[d];
  }
}

static void load_unit(Gen *G, const OclGemmInput *x, const Load *l, char op, int i, int64_t ext,
                      int tile, const char *kb, const char *kob) {
  const OclGemm *g = G->g;
  int gr = ext % tile != 0, gk = g->k % G->tk != 0, gu = !unit_whole(G, l, i);
  P("    {\n      const int g_r = g_%c0 + g_%c%dr, g_k = %s + g_%c%dk;\n", op == 'a' ? 'm' : 'n',
    op, i, kb, op, i);
  P("      g_p%c%d = %s;\n", op, i, l->vec == 4 ? "(float4)(0.0f)" : "0.0f");
  if (gr || gk || gu) {
    P("      if (");
    const char *sep = "";
    if (gu) P("g_t + %d < %d", i * G->wg, l->units), sep = " && ";
    if (gr) P("%sg_r < %lld", sep, (long long)ext), sep = " && ";
    if (gk) P("%sg_k < %lld", sep, (long long)g->k);
    P(")\n  ");
  }
  P("      g_p%c%d = ", op, i);
  if (x->kind == OCL_ACCESS_CUSTOM && G->digits && x->load_kd) {
    char names[OCL_GEMM_MAX_KDIG][96];
    const char *kd[OCL_GEMM_MAX_KDIG];
    digit_names(G, op, i, kob, names);
    for (int d = 0; d < g->nkdig; d++) kd[d] = names[d];
    x->load_kd(x->ctx, G->o, "g_b", "g_r", kd);
  } else if (x->kind == OCL_ACCESS_CUSTOM) {
    x->load(x->ctx, G->o, "g_b", "g_r", "g_k");
  } else {
    if (l->vec == 4) P("*(global const float4 *)(");
    else P("*(");
    address(G, x->ptr, x->off, x->sb, x->sr, "g_r", x->sk, "g_k");
    P(")");
  }
  P(";\n    }\n");
}

static void load_tiles(Gen *G, const char *kb, const char *kob) {
  for (int i = 0; i < G->la.per; i++)
    load_unit(G, &G->g->a, &G->la, 'a', i, G->g->m, G->tm, kb, kob);
  for (int i = 0; i < G->lb.per; i++)
    load_unit(G, &G->g->b, &G->lb, 'b', i, G->g->n, G->tn, kb, kob);
}

/* Stores unit i's register into the local tile (transposed when loaded
 * along k: the local tile is k-major). */
static void store_unit(Gen *G, const Load *l, char op, int i) {
  const char *arr = op == 'a' ? "g_As" : "g_Bs";
  const char *pad = "    ";
  if (!unit_whole(G, l, i)) P("    if (g_t + %d < %d) {\n", i * G->wg, l->units), pad = "      ";
  if (l->vec == 1) {
    P("%s%s[g_%c%dk * %d + g_%c%dr] = g_p%c%d;\n", pad, arr, op, i, l->ld, op, i, op, i);
  } else if (!l->along_k) {
    P("%s*(local float4 *)(%s + g_%c%dk * %d + g_%c%dr) = g_p%c%d;\n", pad, arr, op, i, l->ld, op,
      i, op, i);
  } else {
    for (int e = 0; e < 4; e++)
      P("%s%s[(g_%c%dk + %d) * %d + g_%c%dr] = g_p%c%d.s%d;\n", pad, arr, op, i, e, l->ld, op, i,
        op, i, e);
  }
  if (!unit_whole(G, l, i)) P("    }\n");
}

/* Row i of the work-item's block, relative to the tile: chunks of w
 * consecutive rows, TY*w apart (so the work-items' float4 reads of one
 * row of the local tile are contiguous). */
static void block_row(Gen *G, int i, int w, int threads, const char *id) {
  P("%d + %s * %d", (i / w) * threads * w + i % w, id, w);
}

/* One step kk of the block product: local reads and RM x RN FMAs. */
static void product(Gen *G) {
  for (int q = 0; q < G->rm / G->wa; q++) {
    if (G->wa == 4)
      P("      const float4 g_av%d = *(local const float4 *)(g_As + g_kk * %d + %d + g_ty * 4);\n",
        q, G->la.ld, q * G->ty * 4);
    else P("      const float g_av%d = g_As[g_kk * %d + %d + g_ty];\n", q, G->la.ld, q * G->ty);
  }
  for (int q = 0; q < G->rn / G->wb; q++) {
    if (G->wb == 4)
      P("      const float4 g_bv%d = *(local const float4 *)(g_Bs + g_kk * %d + %d + g_tx * 4);\n",
        q, G->lb.ld, q * G->tx * 4);
    else P("      const float g_bv%d = g_Bs[g_kk * %d + %d + g_tx];\n", q, G->lb.ld, q * G->tx);
  }
  static const char *lane[4] = {".s0", ".s1", ".s2", ".s3"};
  for (int i = 0; i < G->rm; i++)
    for (int j = 0; j < G->rn; j++)
      P("      g_c%d_%d = fma(g_av%d%s, g_bv%d%s, g_c%d_%d);\n", i, j, i / G->wa,
        G->wa == 4 ? lane[i % 4] : "", j / G->wb, G->wb == 4 ? lane[j % 4] : "", i, j);
}

/* The epilogue of accumulator (i, j) at (g_b, g_m, n) into out. */
static void value(Gen *G, OclCode *out, int i, int j, const char *n) {
  char acc[32];
  snprintf(acc, sizeof acc, "g_c%d_%d", i, j);
  const OclGemmOutput *c = &G->g->c;
  if (c->epilogue) c->epilogue(c->epi_ctx, out, "g_b", "g_m", n, acc);
  else ocl_code_printf(out, "%s", acc);
}

static void store_guard(Gen *G) {
  int gm = G->g->m % G->tm != 0, gn = G->g->n % G->tn != 0;
  if (gm && gn) P("      if (g_m < %lld && g_n < %lld)\n", (long long)G->g->m, (long long)G->g->n);
  else if (gm) P("      if (g_m < %lld)\n", (long long)G->g->m);
  else if (gn) P("      if (g_n < %lld)\n", (long long)G->g->n);
}

/* The stores of the block: float4 chunks of 4 columns, or one by one. */
static int stores(Gen *G) {
  const OclGemmOutput *c = &G->g->c;
  OclCode v;
  ocl_code_init(&v);
  for (int i = 0; i < G->rm; i++) {
    int step = G->vec_c ? 4 : 1;
    for (int j = 0; j < G->rn; j += step) {
      P("    {\n      const int g_m = g_m0 + ");
      block_row(G, i, G->wa, G->ty, "g_ty");
      P(", g_n = g_n0 + ");
      block_row(G, j, G->wb, G->tx, "g_tx");
      P(";\n");
      store_guard(G);
      if (G->vec_c) {
        P("      {\n        float4 g_v;\n");
        for (int e = 0; e < 4; e++) {
          char n[24];
          snprintf(n, sizeof n, e ? "(g_n + %d)" : "g_n", e);
          P("        g_v.s%d = ", e);
          value(G, G->o, i, j + e, n);
          P(";\n");
        }
        P("        *(global float4 *)(");
        address(G, c->ptr, c->off, c->sb, c->sm, "g_m", c->sn, "g_n");
        P(") = g_v;\n      }\n");
      } else {
        ocl_code_clear(&v);
        value(G, &v, i, j, "g_n");
        if (v.failed) break;
        if (c->kind == OCL_ACCESS_CUSTOM) {
          P("      {\n        ");
          c->store(c->ctx, G->o, "g_b", "g_m", "g_n", ocl_code_str(&v));
          P("\n      }\n");
        } else {
          P("        *(");
          address(G, c->ptr, c->off, c->sb, c->sm, "g_m", c->sn, "g_n");
          P(") = %s;\n", ocl_code_str(&v));
        }
      }
      P("    }\n");
    }
  }
  int bad = v.failed;
  ocl_code_free(&v);
  return bad ? -1 : 0;
}

/* The type of strided offsets: int when every one fits. */
static const char *index_type(const OclGemm *g) {
  int64_t mx = 0, o;
  if (g->a.kind == OCL_ACCESS_STRIDED &&
      (o = max_offset(g->a.off, g->a.sb, g->batch, g->a.sr, g->m, g->a.sk, g->k)) > mx)
    mx = o;
  if (g->b.kind == OCL_ACCESS_STRIDED &&
      (o = max_offset(g->b.off, g->b.sb, g->batch, g->b.sr, g->n, g->b.sk, g->k)) > mx)
    mx = o;
  if (g->c.kind == OCL_ACCESS_STRIDED &&
      (o = max_offset(g->c.off, g->c.sb, g->batch, g->c.sm, g->m, g->c.sn, g->n)) > mx)
    mx = o;
  return mx + 4 < INT32_MAX ? "int" : "long";
}

void ocl_gemm_attribute(const OclGemm *g, char *buf, size_t len) {
  snprintf(buf, len, "__attribute__((reqd_work_group_size(%d, 1, 1)))", ocl_gemm_wg(&g->tile));
}

static void header(Gen *G) {
  const OclGemm *g = G->g;
  char d[96], attr[64];
  ocl_gemm_describe(g, d, sizeof d);
  ocl_gemm_attribute(g, attr, sizeof attr);
  P("%s/* %s%sC[%lld, %lld, %lld] = sum over %lld, tiles %s */\n", g->body_only ? "  " : "",
    g->body_only ? "" : g->name,
    g->body_only ? "" : ": ", (long long)g->batch, (long long)g->m,
    (long long)g->n, (long long)g->k, d);
  if (!g->body_only) P("__kernel %s\nvoid %s(%s) {\n", attr, g->name, g->params);
  P("  __local float g_As[%d] __attribute__((aligned(16)));\n", G->tk * G->la.ld);
  P("  __local float g_Bs[%d] __attribute__((aligned(16)));\n", G->tk * G->lb.ld);
  if (g->prologue) P("%s\n", g->prologue);
  P("  const int g_t = (int)get_local_id(0);\n");
  P("  const int g_tx = g_t %% %d, g_ty = g_t / %d;\n", G->tx, G->tx);
  P("  const int g_n0 = (int)get_group_id(0) * %d, g_m0 = (int)get_group_id(1) * %d;\n", G->tn,
    G->tm);
  P("  const int g_b = (int)get_group_id(2);\n");
  for (int i = 0; i < G->la.per; i++) unit_coords(G, &G->la, 'a', i);
  for (int i = 0; i < G->lb.per; i++) unit_coords(G, &G->lb, 'b', i);
  for (int i = 0; i < G->la.per; i++) P("  %s g_pa%d;\n", G->la.vec == 4 ? "float4" : "float", i);
  for (int i = 0; i < G->lb.per; i++) P("  %s g_pb%d;\n", G->lb.vec == 4 ? "float4" : "float", i);
  for (int i = 0; i < G->rm; i++) {
    P("  float");
    for (int j = 0; j < G->rn; j++) P("%s g_c%d_%d = 0.0f", j ? "," : "", i, j);
    P(";\n");
  }
}

static void body(Gen *G) {
  const OclGemm *g = G->g;
  P("  {\n");
  load_tiles(G, "0", "0");
  P("  }\n");
  if (G->digits)
    P("  for (int g_kt = 0, g_ko = 0; g_kt < %lld; g_kt += %d, g_ko += %lld) {\n",
      (long long)g->k, G->tk, (long long)(G->tk / G->P));
  else P("  for (int g_kt = 0; g_kt < %lld; g_kt += %d) {\n", (long long)g->k, G->tk);
  for (int i = 0; i < G->la.per; i++) store_unit(G, &G->la, 'a', i);
  for (int i = 0; i < G->lb.per; i++) store_unit(G, &G->lb, 'b', i);
  P("    barrier(CLK_LOCAL_MEM_FENCE);\n");
  if (g->k > G->tk) {
    char kb[32], kob[48];
    snprintf(kb, sizeof kb, "(g_kt + %d)", G->tk);
    snprintf(kob, sizeof kob, "(g_ko + %lld)", (long long)(G->tk / G->P));
    P("    if (g_kt + %d < %lld) {\n", G->tk, (long long)g->k);
    load_tiles(G, kb, kob);
    P("    }\n");
  }
  P("#pragma unroll\n    for (int g_kk = 0; g_kk < %d; g_kk++) {\n", G->tk);
  product(G);
  P("    }\n    barrier(CLK_LOCAL_MEM_FENCE);\n  }\n");
}

int ocl_gemm_emit(const OclGemm *g, const OclLimits *lim, OclCode *out, char *err,
                  size_t errlen) {
  if (ocl_gemm_check(g, lim, err, errlen)) return -1;
  Gen G;
  plan(&G, g);
  G.o = out;
  G.ix = index_type(g);
  header(&G);
  body(&G);
  if (stores(&G)) return fail(err, errlen, "out of memory", g->name);
  if (!g->body_only) ocl_code_printf(out, "}\n\n");
  if (out->failed) return fail(err, errlen, "out of memory", g->name);
  return 0;
}
