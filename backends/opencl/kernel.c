/* backends/opencl/kernel.c -- a loop nest as an OpenCL kernel: C names that
 * are never keywords or built-ins, buffers as parameters (or pointers into
 * the arena, or private arrays), the leading parallel loops as the NDRange
 * (the innermost is dim 0, so neighbouring work-items touch neighbouring
 * elements), the rest as C statements; and the launch of each kernel. */
#include "backends/opencl/ocl_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ names */

/* Words a generated name must not be: C and OpenCL C keywords and types,
 * the built-ins and macros the generated code uses, its own parameters. */
static const char *const reserved[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "bool", "half", "uchar", "ushort", "uint",
    "ulong", "size_t", "ptrdiff_t", "intptr_t", "uintptr_t", "image1d_t", "image2d_t",
    "image3d_t", "image1d_array_t", "image1d_buffer_t", "image2d_array_t", "sampler_t",
    "event_t", "global", "local", "constant", "private", "kernel", "read_only", "write_only",
    "read_write", "true", "false", "NULL", "INFINITY", "NAN", "HUGE_VALF", "HUGE_VAL",
    "MAXFLOAT", "exp", "log", "sqrt", "rsqrt", "tanh", "erf", "fabs", "floor", "ceil", "pow",
    "rint", "isnan", "vload_half", "vstore_half", "vload4", "vstore4", "read_imagef",
    "write_imagef", "as_int", "as_uint", "as_char", "as_float", "get_global_id", "copysign",
    "status", "arena", "sampler", "main", "typeof", "asm", "complex", "imaginary", "quad",
    "vector", "packed", "unroll"};

/* bool2, float4, ...: OpenCL's vector types. */
static int vector_type(const char *s) {
  static const char *const base[] = {"char", "uchar", "short", "ushort", "int", "uint",
                                     "long", "ulong", "float", "double", "half", "bool"};
  for (size_t i = 0; i < sizeof base / sizeof *base; i++) {
    size_t n = strlen(base[i]);
    if (strncmp(s, base[i], n)) continue;
    const char *d = s + n;
    if (!strcmp(d, "2") || !strcmp(d, "3") || !strcmp(d, "4") || !strcmp(d, "8") ||
        !strcmp(d, "16"))
      return 1;
  }
  return 0;
}

static int is_reserved(const char *s) {
  for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
    if (!strcmp(s, reserved[i])) return 1;
  return !strncmp(s, "xg_", 3) || !strncmp(s, "g_", 2) || !strncmp(s, "get_", 4) ||
         !strncmp(s, "__", 2) ||
         !strncmp(s, "CL_", 3) || !strncmp(s, "CLK_", 4) || vector_type(s);
}

static int name_taken(const OclKernel *kc, const char *s) {
  for (int i = 0; i < kc->nnames; i++)
    if (!strcmp(kc->names[i], s)) return 1;
  return 0;
}

/* base with every character outside [A-Za-z0-9_] as '_', not starting with
 * a digit, and not reserved. */
static char *sanitize(Arena *a, const char *base) {
  size_t n = strlen(base);
  char *s = arena_alloc(a, n + 4);
  size_t k = 0;
  if (!n || isdigit((unsigned char)base[0])) s[k++] = 't';
  for (size_t i = 0; i < n; i++) s[k++] = isalnum((unsigned char)base[i]) ? base[i] : '_';
  s[k] = 0;
  if (is_reserved(s)) s[k++] = '_', s[k] = 0;
  return s;
}

const char *ocl_name(OclGen *g, const char *base) {
  OclKernel *kc = g->kc;
  const char *s = sanitize(g->a, base);
  for (int k = 2; name_taken(kc, s); k++) s = arena_printf(g->a, "%s_%d", sanitize(g->a, base), k);
  if (kc->nnames % 16 == 0) {
    const char **v = arena_alloc(g->a, sizeof *v * (size_t)(kc->nnames + 16));
    if (kc->nnames) memcpy(v, kc->names, sizeof *v * (size_t)kc->nnames);
    kc->names = v;
  }
  kc->names[kc->nnames++] = s;
  return s;
}

/* ---------------------------------------------------------------- buffers */

const char *ocl_buf(OclGen *g, int buf, int write) {
  OclKernel *kc = g->kc;
  if (!kc->bname[buf]) {
    kc->bname[buf] = ocl_name(g, g->p->bufs[buf]->name);
    kc->border[kc->nused++] = buf;
  }
  if (write) kc->bwrite[buf] = 1;
  else kc->bread[buf] = 1;
  return kc->bname[buf];
}

/* ---------------------------------------------------------------- kernels */

static OclVal range_of(int64_t lo, int64_t hi) {
  OclVal v = {CT_LONG, 1, lo, hi};
  if (lo >= INT32_MIN && hi <= INT32_MAX) v.t = CT_INT;
  return v;
}

/* The loop indices' ranges (union over the loops of one variable). */
static void loop_ranges(OclKernel *kc, const LoopStmt *s, unsigned char *seen) {
  if (s->kind == LS_LOOP) {
    OclVal *r = &kc->vrange[s->var];
    int64_t lo = s->lo, hi = s->hi - 1;
    if (seen[s->var]) lo = lo < r->lo ? lo : r->lo, hi = hi > r->hi ? hi : r->hi;
    *r = range_of(lo, hi);
    seen[s->var] = 1;
  }
  for (int i = 0; i < s->body.n; i++) loop_ranges(kc, s->body.items[i], seen);
}

void ocl_kernel_begin(OclGen *g, OclKernel *kc, const LoopKernel *k, int nest) {
  memset(kc, 0, sizeof *kc);
  kc->k = k;
  kc->nest = nest;
  kc->n = nest >= 0 && nest < k->nnests ? k->nests[nest] : NULL;
  size_t nb = (size_t)g->p->nbufs + 1;
  kc->bname = arena_alloc(g->a, sizeof *kc->bname * nb);
  kc->bwrite = arena_alloc(g->a, nb);
  kc->bread = arena_alloc(g->a, nb);
  kc->bdeclared = arena_alloc(g->a, nb);
  kc->border = arena_alloc(g->a, sizeof *kc->border * nb);
  g->kc = kc;
  if (!kc->n) return;
  size_t nv = (size_t)kc->n->nvars + 1;
  kc->vname = arena_alloc(g->a, sizeof *kc->vname * nv);
  kc->vrange = arena_alloc(g->a, sizeof *kc->vrange * nv);
  unsigned char *seen = arena_alloc(g->a, nv);
  for (int v = 0; v < kc->n->nvars; v++) {
    kc->vname[v] = ocl_name(g, kc->n->vars[v].name);
    kc->vrange[v] = (OclVal){ocl_ctype_of(kc->n->vars[v].type), 0, 0, 0};
  }
  loop_ranges(kc, kc->n->loop, seen);
}

uint64_t ocl_global_size(int64_t iters, int dim) {
  if (dim == 0 && iters > 64) return (uint64_t)(iters + 63) / 64 * 64;
  return (uint64_t)iters;
}

/* A kernel function name not used before in the program. */
static const char *kernel_name(OclGen *g, const char *want) {
  Arena *a = g->a;
  const char *s = sanitize(a, want);
  for (int k = 2;; k++) {
    int used = 0;
    for (int i = 0; i < g->nlaunches && !used; i++) used = !strcmp(g->launches[i].kernel, s);
    if (!used) return s;
    s = arena_printf(a, "%s_%d", sanitize(a, want), k);
  }
}

static void add_launch(OclGen *g, const xg_abi_ocl_launch *l) {
  if (g->nlaunches == g->caplaunches) {
    int cap = g->caplaunches ? 2 * g->caplaunches : 16;
    xg_abi_ocl_launch *v = arena_alloc(g->a, sizeof *v * (size_t)cap);
    if (g->nlaunches) memcpy(v, g->launches, sizeof *v * (size_t)g->nlaunches);
    g->launches = v, g->caplaunches = cap;
  }
  g->launches[g->nlaunches++] = *l;
}

/* "global const float *restrict x" and the like, for buffer b. */
static void param_decl(OclStr *o, const LoopBuf *b, const char *name, int write) {
  ocl_printf(o, "global %s%s *restrict %s", write ? "" : "const ", ocl_mem_type(b->elem), name);
}

/* The parameters of the kernel (into *args: memory objects) and, into
 * decls, the pointers into the arena and the private arrays. */
static int kernel_params(OclGen *g, OclStr *o, OclStr *decls, int32_t *args) {
  OclKernel *kc = g->kc;
  int nargs = 0, arena = 0, arena_write = 0;
  for (int i = 0; i < kc->nused; i++) {
    int id = kc->border[i];
    const LoopBuf *b = g->p->bufs[id];
    const char *name = kc->bname[id], *w = kc->bwrite[id] ? "" : "const ";
    switch (b->kind) {
    case LB_INPUT:
    case LB_OUTPUT:
    case LB_WEIGHT:
      if (nargs) ocl_puts(o, ", ");
      param_decl(o, b, name, kc->bwrite[id]);
      args[nargs++] = g->buf_mem[id];
      break;
    case LB_SCRATCH:
      arena = 1;
      arena_write |= kc->bwrite[id];
      ocl_printf(decls, "  global %s%s *%s = (global %s%s *)(arena + %lld);\n", w,
                 ocl_mem_type(b->elem), name, w, ocl_mem_type(b->elem), (long long)b->offset);
      break;
    case LB_STACK:
      if (kc->bdeclared[id]) break; /* a row buffer in local memory (rows.c) */
      ocl_printf(decls, "  %s %s[%lld];\n", b->elem == ELEM_F16 ? "float" : ocl_mem_type(b->elem),
                 name, (long long)b->elems);
      break;
    case LB_IMAGE: /* OpenCL 1.2: an image is read or written by a kernel, not both */
      if (kc->bread[id] && kc->bwrite[id])
        ocl_error(g, "kernel of '%s' reads and writes image %s", kc->k->name, b->name);
      ocl_printf(o, "%s%s image2d_t %s", nargs ? ", " : "",
                 kc->bwrite[id] ? "write_only" : "read_only", name);
      args[nargs++] = g->buf_mem[id];
      break;
    case LB_FUSED: /* computed where it is read (docs/fusion.md): the verifier allows no access */
      ocl_error(g, "kernel of '%s' accesses fused tensor %s", kc->k->name, b->name);
      break;
    case LB__COUNT: break;
    }
  }
  if (arena) {
    ocl_printf(o, "%sglobal %suchar *restrict arena", nargs ? ", " : "",
               arena_write ? "" : "const ");
    args[nargs++] = g->arena_mem;
  }
  if (kc->status) {
    ocl_printf(o, "%sglobal int *restrict status", nargs ? ", " : "");
    args[nargs++] = g->status_mem;
  }
  return nargs;
}

void ocl_kernel_end(OclGen *g, const char *name, int work_dim, const uint64_t *global,
                    const uint64_t *local) {
  OclKernel *kc = g->kc;
  xg_abi_ocl_launch l = {0};
  l.kernel = kernel_name(g, name);
  l.what = kc->k->name;
  l.once = kc->n ? kc->n->once : 0;
  l.work_dim = work_dim;
  for (int d = 0; d < work_dim && d < 3; d++) {
    l.global[d] = global[d];
    l.local[d] = local ? local[d] : 0;
  }
  int32_t *args = arena_alloc(g->a, sizeof *args * (size_t)(kc->nused + 3));
  OclStr decls = {0};
  ocl_printf(&g->src, "kernel %s%svoid %s(", kc->attr ? kc->attr : "", kc->attr ? " " : "",
             l.kernel);
  l.nargs = kernel_params(g, &g->src, &decls, args);
  l.args = args;
  ocl_puts(&g->src, ") {\n");
  ocl_puts(&g->src, ocl_text(&decls));
  ocl_puts(&g->src, ocl_text(&kc->body));
  ocl_puts(&g->src, "}\n\n");
  ocl_str_free(&decls);
  ocl_str_free(&kc->body);
  add_launch(g, &l);
  g->kc = NULL;
}

/* ------------------------------------------------------------- statements */

static void indent(OclStr *o, int depth) { ocl_printf(o, "%*s", 2 * depth, ""); }

static void emit_stmt(OclGen *g, const LoopStmt *s, int depth);

static void emit_block(OclGen *g, const LoopStmt *s, int depth) {
  for (int i = 0; i < s->body.n; i++) emit_stmt(g, s->body.items[i], depth);
}

static void emit_store(OclGen *g, OclStr *o, const LoopStmt *s) {
  const LoopBuf *b = g->p->bufs[s->buf];
  const char *name = ocl_buf(g, s->buf, 1);
  if (b->kind == LB_IMAGE) { /* a channel of the pixel; pixel_loop writes it */
    if (!g->kc->pixel) ocl_error(g, "an image store outside a pixel loop");
    ocl_printf(o, "%s[%s] = ", g->kc->pixel ? g->kc->pixel : "?", g->kc->vname[s->pc]);
    ocl_expr(g, o, s->value, 0);
    ocl_puts(o, ";\n");
    return;
  }
  if (b->elem == ELEM_F16 && b->kind != LB_STACK) {
    ocl_puts(o, "vstore_half(");
    ocl_expr(g, o, s->value, 0);
    ocl_puts(o, ", ");
    ocl_expr(g, o, s->addr, 0);
    ocl_printf(o, ", %s);\n", name);
    return;
  }
  ocl_printf(o, "%s[", name);
  ocl_expr(g, o, s->addr, 0);
  ocl_puts(o, "] = ");
  if (b->elem == ELEM_F16) { /* a private array of floats holding halves */
    ocl_printf(o, "%s(", ocl_helper(g, OH_HALF));
    ocl_expr(g, o, s->value, 0);
    ocl_puts(o, ");\n");
    return;
  }
  ocl_store_value(g, o, b->elem, s->value);
  ocl_puts(o, ";\n");
}

static void emit_assign(OclGen *g, OclStr *o, const LoopStmt *s) {
  const char *v = g->kc->vname[s->var];
  ElemType t = g->kc->n->vars[s->var].type;
  int is_i = t == ELEM_INT || t == ELEM_I32 || t == ELEM_I8;
  if (s->kind == LS_LET || s->red == RD_SUM || s->red == RD_MEAN || s->red == RD_PROD) {
    const char *op = s->kind == LS_LET ? "=" : s->red == RD_PROD ? "*=" : "+=";
    ocl_printf(o, "%s %s ", v, op);
    ocl_expr(g, o, s->value, 0);
    ocl_puts(o, ";\n");
    return;
  }
  int mx = s->red == RD_MAX;
  OclHelper h = is_i                  ? (mx ? OH_MAXL : OH_MINL)
                : t == ELEM_FLOAT     ? (mx ? OH_MAXD : OH_MIND)
                                      : (mx ? OH_MAXF : OH_MINF);
  ocl_printf(o, "%s = %s(%s, ", v, ocl_helper(g, h), v);
  ocl_expr(g, o, s->value, 0);
  ocl_puts(o, ");\n");
}

/* The store to an image whose channel is loop variable var, in s. */
static const LoopStmt *pixel_store(const OclGen *g, const LoopStmt *s, int var) {
  if (s->kind == LS_STORE)
    return g->p->bufs[s->buf]->kind == LB_IMAGE && s->pc == var ? s : NULL;
  for (int i = 0; i < s->body.n; i++) {
    const LoopStmt *t = pixel_store(g, s->body.items[i], var);
    if (t) return t;
  }
  return NULL;
}

static int mentions(const LoopExpr *e, int var) {
  if (e->kind == LE_VAR && e->var == var) return 1;
  for (int i = 0; i < e->nargs; i++)
    if (mentions(e->args[i], var)) return 1;
  return e->guard && mentions(e->guard, var);
}

/* "(int2)(x, y)" */
static void put_coords(OclGen *g, OclStr *o, const LoopExpr *x, const LoopExpr *y) {
  int wide = ocl_val(g, x).t != CT_INT || ocl_val(g, y).t != CT_INT;
  ocl_puts(o, wide ? "(int2)((int)" : "(int2)(");
  ocl_expr(g, o, x, wide ? 7 : 0);
  ocl_puts(o, wide ? ", (int)" : ", ");
  ocl_expr(g, o, y, wide ? 7 : 0);
  ocl_puts(o, ")");
}

void ocl_image_coords(OclGen *g, OclStr *o, const LoopExpr *x, const LoopExpr *y) {
  put_coords(g, o, x, y);
}

/* The pixel loop of a statement writing an image: its four channels into
 * a private float[4], then one write_imagef of the pixel. */
static void emit_pixel_loop(OclGen *g, const LoopStmt *s, const LoopStmt *st, int depth) {
  OclKernel *kc = g->kc;
  OclStr *o = &kc->body;
  const char *px = ocl_name(g, "px"), *v = kc->vname[s->var];
  ocl_printf(o, "float %s[4] = {0.0f, 0.0f, 0.0f, 0.0f};\n", px);
  indent(o, depth);
  ocl_printf(o, "for (int %s = 0; %s < 4; %s++) {\n", v, v, v);
  const char *outer = kc->pixel;
  kc->pixel = px;
  emit_block(g, s, depth + 1);
  kc->pixel = outer;
  indent(o, depth);
  ocl_puts(o, "}\n");
  if (mentions(st->addr, s->var) || mentions(st->py, s->var))
    ocl_error(g, "the pixel of an image store depends on its channel");
  indent(o, depth);
  ocl_printf(o, "write_imagef(%s, ", ocl_buf(g, st->buf, 1));
  put_coords(g, o, st->addr, st->py);
  ocl_printf(o, ", vload4(0, %s));\n", px);
}

static void emit_stmt(OclGen *g, const LoopStmt *s, int depth) {
  OclStr *o = &g->kc->body;
  indent(o, depth);
  const LoopStmt *st;
  switch (s->kind) {
  case LS_LOOP: {
    if (s->loop == LOOP_UNROLL && s->lo == 0 && s->hi == 4 && (st = pixel_store(g, s, s->var))) {
      emit_pixel_loop(g, s, st, depth);
      return;
    }
    const char *v = g->kc->vname[s->var];
    ocl_printf(o, "for (%s %s = %lld; %s < %lld; %s++) {\n",
               ocl_ctype_name(g->kc->vrange[s->var].t), v, (long long)s->lo, v, (long long)s->hi,
               v);
    emit_block(g, s, depth + 1);
    indent(o, depth);
    ocl_puts(o, "}\n");
    return;
  }
  case LS_STORE: emit_store(g, o, s); return;
  case LS_LET:
  case LS_ACCUM: emit_assign(g, o, s); return;
  case LS_IF:
    ocl_puts(o, "if (");
    ocl_expr(g, o, s->value, 0);
    ocl_puts(o, ") {\n");
    emit_block(g, s, depth + 1);
    indent(o, depth);
    ocl_puts(o, "}\n");
    return;
  case LS__COUNT: break;
  }
  ocl_error(g, "statement kind %d", (int)s->kind);
}

void ocl_emit_stmt(OclGen *g, const LoopStmt *s, int depth) { emit_stmt(g, s, depth); }

/* ------------------------------------------------------------------ nests */

/* The registers (variables that are not loop indices), declared at the
 * top of the kernel, by type. */
static void declare_registers(OclGen *g, const unsigned char *is_index) {
  OclKernel *kc = g->kc;
  static const OclCType order[] = {CT_FLOAT, CT_DOUBLE, CT_LONG, CT_INT};
  for (size_t t = 0; t < sizeof order / sizeof *order; t++) {
    int n = 0;
    for (int v = 0; v < kc->n->nvars; v++) {
      OclCType ct = ocl_ctype_of(kc->n->vars[v].type);
      if (ct == CT_BOOL) ct = CT_INT;
      if (is_index[v] || ct != order[t]) continue;
      if (n++) ocl_printf(&kc->body, ", %s", kc->vname[v]);
      else ocl_printf(&kc->body, "  %s %s", ocl_ctype_name(ct), kc->vname[v]);
    }
    if (n) ocl_puts(&kc->body, ";\n");
  }
}

static void mark_indices(const LoopStmt *s, unsigned char *is_index) {
  if (s->kind == LS_LOOP) is_index[s->var] = 1;
  for (int i = 0; i < s->body.n; i++) mark_indices(s->body.items[i], is_index);
}

/* The kernel function's name: k<kernel>_<nest>_<target>. */
const char *ocl_nest_kernel_name(OclGen *g, const LoopKernel *k, int nest) {
  if (k->nnests == 1) return arena_printf(g->a, "k%d_%s", k->id, k->nests[nest]->name);
  return arena_printf(g->a, "k%d_%d_%s", k->id, nest, k->nests[nest]->name);
}

void ocl_emit_nest(OclGen *g, const LoopKernel *k, int nest) {
  OclKernel kc;
  ocl_kernel_begin(g, &kc, k, nest);
  const LoopNest *n = kc.n;
  const LoopStmt *grid[LOOP_GPU_DIMS], *s = n->loop;
  int nd = 0;
  while (nd < LOOP_GPU_DIMS && s->kind == LS_LOOP && s->loop == LOOP_PARALLEL) {
    grid[nd++] = s;
    const LoopStmt *c = s->body.n == 1 ? s->body.items[0] : NULL;
    if (!c || c->kind != LS_LOOP || c->loop != LOOP_PARALLEL) break;
    s = c;
  }
  uint64_t global[3] = {1, 1, 1};
  OclStr guard = {0};
  int vec = nd && ocl_vec_ok(g, grid[nd - 1]); /* four elements a work-item */
  const char *q = NULL;
  for (int i = 0; i < nd; i++) {
    int dim = nd - 1 - i;
    const LoopStmt *l = grid[i];
    int64_t iters = l->hi - l->lo, lo = l->lo;
    const char *v = kc.vname[l->var];
    const char *t = ocl_ctype_name(kc.vrange[l->var].t);
    if (vec && dim == 0) { /* q: the vector of elements 4*q .. 4*q + 3 */
      v = q = ocl_name(g, arena_printf(g->a, "%s_q", v));
      iters = (iters + 3) / 4, lo = 0, t = "int";
    }
    global[dim] = ocl_global_size(iters, dim);
    ocl_printf(&kc.body, "  const %s %s = (%s)get_global_id(%d)", t, v, t, dim);
    if (lo) ocl_printf(&kc.body, " + %lld", (long long)lo);
    ocl_puts(&kc.body, ";\n");
    if (global[dim] > (uint64_t)iters)
      ocl_printf(&guard, "%s%s >= %lld", guard.n ? " || " : "", v, (long long)(lo + iters));
  }
  if (guard.n) ocl_printf(&kc.body, "  if (%s) return;\n", ocl_text(&guard));
  ocl_str_free(&guard);
  unsigned char *is_index = arena_alloc(g->a, (size_t)n->nvars + 1);
  mark_indices(n->loop, is_index);
  declare_registers(g, is_index);
  if (vec) ocl_vec_body(g, grid[nd - 1], q);
  else if (nd) emit_block(g, grid[nd - 1], 1);
  else emit_stmt(g, n->loop, 1);
  ocl_kernel_end(g, ocl_nest_kernel_name(g, k, nest), nd ? nd : 1, global, NULL);
}
