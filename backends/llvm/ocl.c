/* backends/llvm/ocl.c -- the library of an OpenCL model: a module holding
 * only data, the xg_abi_model descriptor with run NULL and its xg_abi_ocl
 * (the OpenCL C source, the memory objects, the launches) as constants,
 * written as an object for the host like a CPU model's (runtime/xg_abi.h). */
#include "backends/llvm/llvm_int.h"

#include <stdlib.h>
#include <string.h>

static LLVMTypeRef named(Cg *g, const char *name, LLVMTypeRef *fields, unsigned n) {
  LLVMTypeRef t = LLVMStructCreateNamed(g->ctx, name);
  LLVMStructSetBody(t, fields, n, 0);
  return t;
}

static LLVMValueRef array_of(Cg *g, LLVMTypeRef elem, LLVMValueRef *v, int n, const char *name) {
  if (n == 0) return LLVMConstPointerNull(g->t_ptr);
  return cg_private_const(g, LLVMConstArray(elem, v, (unsigned)n), name);
}

static LLVMValueRef mems(Cg *g, const xg_abi_ocl *o) {
  LLVMTypeRef f[4] = {g->t_i32, g->t_i32, g->t_i64, g->t_i64};
  LLVMTypeRef mt = named(g, "xg_abi_ocl_mem", f, 4);
  LLVMValueRef *v = calloc((size_t)o->nmems + 1, sizeof *v);
  if (!v) abort();
  for (int i = 0; i < o->nmems; i++) {
    const xg_abi_ocl_mem *m = &o->mems[i];
    LLVMValueRef x[4] = {cg_i32(g, m->kind), cg_i32(g, m->index), cg_i64(g, (int64_t)m->width),
                         cg_i64(g, (int64_t)m->height)};
    v[i] = LLVMConstNamedStruct(mt, x, 4);
  }
  LLVMValueRef r = array_of(g, mt, v, o->nmems, "mems");
  free(v);
  return r;
}

static LLVMValueRef dims3(Cg *g, const uint64_t *d) {
  LLVMValueRef x[3] = {cg_i64(g, (int64_t)d[0]), cg_i64(g, (int64_t)d[1]),
                       cg_i64(g, (int64_t)d[2])};
  return LLVMConstArray(g->t_i64, x, 3);
}

static LLVMValueRef launches(Cg *g, const xg_abi_ocl *o) {
  LLVMTypeRef d3 = LLVMArrayType(g->t_i64, 3);
  LLVMTypeRef f[8] = {g->t_ptr, g->t_ptr, g->t_i32, g->t_ptr, g->t_i32, g->t_i32, d3, d3};
  LLVMTypeRef lt = named(g, "xg_abi_ocl_launch", f, 8);
  LLVMValueRef *v = calloc((size_t)o->nlaunches + 1, sizeof *v);
  if (!v) abort();
  for (int i = 0; i < o->nlaunches; i++) {
    const xg_abi_ocl_launch *l = &o->launches[i];
    LLVMValueRef *args = calloc((size_t)l->nargs + 1, sizeof *args);
    if (!args) abort();
    for (int a = 0; a < l->nargs; a++) args[a] = cg_i32(g, l->args[a]);
    LLVMValueRef x[8] = {cg_cstring(g, l->kernel),
                         cg_cstring(g, l->what),
                         cg_i32(g, l->nargs),
                         array_of(g, g->t_i32, args, l->nargs, "args"),
                         cg_i32(g, l->once),
                         cg_i32(g, l->work_dim),
                         dims3(g, l->global),
                         dims3(g, l->local)};
    free(args);
    v[i] = LLVMConstNamedStruct(lt, x, 8);
  }
  LLVMValueRef r = array_of(g, lt, v, o->nlaunches, "launches");
  free(v);
  return r;
}

static LLVMValueRef ocl_const(Cg *g, const xg_abi_ocl *o) {
  LLVMTypeRef f[7] = {g->t_ptr, g->t_ptr, g->t_i32, g->t_ptr, g->t_i32, g->t_ptr, g->t_i64};
  LLVMTypeRef ot = named(g, "xg_abi_ocl", f, 7);
  LLVMValueRef x[7] = {cg_cstring(g, o->source), cg_cstring(g, o->build_options),
                       cg_i32(g, o->nmems),      mems(g, o),
                       cg_i32(g, o->nlaunches),  launches(g, o),
                       cg_i64(g, (int64_t)o->arena_bytes)};
  return cg_private_const(g, LLVMConstNamedStruct(ot, x, 7), "ocl");
}

int llvm_compile_ocl(const LoopProgram *p, const xg_abi_ocl *ocl, LlvmTarget *t,
                     const LlvmOptions *o, const char *obj_path, char *err, size_t errlen) {
  Cg g;
  cg_start(&g, p, t);
  cg_descriptor(&g, NULL, ocl_const(&g, ocl));
  return cg_finish(&g, o, 0, obj_path, err, errlen);
}
