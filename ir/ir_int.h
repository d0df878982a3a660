/* ir/ir_int.h -- what the files of ir/ share: expression constructors,
 * indices as symbols of the dimension algebra, and expression folding. */
#ifndef XG_IR_INT_H
#define XG_IR_INT_H

#include "ir/ir.h"

/* ----------------------------------------------------------- expressions */

/* A fresh expression with room for nargs operands (zeroed). */
IrExpr *ir_expr_new(IrCtx *c, IrExprKind k, ElemType type, Loc loc, int nargs);
IrExpr *ir_const_int(IrCtx *c, ElemType type, int64_t v, Loc loc);
IrExpr *ir_const_float(IrCtx *c, ElemType type, double v, Loc loc);
IrExpr *ir_index_expr(IrCtx *c, int index, Loc loc);
IrExpr *ir_unary(IrCtx *c, AstOp op, ElemType type, IrExpr *a, Loc loc);
IrExpr *ir_binary(IrCtx *c, AstOp op, ElemType type, IrExpr *a, IrExpr *b, Loc loc);

/* "read", "reduce", ... (XG_IR_EXPRS). */
const char *ir_expr_kind_name(IrExprKind k);

/* Is t a float type (f32, f16, float)?  An integer type (int, i32, i8)? */
int ir_is_float(ElemType t);
int ir_is_int(ElemType t);
/* Is t the element type of a tensor (f32, f16, i32, i8, bool)? */
int ir_is_tensor_elem(ElemType t);

/* e as a value of type t: a constant takes the type, an abstract float
 * expression (type `float`) is retyped down to its leaves, anything else is
 * converted with IE_CAST.  Returns e itself when it already has type t. */
IrExpr *ir_coerce(IrCtx *c, IrExpr *e, ElemType t);

/* ------------------------------------------------------ index dimensions
 *
 * Integer expressions over indices, dimensions and constants are
 * polynomials of the dimension algebra (sema/dim.c) when index i of a node
 * is read as the symbol "$i" (no source name starts with '$', so these
 * symbols never meet a dimension's).  The IR keeps such expressions in the
 * canonical form of the algebra (ir_simplify), and the classifier compares
 * access functions through it. */

/* The interned symbol of index `ix` ("$" + its name). */
const char *ir_index_sym(IrCtx *c, const IrIndex *ix);
/* The index of node n whose symbol is `sym`, or -1. */
int ir_sym_index(const IrNode *n, const char *sym);
/* Does d mention an index symbol? */
int ir_dim_has_index(const Dim *d);

/* The polynomial of e when e is integer arithmetic (type int: + - * / %,
 * unary -) over constants, indices and int dimensions; NULL otherwise or
 * when the algebra fails.  With expand_mod, a % b is built as
 * a - b*(a/b), so that a digit decomposition and its recombination cancel. */
const Dim *ir_expr_dim(IrCtx *c, const IrNode *n, const IrExpr *e, int expand_mod);

/* The expression of a polynomial over n's index symbols and dimensions, in
 * a readable order: index terms first (2*i + u), the dimension part after
 * (+ N - 1), subtracted terms last. */
IrExpr *ir_dim_expr(IrCtx *c, const IrNode *n, const Dim *d, Loc loc);

/* Canonicalizes e: every maximal integer subexpression through the
 * algebra; selects on constant conditions, and operators on constant
 * operands, folded.  Returns the new expression (shares unchanged parts). */
IrExpr *ir_simplify(IrCtx *c, const IrNode *n, IrExpr *e);

/* Interned name of node n's local `name` etc.: arena_printf + intern. */
const char *ir_intern(IrCtx *c, const char *s);

/* The arity and kind of a builtin (XG_BUILTINS). */
int ir_builtin_arity(Builtin b);
BuiltinKind ir_builtin_kind(Builtin b);
const char *ir_builtin_name(Builtin b);
const char *ir_reduction_name(Reduction r);

/* ---------------------------------------------------------- instantiation */

/* How build_body.c turns an op's body into a node: with the bindings of a
 * model call (concrete shapes, packs expanded, attributes constant), or
 * generic (cb NULL: the op's own symbols, packs kept, attributes as IE_DIM
 * symbols). */
typedef struct IrInst {
  const AstNode *op;        /* the AST_OP */
  const SemSig *sig;        /* its signature */
  const SemCallBinds *cb;   /* the call's bindings; NULL: generic */
  const char *local_prefix; /* locals are named prefix + name ("h.mx"); NULL: plain */
} IrInst;

/* Fills node's indices, locals and statements from the op body; the caller
 * has set node->inputs (one per tensor parameter) and node->outputs (one
 * per result).  Returns 0 after reporting an internal error. */
int ir_inst_body(IrCtx *c, IrNode *node, const IrInst *in);

/* The dims of a declared type instantiated by a call's bindings (packs
 * expanded, symbols substituted); *rank gets the new rank.  NULL after an
 * algebra failure. */
const SemDim *ir_inst_dims(IrCtx *c, const SemCallBinds *cb, const SemType *t, int *rank);

#endif
