/* backends/opencl/print.c -- `xgc --emit=opencl`: the memory objects and
 * the launches of an OpenCL model as a comment, then its source.  Stable,
 * for golden tests (tests/golden/opencl). */
#include "backends/opencl/ocl_int.h"

/* The name of the tensor behind memory object m. */
static const char *mem_tensor(const LoopProgram *p, const xg_abi_ocl_mem *m) {
  switch ((xg_ocl_mem_kind)m->kind) {
  case XG_OCL_INPUT: return p->bufs[p->inputs[m->index]]->name;
  case XG_OCL_OUTPUT: return p->bufs[p->outputs[m->index]]->name;
  case XG_OCL_WEIGHT: return p->bufs[p->weights[m->index]]->name;
  case XG_OCL_IMAGE: break;
  case XG_OCL_ARENA:
  case XG_OCL_STATUS: break;
  }
  return NULL;
}

static void put_dims(FILE *out, int n, const uint64_t *v) {
  fputs("[", out);
  for (int d = 0; d < n; d++) fprintf(out, "%s%llu", d ? ", " : "", (unsigned long long)v[d]);
  fputs("]", out);
}

void ocl_print(FILE *out, const LoopProgram *p, const xg_abi_ocl *m) {
  fprintf(out, "/* program %s: %d memory objects, %d launches, arena %llu bytes, options \"%s\"\n",
          p->name, m->nmems, m->nlaunches, (unsigned long long)m->arena_bytes, m->build_options);
  int img = -1;
  for (int i = 0; i < m->nmems; i++) {
    const xg_abi_ocl_mem *x = &m->mems[i];
    const char *kind = xg_ocl_mem_kind_name(x->kind);
    fprintf(out, " *   mem %d: %s", i, kind ? kind : "?");
    if (x->kind == XG_OCL_INPUT || x->kind == XG_OCL_OUTPUT || x->kind == XG_OCL_WEIGHT)
      fprintf(out, " %d", x->index);
    const char *t = mem_tensor(p, x);
    if (x->kind == XG_OCL_IMAGE) /* images are made in buffer order */
      while (++img < p->nbufs && p->bufs[img]->kind != LB_IMAGE) continue;
    if (x->kind == XG_OCL_IMAGE && img < p->nbufs) t = p->bufs[img]->name;
    if (t) fprintf(out, " (%s)", t);
    if (x->kind == XG_OCL_IMAGE)
      fprintf(out, " %llu x %llu pixels", (unsigned long long)x->width,
              (unsigned long long)x->height);
    fputs("\n", out);
  }
  for (int i = 0; i < m->nlaunches; i++) {
    const xg_abi_ocl_launch *l = &m->launches[i];
    fprintf(out, " *   launch %s (%s)%s: global ", l->kernel, l->what, l->once ? " once" : "");
    put_dims(out, l->work_dim, l->global);
    if (l->local[0]) {
      fputs(", local ", out);
      put_dims(out, l->work_dim, l->local);
    }
    fputs(", args", out);
    for (int a = 0; a < l->nargs; a++) fprintf(out, " %d", l->args[a]);
    fputs("\n", out);
  }
  fputs(" */\n", out);
  fputs(m->source, out);
}
