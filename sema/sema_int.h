/* sema/sema_int.h -- what the files of sema/ share: the checker's context,
 * arena-backed name maps, and helpers for types, constants and dimensions. */
#ifndef XG_SEMA_INT_H
#define XG_SEMA_INT_H

#include "sema/sema.h"

/* ---------------------------------------------------------- name maps */

/* Interned name -> pointer, open addressing, storage in an arena.  Clearing
 * is O(1) (a generation count), so one map serves every op in turn. */
typedef struct NameMap {
  Arena *arena;
  const char **keys;
  void **vals;
  uint32_t *gens;
  uint32_t cap, n, gen;
} NameMap;

void nmap_init(NameMap *m, Arena *a);
void *nmap_get(const NameMap *m, const char *key);
/* Inserts or replaces. */
void nmap_put(NameMap *m, const char *key, void *val);
void nmap_clear(NameMap *m);

/* A module's declarations (AST_MODULE.sem). */
typedef struct ModSema {
  AstNode *ast;    /* the AST_MODULE (its declarations in source order) */
  NameMap decls;   /* name -> AST_OP / AST_MODEL (the first of that name) */
  NameMap imports; /* name -> AST_IMPORT */
} ModSema;

/* --------------------------------------------------------------- context */

/* An index variable in scope in an op body: bound by the left-hand side or
 * by a reduction; its range is known (declared, explicit, inferred from the
 * read `site`) or still unknown. */
typedef struct IdxVar {
  const char *name;
  AstNode *node; /* the binder */
  int pack;      /* an index pack i... */
  int known;     /* range known; range both NULL then means "after an error" */
  SemDim range;
  const AstNode *site; /* the read it was inferred from; NULL: declared */
} IdxVar;

/* Built-in functions of op bodies: name, arity, kind of arguments. */
/* Memory reused from one op or model to the next (name records): blocks
 * from the front's arena, rewound by sema_scratch_reset. */
typedef struct ScratchBlock ScratchBlock;

typedef struct Sema {
  Front *f;
  Diag *d;
  Arena *a;
  DimCtx dc;
  const SemType *scalar[ELEM__COUNT]; /* shared rank-0 types */
  const char *builtin[BI__COUNT];     /* interned names */
  const char *reduction[RD__COUNT];
  const char *inf;
  NameMap names;      /* the scope of the op or model being checked */
  NameMap symdims;    /* name -> its symbol Dim, shared */
  NameMap ranges;     /* pack name or Dim pointer -> rank-1 range type */
  ScratchBlock *scratch, *scratch_cur;
  ModSema *ms;        /* the module being checked */
  /* op bodies */
  IdxVar *idx;
  int nidx, capidx;
  int in_sub;         /* > 0 inside a subscript */
  void *target;       /* the tensor the current statement defines */
  int stmt;           /* index of the current statement */
  PtrVec bcast;       /* SemBcast* of the op being checked */
} Sema;

/* ------------------------------------------------------------ helpers */

/* Zeroed memory that lives until the next sema_scratch_reset. */
void *sema_scratch(Sema *s, size_t n);
void sema_scratch_reset(Sema *s);
/* The Dim of symbol `name` (one per name). */
const Dim *sema_sym(Sema *s, const char *name);

const SemType *sema_type_new(Sema *s, ElemType e, int rank, SemDim **dims);
/* An expression for messages, shortened when long. */
const char *sema_expr_str(Sema *s, const AstNode *e);
/* "nn.relu" or "relu". */
const char *sema_qname(Sema *s, const AstNode *name);
int sema_types_equal(const SemType *a, const SemType *b);
int sema_is_numeric(ElemType e);
int sema_is_float(ElemType e);

/* Did-you-mean hints: offer candidates one by one; `best` is the one
 * closest to `name` by edit distance (a swap of two neighbours counts 1),
 * kept only when it is close: at most NEAR_MAX_DIST edits and fewer than
 * half of name's length.  Ties go to the smaller spelling, then to the first
 * offered, so the hint does not depend on the order of a hash table. */
enum { NEAR_MAX_DIST = 2, NEAR_MAX_LEN = 64 };
typedef struct SemaNear {
  const char *name;
  const char *best; /* NULL: nothing close */
  const void *tag;  /* what the caller offered with best */
  int dist;
} SemaNear;

void sema_near_init(SemaNear *n, const char *name);
void sema_near_offer(SemaNear *n, const char *cand, const void *tag);
/* " (did you mean 'qual.best'?)" (qual may be NULL), or "" without a hint. */
const char *sema_near_hint(Sema *s, const SemaNear *n, const char *qual);

/* A constant dimension must be positive: reports "dimension J of OWNER must
 * be positive, but it is 0" at `e` (j counts from 0, `owner` is "input 'x'")
 * and returns 0 when d is a constant <= 0; else returns 1. */
int sema_dim_positive(Sema *s, const AstNode *e, const Dim *d, int j, const char *owner);

/* Converts a dimension expression; names go through `name` (which reports
 * its own errors).  Returns NULL after reporting an error. */
typedef const Dim *(*SemaDimName)(Sema *s, AstNode *name);
const Dim *sema_dim(Sema *s, AstNode *e, SemaDimName name);

/* Evaluates a compile-time constant (literals, inf, + - * / % and unary -)
 * given for attribute `attr` (its default when is_default).  Returns 0 after
 * reporting an error. */
int sema_const(Sema *s, AstNode *e, const char *attr, int is_default, SemConst *out);

/* Does a constant fit an attribute of type `want` (int, float, bool)?  An
 * int is converted for a float attribute. */
int sema_attr_value(ElemType want, SemConst *v);

/* check_op.c: checks an op's signature and body; AST_OP.sem gets the
 * signature (usable by calls when ok, whatever the body holds). */
SemSig *sema_op(Sema *s, AstNode *op);
/* check_model.c */
void sema_model(Sema *s, AstNode *model);

#endif
