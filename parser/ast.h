/* ast.h -- the abstract syntax tree of .xg sources: one tagged node type
 * for declarations, statements, types and expressions, arena-allocated.
 * Every node carries the location of the text it came from. */
#ifndef XG_AST_H
#define XG_AST_H

#include "lang/lang.h"

/* Node kinds.  X(kind, name-in-dumps).  Switches over kinds have no
 * default: so -Wswitch-enum finds every place a new kind must be handled. */
#define XG_AST_KINDS(X)                                                      \
  X(AST_MODULE, "module")       /* list: decls */                            \
  X(AST_IMPORT, "import")       /* name: dotted path; module: resolved */    \
  X(AST_OP, "op")               /* name; params; results; list: body */      \
  X(AST_MODEL, "model")         /* name; params (inputs); results; body */   \
  X(AST_TENSOR_PARAM, "tensor") /* name; type (AST_TYPE) */                  \
  X(AST_ATTR_PARAM, "attr")     /* name; scalar; lhs: default or NULL */     \
  X(AST_TYPE, "type")           /* elem; list: dims (exprs, AST_PACK) */     \
  X(AST_DEF, "def")             /* op body: lhs (AST_ACCESS) = rhs */        \
  X(AST_WEIGHT, "param")        /* model body: name; type */                 \
  X(AST_LET, "let")             /* model body: list of AST_NAME = rhs */     \
  X(AST_NAME, "name")           /* qual (or NULL) . name */                  \
  X(AST_INT, "int")             /* ival */                                   \
  X(AST_FLOAT, "float")         /* fval */                                   \
  X(AST_BOOL, "bool")           /* ival: 0 or 1 */                           \
  X(AST_UNARY, "unary")         /* op; lhs */                                \
  X(AST_BINARY, "binary")       /* op; lhs; rhs */                           \
  X(AST_COND, "cond")           /* cond ? lhs : rhs */                       \
  X(AST_ACCESS, "access")       /* lhs: AST_NAME; list: subscripts; flat */  \
  X(AST_DEFAULT, "default")     /* lhs (AST_ACCESS) ?? rhs */                \
  X(AST_CALL, "call")           /* lhs: callee AST_NAME; list: args */       \
  X(AST_KWARG, "kwarg")         /* name = rhs */                             \
  X(AST_REDUCE, "reduce")       /* lhs: AST_NAME; list: indices; rhs: body */\
  X(AST_PACK, "pack")           /* name... in dims and subscripts */         \
  X(AST_CAST, "cast")           /* elem(lhs) */

typedef enum AstKind {
#define X(k, s) k,
  XG_AST_KINDS(X)
#undef X
  AST__COUNT
} AstKind;

/* Element types of tensors, and the scalar types of attributes. */
#define XG_ELEM_TYPES(X) \
  X(ELEM_NONE, "none")   \
  X(ELEM_F32, "f32")     \
  X(ELEM_F16, "f16")     \
  X(ELEM_I32, "i32")     \
  X(ELEM_I8, "i8")       \
  X(ELEM_BOOL, "bool")   \
  X(ELEM_INT, "int")     \
  X(ELEM_FLOAT, "float")

typedef enum ElemType {
#define X(k, s) k,
  XG_ELEM_TYPES(X)
#undef X
  ELEM__COUNT
} ElemType;

/* Operators of AST_UNARY and AST_BINARY; the spelling is the source's. */
#define XG_AST_OPS(X) \
  X(OP_NEG, "-")      \
  X(OP_NOT, "!")      \
  X(OP_ADD, "+")      \
  X(OP_SUB, "-")      \
  X(OP_MUL, "*")      \
  X(OP_DIV, "/")      \
  X(OP_MOD, "%")      \
  X(OP_EQ, "==")      \
  X(OP_NE, "!=")      \
  X(OP_LT, "<")       \
  X(OP_LE, "<=")      \
  X(OP_GT, ">")       \
  X(OP_GE, ">=")      \
  X(OP_AND, "&&")     \
  X(OP_OR, "||")

typedef enum AstOp {
#define X(k, s) k,
  XG_AST_OPS(X)
#undef X
  OP__COUNT
} AstOp;

typedef struct AstNode AstNode;

/* Expressions nest at most this deep: deeper input is reported, not
 * recursed into, so that no walker can overflow the C stack. */
enum { AST_MAX_DEPTH = 512 };

/* Kind-specific fields share storage (the union below): a node writes only
 * the members of its kind, and every node starts zeroed, so reading another
 * kind's member gives 0/NULL.  This keeps a node at 152 bytes (208 without); the AST of a
 * 10 MB source has millions of them. */
struct AstNode {
  AstKind kind : 8;
  AstOp op : 8;     /* AST_UNARY, AST_BINARY */
  ElemType elem : 8; /* AST_TYPE, AST_CAST, AST_ATTR_PARAM (ELEM_INT, ...) */
  unsigned flat : 1; /* AST_ACCESS: x.flat[e] reads by row-major offset */
  unsigned broken : 1; /* AST_OP, AST_MODEL: had a syntax error (sema skips it) */
  unsigned weight : 1; /* AST_TENSOR_PARAM of an op declared `param x: ...`:
                          a weight operand (docs/language.md, classification) */
  int depth;        /* expression nesting depth, 1 for leaves */
  Loc loc;
  const char *name; /* interned: decl/param/kwarg name; AST_NAME's name */
  const char *qual; /* AST_NAME: module qualifier ("nn" in nn.relu), or NULL */
  AstNode *lhs, *rhs;
  PtrVec list;      /* see XG_AST_KINDS */
  /* Filled by sema/: */
  AstNode *decl;    /* AST_NAME, AST_CALL, AST_ACCESS: what the name means */
  void *sem;        /* sema's annotation (see sema/sema.h) */
  union {
    struct {
      PtrVec params;  /* AST_OP, AST_MODEL: parameters in order */
      PtrVec results; /* AST_OP, AST_MODEL: results in order */
      Loc end;        /* AST_OP, AST_MODEL: the closing brace */
    };
    int64_t ival;     /* AST_INT, AST_BOOL */
    double fval;      /* AST_FLOAT */
    AstNode *type;    /* AST_TENSOR_PARAM, AST_WEIGHT */
    AstNode *module;  /* AST_IMPORT: the imported module once resolved */
    AstNode *cond;    /* AST_COND */
  };
};

const char *ast_kind_name(AstKind k);
const char *ast_op_name(AstOp op);
const char *elem_type_name(ElemType t);

/* Constructors: every node from an arena, located.  They compute `depth`;
 * callers that build deep expressions check it against AST_MAX_DEPTH. */
AstNode *ast_new(Arena *a, AstKind k, Loc loc);
AstNode *ast_name(Arena *a, Loc loc, const char *qual, const char *name);
AstNode *ast_unary(Arena *a, Loc loc, AstOp op, AstNode *e);
AstNode *ast_binary(Arena *a, Loc loc, AstOp op, AstNode *l, AstNode *r);
AstNode *ast_cond(Arena *a, Loc loc, AstNode *c, AstNode *t, AstNode *f);
AstNode *ast_int(Arena *a, Loc loc, int64_t v);
AstNode *ast_float(Arena *a, Loc loc, double v);
AstNode *ast_bool(Arena *a, Loc loc, int v);
/* A read name[subs]; flat: name.flat[sub]. */
AstNode *ast_access(Arena *a, Loc loc, AstNode *name, const PtrVec *subs, int flat);
AstNode *ast_default(Arena *a, Loc loc, AstNode *access, AstNode *fallback);
AstNode *ast_call(Arena *a, Loc loc, AstNode *callee, const PtrVec *args);
AstNode *ast_kwarg(Arena *a, Loc loc, const char *name, AstNode *e);
/* The reduction `call body`: the call's callee and arguments, and the body. */
AstNode *ast_reduce(Arena *a, Loc loc, const AstNode *call, AstNode *body);
AstNode *ast_pack(Arena *a, Loc loc, const char *name);
AstNode *ast_cast(Arena *a, Loc loc, ElemType t, AstNode *e);
AstNode *ast_type(Arena *a, Loc loc, ElemType t, const PtrVec *dims);
AstNode *ast_tensor_param(Arena *a, Loc loc, const char *name, AstNode *type);
/* An op operand declared `param name: type`: a tensor parameter with weight = 1. */
AstNode *ast_weight_param(Arena *a, Loc loc, const char *name, AstNode *type);
AstNode *ast_attr_param(Arena *a, Loc loc, const char *name, ElemType t, AstNode *dflt);
AstNode *ast_def(Arena *a, Loc loc, AstNode *lhs, AstNode *rhs);
AstNode *ast_weight(Arena *a, Loc loc, const char *name, AstNode *type);
AstNode *ast_let(Arena *a, Loc loc, const PtrVec *names, AstNode *rhs);
AstNode *ast_import(Arena *a, Loc loc, const char *name);
/* AST_OP or AST_MODEL; `end` is the closing brace.  NULL lists are empty. */
AstNode *ast_decl(Arena *a, AstKind k, Loc loc, const char *name, const PtrVec *params,
                  const PtrVec *results, const PtrVec *body, Loc end);
/* The location that spans from a's start to b's end (same file). */
Loc loc_span(Loc a, Loc b);

/* Prints the tree in the stable form of `xgc --emit=ast`. */
void ast_dump(FILE *out, const AstNode *n, const SourceMgr *sm);

#endif
