/* test_sema.c -- CUnit tests of sema/: the dimension algebra (through a
 * tiny dim-expression reader below) and, from source snippets, the exact
 * diagnostics of each semantic check and the silence on valid programs. */
#include "tests/unit/unit.h"
#include "sema/sema.h"

#include <ctype.h>
#include <stdio.h>

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

/* ------------------------------------------------------------------ main */

int main(void) {
  static const UnitTest tests[] = {
      {"dim basics", t_dim_basics},
      {"dim division and modulo", t_dim_division},
      {"dim conv shapes", t_dim_conv_shape},
      {"dim errors", t_dim_errors},
      {"dim symbols and order", t_dim_syms_order},
  };
  return unit_run("sema", tests, (int)(sizeof tests / sizeof *tests));
}
