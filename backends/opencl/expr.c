/* backends/opencl/expr.c -- loop IR expressions as OpenCL C: the graph IR's
 * semantics kept exactly (64-bit integers with floor division and modulo,
 * NaN-propagating max and min, checked conversions and reads that record a
 * failure in the status word), integer index arithmetic narrowed to `int`
 * where the loop ranges prove it fits, precedence-aware printing. */
#include "backends/opencl/ocl_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ types */

OclCType ocl_ctype_of(ElemType t) {
  switch (t) {
  case ELEM_F32:
  case ELEM_F16: return CT_FLOAT; /* f16 is stored as half, computed in float */
  case ELEM_FLOAT: return CT_DOUBLE;
  case ELEM_BOOL: return CT_BOOL;
  case ELEM_I32:
  case ELEM_I8:
  case ELEM_INT:
  case ELEM_NONE:
  case ELEM__COUNT: break;
  }
  return CT_LONG;
}

const char *ocl_ctype_name(OclCType t) {
  switch (t) {
  case CT_BOOL:
  case CT_INT: return "int";
  case CT_LONG: return "long";
  case CT_FLOAT: return "float";
  case CT_DOUBLE: return "double";
  }
  return "long";
}

const char *ocl_mem_type(ElemType t) {
  switch (t) {
  case ELEM_F32: return "float";
  case ELEM_F16: return "half";
  case ELEM_I32: return "int";
  case ELEM_I8: return "char";
  case ELEM_BOOL: return "uchar";
  case ELEM_FLOAT: return "double";
  case ELEM_INT:
  case ELEM_NONE:
  case ELEM__COUNT: break;
  }
  return "long";
}

/* ----------------------------------------------------------------- ranges */

static int fits32(int64_t lo, int64_t hi) { return lo >= INT32_MIN && hi <= INT32_MAX; }

static OclVal v_range(int known, int64_t lo, int64_t hi) {
  OclVal v = {CT_LONG, known, lo, hi};
  if (known && fits32(lo, hi)) v.t = CT_INT;
  return v;
}
static OclVal v_unknown(void) { return (OclVal){CT_LONG, 0, 0, 0}; }
static OclVal v_of(ElemType t) { return (OclVal){ocl_ctype_of(t), 0, 0, 0}; }

/* [a.lo, a.hi] op [b.lo, b.hi] for + - *, unknown on overflow. */
static OclVal range_arith(AstOp op, OclVal a, OclVal b) {
  if (!a.known || !b.known) return v_unknown();
  int64_t c[4] = {0, 0, 0, 0};
  int ovf = 0, n = 2;
  switch (op) {
  case OP_ADD:
    ovf |= __builtin_add_overflow(a.lo, b.lo, &c[0]);
    ovf |= __builtin_add_overflow(a.hi, b.hi, &c[1]);
    break;
  case OP_SUB:
    ovf |= __builtin_sub_overflow(a.lo, b.hi, &c[0]);
    ovf |= __builtin_sub_overflow(a.hi, b.lo, &c[1]);
    break;
  case OP_MUL:
    n = 4;
    ovf |= __builtin_mul_overflow(a.lo, b.lo, &c[0]);
    ovf |= __builtin_mul_overflow(a.lo, b.hi, &c[1]);
    ovf |= __builtin_mul_overflow(a.hi, b.lo, &c[2]);
    ovf |= __builtin_mul_overflow(a.hi, b.hi, &c[3]);
    break;
  case OP_NEG:
  case OP_NOT:
  case OP_DIV:
  case OP_MOD:
  case OP_EQ:
  case OP_NE:
  case OP_LT:
  case OP_LE:
  case OP_GT:
  case OP_GE:
  case OP_AND:
  case OP_OR:
  case OP__COUNT: return v_unknown();
  }
  if (ovf) return v_unknown();
  int64_t lo = c[0], hi = c[0];
  for (int i = 1; i < n; i++) {
    if (c[i] < lo) lo = c[i];
    if (c[i] > hi) hi = c[i];
  }
  return v_range(1, lo, hi);
}

static int is_int(ElemType t) { return t == ELEM_INT || t == ELEM_I32 || t == ELEM_I8; }
static int is_flt(ElemType t) { return t == ELEM_F32 || t == ELEM_F16 || t == ELEM_FLOAT; }

/* A positive integer constant: its value, else 0. */
static int64_t pos_const(const LoopExpr *e) {
  return e->kind == LE_CONST && is_int(e->type) && e->i > 0 ? e->i : 0;
}

static OclVal val_binary(OclGen *g, const LoopExpr *e) {
  if (!is_int(e->type)) return v_of(e->type);
  OclVal a = ocl_val(g, e->args[0]), b = ocl_val(g, e->args[1]);
  int64_t c = pos_const(e->args[1]);
  if (e->op == OP_DIV || e->op == OP_MOD) {
    OclVal r = v_unknown();
    if (e->op == OP_MOD && c) r = v_range(1, 0, c - 1);
    if (e->nonneg && a.known && a.lo >= 0 && c)
      r = e->op == OP_DIV ? v_range(1, a.lo / c, a.hi / c)
                          : a.hi < c ? v_range(1, a.lo, a.hi) : v_range(1, 0, c - 1);
    if (!e->nonneg) r.t = CT_LONG; /* the helpers return long */
    else if (a.t == CT_LONG || b.t == CT_LONG) r.t = CT_LONG;
    return r;
  }
  OclVal r = range_arith(e->op, a, b);
  if (a.t == CT_LONG || b.t == CT_LONG) r.t = CT_LONG;
  return r;
}

static OclVal val_cast(OclGen *g, const LoopExpr *e) {
  ElemType from = e->args[0]->type, to = e->type;
  if (!is_int(to)) return v_of(to);
  if (from == ELEM_BOOL) return v_range(1, 0, 1);
  if (is_flt(from))
    return to == ELEM_I32 ? v_range(1, INT32_MIN, INT32_MAX)
           : to == ELEM_I8 ? v_range(1, -128, 127)
                           : v_unknown();
  OclVal x = ocl_val(g, e->args[0]);
  if (to == ELEM_I32 && !(x.known && fits32(x.lo, x.hi))) return v_range(1, INT32_MIN, INT32_MAX);
  if (to == ELEM_I8 && !(x.known && x.lo >= -128 && x.hi <= 127)) return v_range(1, -128, 127);
  return x;
}

static OclVal val_minmax(OclGen *g, const LoopExpr *e) {
  OclVal a = ocl_val(g, e->args[0]), b = ocl_val(g, e->args[1]);
  if (!a.known || !b.known) return v_unknown();
  int mx = e->builtin == BI_MAX;
  int64_t lo = mx ? (a.lo > b.lo ? a.lo : b.lo) : (a.lo < b.lo ? a.lo : b.lo);
  int64_t hi = mx ? (a.hi > b.hi ? a.hi : b.hi) : (a.hi < b.hi ? a.hi : b.hi);
  OclVal r = v_range(1, lo, hi);
  r.t = CT_LONG; /* xg_maxl */
  return r;
}

OclVal ocl_val(OclGen *g, const LoopExpr *e) {
  switch (e->kind) {
  case LE_CONST: return is_int(e->type) ? v_range(1, e->i, e->i) : v_of(e->type);
  case LE_VAR: return g->kc->vrange[e->var];
  case LE_LOAD:
    return e->type == ELEM_I32  ? v_range(1, INT32_MIN, INT32_MAX)
           : e->type == ELEM_I8 ? v_range(1, -128, 127)
                                : v_of(e->type);
  case LE_UNARY: {
    if (!is_int(e->type)) return v_of(e->type);
    OclVal x = ocl_val(g, e->args[0]);
    OclVal r = x.known && x.lo != INT64_MIN ? v_range(1, -x.hi, -x.lo) : v_unknown();
    if (x.t == CT_LONG) r.t = CT_LONG;
    return r;
  }
  case LE_BINARY: return val_binary(g, e);
  case LE_CALL:
    return is_int(e->type) && (e->builtin == BI_MAX || e->builtin == BI_MIN) ? val_minmax(g, e)
                                                                             : v_of(e->type);
  case LE_SELECT: {
    if (!is_int(e->type)) return v_of(e->type);
    OclVal a = ocl_val(g, e->args[1]), b = ocl_val(g, e->args[2]);
    OclVal r = a.known && b.known ? v_range(1, a.lo < b.lo ? a.lo : b.lo, a.hi > b.hi ? a.hi : b.hi)
                                  : v_unknown();
    if (a.t == CT_LONG || b.t == CT_LONG) r.t = CT_LONG;
    return r;
  }
  case LE_CAST: return val_cast(g, e);
  case LE__COUNT: break;
  }
  return v_unknown();
}

/* ------------------------------------------------------------- constants */

static void put_float(OclStr *o, double v, int dbl) {
  if (isnan(v)) {
    ocl_puts(o, dbl ? "(double)NAN" : "NAN");
    return;
  }
  if (isinf(v)) {
    ocl_puts(o, v < 0 ? (dbl ? "(double)-INFINITY" : "-INFINITY")
                      : (dbl ? "(double)INFINITY" : "INFINITY"));
    return;
  }
  char buf[48];
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*g", p, v);
    if (dbl ? strtod(buf, NULL) == v : strtof(buf, NULL) == (float)v) break;
  }
  ocl_puts(o, buf);
  if (!strpbrk(buf, ".e")) ocl_puts(o, ".0");
  if (!dbl) ocl_puts(o, "f");
}

static void put_int(OclStr *o, int64_t v) {
  if (v == INT64_MIN) ocl_puts(o, "(-9223372036854775807L - 1)");
  else if (v == INT32_MIN) ocl_puts(o, "(-2147483647 - 1)");
  else ocl_printf(o, "%lld%s", (long long)v, fits32(v, v) ? "" : "L");
}

static void put_const(OclStr *o, const LoopExpr *e) {
  if (is_flt(e->type)) put_float(o, e->type == ELEM_FLOAT ? e->f : (double)(float)e->f,
                                 e->type == ELEM_FLOAT);
  else if (e->type == ELEM_BOOL) ocl_puts(o, e->i ? "1" : "0");
  else put_int(o, e->i);
}

/* ------------------------------------------------------------ precedence */

static int op_prec(AstOp op) {
  switch (op) {
  case OP_OR: return 1;
  case OP_AND: return 2;
  case OP_EQ:
  case OP_NE: return 3;
  case OP_LT:
  case OP_LE:
  case OP_GT:
  case OP_GE: return 4;
  case OP_ADD:
  case OP_SUB: return 5;
  case OP_MUL:
  case OP_DIV:
  case OP_MOD: return 6;
  case OP_NEG:
  case OP_NOT: return 7;
  case OP__COUNT: break;
  }
  return 8;
}

/* What a cast emits. */
typedef enum CastKind {
  CAST_NONE,    /* the operand as it is */
  CAST_C,       /* (type)x */
  CAST_NE0,     /* x != 0 */
  CAST_HELPER,  /* xg_f2i(x, status) ... */
  CAST_WRAP,    /* as_int((uint)(x)), as_char((uchar)(x)) */
  CAST_CONST    /* a constant converted to a float type: the literal */
} CastKind;

static CastKind cast_kind(OclGen *g, const LoopExpr *e) {
  ElemType from = e->args[0]->type, to = e->type;
  if (e->args[0]->kind == LE_CONST && is_flt(to) && from != ELEM_BOOL) return CAST_CONST;
  if (to == ELEM_BOOL) return from == ELEM_BOOL ? CAST_NONE : CAST_NE0;
  if (is_flt(to)) {
    if (is_flt(from)) return (from == ELEM_FLOAT) == (to == ELEM_FLOAT) ? CAST_NONE : CAST_C;
    return CAST_C;
  }
  if (is_flt(from)) return CAST_HELPER;
  if (from == ELEM_BOOL || to == ELEM_INT) return CAST_NONE;
  OclVal x = ocl_val(g, e->args[0]);
  if (to == ELEM_I32) return x.known && fits32(x.lo, x.hi) ? CAST_NONE : CAST_WRAP;
  return x.known && x.lo >= -128 && x.hi <= 127 ? CAST_NONE : CAST_WRAP;
}

int ocl_prec(OclGen *g, const LoopExpr *e);
static int prec(OclGen *g, const LoopExpr *e) { return ocl_prec(g, e); }

int ocl_prec(OclGen *g, const LoopExpr *e) {
  switch (e->kind) {
  case LE_CONST:
    if (is_flt(e->type)) return signbit(e->f) && !isnan(e->f) ? 7 : 8;
    return e->type != ELEM_BOOL && e->i < 0 && e->i != INT64_MIN && e->i != INT32_MIN ? 7 : 8;
  case LE_VAR:
  case LE_LOAD:
  case LE_CALL: return 8;
  case LE_UNARY: return 7;
  case LE_BINARY:
    if (e->op == OP_MOD && is_flt(e->type)) return 8;
    if ((e->op == OP_DIV || e->op == OP_MOD) && is_int(e->type) && !e->nonneg) return 8;
    return op_prec(e->op); /* a (long) cast of the left operand binds tighter */
  case LE_SELECT: return 0;
  case LE_CAST:
    switch (cast_kind(g, e)) {
    case CAST_NONE: return prec(g, e->args[0]);
    case CAST_C: return 7;
    case CAST_NE0: return 3;
    case CAST_HELPER:
    case CAST_WRAP: return 8;
    case CAST_CONST: {
      const LoopExpr *k = e->args[0];
      double v = is_flt(k->type) ? k->f : (double)k->i;
      return signbit(v) && !isnan(v) ? 7 : 8;
    }
    }
    return 8;
  case LE__COUNT: break;
  }
  return 8;
}

/* ------------------------------------------------------------ emission */

static void emit(OclGen *g, OclStr *o, const LoopExpr *e, int min);

static const char *status_arg(OclGen *g) {
  g->kc->status = 1;
  return "status";
}

static void emit_load(OclGen *g, OclStr *o, const LoopExpr *e) {
  const char *b = ocl_buf(g, e->buf, 0);
  if (e->guard) {
    ocl_puts(o, "(");
    emit(g, o, e->guard, 1);
    ocl_puts(o, " ? ");
  }
  if (e->nargs == 3) { /* channel args[2] of pixel (args[0], args[1]) of an image */
    int64_t c = e->args[2]->kind == LE_CONST ? e->args[2]->i : -1;
    if (c < 0 || c > 3) ocl_printf(o, "%s(", ocl_helper(g, OH_CH));
    ocl_printf(o, "read_imagef(%s, %s, ", b, ocl_helper(g, OH_SAMPLER));
    ocl_image_coords(g, o, e->args[0], e->args[1]);
    ocl_puts(o, ")");
    if (c >= 0 && c <= 3) {
      ocl_printf(o, ".%c", "xyzw"[c]);
    } else {
      ocl_puts(o, ", ");
      emit(g, o, e->args[2], 0);
      ocl_puts(o, ")");
    }
  } else if (e->type == ELEM_F16) {
    ocl_puts(o, "vload_half(");
    emit(g, o, e->args[0], 0);
    ocl_printf(o, ", %s)", b);
  } else {
    ocl_printf(o, "%s%s[", e->type == ELEM_BOOL ? "(" : "", b);
    emit(g, o, e->args[0], 0);
    ocl_puts(o, e->type == ELEM_BOOL ? "] != 0)" : "]");
  }
  if (e->guard)
    ocl_printf(o, " : %s(%s, %d))", ocl_helper(g, OH_FAIL), status_arg(g), XG_RUN_RANGE);
}

static void emit_call_args(OclGen *g, OclStr *o, const char *fn, const LoopExpr *e,
                           const char *extra) {
  ocl_printf(o, "%s(", fn);
  for (int i = 0; i < e->nargs; i++) {
    if (i) ocl_puts(o, ", ");
    emit(g, o, e->args[i], 0);
  }
  if (extra) ocl_printf(o, ", %s", extra);
  ocl_puts(o, ")");
}

static void emit_binary(OclGen *g, OclStr *o, const LoopExpr *e, int pr) {
  int flt = is_flt(e->args[0]->type), dbl = e->args[0]->type == ELEM_FLOAT;
  if (flt && e->op == OP_MOD) {
    emit_call_args(g, o, ocl_helper(g, dbl ? OH_FMODD : OH_FMODF), e, NULL);
    return;
  }
  if (!flt && is_int(e->type) && (e->op == OP_DIV || e->op == OP_MOD) && !e->nonneg) {
    emit_call_args(g, o, ocl_helper(g, e->op == OP_DIV ? OH_DIV : OH_MOD), e, status_arg(g));
    return;
  }
  int widen = 0;
  if (is_int(e->type)) {
    OclVal a = ocl_val(g, e->args[0]), b = ocl_val(g, e->args[1]), r = ocl_val(g, e);
    widen = r.t == CT_LONG && a.t != CT_LONG && b.t != CT_LONG;
  }
  if (widen) ocl_puts(o, "(long)");
  emit(g, o, e->args[0], widen ? 7 : pr);
  int tight = is_int(e->type) && (e->op == OP_MUL || e->op == OP_DIV || e->op == OP_MOD);
  ocl_printf(o, tight ? "%s" : " %s ", ast_op_name(e->op));
  emit(g, o, e->args[1], pr + 1);
}

const char *ocl_math_fn(Builtin b) {
  switch (b) {
  case BI_EXP: return "exp";
  case BI_LOG: return "log";
  case BI_SQRT: return "sqrt";
  case BI_RSQRT: return "rsqrt";
  case BI_TANH: return "tanh";
  case BI_ERF: return "erf";
  case BI_ABS: return "fabs";
  case BI_FLOOR: return "floor";
  case BI_CEIL: return "ceil";
  case BI_POW: return "pow";
  case BI_MAX:
  case BI_MIN:
  case BI_SELECT:
  case BI__COUNT: break;
  }
  return NULL;
}

static void emit_call(OclGen *g, OclStr *o, const LoopExpr *e) {
  int dbl = e->type == ELEM_FLOAT;
  const char *fn = ocl_math_fn(e->builtin);
  if (e->builtin == BI_MAX)
    fn = ocl_helper(g, is_int(e->type) ? OH_MAXL : dbl ? OH_MAXD : OH_MAXF);
  else if (e->builtin == BI_MIN)
    fn = ocl_helper(g, is_int(e->type) ? OH_MINL : dbl ? OH_MIND : OH_MINF);
  if (!fn) {
    ocl_error(g, "built-in %d in a loop expression", (int)e->builtin);
    ocl_puts(o, "0");
    return;
  }
  emit_call_args(g, o, fn, e, NULL);
}

static void emit_cast(OclGen *g, OclStr *o, const LoopExpr *e, int pr) {
  ElemType from = e->args[0]->type, to = e->type;
  switch (cast_kind(g, e)) {
  case CAST_NONE: emit(g, o, e->args[0], pr); return;
  case CAST_C:
    ocl_printf(o, "(%s)", ocl_ctype_name(ocl_ctype_of(to)));
    emit(g, o, e->args[0], 7);
    return;
  case CAST_NE0:
    emit(g, o, e->args[0], 4);
    ocl_puts(o, from == ELEM_FLOAT ? " != 0.0" : is_flt(from) ? " != 0.0f" : " != 0");
    return;
  case CAST_HELPER: {
    int d = from == ELEM_FLOAT;
    OclHelper h = to == ELEM_I32 ? (d ? OH_D2I : OH_F2I)
                  : to == ELEM_I8 ? (d ? OH_D2C : OH_F2C)
                                  : (d ? OH_D2L : OH_F2L);
    ocl_printf(o, "%s(", ocl_helper(g, h));
    emit(g, o, e->args[0], 0);
    ocl_printf(o, ", %s)", status_arg(g));
    return;
  }
  case CAST_WRAP:
    ocl_puts(o, to == ELEM_I32 ? "as_int((uint)" : "as_char((uchar)");
    emit(g, o, e->args[0], 7);
    ocl_puts(o, ")");
    return;
  case CAST_CONST: { /* as the CPU converts: to double, then to float */
    const LoopExpr *k = e->args[0];
    double v = is_flt(from) ? k->f : (double)k->i;
    put_float(o, to == ELEM_FLOAT ? v : (double)(float)v, to == ELEM_FLOAT);
    return;
  }
  }
}

static void emit_kind(OclGen *g, OclStr *o, const LoopExpr *e, int pr) {
  switch (e->kind) {
  case LE_CONST: put_const(o, e); return;
  case LE_VAR: ocl_puts(o, g->kc->vname[e->var]); return;
  case LE_LOAD: emit_load(g, o, e); return;
  case LE_UNARY: {
    OclVal x = ocl_val(g, e->args[0]), r = ocl_val(g, e);
    ocl_puts(o, e->op == OP_NOT ? "!" : "-");
    if (is_int(e->type) && r.t == CT_LONG && x.t != CT_LONG) ocl_puts(o, "(long)");
    emit(g, o, e->args[0], 8);
    return;
  }
  case LE_BINARY: emit_binary(g, o, e, pr); return;
  case LE_CALL: emit_call(g, o, e); return;
  case LE_SELECT:
    emit(g, o, e->args[0], 1);
    ocl_puts(o, " ? ");
    emit(g, o, e->args[1], 1);
    ocl_puts(o, " : ");
    emit(g, o, e->args[2], 1);
    return;
  case LE_CAST: emit_cast(g, o, e, pr); return;
  case LE__COUNT: break;
  }
  ocl_error(g, "expression kind %d", (int)e->kind);
}

static void emit(OclGen *g, OclStr *o, const LoopExpr *e, int min) {
  if (e->type == ELEM_FLOAT) g->fp64 = 1;
  int pr = prec(g, e), paren = pr < min;
  if (paren) ocl_puts(o, "(");
  emit_kind(g, o, e, pr);
  if (paren) ocl_puts(o, ")");
}

void ocl_expr(OclGen *g, OclStr *out, const LoopExpr *e, int min_prec) {
  emit(g, out, e, min_prec);
}

void ocl_store_value(OclGen *g, OclStr *out, ElemType t, const LoopExpr *v) {
  OclVal x = ocl_val(g, v);
  if (t == ELEM_I32 && !(x.known && fits32(x.lo, x.hi))) {
    ocl_puts(out, "as_int((uint)");
    emit(g, out, v, 7);
    ocl_puts(out, ")");
  } else if (t == ELEM_I8 && !(x.known && x.lo >= -128 && x.hi <= 127)) {
    ocl_puts(out, "as_char((uchar)");
    emit(g, out, v, 7);
    ocl_puts(out, ")");
  } else {
    emit(g, out, v, 0);
  }
}
