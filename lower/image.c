/* lower/image.c -- the image layout of GPU targets (docs/opencl.md): a 4-D
 * f32 tensor [N, C, H, W] as an image of W*ceil(C/4) x N*H pixels of four
 * floats, element (n, c, h, w) being channel c%4 of pixel
 * (w + W*(c/4), h + H*n).  Which tensors live there, the coordinates of
 * reads, the nests that write whole pixels (the four channels of a pixel
 * by one work-item: an image is written a pixel at a time), and the
 * `once` nests that copy weights into images. */
#include "lower/lower_int.h"

/* Can b live in an image on target t?  Sets the image's size. */
static int eligible(const LowerTarget *t, const LoopBuf *b, int64_t *w, int64_t *h) {
  if (!t->gpu || !t->images || b->elem != ELEM_F32 || b->rank != 4) return 0;
  *w = b->shape[3] * ((b->shape[1] + 3) / 4);
  *h = b->shape[0] * b->shape[2];
  return *w <= t->image_max && *h <= t->image_max;
}

static void to_image(const LowerTarget *t, LoopBuf *b) {
  int64_t w, h;
  if (b->kind != LB_SCRATCH || b->persistent || !eligible(t, b, &w, &h)) return;
  b->kind = LB_IMAGE;
  b->img_w = w, b->img_h = h;
}

/* ------------------------------------------------------------ coordinates */

static const Dim *dc(LowerCtx *L, int64_t v) { return dim_const(L->dc, v); }

int image_coords(LowerCtx *L, const LoopBuf *b, const Dim *const *sub, int flat,
                 LoopExpr **out) {
  DimCtx *d = L->dc;
  const int64_t *S = b->shape;
  const Dim *n = sub[0], *c = sub[1], *h = sub[2], *w = sub[3];
  if (flat) { /* f = ((n*C + c)*H + h)*W + w */
    const Dim *f = sub[0];
    w = dim_mod(d, f, dc(L, S[3]));
    h = dim_mod(d, dim_div(d, f, dc(L, S[3])), dc(L, S[2]));
    c = dim_mod(d, dim_div(d, f, dc(L, S[3] * S[2])), dc(L, S[1]));
    n = dim_div(d, f, dc(L, S[3] * S[2] * S[1]));
  }
  const Dim *x = dim_add(d, w, dim_mul(d, dc(L, S[3]), dim_div(d, c, dc(L, 4))));
  const Dim *y = dim_add(d, h, dim_mul(d, dc(L, S[2]), n));
  out[0] = lw_dim_loop(L, x);
  out[1] = lw_dim_loop(L, y);
  out[2] = lw_dim_loop(L, dim_mod(d, c, dc(L, 4)));
  return out[0] && out[1] && out[2];
}

/* x op k for a non-negative x (in range where it is evaluated). */
static LoopExpr *nn_op(LowerCtx *L, AstOp op, LoopExpr *x, int64_t k) {
  LoopExpr *e = le_binary(L->a, op, ELEM_INT, x, le_int(L->a, k));
  if (e->kind == LE_BINARY && (op == OP_DIV || op == OP_MOD)) e->nonneg = 1;
  return e;
}

void image_coords_e(LowerCtx *L, const LoopBuf *b, LoopExpr *const *sub, int flat,
                    LoopExpr **out) {
  const int64_t *S = b->shape;
  LoopExpr *n = sub[0], *c = sub[1], *h = sub[2], *w = sub[3];
  if (flat) {
    LoopExpr *f = sub[0];
    w = nn_op(L, OP_MOD, f, S[3]);
    h = nn_op(L, OP_MOD, nn_op(L, OP_DIV, f, S[3]), S[2]);
    c = nn_op(L, OP_MOD, nn_op(L, OP_DIV, f, S[3] * S[2]), S[1]);
    n = nn_op(L, OP_DIV, f, S[3] * S[2] * S[1]);
  }
  out[0] = le_binary(L->a, OP_ADD, ELEM_INT, w, nn_op(L, OP_MUL, nn_op(L, OP_DIV, c, 4), S[3]));
  out[1] = le_binary(L->a, OP_ADD, ELEM_INT, h, nn_op(L, OP_MUL, n, S[2]));
  out[2] = nn_op(L, OP_MOD, c, 4);
}

void image_fact(LowerCtx *L, const Dim *d, int64_t hi) {
  if (L->nfacts == LOWER_MAX_FACTS) return; /* a fact less: checks stay */
  L->fact[L->nfacts] = d;
  L->fact_hi[L->nfacts++] = hi;
}

/* Does e read an image tensor with node index ix as its channel subscript? */
static int reads_channel(LowerCtx *L, const IrExpr *e, int ix) {
  if (!e) return 0;
  if (e->kind == IE_READ && !e->flat && e->nargs == 4 && e->args[1]->kind == IE_INDEX &&
      e->args[1]->index == ix && L->p->bufs[lower_buf_of(L, e->tensor)]->kind == LB_IMAGE)
    return 1;
  for (int i = 0; i < e->nargs; i++)
    if (reads_channel(L, e->args[i], ix)) return 1;
  return reads_channel(L, e->dflt, ix);
}

int image_split_reduction(LowerCtx *L, const IrExpr *body, int ix) {
  return L->t->gpu && L->t->images && reads_channel(L, body, ix);
}

/* ----------------------------------------------------------------- stores */

/* img@(w + W*cq, h + H*n, cl) = value: channel cl of the pixel of element
 * (n, 4*cq + cl, h, w). */
static LoopStmt *image_store(LowerCtx *L, int buf, const Dim *const *nqhw, int cl,
                             LoopExpr *value) {
  DimCtx *d = L->dc;
  const int64_t *S = L->p->bufs[buf]->shape;
  LoopExpr *x = lw_dim_loop(L, dim_add(d, nqhw[3], dim_mul(d, dc(L, S[3]), nqhw[1])));
  LoopExpr *y = lw_dim_loop(L, dim_add(d, nqhw[2], dim_mul(d, dc(L, S[2]), nqhw[0])));
  if (!x || !y) return NULL;
  LoopStmt *s = ls_store(L->a, buf, x, value);
  s->py = y;
  s->pc = cl;
  return s;
}

/* The pixel loop `for ch in [0, 4) unroll` under `parent` (the grid's
 * innermost loop, or NULL: the loop is the nest's root), with c = 4*cq +
 * ch bound for index ix and, when C is not a multiple of 4, the
 * statements under `if c < C`.  Returns where the pixel's statements go;
 * *loop gets the pixel loop. */
static LoopStmt *pixel_loop(LowerCtx *L, LoopStmt *parent, int ix, const Dim *cq, int64_t C,
                            int *cl, LoopStmt **loop) {
  *cl = nest_var(L, "ch", ELEM_INT, 0, 4);
  *loop = ls_loop(L->a, *cl, 0, 4, LOOP_UNROLL, 0);
  if (parent) ls_push(L->a, parent, *loop);
  const Dim *c = dim_add(L->dc, dim_mul(L->dc, dc(L, 4), cq), nest_var_dim(L, *cl));
  if (ix >= 0) L->nb->env[ix] = c;
  if (C % 4 == 0) return *loop;
  LoopExpr *cond = le_binary(L->a, OP_LT, ELEM_BOOL, lw_dim_loop(L, c), le_int(L->a, C));
  LoopStmt *guard = ls_if(L->a, cond);
  ls_push(L->a, *loop, guard);
  return guard;
}

LoopNest *image_stmt_nest(LowerCtx *L, const IrStmt *s) {
  int buf = lower_buf_of(L, s->target);
  const int64_t *S = L->p->bufs[buf]->shape;
  NestB nb;
  nest_begin(L, &nb);
  int64_t ext[4] = {S[0], (S[1] + 3) / 4, S[2], S[3]};
  LoopStmt *inner, *root = nest_gpu_grid(L, s->lhs, ext, 4, &inner), *loop;
  const Dim *nqhw[4];
  for (int i = 0; i < 4; i++) nqhw[i] = L->nb->env[s->lhs[i]];
  int cl;
  LoopStmt *body = pixel_loop(L, inner, s->lhs[1], nqhw[1], S[1], &cl, &loop);
  if (!root) root = loop;
  int facts = L->nfacts;
  if (S[1] % 4) /* under `if c < C`: reads at c need no upper check */
    image_fact(L, L->nb->env[s->lhs[1]], S[1] - 1);
  LoopExpr *v = lw_value(L, s->rhs, body, -1);
  L->nfacts = facts;
  LoopStmt *st = v ? image_store(L, buf, nqhw, cl, v) : NULL;
  if (!st) {
    L->nb = NULL;
    return NULL;
  }
  ls_push(L->a, body, st);
  LoopNest *n = nest_end(L, s->target->name, root, lower_stmt_flops(L->node, s));
  n->stmt = s;
  return n;
}

/* ----------------------------------------------------------------- weights */

/* A `once` nest of kernel k copying weight buffer w into image buffer img. */
static int copy_nest(LowerCtx *L, LoopKernel *k, const LoopBuf *w, int img) {
  const int64_t *S = w->shape;
  int64_t C4 = (S[1] + 3) / 4;
  NestB nb;
  nest_begin(L, &nb);
  int vp = nest_var(L, "p", ELEM_INT, 0, S[0] * C4), vh = nest_var(L, "h", ELEM_INT, 0, S[2]);
  int vw = nest_var(L, "w", ELEM_INT, 0, S[3]);
  LoopStmt *root = ls_loop(L->a, vp, 0, S[0] * C4, LOOP_PARALLEL, 0);
  LoopStmt *lh = ls_loop(L->a, vh, 0, S[2], LOOP_PARALLEL, 0);
  LoopStmt *lw = ls_loop(L->a, vw, 0, S[3], LOOP_PARALLEL, 0), *loop;
  ls_push(L->a, root, lh);
  ls_push(L->a, lh, lw);
  const Dim *p = nest_var_dim(L, vp);
  const Dim *nqhw[4] = {dim_div(L->dc, p, dc(L, C4)), dim_mod(L->dc, p, dc(L, C4)),
                        nest_var_dim(L, vh), nest_var_dim(L, vw)};
  int cl;
  LoopStmt *body = pixel_loop(L, lw, -1, nqhw[1], S[1], &cl, &loop);
  const Dim *c = dim_add(L->dc, dim_mul(L->dc, dc(L, 4), nqhw[1]), nest_var_dim(L, cl));
  const Dim *off = dim_add(L->dc, dim_mul(L->dc, nqhw[0], dc(L, S[1])), c);
  off = dim_add(L->dc, dim_mul(L->dc, off, dc(L, S[2])), nqhw[2]);
  off = dim_add(L->dc, dim_mul(L->dc, off, dc(L, S[3])), nqhw[3]);
  LoopExpr *o = lw_dim_loop(L, off);
  LoopStmt *st = o ? image_store(L, img, nqhw, cl, le_load(L->a, w->id, ELEM_F32, o)) : NULL;
  if (!st) {
    L->nb = NULL;
    return 0;
  }
  ls_push(L->a, body, st);
  LoopNest *n = nest_end(L, L->p->bufs[img]->name, root, 0);
  n->once = 1;
  nest_add(L, k, n);
  return 1;
}

/* Weight t (read by the node) into an image of its own, once. */
static void image_weight(LowerCtx *L, LoopKernel *k, const IrTensor *t) {
  const LoopBuf *w = L->p->bufs[L->tensor_buf[t->id]];
  int64_t iw, ih;
  if (w->kind != LB_WEIGHT || !eligible(L->t, w, &iw, &ih)) return;
  int id = lower_new_buf(L, arena_printf(L->a, "%s.image", w->name), LB_IMAGE, ELEM_F32, w->elems);
  LoopBuf *b = L->p->bufs[id];
  b->rank = 4, b->shape = w->shape, b->tensor = t;
  b->img_w = iw, b->img_h = ih;
  b->persistent = 1;
  if (copy_nest(L, k, w, id)) L->tensor_buf[t->id] = id;
}

void image_node(LowerCtx *L, LoopKernel *k, int fused) {
  const IrNode *n = L->node;
  if (!L->t->gpu || !L->t->images) return;
  for (int i = 0; i < n->ninputs; i++)
    if (n->inputs[i]->kind == IR_WEIGHT) image_weight(L, k, n->inputs[i]);
  if (fused) return; /* a fused nest writes rows, not pixels */
  for (int i = 0; i < n->noutputs; i++) to_image(L->t, L->p->bufs[lower_buf_of(L, n->outputs[i])]);
  for (int i = 0; i < n->nlocals; i++) to_image(L->t, L->p->bufs[L->local_buf[i]]);
}
