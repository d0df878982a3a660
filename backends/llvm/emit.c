/* backends/llvm/emit.c -- one LLVM module per model: a function per loop
 * nest (its buffers as noalias parameters), the run function of the ABI
 * (buffer table, nests in order, parallel ones through xg_parallel_for),
 * the descriptor and xg_model_describe (runtime/xg_abi.h); then verify,
 * optimize (xgc's pass pipeline, target.c) and write the object. */
#include "backends/llvm/llvm_int.h"
#include "runtime/xg.h"
#include "runtime/xg_abi.h"

#include <stdlib.h>
#include <string.h>

void cg_init_types(Cg *g) {
  g->t_void = LLVMVoidTypeInContext(g->ctx);
  g->t_i1 = LLVMInt1TypeInContext(g->ctx);
  g->t_i8 = LLVMInt8TypeInContext(g->ctx);
  g->t_i16 = LLVMInt16TypeInContext(g->ctx);
  g->t_i32 = LLVMInt32TypeInContext(g->ctx);
  g->t_i64 = LLVMInt64TypeInContext(g->ctx);
  g->t_half = LLVMHalfTypeInContext(g->ctx);
  g->t_f32 = LLVMFloatTypeInContext(g->ctx);
  g->t_f64 = LLVMDoubleTypeInContext(g->ctx);
  g->t_ptr = LLVMPointerTypeInContext(g->ctx, 0);
}

static void add_attr(Cg *g, LLVMValueRef fn, LLVMAttributeIndex at, const char *name) {
  unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
  LLVMAddAttributeAtIndex(fn, at, LLVMCreateEnumAttribute(g->ctx, kind, 0));
}

/* The attributes every function gets: the target, no exceptions. */
static void fn_attrs(Cg *g, LLVMValueRef fn) {
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                          LLVMCreateStringAttribute(g->ctx, "target-cpu", 10, g->target->cpu,
                                                    (unsigned)strlen(g->target->cpu)));
  if (g->target->features[0])
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(g->ctx, "target-features", 15,
                                                      g->target->features,
                                                      (unsigned)strlen(g->target->features)));
  add_attr(g, fn, LLVMAttributeFunctionIndex, "nounwind");
}

static LLVMValueRef new_fn(Cg *g, const char *name, LLVMTypeRef ty, LLVMLinkage linkage) {
  LLVMValueRef fn = LLVMAddFunction(g->mod, name, ty);
  LLVMSetLinkage(fn, linkage);
  fn_attrs(g, fn);
  return fn;
}

/* ------------------------------------------------------------------ nests */

static void root_body(Cg *g, void *arg, LLVMValueRef i) { cg_body(g, arg, i); }

/* The body of a nest: fn(buffers..., err, begin, end), buffers noalias. */
static LLVMValueRef nest_body(Cg *g, const LoopNest *n, const char *name, const int *pos,
                              int nused) {
  LLVMTypeRef *ps = calloc((size_t)nused + 3, sizeof *ps);
  if (!ps) abort();
  for (int i = 0; i < nused + 1; i++) ps[i] = g->t_ptr;
  ps[nused + 1] = ps[nused + 2] = g->t_i64;
  LLVMValueRef fn =
      new_fn(g, name, LLVMFunctionType(g->t_void, ps, (unsigned)nused + 3, 0), LLVMInternalLinkage);
  free(ps);
  g->fn = fn;
  g->nest = n;
  g->entry = LLVMAppendBasicBlockInContext(g->ctx, fn, "entry");
  LLVMPositionBuilderAtEnd(g->b, g->entry);
  for (int k = 0; k < nused; k++) add_attr(g, fn, (LLVMAttributeIndex)(k + 1), "noalias");
  for (int i = 0; i < g->p->nbufs; i++) {
    const LoopBuf *b = g->p->bufs[i];
    g->bufs[i] = NULL;
    if (pos[i] == CG_STACK) {
      LLVMTypeRef t = LLVMArrayType(cg_mem_type(g, b->elem), (unsigned)b->elems);
      g->bufs[i] = LLVMBuildAlloca(g->b, t, b->name);
      LLVMSetAlignment(g->bufs[i], 64);
    } else if (pos[i] >= 0) {
      g->bufs[i] = LLVMGetParam(fn, (unsigned)pos[i]);
    }
  }
  g->err = LLVMGetParam(fn, (unsigned)nused);
  size_t nv = (size_t)n->nvars + 1;
  g->slots = calloc(nv, sizeof *g->slots);
  g->vslots = calloc(nv, sizeof *g->vslots);
  g->ivals = calloc(nv, sizeof *g->ivals);
  g->vdef = calloc(nv, 1);
  g->vred = calloc(nv, 1);
  if (!g->slots || !g->vslots || !g->ivals || !g->vdef || !g->vred) abort();
  for (int v = 0; v < n->nvars; v++)
    g->slots[v] = cg_alloca(g, cg_type(g, n->vars[v].type), n->vars[v].name);
  LLVMValueRef lo = LLVMGetParam(fn, (unsigned)nused + 1),
               hi = LLVMGetParam(fn, (unsigned)nused + 2);
  g->streamed = 0;
  if (n->loop->loop == LOOP_VECTOR) cg_vector_loop(g, n->loop, lo, hi);
  else cg_for(g, lo, hi, 1, root_body, (void *)n->loop);
  if (g->streamed) {
    LLVMTypeRef fnty = LLVMFunctionType(g->t_void, NULL, 0, 0);
    LLVMValueRef fence = LLVMGetNamedFunction(g->mod, "llvm.x86.sse.sfence");
    if (!fence) fence = LLVMAddFunction(g->mod, "llvm.x86.sse.sfence", fnty);
    LLVMBuildCall2(g->b, fnty, fence, NULL, 0, "");
  }
  LLVMBuildRetVoid(g->b);
  free(g->slots), free(g->vslots), free(g->ivals), free(g->vdef), free(g->vred);
  return fn;
}

/* A nest as fn(ctx, begin, end) over its outermost loop, ctx the run's
 * buffer table (the error flag last): loads its buffers' pointers and calls
 * the body, *bodyp when an earlier nest has the same code (else a new one,
 * left in *bodyp). */
static LLVMValueRef emit_nest(Cg *g, const LoopKernel *k, int idx, const int *pos, int nused,
                              LLVMValueRef *bodyp) {
  const LoopNest *n = k->nests[idx];
  char name[64];
  snprintf(name, sizeof name, "k%d.n%d.body", k->id, idx);
  if (!*bodyp) *bodyp = nest_body(g, n, name, pos, nused);
  LLVMValueRef body = *bodyp;
  snprintf(name, sizeof name, "k%d.n%d", k->id, idx);
  LLVMTypeRef ps[3] = {g->t_ptr, g->t_i64, g->t_i64};
  LLVMValueRef fn = new_fn(g, name, LLVMFunctionType(g->t_void, ps, 3, 0), LLVMInternalLinkage);
  LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
  LLVMValueRef *args = calloc((size_t)nused + 3, sizeof *args);
  if (!args) abort();
  for (int i = 0; i <= g->p->nbufs; i++) {
    int at = i == g->p->nbufs ? nused : pos[i];
    if (at < 0) continue;
    LLVMValueRef idxv = cg_i64(g, i);
    LLVMValueRef slot = LLVMBuildGEP2(g->b, g->t_ptr, LLVMGetParam(fn, 0), &idxv, 1, "");
    args[at] = LLVMBuildLoad2(g->b, g->t_ptr, slot, i < g->p->nbufs ? g->p->bufs[i]->name : "err");
  }
  args[nused + 1] = LLVMGetParam(fn, 1);
  args[nused + 2] = LLVMGetParam(fn, 2);
  LLVMBuildCall2(g->b, LLVMGlobalGetValueType(body), body, args, (unsigned)nused + 3, "");
  LLVMBuildRetVoid(g->b);
  free(args);
  return fn;
}

/* ----------------------------------------------------------------- run */

static LLVMValueRef load_field(Cg *g, LLVMTypeRef st, LLVMValueRef args, unsigned field) {
  return LLVMBuildLoad2(g->b, g->t_ptr, LLVMBuildStructGEP2(g->b, st, args, field, ""), "");
}

static LLVMValueRef buf_ptr(Cg *g, const LoopBuf *b, LLVMValueRef fields[4]) {
  if (b->kind == LB_SCRATCH) {
    LLVMValueRef off = cg_i64(g, b->offset);
    return LLVMBuildGEP2(g->b, g->t_i8, fields[3], &off, 1, b->name);
  }
  LLVMValueRef arr = fields[b->kind == LB_INPUT ? 0 : b->kind == LB_OUTPUT ? 1 : 2];
  LLVMValueRef i = cg_i64(g, b->index);
  return LLVMBuildLoad2(g->b, g->t_ptr, LLVMBuildGEP2(g->b, g->t_ptr, arr, &i, 1, ""), b->name);
}

typedef struct Run {
  LLVMValueRef fn, table, err, pool;
  LLVMValueRef *nests;
  LLVMTypeRef pf_t;
  LLVMValueRef pf;
} Run;

/* A nest over its outermost loop: through the pool when it is parallel. */
static void call_nest(Cg *g, const Run *r, const LoopNest *n, LLVMValueRef fn) {
  const LoopStmt *root = n->loop;
  if (root->loop == LOOP_PARALLEL) {
    LLVMValueRef cargs[4] = {r->pool, cg_i64(g, root->hi), fn, r->table};
    LLVMBuildCall2(g->b, r->pf_t, r->pf, cargs, 4, "");
  } else {
    LLVMValueRef cargs[3] = {r->table, cg_i64(g, root->lo), cg_i64(g, root->hi)};
    LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, cargs, 3, "");
  }
}

static void return_if_failed(Cg *g, const Run *r) {
  LLVMValueRef e = LLVMBuildLoad2(g->b, g->t_i32, r->err, "");
  LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(g->ctx, r->fn, "failed");
  LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(g->ctx, r->fn, "next");
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, e, cg_i32(g, 0), ""), fail, next);
  LLVMPositionBuilderAtEnd(g->b, fail);
  LLVMBuildRet(g->b, e);
  LLVMPositionBuilderAtEnd(g->b, next);
}

/* The `once` nests (packing weights into persistent buffers) when the
 * prepared flag in the scratch arena is still 0; then the flag is set. */
static void prepare(Cg *g, const Run *r, LLVMValueRef *f) {
  const LoopProgram *p = g->p;
  LLVMValueRef flag = buf_ptr(g, p->bufs[p->prepared], f);
  LLVMBasicBlockRef todo = LLVMAppendBasicBlockInContext(g->ctx, r->fn, "prepare");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, r->fn, "prepared");
  LLVMValueRef v = LLVMBuildLoad2(g->b, g->t_i32, flag, "");
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, v, cg_i32(g, 0), ""), todo, done);
  LLVMPositionBuilderAtEnd(g->b, todo);
  int k = 0;
  for (int ki = 0; ki < p->nkernels; ki++)
    for (int i = 0; i < p->kernels[ki]->nnests; i++, k++)
      if (p->kernels[ki]->nests[i]->once) call_nest(g, r, p->kernels[ki]->nests[i], r->nests[k]);
  return_if_failed(g, r);
  LLVMBuildStore(g->b, cg_i32(g, 1), flag);
  LLVMBuildBr(g->b, done);
  LLVMPositionBuilderAtEnd(g->b, done);
}

/* int32 run(const xg_abi_args *): the nests in order (the `once` nests
 * first, on the first run); stops at the first failure and returns its
 * code. */
static LLVMValueRef emit_run(Cg *g, LLVMValueRef *nests) {
  const LoopProgram *p = g->p;
  LLVMTypeRef fields[5] = {g->t_ptr, g->t_ptr, g->t_ptr, g->t_ptr, g->t_ptr};
  LLVMTypeRef args_t = LLVMStructTypeInContext(g->ctx, fields, 5, 0);
  LLVMValueRef fn =
      new_fn(g, "run", LLVMFunctionType(g->t_i32, &g->t_ptr, 1, 0), LLVMInternalLinkage);
  LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
  LLVMValueRef a = LLVMGetParam(fn, 0), f[5];
  for (unsigned i = 0; i < 5; i++) f[i] = load_field(g, args_t, a, i);
  LLVMTypeRef table_t = LLVMArrayType(g->t_ptr, (unsigned)p->nbufs + 1);
  LLVMValueRef table = LLVMBuildAlloca(g->b, table_t, "table");
  LLVMValueRef err = LLVMBuildAlloca(g->b, g->t_i32, "err");
  LLVMBuildStore(g->b, cg_i32(g, 0), err);
  for (int i = 0; i <= p->nbufs; i++) {
    LLVMValueRef idx = cg_i64(g, i);
    LLVMValueRef v = i == p->nbufs                  ? err
                     : p->bufs[i]->kind == LB_STACK || p->bufs[i]->kind == LB_FUSED
                         ? LLVMConstNull(g->t_ptr)
                                                    : buf_ptr(g, p->bufs[i], f);
    LLVMBuildStore(g->b, v, LLVMBuildGEP2(g->b, g->t_ptr, table, &idx, 1, ""));
  }
  Run r = {fn, table, err, f[4], nests, NULL, NULL};
  LLVMTypeRef pf_ps[4] = {g->t_ptr, g->t_i64, g->t_ptr, g->t_ptr};
  r.pf_t = LLVMFunctionType(g->t_void, pf_ps, 4, 0);
  r.pf = LLVMAddFunction(g->mod, "xg_parallel_for", r.pf_t);
  if (p->prepared >= 0) prepare(g, &r, f);
  int k = 0;
  for (int ki = 0; ki < p->nkernels; ki++) {
    const LoopKernel *kern = p->kernels[ki];
    for (int i = 0; i < kern->nnests; i++, k++)
      if (!kern->nests[i]->once) call_nest(g, &r, kern->nests[i], nests[k]);
    return_if_failed(g, &r);
  }
  LLVMBuildRet(g->b, cg_i32(g, 0));
  return fn;
}

/* ----------------------------------------------------------- descriptor */

LLVMValueRef cg_private_const(Cg *g, LLVMValueRef init, const char *name) {
  LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), name);
  LLVMSetInitializer(gv, init);
  LLVMSetGlobalConstant(gv, 1);
  LLVMSetLinkage(gv, LLVMPrivateLinkage);
  LLVMSetUnnamedAddr(gv, 1);
  return gv;
}

LLVMValueRef cg_cstring(Cg *g, const char *s) {
  return cg_private_const(g, LLVMConstStringInContext(g->ctx, s, (unsigned)strlen(s), 0), "str");
}

static int abi_dtype(ElemType t) {
  switch (t) {
  case ELEM_F32: return XG_F32;
  case ELEM_F16: return XG_F16;
  case ELEM_I32: return XG_I32;
  case ELEM_I8: return XG_I8;
  case ELEM_BOOL: return XG_BOOL;
  case ELEM_INT:
  case ELEM_FLOAT:
  case ELEM_NONE:
  case ELEM__COUNT: break;
  }
  return -1;
}

/* The xg_abi_tensor array of n buffers. */
static LLVMValueRef tensors(Cg *g, LLVMTypeRef tt, const int *ids, int n, const char *name) {
  if (n == 0) return LLVMConstNull(g->t_ptr);
  LLVMValueRef *elems = calloc((size_t)n, sizeof *elems);
  if (!elems) abort();
  for (int i = 0; i < n; i++) {
    const LoopBuf *b = g->p->bufs[ids[i]];
    LLVMValueRef *dims = calloc((size_t)b->rank + 1, sizeof *dims);
    if (!dims) abort();
    for (int d = 0; d < b->rank; d++) dims[d] = cg_i64(g, b->shape[d]);
    LLVMValueRef shape =
        b->rank ? cg_private_const(g, LLVMConstArray(g->t_i64, dims, (unsigned)b->rank), "shape")
                : LLVMConstNull(g->t_ptr);
    free(dims);
    LLVMValueRef f[5] = {cg_cstring(g, b->name), cg_i32(g, abi_dtype(b->elem)), cg_i32(g, b->rank),
                         shape, cg_i64(g, b->bytes)};
    elems[i] = LLVMConstNamedStruct(tt, f, 5);
  }
  LLVMValueRef arr = cg_private_const(g, LLVMConstArray(tt, elems, (unsigned)n), name);
  free(elems);
  return arr;
}

void cg_descriptor(Cg *g, LLVMValueRef run, LLVMValueRef ocl) {
  const LoopProgram *p = g->p;
  LLVMTypeRef tt = LLVMStructCreateNamed(g->ctx, "xg_abi_tensor");
  LLVMTypeRef tf[5] = {g->t_ptr, g->t_i32, g->t_i32, g->t_ptr, g->t_i64};
  LLVMStructSetBody(tt, tf, 5, 0);
  LLVMTypeRef mt = LLVMStructCreateNamed(g->ctx, "xg_abi_model");
  LLVMTypeRef mf[11] = {g->t_i32, g->t_ptr, g->t_i32, g->t_i32, g->t_i32, g->t_ptr,
                        g->t_ptr, g->t_ptr, g->t_i64, g->t_ptr, g->t_ptr};
  LLVMStructSetBody(mt, mf, 11, 0);
  LLVMValueRef v[11] = {cg_i32(g, XG_ABI_VERSION),
                        cg_cstring(g, p->name),
                        cg_i32(g, p->ninputs),
                        cg_i32(g, p->noutputs),
                        cg_i32(g, p->nweights),
                        tensors(g, tt, p->inputs, p->ninputs, "inputs"),
                        tensors(g, tt, p->outputs, p->noutputs, "outputs"),
                        tensors(g, tt, p->weights, p->nweights, "weights"),
                        cg_i64(g, ocl ? 0 : p->scratch_bytes), /* OpenCL: arena_bytes */
                        run ? run : LLVMConstPointerNull(g->t_ptr),
                        ocl ? ocl : LLVMConstPointerNull(g->t_ptr)};
  LLVMValueRef model = cg_private_const(g, LLVMConstNamedStruct(mt, v, 11), "model");
  LLVMValueRef fn =
      LLVMAddFunction(g->mod, XG_ABI_DESCRIBE_SYMBOL, LLVMFunctionType(g->t_ptr, NULL, 0, 0));
  fn_attrs(g, fn);
  LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
  LLVMBuildRet(g->b, model);
}

/* ------------------------------------------------------------ the module */

void cg_print_module(LLVMModuleRef m, FILE *out, const char *when) {
  char *s = LLVMPrintModuleToString(m);
  fprintf(out, "; ---- %s optimization\n%s", when, s);
  LLVMDisposeMessage(s);
}

/* Every nest (bodies shared between nests of the same code), run() and the
 * descriptor. */
static void build_module(Cg *g) {
  const LoopProgram *p = g->p;
  int total = 0;
  for (int i = 0; i < p->nkernels; i++) total += p->kernels[i]->nnests;
  LLVMValueRef *nests = calloc((size_t)total + 1, sizeof *nests);
  LLVMValueRef *bodies = calloc((size_t)total + 1, sizeof *bodies);
  const LoopNest **ns = calloc((size_t)total + 1, sizeof *ns);
  int **pos = calloc((size_t)total + 1, sizeof *pos),
      *npar = calloc((size_t)total + 1, sizeof *npar);
  g->bufs = calloc((size_t)p->nbufs + 1, sizeof *g->bufs);
  if (!nests || !bodies || !ns || !pos || !npar || !g->bufs) abort();
  int k = 0;
  for (int i = 0; i < p->nkernels; i++)
    for (int j = 0; j < p->kernels[i]->nnests; j++, k++) {
      ns[k] = p->kernels[i]->nests[j];
      pos[k] = cg_buf_order(p, ns[k], &npar[k]);
      for (int e = 0; e < k && !bodies[k]; e++)
        if (npar[e] == npar[k] && cg_nest_same(p, ns[e], pos[e], ns[k], pos[k]))
          bodies[k] = bodies[e];
      nests[k] = emit_nest(g, p->kernels[i], j, pos[k], npar[k], &bodies[k]);
    }
  cg_descriptor(g, emit_run(g, nests), NULL); /* ocl: a CPU model */
  for (int i = 0; i < total; i++) free(pos[i]);
  free(nests), free(bodies), free(ns), free(pos), free(npar);
  free(g->bufs);
}

void cg_start(Cg *g, const LoopProgram *p, LlvmTarget *t) {
  *g = (Cg){0};
  g->p = p;
  g->target = t;
  g->ctx = LLVMContextCreate();
  g->mod = LLVMModuleCreateWithNameInContext(p->name, g->ctx);
  g->b = LLVMCreateBuilderInContext(g->ctx);
  cg_init_types(g);
  LLVMSetTarget(g->mod, t->triple);
  LLVMTargetDataRef td = LLVMCreateTargetDataLayout(t->tm);
  LLVMSetModuleDataLayout(g->mod, td);
  LLVMDisposeTargetData(td);
}

int cg_finish(Cg *g, const LlvmOptions *o, int optimize, const char *obj_path, char *err,
              size_t errlen) {
  LLVMDisposeBuilder(g->b);
  g->b = NULL;
  int rc = 0;
  char *msg = NULL;
  if (o && o->emit_llvm) cg_print_module(g->mod, o->emit_llvm, "before");
  if (LLVMVerifyModule(g->mod, LLVMReturnStatusAction, &msg)) {
    snprintf(err, errlen, "internal error: the LLVM module of '%s' is invalid: %s", g->p->name,
             msg ? msg : "?");
    rc = -1;
  }
  LLVMDisposeMessage(msg);
  if (rc == 0 && optimize) {
    rc = llvm_optimize(g->mod, g->target, err, errlen);
    if (rc == 0 && o && o->emit_llvm) {
      fprintf(o->emit_llvm, "; pipeline: %s\n", llvm_pipeline());
      cg_print_module(g->mod, o->emit_llvm, "after");
    }
  }
  if (rc == 0 && obj_path) rc = llvm_emit_object(g->mod, g->target, obj_path, err, errlen);
  LLVMDisposeModule(g->mod);
  LLVMContextDispose(g->ctx);
  return rc;
}

int llvm_compile(const LoopProgram *p, LlvmTarget *t, const LlvmOptions *o, const char *obj_path,
                 char *err, size_t errlen) {
  Cg g;
  cg_start(&g, p, t);
  build_module(&g);
  return cg_finish(&g, o, 1, obj_path, err, errlen);
}
