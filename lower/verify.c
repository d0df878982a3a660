/* lower/verify.c -- the invariants of the loop IR (docs/cpu.md): scopes of
 * variables, types, where parallel and vector loops may stand, buffers.
 * Run on every program the lowering makes (xgc --verify-each) and by the
 * unit tests; a violation is a bug of the lowering. */
#include "lower/lower_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Vf {
  const LoopProgram *p;
  const LoopKernel *k;
  const LoopNest *n;
  Diag *d;
  int errors;
  unsigned char *defined; /* per variable: in scope */
  int vector_depth;       /* vector loops around the current statement */
  int lane_var;           /* the index of the enclosing vector loop */
  unsigned char *outer;   /* per variable: defined outside the current vector loop */
  unsigned char *index;   /* per variable: a loop index */
} Vf;

__attribute__((format(printf, 2, 3))) static void fail(Vf *v, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  v->errors++;
  diag_plain(v->d, DIAG_ERROR, "internal error: loop IR of '%s', kernel %d, nest '%s': %s",
             v->p->name, v->k->id, v->n->name, msg);
}

static int is_float(ElemType t) { return t == ELEM_F32 || t == ELEM_F16 || t == ELEM_FLOAT; }

static void check_var(Vf *v, int var) {
  if (var < 0 || var >= v->n->nvars) fail(v, "variable %d does not exist", var);
  else if (!v->defined[var])
    fail(v, "variable '%s' is used outside its scope", v->n->vars[var].name);
}

static void check_expr(Vf *v, const LoopExpr *e);

static void check_binary(Vf *v, const LoopExpr *e) {
  ElemType a = e->args[0]->type, b = e->args[1]->type;
  switch (e->op) {
  case OP_AND:
  case OP_OR:
    if (a != ELEM_BOOL || b != ELEM_BOOL || e->type != ELEM_BOOL)
      fail(v, "'%s' of non-bools", ast_op_name(e->op));
    return;
  case OP_EQ:
  case OP_NE:
  case OP_LT:
  case OP_LE:
  case OP_GT:
  case OP_GE:
    if (a != b || e->type != ELEM_BOOL)
      fail(v, "comparison '%s' of %s and %s", ast_op_name(e->op), elem_type_name(a),
           elem_type_name(b));
    return;
  case OP_ADD:
  case OP_SUB:
  case OP_MUL:
  case OP_DIV:
  case OP_MOD:
    if (a != e->type || b != e->type || e->type == ELEM_BOOL)
      fail(v, "'%s' of %s and %s giving %s", ast_op_name(e->op), elem_type_name(a),
           elem_type_name(b), elem_type_name(e->type));
    return;
  case OP_NEG:
  case OP_NOT:
  case OP__COUNT: break;
  }
  fail(v, "binary operator '%s'", ast_op_name(e->op));
}

static void check_kind(Vf *v, const LoopExpr *e) {
  switch (e->kind) {
  case LE_CONST: return;
  case LE_VAR:
    check_var(v, e->var);
    if (e->var >= 0 && e->var < v->n->nvars && v->n->vars[e->var].type != e->type)
      fail(v, "variable '%s' read as %s", v->n->vars[e->var].name, elem_type_name(e->type));
    return;
  case LE_LOAD:
    if (e->buf < 0 || e->buf >= v->p->nbufs) fail(v, "load of buffer %d", e->buf);
    else if (v->p->bufs[e->buf]->elem != e->type)
      fail(v, "load of %s as %s", v->p->bufs[e->buf]->name, elem_type_name(e->type));
    if (e->buf >= 0 && e->buf < v->p->nbufs &&
        e->nargs != (v->p->bufs[e->buf]->kind == LB_IMAGE ? 3 : 1))
      fail(v, "load of %s with %d coordinates", v->p->bufs[e->buf]->name, e->nargs);
    for (int i = 0; i < e->nargs; i++)
      if (e->args[i]->type != ELEM_INT)
        fail(v, "offset of type %s", elem_type_name(e->args[i]->type));
    if (e->guard) {
      check_expr(v, e->guard);
      if (e->guard->type != ELEM_BOOL) fail(v, "guard of type %s", elem_type_name(e->guard->type));
    }
    return;
  case LE_UNARY:
    if (e->op == OP_NOT ? e->type != ELEM_BOOL
                        : e->args[0]->type != e->type || e->type == ELEM_BOOL)
      fail(v, "unary '%s' of %s", ast_op_name(e->op), elem_type_name(e->args[0]->type));
    return;
  case LE_BINARY: check_binary(v, e); return;
  case LE_CALL:
    if (e->builtin == BI_SELECT) fail(v, "select as a call");
    for (int i = 0; i < e->nargs; i++)
      if (e->args[i]->type != e->type)
        fail(v, "call argument of type %s", elem_type_name(e->args[i]->type));
    if (!is_float(e->type) && e->builtin != BI_MAX && e->builtin != BI_MIN)
      fail(v, "float built-in of ints");
    return;
  case LE_SELECT:
    if (e->args[0]->type != ELEM_BOOL || e->args[1]->type != e->type || e->args[2]->type != e->type)
      fail(v, "select of mismatched types");
    return;
  case LE_CAST: return;
  case LE__COUNT: break;
  }
  fail(v, "expression kind %d", (int)e->kind);
}

static void check_expr(Vf *v, const LoopExpr *e) {
  if (!e) {
    fail(v, "missing expression");
    return;
  }
  for (int i = 0; i < e->nargs; i++) check_expr(v, e->args[i]);
  check_kind(v, e);
}

static void check_stmt(Vf *v, const LoopStmt *s, int top);
static void check_expr(Vf *v, const LoopExpr *e);

static void check_loop(Vf *v, const LoopStmt *s, int top) {
  if (s->lo >= s->hi) fail(v, "empty loop over '%s'", v->n->vars[s->var].name);
  if (s->loop == LOOP_PARALLEL && !top) fail(v, "a parallel loop inside another loop");
  if (s->loop == LOOP_VECTOR && v->p->target.gpu) fail(v, "a vector loop on a GPU target");
  /* GPU: up to LOOP_GPU_DIMS parallel loops, perfectly nested (the NDRange) */
  int grid = v->p->target.gpu && s->loop == LOOP_PARALLEL && s->body.n == 1 &&
             ((const LoopStmt *)s->body.items[0])->kind == LS_LOOP &&
             ((const LoopStmt *)s->body.items[0])->loop == LOOP_PARALLEL;
  if (grid && top >= LOOP_GPU_DIMS) fail(v, "more than %d nested parallel loops", LOOP_GPU_DIMS);
  if (s->loop == LOOP_VECTOR && (s->lanes < 2 || v->vector_depth))
    fail(v, "a vector loop of %d lanes", s->lanes);
  if (v->defined[s->var]) fail(v, "loop variable '%s' already in scope", v->n->vars[s->var].name);
  size_t n = (size_t)v->n->nvars;
  unsigned char *keep = malloc(2 * n + 1);
  if (!keep) abort();
  memcpy(keep, v->defined, n);
  memcpy(keep + n, v->outer, n);
  v->defined[s->var] = 1;
  v->index[s->var] = 1;
  int lane = v->lane_var;
  if (s->loop == LOOP_VECTOR) {
    memcpy(v->outer, v->defined, n);
    v->vector_depth++;
    v->lane_var = s->var;
  }
  for (int i = 0; i < s->body.n; i++) check_stmt(v, s->body.items[i], grid ? top + 1 : 0);
  if (s->loop == LOOP_VECTOR) v->vector_depth--;
  v->lane_var = lane;
  memcpy(v->defined, keep, n);
  memcpy(v->outer, keep + n, n);
  free(keep);
}

/* Does e read a value that differs between the lanes of the vector loop
 * around it (its index, a register defined inside it)? */
static int varies(const Vf *v, const LoopExpr *e) {
  if (e->kind == LE_VAR &&
      (e->var == v->lane_var || (v->defined[e->var] && !v->outer[e->var] && !v->index[e->var])))
    return 1;
  for (int i = 0; i < e->nargs; i++)
    if (varies(v, e->args[i])) return 1;
  return e->guard && varies(v, e->guard);
}

static void check_if(Vf *v, const LoopStmt *s, int top) {
  check_expr(v, s->value);
  if (s->value && s->value->type != ELEM_BOOL)
    fail(v, "if on a %s", elem_type_name(s->value->type));
  if (top) fail(v, "a nest must start with a loop");
  if (s->value && v->vector_depth && varies(v, s->value))
    fail(v, "an if whose condition differs between lanes");
  size_t n = (size_t)v->n->nvars;
  unsigned char *keep = malloc(n + 1);
  if (!keep) abort();
  memcpy(keep, v->defined, n);
  for (int i = 0; i < s->body.n; i++) check_stmt(v, s->body.items[i], 0);
  memcpy(v->defined, keep, n);
  free(keep);
}

/* A store to an image: on a GPU target, y given, the channel an index in
 * scope (the pixel loop's). */
static void check_pixel_store(Vf *v, const LoopStmt *s) {
  if (!v->p->target.gpu) fail(v, "an image store on a CPU target");
  if (!s->py) fail(v, "an image store without y");
  else check_expr(v, s->py);
  if (s->pc < 0 || s->pc >= v->n->nvars || !v->index[s->pc]) fail(v, "an image store's channel");
  else check_var(v, s->pc);
}

static void check_stmt(Vf *v, const LoopStmt *s, int top) {
  switch (s->kind) {
  case LS_IF: check_if(v, s, top); return;
  case LS_LOOP: check_loop(v, s, top); return;
  case LS_STORE:
    check_expr(v, s->addr);
    check_expr(v, s->value);
    if (s->buf < 0 || s->buf >= v->p->nbufs) fail(v, "store to buffer %d", s->buf);
    else if (v->p->bufs[s->buf]->kind == LB_INPUT || v->p->bufs[s->buf]->kind == LB_WEIGHT)
      fail(v, "store to %s %s", loop_buf_kind_name(v->p->bufs[s->buf]->kind),
           v->p->bufs[s->buf]->name);
    else if (s->value && v->p->bufs[s->buf]->elem != s->value->type)
      fail(v, "store of mismatched type");
    else if (v->p->bufs[s->buf]->kind == LB_IMAGE) check_pixel_store(v, s);
    return;
  case LS_LET:
  case LS_ACCUM:
    check_expr(v, s->value);
    if (s->var < 0 || s->var >= v->n->nvars) {
      fail(v, "assignment to variable %d", s->var);
      return;
    }
    if (s->value && s->value->type != v->n->vars[s->var].type)
      fail(v, "assignment of mismatched type");
    if (s->kind == LS_ACCUM) check_var(v, s->var);
    else if (v->vector_depth && v->outer[s->var])
      fail(v, "'%s' redefined inside a vector loop", v->n->vars[s->var].name);
    if (top) fail(v, "a nest must start with a loop");
    v->defined[s->var] = 1;
    return;
  case LS__COUNT: break;
  }
  fail(v, "statement kind %d", (int)s->kind);
}

int loop_verify(const LoopProgram *p, Diag *d) {
  Vf v = {p, NULL, NULL, d, 0, NULL, 0, -1, NULL, NULL};
  for (int k = 0; k < p->nkernels; k++) {
    v.k = p->kernels[k];
    for (int i = 0; i < v.k->nnests; i++) {
      v.n = v.k->nests[i];
      unsigned char *mem = calloc(3 * (size_t)v.n->nvars + 3, 1);
      if (!mem) abort();
      v.defined = mem, v.outer = mem + v.n->nvars + 1, v.index = mem + 2 * v.n->nvars + 2;
      if (!v.n->loop || v.n->loop->kind != LS_LOOP) fail(&v, "a nest must start with a loop");
      else check_stmt(&v, v.n->loop, 1);
      free(mem);
    }
  }
  return v.errors;
}
