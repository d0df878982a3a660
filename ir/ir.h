/* ir.h -- the graph IR: a model (or one op definition) as a graph of
 * operator instances whose bodies are index expressions over named loop
 * indices, and tensors with shapes, element types and layouts.  Every
 * optimization works on it; the reference interpreter evaluates it. */
#ifndef XG_IR_H
#define XG_IR_H

#include "sema/sema.h"

/* ------------------------------------------------------------ mapping types
 * DNNFusion's mapping types, in the order of their complexity: an operator
 * with several inputs takes the most complex type of its accesses.  Derived
 * from the access functions only (ir/classify.c, docs/classification.md). */
#define XG_MAP_TYPES(X)                  \
  X(MAP_ONE_TO_ONE, "one-to-one")        \
  X(MAP_REORGANIZE, "reorganize")        \
  X(MAP_SHUFFLE, "shuffle")              \
  X(MAP_ONE_TO_MANY, "one-to-many")      \
  X(MAP_MANY_TO_MANY, "many-to-many")    \
  X(MAP_OPAQUE, "opaque")

typedef enum IrMapType {
#define X(k, s) k,
  XG_MAP_TYPES(X)
#undef X
  MAP__COUNT
} IrMapType;

const char *ir_map_name(IrMapType t);

/* ------------------------------------------------------------------ layouts */
#define XG_LAYOUTS(X) X(LAYOUT_ROW_MAJOR, "row-major")
typedef enum IrLayout {
#define X(k, s) k,
  XG_LAYOUTS(X)
#undef X
  LAYOUT__COUNT
} IrLayout;

/* ------------------------------------------------------------------ tensors */
typedef enum IrTensorKind {
  IR_INPUT,  /* a model input (or an op definition's tensor parameter) */
  IR_WEIGHT, /* a model param: constant data loaded with the weights */
  IR_VALUE,  /* produced by a node; `is_output` marks the model's outputs */
  IR_LOCAL   /* a node's local intermediate (softmax's row max): node-private */
} IrTensorKind;

typedef struct IrNode IrNode;

typedef struct IrTensor {
  int id;           /* index in IrGraph.tensors, or in IrNode.locals for locals */
  const char *name; /* the source name ("h", "w1"), or a made-up one ("t3") */
  IrTensorKind kind;
  int is_output;
  ElemType elem;
  int rank;
  const SemDim *dims; /* expressions; packs (dim == NULL) only in generic graphs */
  IrLayout layout;
  IrNode *producer;   /* IR_VALUE: the node that writes it */
  Loc loc;            /* where the source defines it */
} IrTensor;

/* ------------------------------------------------------------------ indices */
typedef struct IrIndex {
  const char *name;   /* the source name, unique in its node */
  SemDim extent;      /* the range [0, extent); a pack index in generic graphs */
  int reduction;      /* bound by a reduction, not by a left-hand side */
} IrIndex;

/* -------------------------------------------------------------- expressions */
#define XG_IR_EXPRS(X)                                                   \
  X(IE_CONST, "const")   /* f (floats) or i (ints, bools) */             \
  X(IE_INDEX, "index")   /* the value of index `index` */                \
  X(IE_DIM, "dim")       /* a dimension's value: `dim` (symbolic dims) */\
  X(IE_READ, "read")     /* tensor[subs...] or tensor.flat[subs[0]] */   \
  X(IE_UNARY, "unary")   /* op args[0] */                                \
  X(IE_BINARY, "binary") /* args[0] op args[1] */                        \
  X(IE_CALL, "call")     /* builtin(args...) */                          \
  X(IE_SELECT, "select") /* args[0] ? args[1] : args[2] */               \
  X(IE_CAST, "cast")     /* (type) args[0] */                            \
  X(IE_REDUCE, "reduce") /* reduce over indices `red`, of args[0] */

typedef enum IrExprKind {
#define X(k, s) k,
  XG_IR_EXPRS(X)
#undef X
  IE__COUNT
} IrExprKind;

typedef struct IrExpr IrExpr;
struct IrExpr {
  IrExprKind kind;
  ElemType type;      /* the value's type: a tensor element type, or
                         ELEM_INT / ELEM_FLOAT / ELEM_BOOL for scalars */
  Loc loc;
  double f;           /* IE_CONST of a float type */
  int64_t i;          /* IE_CONST of an int or bool type */
  int index;          /* IE_INDEX: into IrNode.indices */
  const Dim *dim;     /* IE_DIM */
  IrTensor *tensor;   /* IE_READ */
  int flat;           /* IE_READ: subs[0] is a row-major offset */
  IrExpr *dflt;       /* IE_READ: the value of an out-of-range read (??), or NULL */
  AstOp op;           /* IE_UNARY, IE_BINARY */
  Builtin builtin;    /* IE_CALL */
  Reduction reduce;   /* IE_REDUCE */
  int nred;           /* IE_REDUCE: the reduced indices */
  const int *red;
  int nargs;          /* IE_READ: subscripts; others: operands */
  IrExpr **args;
};

/* --------------------------------------------------------------- statements
 * `target[lhs...] = rhs`: defines every element of target (a local or an
 * output of the node) over the index space of the left-hand side. */
typedef struct IrStmt {
  IrTensor *target;
  int nlhs;
  const int *lhs;     /* into IrNode.indices, one per dimension of target */
  IrExpr *rhs;
  Loc loc;
} IrStmt;

/* ------------------------------------------------------------------- nodes */
typedef struct IrAttr {
  const char *name;
  SemConst value;
} IrAttr;

struct IrNode {
  int id;
  const char *name;    /* the model value it defines ("h"), or made up ("h.1") */
  const char *op;      /* "nn.conv2d", "relu" (same module), or "add" for `+` */
  const AstNode *def;  /* the AST_OP instantiated; NULL for model arithmetic */
  int ninputs, noutputs, nlocals, nindices, nstmts, nattrs;
  IrTensor **inputs;   /* in the op's parameter order */
  IrTensor **outputs;
  IrTensor **locals;
  IrIndex *indices;
  IrStmt *stmts;       /* in order; the last ones define the outputs */
  IrAttr *attrs;       /* every attribute, defaults resolved */
  IrMapType map;       /* set by ir_classify */
  Loc loc;             /* the call in the model */
  int generic;         /* the node of a generic graph (ir_build_op) */
};

/* ------------------------------------------------------------ fusion plan
 * Which nodes are computed together (ir/fusion.c, docs/fusion.md): each
 * group becomes one kernel of the back ends.  The root is the one node
 * whose outputs are stored; every other member has one output, read by one
 * node of its group only and by no one else, and is computed where that
 * node reads it (its output tensor is `inlined`: no memory), except the
 * anchor: computed as its own nests, the root's value at each element it
 * stores (an epilogue), stored into the root's output. */
typedef struct IrGroup {
  int id;
  IrNode *root;
  int nnodes;
  IrNode **nodes;      /* in graph order, the root last */
  IrMapType map;       /* the group's type, by the fusion table */
  IrNode *anchor;      /* a many-to-many member whose stores go through the
                          rest of the group (the epilogue), or NULL */
  const char *stored;  /* why the root's output is stored: "a model output",
                          "read by 2 nodes", a rule of the table... */
} IrGroup;

typedef struct IrFusion {
  int ngroups;
  IrGroup *groups;       /* in the graph order of their roots (a valid order) */
  int *group_of;         /* per node id: its group */
  unsigned char *inlined;/* per tensor id: computed where it is read */
} IrFusion;

/* ------------------------------------------------------------------- graphs */
typedef struct IrGraph {
  const char *name;
  int generic;          /* 1: one op definition, shapes symbolic, packs kept */
  int ntensors, nnodes, ninputs, nweights, noutputs;
  IrTensor **tensors;   /* all graph tensors (not node locals), by id */
  IrNode **nodes;       /* in a topological order */
  IrTensor **inputs;    /* in signature order */
  IrTensor **weights;   /* in declaration order */
  IrTensor **outputs;   /* in signature order */
  int nsyms;            /* symbolic model dims (B in f32[B, 784]), bound at run time */
  const char **syms;
  Loc loc;
  int classified;       /* ir_classify has set every IrNode.map */
  const IrFusion *fusion; /* the `fuse` pass's plan (models only), or NULL */
} IrGraph;

/* Everything the IR needs from the front end, and the arena it lives in. */
typedef struct IrCtx {
  Front *f;
  Arena *arena;
  Diag *diag;
  DimCtx dc;
} IrCtx;

void ir_ctx_init(IrCtx *c, Front *f);

/* Builds the graph of a checked model (sema_check was clean): every call an
 * instantiated node (symbols bound, packs expanded to concrete indices,
 * attributes resolved), every `+ - * /` of tensors a broadcasting node.
 * Returns NULL after reporting an error (there should be none on checked
 * input). */
IrGraph *ir_build_model(IrCtx *c, const AstNode *model);

/* The graph of one op definition on its own: one generic node over the op's
 * symbolic shapes, packs kept as pack indices. */
IrGraph *ir_build_op(IrCtx *c, const AstNode *op);

/* Checks every invariant of the IR (see ir/verify.c); reports violations as
 * errors ("internal error: ...") and returns their number. */
int ir_verify(IrCtx *c, const IrGraph *g);

/* Sets IrNode.map of every node from its access functions. */
void ir_classify(IrCtx *c, IrGraph *g);
IrMapType ir_classify_node(const IrNode *n);

/* `xgc --emit=ir` and `xgc --emit=classes`: stable text forms. */
void ir_print(FILE *out, const IrGraph *g);
void ir_print_classes(FILE *out, const IrGraph *g);

/* The fusion plan of a classified model graph (arena-allocated in c).
 * Never fails. */
IrFusion *ir_fuse(IrCtx *c, const IrGraph *g);
/* The group type when a producer of type `producer` is fused into a
 * consumer group of type `consumer`, or MAP__COUNT: not fused. */
IrMapType ir_fusion_type(IrMapType producer, IrMapType consumer);
/* Checks a plan's invariants (convex single-consumer groups, every node in
 * one group); reports violations as internal errors, returns their number. */
int ir_fusion_verify(IrCtx *c, const IrGraph *g, const IrFusion *f);
/* `xgc --emit=fusion`: the groups of g->fusion, a stable text form. */
void ir_print_fusion(FILE *out, const IrGraph *g);

/* ------------------------------------------------------------------ passes
 * The pass list (ir/passes.c): `build` makes the graph of a model or of an
 * op definition, the others transform it in order.  Options of one run: */
typedef struct IrPassOpts {
  int verify_each;        /* ir_verify after every pass */
  const char *dump_after; /* print the graph after the pass of this name */
  FILE *dump;             /* where (stdout when NULL) */
} IrPassOpts;

/* Builds the graph of `decl` (AST_MODEL or AST_OP, checked clean) and runs
 * every pass over it.  Returns the graph, or NULL after reporting errors
 * (an internal error of a pass, or a verifier error with --verify-each). */
IrGraph *ir_run_passes(IrCtx *c, const AstNode *decl, const IrPassOpts *o);

/* Is `name` a pass?  The pass names, ", "-separated, for messages. */
int ir_pass_known(const char *name);
const char *ir_pass_names(void);

#endif
