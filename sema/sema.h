/* sema.h -- semantic checks of parsed modules: name resolution, index
 * binding and ranges, ranks, symbolic dimensions, element types, attributes,
 * call signatures and model well-formedness.  Every violation is a located
 * error through the Front's Diag.  Also the symbolic dimension algebra (dim_)
 * that the checker uses and that the graph IR builds on. */
#ifndef XG_SEMA_H
#define XG_SEMA_H

#include "parser/parser.h"

/* ============================================================ dimensions
 *
 * A Dim is an integer expression over literals, symbols (interned names) and
 * + - * / %, kept in a canonical form: a polynomial, i.e. a sum of terms
 * coef * a1 * a2 * ..., where each atom ai is a symbol or an opaque floor
 * division / floor modulo of two canonical Dims.  Division and modulo by a
 * constant are simplified ((2*H + 2)/2 = H + 1, (H - 1)/1 + 1 = H, nested
 * constant divisions merge); by a non-constant they stay opaque atoms.
 *
 * Dims are immutable, arena-allocated and shared freely.  Two Dims with equal
 * canonical forms are equal for every value of their symbols; the converse
 * does not always hold (H % 2 and H - 2*(H/2) compare different), so
 * dim_equal is sound but not complete.  See docs/sema.md.
 *
 * Every operation takes and returns `const Dim *`; an operation returns NULL
 * when an input is NULL or when it fails (division by a zero constant,
 * 64-bit overflow of a coefficient, an expression beyond the size limits
 * below), and then sets DimCtx.err.  So a chain of operations can be checked
 * once at its end. */

typedef struct Dim Dim;

typedef enum DimAtomKind {
  DIM_SYM,      /* a symbol: name */
  DIM_FLOORDIV, /* floor(num / den), den not a constant */
  DIM_MOD       /* num - den * floor(num / den), den not a constant */
} DimAtomKind;

typedef struct DimAtom {
  DimAtomKind kind;
  const char *name;     /* DIM_SYM: interned name */
  const Dim *num, *den; /* DIM_FLOORDIV, DIM_MOD */
  uint64_t hash;
} DimAtom;

/* coef * atoms[0] * ... * atoms[natoms-1]; natoms == 0: the constant term.
 * Atoms are sorted, a repeated atom is a power (H*H). */
typedef struct DimTerm {
  int64_t coef; /* never 0 */
  int natoms;
  const DimAtom *const *atoms;
} DimTerm;

/* Terms sorted by monomial (higher degree first, the constant last), with
 * distinct monomials; nterms == 0 is the constant 0.  Read-only. */
struct Dim {
  int nterms;
  const DimTerm *terms;
  uint64_t hash;
};

/* Limits that keep adversarial dimension expressions ((A+B)*(A+B)*...)
 * from exploding: beyond them an operation fails with DIM_ERR_TOO_BIG. */
enum { DIM_MAX_TERMS = 256, DIM_MAX_ATOMS = 64 };

typedef enum DimErr {
  DIM_OK,
  DIM_ERR_DIV_ZERO, /* division or modulo by the constant 0 */
  DIM_ERR_OVERFLOW, /* a coefficient or constant outside int64 */
  DIM_ERR_TOO_BIG   /* more than DIM_MAX_TERMS terms or DIM_MAX_ATOMS factors */
} DimErr;

/* Where Dims are allocated, and the error of the last failed operation
 * (operations never clear it; reset it by hand before a chain). */
enum { DIM_SMALL_CONSTS = 64 }; /* constants 0..63 are made once per context */

typedef struct DimCtx {
  Arena *arena;
  DimErr err;
  const Dim *zero;
  const Dim *small[DIM_SMALL_CONSTS];
} DimCtx;

void dim_ctx_init(DimCtx *c, Arena *a);
/* A short description of an error: "division by zero", ... */
const char *dim_err_str(DimErr e);

/* Constructors.  `name` must be interned (or at least outlive the Dims). */
const Dim *dim_const(DimCtx *c, int64_t v);
const Dim *dim_sym(DimCtx *c, const char *name);

/* Arithmetic on canonical forms; NULL on failure (see above).  dim_div and
 * dim_mod round toward negative infinity, as the language does. */
const Dim *dim_add(DimCtx *c, const Dim *a, const Dim *b);
const Dim *dim_sub(DimCtx *c, const Dim *a, const Dim *b);
const Dim *dim_mul(DimCtx *c, const Dim *a, const Dim *b);
const Dim *dim_neg(DimCtx *c, const Dim *a);
const Dim *dim_div(DimCtx *c, const Dim *a, const Dim *b);
const Dim *dim_mod(DimCtx *c, const Dim *a, const Dim *b);

/* A binding of one symbol, for dim_subst. */
typedef struct DimBind {
  const char *name;
  const Dim *value;
} DimBind;

/* Replaces every bound symbol of `d` by its value (unbound symbols stay) and
 * simplifies; NULL on failure (a divisor that becomes 0, overflow). */
const Dim *dim_subst(DimCtx *c, const Dim *d, const DimBind *binds, int nbinds);

/* Equality and a total order of canonical forms (deterministic: symbols
 * compare by spelling, never by address). */
int dim_equal(const Dim *a, const Dim *b);
int dim_cmp(const Dim *a, const Dim *b);

/* 1 and the value in *v when d is a constant; 0 otherwise. */
int dim_is_const(const Dim *d, int64_t *v);
/* The symbol's name when d is exactly one symbol (coefficient 1); else NULL. */
const char *dim_as_sym(const Dim *d);
/* Collects the distinct symbols of d (also inside atoms) in canonical order;
 * writes at most `max` of them and returns how many it wrote. */
int dim_syms(const Dim *d, const char **out, int max);

/* Prints d in a readable source-like form with the canonical order:
 * "H + 2", "(H + 1)/2", "C*H*W", "2*(H/2) - 1".  dim_str returns a copy in
 * the arena. */
void dim_print(FILE *out, const Dim *d);
const char *dim_str(Arena *a, const Dim *d);

/* ================================================================ types
 *
 * What sema records in AstNode.sem:
 *   - model values (AST_NAME, AST_CALL, AST_BINARY, AST_UNARY, AST_TENSOR_PARAM,
 *     AST_WEIGHT, the AST_NAMEs of an AST_LET): a SemType with concrete
 *     (possibly symbolic) dims, never packs;
 *   - op signatures: AST_OP.sem is a SemSig; AST_TENSOR_PARAM.sem the
 *     declared SemType (dims over the op's symbols, packs allowed);
 *   - op bodies: every expression a rank-0 SemType of its element type
 *     (ELEM_INT / ELEM_FLOAT for index, attribute and literal values); the
 *     AST_DEF and its AST_ACCESS left-hand side the SemType of the tensor it
 *     defines; each index binder (an AST_NAME or AST_PACK of a left-hand side,
 *     the AST_NAME of a reduction index) a rank-1 SemType of ELEM_INT whose
 *     single entry is the index's range;
 *   - AST_KWARG of a model call: a SemConst (the attribute's value);
 *   - AST_MODULE.sem: sema's table of the module's declarations.
 * And in AstNode.decl: for a name, the node that declares it (parameter,
 * weight, the AST_NAME of the statement that defined it, the index binder);
 * for AST_CALL and its callee AST_NAME, the AST_OP called; for AST_ACCESS,
 * the tensor's declaration.  ELEM_NONE marks a value whose type is unknown
 * because of an earlier error. */

/* One entry of a tensor type: a dimension, or a pack (S...). */
typedef struct SemDim {
  const Dim *dim;   /* NULL for a pack */
  const char *pack; /* the pack's name, or NULL */
} SemDim;

typedef struct SemType {
  ElemType elem;
  int rank; /* number of entries (a pack counts once) */
  const SemDim *dims;
} SemType;

/* A compile-time constant: an attribute's value. */
typedef struct SemConst {
  ElemType type; /* ELEM_INT (i), ELEM_FLOAT (f), ELEM_BOOL (i); ELEM_NONE: absent */
  int64_t i;
  double f;
} SemConst;

/* Pack `from` must broadcast to pack `to` at every call (from a read
 * b[i...] where i ranges over `to` and b has pack `from`). */
typedef struct SemBcast {
  const char *from, *to;
  const AstNode *site; /* the read that asks for it */
} SemBcast;

/* An op's checked signature (AST_OP.sem). */
typedef struct SemSig {
  AstNode *op;
  int ok; /* no error in the signature: calls are checked against it */
  int ntensors, nattrs, nresults;
  AstNode **tensors;          /* AST_TENSOR_PARAMs in order */
  const SemType **ttypes;
  AstNode **attrs;            /* AST_ATTR_PARAMs in order */
  SemConst *defaults;         /* type ELEM_NONE where there is no default */
  AstNode **results;
  const SemType **rtypes;
  int nbcast;
  SemBcast *bcast;
} SemSig;

/* "f32[B, 784]", "f32[S..., D]" (a copy in the arena). */
const char *sem_type_str(Arena *a, const SemType *t);

/* ============================================================= built-ins
 *
 * The built-in functions and reductions of op bodies (docs/language.md
 * section 5): X(id, name, arity, kind) and X(id, name).  The graph IR and the
 * back ends use these ids. */

#define XG_BUILTINS(X)        \
  X(BI_EXP, "exp", 1, BF_FLOAT)  \
  X(BI_LOG, "log", 1, BF_FLOAT)  \
  X(BI_SQRT, "sqrt", 1, BF_FLOAT) \
  X(BI_RSQRT, "rsqrt", 1, BF_FLOAT) \
  X(BI_TANH, "tanh", 1, BF_FLOAT) \
  X(BI_ERF, "erf", 1, BF_FLOAT)  \
  X(BI_ABS, "abs", 1, BF_FLOAT)  \
  X(BI_FLOOR, "floor", 1, BF_FLOAT) \
  X(BI_CEIL, "ceil", 1, BF_FLOAT) \
  X(BI_POW, "pow", 2, BF_FLOAT)  \
  X(BI_MAX, "max", 2, BF_NUM)    \
  X(BI_MIN, "min", 2, BF_NUM)    \
  X(BI_SELECT, "select", 3, BF_SELECT)

typedef enum BuiltinKind { BF_FLOAT, BF_NUM, BF_SELECT } BuiltinKind;
typedef enum Builtin {
#define X(id, s, n, k) id,
  XG_BUILTINS(X)
#undef X
  BI__COUNT
} Builtin;

/* Reductions: sum, prod, mean, max, min. */
#define XG_REDUCTIONS(X) X(RD_SUM, "sum") X(RD_PROD, "prod") X(RD_MEAN, "mean") \
  X(RD_MAX, "max") X(RD_MIN, "min")
typedef enum Reduction {
#define X(id, s) id,
  XG_REDUCTIONS(X)
#undef X
  RD__COUNT
} Reduction;

/* ========================================================= call bindings
 *
 * What a call of a model binds, for the graph IR: every attribute's value
 * (keyword or default), the op's symbols and packs bound to the argument
 * shapes, and the instantiated result types.  The same computation that
 * sema_check makes when it checks the call. */

typedef struct SemPackBind {
  const char *name;    /* the pack's name (S in S...) */
  const SemDim *dims;  /* the n dims it stands for at this call */
  int n;
} SemPackBind;

typedef struct SemCallBinds {
  const AstNode *op;         /* the AST_OP called */
  const SemSig *sig;         /* its signature */
  const SemConst *attrs;     /* one per sig->attrs: the keyword's value, else the default */
  int nbinds, npacks;
  const DimBind *binds;      /* int attributes (constants), then the parameters' symbols */
  const SemPackBind *packs;
  const SemType **results;   /* one per sig->results, dims substituted */
} SemCallBinds;

/* Fills *out for `call`, an AST_CALL of a model that sema_check found
 * clean; Dims are made in dc, everything else in f's arena.  Returns 1, or
 * 0 (with errors reported through f's Diag, as sema_check would) when the
 * call was not checked or does not bind. */
int sema_call_binds(Front *f, DimCtx *dc, const AstNode *call, SemCallBinds *out);

/* ================================================================ checks */

/* Checks `root` and every module it imports (each module once, imports
 * first; Module.checked is set).  Returns the number of errors it reported
 * (0: clean).  Warnings (an unused local) are not counted.  When errors were
 * reported before (syntax errors, missing imports), only the ops that parsed
 * intact are checked, so that no error is a consequence of an earlier one. */
int sema_check(Front *f, Module *root);

#endif
