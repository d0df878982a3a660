/* test_sema.c -- CUnit tests of sema/: the dimension algebra (through a
 * tiny dim-expression reader below) and, from source snippets, the exact
 * diagnostics of each semantic check and the silence on valid programs. */
#include "tests/unit/unit.h"
#include "sema/sema_int.h" /* sema_near_ */

#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

/* ------------------------------------------------------- dim test helpers */

static Arena ta;
static Interner tn;
static DimCtx dc;

static void dims_begin(void) {
  arena_init(&ta);
  intern_init(&tn, &ta);
  dim_ctx_init(&dc, &ta);
}

static void dims_end(void) {
  intern_free(&tn);
  arena_free(&ta);
}

/* A reader of dim expressions: sums, products, / %, unary -, parens,
 * integers and names; bindings "name=value" come from `binds`. */
typedef struct Rd {
  const char *p;
} Rd;

static const Dim *rd_sum(Rd *r);

static void rd_ws(Rd *r) {
  while (*r->p == ' ') r->p++;
}

static const Dim *rd_primary(Rd *r) {
  rd_ws(r);
  if (*r->p == '(') {
    r->p++;
    const Dim *d = rd_sum(r);
    rd_ws(r);
    CU_ASSERT_EQUAL_FATAL(*r->p, ')');
    r->p++;
    return d;
  }
  if (*r->p == '-') {
    r->p++;
    return dim_neg(&dc, rd_primary(r));
  }
  if (isdigit((unsigned char)*r->p)) {
    long long v = strtoll(r->p, (char **)&r->p, 10);
    return dim_const(&dc, v);
  }
  const char *s = r->p;
  while (isalnum((unsigned char)*r->p) || *r->p == '_') r->p++;
  CU_ASSERT_FATAL(r->p > s);
  return dim_sym(&dc, intern(&tn, s, (size_t)(r->p - s)));
}

static const Dim *rd_prod(Rd *r) {
  const Dim *d = rd_primary(r);
  for (;;) {
    rd_ws(r);
    char c = *r->p;
    if (c != '*' && c != '/' && c != '%') return d;
    r->p++;
    const Dim *e = rd_primary(r);
    d = c == '*' ? dim_mul(&dc, d, e) : c == '/' ? dim_div(&dc, d, e) : dim_mod(&dc, d, e);
  }
}

static const Dim *rd_sum(Rd *r) {
  const Dim *d = rd_prod(r);
  for (;;) {
    rd_ws(r);
    char c = *r->p;
    if (c != '+' && c != '-') return d;
    r->p++;
    const Dim *e = rd_prod(r);
    d = c == '+' ? dim_add(&dc, d, e) : dim_sub(&dc, d, e);
  }
}

static const Dim *D(const char *s) {
  Rd r = {s};
  const Dim *d = rd_sum(&r);
  rd_ws(&r);
  CU_ASSERT_EQUAL(*r.p, 0);
  return d;
}

/* Binds "a=1,b=H+1" (values read as dims) and substitutes into d. */
static const Dim *subst(const Dim *d, const char *binds) {
  DimBind b[16];
  int n = 0;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", binds);
  for (char *tok = strtok(buf, ","); tok && n < 16; tok = strtok(NULL, ",")) {
    char *eq = strchr(tok, '=');
    CU_ASSERT_PTR_NOT_NULL_FATAL(eq);
    *eq = 0;
    b[n].name = intern_cstr(&tn, tok);
    b[n].value = D(eq + 1);
    n++;
  }
  return dim_subst(&dc, d, b, n);
}

#define CHECK_STR(d, want)                                  \
  do {                                                      \
    const char *got_ = dim_str(&ta, (d));                   \
    if (strcmp(got_, (want)))                               \
      fprintf(stderr, "\n  got '%s', want '%s'\n", got_, (want)); \
    CU_ASSERT_STRING_EQUAL(got_, (want));                   \
  } while (0)

/* --------------------------------------------------------------- dim tests */

static void t_dim_basics(void) {
  dims_begin();
  CHECK_STR(D("0"), "0");
  CHECK_STR(D("2 + 3*4"), "14");
  CHECK_STR(D("H + 2"), "H + 2");
  CHECK_STR(D("2 + H"), "H + 2");
  CHECK_STR(D("H - H"), "0");
  CHECK_STR(D("W*H*C"), "C*H*W");
  CHECK_STR(D("C*H*W + 0"), "C*H*W");
  CHECK_STR(D("H*H"), "H*H");
  CHECK_STR(D("(H + 1)*(H - 1)"), "H*H - 1");
  CHECK_STR(D("2*pad + H - KH"), "H - KH + 2*pad");
  CHECK_STR(D("1 - H"), "-H + 1");
  CHECK_STR(D("-H"), "-H");
  CHECK_STR(D("N*2*M - M*N"), "M*N");
  CU_ASSERT(dim_equal(D("(A + B)*C"), D("C*B + A*C")));
  CU_ASSERT(!dim_equal(D("A*B"), D("A + B")));
  CU_ASSERT_STRING_EQUAL(dim_as_sym(D("K")), "K");
  CU_ASSERT_PTR_NULL(dim_as_sym(D("2*K")));
  CU_ASSERT_PTR_NULL(dim_as_sym(D("K + 1")));
  int64_t v = 0;
  CU_ASSERT(dim_is_const(D("7 - 9"), &v) && v == -2);
  CU_ASSERT(!dim_is_const(D("K"), &v));
  dims_end();
}

static void t_dim_division(void) {
  dims_begin();
  CHECK_STR(D("(56 + 2 - 3)/1 + 1"), "56");
  CHECK_STR(D("(2*H + 2)/2"), "H + 1");
  CHECK_STR(D("(H + 2)/2 + 1"), "H/2 + 2");
  CHECK_STR(D("(H - 1)/2 + 1"), "(H + 1)/2");
  CHECK_STR(D("(2*H + 2)/4"), "(H + 1)/2");
  CHECK_STR(D("(4*H + 6)/4"), "H + 1");
  CHECK_STR(D("(4*H + 7)/4"), "H + 1");
  CHECK_STR(D("(4*H + 8)/4"), "H + 2");
  CHECK_STR(D("7/2"), "3");
  CHECK_STR(D("-7/2"), "-4");
  CHECK_STR(D("7/-2"), "-4");
  CHECK_STR(D("-7%3"), "2");
  CHECK_STR(D("7%-3"), "-2");
  CHECK_STR(D("H/2/3"), "H/6");
  CHECK_STR(D("((H + 1)/2 + 1)/2"), "(H + 3)/4");
  CHECK_STR(D("H/N"), "H/N");
  CHECK_STR(D("(H + 1)/(N + 1)"), "(H + 1)/(N + 1)");
  CHECK_STR(D("2*(H/2)"), "2*(H/2)");
  CHECK_STR(D("-(H/2)"), "-(H/2)");
  CHECK_STR(D("(H/2)*W"), "W*(H/2)");
  CHECK_STR(D("0/N"), "0");
  CHECK_STR(D("(H*W)/1"), "H*W");
  CHECK_STR(D("H%1"), "0");
  CHECK_STR(D("(2*H + 5)%2"), "1");
  CHECK_STR(D("(2*H + 1)%4"), "2*(H%2) + 1");
  CHECK_STR(D("H%8%4"), "H%4");
  CHECK_STR(D("H%4%8"), "H%4%8");
  CHECK_STR(D("H%N"), "H%N");
  CU_ASSERT(dim_equal(D("(H - 1)/2 + 1"), D("(H + 1)/2")));
  dims_end();
}

static void t_dim_conv_shape(void) {
  dims_begin();
  const Dim *out = D("(H + 2*pad - KH)/stride + 1");
  CHECK_STR(out, "(H - KH + 2*pad)/stride + 1");
  CHECK_STR(subst(out, "pad=1,KH=3,stride=1"), "H");
  CHECK_STR(subst(out, "H=56,pad=1,KH=3,stride=1"), "56");
  CHECK_STR(subst(out, "H=224,pad=3,KH=7,stride=2"), "112");
  CHECK_STR(subst(out, "pad=1,KH=3,stride=2"), "(H + 1)/2");
  CHECK_STR(subst(out, "H=B*2,pad=0,KH=1,stride=1"), "2*B");
  /* a chain of stride-2 convolutions stays one division */
  const Dim *h = D("H");
  for (int i = 0; i < 3; i++) {
    DimBind b[4] = {{intern_cstr(&tn, "H"), h}, {intern_cstr(&tn, "pad"), D("1")},
                    {intern_cstr(&tn, "KH"), D("3")}, {intern_cstr(&tn, "stride"), D("2")}};
    h = dim_subst(&dc, out, b, 4);
  }
  CHECK_STR(h, "(H + 7)/8");
  CHECK_STR(subst(D("C*H*W"), "C=16,H=32,W=32"), "16384");
  CHECK_STR(subst(D("C*H*W"), "C=16"), "16*H*W");
  CHECK_STR(subst(D("H%N + N"), "N=4"), "H%4 + 4");
  dims_end();
}

static void t_dim_errors(void) {
  dims_begin();
  dc.err = DIM_OK;
  CU_ASSERT_PTR_NULL(D("H/0"));
  CU_ASSERT_EQUAL(dc.err, DIM_ERR_DIV_ZERO);
  dc.err = DIM_OK;
  CU_ASSERT_PTR_NULL(D("H%(N - N)"));
  CU_ASSERT_EQUAL(dc.err, DIM_ERR_DIV_ZERO);
  dc.err = DIM_OK;
  CU_ASSERT_PTR_NULL(subst(D("(H + 1)/stride"), "stride=0"));
  CU_ASSERT_EQUAL(dc.err, DIM_ERR_DIV_ZERO);
  dc.err = DIM_OK;
  CU_ASSERT_PTR_NULL(D("9223372036854775807 + 1"));
  CU_ASSERT_EQUAL(dc.err, DIM_ERR_OVERFLOW);
  dc.err = DIM_OK;
  CU_ASSERT_PTR_NULL(D("3037000500*3037000500*H"));
  CU_ASSERT_EQUAL(dc.err, DIM_ERR_OVERFLOW);
  dc.err = DIM_OK;
  const Dim *d = D("A + B + C + D + E + F + G + H");
  const Dim *p = d;
  for (int i = 0; i < 4 && p; i++) p = dim_mul(&dc, p, d);
  CU_ASSERT_PTR_NULL(p);
  CU_ASSERT_EQUAL(dc.err, DIM_ERR_TOO_BIG);
  CU_ASSERT_PTR_NULL(dim_add(&dc, NULL, D("1")));
  CU_ASSERT_STRING_EQUAL(dim_err_str(DIM_ERR_DIV_ZERO), "division by zero");
  dims_end();
}

static void t_dim_syms_order(void) {
  dims_begin();
  const char *s[8];
  int n = dim_syms(D("(W + KW)/S + H*W"), s, 8);
  CU_ASSERT_EQUAL(n, 4);
  if (n == 4) {
    CU_ASSERT_STRING_EQUAL(s[0], "H");
    CU_ASSERT_STRING_EQUAL(s[1], "W");
    CU_ASSERT_STRING_EQUAL(s[2], "KW");
    CU_ASSERT_STRING_EQUAL(s[3], "S");
  }
  CU_ASSERT_EQUAL(dim_syms(D("(W + KW)/S + H*W"), s, 2), 2);
  CU_ASSERT(dim_cmp(D("A"), D("B")) < 0);
  CU_ASSERT(dim_cmp(D("B"), D("A")) > 0);
  CU_ASSERT_EQUAL(dim_cmp(D("A*B + 1"), D("1 + B*A")), 0);
  /* printing round-trips through the reader */
  const char *exprs[] = {"(H + 1)/2", "2*(H/2) - 1", "-(H/2) + W", "(A + B)/(C*D)", "H%4 + 1",
                         "-H/N", "(H/N)*W"};
  for (size_t i = 0; i < sizeof exprs / sizeof *exprs; i++) {
    const Dim *d = D(exprs[i]);
    const char *p = dim_str(&ta, d);
    CU_ASSERT(dim_equal(D(p), d));
  }
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  dim_print(f, D("C*H*W + 2"));
  fclose(f);
  CU_ASSERT_STRING_EQUAL(buf, "C*H*W + 2");
  free(buf);
  dims_end();
}

/* ------------------------------------------------------- source helpers */

/* A test library module, importable as `tl` from a temporary directory. */
static const char tl_src[] =
    "op matmul(a: f32[M, K], b: f32[K, N]) -> (c: f32[M, N]) {\n"
    "  c[m, n] = sum(k) a[m, k] * b[k, n];\n"
    "}\n"
    "op relu(x: f32[S...]) -> (y: f32[S...]) {\n"
    "  y[i...] = max(x[i...], 0.0);\n"
    "}\n"
    "op conv2d(x: f32[N, C, H, W], w: f32[F, C, KH, KW], stride: int = 1, pad: int = 0)\n"
    "    -> (y: f32[N, F, (H + 2*pad - KH)/stride + 1, (W + 2*pad - KW)/stride + 1]) {\n"
    "  y[n, f, i, j] = sum(c, u, v) (x[n, c, i*stride + u - pad, j*stride + v - pad] ?? 0.0)\n"
    "                             * w[f, c, u, v];\n"
    "}\n"
    "op add(a: f32[S...], b: f32[T...]) -> (c: f32[S...]) {\n"
    "  c[i...] = a[i...] + b[i...];\n"
    "}\n"
    "op split2(x: f32[N, D]) -> (a: f32[N, D/2], b: f32[N, D - D/2]) {\n"
    "  a[n, d] = x[n, d];\n"
    "  b[n, d] = x[n, d + D/2];\n"
    "}\n"
    "op scale(x: f32[S...], alpha: float) -> (y: f32[S...]) {\n"
    "  y[i...] = alpha * x[i...];\n"
    "}\n"
    "op twice(x: f32[N, 2*N]) -> (y: f32[N]) {\n"
    "  y[i] = x[i, 2*i];\n"
    "}\n"
    "op softmax(x: f32[L..., D]) -> (y: f32[L..., D]) {\n"
    "  mx[l...] = max(d) x[l..., d];\n"
    "  e[l..., d] = exp(x[l..., d] - mx[l...]);\n"
    "  s[l...] = sum(d) e[l..., d];\n"
    "  y[l..., d] = e[l..., d] / s[l...];\n"
    "}\n"
    "op flatten(x: f32[N, C, H, W]) -> (y: f32[N, C*H*W]) {\n"
    "  y[n, j] = x.flat[n*C*H*W + j];\n"
    "}\n"
    "op embed(table: f32[V, D], ids: i32[T]) -> (y: f32[T, D]) {\n"
    "  y[t, d] = table[ids[t], d];\n"
    "}\n"
    "op reduce_sum(x: f32[L..., D]) -> (y: f32[L...]) {\n"
    "  y[l...] = sum(d) x[l..., d];\n"
    "}\n";

/* A module with an error in a body (its signature is fine). */
static const char tb_src[] =
    "import tl;\n"
    "op bad(x: f32[N]) -> (y: f32[N]) {\n"
    "  y[i] = x[i] + z;\n"
    "}\n";

static char tmpdir[64];

static void write_file(const char *name, const char *text) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}

static void remove_file(const char *name) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  unlink(path);
}

/* Loads and checks `src` as t.xg; sema runs only when it parsed cleanly. */
static Module *check_src(UnitFront *u, const char *src) {
  unit_front_init(u);
  u->f.diag.max_errors = 0;
  front_add_include(&u->f, tmpdir);
  u->f.stdlib_dir = tmpdir;
  Module *m = front_load_buffer(&u->f, "t.xg", src, strlen(src));
  CU_ASSERT_PTR_NOT_NULL(m);
  CU_ASSERT_EQUAL(u->f.diag.errors, 0); /* the snippet itself must parse */
  if (m && u->f.diag.errors == 0) sema_check(&u->f, m);
  return m;
}

/* The diagnostics of `src` contain `want`, with exactly `nerr` errors and
 * `nwarn` warnings. */
static void expect_diags(int line, const char *src, const char *want, int nerr, int nwarn) {
  UnitFront u;
  check_src(&u, src);
  const char *d = unit_diags(&u);
  int ok = (!want || strstr(d, want)) && u.f.diag.errors == nerr && u.f.diag.warnings == nwarn;
  if (!ok)
    fprintf(stderr, "\n  test_sema.c:%d: want \"%s\" with %d error(s), %d warning(s); got:\n%s",
            line, want ? want : "", nerr, nwarn, d);
  CU_ASSERT(ok);
  unit_front_free(&u);
}

#define CLEAN(src) expect_diags(__LINE__, src, NULL, 0, 0)
#define ERR(src, want) expect_diags(__LINE__, src, want, 1, 0)
#define ERRS(src, want, n) expect_diags(__LINE__, src, want, n, 0)
#define WARN(src, want) expect_diags(__LINE__, src, want, 0, 1)

/* ------------------------------------------------------------- op tests */

static void t_op_valid(void) {
  CLEAN("import tl;\n");
  CLEAN("op f(x: f32[N], n: int = 2) -> (y: f32[N + n]) {\n"
        "  y[i] = x[i - n] ?? 0.0;\n"
        "}\n");
  CLEAN("op f(x: f32[N, KH]) -> (y: f32[N]) {\n"
        "  y[i] = max(u < KH) x[i, u] ?? -inf;\n"
        "}\n");
  CLEAN("op f(x: f32[N], t: i32[N]) -> (y: f32[N], z: bool[N]) {\n"
        "  y[i] = t[i] > 0 && x[i] != 0.0 ? select(x[i] < 1.0, f32(i), 2) : -x[i] * 2;\n"
        "  z[i] = !(x[i] >= 0.0) || t[i] % 2 == 1;\n"
        "}\n");
  CLEAN("op f(x: f32[N], alpha: float = 0.5, n: int = -2 * 3, b: bool = true)\n"
        "    -> (y: f32[N]) {\n"
        "  y[i] = pow(abs(x[i]), alpha) + sqrt(2.0) + floor(1);\n"
        "}\n");
  CLEAN("op f(x: f32[]) -> (y: f32[]) {\n"
        "  y[] = x[] * 2.0;\n"
        "}\n");
  CLEAN("op f(x: f32[N, D]) -> (y: f32[N]) {\n"
        "  m[n] = mean(d) x[n, d];\n"
        "  y[n] = m[n] + (sum(d) x[n, d] * x[n, d]);\n"
        "}\n");
}

static void t_op_signature(void) {
  ERR("op f(x: f32[N], x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i];\n}\n",
      "t.xg:1:17: error: 'x' is already defined\n");
  ERR("op f(x: f32[N], x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i];\n}\n",
      "t.xg:1:6: note: 'x' was first defined here\n");
  ERR("op f(x: f32[N], a: float) -> (y: f32[N, a]) {\n  y[i, j] = x[i];\n}\n",
      "t.xg:1:41: error: attribute 'a' is float, but dimensions are integers\n");
  ERR("op f(x: f32[N]) -> (y: f32[M]) {\n  y[i] = 1.0;\n}\n",
      "t.xg:1:28: error: dimension 'M' is not bound by the parameters: it must stand alone as a "
      "dimension of a tensor parameter\n");
  ERR("op f(x: f32[N], a: int = 1.5) -> (y: f32[N]) {\n  y[i] = x[i];\n}\n",
      "error: the default of attribute 'a' is float, but the attribute is int\n");
  ERR("op f(x: f32[N], a: int = n) -> (y: f32[N]) {\n  y[i] = x[i];\n}\n",
      "error: the default of attribute 'a' must be a compile-time constant (literals and "
      "arithmetic on them), but 'n' is not\n");
  ERR("op f(x: f32[N, 2.5]) -> (y: f32[N]) {\n  y[i] = x[i, 0];\n}\n",
      "error: a dimension is an integer, not the float 2.5\n");
  ERR("op f(x: f32[N, N/0]) -> (y: f32[N]) {\n  y[i] = x[i, 0];\n}\n",
      "error: division by zero in the dimension 'N/0'\n");
  ERR("op f(x: f32[N, -1]) -> (y: f32[N]) {\n  y[i] = x[i, 0];\n}\n",
      "t.xg:1:16: error: dimension 2 of parameter 'x' must be positive, but it is -1\n");
  ERR("op f(x: f32[N, 0]) -> (y: f32[N]) {\n  y[i] = x[i, 0];\n}\n",
      "t.xg:1:16: error: dimension 2 of parameter 'x' must be positive, but it is 0\n");
  ERR("op f(x: f32[N]) -> (y: f32[N, 2 - 3]) {\n  y[i, j] = x[i];\n}\n",
      "t.xg:1:31: error: dimension 2 of result 'y' must be positive, but 2 - 3 is -1\n");
  /* a name bound by nothing is reported once, not again in the body */
  ERR("op f(x: f32[N]) -> (y: f32[N * factor]) {\n  y[i] = x[i / factor];\n}\n",
      "t.xg:1:32: error: dimension 'factor' is not bound by the parameters");
  ERR("op f(x: f32[N]) -> (y: f32[factor, factor + 1]) {\n"
      "  t[i] = factor + x[i];\n  y[i, j] = t[i] + factor[j] + x[factor];\n}\n",
      "t.xg:1:28: error: dimension 'factor' is not bound by the parameters");
  ERR("op f(x: f32[S..., T...]) -> (y: f32[S...]) {\n  y[i...] = 1.0;\n}\n",
      "error: a type can have at most one pack\n");
  ERR("op f(x: f32[S...]) -> (y: f32[T...]) {\n  y[i...] = 1.0;\n}\n",
      "error: the pack 'T...' of result 'y' does not appear in any parameter\n");
  ERR("op f(x: f32[x, N]) -> (y: f32[N]) {\n  y[i] = 1.0;\n}\n",
      "error: 'x' is a tensor, not a dimension\n");
}

static void t_op_indices(void) {
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[k];\n}\n",
      "t.xg:2:12: error: index 'k' is not bound: it is neither on the left-hand side nor "
      "reduced over\n");
  ERR("op f(a: f32[M, K], b: f32[J, N]) -> (c: f32[M, N]) {\n"
      "  c[m, n] = sum(k) a[m, k] * b[k, n];\n}\n",
      "t.xg:2:30: error: index 'k' ranges over K in a[m, k] but over J in b[k, n]\n");
  ERR("op f(a: f32[M, K], b: f32[J, N]) -> (c: f32[M, N]) {\n"
      "  c[m, n] = sum(k) a[m, k] * b[k, n];\n}\n",
      "t.xg:2:20: note: 'k' ranges over K here\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = sum(k) x[i + k] ?? 0.0;\n}\n",
      "t.xg:2:14: error: the range of index 'k' cannot be found: it never stands alone as a "
      "subscript; give its range explicitly: sum(k < EXTENT) ...\n");
  ERR("op f(x: f32[N, M]) -> (y: f32[N]) {\n  y[i] = max(j, k, l < M) x[i, j] * x[i + k, l] ?? 0.0;\n}\n",
      "t.xg:2:17: error: the range of index 'k' cannot be found: it never stands alone as a "
      "subscript; give its range explicitly: max(j, k < EXTENT, l < M) ...\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = sum(k < 0) x[i + k] ?? 0.0;\n}\n",
      "t.xg:2:18: error: the range of index 'k' must be positive, but it is 0\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = sum(k < N - N) x[i + k] ?? 0.0;\n}\n",
      "t.xg:2:18: error: the range of index 'k' must be positive, but N - N is 0\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  t[j] = 1.0;\n  y[i] = x[i] + t[i];\n}\n",
      "t.xg:2:5: error: the range of index 'j' cannot be found: it never stands alone as a "
      "subscript of a read\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[N] = x[N];\n}\n",
      "t.xg:2:5: error: index 'N' has the name of dimension 'N'\n");
  ERR("op f(x: f32[N, N]) -> (y: f32[N]) {\n  t[i, i] = x[i, i];\n  y[i] = t[i, 0];\n}\n",
      "t.xg:2:8: error: index 'i' is already bound\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = sum(i) x[i];\n}\n",
      "t.xg:2:14: error: index 'i' is already bound\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = sum(1) x[i];\n}\n",
      "error: a reduction lists index variables ('k' or 'k < EXTENT'), not '1'\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = avg(j) x[j];\n}\n",
      "t.xg:2:10: error: unknown reduction 'avg': the reductions are sum, prod, mean, max and "
      "min\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = sum(j < i) x[j];\n}\n",
      "error: the range of a reduction is a dimension: the index 'i' cannot appear in it\n");
  ERR("op f(x: f32[S...]) -> (y: f32[S...]) {\n  y[i...] = x[j...];\n}\n",
      "t.xg:2:15: error: index pack 'j...' is not bound: only a left-hand side can bind an index "
      "pack\n");
  ERR("op f(x: f32[S...]) -> (y: f32[S...]) {\n  y[i...] = x[i];\n}\n",
      "t.xg:2:13: error: the subscripts of 'x' do not line up with its type f32[S...]: one index "
      "pack must stand where S... is\n");
  ERR("op f(x: f32[S...]) -> (y: f32[S...]) {\n  y[i...] = x[i...] + i;\n}\n",
      "error: 'i' is an index pack: use it as 'i...' in a subscript\n");
}

static void t_op_ranks(void) {
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i, i];\n}\n",
      "t.xg:2:10: error: 'x' has rank 1 but is read with 2 subscripts\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i, j] = x[i];\n}\n",
      "t.xg:2:3: error: 'y' has rank 1 but its left-hand side has 2 subscripts\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i...];\n}\n",
      "error: 'x' has no pack dimension (f32[N]), so no index pack can subscript it\n");
  ERR("op f(x: f32[S..., D]) -> (y: f32[S..., D]) {\n  y[i..., d] = x[d, i...];\n}\n",
      "error: the subscripts of 'x' do not line up with its type f32[S..., D]: one index pack "
      "must stand where S... is\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x.flat[i, 0];\n}\n",
      "error: 'x.flat[...]' takes exactly one offset\n");
}

static void t_op_definitions(void) {
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i];\n  y[i] = x[i];\n}\n",
      "t.xg:3:3: error: 'y' is already defined\n");
  ERR("op f(x: f32[N]) -> (y: f32[N], z: f32[N]) {\n  y[i] = x[i];\n}\n",
      "t.xg:1:32: error: result 'z' of op 'f' is never defined\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = t[i];\n  t[i] = x[i];\n}\n",
      "t.xg:2:10: error: 't' is read before it is defined\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i] + y[i - 1] ?? 0.0;\n}\n",
      "t.xg:2:17: error: 'y' reads itself: a statement cannot read the tensor it defines\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  x[i] = 1.0;\n  y[i] = x[i];\n}\n",
      "t.xg:2:3: error: cannot assign to parameter 'x'\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x.flat[i];\n  t.flat[i] = 1.0;\n}\n",
      "error: a left-hand side cannot use '.flat'\n");
  WARN("op f(x: f32[N]) -> (y: f32[N]) {\n  t[i] = x[i];\n  y[i] = x[i];\n}\n",
       "t.xg:2:3: warning: local 't' is never read\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = z[i];\n}\n",
      "t.xg:2:10: error: unknown tensor 'z'\n");
  ERR("op f(x: f32[N], a: int) -> (y: f32[N]) {\n  y[i] = a[i];\n}\n",
      "error: 'a' is an attribute, not a tensor\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x;\n}\n",
      "error: 'x' is a tensor: read it with subscripts, as in 'x[...]'\n");
}

static void t_op_types(void) {
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i] * i;\n}\n",
      "t.xg:2:10: error: the operands of '*' have different element types: f32 and int (convert "
      "the integer with f32(...))\n");
  ERR("op f(x: f32[N], t: i32[N]) -> (y: f32[N]) {\n  y[i] = x[i] + t[i];\n}\n",
      "error: the operands of '+' have different element types: f32 and i32\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[f32(i)];\n}\n",
      "t.xg:2:12: error: a subscript must be an integer, but 'f32(i)' is f32\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i] ? 1.0 : 0.0;\n}\n",
      "error: the condition of '?:' must be bool, but 'x[i]' is f32\n");
  ERR("op f(x: i32[N]) -> (y: i32[N]) {\n  y[i] = x[i - 1] ?? 0.5;\n}\n",
      "t.xg:2:22: error: the default after '?\?' is float, but 'x[i - 1]' is i32\n");
  ERR("op f(x: f32[N]) -> (y: i32[N]) {\n  y[i] = x[i];\n}\n",
      "t.xg:2:10: error: result 'y' is i32, but the right-hand side is f32\n");
  ERR("op f(x: f32[N]) -> (y: bool[N]) {\n  y[i] = x[i] && true;\n}\n",
      "error: an operand of '&&' must be bool, but 'x[i]' is f32\n");
  ERR("op f(x: bool[N]) -> (y: f32[N]) {\n  y[i] = x[i] + 1.0;\n}\n",
      "error: '+' needs numbers, but 'x[i]' is bool\n");
  ERR("op f(x: i32[N]) -> (y: f32[]) {\n  y[] = mean(j) x[j];\n}\n",
      "error: 'mean' needs a float body, but it is i32 (convert with f32(...))\n");
  ERR("op f(x: f32[N], c: float) -> (y: f32[N]) {\n  y[i] = x[i + c] ?? 0.0;\n}\n",
      "t.xg:2:12: error: the operands of '+' have different element types: int and float");
}

static void t_op_builtins(void) {
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = exp(x[i], 1.0);\n}\n",
      "t.xg:2:10: error: 'exp' takes 1 argument, but 2 were given\n");
  ERR("op f(x: i32[N]) -> (y: f32[N]) {\n  y[i] = exp(x[i]);\n}\n",
      "t.xg:2:14: error: 'exp' needs a float argument, but 'x[i]' is i32 (convert with "
      "f32(...))\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = foo(x[i]);\n}\n",
      "t.xg:2:10: error: unknown function 'foo'\n");
  ERR("op g(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i];\n}\n"
      "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = g(x[i]);\n}\n",
      "t.xg:5:10: error: 'g' is an op: an op body can only call built-in functions\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = max(x[i], 0.0, 1.0);\n}\n",
      "error: 'max' takes 2 arguments, but 3 were given\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = select(x[i], 1.0, 0.0);\n}\n",
      "error: the condition of 'select' must be bool, but 'x[i]' is f32\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = exp(x = x[i]);\n}\n",
      "error: built-in function 'exp' takes no keyword arguments\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i] * nan;\n}\n",
      "t.xg:2:17: error: unknown name 'nan'\n");
}

/* ------------------------------------------------------------ model tests */

#define MODEL_HEAD "import tl;\n"

static void t_model_valid(void) {
  CLEAN(MODEL_HEAD
        "model mlp(x: f32[1, 784]) -> (logits: f32[1, 10]) {\n"
        "  param w1: f32[784, 256]; param b1: f32[256];\n"
        "  param w2: f32[256, 10];  param b2: f32[10];\n"
        "  h = tl.relu(tl.matmul(x, w1) + b1);\n"
        "  logits = tl.matmul(h, w2) + b2;\n"
        "}\n");
  CLEAN(MODEL_HEAD
        "model tiny(x: f32[B, 3, 32, 32]) -> (y: f32[B, 10], z: f32[B, 16, 16, 16]) {\n"
        "  param w: f32[16, 3, 3, 3];\n"
        "  param fc: f32[16 * 32 * 32, 10];\n"
        "  h = tl.relu(tl.conv2d(x, w, pad=1));\n"
        "  y = tl.softmax(tl.matmul(tl.flatten(h), fc));\n"
        "  z = tl.conv2d(x, w, stride=2, pad=1) * 2.0 - 1;\n"
        "}\n");
  CLEAN(MODEL_HEAD
        "model m(x: f32[4, 6]) -> (a: f32[4, 3], b: f32[4, 3], c: f32[4, 6]) {\n"
        "  a, b = tl.split2(x);\n"
        "  c = tl.add(tl.scale(x, alpha=2), x - x + tl.relu(x)) + tl.relu(-x) / 1.5;\n"
        "}\n"
        "op dup(x: f32[N, D]) -> (y: f32[2, N, D]) {\n"
        "  y[k, n, d] = x[n, d];\n"
        "}\n");
  CLEAN(MODEL_HEAD
        "model e(ids: i32[T]) -> (y: f32[T, 64]) {\n"
        "  param table: f32[1000, 64];\n"
        "  y = tl.embed(table, ids);\n"
        "}\n");
}

static void t_model_names(void) {
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  h = x;\n  h = x;\n  y = h;\n}\n",
      "t.xg:4:3: error: 'h' is already defined\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  h = x;\n  h = x;\n  y = h;\n}\n",
      "t.xg:3:3: note: 'h' was first defined here\n");
  ERR(MODEL_HEAD "model m(x: f32[4], x: f32[4]) -> (y: f32[4]) {\n  y = x;\n}\n",
      "t.xg:2:20: error: 'x' is already defined\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4], z: f32[4]) {\n  y = x;\n}\n",
      "t.xg:2:35: error: output 'z' is never assigned\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = x;\n  y = x;\n}\n",
      "t.xg:4:3: error: output 'y' is assigned twice\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = x;\n  y = x;\n}\n",
      "t.xg:3:3: note: 'y' is first assigned here\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  x = x + 1;\n  y = x;\n}\n",
      "t.xg:3:3: error: cannot assign to input 'x'\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  param w: f32[4];\n  w = x;\n"
      "  y = w;\n}\n",
      "t.xg:4:3: error: cannot assign to param 'w'\n");
  ERR(MODEL_HEAD "model m(x: f32[4], u: f32[4]) -> (y: f32[4]) {\n  y = x;\n}\n",
      "t.xg:2:20: error: input 'u' is never used\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  param w: f32[4];\n  y = x;\n}\n",
      "t.xg:3:3: error: param 'w' is never used\n");
  WARN(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  h = x + 1;\n  y = x;\n}\n",
       "t.xg:3:3: warning: 'h' is never used\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = h;\n  h = x;\n}\n",
      "t.xg:3:7: error: 'h' is used before it is defined\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = x + q;\n}\n",
      "t.xg:3:11: error: unknown name 'q'\n");
  /* the suggested name counts as used: no "never used" after the typo */
  ERR(MODEL_HEAD "model m(image: f32[4]) -> (y: f32[4]) {\n  y = tl.relu(imgae);\n}\n",
      "t.xg:3:15: error: unknown name 'imgae' (did you mean 'image'?)\n");
  /* only names defined so far are suggested */
  expect_diags(__LINE__, MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = hidden2;\n"
               "  hidden = x;\n}\n", "t.xg:3:7: error: unknown name 'hidden2'\n", 1, 1);
}

static void t_model_dims(void) {
  ERR(MODEL_HEAD "model m(x: f32[4, 0]) -> (y: f32[4]) {\n  param w: f32[4];\n  y = w;\n}\n",
      "t.xg:2:19: error: dimension 2 of input 'x' must be positive, but it is 0\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[-4]) {\n  y = x;\n}\n",
      "t.xg:2:31: error: dimension 1 of output 'y' must be positive, but it is -4\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  param w: f32[2 - 2];\n  y = x + w;\n}\n",
      "t.xg:3:16: error: dimension 1 of param 'w' must be positive, but 2 - 2 is 0\n");
}

static void t_model_reductions(void) {
  ERR(MODEL_HEAD "model m(x: f32[4, 8]) -> (y: f32[4]) {\n  y = sum(k) x;\n}\n",
      "t.xg:3:7: error: reductions are written inside an op: call one such as tl.reduce_sum, or "
      "write your own\n");
  ERR(MODEL_HEAD "model m(x: f32[4, 8]) -> (y: f32[4]) {\n  y = max(k) x;\n}\n"
      "op reduce_max(x: f32[N, D]) -> (y: f32[N]) {\n  y[n] = max(d) x[n, d];\n}\n",
      "t.xg:3:7: error: reductions are written inside an op: call one such as reduce_max, or "
      "write your own\n");
  ERR(MODEL_HEAD "model m(x: f32[4, 8]) -> (y: f32[4]) {\n  y = prod(k) x;\n}\n",
      "t.xg:3:7: error: reductions are written inside an op: write an op that computes it\n");
  ERR("model m(x: f32[4, 8]) -> (y: f32[4]) {\n  y = sum(k) x;\n}\n",
      "t.xg:2:7: error: reductions are written inside an op: write an op that computes it\n");
}

static void t_model_hints(void) {
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = tl.rleu(x);\n}\n",
      "t.xg:3:7: error: module 'tl' has no op 'rleu' (did you mean 'tl.relu'?)\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = rleu(x);\n}\n",
      "t.xg:3:7: error: unknown op 'rleu' (did you mean 'tl.relu'?)\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = doubel(x);\n}\n"
      "op double(x: f32[N]) -> (y: f32[N]) {\n  y[i] = 2.0 * x[i];\n}\n",
      "t.xg:3:7: error: unknown op 'doubel' (did you mean 'double'?)\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = tl.softmx(x);\n}\n",
      "t.xg:3:7: error: module 'tl' has no op 'softmx' (did you mean 'tl.softmax'?)\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = tl.sofmtx(x);\n}\n",
      "t.xg:3:7: error: module 'tl' has no op 'sofmtx' (did you mean 'tl.softmax'?)\n");
  /* too far: 2 edits in a 2-letter name, 4 edits */
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = tl.rl(x);\n}\n",
      "t.xg:3:7: error: module 'tl' has no op 'rl'\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = tl.embedding(x);\n}\n",
      "t.xg:3:7: error: module 'tl' has no op 'embedding'\n");
}

static void t_op_hints(void) {
  ERR("op f(x: f32[N], factor: int) -> (y: f32[N * factr]) {\n  y[i] = x[i / factor];\n}\n",
      "t.xg:1:45: error: dimension 'factr' is not bound by the parameters: it must stand alone as "
      "a dimension of a tensor parameter (did you mean 'factor'?)\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = sqtr(x[i]);\n}\n",
      "t.xg:2:10: error: unknown function 'sqtr' (did you mean 'sqrt'?)\n");
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = softplus(x[i]);\n}\n",
      "t.xg:2:10: error: unknown function 'softplus'\n");
  ERR("op f(x: f32[N], alpha: float) -> (y: f32[N]) {\n  y[i] = alpah * x[i];\n}\n",
      "t.xg:2:10: error: unknown name 'alpah' (did you mean 'alpha'?)\n");
  ERR("op f(x: f32[N, M]) -> (y: f32[N, M]) {\n  y[row, col] = x[row, colm];\n}\n",
      "t.xg:2:24: error: index 'colm' is not bound: it is neither on the left-hand side nor "
      "reduced over (did you mean 'col'?)\n");
  ERR("op f(x: f32[N, M]) -> (y: f32[N, M]) {\n  y[row, col] = x[row, cl];\n}\n",
      "t.xg:2:24: error: index 'cl' is not bound: it is neither on the left-hand side nor reduced "
      "over\n");
  /* the suggested tensor counts as read: no "never read" after the typo */
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  hidden[i] = x[i];\n  y[i] = hiden[i];\n}\n",
      "t.xg:3:10: error: unknown tensor 'hiden' (did you mean 'hidden'?)\n");
  /* never the tensor being defined */
  ERR("op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = yy[i];\n}\n",
      "t.xg:2:10: error: unknown tensor 'yy'\n");
}

static void t_near(void) {
  static const struct { const char *name, *cands, *want; } cases[] = {
      {"rleu", "relu,gelu", "relu"},       /* a swap counts 1 */
      {"strides", "stride,pad", "stride"}, /* an insertion */
      {"sotfmax", "softmax", "softmax"},
      {"ab", "ba,b", NULL},                /* 1 edit is half of 2 letters: too far */
      {"abc", "abd", "abd"},
      {"abcdef", "abcxyz", NULL},          /* 3 edits */
      {"relux", "relu2,relu1", "relu1"},   /* a tie goes to the smaller spelling */
      {"anything", "", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    SemaNear n;
    sema_near_init(&n, cases[i].name);
    char buf[64];
    snprintf(buf, sizeof buf, "%s", cases[i].cands);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) sema_near_offer(&n, tok, tok);
    const char *got = n.best ? n.best : "(none)", *want = cases[i].want ? cases[i].want : "(none)";
    if (strcmp(got, want)) fprintf(stderr, "\n  near '%s': got %s, want %s\n", cases[i].name, got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT(n.tag == (n.best ? (const void *)n.best : NULL));
  }
}

static void t_model_calls(void) {
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = foo(x);\n}\n",
      "t.xg:3:7: error: unknown op 'foo'\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = relu(x);\n}\n",
      "t.xg:3:7: error: unknown op 'relu' (did you mean 'tl.relu'?)\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = nn.relu(x);\n}\n",
      "t.xg:3:7: error: unknown module 'nn' (is 'import nn;' missing?)\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = tl.nope(x);\n}\n",
      "t.xg:3:7: error: module 'tl' has no op 'nope'\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = m(x);\n}\n",
      "t.xg:3:7: error: 'm' is a model: only ops can be called\n");
  ERR(MODEL_HEAD "model m(x: f32[4, 4]) -> (y: f32[4, 4]) {\n  y = tl.matmul(x);\n}\n",
      "t.xg:3:7: error: tl.matmul takes 2 tensor arguments, but 1 was given\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = tl.relu(x, 2.0);\n}\n",
      "error: argument 2 of tl.relu is a scalar literal, but ops take tensors");
  ERR(MODEL_HEAD "model m(x: f32[1, 3, 8, 8], w: f32[4, 3, 3, 3]) -> (y: f32[1, 4, 6, 6]) {\n"
      "  y = tl.conv2d(x, w, strid=2);\n}\n",
      "t.xg:3:23: error: tl.conv2d has no attribute 'strid' (did you mean 'stride'?)\n");
  ERR(MODEL_HEAD "model m(x: f32[1, 3, 8, 8], w: f32[4, 3, 3, 3]) -> (y: f32[1, 4, 6, 6]) {\n"
      "  y = tl.conv2d(x, w, padding=2);\n}\n",
      "t.xg:3:23: error: tl.conv2d has no attribute 'padding'\n");
  ERR(MODEL_HEAD "model m(x: f32[1, 3, 8, 8], w: f32[4, 3, 3, 3]) -> (y: f32[1, 4, 6, 6]) {\n"
      "  y = tl.conv2d(x, w, pad=0, pad=0);\n}\n",
      "t.xg:3:30: error: attribute 'pad' is given twice\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = tl.scale(x);\n}\n",
      "t.xg:3:7: error: tl.scale needs the attribute 'alpha'\n");
  ERR(MODEL_HEAD "model m(x: f32[1, 3, 8, 8], w: f32[4, 3, 3, 3]) -> (y: f32[1, 4, 6, 6]) {\n"
      "  y = tl.conv2d(x, w, pad=0.5);\n}\n",
      "t.xg:3:27: error: attribute 'pad' of tl.conv2d is int, but the value is float\n");
  ERR(MODEL_HEAD "model m(x: f32[1, 3, 8, 8], w: f32[4, 3, 3, 3]) -> (y: f32[1, 4, 6, 6]) {\n"
      "  y = tl.conv2d(x, w, pad=x);\n}\n",
      "t.xg:3:27: error: attribute 'pad' must be a compile-time constant, but 'x' is an input\n");
  ERR(MODEL_HEAD "model m(x: f32[1, 3, 8, 8], w: f32[4, 3, 3, 3]) -> (y: f32[1, 4, 6, 6]) {\n"
      "  y = tl.conv2d(x, w=w);\n}\n",
      "error: 'w' is a tensor parameter of tl.conv2d: pass it by position\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = tl.scale(x, alpha=true);\n}\n",
      "error: attribute 'alpha' of tl.scale is float, but the value is bool\n");
}

static void t_model_shapes(void) {
  ERR(MODEL_HEAD "model m(x: f32[1, 784]) -> (y: f32[1, 10]) {\n  param w: f32[256, 10];\n"
      "  y = tl.matmul(x, w);\n}\n",
      "t.xg:4:7: error: dimension K is 784 in argument 'a' but 256 in argument 'b' of "
      "tl.matmul\n");
  ERR(MODEL_HEAD "model m(x: f32[3, 5]) -> (y: f32[3]) {\n  y = tl.twice(x);\n}\n",
      "t.xg:3:16: error: dimension 2 of argument 'x' of tl.twice must be 2*N = 6, but it is 5\n");
  ERR(MODEL_HEAD "model m(x: i32[1, 4]) -> (y: f32[1, 4]) {\n  param w: f32[4, 4];\n"
      "  y = tl.matmul(x, w);\n}\n",
      "t.xg:4:17: error: argument 'a' of tl.matmul must be f32[M, K], but 'x' is i32[1, 4]\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  param w: f32[4, 4];\n"
      "  y = tl.matmul(x, w);\n}\n",
      "error: argument 'a' of tl.matmul must be f32[M, K], but 'x' is f32[4]\n");
  ERR(MODEL_HEAD "model m(x: f32[4, 6]) -> (y: f32[4, 3]) {\n  y = tl.split2(x);\n}\n",
      "t.xg:3:7: error: tl.split2 has 2 results: take them with 'a, b = tl.split2(...);'\n");
  ERR(MODEL_HEAD "model m(x: f32[4, 6]) -> (y: f32[4, 3]) {\n  y, z, w = tl.split2(x);\n}\n",
      "t.xg:3:3: error: 3 names on the left, but tl.split2 has 2 results\n");
  ERR(MODEL_HEAD "model m(x: f32[1, 256], b: f32[10]) -> (y: f32[1, 256]) {\n  y = x + b;\n}\n",
      "t.xg:3:7: error: the shapes f32[1, 256] and f32[10] of '+' do not broadcast: 256 and 10 "
      "differ and neither is 1\n");
  ERR(MODEL_HEAD "model m(x: f32[B, 4]) -> (y: f32[1, 4]) {\n  y = tl.relu(x);\n}\n",
      "t.xg:3:3: error: output 'y' is declared f32[1, 4], but the value is f32[B, 4]\n");
  ERR(MODEL_HEAD "model m(x: f32[1, 3, 8, 8], w: f32[4, 3, 3, 3]) -> (y: f32[1, 4, 6, 6]) {\n"
      "  y = tl.conv2d(x, w, stride=0);\n}\n",
      "t.xg:3:7: error: division by zero in dimension (H + 2*pad - KH)/stride + 1 of result 'y' "
      "of tl.conv2d (H = 8, pad = 0, KH = 3, stride = 0)\n");
  ERR(MODEL_HEAD "model m(x: f32[1, 3, 2, 2], w: f32[4, 3, 5, 5]) -> (y: f32[1, 4, 6, 6]) {\n"
      "  y = tl.conv2d(x, w);\n}\n",
      "t.xg:3:7: error: result 'y' of tl.conv2d would have dimension (H + 2*pad - KH)/stride + 1 "
      "= -2 (H = 2, pad = 0, KH = 5, stride = 1)\n");
  ERR(MODEL_HEAD "model m(x: f32[1, 3, 4, 4], w: f32[4, 3, 5, 5]) -> (y: f32[1, 4, 6, 6]) {\n"
      "  y = tl.conv2d(x, w);\n}\n",
      "t.xg:3:7: error: result 'y' of tl.conv2d would have dimension (H + 2*pad - KH)/stride + 1 "
      "= 0 (H = 4, pad = 0, KH = 5, stride = 1)\n");
  ERR(MODEL_HEAD "model m(x: f32[3, 6]) -> (y: f32[3]) {\n  y = tl.twice(x);\n}\n"
      "op half(x: f32[N]) -> (y: f32[N / 2]) {\n  y[i] = x[2 * i];\n}\n"
      "model h(x: f32[1]) -> (y: f32[1]) {\n  y = half(x);\n}\n",
      "t.xg:9:7: error: result 'y' of half would have dimension N/2 = 0 (N = 1)\n");
  ERR(MODEL_HEAD "model m(a: f32[2, 3], b: f32[4]) -> (y: f32[2, 3]) {\n  y = tl.add(a, b);\n}\n",
      "t.xg:3:7: error: in this call of tl.add, pack T... = [4] does not broadcast to S... = "
      "[2, 3]\n");
  CLEAN(MODEL_HEAD "model m(a: f32[2, 3], b: f32[1, 3], c: f32[3]) -> (y: f32[2, 3]) {\n"
        "  y = tl.add(a, b) + tl.add(a, c);\n}\n");
  ERR(MODEL_HEAD "model m(x: i32[4]) -> (y: i32[4]) {\n  y = x * 1.5;\n}\n",
      "t.xg:3:7: error: the operands of '*' have different element types: i32 and float\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  y = x[0];\n}\n",
      "t.xg:3:7: error: subscripts belong in op bodies: a model combines whole tensors\n");
  ERR(MODEL_HEAD "model m(x: f32[4]) -> (y: f32[4]) {\n  h = 1.0;\n  y = x + h;\n}\n",
      "t.xg:3:7: error: 'h' would be a scalar literal: a model value is a tensor\n");
}

/* ------------------------------------------------ modules and annotations */

static Module *find_module(Front *f, const char *name) {
  for (int i = 0; i < f->modules.n; i++) {
    Module *m = f->modules.items[i];
    if (strcmp(m->name, name) == 0) return m;
  }
  return NULL;
}

static AstNode *find_decl(AstNode *mod, const char *name) {
  for (int i = 0; i < mod->list.n; i++) {
    AstNode *d = mod->list.items[i];
    if (d->name && strcmp(d->name, name) == 0) return d;
  }
  return NULL;
}

static const char *type_of(UnitFront *u, const AstNode *n) {
  return n && n->sem ? sem_type_str(&u->f.arena, n->sem) : "(none)";
}

static void t_modules_once(void) {
  UnitFront u;
  Module *m = check_src(&u, "import tl;\nimport tb;\n"
                            "model m(x: f32[4]) -> (y: f32[4]) {\n  y = tb.bad(tl.relu(x));\n}\n");
  const char *d = unit_diags(&u);
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "tb.xg:3:17: error: unknown name 'z'\n"));
  CU_ASSERT_EQUAL(u.f.diag.errors, 1); /* tl checked once; the call uses bad's signature */
  CU_ASSERT(m && m->checked);
  Module *tl = find_module(&u.f, "tl");
  CU_ASSERT(tl && tl->checked);
  /* a second check of the same front reports nothing new */
  if (m) CU_ASSERT_EQUAL(sema_check(&u.f, m), 0);
  unit_front_free(&u);
}

static void t_annotations(void) {
  UnitFront u;
  Module *m = check_src(&u, MODEL_HEAD
                        "model mlp(x: f32[B, 784]) -> (logits: f32[B, 10]) {\n"
                        "  param w1: f32[784, 256]; param b1: f32[256];\n"
                        "  param w2: f32[256, 10];  param b2: f32[10];\n"
                        "  h = tl.relu(tl.matmul(x, w1) + b1);\n"
                        "  logits = tl.matmul(h, w2) + b2;\n"
                        "}\n");
  CU_ASSERT_EQUAL_FATAL(u.f.diag.errors, 0);
  AstNode *model = find_decl(m->ast, "mlp");
  CU_ASSERT_PTR_NOT_NULL_FATAL(model);
  AstNode *let = model->list.items[4];
  CU_ASSERT_EQUAL_FATAL(let->kind, AST_LET);
  CU_ASSERT_STRING_EQUAL(type_of(&u, let->list.items[0]), "f32[B, 256]");
  CU_ASSERT_STRING_EQUAL(type_of(&u, let->rhs), "f32[B, 256]");
  AstNode *call = let->rhs;
  CU_ASSERT_EQUAL_FATAL(call->kind, AST_CALL);
  CU_ASSERT(call->decl && call->decl->kind == AST_OP && !strcmp(call->decl->name, "relu"));
  AstNode *arg = call->list.items[0];
  CU_ASSERT_STRING_EQUAL(type_of(&u, arg), "f32[B, 256]");
  AstNode *mm = arg->lhs;
  CU_ASSERT_STRING_EQUAL(type_of(&u, mm), "f32[B, 256]");
  AstNode *x = mm->list.items[0];
  CU_ASSERT(x->decl == model->params.items[0]);
  /* op side: the signature, the defined tensor, the reduction index */
  Module *tl = find_module(&u.f, "tl");
  CU_ASSERT_PTR_NOT_NULL_FATAL(tl);
  AstNode *op = find_decl(tl->ast, "matmul");
  SemSig *g = op->sem;
  CU_ASSERT(g && g->ok && g->ntensors == 2 && g->nresults == 1);
  CU_ASSERT_STRING_EQUAL(sem_type_str(&u.f.arena, g->rtypes[0]), "f32[M, N]");
  AstNode *def = op->list.items[0];
  CU_ASSERT_STRING_EQUAL(type_of(&u, def), "f32[M, N]");
  AstNode *red = def->rhs;
  CU_ASSERT_EQUAL_FATAL(red->kind, AST_REDUCE);
  CU_ASSERT_STRING_EQUAL(type_of(&u, red->list.items[0]), "int[K]");
  CU_ASSERT_STRING_EQUAL(type_of(&u, red), "f32[]");
  AstNode *conv = find_decl(tl->ast, "conv2d");
  g = conv->sem;
  CU_ASSERT(g && g->nattrs == 2 && g->defaults[0].type == ELEM_INT && g->defaults[0].i == 1);
  AstNode *add = find_decl(tl->ast, "add");
  g = add->sem;
  CU_ASSERT(g && g->nbcast == 1 && !strcmp(g->bcast[0].from, "T") && !strcmp(g->bcast[0].to, "S"));
  AstNode *sm = find_decl(tl->ast, "softmax");
  AstNode *mx = sm->list.items[0];
  CU_ASSERT_STRING_EQUAL(type_of(&u, mx), "f32[L...]");
  unit_front_free(&u);
}

static void t_setup(void) {
  strcpy(tmpdir, "/tmp/xg-test-sema-XXXXXX");
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
  write_file("tl.xg", tl_src);
  write_file("tb.xg", tb_src);
}

static void t_teardown(void) {
  remove_file("tl.xg");
  remove_file("tb.xg");
  CU_ASSERT_EQUAL(rmdir(tmpdir), 0);
}

/* ------------------------------------------------------------------ main */

int main(void) {
  static const UnitTest tests[] = {
      {"dim basics", t_dim_basics},
      {"dim division and modulo", t_dim_division},
      {"dim conv shapes", t_dim_conv_shape},
      {"dim errors", t_dim_errors},
      {"dim symbols and order", t_dim_syms_order},
      {"setup", t_setup},
      {"op: valid definitions", t_op_valid},
      {"op: signatures", t_op_signature},
      {"op: index binding and ranges", t_op_indices},
      {"op: ranks", t_op_ranks},
      {"op: definitions and reads", t_op_definitions},
      {"op: element types", t_op_types},
      {"op: built-in functions", t_op_builtins},
      {"model: valid models", t_model_valid},
      {"model: names", t_model_names},
      {"model: calls and attributes", t_model_calls},
      {"model: shapes", t_model_shapes},
      {"model: constant dims", t_model_dims},
      {"model: reductions", t_model_reductions},
      {"model: did-you-mean", t_model_hints},
      {"op: did-you-mean", t_op_hints},
      {"did-you-mean distance", t_near},
      {"modules checked once", t_modules_once},
      {"annotations", t_annotations},
      {"teardown", t_teardown},
  };
  return unit_run("sema", tests, (int)(sizeof tests / sizeof *tests));
}
