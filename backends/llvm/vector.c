/* backends/llvm/vector.c -- loads and stores in scalar and vector code
 * (contiguous, broadcast, strided or gathered, masked where a select or a
 * range check says so), and vector loops: the lanes in SIMD registers, the
 * accumulators of vectorized reductions reduced across lanes after the
 * loop, the remainder iterations in scalar code. */
#include "backends/llvm/llvm_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- lanes */

Val cg_lane_index(Cg *g) {
  Val base = cg_splat(g, cg_scalar(g->ivals[g->lane_var]));
  LLVMValueRef iota[64];
  for (int l = 0; l < g->lanes && l < 64; l++) iota[l] = cg_i64(g, l);
  return (Val){LLVMBuildAdd(g->b, base.v, LLVMConstVector(iota, (unsigned)g->lanes), "lane"), 1};
}

/* The lanes of a vector loop are base + l, 0 <= l < lanes, where base is a
 * multiple of g->lane_align.  An integer expression is "affine" when it is
 * coef * l + u with u the same in every lane; `align` is a power of two
 * that divides u.  That covers offsets like 40*m + n, and also the digits of
 * a flattened index when the lanes stay in one aligned group:
 * (u + l) / d = u / d and (u + l) % d = u % d + l when d and u are
 * multiples of the lanes (conv's im2col: (16*jp + c) / 56). */
typedef struct Aff {
  int64_t coef, align;
} Aff;

static int64_t pow2_of(int64_t c) {
  if (c == 0) return (int64_t)1 << 30;
  int64_t a = 1;
  while (a < ((int64_t)1 << 30) && c % (a * 2) == 0) a *= 2;
  return a;
}

static int affine(Cg *g, const LoopExpr *e, Aff *r);

static int affine_binary(Cg *g, const LoopExpr *e, Aff *r) {
  Aff x, y;
  if (!affine(g, e->args[0], &x) || !affine(g, e->args[1], &y)) return 0;
  const LoopExpr *kx = e->args[0], *ky = e->args[1];
  switch (e->op) {
  case OP_ADD:
  case OP_SUB:
    r->coef = e->op == OP_ADD ? x.coef + y.coef : x.coef - y.coef;
    r->align = x.align < y.align ? x.align : y.align;
    return 1;
  case OP_MUL:
    if (x.coef == 0 && y.coef == 0) return *r = (Aff){0, x.align * y.align}, 1;
    if (ky->kind == LE_CONST) return *r = (Aff){x.coef * ky->i, x.align * pow2_of(ky->i)}, 1;
    if (kx->kind == LE_CONST) return *r = (Aff){y.coef * kx->i, y.align * pow2_of(kx->i)}, 1;
    return 0;
  case OP_DIV:
  case OP_MOD:
    if (x.coef == 0 && y.coef == 0) return *r = (Aff){0, 1}, 1;
    if (x.coef != 1 || ky->kind != LE_CONST || ky->i <= 0 || ky->i % g->lanes || x.align < g->lanes)
      return 0;
    *r = e->op == OP_DIV ? (Aff){0, 1} : (Aff){1, g->lanes};
    return 1;
  case OP_NEG:
  case OP_NOT:
  case OP_EQ:
  case OP_NE:
  case OP_LT:
  case OP_LE:
  case OP_GT:
  case OP_GE:
  case OP_AND:
  case OP_OR:
  case OP__COUNT: break;
  }
  return x.coef == 0 && y.coef == 0 ? (*r = (Aff){0, 1}, 1) : 0;
}

static int affine(Cg *g, const LoopExpr *e, Aff *r) {
  Aff a;
  *r = (Aff){0, 1};
  switch (e->kind) {
  case LE_CONST: r->align = pow2_of(e->i); return 1;
  case LE_VAR:
    if (e->var == g->lane_var) return *r = (Aff){1, g->lane_align}, 1;
    return !g->vdef[e->var] && !g->vred[e->var];
  case LE_LOAD:
    return affine(g, e->args[0], &a) && a.coef == 0 &&
           (!e->guard || (affine(g, e->guard, &a) && a.coef == 0));
  case LE_UNARY:
    if (!affine(g, e->args[0], &a)) return 0;
    if (e->op == OP_NEG) return *r = (Aff){-a.coef, a.align}, 1;
    return a.coef == 0;
  case LE_BINARY: return affine_binary(g, e, r);
  case LE_CALL:
  case LE_SELECT:
  case LE_CAST:
    for (int i = 0; i < e->nargs; i++)
      if (!affine(g, e->args[i], &a) || a.coef != 0) return 0;
    return 1;
  case LE__COUNT: break;
  }
  return 0;
}

/* 1 and the coefficient of the lane in e when e is affine (see above). */
static int lane_coef(Cg *g, const LoopExpr *e, int64_t *coef) {
  Aff a;
  if (!affine(g, e, &a)) return 0;
  *coef = a.coef;
  return 1;
}

/* ------------------------------------------------------------ conversions */

static Val from_mem(Cg *g, Val x, ElemType t) {
  LLVMTypeRef rt = cg_type(g, t);
  if (x.vec) rt = cg_vec(g, rt);
  switch (t) {
  case ELEM_F16: return (Val){LLVMBuildFPExt(g->b, x.v, rt, ""), x.vec};
  case ELEM_I32:
  case ELEM_I8: return (Val){LLVMBuildSExt(g->b, x.v, rt, ""), x.vec};
  case ELEM_BOOL:
    return (Val){LLVMBuildICmp(g->b, LLVMIntNE, x.v, LLVMConstNull(LLVMTypeOf(x.v)), ""), x.vec};
  case ELEM_F32:
  case ELEM_FLOAT:
  case ELEM_INT:
  case ELEM_NONE:
  case ELEM__COUNT: break;
  }
  return x;
}

static Val to_mem(Cg *g, Val x, ElemType t) {
  LLVMTypeRef mt = cg_mem_type(g, t);
  if (x.vec) mt = cg_vec(g, mt);
  switch (t) {
  case ELEM_F16: return (Val){LLVMBuildFPTrunc(g->b, x.v, mt, ""), x.vec};
  case ELEM_I32:
  case ELEM_I8: return (Val){LLVMBuildTrunc(g->b, x.v, mt, ""), x.vec};
  case ELEM_BOOL: return (Val){LLVMBuildZExt(g->b, x.v, mt, ""), x.vec};
  case ELEM_F32:
  case ELEM_FLOAT:
  case ELEM_INT:
  case ELEM_NONE:
  case ELEM__COUNT: break;
  }
  return x;
}

static unsigned elem_align(Cg *g, ElemType t) {
  LLVMTypeRef mt = cg_mem_type(g, t);
  return mt == g->t_f32 || mt == g->t_i32 ? 4 : mt == g->t_half ? 2 : mt == g->t_i8 ? 1 : 8;
}

/* --------------------------------------------------------------- loads */

static LLVMValueRef gep(Cg *g, LLVMTypeRef mt, LLVMValueRef base, LLVMValueRef off) {
  return LLVMBuildGEP2(g->b, mt, base, &off, 1, "");
}

static Val scalar_load(Cg *g, const LoopBuf *b, LLVMValueRef base, LLVMValueRef off) {
  LLVMTypeRef mt = cg_mem_type(g, b->elem);
  LLVMValueRef ld = LLVMBuildLoad2(g->b, mt, gep(g, mt, base, off), "");
  LLVMSetAlignment(ld, elem_align(g, b->elem));
  return from_mem(g, cg_scalar(ld), b->elem);
}

static Val gather(Cg *g, const LoopBuf *b, LLVMValueRef base, Val offs, Val active) {
  LLVMTypeRef mt = cg_mem_type(g, b->elem), vt = cg_vec(g, mt);
  LLVMValueRef ptrs = gep(g, mt, base, cg_splat(g, offs).v);
  LLVMTypeRef types[2] = {vt, LLVMTypeOf(ptrs)}, fnty;
  LLVMValueRef fn = cg_intrinsic(g, "llvm.masked.gather", types, 2, &fnty);
  Val m = active.v ? cg_splat(g, active) : cg_splat(g, cg_scalar(LLVMConstInt(g->t_i1, 1, 0)));
  LLVMValueRef args[4] = {ptrs, cg_i32(g, (int32_t)elem_align(g, b->elem)), m.v, LLVMConstNull(vt)};
  return from_mem(g, (Val){cg_call(g, fn, fnty, args, 4), 1}, b->elem);
}

static Val contiguous_load(Cg *g, const LoopBuf *b, LLVMValueRef base, LLVMValueRef off,
                           Val active) {
  LLVMTypeRef mt = cg_mem_type(g, b->elem), vt = cg_vec(g, mt);
  LLVMValueRef ptr = gep(g, mt, base, off), v;
  if (!active.v) {
    v = LLVMBuildLoad2(g->b, vt, ptr, "");
    LLVMSetAlignment(v, elem_align(g, b->elem));
  } else {
    LLVMTypeRef types[2] = {vt, LLVMTypeOf(ptr)}, fnty;
    LLVMValueRef fn = cg_intrinsic(g, "llvm.masked.load", types, 2, &fnty);
    LLVMValueRef args[4] = {ptr, cg_i32(g, (int32_t)elem_align(g, b->elem)), cg_splat(g, active).v,
                            LLVMConstNull(vt)};
    v = cg_call(g, fn, fnty, args, 4);
  }
  return from_mem(g, (Val){v, 1}, b->elem);
}

/* Lanes at a small stride c: one masked load of lanes*c elements (the
 * positions between the lanes, and after the last, masked off: they may
 * lie past the buffer) and a shuffle that keeps every c-th. */
static Val strided_load(Cg *g, const LoopBuf *b, LLVMValueRef base, LLVMValueRef off, int64_t c,
                        Val active) {
  int w = g->lanes, n = (int)(w * c);
  LLVMTypeRef mt = cg_mem_type(g, b->elem), wide = LLVMVectorType(mt, (unsigned)n);
  LLVMValueRef spread[256], keep[64];
  Val m = active.v ? cg_splat(g, active) : cg_splat(g, cg_scalar(LLVMConstInt(g->t_i1, 1, 0)));
  LLVMValueRef off_lanes = LLVMConstNull(LLVMVectorType(g->t_i1, (unsigned)w));
  for (int p = 0; p < n && p < 256; p++) spread[p] = cg_i32(g, p % c ? w : (int32_t)(p / c));
  LLVMValueRef wmask =
      LLVMBuildShuffleVector(g->b, m.v, off_lanes, LLVMConstVector(spread, (unsigned)n), "");
  LLVMValueRef ptr = gep(g, mt, base, off);
  LLVMTypeRef types[2] = {wide, LLVMTypeOf(ptr)}, fnty;
  LLVMValueRef fn = cg_intrinsic(g, "llvm.masked.load", types, 2, &fnty);
  LLVMValueRef args[4] = {ptr, cg_i32(g, (int32_t)elem_align(g, b->elem)), wmask,
                          LLVMConstNull(wide)};
  LLVMValueRef v = cg_call(g, fn, fnty, args, 4);
  for (int l = 0; l < w && l < 64; l++) keep[l] = cg_i32(g, (int32_t)(l * c));
  v = LLVMBuildShuffleVector(g->b, v, LLVMGetUndef(wide), LLVMConstVector(keep, (unsigned)w), "");
  return from_mem(g, (Val){v, 1}, b->elem);
}

/* The lanes' offsets base + coef * lane. */
static Val strided(Cg *g, LLVMValueRef base, int64_t coef) {
  LLVMValueRef k[64];
  for (int l = 0; l < g->lanes && l < 64; l++) k[l] = cg_i64(g, coef * l);
  Val b = cg_splat(g, cg_scalar(base));
  return (Val){LLVMBuildAdd(g->b, b.v, LLVMConstVector(k, (unsigned)g->lanes), ""), 1};
}

Val cg_load(Cg *g, const LoopExpr *e, Val mask) {
  const LoopBuf *b = g->p->bufs[e->buf];
  LLVMValueRef base = g->bufs[e->buf];
  Val active = mask;
  if (e->guard) {
    Val ok = cg_expr(g, e->guard, mask);
    Val bad = {LLVMBuildNot(g->b, ok.v, ""), ok.vec};
    cg_fail_if(g, mask.v ? cg_bin(g, LLVMBuildAnd, bad, mask) : bad, XG_RUN_RANGE);
    active = mask.v ? cg_bin(g, LLVMBuildAnd, mask, ok) : ok;
  }
  int64_t coef = 0;
  int affine = !g->lanes || lane_coef(g, e->args[0], &coef);
  if (affine && coef == 0) { /* the same element in every lane */
    Val off = cg_expr(g, e->args[0], mask);
    if (active.v) off.v = LLVMBuildSelect(g->b, cg_any(g, active), off.v, cg_i64(g, 0), "");
    return scalar_load(g, b, base, off.v);
  }
  if (!affine) return gather(g, b, base, cg_expr(g, e->args[0], mask), active);
  g->lane_base = 1;
  Val off = cg_expr(g, e->args[0], mask);
  g->lane_base = 0;
  if (coef == 1) return contiguous_load(g, b, base, off.v, active);
  if (coef >= 2 && coef <= 4) return strided_load(g, b, base, off.v, coef, active);
  return gather(g, b, base, strided(g, off.v, coef), active);
}

/* --------------------------------------------------------------- stores */

static Val all_lanes(Cg *g) {
  return g->tail.v ? cg_splat(g, g->tail) : cg_splat(g, cg_scalar(LLVMConstInt(g->t_i1, 1, 0)));
}

static void scatter(Cg *g, const LoopBuf *b, LLVMValueRef base, Val offs, Val v) {
  LLVMTypeRef mt = cg_mem_type(g, b->elem);
  LLVMValueRef ptrs = gep(g, mt, base, cg_splat(g, offs).v);
  LLVMTypeRef types[2] = {LLVMTypeOf(v.v), LLVMTypeOf(ptrs)}, fnty;
  LLVMValueRef fn = cg_intrinsic(g, "llvm.masked.scatter", types, 2, &fnty);
  Val m = all_lanes(g);
  LLVMValueRef args[4] = {v.v, ptrs, cg_i32(g, (int32_t)elem_align(g, b->elem)), m.v};
  cg_call(g, fn, fnty, args, 4);
}

/* Whole vectors stored into a buffer larger than the last-level cache go
 * around the caches (non-temporal stores): the data would be evicted before
 * anyone reads it, and a normal store first reads the line it writes (a
 * third of the memory traffic of a copy).  Only f32 buffers of the ABI or
 * the arena. */
static int streams(Cg *g, const LoopBuf *b) {
  return b->kind != LB_STACK && b->elem == ELEM_F32 && b->bytes > g->p->target.l3 &&
         g->p->target.l3 > 0;
}

/* A non-temporal store needs an address aligned to the vector: where it is
 * (buffers of the runtime are 64-byte aligned), else a plain store. */
static void stream_store(Cg *g, Val v, LLVMValueRef ptr, unsigned align) {
  unsigned bytes = (unsigned)g->lanes * 4;
  LLVMValueRef low =
      LLVMBuildAnd(g->b, LLVMBuildPtrToInt(g->b, ptr, g->t_i64, ""), cg_i64(g, bytes - 1), "");
  LLVMValueRef ok = LLVMBuildICmp(g->b, LLVMIntEQ, low, cg_i64(g, 0), "aligned");
  LLVMBasicBlockRef nt = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "stream");
  LLVMBasicBlockRef plain = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "plain");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "stored");
  LLVMBuildCondBr(g->b, ok, nt, plain);
  LLVMPositionBuilderAtEnd(g->b, nt);
  LLVMValueRef st = LLVMBuildStore(g->b, v.v, ptr);
  LLVMSetAlignment(st, bytes);
  LLVMMetadataRef one = LLVMValueAsMetadata(cg_i32(g, 1));
  LLVMSetMetadata(st, LLVMGetMDKindIDInContext(g->ctx, "nontemporal", 11),
                  LLVMMetadataAsValue(g->ctx, LLVMMDNodeInContext2(g->ctx, &one, 1)));
  LLVMBuildBr(g->b, done);
  LLVMPositionBuilderAtEnd(g->b, plain);
  st = LLVMBuildStore(g->b, v.v, ptr);
  LLVMSetAlignment(st, align);
  LLVMBuildBr(g->b, done);
  LLVMPositionBuilderAtEnd(g->b, done);
  g->streamed = 1;
}

void cg_store(Cg *g, const LoopStmt *s) {
  const LoopBuf *b = g->p->bufs[s->buf];
  LLVMValueRef base = g->bufs[s->buf];
  LLVMTypeRef mt = cg_mem_type(g, b->elem);
  Val v = to_mem(g, cg_expr(g, s->value, g->tail), b->elem);
  int64_t coef = 0;
  int affine = !g->lanes || lane_coef(g, s->addr, &coef);
  if (affine && coef == 0) { /* one element: the last (active) lane's value wins */
    int last = g->tail.v ? g->tail_last : g->lanes - 1;
    LLVMValueRef x = v.vec ? LLVMBuildExtractElement(g->b, v.v, cg_i32(g, last), "") : v.v;
    LLVMValueRef st = LLVMBuildStore(g->b, x, gep(g, mt, base, cg_expr(g, s->addr, g->tail).v));
    LLVMSetAlignment(st, elem_align(g, b->elem));
    return;
  }
  v = cg_splat(g, v);
  if (!affine) {
    scatter(g, b, base, cg_expr(g, s->addr, g->tail), v);
    return;
  }
  g->lane_base = 1;
  Val off = cg_expr(g, s->addr, g->tail);
  g->lane_base = 0;
  if (coef != 1) {
    scatter(g, b, base, strided(g, off.v, coef), v);
    return;
  }
  LLVMValueRef ptr = gep(g, mt, base, off.v);
  if (g->tail.v) {
    LLVMTypeRef types[2] = {LLVMTypeOf(v.v), LLVMTypeOf(ptr)}, fnty;
    LLVMValueRef fn = cg_intrinsic(g, "llvm.masked.store", types, 2, &fnty);
    LLVMValueRef args[4] = {v.v, ptr, cg_i32(g, (int32_t)elem_align(g, b->elem)), all_lanes(g).v};
    cg_call(g, fn, fnty, args, 4);
    return;
  }
  if (streams(g, b)) {
    stream_store(g, v, ptr, elem_align(g, b->elem));
    return;
  }
  LLVMValueRef st = LLVMBuildStore(g->b, v.v, ptr);
  LLVMSetAlignment(st, elem_align(g, b->elem));
}

/* ---------------------------------------------------------- vector loops */

/* Marks the registers defined (let) and accumulated inside a vector loop;
 * reds[v] gets the reduction of an accumulated one. */
static void scan_body(const LoopStmt *s, unsigned char *def, unsigned char *acc, Reduction *reds) {
  switch (s->kind) {
  case LS_LOOP:
  case LS_IF:
    for (int i = 0; i < s->body.n; i++) scan_body(s->body.items[i], def, acc, reds);
    return;
  case LS_LET: def[s->var] = 1; return;
  case LS_ACCUM: acc[s->var] = 1, reds[s->var] = s->red; return;
  case LS_STORE:
  case LS__COUNT: return;
  }
}

/* x reduced across its lanes with `red`, in a fixed tree order. */
static Val across_lanes(Cg *g, Val x, Reduction red, ElemType t) {
  int n = g->lanes;
  LLVMValueRef v = x.v;
  while (n > 1) {
    int h = n / 2;
    LLVMValueRef lo[32], hi[32];
    for (int i = 0; i < h; i++) lo[i] = cg_i32(g, i), hi[i] = cg_i32(g, h + i);
    LLVMValueRef a = LLVMBuildShuffleVector(g->b, v, LLVMGetUndef(LLVMTypeOf(v)),
                                            LLVMConstVector(lo, (unsigned)h), "");
    LLVMValueRef b = LLVMBuildShuffleVector(g->b, v, LLVMGetUndef(LLVMTypeOf(v)),
                                            LLVMConstVector(hi, (unsigned)h), "");
    v = cg_combine(g, red, t, (Val){a, 1}, (Val){b, 1}).v;
    n = h;
  }
  return cg_scalar(LLVMBuildExtractElement(g->b, v, cg_i32(g, 0), ""));
}

static void vector_body(Cg *g, void *arg, LLVMValueRef i) { cg_body(g, arg, i); }

/* The identity of a reduction (0, 1, -inf, inf; extreme integers). */
static Val identity(Cg *g, Reduction red, ElemType t) {
  int fl = cg_is_float(t), max = red == RD_MAX, min = red == RD_MIN;
  if (fl) {
    double v = max ? -INFINITY : min ? INFINITY : red == RD_PROD ? 1.0 : 0.0;
    return cg_scalar(LLVMConstReal(cg_type(g, t), v));
  }
  return cg_scalar(cg_i64(g, max ? INT64_MIN : min ? INT64_MAX : red == RD_PROD));
}

/* Vectorized reductions keep this many partial accumulators (registers)
 * in loops of more whole vectors than that: independent chains hide the
 * latency of the combining operation (a serial chain of vector adds runs
 * at one per 4 cycles).  The partials are combined in a fixed order after
 * the loop, so results stay deterministic. */
enum { CG_PARTIALS = 4 };

typedef struct Partials {
  int n;               /* partial accumulators per reduced register (1: none) */
  LLVMValueRef *slots; /* [v * CG_PARTIALS + u]: partial u of register v (u >= 1) */
  const Reduction *reds;
} Partials;

typedef struct Copies {
  const LoopStmt *s;
  const Partials *pt;
} Copies;

/* One step of the interleaved loop: CG_PARTIALS vectors, partial u
 * accumulating vector u. */
static void partial_body(Cg *g, void *arg, LLVMValueRef i) {
  const Copies *c = arg;
  int nv = g->nest->nvars;
  LLVMValueRef *first = calloc((size_t)nv + 1, sizeof *first);
  if (!first) abort();
  memcpy(first, g->vslots, sizeof *first * (size_t)nv);
  for (int u = 0; u < c->pt->n; u++) {
    for (int v = 0; v < nv; v++)
      if (g->vred[v]) g->vslots[v] = u ? c->pt->slots[v * CG_PARTIALS + u] : first[v];
    cg_body(g, c->s, u ? LLVMBuildNSWAdd(g->b, i, cg_i64(g, u * c->s->lanes), "") : i);
  }
  memcpy(g->vslots, first, sizeof *first * (size_t)nv);
  free(first);
}

/* The partials of every reduced register combined into the first:
 * (p0 op p1) op (p2 op p3). */
static void combine_partials(Cg *g, const Partials *pt) {
  for (int v = 0; v < g->nest->nvars; v++) {
    if (!g->vred[v]) continue;
    ElemType t = g->nest->vars[v].type;
    LLVMTypeRef vt = cg_vec(g, cg_type(g, t));
    Val p[CG_PARTIALS];
    for (int u = 0; u < pt->n; u++) {
      LLVMValueRef slot = u ? pt->slots[v * CG_PARTIALS + u] : g->vslots[v];
      p[u] = (Val){LLVMBuildLoad2(g->b, vt, slot, ""), 1};
    }
    for (int w = 1; w < pt->n; w *= 2)
      for (int u = 0; u + w < pt->n; u += 2 * w)
        p[u] = cg_combine(g, pt->reds[v], t, p[u], p[u + w]);
    LLVMBuildStore(g->b, p[0].v, g->vslots[v]);
  }
}

/* The whole vectors of the loop: unrolled when there are at most 4;
 * otherwise a loop, interleaving CG_PARTIALS vectors per step when the
 * loop reduces (pt->n > 1), the whole vectors left over after it. */
static void vector_part(Cg *g, const LoopStmt *s, LLVMValueRef lo, LLVMValueRef vend,
                        const Partials *pt) {
  int consts = LLVMIsConstant(lo) && LLVMIsConstant(vend);
  int64_t n =
      consts ? (LLVMConstIntGetSExtValue(vend) - LLVMConstIntGetSExtValue(lo)) / s->lanes : -1;
  if (consts && n <= 4) {
    for (int64_t k = 0; k < n; k++)
      cg_body(g, s, cg_i64(g, LLVMConstIntGetSExtValue(lo) + k * s->lanes));
    return;
  }
  if (consts && pt->n > 1) {
    int64_t l = LLVMConstIntGetSExtValue(lo), step = (int64_t)pt->n * s->lanes;
    int64_t mid = l + n / pt->n * step;
    Copies c = {s, pt};
    cg_for(g, lo, cg_i64(g, mid), step, partial_body, &c);
    combine_partials(g, pt);
    lo = cg_i64(g, mid);
  }
  cg_for(g, lo, vend, s->lanes, vector_body, (void *)s);
}

/* Partial accumulators for the reduced registers of vector loop s, set to
 * the identity, when its whole vectors are more than 4 (constant bounds). */
static void make_partials(Cg *g, const LoopStmt *s, LLVMValueRef lo, LLVMValueRef hi,
                          const Reduction *reds, Partials *pt) {
  int nv = g->nest->nvars, any = 0;
  pt->n = 1;
  pt->reds = reds;
  pt->slots = NULL;
  for (int v = 0; v < nv; v++) any |= g->vred[v];
  if (!any || !LLVMIsConstant(lo) || !LLVMIsConstant(hi)) return;
  if ((LLVMConstIntGetSExtValue(hi) - LLVMConstIntGetSExtValue(lo)) / s->lanes <= 4) return;
  pt->n = CG_PARTIALS;
  pt->slots = calloc((size_t)nv * CG_PARTIALS + 1, sizeof *pt->slots);
  if (!pt->slots) abort();
  for (int v = 0; v < nv; v++) {
    if (!g->vred[v]) continue;
    ElemType t = g->nest->vars[v].type;
    for (int u = 1; u < CG_PARTIALS; u++) {
      LLVMValueRef slot = cg_alloca(g, cg_vec(g, cg_type(g, t)), g->nest->vars[v].name);
      LLVMBuildStore(g->b, cg_splat(g, identity(g, reds[v], t)).v, slot);
      pt->slots[v * CG_PARTIALS + u] = slot;
    }
  }
}

void cg_vector_loop(Cg *g, const LoopStmt *s, LLVMValueRef lo, LLVMValueRef hi) {
  int nv = g->nest->nvars;
  Reduction *reds = calloc((size_t)nv + 1, sizeof *reds);
  unsigned char *acc = calloc((size_t)nv + 1, 1);
  if (!reds || !acc) abort();
  memset(g->vdef, 0, (size_t)nv);
  memset(g->vred, 0, (size_t)nv);
  for (int i = 0; i < s->body.n; i++) scan_body(s->body.items[i], g->vdef, acc, reds);
  g->lanes = s->lanes;
  g->lane_var = s->var;
  g->lane_align = LLVMIsConstant(lo) && LLVMConstIntGetSExtValue(lo) % s->lanes == 0 ? s->lanes : 1;
  for (int v = 0; v < nv; v++) {
    g->vred[v] = acc[v] && !g->vdef[v];
    if (!g->vdef[v] && !g->vred[v]) continue;
    ElemType t = g->nest->vars[v].type;
    g->vslots[v] = cg_alloca(g, cg_vec(g, cg_type(g, t)), g->nest->vars[v].name);
    if (g->vred[v]) LLVMBuildStore(g->b, cg_splat(g, identity(g, reds[v], t)).v, g->vslots[v]);
  }
  LLVMValueRef vend = hi;
  if (LLVMIsConstant(lo) && LLVMIsConstant(hi)) {
    int64_t l = LLVMConstIntGetSExtValue(lo), h = LLVMConstIntGetSExtValue(hi);
    vend = cg_i64(g, h > l ? l + (h - l) / s->lanes * s->lanes : l);
  } else {
    LLVMValueRef n = LLVMBuildSDiv(g->b, LLVMBuildSub(g->b, hi, lo, ""), cg_i64(g, s->lanes), "");
    vend = LLVMBuildAdd(g->b, lo, LLVMBuildMul(g->b, n, cg_i64(g, s->lanes), ""), "vend");
  }
  Partials pt;
  make_partials(g, s, lo, vend, reds, &pt);
  vector_part(g, s, lo, vend, &pt);
  free(pt.slots);
  int64_t rest = LLVMIsConstant(vend) && LLVMIsConstant(hi)
                     ? LLVMConstIntGetSExtValue(hi) - LLVMConstIntGetSExtValue(vend)
                     : -1;
  if (rest > 0) { /* the remainder as one vector of rest active lanes */
    LLVMValueRef on[64];
    for (int l = 0; l < s->lanes && l < 64; l++) on[l] = LLVMConstInt(g->t_i1, l < rest, 0);
    g->tail = (Val){LLVMConstVector(on, (unsigned)s->lanes), 1};
    g->tail_last = (int)rest - 1;
    cg_body(g, s, vend);
    g->tail = (Val){0};
    vend = hi;
  }
  for (int v = 0; v < nv; v++) {
    if (!g->vred[v]) continue;
    ElemType t = g->nest->vars[v].type;
    Val x = {LLVMBuildLoad2(g->b, cg_vec(g, cg_type(g, t)), g->vslots[v], ""), 1};
    Val r = across_lanes(g, x, reds[v], t);
    Val cur = cg_scalar(LLVMBuildLoad2(g->b, cg_type(g, t), g->slots[v], ""));
    LLVMBuildStore(g->b, cg_combine(g, reds[v], t, cur, r).v, g->slots[v]);
  }
  g->lanes = 0;
  memset(g->vdef, 0, (size_t)nv);
  memset(g->vred, 0, (size_t)nv);
  free(reds);
  free(acc);
  cg_for(g, vend, hi, 1, vector_body, (void *)s); /* the remainder, one by one */
}
