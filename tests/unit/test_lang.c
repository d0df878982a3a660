/* test_lang.c -- CUnit suite of lang/'s small utilities: the text of floats
 * (fmt_float, shared by every dump) read back by strtod and by the lexer;
 * FNV-1a 64 (lang/fnv.h) against published test vectors. */
#include "tests/unit/unit.h"
#include "lang/fnv.h"

#include <float.h>
#include <math.h>

/* The text of v, checked against want when want is not NULL. */
static const char *text_of(char *buf, double v, const char *want) {
  fmt_float(buf, v);
  if (want) {
    CU_ASSERT_STRING_EQUAL(buf, want);
    if (strcmp(buf, want) != 0)
      fprintf(stderr, "\n  fmt_float(%.17g): '%s', want '%s'\n", v, buf, want);
  }
  return buf;
}

/* The text of v reads back to exactly v (the same bits, so -0.0 keeps its
 * sign) through strtod, and, without its sign, through the lexer as one
 * float literal. */
static void check_round_trip(double v, const char *want) {
  char buf[FMT_FLOAT_MAX];
  const char *s = text_of(buf, v, want);
  CU_ASSERT_PTR_NOT_NULL(strpbrk(s, ".e"));
  double back = strtod(s, NULL);
  CU_ASSERT_EQUAL(memcmp(&back, &v, sizeof v), 0);
  if (memcmp(&back, &v, sizeof v) != 0)
    fprintf(stderr, "\n  '%s' reads back as %.17g\n", s, back);

  const char *unsigned_text = s[0] == '-' ? s + 1 : s;
  UnitFront u;
  unit_front_init(&u);
  int id = srcmgr_add(&u.f.sm, "t.xg", unsigned_text, strlen(unsigned_text));
  Lexer lx;
  lex_init(&lx, &u.f.sm, id, &u.f.diag, &u.f.names);
  Token t, end;
  lex_next(&lx, &t);
  lex_next(&lx, &end);
  CU_ASSERT_EQUAL(t.kind, TK_FLOAT);
  CU_ASSERT_EQUAL(end.kind, TK_EOF);
  CU_ASSERT_EQUAL(t.fval, fabs(v));
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "");
  unit_front_free(&u);
}

static void t_float_integers(void) {
  check_round_trip(0.0, "0.0");
  check_round_trip(-0.0, "-0.0");
  check_round_trip(1.0, "1.0");
  check_round_trip(-3.0, "-3.0");
  check_round_trip(100.0, "100.0"); /* not 1e+02 */
  check_round_trip(2500.0, "2500.0");
  check_round_trip(1e15, "1000000000000000.0");
  check_round_trip(9007199254740992.0, "9007199254740992.0"); /* 2^53 */
  check_round_trip(1e16, "1e+16");
  check_round_trip(1e20, "1e+20");
}

static void t_float_fractions(void) {
  check_round_trip(0.1, "0.1");
  check_round_trip(0.5, "0.5");
  check_round_trip(-2.5, "-2.5");
  check_round_trip(0.7071067811865476, "0.7071067811865476");
  check_round_trip(1.0 / 3.0, "0.3333333333333333");
  check_round_trip(0.1 + 0.2, "0.30000000000000004");
  check_round_trip(1e-4, "0.0001");
  check_round_trip(1.2345678901234567e-4, "0.00012345678901234567");
  check_round_trip(1e-5, "1e-05");
  check_round_trip(2500.5, "2500.5");
  check_round_trip((double)3.14159274f, "3.1415927410125732");
  check_round_trip(123456.789, "123456.789");
}

static void t_float_extremes(void) {
  check_round_trip(DBL_MAX, "1.7976931348623157e+308");
  check_round_trip(-DBL_MAX, "-1.7976931348623157e+308");
  check_round_trip(DBL_MIN, "2.2250738585072014e-308");
  check_round_trip(DBL_TRUE_MIN, "5e-324"); /* the smallest denormal */
  check_round_trip(DBL_MIN / 3, NULL);      /* a denormal with many digits */
  check_round_trip(-DBL_MIN / 1024, NULL);
  check_round_trip((double)FLT_MAX, "3.4028234663852886e+38");
  check_round_trip((double)FLT_TRUE_MIN, "1.401298464324817e-45");
}

/* Infinities and NaN print as the dumps have always printed them; strtod
 * (not the language, which has no such literal) reads them back. */
static void t_float_specials(void) {
  char buf[FMT_FLOAT_MAX];
  CU_ASSERT_EQUAL(strtod(text_of(buf, INFINITY, "inf"), NULL), INFINITY);
  CU_ASSERT_EQUAL(strtod(text_of(buf, -INFINITY, "-inf"), NULL), -INFINITY);
  CU_ASSERT(isnan(strtod(text_of(buf, NAN, "nan"), NULL)));
  CU_ASSERT(isnan(strtod(text_of(buf, -NAN, "nan"), NULL)));
}

/* Every text fits FMT_FLOAT_MAX and reads back, over a sweep of magnitudes
 * and digit counts. */
static void t_float_sweep(void) {
  char buf[FMT_FLOAT_MAX];
  int bad = 0;
  for (int e = -330; e <= 310; e++) {
    for (int k = 1; k <= 9; k += 2) {
      double v = k * pow(10.0, e) / 7.0;
      if (!isfinite(v))
        continue;
      fmt_float(buf, v);
      double back = strtod(buf, NULL);
      if (back != v || !strpbrk(buf, ".e") || strlen(buf) >= FMT_FLOAT_MAX)
        bad++;
    }
  }
  CU_ASSERT_EQUAL(bad, 0);
}

/* The FNV-1a 64 vectors of the reference test suite (isthe.com/chongo/tech/
 * comp/fnv, draft-eastlake-fnv): the empty string gives the offset basis.
 * Sizes are explicit, so a NUL byte is hashed like any other. */
static void t_fnv1a64_vectors(void) {
  static const struct {
    const char *s;
    size_t n;
    uint64_t h;
  } v[] = {
      {"", 0, 0xcbf29ce484222325u},     {"a", 1, 0xaf63dc4c8601ec8cu},
      {"b", 1, 0xaf63df4c8601f1a5u},    {"c", 1, 0xaf63de4c8601eff2u},
      {"fo", 2, 0x08985907b541d342u},   {"foo", 3, 0xdcb27518fed9d577u},
      {"foob", 4, 0xdd120e790c2512afu}, {"fooba", 5, 0xcac165afa2fef40au},
      {"foobar", 6, 0x85944171f73967e8u}, {"\0", 1, 0xaf63bd4c8601b7dfu},
  };
  for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
    uint64_t h = fnv1a64(v[i].s, v[i].n);
    CU_ASSERT_EQUAL(h, v[i].h);
    if (h != v[i].h)
      fprintf(stderr, "\n  fnv1a64(\"%s\"): %016llx, want %016llx\n", v[i].s,
              (unsigned long long)h, (unsigned long long)v[i].h);
  }
  CU_ASSERT_EQUAL(fnv1a64(NULL, 0), FNV1A64_OFFSET);
}

/* The seed of the random fill by name that docs/random.md pins, and a byte
 * above 0x7f (hashed as unsigned). */
static void t_fnv1a64_project(void) {
  CU_ASSERT_EQUAL(fnv1a64("fc.weight", 9), 0x79fb28a75603c7a0u);
  CU_ASSERT_EQUAL(fnv1a64("\xff\0a", 3), 0xf920aa1be4159d31u);
}

int main(void) {
  static const UnitTest tests[] = {
      {"float text: integers", t_float_integers},
      {"float text: fractions", t_float_fractions},
      {"float text: extremes and denormals", t_float_extremes},
      {"float text: inf and nan", t_float_specials},
      {"float text: a sweep of magnitudes", t_float_sweep},
      {"fnv1a64: published vectors", t_fnv1a64_vectors},
      {"fnv1a64: the random fill's pinned seed, high bytes", t_fnv1a64_project},
  };
  return unit_run("lang", tests, (int)(sizeof tests / sizeof *tests));
}
