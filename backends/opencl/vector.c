/* backends/opencl/vector.c -- float4 code for element-wise kernels: where
 * the innermost grid loop's body is one f32 store, contiguous in the loop's
 * index, of a value whose reads are contiguous in it or the same for every
 * index, a work-item computes four neighbouring elements with 16-byte loads
 * and stores (`*(global float4 *)(x + off)`, the offsets proven multiples
 * of 4), and the last, partial vector one element at a time.  The registers
 * that a fused group defines before the store (`t.1 = ...`, docs/fusion.md)
 * are substituted into the stored value first. */
#include "backends/opencl/ocl_int.h"

/* -------------------------------------------------------------- analysis */

/* The coefficient of variable v in integer expression e when e is affine
 * in v (1 and *c), else 0. */
static int coef_of(const LoopExpr *e, int v, int64_t *c) {
  int64_t a, b;
  *c = 0;
  switch (e->kind) {
  case LE_CONST: return 1;
  case LE_VAR: *c = e->var == v; return 1;
  case LE_UNARY:
    if (e->op != OP_NEG || !coef_of(e->args[0], v, &a)) return 0;
    *c = -a;
    return 1;
  case LE_BINARY:
    if (!coef_of(e->args[0], v, &a) || !coef_of(e->args[1], v, &b)) return 0;
    switch (e->op) {
    case OP_ADD: *c = a + b; return 1;
    case OP_SUB: *c = a - b; return 1;
    case OP_MUL:
      if (a && b) return 0;
      if (a) return e->args[1]->kind == LE_CONST ? (*c = a * e->args[1]->i, 1) : 0;
      if (b) return e->args[0]->kind == LE_CONST ? (*c = b * e->args[0]->i, 1) : 0;
      return 1;
    case OP_DIV:
    case OP_MOD: return !a && !b;
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
    return 0;
  case LE_LOAD:
  case LE_CALL:
  case LE_SELECT:
  case LE_CAST:
    for (int i = 0; i < e->nargs; i++)
      if (!coef_of(e->args[i], v, &a) || a) return 0; /* must not vary with v at all */
    return !e->guard || (coef_of(e->guard, v, &a) && !a);
  case LE__COUNT: break;
  }
  return 0;
}

/* e mod 4 where v is a multiple of 4, when the other variables do not
 * matter (1 and *r). */
static int mod4(const LoopExpr *e, int v, int *r) {
  int a, b;
  switch (e->kind) {
  case LE_CONST: *r = (int)(((e->i % 4) + 4) % 4); return 1;
  case LE_VAR: *r = 0; return e->var == v;
  case LE_BINARY:
    if (e->op == OP_MUL) {
      int ka = mod4(e->args[0], v, &a), kb = mod4(e->args[1], v, &b);
      if ((ka && a == 0) || (kb && b == 0)) return *r = 0, 1;
      return ka && kb ? (*r = a * b % 4, 1) : 0;
    }
    if (e->op != OP_ADD && e->op != OP_SUB) return 0;
    if (!mod4(e->args[0], v, &a) || !mod4(e->args[1], v, &b)) return 0;
    *r = ((e->op == OP_ADD ? a + b : a - b) % 4 + 4) % 4;
    return 1;
  case LE_UNARY:
  case LE_LOAD:
  case LE_CALL:
  case LE_SELECT:
  case LE_CAST:
  case LE__COUNT: break;
  }
  return 0;
}

/* A read at element offset off, contiguous (1) or the same (0) for the
 * four lanes; contiguous ones must start at a multiple of 4 elements. */
static int lane_read(const LoopExpr *off, int v, int64_t *c) {
  int r;
  if (!coef_of(off, v, c)) return 0;
  return *c == 0 || (*c == 1 && mod4(off, v, &r) && r == 0);
}

static int value_ok(OclGen *g, const LoopExpr *e, int v) {
  if (e->type != ELEM_F32) return 0;
  int64_t c;
  switch (e->kind) {
  case LE_CONST: return 1;
  case LE_LOAD: {
    const LoopBuf *b = g->p->bufs[e->buf];
    return !e->guard && e->nargs == 1 && b->kind != LB_IMAGE && b->kind != LB_STACK &&
           lane_read(e->args[0], v, &c);
  }
  case LE_UNARY: return e->op == OP_NEG && value_ok(g, e->args[0], v);
  case LE_BINARY:
    return e->op != OP_MOD && value_ok(g, e->args[0], v) && value_ok(g, e->args[1], v);
  case LE_CALL:
    if (e->builtin == BI_SELECT) return 0;
    for (int i = 0; i < e->nargs; i++)
      if (!value_ok(g, e->args[i], v)) return 0;
    return 1;
  case LE_CAST: return e->args[0]->kind == LE_CONST && e->args[0]->type != ELEM_BOOL;
  case LE_VAR:
  case LE_SELECT:
  case LE__COUNT: break;
  }
  return 0;
}

/* e with the registers defined by the first `upto` statements of body (all
 * LS_LET) replaced by their values. */
static const LoopExpr *substitute(OclGen *g, const LoopExpr *e, const LoopStmt *body, int upto) {
  if (e->kind == LE_VAR)
    for (int k = upto - 1; k >= 0; k--) {
      const LoopStmt *let = body->body.items[k];
      if (let->var == e->var) return substitute(g, let->value, body, k);
    }
  if (e->nargs == 0 && !e->guard) return e;
  LoopExpr *c = arena_alloc(g->a, sizeof *c);
  *c = *e;
  c->args = arena_alloc(g->a, sizeof *c->args * (size_t)(e->nargs + 1));
  for (int i = 0; i < e->nargs; i++) c->args[i] = (LoopExpr *)substitute(g, e->args[i], body, upto);
  if (e->guard) c->guard = (LoopExpr *)substitute(g, e->guard, body, upto);
  return c;
}

/* The store of a body of registers (LS_LET) and one store, and its value
 * with the registers substituted; NULL for other bodies. */
static const LoopStmt *vec_store(OclGen *g, const LoopStmt *loop, const LoopExpr **value) {
  int n = loop->body.n;
  if (n < 1) return NULL;
  for (int i = 0; i + 1 < n; i++)
    if (((const LoopStmt *)loop->body.items[i])->kind != LS_LET) return NULL;
  const LoopStmt *s = loop->body.items[n - 1];
  if (s->kind != LS_STORE) return NULL;
  *value = substitute(g, s->value, loop, n - 1);
  return s;
}

int ocl_vec_ok(OclGen *g, const LoopStmt *loop) {
  if (loop->hi - loop->lo < 8 || loop->lo % 4) return 0;
  const LoopExpr *value;
  const LoopStmt *s = vec_store(g, loop, &value);
  if (!s) return 0;
  const LoopBuf *b = g->p->bufs[s->buf];
  int64_t c;
  int r;
  if (b->elem != ELEM_F32 || b->kind == LB_IMAGE || b->kind == LB_STACK) return 0;
  if (!coef_of(s->addr, loop->var, &c) || c != 1 || !mod4(s->addr, loop->var, &r) || r) return 0;
  return value_ok(g, value, loop->var);
}

/* --------------------------------------------------------------- emission */

/* Does e differ between the lanes (a contiguous read in it)? */
static int varies(const LoopExpr *e, int v) {
  int64_t c;
  if (e->kind == LE_LOAD) return coef_of(e->args[0], v, &c) && c != 0;
  for (int i = 0; i < e->nargs; i++)
    if (varies(e->args[i], v)) return 1;
  return 0;
}

static void vexpr(OclGen *g, OclStr *o, const LoopExpr *e, int v, int min);

/* An argument of a call that takes all-vector or all-scalar arguments. */
static void varg(OclGen *g, OclStr *o, const LoopExpr *e, int v, int vec) {
  int wide = vec && !varies(e, v);
  if (wide) ocl_puts(o, "(float4)(");
  vexpr(g, o, e, v, 0);
  if (wide) ocl_puts(o, ")");
}

static void vcall(OclGen *g, OclStr *o, const LoopExpr *e, int v) {
  int vec = varies(e, v);
  const char *fn = ocl_math_fn(e->builtin);
  if (e->builtin == BI_MAX) fn = ocl_helper(g, vec ? OH_MAXF4 : OH_MAXF);
  else if (e->builtin == BI_MIN) fn = ocl_helper(g, vec ? OH_MINF4 : OH_MINF);
  ocl_printf(o, "%s(", fn ? fn : "?");
  for (int i = 0; i < e->nargs; i++) {
    if (i) ocl_puts(o, ", ");
    varg(g, o, e->args[i], v, vec);
  }
  ocl_puts(o, ")");
}

static void vexpr(OclGen *g, OclStr *o, const LoopExpr *e, int v, int min) {
  if (!varies(e, v)) { /* the same in every lane: scalar code */
    ocl_expr(g, o, e, min);
    return;
  }
  int pr = e->kind == LE_BINARY ? ocl_prec(g, e) : e->kind == LE_UNARY ? 7 : 8;
  if (pr < min) ocl_puts(o, "(");
  switch (e->kind) {
  case LE_LOAD:
    ocl_printf(o, "*(global const float4 *)(%s + ", ocl_buf(g, e->buf, 0));
    ocl_expr(g, o, e->args[0], 5);
    ocl_puts(o, ")");
    break;
  case LE_UNARY:
    ocl_puts(o, "-");
    vexpr(g, o, e->args[0], v, 8);
    break;
  case LE_BINARY:
    vexpr(g, o, e->args[0], v, pr);
    ocl_printf(o, " %s ", ast_op_name(e->op));
    vexpr(g, o, e->args[1], v, pr + 1);
    break;
  case LE_CALL: vcall(g, o, e, v); break;
  case LE_CONST:
  case LE_VAR:
  case LE_SELECT:
  case LE_CAST:
  case LE__COUNT: ocl_error(g, "a vector expression of kind %d", (int)e->kind); break;
  }
  if (pr < min) ocl_puts(o, ")");
}

void ocl_vec_body(OclGen *g, const LoopStmt *loop, const char *q) {
  OclKernel *kc = g->kc;
  OclStr *o = &kc->body;
  const LoopExpr *value;
  const LoopStmt *s = vec_store(g, loop, &value);
  if (!s) {
    ocl_error(g, "a float4 body that is not registers and one store");
    return;
  }
  const char *j = kc->vname[loop->var], *y = ocl_buf(g, s->buf, 1);
  int partial = (loop->hi - loop->lo) % 4 != 0;
  const char *base = arena_printf(g->a, "%s4*%s", loop->lo ? arena_printf(g->a, "%lld + ",
                                  (long long)loop->lo) : "", q);
  if (partial) ocl_printf(o, "  if (%s + 4 <= %lld) {\n", base, (long long)loop->hi);
  else ocl_puts(o, "  {\n");
  ocl_printf(o, "    const int %s = %s;\n    *(global float4 *)(%s + ", j, base, y);
  ocl_expr(g, o, s->addr, 5);
  ocl_puts(o, ") = ");
  varg(g, o, value, loop->var, 1);
  ocl_puts(o, ";\n  }");
  if (!partial) {
    ocl_puts(o, "\n");
    return;
  }
  ocl_printf(o, " else {\n    for (int %s = %s; %s < %lld; %s++) {\n      %s[", j, base, j,
             (long long)loop->hi, j, y);
  ocl_expr(g, o, s->addr, 0);
  ocl_puts(o, "] = ");
  ocl_expr(g, o, value, 0);
  ocl_puts(o, ";\n    }\n  }\n");
}
