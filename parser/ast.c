/* ast.c -- AST constructors (every node from the arena, located, with its
 * expression depth) and the name tables of kinds, operators and types. */
#include "parser/ast.h"

static const char *const kind_names[] = {
#define X(k, s) s,
    XG_AST_KINDS(X)
#undef X
};
_Static_assert(sizeof kind_names / sizeof *kind_names == AST__COUNT, "one name per AST kind");

static const char *const op_names[] = {
#define X(k, s) s,
    XG_AST_OPS(X)
#undef X
};
_Static_assert(sizeof op_names / sizeof *op_names == OP__COUNT, "one spelling per operator");

static const char *const elem_names[] = {
#define X(k, s) s,
    XG_ELEM_TYPES(X)
#undef X
};
_Static_assert(sizeof elem_names / sizeof *elem_names == ELEM__COUNT, "one name per type");

const char *ast_kind_name(AstKind k) { return (unsigned)k < AST__COUNT ? kind_names[k] : "?"; }
const char *ast_op_name(AstOp op) { return (unsigned)op < OP__COUNT ? op_names[op] : "?"; }
const char *elem_type_name(ElemType t) { return (unsigned)t < ELEM__COUNT ? elem_names[t] : "?"; }

Loc loc_span(Loc a, Loc b) {
  if (a.file != b.file) return a;
  int32_t end = b.off + b.len;
  if (a.off + a.len > end) end = a.off + a.len;
  a.len = end - a.off;
  return a;
}

/* 1 + the deepest of the given children (NULLs ignored). */
static int depth_of(int n, AstNode *const *kids) {
  int d = 0;
  for (int i = 0; i < n; i++)
    if (kids[i] && kids[i]->depth > d) d = kids[i]->depth;
  return d + 1;
}

static int depth_of_list(const PtrVec *v) { return depth_of(v->n, (AstNode *const *)v->items); }

static void copy_list(PtrVec *dst, const PtrVec *src) {
  if (src) *dst = *src;
}

AstNode *ast_new(Arena *a, AstKind k, Loc loc) {
  AstNode *n = arena_alloc(a, sizeof *n);
  n->kind = k;
  n->loc = loc;
  n->depth = 1;
  return n;
}

AstNode *ast_name(Arena *a, Loc loc, const char *qual, const char *name) {
  AstNode *n = ast_new(a, AST_NAME, loc);
  n->qual = qual;
  n->name = name;
  return n;
}

AstNode *ast_int(Arena *a, Loc loc, int64_t v) {
  AstNode *n = ast_new(a, AST_INT, loc);
  n->ival = v;
  return n;
}

AstNode *ast_float(Arena *a, Loc loc, double v) {
  AstNode *n = ast_new(a, AST_FLOAT, loc);
  n->fval = v;
  return n;
}

AstNode *ast_bool(Arena *a, Loc loc, int v) {
  AstNode *n = ast_new(a, AST_BOOL, loc);
  n->ival = v != 0;
  return n;
}

AstNode *ast_unary(Arena *a, Loc loc, AstOp op, AstNode *e) {
  AstNode *n = ast_new(a, AST_UNARY, loc);
  n->op = op;
  n->lhs = e;
  n->depth = depth_of(1, &e);
  return n;
}

AstNode *ast_binary(Arena *a, Loc loc, AstOp op, AstNode *l, AstNode *r) {
  AstNode *n = ast_new(a, AST_BINARY, loc);
  n->op = op;
  n->lhs = l;
  n->rhs = r;
  n->depth = depth_of(2, (AstNode *[]){l, r});
  return n;
}

AstNode *ast_cond(Arena *a, Loc loc, AstNode *c, AstNode *t, AstNode *f) {
  AstNode *n = ast_new(a, AST_COND, loc);
  n->cond = c;
  n->lhs = t;
  n->rhs = f;
  n->depth = depth_of(3, (AstNode *[]){c, t, f});
  return n;
}

AstNode *ast_access(Arena *a, Loc loc, AstNode *name, const PtrVec *subs, int flat) {
  AstNode *n = ast_new(a, AST_ACCESS, loc);
  n->lhs = name;
  n->flat = flat;
  copy_list(&n->list, subs);
  n->depth = depth_of_list(&n->list);
  return n;
}

AstNode *ast_default(Arena *a, Loc loc, AstNode *access, AstNode *fallback) {
  AstNode *n = ast_new(a, AST_DEFAULT, loc);
  n->lhs = access;
  n->rhs = fallback;
  n->depth = depth_of(2, (AstNode *[]){access, fallback});
  return n;
}

AstNode *ast_call(Arena *a, Loc loc, AstNode *callee, const PtrVec *args) {
  AstNode *n = ast_new(a, AST_CALL, loc);
  n->lhs = callee;
  copy_list(&n->list, args);
  n->depth = depth_of_list(&n->list);
  return n;
}

AstNode *ast_kwarg(Arena *a, Loc loc, const char *name, AstNode *e) {
  AstNode *n = ast_new(a, AST_KWARG, loc);
  n->name = name;
  n->rhs = e;
  n->depth = depth_of(1, &e);
  return n;
}

AstNode *ast_reduce(Arena *a, Loc loc, const AstNode *call, AstNode *body) {
  AstNode *n = ast_new(a, AST_REDUCE, loc);
  n->lhs = call->lhs;
  n->list = call->list;
  n->rhs = body;
  int d = body ? body->depth + 1 : 1;
  n->depth = call->depth > d ? call->depth : d;
  return n;
}

AstNode *ast_pack(Arena *a, Loc loc, const char *name) {
  AstNode *n = ast_new(a, AST_PACK, loc);
  n->name = name;
  return n;
}

AstNode *ast_cast(Arena *a, Loc loc, ElemType t, AstNode *e) {
  AstNode *n = ast_new(a, AST_CAST, loc);
  n->elem = t;
  n->lhs = e;
  n->depth = depth_of(1, &e);
  return n;
}

AstNode *ast_type(Arena *a, Loc loc, ElemType t, const PtrVec *dims) {
  AstNode *n = ast_new(a, AST_TYPE, loc);
  n->elem = t;
  copy_list(&n->list, dims);
  n->depth = depth_of_list(&n->list);
  return n;
}

AstNode *ast_tensor_param(Arena *a, Loc loc, const char *name, AstNode *type) {
  AstNode *n = ast_new(a, AST_TENSOR_PARAM, loc);
  n->name = name;
  n->type = type;
  return n;
}

AstNode *ast_weight_param(Arena *a, Loc loc, const char *name, AstNode *type) {
  AstNode *n = ast_tensor_param(a, loc, name, type);
  n->weight = 1;
  return n;
}

AstNode *ast_attr_param(Arena *a, Loc loc, const char *name, ElemType t, AstNode *dflt) {
  AstNode *n = ast_new(a, AST_ATTR_PARAM, loc);
  n->name = name;
  n->elem = t;
  n->lhs = dflt;
  return n;
}

AstNode *ast_def(Arena *a, Loc loc, AstNode *lhs, AstNode *rhs) {
  AstNode *n = ast_new(a, AST_DEF, loc);
  n->lhs = lhs;
  n->rhs = rhs;
  return n;
}

AstNode *ast_weight(Arena *a, Loc loc, const char *name, AstNode *type) {
  AstNode *n = ast_new(a, AST_WEIGHT, loc);
  n->name = name;
  n->type = type;
  return n;
}

AstNode *ast_let(Arena *a, Loc loc, const PtrVec *names, AstNode *rhs) {
  AstNode *n = ast_new(a, AST_LET, loc);
  copy_list(&n->list, names);
  n->rhs = rhs;
  return n;
}

AstNode *ast_import(Arena *a, Loc loc, const char *name) {
  AstNode *n = ast_new(a, AST_IMPORT, loc);
  n->name = name;
  return n;
}

AstNode *ast_decl(Arena *a, AstKind k, Loc loc, const char *name, const PtrVec *params,
                  const PtrVec *results, const PtrVec *body, Loc end) {
  AstNode *n = ast_new(a, k, loc);
  n->name = name;
  copy_list(&n->params, params);
  copy_list(&n->results, results);
  copy_list(&n->list, body);
  n->end = end;
  return n;
}
