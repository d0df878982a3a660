/* ref.h -- the reference interpreter: evaluates an instantiated graph (the
 * output of ir_build_model) in double precision, statement by statement, by
 * direct evaluation of the index expressions.  The oracle of every back end. */
#ifndef XG_REF_H
#define XG_REF_H

#include "ir/ir.h"
#include "runtime/rt.h"

/* What one run takes.  The arrays are indexed as the graph's: inputs[i] is
 * g->inputs[i], weights[i] is g->weights[i]; an entry may be NULL (reported
 * as missing).  `*_from` (optional, and entries optional) say where each
 * tensor came from ("x.npy", "w.safetensors"), or for a missing one why or
 * what to do ("not in w.safetensors"), for messages.  The tensors are
 * borrowed for the duration of the call. */
typedef struct RefArgs {
  const RtTensor *const *inputs;
  const char *const *input_from;
  const RtTensor *const *weights;
  const char *const *weight_from;
  int threads; /* worker threads for large statements; 0: ref_default_threads() */
} RefArgs;

/* Runs graph `g` (an instantiated model graph, not a generic one) on args.
 * Every input and weight is checked against the graph first: a missing one,
 * a wrong rank, shape or dtype is a located error naming the tensor, what was
 * expected and what was given; the model's symbolic dims are bound from the
 * input shapes.  Then every node is evaluated in double precision; an
 * out-of-range read without `??` (a data-dependent subscript included), an
 * integer division by zero or a float-to-int cast out of range stops the run
 * with a located error and a note naming the node and the index values.
 * On success returns 0 and fills outputs[0 .. g->noutputs-1] (in the order
 * of g->outputs) with tensors of the outputs' element types and concrete
 * shapes, the values rounded from double once, at the end; the caller frees
 * them with rt_tensor_free.  On failure returns -1 after reporting through
 * c->diag, and outputs are left zeroed.  Tensor data is malloc'd and freed
 * here; a few bound dims come from c->arena. */
int ref_run(IrCtx *c, const IrGraph *g, const RefArgs *args, RtTensor *outputs);

/* The concrete shape of graph tensor `t` (an input, a weight or an output of
 * g) once the graph's symbolic dims are bound from the given inputs
 * (`inputs` as in RefArgs, entries may be NULL).  Used to size random inputs
 * and weights.  Returns the rank and fills shape[0 .. rank-1], or -1 after
 * reporting an error when a dim needs a symbol that no given input binds, or
 * when the given inputs disagree with the graph. */
int ref_shape(IrCtx *c, const IrGraph *g, const RtTensor *const *inputs, const IrTensor *t,
              int64_t *shape);

/* The RtDType of a tensor element type; -1 for ELEM_NONE and the scalar
 * types int and float. */
int ref_dtype_of(ElemType e);

/* The default number of worker threads: the online CPUs, at most 8. */
int ref_default_threads(void);

#endif
