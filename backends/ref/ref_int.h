/* ref_int.h -- the reference interpreter's compiled form of a statement:
 * expression trees over typed lane vectors, reads with precomputed affine
 * subscripts, and the per-thread state that evaluates them (docs/interpreter.md). */
#ifndef XG_REF_INT_H
#define XG_REF_INT_H

#include "backends/ref/ref.h"

#include <stdint.h>

/* A statement is evaluated a vector at a time: one left-hand-side index (the
 * "lane" index) runs over at most REF_CHUNK consecutive values inside each
 * evaluation, so the dispatch over expression nodes is paid once per vector,
 * not once per element.  Every node's value is a vector of lanes (when it
 * depends on the lane index) or a single value (a "uniform" node). */
enum { REF_CHUNK = 256 };

/* Reads of tensors of higher rank are rejected (an internal error). */
enum { REF_MAX_RANK = 32 };

/* Value classes: float values are doubles, int and bool values int64_t. */
typedef enum RCls { RC_F, RC_I } RCls;

#define REF_KINDS(X)                                                   \
  X(RK_CONST)  /* f or i */                                           \
  X(RK_INDEX)  /* the value of index `index` (not the lane index) */   \
  X(RK_LANE)   /* the lane index: j0 + lane */                         \
  X(RK_READ)   /* rd */                                                \
  X(RK_NEG)    /* -a[0] */                                             \
  X(RK_NOT)    /* !a[0] */                                             \
  X(RK_BIN)    /* a[0] op a[1], arithmetic and comparisons */          \
  X(RK_AND)    /* a[0] && a[1], a[1] only where a[0] holds */          \
  X(RK_OR)     /* a[0] || a[1], a[1] only where a[0] does not */       \
  X(RK_CALL)   /* builtin bi of a[0..nargs-1] */                       \
  X(RK_SELECT) /* a[0] ? a[1] : a[2], each side only where chosen */   \
  X(RK_CAST)   /* (to) a[0] */                                         \
  X(RK_REDUCE) /* red over ridx[0..nred-1] of a[0] */

typedef enum RKind {
#define X(k) k,
  REF_KINDS(X)
#undef X
  RK__COUNT
} RKind;

typedef struct RNode RNode;
typedef struct RRead RRead;

struct RNode {
  RKind kind;
  RCls cls;
  int vec;        /* depends on the lane index */
  int slot;       /* its value buffer (and two mask buffers) in RThr */
  Loc loc;
  AstOp op;       /* RK_BIN */
  Builtin bi;     /* RK_CALL */
  Reduction red;  /* RK_REDUCE */
  ElemType to;    /* RK_CAST */
  double f;       /* RK_CONST of class F */
  int64_t i;      /* RK_CONST of class I */
  int index;      /* RK_INDEX */
  RRead *rd;      /* RK_READ */
  int nred;       /* RK_REDUCE: the reduced indices and their extents */
  const int *ridx;
  const int64_t *rext;
  int64_t count;  /* RK_REDUCE: the number of points (mean divides by it) */
  int fused_mac;  /* RK_REDUCE: a sum of a float product, accumulated in one pass */
  int nbound;     /* the indices bound where it is (for error notes) */
  const int *bound;
  int nargs;
  RNode *a[3];
};

/* One term coef * idx[index] of an affine subscript. */
typedef struct RTerm {
  int index;
  int64_t coef;
} RTerm;

/* One subscript, as  c0 + sum(terms) + sum(atom coef * atom value) +
 * lane * (j0 + lane number)  where atoms are uniform non-affine parts
 * ((f / G) * CG in a grouped conv), or, when it is not of that form
 * (a floor division of the lane index, a gather by the lane), a general
 * expression evaluated per lane. */
typedef struct RSub {
  RNode *gen; /* non-NULL: general */
  int64_t c0, lane;
  int nterms, natoms;
  RTerm *terms;
  RNode **atoms;
  int64_t *acoef;
  int checked; /* 0: proven in range for every point, no check needed */
} RSub;

struct RRead {
  const IrTensor *t;
  int local;       /* a node local (storage in RRun.ldata) or a graph tensor */
  int id;
  int flat;        /* t.flat[e]: one subscript over all elements */
  int rank;        /* subscripts */
  int64_t *ext;    /* per subscript: the extent it must stay below */
  int64_t *stride; /* per subscript: elements per step */
  RSub *subs;
  RNode *dflt;     /* the ?? value, or NULL */
  int ngen;        /* general subscripts */
  int natoms;      /* atoms over all subscripts */
  /* Precomputed offset when no subscript is general and none has atoms:
   * off = oc0 + sum(oterms) + olane * (j0 + lane). */
  int64_t oc0, olane;
  int noterms;
  RTerm *oterms;
  int fast;        /* the offset form holds and no subscript needs a check */
};

/* A compiled statement. */
typedef struct RStmt {
  const IrNode *node;
  const IrStmt *s;
  const IrTensor *target;
  int rank;
  int64_t *ext, *stride; /* the target's dims and row-major strides */
  int vdim;              /* the target dim of the lane index, -1: none (rank 0) */
  RNode *rhs;
  int nslots;
  int nindices;          /* of the node */
  double work;           /* estimated element operations, to decide on threads */
} RStmt;

/* What every thread of a statement reads: the tensors' storage. */
typedef struct RRun {
  double **gdata; /* by graph tensor id */
  double **ldata; /* by local id of the current node */
} RRun;

/* One thread's state: index values, vector buffers, the first error. */
typedef struct RThr {
  const RRun *run;
  const RStmt *st;
  int64_t *idx;   /* per node index */
  int64_t j0;     /* the lane index's value at lane 0 */
  int L;          /* lanes in this vector */
  char *buf;      /* nslots * REF_CHUNK 8-byte values */
  uint8_t *mbuf;  /* nslots * 2 * REF_CHUNK lane masks */
  int err;
  Loc eloc;
  char emsg[512];
  char enote[512];
} RThr;

/* compile.c: compiles statement s of node n, its dims bound by binds,
 * into memory from arena a.  Returns NULL after reporting through c->diag. */
RStmt *ref_compile_stmt(IrCtx *c, Arena *a, const DimBind *binds, int nbinds, const IrNode *n,
                        const IrStmt *s);

/* The value of a dim under binds: 0 and *v, or -1 when it is not constant
 * (a symbol not bound) or NULL (a pack). */
int ref_dim_value(IrCtx *c, const DimBind *binds, int nbinds, const Dim *d, int64_t *v);

/* The value class of an element type. */
RCls ref_cls(ElemType e);

/* interp.c: evaluates st over its whole index space, storing into the
 * target storage of run, with up to `threads` threads.  Returns 0, or -1
 * after reporting the first error (in row-major order of the outer points
 * of the thread that met it first) through d. */
int ref_exec_stmt(Diag *d, const RRun *run, const RStmt *st, int threads);

#endif
