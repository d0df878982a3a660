/* lower/print.c -- the text form of the loop IR (`xgc --emit=loops`);
 * stable, for golden tests.  docs/cpu.md describes it:
 *
 *   program mlp: 4 kernels, 4 nests, 402944 flops, scratch 2048 bytes
 *     buffer h.1: f32[1, 256] scratch @0 (1024 bytes, kernels 0..1)
 *   kernel 0: h.1 = nn.matmul(x, w1) : many-to-many (401408 flops)
 *     nest h.1
 *       for n in [0, 256) vector(8):
 *         acc = 0.0
 *         for k in [0, 784):
 *           acc += x[k] * w1[256*k + n]
 *         h.1[n] = acc
 *
 * Offsets are element offsets into the named buffer; integer * / % print
 * without spaces; a read that may be out of range and has no ?? prints as
 * checked(x[off], condition).  Float constants print as fmt_float does
 * (lang/fmt.c), as in the other dumps. */
#include "lower/lower_int.h"

typedef struct Pr {
  FILE *out;
  const LoopProgram *p;
  const LoopNest *n;
} Pr;

static int op_prec(AstOp op) {
  switch (op) {
  case OP_OR: return 1;
  case OP_AND: return 2;
  case OP_EQ:
  case OP_NE: return 3;
  case OP_LT:
  case OP_LE:
  case OP_GT:
  case OP_GE: return 4;
  case OP_ADD:
  case OP_SUB: return 5;
  case OP_MUL:
  case OP_DIV:
  case OP_MOD: return 6;
  case OP_NEG:
  case OP_NOT: return 7;
  case OP__COUNT: break;
  }
  return 8;
}

static int prec(const LoopExpr *e) {
  switch (e->kind) {
  case LE_UNARY: return 7;
  case LE_BINARY: return op_prec(e->op);
  case LE_SELECT: return 0;
  case LE_CONST: return e->type != ELEM_INT || e->i >= 0 ? 8 : 7;
  case LE_VAR:
  case LE_LOAD:
  case LE_CALL:
  case LE_CAST:
  case LE__COUNT: break;
  }
  return 8;
}

static void expr(Pr *p, const LoopExpr *e, int min);

static const char *const builtin_names[] = {
#define X(id, s, n, k) s,
    XG_BUILTINS(X)
#undef X
};
_Static_assert(sizeof builtin_names / sizeof *builtin_names == BI__COUNT, "built-in names");

static void args(Pr *p, const LoopExpr *e) {
  for (int i = 0; i < e->nargs; i++) {
    if (i) fputs(", ", p->out);
    expr(p, e->args[i], 0);
  }
}

static void put_const(Pr *p, const LoopExpr *e) {
  if (e->type == ELEM_BOOL) fputs(e->i ? "true" : "false", p->out);
  else if (e->type == ELEM_F32 || e->type == ELEM_F16 || e->type == ELEM_FLOAT)
    fmt_put_float(p->out, e->f);
  else fprintf(p->out, "%lld", (long long)e->i);
}

/* "x.1@(x, y, c)": the pixel and the channel of an image; "x[off]" */
static void put_access(Pr *p, int buf, LoopExpr *const *args, int n) {
  fprintf(p->out, "%s%s", p->p->bufs[buf]->name, n == 3 ? "@(" : "[");
  for (int i = 0; i < n; i++) {
    if (i) fputs(", ", p->out);
    expr(p, args[i], 0);
  }
  fputs(n == 3 ? ")" : "]", p->out);
}

static void put_load(Pr *p, const LoopExpr *e) {
  if (e->guard) fputs("checked(", p->out);
  put_access(p, e->buf, e->args, e->nargs);
  if (!e->guard) return;
  fputs(", ", p->out);
  expr(p, e->guard, 0);
  fputs(")", p->out);
}

static void put_binary(Pr *p, const LoopExpr *e, int pr) {
  int tight = e->type == ELEM_INT && (e->op == OP_MUL || e->op == OP_DIV || e->op == OP_MOD);
  expr(p, e->args[0], pr);
  fprintf(p->out, tight ? "%s" : " %s ", ast_op_name(e->op));
  expr(p, e->args[1], pr + 1);
}

static void expr_kind(Pr *p, const LoopExpr *e, int pr) {
  switch (e->kind) {
  case LE_CONST: put_const(p, e); return;
  case LE_VAR: fputs(p->n->vars[e->var].name, p->out); return;
  case LE_LOAD: put_load(p, e); return;
  case LE_UNARY:
    fputs(ast_op_name(e->op), p->out);
    expr(p, e->args[0], pr);
    return;
  case LE_BINARY: put_binary(p, e, pr); return;
  case LE_CALL:
    fprintf(p->out, "%s(", builtin_names[e->builtin]);
    args(p, e);
    fputs(")", p->out);
    return;
  case LE_SELECT:
    expr(p, e->args[0], 1);
    fputs(" ? ", p->out);
    expr(p, e->args[1], 1);
    fputs(" : ", p->out);
    expr(p, e->args[2], 0);
    return;
  case LE_CAST:
    fprintf(p->out, "%s(", elem_type_name(e->type));
    expr(p, e->args[0], 0);
    fputs(")", p->out);
    return;
  case LE__COUNT: return;
  }
}

static void expr(Pr *p, const LoopExpr *e, int min) {
  int pr = prec(e), paren = pr < min;
  if (paren) fputs("(", p->out);
  expr_kind(p, e, pr);
  if (paren) fputs(")", p->out);
}

void loop_print_expr(FILE *out, const LoopNest *n, const LoopProgram *prog, const LoopExpr *e) {
  Pr p = {out, prog, n};
  expr(&p, e, 0);
}

/* ------------------------------------------------------------- statements */

static void indent(Pr *p, int depth) { fprintf(p->out, "%*s", 2 * depth, ""); }

static void stmt(Pr *p, const LoopStmt *s, int depth) {
  indent(p, depth);
  const char *v = s->kind != LS_STORE && s->kind != LS_IF ? p->n->vars[s->var].name : "";
  switch (s->kind) {
  case LS_LOOP:
    fprintf(p->out, "for %s in [%lld, %lld)", v, (long long)s->lo, (long long)s->hi);
    if (s->loop == LOOP_VECTOR) fprintf(p->out, " vector(%d)", s->lanes);
    else if (s->loop != LOOP_SERIAL) fprintf(p->out, " %s", loop_kind_name(s->loop));
    fputs(":\n", p->out);
    for (int i = 0; i < s->body.n; i++) stmt(p, s->body.items[i], depth + 1);
    return;
  case LS_STORE:
    if (p->p->bufs[s->buf]->kind == LB_IMAGE) {
      LoopExpr pc = {.kind = LE_VAR, .type = ELEM_INT, .var = s->pc};
      LoopExpr *xy[3] = {s->addr, s->py, &pc};
      put_access(p, s->buf, xy, 3);
    } else {
      put_access(p, s->buf, &s->addr, 1);
    }
    fputs(" = ", p->out);
    break;
  case LS_LET: fprintf(p->out, "%s = ", v); break;
  case LS_ACCUM:
    if (s->red == RD_SUM || s->red == RD_MEAN) fprintf(p->out, "%s += ", v);
    else if (s->red == RD_PROD) fprintf(p->out, "%s *= ", v);
    else {
      fprintf(p->out, "%s = %s(%s, ", v, s->red == RD_MAX ? "max" : "min", v);
      expr(p, s->value, 0);
      fputs(")\n", p->out);
      return;
    }
    break;
  case LS_IF:
    fputs("if ", p->out);
    expr(p, s->value, 0);
    fputs(":\n", p->out);
    for (int i = 0; i < s->body.n; i++) stmt(p, s->body.items[i], depth + 1);
    return;
  case LS__COUNT: return;
  }
  expr(p, s->value, 0);
  fputs("\n", p->out);
}

/* ---------------------------------------------------------------- program */

static void put_shape(FILE *out, const LoopBuf *b) {
  fprintf(out, "%s[", elem_type_name(b->elem));
  for (int i = 0; i < b->rank; i++) fprintf(out, "%s%lld", i ? ", " : "", (long long)b->shape[i]);
  fputs("]", out);
}

static void put_buf(FILE *out, const LoopBuf *b) {
  fprintf(out, "  buffer %s: ", b->name);
  put_shape(out, b);
  fprintf(out, " %s", loop_buf_kind_name(b->kind));
  if (b->kind == LB_IMAGE)
    fprintf(out, " %lld x %lld", (long long)b->img_w, (long long)b->img_h);
  if (b->kind == LB_IMAGE && b->persistent)
    fputs(" (persistent)", out);
  else if (b->kind == LB_IMAGE)
    fprintf(out, " (kernels %d..%d)", b->first, b->last);
  else if (b->kind == LB_SCRATCH && b->persistent)
    fprintf(out, " @%lld (%lld bytes, persistent)", (long long)b->offset, (long long)b->bytes);
  else if (b->kind == LB_SCRATCH)
    fprintf(out, " @%lld (%lld bytes, kernels %d..%d)", (long long)b->offset, (long long)b->bytes,
            b->first, b->last);
  else if (b->kind != LB_STACK && b->kind != LB_IMAGE && b->kind != LB_FUSED)
    fprintf(out, " %d", b->index);
  fputs("\n", out);
}

static void put_names(FILE *out, IrTensor *const *ts, int n) {
  for (int i = 0; i < n; i++) fprintf(out, "%s%s", i ? ", " : "", ts[i]->name);
}

/* "kernel 0: y = nn.relu6(y.1) : one-to-one (... flops)", and for a fusion
 * group its other nodes, computed in place, on the lines after. */
static void put_node(FILE *out, const IrNode *n) {
  put_names(out, n->outputs, n->noutputs);
  fprintf(out, " = %s(", n->op);
  put_names(out, n->inputs, n->ninputs);
  fprintf(out, ") : %s", ir_map_name(n->map));
}

static void put_kernel(FILE *out, const LoopProgram *p, const LoopKernel *k) {
  fprintf(out, "kernel %d: ", k->id);
  put_node(out, k->nodes[k->nnodes - 1]);
  if (k->nnodes > 1) fprintf(out, ", group %s", ir_map_name(k->map));
  fprintf(out, " (%.0f flops)\n", k->flops);
  for (int i = 0; i + 1 < k->nnodes; i++) {
    fputs("  fused ", out);
    put_node(out, k->nodes[i]);
    fputs(k->nodes[i] == k->anchor ? " (anchor: its stores go through the epilogue)\n" : "\n",
          out);
  }
  for (int i = 0; i < k->nnests; i++) {
    Pr pr = {out, p, k->nests[i]};
    fprintf(out, "  nest %s%s\n", k->nests[i]->name, k->nests[i]->once ? " once" : "");
    stmt(&pr, k->nests[i]->loop, 2);
  }
}

void loop_print(FILE *out, const LoopProgram *p) {
  int nests = 0;
  for (int i = 0; i < p->nkernels; i++) nests += p->kernels[i]->nnests;
  fprintf(out, "program %s: %d kernel%s, %d nest%s, %.0f flops, scratch %lld bytes\n", p->name,
          p->nkernels, p->nkernels == 1 ? "" : "s", nests, nests == 1 ? "" : "s", p->flops,
          (long long)p->scratch_bytes);
  const LowerTarget *t = &p->target;
  if (t->gpu)
    fprintf(out, "  target %s: a GPU (parallel loops are the NDRange, no vector loops)\n", t->cpu);
  else
    fprintf(out,
          "  target %s: %d-bit vectors, %d registers%s, L1 %lld KiB, L2 %lld KiB, L3 %lld KiB\n",
          t->cpu, t->vector_bits, t->vector_regs, t->fma ? ", fma" : "", (long long)(t->l1 >> 10),
          (long long)(t->l2 >> 10), (long long)(t->l3 >> 10));
  for (int i = 0; i < p->nbufs; i++) put_buf(out, p->bufs[i]);
  for (int i = 0; i < p->nkernels; i++) put_kernel(out, p, p->kernels[i]);
}
