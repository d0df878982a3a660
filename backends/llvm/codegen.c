/* backends/llvm/codegen.c -- loop IR statements and expressions as LLVM IR:
 * loops, registers (allocas that mem2reg promotes), the graph IR's
 * arithmetic (floor division, NaN-propagating max, checked conversions),
 * built-ins, and selects that evaluate only the arm they choose.  Every
 * value is a scalar or, inside a vector loop, possibly a vector. */
#include "backends/llvm/llvm_int.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------ types */

int cg_is_float(ElemType t) { return t == ELEM_F32 || t == ELEM_F16 || t == ELEM_FLOAT; }

LLVMTypeRef cg_type(Cg *g, ElemType t) {
  switch (t) {
  case ELEM_F32:
  case ELEM_F16: return g->t_f32; /* f16 is computed in f32 */
  case ELEM_FLOAT: return g->t_f64;
  case ELEM_I32:
  case ELEM_I8:
  case ELEM_INT: return g->t_i64;
  case ELEM_BOOL: return g->t_i1;
  case ELEM_NONE:
  case ELEM__COUNT: break;
  }
  return g->t_i64;
}

LLVMTypeRef cg_mem_type(Cg *g, ElemType t) {
  switch (t) {
  case ELEM_F32: return g->t_f32;
  case ELEM_F16: return g->t_half;
  case ELEM_I32: return g->t_i32;
  case ELEM_I8:
  case ELEM_BOOL: return g->t_i8;
  case ELEM_FLOAT: return g->t_f64;
  case ELEM_INT:
  case ELEM_NONE:
  case ELEM__COUNT: break;
  }
  return g->t_i64;
}

LLVMTypeRef cg_vec(Cg *g, LLVMTypeRef elem) { return LLVMVectorType(elem, (unsigned)g->lanes); }

/* ---------------------------------------------------------------- helpers */

LLVMValueRef cg_i64(Cg *g, int64_t v) { return LLVMConstInt(g->t_i64, (unsigned long long)v, 1); }
LLVMValueRef cg_i32(Cg *g, int32_t v) {
  return LLVMConstInt(g->t_i32, (unsigned long long)(int64_t)v, 1);
}
Val cg_scalar(LLVMValueRef v) { return (Val){v, 0}; }

Val cg_splat(Cg *g, Val x) {
  if (x.vec || !g->lanes) return x;
  LLVMTypeRef vt = cg_vec(g, LLVMTypeOf(x.v));
  LLVMValueRef one = LLVMBuildInsertElement(g->b, LLVMGetUndef(vt), x.v, cg_i32(g, 0), "");
  LLVMValueRef zeros = LLVMConstNull(LLVMVectorType(g->t_i32, (unsigned)g->lanes));
  return (Val){LLVMBuildShuffleVector(g->b, one, LLVMGetUndef(vt), zeros, "splat"), 1};
}

LLVMValueRef cg_intrinsic(Cg *g, const char *name, LLVMTypeRef *types, int ntypes,
                          LLVMTypeRef *fnty) {
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  *fnty = LLVMIntrinsicGetType(g->ctx, id, types, (size_t)ntypes);
  return LLVMGetIntrinsicDeclaration(g->mod, id, types, (size_t)ntypes);
}

LLVMValueRef cg_call(Cg *g, LLVMValueRef fn, LLVMTypeRef fnty, LLVMValueRef *args, int n) {
  return LLVMBuildCall2(g->b, fnty, fn, args, (unsigned)n, "");
}

LLVMValueRef cg_alloca(Cg *g, LLVMTypeRef t, const char *name) {
  LLVMBasicBlockRef here = LLVMGetInsertBlock(g->b);
  LLVMValueRef first = LLVMGetFirstInstruction(g->entry);
  if (first) LLVMPositionBuilderBefore(g->b, first);
  else LLVMPositionBuilderAtEnd(g->b, g->entry);
  LLVMValueRef a = LLVMBuildAlloca(g->b, t, name);
  LLVMPositionBuilderAtEnd(g->b, here);
  return a;
}

LLVMValueRef cg_any(Cg *g, Val c) {
  if (!c.vec) return c.v;
  LLVMTypeRef ty = LLVMTypeOf(c.v), fnty;
  LLVMValueRef fn = cg_intrinsic(g, "llvm.vector.reduce.or", &ty, 1, &fnty);
  return cg_call(g, fn, fnty, &c.v, 1);
}

void cg_fail_if(Cg *g, Val c, int code) {
  LLVMValueRef any = cg_any(g, c);
  if (LLVMIsConstant(any) && !LLVMConstIntGetZExtValue(any)) return;
  LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "fail");
  LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "ok");
  LLVMBuildCondBr(g->b, any, fail, cont);
  LLVMPositionBuilderAtEnd(g->b, fail);
  LLVMValueRef st = LLVMBuildStore(g->b, cg_i32(g, code), g->err);
  LLVMSetOrdering(st, LLVMAtomicOrderingMonotonic);
  LLVMSetAlignment(st, 4);
  LLVMBuildBr(g->b, cont);
  LLVMPositionBuilderAtEnd(g->b, cont);
}

Val cg_bin(Cg *g, CgBin f, Val x, Val y) {
  if (x.vec != y.vec) x = cg_splat(g, x), y = cg_splat(g, y);
  return (Val){f(g->b, x.v, y.v, ""), x.vec};
}

static LLVMValueRef select_vals(Cg *g, Val c, Val *x, Val *y) {
  if (!c.vec && !x->vec && !y->vec) return c.v;
  *x = cg_splat(g, *x), *y = cg_splat(g, *y);
  return c.v; /* an i1 chooses whole vectors; a vector of i1 lane by lane */
}

static Val cg_select(Cg *g, Val c, Val x, Val y) {
  LLVMValueRef cv = select_vals(g, c, &x, &y);
  return (Val){LLVMBuildSelect(g->b, cv, x.v, y.v, ""), x.vec};
}

static Val fcmp(Cg *g, LLVMRealPredicate p, Val x, Val y) {
  if (x.vec != y.vec) x = cg_splat(g, x), y = cg_splat(g, y);
  return (Val){LLVMBuildFCmp(g->b, p, x.v, y.v, ""), x.vec};
}

static Val icmp(Cg *g, LLVMIntPredicate p, Val x, Val y) {
  if (x.vec != y.vec) x = cg_splat(g, x), y = cg_splat(g, y);
  return (Val){LLVMBuildICmp(g->b, p, x.v, y.v, ""), x.vec};
}

Val cg_maxmin(Cg *g, int is_max, ElemType t, Val x, Val y) {
  if (!cg_is_float(t)) return cg_select(g, icmp(g, is_max ? LLVMIntSGT : LLVMIntSLT, x, y), x, y);
  /* x when x > y (x < y) or x is NaN; else y, which is NaN when y is */
  Val pick = cg_bin(g, LLVMBuildOr, fcmp(g, is_max ? LLVMRealOGT : LLVMRealOLT, x, y),
                    fcmp(g, LLVMRealUNO, x, x));
  return cg_select(g, pick, x, y);
}

Val cg_combine(Cg *g, Reduction red, ElemType t, Val x, Val y) {
  int fl = cg_is_float(t);
  switch (red) {
  case RD_SUM:
  case RD_MEAN: return cg_bin(g, fl ? LLVMBuildFAdd : LLVMBuildAdd, x, y);
  case RD_PROD: return cg_bin(g, fl ? LLVMBuildFMul : LLVMBuildMul, x, y);
  case RD_MAX: return cg_maxmin(g, 1, t, x, y);
  case RD_MIN: return cg_maxmin(g, 0, t, x, y);
  case RD__COUNT: break;
  }
  return x;
}

/* ------------------------------------------------------------ constants */

static Val const_val(Cg *g, const LoopExpr *e) {
  if (cg_is_float(e->type)) return cg_scalar(LLVMConstReal(cg_type(g, e->type), e->f));
  if (e->type == ELEM_BOOL) return cg_scalar(LLVMConstInt(g->t_i1, e->i != 0, 0));
  return cg_scalar(cg_i64(g, e->i));
}

static Val var_val(Cg *g, const LoopExpr *e) {
  int v = e->var;
  if (g->lanes && v == g->lane_var) return g->lane_base ? cg_scalar(g->ivals[v]) : cg_lane_index(g);
  if (g->ivals[v]) return cg_scalar(g->ivals[v]);
  LLVMTypeRef t = cg_type(g, e->type);
  if (g->lanes && (g->vdef[v] || g->vred[v]))
    return (Val){LLVMBuildLoad2(g->b, cg_vec(g, t), g->vslots[v], ""), 1};
  return cg_scalar(LLVMBuildLoad2(g->b, t, g->slots[v], g->nest->vars[v].name));
}

/* ------------------------------------------------------------ arithmetic */

/* Floor division or modulo of 64-bit integers: a division by zero fails the
 * run (and divides by 1); x / -1 is computed as -x (no overflow trap). */
static Val int_divmod(Cg *g, const LoopExpr *e, Val x, Val y, Val mask) {
  int mod = e->op == OP_MOD;
  if (e->nonneg) return cg_bin(g, mod ? LLVMBuildURem : LLVMBuildUDiv, x, y);
  Val zero = cg_scalar(cg_i64(g, 0)), one = cg_scalar(cg_i64(g, 1)),
      minus1 = cg_scalar(cg_i64(g, -1));
  Val is0 = icmp(g, LLVMIntEQ, y, zero), ism1 = icmp(g, LLVMIntEQ, y, minus1);
  cg_fail_if(g, mask.v ? cg_bin(g, LLVMBuildAnd, is0, mask) : is0, XG_RUN_DIVZERO);
  Val safe = cg_select(g, cg_bin(g, LLVMBuildOr, is0, ism1), one, y);
  Val q = cg_bin(g, LLVMBuildSDiv, x, safe), r = cg_bin(g, LLVMBuildSRem, x, safe);
  /* floor: when r != 0 and r, y differ in sign, q - 1 and r + y */
  Val adj =
      cg_bin(g, LLVMBuildAnd, icmp(g, LLVMIntNE, r, zero),
             cg_bin(g, LLVMBuildXor, icmp(g, LLVMIntSLT, r, zero), icmp(g, LLVMIntSLT, y, zero)));
  if (mod) return cg_select(g, adj, cg_bin(g, LLVMBuildAdd, r, y), r);
  Val fq = cg_select(g, adj, cg_bin(g, LLVMBuildSub, q, one), q);
  return cg_select(g, ism1, cg_bin(g, LLVMBuildSub, zero, x), fq);
}

/* A * B + C (or C + A * B) of floats as llvm.fmuladd. */
static int is_fmul(const LoopExpr *e) {
  return e->kind == LE_BINARY && e->op == OP_MUL && (e->type == ELEM_F32 || e->type == ELEM_F16);
}

static Val fmuladd(Cg *g, Val a, Val b, Val c) {
  int vec = a.vec || b.vec || c.vec;
  if (vec) a = cg_splat(g, a), b = cg_splat(g, b), c = cg_splat(g, c);
  LLVMTypeRef ty = LLVMTypeOf(a.v), fnty;
  LLVMValueRef fn = cg_intrinsic(g, "llvm.fmuladd", &ty, 1, &fnty);
  LLVMValueRef args[3] = {a.v, b.v, c.v};
  return (Val){cg_call(g, fn, fnty, args, 3), vec};
}

static Val fma3(Cg *g, Val a, Val b, Val c) { return fmuladd(g, a, b, c); }

static Val float_binary(Cg *g, const LoopExpr *e, Val mask) {
  if (e->op == OP_ADD && (is_fmul(e->args[0]) || is_fmul(e->args[1]))) {
    const LoopExpr *m = is_fmul(e->args[0]) ? e->args[0] : e->args[1];
    const LoopExpr *c = m == e->args[0] ? e->args[1] : e->args[0];
    Val a = cg_expr(g, m->args[0], mask), b = cg_expr(g, m->args[1], mask);
    return fmuladd(g, a, b, cg_expr(g, c, mask));
  }
  Val x = cg_expr(g, e->args[0], mask), y = cg_expr(g, e->args[1], mask);
  switch (e->op) {
  case OP_ADD: return cg_bin(g, LLVMBuildFAdd, x, y);
  case OP_SUB: return cg_bin(g, LLVMBuildFSub, x, y);
  case OP_MUL: return cg_bin(g, LLVMBuildFMul, x, y);
  case OP_DIV:
    if (x.vec && !y.vec && e->type != ELEM_FLOAT) { /* by one value: its reciprocal, once */
      Val r = cg_bin(g, LLVMBuildFDiv, cg_scalar(LLVMConstReal(LLVMTypeOf(y.v), 1.0)), y);
      return cg_bin(g, LLVMBuildFMul, x, r);
    }
    return cg_bin(g, LLVMBuildFDiv, x, y);
  case OP_MOD: { /* x - y*floor(x/y) */
    Val q = cg_bin(g, LLVMBuildFDiv, x, y);
    LLVMTypeRef ty = LLVMTypeOf(q.v), fnty;
    LLVMValueRef fn = cg_intrinsic(g, "llvm.floor", &ty, 1, &fnty);
    Val fl = {cg_call(g, fn, fnty, &q.v, 1), q.vec};
    return cg_bin(g, LLVMBuildFSub, x, cg_bin(g, LLVMBuildFMul, y, fl));
  }
  case OP_EQ: return fcmp(g, LLVMRealOEQ, x, y);
  case OP_NE: return fcmp(g, LLVMRealUNE, x, y);
  case OP_LT: return fcmp(g, LLVMRealOLT, x, y);
  case OP_LE: return fcmp(g, LLVMRealOLE, x, y);
  case OP_GT: return fcmp(g, LLVMRealOGT, x, y);
  case OP_GE: return fcmp(g, LLVMRealOGE, x, y);
  case OP_NEG:
  case OP_NOT:
  case OP_AND:
  case OP_OR:
  case OP__COUNT: break;
  }
  return x;
}

static Val int_binary(Cg *g, const LoopExpr *e, Val mask) {
  Val x = cg_expr(g, e->args[0], mask);
  if (e->op == OP_AND || e->op == OP_OR) {
    /* both sides are side-effect free conditions: no short circuit needed */
    Val y = cg_expr(g, e->args[1], mask);
    return cg_bin(g, e->op == OP_AND ? LLVMBuildAnd : LLVMBuildOr, x, y);
  }
  Val y = cg_expr(g, e->args[1], mask);
  switch (e->op) {
  case OP_ADD: return cg_bin(g, LLVMBuildAdd, x, y);
  case OP_SUB: return cg_bin(g, LLVMBuildSub, x, y);
  case OP_MUL: return cg_bin(g, LLVMBuildMul, x, y);
  case OP_DIV:
  case OP_MOD: return int_divmod(g, e, x, y, mask);
  case OP_EQ: return icmp(g, LLVMIntEQ, x, y);
  case OP_NE: return icmp(g, LLVMIntNE, x, y);
  case OP_LT: return icmp(g, LLVMIntSLT, x, y);
  case OP_LE: return icmp(g, LLVMIntSLE, x, y);
  case OP_GT: return icmp(g, LLVMIntSGT, x, y);
  case OP_GE: return icmp(g, LLVMIntSGE, x, y);
  case OP_NEG:
  case OP_NOT:
  case OP_AND:
  case OP_OR:
  case OP__COUNT: break;
  }
  return x;
}

static Val binary(Cg *g, const LoopExpr *e, Val mask) {
  if (cg_is_float(e->args[0]->type)) return float_binary(g, e, mask);
  return int_binary(g, e, mask);
}

static Val unary(Cg *g, const LoopExpr *e, Val mask) {
  Val x = cg_expr(g, e->args[0], mask);
  if (e->op == OP_NOT) return (Val){LLVMBuildNot(g->b, x.v, ""), x.vec};
  if (cg_is_float(e->type)) return (Val){LLVMBuildFNeg(g->b, x.v, ""), x.vec};
  return (Val){LLVMBuildNeg(g->b, x.v, ""), x.vec};
}

/* ------------------------------------------------------------- built-ins */

static Val intrinsic1(Cg *g, const char *name, Val x) {
  LLVMTypeRef ty = LLVMTypeOf(x.v), fnty;
  LLVMValueRef fn = cg_intrinsic(g, name, &ty, 1, &fnty);
  return (Val){cg_call(g, fn, fnty, &x.v, 1), x.vec};
}

/* A libm function of one or two floats, lane by lane in vector code. */
static Val libm_call(Cg *g, const char *fname, Val *args, int n) {
  LLVMTypeRef st = LLVMTypeOf(args[0].v);
  int vec = 0;
  for (int i = 0; i < n; i++) vec |= args[i].vec;
  if (vec) st = LLVMGetElementType(LLVMTypeOf(cg_splat(g, args[0]).v));
  int dbl = st == g->t_f64;
  char name[32];
  snprintf(name, sizeof name, "%s%s", fname, dbl ? "" : "f");
  LLVMTypeRef ps[2] = {st, st};
  LLVMTypeRef fnty = LLVMFunctionType(st, ps, (unsigned)n, 0);
  LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
  if (!fn) fn = LLVMAddFunction(g->mod, name, fnty);
  if (!vec) {
    LLVMValueRef a[2] = {args[0].v, n > 1 ? args[1].v : NULL};
    return cg_scalar(cg_call(g, fn, fnty, a, n));
  }
  for (int i = 0; i < n; i++) args[i] = cg_splat(g, args[i]);
  LLVMValueRef out = LLVMGetUndef(cg_vec(g, st));
  for (int l = 0; l < g->lanes; l++) {
    LLVMValueRef a[2];
    for (int i = 0; i < n; i++) a[i] = LLVMBuildExtractElement(g->b, args[i].v, cg_i32(g, l), "");
    out = LLVMBuildInsertElement(g->b, out, cg_call(g, fn, fnty, a, n), cg_i32(g, l), "");
  }
  return (Val){out, 1};
}

/* ------------------------------------------------ exp and tanh in f32
 * Vectorizable versions of expf and tanhf (libm's would be called lane by
 * lane), after Cephes: exp(x) = 2^n * p(r), n = round(x log2 e) (by the
 * 1.5 * 2^23 trick: no float-to-int conversion, so NaN lanes stay defined),
 * r = x - n ln 2 in two parts and p a degree-6 polynomial (about 1 ulp).
 * x is first clamped to [-104, 89], where 2^n of the clamped ends is
 * already 0 and inf; 2^n is applied in two steps (or by vscalefps with
 * AVX-512) so that results down to the smallest subnormals come out.  A
 * NaN passes the clamps (the comparisons are false) and every step after.
 * tanh: an odd polynomial below 0.625, 1 - 2/(exp(2|x|) + 1) above, the
 * sign copied. */

static Val fconst(Cg *g, double v) { return cg_scalar(LLVMConstReal(g->t_f32, v)); }

static Val fma3(Cg *g, Val a, Val b, Val c);

static Val poly(Cg *g, Val x, const double *c, int n) {
  Val p = fconst(g, c[0]);
  for (int i = 1; i < n; i++) p = fma3(g, p, x, fconst(g, c[i]));
  return p;
}

/* 2^n for an i32 n in [-126, 127], as a float */
static Val pow2i(Cg *g, Val n) {
  LLVMTypeRef ft = n.vec ? cg_vec(g, g->t_f32) : g->t_f32;
  Val b = cg_bin(g, LLVMBuildAdd, n, cg_scalar(cg_i32(g, 127)));
  Val sh = cg_bin(g, LLVMBuildShl, b, cg_scalar(cg_i32(g, 23)));
  return (Val){LLVMBuildBitCast(g->b, sh.v, ft, ""), n.vec};
}

/* x < k ? k : x, x > k ? k : x: a NaN x stays (maxps/minps). */
static Val clamp_lo(Cg *g, Val x, Val k) { return cg_select(g, fcmp(g, LLVMRealOGT, k, x), k, x); }
static Val clamp_hi(Cg *g, Val x, Val k) { return cg_select(g, fcmp(g, LLVMRealOLT, k, x), k, x); }

/* y * 2^n, n an integral float in [-150, 129] (NaN: anything) and k the
 * float whose bits minus those of 1.5 * 2^23 are n as an integer. */
static Val scale2(Cg *g, Val y, Val n, Val k) {
  if (y.vec && g->lanes == 16 && g->p->target.vector_bits == 512) {
    LLVMTypeRef vt = cg_vec(g, g->t_f32);
    LLVMTypeRef fnty = LLVMFunctionType(vt, (LLVMTypeRef[]){vt, vt, vt, g->t_i16, g->t_i32}, 5, 0);
    const char *name = "llvm.x86.avx512.mask.scalef.ps.512";
    LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
    if (!fn) fn = LLVMAddFunction(g->mod, name, fnty);
    n = cg_splat(g, n);
    LLVMValueRef args[5] = {y.v, n.v, LLVMGetUndef(vt), LLVMConstInt(g->t_i16, 0xffff, 0),
                            cg_i32(g, 4)}; /* all lanes, the current rounding */
    return (Val){cg_call(g, fn, fnty, args, 5), 1};
  }
  LLVMTypeRef it = k.vec ? cg_vec(g, g->t_i32) : g->t_i32;
  Val kb = {LLVMBuildBitCast(g->b, k.v, it, ""), k.vec};
  Val ni = cg_bin(g, LLVMBuildSub, kb, cg_scalar(cg_i32(g, 0x4b400000)));
  Val n1 = cg_bin(g, LLVMBuildAShr, ni, cg_scalar(cg_i32(g, 1)));
  Val n2 = cg_bin(g, LLVMBuildSub, ni, n1);
  return cg_bin(g, LLVMBuildFMul, cg_bin(g, LLVMBuildFMul, y, pow2i(g, n1)), pow2i(g, n2));
}

static Val exp_f32(Cg *g, Val x) {
  static const double p[] = {1.9875691500E-4, 1.3981999507E-3, 8.3334519073E-3,
                             4.1665795894E-2, 1.6666665459E-1, 5.0000001201E-1};
  Val c = clamp_hi(g, clamp_lo(g, x, fconst(g, -104.0)), fconst(g, 89.0));
  Val magic = fconst(g, 12582912.0); /* 1.5 * 2^23: adding it rounds to an integer */
  Val k = fma3(g, c, fconst(g, 1.44269504088896341), magic);
  Val n = cg_bin(g, LLVMBuildFSub, k, magic);
  Val r = fma3(g, n, fconst(g, -0.693359375), c);
  r = fma3(g, n, fconst(g, 2.12194440e-4), r);
  Val y = fma3(g, poly(g, r, p, 6), cg_bin(g, LLVMBuildFMul, r, r), r);
  y = cg_bin(g, LLVMBuildFAdd, y, fconst(g, 1.0));
  return scale2(g, y, n, k);
}

static Val tanh_f32(Cg *g, Val x) {
  static const double p[] = {-5.70498872745E-3, 2.06390887954E-2, -5.37397155531E-2,
                             1.33314422036E-1, -3.33332819422E-1};
  Val ax = intrinsic1(g, "llvm.fabs", x);
  Val z = cg_bin(g, LLVMBuildFMul, ax, ax);
  Val small = fma3(g, cg_bin(g, LLVMBuildFMul, poly(g, z, p, 5), z), ax, ax);
  Val e = exp_f32(g, cg_bin(g, LLVMBuildFAdd, ax, ax));
  Val big =
      cg_bin(g, LLVMBuildFSub, fconst(g, 1.0),
             cg_bin(g, LLVMBuildFDiv, fconst(g, 2.0), cg_bin(g, LLVMBuildFAdd, e, fconst(g, 1.0))));
  Val r = cg_select(g, fcmp(g, LLVMRealOLT, ax, fconst(g, 0.625)), small, big);
  if (r.vec != x.vec) r = cg_splat(g, r), x = cg_splat(g, x);
  LLVMTypeRef ty = LLVMTypeOf(r.v), fnty;
  LLVMValueRef fn = cg_intrinsic(g, "llvm.copysign", &ty, 1, &fnty);
  LLVMValueRef args[2] = {r.v, x.v};
  return (Val){cg_call(g, fn, fnty, args, 2), r.vec};
}

/* erf: Cephes' odd polynomial below 1 (about 1 ulp), Abramowitz and
 * Stegun 7.1.26 above, 1 - t*P(t)*exp(-x^2) with t = 1/(1 + 0.3275911|x|)
 * (relative error below 2e-7 where erf >= 0.84); the sign copied. */
static Val erf_f32(Cg *g, Val x) {
  static const double small[] = {7.853861353153693E-5, -8.010193625184903E-4, 5.188327685732524E-3,
                                 -2.685381193529856E-2, 1.128358514861418E-1, -3.761262582423300E-1,
                                 1.128379165726710E0};
  static const double big[] = {1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592};
  Val ax = intrinsic1(g, "llvm.fabs", x);
  Val z = cg_bin(g, LLVMBuildFMul, ax, ax);
  Val s = cg_bin(g, LLVMBuildFMul, ax, poly(g, z, small, 7));
  Val t = cg_bin(g, LLVMBuildFDiv, fconst(g, 1.0), fma3(g, ax, fconst(g, 0.3275911), fconst(g, 1.0)));
  Val e = exp_f32(g, (Val){LLVMBuildFNeg(g->b, z.v, ""), z.vec});
  Val b = cg_bin(g, LLVMBuildFSub, fconst(g, 1.0),
                 cg_bin(g, LLVMBuildFMul, cg_bin(g, LLVMBuildFMul, t, poly(g, t, big, 5)), e));
  Val r = cg_select(g, fcmp(g, LLVMRealOLT, ax, fconst(g, 1.0)), s, b);
  if (r.vec != x.vec) r = cg_splat(g, r), x = cg_splat(g, x);
  LLVMTypeRef ty = LLVMTypeOf(r.v), fnty;
  LLVMValueRef fn = cg_intrinsic(g, "llvm.copysign", &ty, 1, &fnty);
  LLVMValueRef args[2] = {r.v, x.v};
  return (Val){cg_call(g, fn, fnty, args, 2), r.vec};
}

static Val call(Cg *g, const LoopExpr *e, Val mask) {
  Val a[3] = {{0}};
  for (int i = 0; i < e->nargs && i < 3; i++) a[i] = cg_expr(g, e->args[i], mask);
  switch (e->builtin) {
  case BI_EXP: return e->type == ELEM_FLOAT ? intrinsic1(g, "llvm.exp", a[0]) : exp_f32(g, a[0]);
  case BI_LOG: return intrinsic1(g, "llvm.log", a[0]);
  case BI_SQRT: return intrinsic1(g, "llvm.sqrt", a[0]);
  case BI_RSQRT: {
    Val s = intrinsic1(g, "llvm.sqrt", a[0]);
    return cg_bin(g, LLVMBuildFDiv, cg_scalar(LLVMConstReal(cg_type(g, e->type), 1.0)), s);
  }
  case BI_TANH: return e->type == ELEM_FLOAT ? libm_call(g, "tanh", a, 1) : tanh_f32(g, a[0]);
  case BI_ERF: return e->type == ELEM_FLOAT ? libm_call(g, "erf", a, 1) : erf_f32(g, a[0]);
  case BI_ABS: return intrinsic1(g, "llvm.fabs", a[0]);
  case BI_FLOOR: return intrinsic1(g, "llvm.floor", a[0]);
  case BI_CEIL: return intrinsic1(g, "llvm.ceil", a[0]);
  case BI_POW: return libm_call(g, "pow", a, 2);
  case BI_MAX: return cg_maxmin(g, 1, e->type, a[0], a[1]);
  case BI_MIN: return cg_maxmin(g, 0, e->type, a[0], a[1]);
  case BI_SELECT:
  case BI__COUNT: break;
  }
  return a[0];
}

/* ------------------------------------------------------------ conversions */

static Val float_to_int(Cg *g, Val x, ElemType from, ElemType to, Val mask) {
  double lo = to == ELEM_I32 ? -2147483649.0 : to == ELEM_I8 ? -129.0 : -9223372036854775808.0;
  double hi = to == ELEM_I32 ? 2147483648.0 : to == ELEM_I8 ? 128.0 : 9223372036854775808.0;
  if (from != ELEM_FLOAT)
    x = (Val){LLVMBuildFPExt(g->b, x.v, x.vec ? cg_vec(g, g->t_f64) : g->t_f64, ""), x.vec};
  Val ok = cg_bin(g, LLVMBuildAnd, fcmp(g, LLVMRealOGT, x, cg_scalar(LLVMConstReal(g->t_f64, lo))),
                  fcmp(g, LLVMRealOLT, x, cg_scalar(LLVMConstReal(g->t_f64, hi))));
  Val bad = {LLVMBuildNot(g->b, ok.v, ""), ok.vec};
  cg_fail_if(g, mask.v ? cg_bin(g, LLVMBuildAnd, bad, mask) : bad, XG_RUN_CONVERT);
  x = cg_select(g, ok, x, cg_scalar(LLVMConstReal(g->t_f64, 0.0)));
  return (Val){LLVMBuildFPToSI(g->b, x.v, x.vec ? cg_vec(g, g->t_i64) : g->t_i64, ""), x.vec};
}

/* An int value wrapped to the width of i32 or i8 (kept in 64 bits). */
static Val wrap_int(Cg *g, Val x, ElemType to) {
  LLVMTypeRef nt = to == ELEM_I32 ? g->t_i32 : g->t_i8;
  LLVMValueRef t = LLVMBuildTrunc(g->b, x.v, x.vec ? cg_vec(g, nt) : nt, "");
  return (Val){LLVMBuildSExt(g->b, t, LLVMTypeOf(x.v), ""), x.vec};
}

static Val cast(Cg *g, const LoopExpr *e, Val mask) {
  ElemType from = e->args[0]->type, to = e->type;
  Val x = cg_expr(g, e->args[0], mask);
  LLVMTypeRef t = cg_type(g, to);
  if (x.vec) t = cg_vec(g, t);
  if (cg_is_float(from) && cg_is_float(to)) {
    if (LLVMTypeOf(x.v) == t) return x;
    return (Val){to == ELEM_FLOAT ? LLVMBuildFPExt(g->b, x.v, t, "")
                                  : LLVMBuildFPTrunc(g->b, x.v, t, ""),
                 x.vec};
  }
  if (to == ELEM_BOOL) {
    if (cg_is_float(from))
      return fcmp(g, LLVMRealUNE, x, cg_scalar(LLVMConstNull(cg_type(g, from))));
    return icmp(g, LLVMIntNE, x, cg_scalar(LLVMConstNull(cg_type(g, from))));
  }
  if (cg_is_float(to)) {
    if (from == ELEM_BOOL) return (Val){LLVMBuildUIToFP(g->b, x.v, t, ""), x.vec};
    return (Val){LLVMBuildSIToFP(g->b, x.v, t, ""), x.vec};
  }
  if (cg_is_float(from)) {
    x = float_to_int(g, x, from, to, mask);
    return to == ELEM_INT ? x : wrap_int(g, x, to);
  }
  if (from == ELEM_BOOL) return (Val){LLVMBuildZExt(g->b, x.v, t, ""), x.vec};
  return to == ELEM_INT ? x : wrap_int(g, x, to);
}

/* --------------------------------------------------------------- selects */

/* c ? x : y evaluating only the chosen arm: a select when the arms are
 * safe, branches on a scalar condition, masks on a vector one. */
static Val select_expr(Cg *g, const LoopExpr *e, Val mask) {
  Val c = cg_expr(g, e->args[0], mask);
  int safe = loop_expr_safe(e->args[1]) && loop_expr_safe(e->args[2]);
  if (safe) return cg_select(g, c, cg_expr(g, e->args[1], mask), cg_expr(g, e->args[2], mask));
  if (c.vec) {
    Val notc = {LLVMBuildNot(g->b, c.v, ""), 1};
    Val m1 = mask.v ? cg_bin(g, LLVMBuildAnd, mask, c) : c;
    Val m2 = mask.v ? cg_bin(g, LLVMBuildAnd, mask, notc) : notc;
    return cg_select(g, c, cg_expr(g, e->args[1], m1), cg_expr(g, e->args[2], m2));
  }
  LLVMBasicBlockRef bt = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "then");
  LLVMBasicBlockRef bf = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "else");
  LLVMBasicBlockRef bj = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "join");
  LLVMBuildCondBr(g->b, c.v, bt, bf);
  LLVMPositionBuilderAtEnd(g->b, bt);
  Val x = cg_expr(g, e->args[1], mask);
  LLVMBasicBlockRef xend = LLVMGetInsertBlock(g->b);
  LLVMPositionBuilderAtEnd(g->b, bf);
  Val y = cg_expr(g, e->args[2], mask);
  LLVMBasicBlockRef yend = LLVMGetInsertBlock(g->b);
  if (x.vec != y.vec) { /* splat in the arm that has the scalar */
    LLVMPositionBuilderAtEnd(g->b, x.vec ? yend : xend);
    if (x.vec) y = cg_splat(g, y);
    else x = cg_splat(g, x);
  }
  LLVMPositionBuilderAtEnd(g->b, xend);
  LLVMBuildBr(g->b, bj);
  LLVMPositionBuilderAtEnd(g->b, yend);
  LLVMBuildBr(g->b, bj);
  LLVMPositionBuilderAtEnd(g->b, bj);
  LLVMValueRef phi = LLVMBuildPhi(g->b, LLVMTypeOf(x.v), "");
  LLVMValueRef vals[2] = {x.v, y.v};
  LLVMBasicBlockRef from[2] = {xend, yend};
  LLVMAddIncoming(phi, vals, from, 2);
  return (Val){phi, x.vec};
}

/* ------------------------------------------------------------ expressions */

Val cg_expr(Cg *g, const LoopExpr *e, Val mask) {
  switch (e->kind) {
  case LE_CONST: return const_val(g, e);
  case LE_VAR: return var_val(g, e);
  case LE_LOAD: return cg_load(g, e, mask);
  case LE_UNARY: return unary(g, e, mask);
  case LE_BINARY: return binary(g, e, mask);
  case LE_CALL: return call(g, e, mask);
  case LE_SELECT: return select_expr(g, e, mask);
  case LE_CAST: return cast(g, e, mask);
  case LE__COUNT: break;
  }
  return cg_scalar(cg_i64(g, 0));
}

/* ------------------------------------------------------------- statements */

static void assign(Cg *g, const LoopStmt *s) {
  int v = s->var;
  ElemType t = g->nest->vars[v].type;
  Val x;
  if (s->kind == LS_ACCUM) {
    Val old = var_val(g, &(LoopExpr){.kind = LE_VAR, .type = t, .var = v});
    if (s->red == RD_SUM && is_fmul(s->value)) {
      Val a = cg_expr(g, s->value->args[0], g->tail), b = cg_expr(g, s->value->args[1], g->tail);
      x = fmuladd(g, a, b, old);
    } else {
      x = cg_combine(g, s->red, t, old, cg_expr(g, s->value, g->tail));
    }
    if (g->tail.v && g->vred[v])
      x = cg_select(g, g->tail, x, old); /* idle lanes keep the identity */
  } else {
    x = cg_expr(g, s->value, g->tail);
  }
  if (g->lanes && (g->vdef[v] || g->vred[v])) {
    x = cg_splat(g, x);
    LLVMBuildStore(g->b, x.v, g->vslots[v]);
  } else {
    LLVMBuildStore(g->b, x.v, g->slots[v]);
  }
}

/* if c: body -- c is the same in every lane (the verifier sees to it). */
static void cg_if(Cg *g, const LoopStmt *s) {
  Val c = cg_expr(g, s->value, g->tail);
  if (c.vec) c = cg_scalar(LLVMBuildExtractElement(g->b, c.v, cg_i32(g, 0), ""));
  if (LLVMIsConstant(c.v)) {
    if (LLVMConstIntGetZExtValue(c.v))
      for (int i = 0; i < s->body.n; i++) cg_stmt(g, s->body.items[i]);
    return;
  }
  LLVMBasicBlockRef then = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "if");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "endif");
  LLVMBuildCondBr(g->b, c.v, then, done);
  LLVMPositionBuilderAtEnd(g->b, then);
  for (int i = 0; i < s->body.n; i++) cg_stmt(g, s->body.items[i]);
  LLVMBuildBr(g->b, done);
  LLVMPositionBuilderAtEnd(g->b, done);
}

void cg_stmt(Cg *g, const LoopStmt *s) {
  switch (s->kind) {
  case LS_LOOP: {
    LLVMValueRef lo = cg_i64(g, s->lo), hi = cg_i64(g, s->hi);
    if (s->loop == LOOP_VECTOR && !g->lanes) cg_vector_loop(g, s, lo, hi);
    else cg_loop(g, s, lo, hi);
    return;
  }
  case LS_STORE: cg_store(g, s); return;
  case LS_LET:
  case LS_ACCUM: assign(g, s); return;
  case LS_IF: cg_if(g, s); return;
  case LS__COUNT: break;
  }
}

void cg_body(Cg *g, const LoopStmt *loop, LLVMValueRef i) {
  LLVMValueRef saved = g->ivals[loop->var];
  g->ivals[loop->var] = i;
  for (int k = 0; k < loop->body.n; k++) cg_stmt(g, loop->body.items[k]);
  g->ivals[loop->var] = saved;
}

void cg_for(Cg *g, LLVMValueRef lo, LLVMValueRef hi, int64_t step, CgBodyFn body, void *arg) {
  int consts = LLVMIsConstant(lo) && LLVMIsConstant(hi);
  if (consts && LLVMConstIntGetSExtValue(lo) >= LLVMConstIntGetSExtValue(hi)) return;
  LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
  LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "loop");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "done");
  if (consts) LLVMBuildBr(g->b, head);
  else LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, lo, hi, ""), head, done);
  LLVMPositionBuilderAtEnd(g->b, head);
  LLVMValueRef i = LLVMBuildPhi(g->b, g->t_i64, "i");
  body(g, arg, i);
  LLVMValueRef next = LLVMBuildNSWAdd(g->b, i, cg_i64(g, step), "");
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, next, hi, ""), head, done);
  LLVMValueRef vals[2] = {lo, next};
  LLVMBasicBlockRef from[2] = {pre, latch};
  LLVMAddIncoming(i, vals, from, 2);
  LLVMPositionBuilderAtEnd(g->b, done);
}

static void loop_body(Cg *g, void *arg, LLVMValueRef i) { cg_body(g, arg, i); }

void cg_loop(Cg *g, const LoopStmt *s, LLVMValueRef lo, LLVMValueRef hi) {
  if (s->loop == LOOP_UNROLL && LLVMIsConstant(lo) && LLVMIsConstant(hi)) {
    for (int64_t k = LLVMConstIntGetSExtValue(lo); k < LLVMConstIntGetSExtValue(hi); k++)
      cg_body(g, s, cg_i64(g, k));
    return;
  }
  cg_for(g, lo, hi, 1, loop_body, (void *)s);
}
