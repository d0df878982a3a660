/* driver/compile.c -- the compile pipeline the commands share: a model's
 * source to its graph (checked, verified), to the loop IR (lowered for the
 * --cpu target, verified), to a shared library; temporary files; and
 * --emit=loops / --emit=llvm of every model of a file. */
#include "driver/driver.h"
#include "sema/sema.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void pipeline_init(Pipeline *pl) {
  memset(pl, 0, sizeof *pl);
  front_init(&pl->f, stderr);
}

void pipeline_free(Pipeline *pl) {
  llvm_target_free(pl->target);
  if (pl->tmpdir[0]) { /* only the files this pipeline made: names it chose */
    DIR *d = opendir(pl->tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      char path[512];
      snprintf(path, sizeof path, "%s/%s", pl->tmpdir, e->d_name);
      unlink(path);
    }
    if (d) closedir(d);
    rmdir(pl->tmpdir);
  }
  front_free(&pl->f);
}

const char *pipeline_temp(Pipeline *pl, const char *name) {
  if (!pl->tmpdir[0]) {
    const char *t = getenv("TMPDIR");
    snprintf(pl->tmpdir, sizeof pl->tmpdir, "%s/xgc-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(pl->tmpdir)) {
      diag_plain(&pl->f.diag, DIAG_ERROR, "cannot make a temporary directory %s: %s", pl->tmpdir,
                 strerror(errno));
      pl->tmpdir[0] = 0;
      return NULL;
    }
  }
  return arena_printf(&pl->f.arena, "%s/%s", pl->tmpdir, name);
}

/* Declared in driver.h. */
const AstNode *find_model(Front *f, const Module *m, const char *name) {
  const AstNode *found = NULL;
  char *list = arena_alloc(&f->arena, m->ast->list.n * (size_t)256 + 1);
  int n = 0;
  for (int i = 0; i < m->ast->list.n; i++) {
    const AstNode *d = m->ast->list.items[i];
    if (d->kind != AST_MODEL) continue;
    if (n++) strcat(list, ", ");
    strncat(list, d->name, 250);
    if (name ? !strcmp(d->name, name) : n == 1) found = d;
  }
  if (found && (name || n == 1)) return found;
  if (n == 0) diag_plain(&f->diag, DIAG_ERROR, "%s defines no model to run", m->name);
  else if (name)
    diag_plain(&f->diag, DIAG_ERROR, "%s has no model '%s' (its models: %s)", m->name, name, list);
  else
    diag_plain(&f->diag, DIAG_ERROR, "%s defines several models (%s): choose one with --model NAME",
               m->name, list);
  return NULL;
}

int pipeline_graph(Pipeline *pl, const FrontOpts *o, const AstNode *model) {
  ir_ctx_init(&pl->c, &pl->f);
  pl->model = model;
  IrPassOpts po = {o->verify_each, NULL, stdout};
  pl->g = ir_run_passes(&pl->c, model, &po);
  if (pl->g && pl->f.diag.errors == 0 && ir_verify(&pl->c, pl->g) == 0) return 0;
  pl->g = NULL;
  return 1;
}

int pipeline_load(Pipeline *pl, const FrontOpts *o, const char *file, const char *name) {
  front_setup(&pl->f, o);
  pl->m = front_load(&pl->f, file);
  if (!pl->m || sema_check(&pl->f, pl->m) != 0 || pl->f.diag.errors) return 1;
  const AstNode *model = find_model(&pl->f, pl->m, name);
  return model ? pipeline_graph(pl, o, model) : 1;
}

int pipeline_lower(Pipeline *pl, const FrontOpts *o) {
  char err[1024];
  if (!pl->target && !(pl->target = llvm_target_new(o->cpu, &pl->info, err, sizeof err))) {
    diag_plain(&pl->f.diag, DIAG_ERROR, "%s", err);
    return 1;
  }
  if (o->opencl) pl->info = lower_gpu_target(), pl->info.images = o->images == OCL_IMAGES_ON;
  pl->ocl.images = o->images;
  pl->p = lower_model(&pl->c, pl->g, &pl->info);
  if (!pl->p) return 1;
  if (loop_verify(pl->p, &pl->f.diag)) return 1;
  return 0;
}

/* The object of the model: its code, or for an OpenCL model the
 * descriptor holding kernels and launches. */
static int pipeline_object(Pipeline *pl, const char *obj, FILE *emit_llvm, char *err,
                           size_t errlen) {
  LlvmOptions lo = {emit_llvm};
  if (!pl->p->target.gpu) return llvm_compile(pl->p, pl->target, &lo, obj, err, errlen);
  const xg_abi_ocl *m = ocl_generate(pl->p, &pl->ocl, pl->c.arena, &pl->f.diag);
  if (!m) {
    snprintf(err, errlen, "cannot generate the OpenCL kernels of '%s'", pl->p->name);
    return -1;
  }
  return llvm_compile_ocl(pl->p, m, pl->target, &lo, obj, err, errlen);
}

int pipeline_library(Pipeline *pl, const char *so_path, FILE *emit_llvm) {
  char err[4096];
  const char *obj = arena_printf(&pl->f.arena, "%s.o", so_path);
  if (pipeline_object(pl, obj, emit_llvm, err, sizeof err)) {
    diag_plain(&pl->f.diag, DIAG_ERROR, "%s", err);
    unlink(obj);
    return 1;
  }
  int rc = llvm_link_shared(obj, so_path, err, sizeof err);
  unlink(obj);
  if (rc) diag_plain(&pl->f.diag, DIAG_ERROR, "%s", err);
  return rc ? 1 : 0;
}

const char *buf_type_str(Arena *a, const LoopBuf *b) {
  char buf[600];
  size_t u = (size_t)snprintf(buf, sizeof buf, "%s[", elem_type_name(b->elem));
  for (int d = 0; d < b->rank && u < sizeof buf; d++)
    u += (size_t)snprintf(buf + u, sizeof buf - u, "%s%lld", d ? ", " : "", (long long)b->shape[d]);
  if (u < sizeof buf) snprintf(buf + u, sizeof buf - u, "]");
  return arena_strndup(a, buf, strlen(buf));
}

/* ------------------------------------------------------------------- emit */

/* The output of --emit=llvm or --emit=opencl for program p. */
static int emit_code(Front *f, IrCtx *c, const FrontOpts *o, LoopProgram *p, LlvmTarget *target,
                     const char *emit) {
  char err[4096];
  LlvmOptions lo = {stdout};
  const xg_abi_ocl *m = NULL;
  if (p->target.gpu) {
    OclOptions oo = {o->images};
    if (!(m = ocl_generate(p, &oo, c->arena, &f->diag))) return 1;
    if (!strcmp(emit, "opencl")) {
      ocl_print(stdout, p, m);
      return 0;
    }
  }
  int rc = m ? llvm_compile_ocl(p, m, target, &lo, NULL, err, sizeof err)
             : llvm_compile(p, target, &lo, NULL, err, sizeof err);
  if (rc) diag_plain(&f->diag, DIAG_ERROR, "%s", err);
  return rc ? 1 : 0;
}

/* --emit=loops, llvm or opencl: each model of m, lowered for --cpu or for
 * --target=opencl. */
int emit_models(Front *f, const Module *m, const FrontOpts *o, const char *emit) {
  int printed = 0, errors = 0;
  if (!strcmp(emit, "opencl") && !o->opencl) {
    diag_plain(&f->diag, DIAG_ERROR, "--emit=opencl prints OpenCL kernels: add --target=opencl");
    return 1;
  }
  LlvmTarget *target = NULL;
  LowerTarget info;
  char err[4096];
  for (int i = 0; i < m->ast->list.n && !diag_should_stop(&f->diag); i++) {
    const AstNode *d = m->ast->list.items[i];
    if (d->kind != AST_MODEL || d->broken) continue;
    if (!target && !(target = llvm_target_new(o->cpu, &info, err, sizeof err))) {
      diag_plain(&f->diag, DIAG_ERROR, "%s", err);
      return 1;
    }
    if (o->opencl) info = lower_gpu_target(), info.images = o->images == OCL_IMAGES_ON;
    IrCtx c;
    ir_ctx_init(&c, f);
    IrPassOpts po = {o->verify_each, NULL, stdout};
    IrGraph *g = ir_run_passes(&c, d, &po);
    LoopProgram *p = g ? lower_model(&c, g, &info) : NULL;
    if (!p || loop_verify(p, &f->diag)) {
      errors++;
      continue;
    }
    if (printed++) fputs("\n", stdout);
    if (!strcmp(emit, "loops")) {
      loop_print(stdout, p);
      continue;
    }
    errors += emit_code(f, &c, o, p, target, emit);
  }
  llvm_target_free(target);
  if (!printed && !errors)
    diag_plain(&f->diag, DIAG_ERROR, "%s defines no model (--emit=%s lowers models)", m->name,
               emit);
  return errors || !printed;
}
