/* lower/loop.c -- constructors of the loop IR, its names, and the targets
 * the schedules know without asking the back end. */
#include "lower/lower_int.h"

#include <math.h>
#include <string.h>

static const char *const buf_kind_names[] = {
#define X(k, s) s,
    XG_LOOP_BUFS(X)
#undef X
};
_Static_assert(sizeof buf_kind_names / sizeof *buf_kind_names == LB__COUNT, "buffer kinds");

static const char *const loop_kind_names[] = {
#define X(k, s) s,
    XG_LOOP_KINDS(X)
#undef X
};
_Static_assert(sizeof loop_kind_names / sizeof *loop_kind_names == LOOP__COUNT, "loop kinds");

const char *loop_kind_name(LoopKind k) {
  return (unsigned)k < LOOP__COUNT ? loop_kind_names[k] : "?";
}
const char *loop_buf_kind_name(LoopBufKind k) {
  return (unsigned)k < LB__COUNT ? buf_kind_names[k] : "?";
}

const char *loop_run_error(int code) {
  return xg_run_error_text(code);
}

LowerTarget lower_default_target(void) {
  LowerTarget t = {"x86-64-v3", 256, 16, 1, 32 << 10, 1 << 20, 8 << 20, 0, 0, 0};
  return t;
}

LowerTarget lower_gpu_target(void) {
  LowerTarget t = {"opencl", 128, 0, 1, 0, 0, 0, 1, 0, LOWER_IMAGE_MAX};
  return t;
}

const char *lower_backend_name(const LowerTarget *t) { return t->gpu ? "OpenCL" : "CPU"; }

int lower_lanes(const LowerTarget *t) { return t->vector_bits >= 64 ? t->vector_bits / 32 : 1; }

/* ------------------------------------------------------------ expressions */

LoopExpr *le_new(Arena *a, LoopExprKind k, ElemType type, int nargs) {
  LoopExpr *e = arena_alloc(a, sizeof *e);
  e->kind = k;
  e->type = type;
  e->nargs = nargs;
  if (nargs) e->args = arena_alloc(a, sizeof(LoopExpr *) * (size_t)nargs);
  return e;
}

LoopExpr *le_int(Arena *a, int64_t v) {
  LoopExpr *e = le_new(a, LE_CONST, ELEM_INT, 0);
  e->i = v;
  return e;
}

LoopExpr *le_bool(Arena *a, int v) {
  LoopExpr *e = le_new(a, LE_CONST, ELEM_BOOL, 0);
  e->i = v != 0;
  return e;
}

LoopExpr *le_float(Arena *a, ElemType type, double v) {
  LoopExpr *e = le_new(a, LE_CONST, type, 0);
  e->f = v;
  return e;
}

LoopExpr *le_var(Arena *a, int var, ElemType type) {
  LoopExpr *e = le_new(a, LE_VAR, type, 0);
  e->var = var;
  return e;
}

LoopExpr *le_load(Arena *a, int buf, ElemType type, LoopExpr *offset) {
  LoopExpr *e = le_new(a, LE_LOAD, type, 1);
  e->buf = buf;
  e->args[0] = offset;
  return e;
}

LoopExpr *le_unary(Arena *a, AstOp op, ElemType type, LoopExpr *x) {
  if (op == OP_NEG && x->kind == LE_CONST && type == ELEM_INT) return le_int(a, -x->i);
  LoopExpr *e = le_new(a, LE_UNARY, type, 1);
  e->op = op;
  e->args[0] = x;
  return e;
}

static int is_int_const(const LoopExpr *e, int64_t v) {
  return e->kind == LE_CONST && e->type == ELEM_INT && e->i == v;
}

/* Folds + - * of integer constants (without overflow) and the neutral
 * operands 0 and 1; NULL when nothing folds. */
static LoopExpr *fold_int(Arena *a, AstOp op, LoopExpr *x, LoopExpr *y) {
  int64_t r;
  if (x->kind == LE_CONST && y->kind == LE_CONST) {
    if (op == OP_ADD && !__builtin_add_overflow(x->i, y->i, &r)) return le_int(a, r);
    if (op == OP_SUB && !__builtin_sub_overflow(x->i, y->i, &r)) return le_int(a, r);
    if (op == OP_MUL && !__builtin_mul_overflow(x->i, y->i, &r)) return le_int(a, r);
  }
  if ((op == OP_ADD || op == OP_SUB) && is_int_const(y, 0)) return x;
  if (op == OP_ADD && is_int_const(x, 0)) return y;
  if (op == OP_MUL && (is_int_const(x, 0) || is_int_const(y, 1))) return x;
  if (op == OP_MUL && (is_int_const(y, 0) || is_int_const(x, 1))) return y;
  return NULL;
}

LoopExpr *le_binary(Arena *a, AstOp op, ElemType type, LoopExpr *x, LoopExpr *y) {
  if (type == ELEM_INT && x->type == ELEM_INT && y->type == ELEM_INT) {
    LoopExpr *f = fold_int(a, op, x, y);
    if (f) return f;
  }
  LoopExpr *e = le_new(a, LE_BINARY, type, 2);
  e->op = op;
  e->args[0] = x;
  e->args[1] = y;
  return e;
}

LoopExpr *le_select(Arena *a, LoopExpr *c, LoopExpr *x, LoopExpr *y) {
  if (c->kind == LE_CONST) return c->i ? x : y;
  LoopExpr *e = le_new(a, LE_SELECT, x->type, 3);
  e->args[0] = c;
  e->args[1] = x;
  e->args[2] = y;
  return e;
}

LoopExpr *le_cast(Arena *a, ElemType type, LoopExpr *x) {
  if (x->type == type) return x;
  LoopExpr *e = le_new(a, LE_CAST, type, 1);
  e->args[0] = x;
  return e;
}

LoopExpr *le_and(Arena *a, LoopExpr *x, LoopExpr *y) {
  if (!x) return y;
  if (!y) return x;
  return le_binary(a, OP_AND, ELEM_BOOL, x, y);
}

LoopExpr *le_identity(Arena *a, Reduction r, ElemType t) {
  int fl = t == ELEM_F32 || t == ELEM_F16 || t == ELEM_FLOAT;
  switch (r) {
  case RD_SUM:
  case RD_MEAN: return fl ? le_float(a, t, 0.0) : le_int(a, 0);
  case RD_PROD: return fl ? le_float(a, t, 1.0) : le_int(a, 1);
  case RD_MAX: return fl ? le_float(a, t, -INFINITY) : le_int(a, INT64_MIN);
  case RD_MIN: return fl ? le_float(a, t, INFINITY) : le_int(a, INT64_MAX);
  case RD__COUNT: break;
  }
  return le_int(a, 0);
}

int loop_expr_safe(const LoopExpr *e) {
  if (e->kind == LE_LOAD) return 0;
  if (e->kind == LE_BINARY && (e->op == OP_DIV || e->op == OP_MOD) && e->type != ELEM_F32 &&
      e->type != ELEM_F16 && e->type != ELEM_FLOAT && !e->nonneg)
    return 0;
  if (e->kind == LE_CAST && e->type != ELEM_F32 && e->type != ELEM_F16 && e->type != ELEM_FLOAT &&
      e->type != ELEM_BOOL &&
      (e->args[0]->type == ELEM_F32 || e->args[0]->type == ELEM_F16 ||
       e->args[0]->type == ELEM_FLOAT))
    return 0; /* a conversion that can fail */
  for (int i = 0; i < e->nargs; i++)
    if (!loop_expr_safe(e->args[i])) return 0;
  return 1;
}

/* ------------------------------------------------------------- statements */

LoopStmt *ls_loop(Arena *a, int var, int64_t lo, int64_t hi, LoopKind kind, int lanes) {
  LoopStmt *s = arena_alloc(a, sizeof *s);
  s->kind = LS_LOOP;
  s->var = var;
  s->lo = lo;
  s->hi = hi;
  s->loop = kind;
  s->lanes = kind == LOOP_VECTOR ? lanes : 0;
  return s;
}

LoopStmt *ls_store(Arena *a, int buf, LoopExpr *addr, LoopExpr *value) {
  LoopStmt *s = arena_alloc(a, sizeof *s);
  s->kind = LS_STORE;
  s->buf = buf;
  s->addr = addr;
  s->value = value;
  return s;
}

LoopStmt *ls_let(Arena *a, int var, LoopExpr *value) {
  LoopStmt *s = arena_alloc(a, sizeof *s);
  s->kind = LS_LET;
  s->var = var;
  s->value = value;
  return s;
}

LoopStmt *ls_accum(Arena *a, int var, Reduction red, LoopExpr *value) {
  LoopStmt *s = ls_let(a, var, value);
  s->kind = LS_ACCUM;
  s->red = red;
  return s;
}

LoopStmt *ls_if(Arena *a, LoopExpr *cond) {
  LoopStmt *s = arena_alloc(a, sizeof *s);
  s->kind = LS_IF;
  s->value = cond;
  return s;
}

void ls_push(Arena *a, LoopStmt *loop, LoopStmt *s) { vec_push(a, &loop->body, s); }
