/* test_lexer.c -- CUnit suite of the re2c lexer: token kinds, values,
 * locations, comments, and the errors on malformed input. */
#include "tests/unit/unit.h"

/* Lexes `src` into at most `max` tokens (stopping after TK_EOF); returns the
 * count.  Diagnostics go to u's memory stream. */
static int lex_all(UnitFront *u, const char *src, size_t len, Token *toks, int max) {
  int id = srcmgr_add(&u->f.sm, "t.xg", src, len);
  Lexer lx;
  lex_init(&lx, &u->f.sm, id, &u->f.diag, &u->f.names);
  int n = 0;
  while (n < max) {
    lex_next(&lx, &toks[n]);
    if (toks[n++].kind == TK_EOF) break;
  }
  return n;
}

static void t_kinds(void) {
  UnitFront u;
  unit_front_init(&u);
  const char *src = "op model param import true false f32 f16 i32 i8 bool int float "
                    "( ) [ ] { } , ; : . ... -> = + - * / % == != < <= > >= && || ! ? ??";
  static const TokKind want[] = {
      TK_KW_OP, TK_KW_MODEL, TK_KW_PARAM, TK_KW_IMPORT, TK_KW_TRUE, TK_KW_FALSE,
      TK_KW_F32, TK_KW_F16, TK_KW_I32, TK_KW_I8, TK_KW_BOOL, TK_KW_INT, TK_KW_FLOATT,
      TK_LPAREN, TK_RPAREN, TK_LBRACKET, TK_RBRACKET, TK_LBRACE, TK_RBRACE, TK_COMMA,
      TK_SEMI, TK_COLON, TK_DOT, TK_ELLIPSIS, TK_ARROW, TK_ASSIGN, TK_PLUS, TK_MINUS,
      TK_STAR, TK_SLASH, TK_PERCENT, TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
      TK_ANDAND, TK_OROR, TK_NOT, TK_QUESTION, TK_QQ, TK_EOF};
  Token t[64];
  int n = lex_all(&u, src, strlen(src), t, 64);
  CU_ASSERT_EQUAL(n, (int)(sizeof want / sizeof *want));
  for (int i = 0; i < n && i < (int)(sizeof want / sizeof *want); i++)
    CU_ASSERT_EQUAL(t[i].kind, want[i]);
  CU_ASSERT_EQUAL(u.f.diag.errors, 0);
  unit_front_free(&u);
}

static void t_idents_keywords_prefix(void) {
  UnitFront u;
  unit_front_init(&u);
  Token t[8];
  const char *src = "opx f32x _a1 mean op";
  int n = lex_all(&u, src, strlen(src), t, 8);
  CU_ASSERT_EQUAL(n, 6);
  CU_ASSERT_EQUAL(t[0].kind, TK_IDENT);
  CU_ASSERT_STRING_EQUAL(t[0].text, "opx");
  CU_ASSERT_EQUAL(t[1].kind, TK_IDENT);
  CU_ASSERT_EQUAL(t[2].kind, TK_IDENT);
  CU_ASSERT_EQUAL(t[3].kind, TK_IDENT); /* reduction names are identifiers */
  CU_ASSERT_EQUAL(t[4].kind, TK_KW_OP);
  /* interned: equal names are equal pointers */
  CU_ASSERT_PTR_EQUAL(t[3].text, intern_cstr(&u.f.names, "mean"));
  unit_front_free(&u);
}

static void t_numbers(void) {
  UnitFront u;
  unit_front_init(&u);
  Token t[16];
  const char *src = "0 42 1.5 .25 1e-5 2.5E+3 9223372036854775807 7.";
  int n = lex_all(&u, src, strlen(src), t, 16);
  CU_ASSERT_EQUAL(n, 10);
  CU_ASSERT_EQUAL(t[0].kind, TK_INT);
  CU_ASSERT_EQUAL(t[0].ival, 0);
  CU_ASSERT_EQUAL(t[1].ival, 42);
  CU_ASSERT_EQUAL(t[2].kind, TK_FLOAT);
  CU_ASSERT_DOUBLE_EQUAL(t[2].fval, 1.5, 0);
  CU_ASSERT_DOUBLE_EQUAL(t[3].fval, 0.25, 0);
  CU_ASSERT_DOUBLE_EQUAL(t[4].fval, 1e-5, 1e-20);
  CU_ASSERT_DOUBLE_EQUAL(t[5].fval, 2500.0, 0);
  CU_ASSERT_EQUAL(t[6].kind, TK_INT);
  CU_ASSERT_EQUAL(t[6].ival, INT64_MAX);
  /* "7." is an integer followed by a dot: floats need digits after '.' */
  CU_ASSERT_EQUAL(t[7].kind, TK_INT);
  CU_ASSERT_EQUAL(t[8].kind, TK_DOT);
  CU_ASSERT_EQUAL(u.f.diag.errors, 0);
  unit_front_free(&u);
}

static void t_int_overflow(void) {
  UnitFront u;
  unit_front_init(&u);
  Token t[4];
  const char *src = "x = 9223372036854775808;";
  lex_all(&u, src, strlen(src), t, 4);
  CU_ASSERT_EQUAL(t[2].kind, TK_ERROR);
  CU_ASSERT_STRING_EQUAL(unit_diags(&u),
                         "t.xg:1:5: error: integer literal '9223372036854775808' is too large "
                         "(the limit is 2^63-1)\n"
                         "  x = 9223372036854775808;\n"
                         "      ^~~~~~~~~~~~~~~~~~~\n");
  unit_front_free(&u);
}

static void t_locations_and_comments(void) {
  UnitFront u;
  unit_front_init(&u);
  Token t[8];
  const char *src = "# a comment\n  abc # trailing\n\tx\r\n  [";
  int n = lex_all(&u, src, strlen(src), t, 8);
  CU_ASSERT_EQUAL(n, 4);
  CU_ASSERT_EQUAL(t[0].loc.line, 2);
  CU_ASSERT_EQUAL(t[0].loc.col, 3);
  CU_ASSERT_EQUAL(t[0].loc.off, 14);
  CU_ASSERT_EQUAL(t[0].loc.len, 3);
  CU_ASSERT_EQUAL(t[1].loc.line, 3);
  CU_ASSERT_EQUAL(t[1].loc.col, 2);
  CU_ASSERT_EQUAL(t[2].kind, TK_LBRACKET);
  CU_ASSERT_EQUAL(t[2].loc.line, 4);
  CU_ASSERT_EQUAL(t[2].loc.col, 3);
  CU_ASSERT_EQUAL(t[3].kind, TK_EOF);
  CU_ASSERT_EQUAL(t[3].loc.line, 4);
  CU_ASSERT_EQUAL(t[3].loc.col, 4);
  unit_front_free(&u);
}

static void t_comment_at_eof(void) {
  UnitFront u;
  unit_front_init(&u);
  Token t[4];
  const char *src = "a # no newline at the end";
  int n = lex_all(&u, src, strlen(src), t, 4);
  CU_ASSERT_EQUAL(n, 2);
  CU_ASSERT_EQUAL(t[1].kind, TK_EOF);
  unit_front_free(&u);
}

static void t_stray_bytes(void) {
  UnitFront u;
  unit_front_init(&u);
  Token t[8];
  const char src[] = {'a', ' ', '$', ' ', '\xff', ' ', '\0', ' ', 'b'};
  int n = lex_all(&u, src, sizeof src, t, 8);
  CU_ASSERT_EQUAL(n, 6);
  CU_ASSERT_EQUAL(t[1].kind, TK_ERROR);
  CU_ASSERT_EQUAL(t[2].kind, TK_ERROR);
  CU_ASSERT_EQUAL(t[3].kind, TK_ERROR);
  CU_ASSERT_EQUAL(t[4].kind, TK_IDENT); /* lexing goes on after errors */
  CU_ASSERT_EQUAL(t[5].kind, TK_EOF);
  CU_ASSERT_EQUAL(u.f.diag.errors, 3);
  const char *d = unit_diags(&u);
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:1:3: error: unexpected character '$'\n"));
  CU_ASSERT_PTR_NOT_NULL(
      strstr(d, "t.xg:1:5: error: unexpected non-ASCII text (1 byte; only ASCII is allowed outside comments)\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:1:7: error: NUL byte in source file\n"));
  unit_front_free(&u);
}

static void t_non_ascii_run(void) {
  UnitFront u;
  unit_front_init(&u);
  Token t[8];
  const char *src = "a \xc3\xa9\xe2\x82\xac b \x01";
  int n = lex_all(&u, src, strlen(src), t, 8);
  CU_ASSERT_EQUAL(n, 5);
  CU_ASSERT_EQUAL(t[1].kind, TK_ERROR); /* one error for the whole run */
  CU_ASSERT_EQUAL(t[1].loc.len, 5);
  CU_ASSERT_EQUAL(t[2].kind, TK_IDENT);
  CU_ASSERT_EQUAL(t[3].kind, TK_ERROR);
  CU_ASSERT_EQUAL(u.f.diag.errors, 2);
  const char *d = unit_diags(&u);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(d, "t.xg:1:3: error: unexpected non-ASCII text (5 bytes; only ASCII is allowed outside comments)\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(d, "t.xg:1:11: error: unexpected control character 0x01\n"));
  unit_front_free(&u);
}

static void t_eof_repeats(void) {
  UnitFront u;
  unit_front_init(&u);
  int id = srcmgr_add(&u.f.sm, "e.xg", "", 0);
  Lexer lx;
  lex_init(&lx, &u.f.sm, id, &u.f.diag, &u.f.names);
  Token t;
  for (int i = 0; i < 3; i++) {
    lex_next(&lx, &t);
    CU_ASSERT_EQUAL(t.kind, TK_EOF);
    CU_ASSERT_EQUAL(t.loc.line, 1);
    CU_ASSERT_EQUAL(t.loc.col, 1);
  }
  unit_front_free(&u);
}

static void t_error_cap(void) {
  UnitFront u;
  unit_front_init(&u);
  u.f.diag.max_errors = 3;
  Token t[16];
  const char *src = "$ $ $ $ $";
  lex_all(&u, src, strlen(src), t, 16);
  CU_ASSERT_EQUAL(u.f.diag.errors, 3);
  CU_ASSERT_TRUE(diag_should_stop(&u.f.diag));
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "xgc: error: too many errors (3), stopping now\n"));
  unit_front_free(&u);
}

static void t_caret_with_tab(void) {
  UnitFront u;
  unit_front_init(&u);
  int id = srcmgr_add(&u.f.sm, "c.xg", "\tab cd\n", 7);
  Loc l = {.file = id, .line = 1, .col = 5, .off = 4, .len = 2};
  diag_warning(&u.f.diag, l, "look %s", "here");
  diag_note(&u.f.diag, l, "and here");
  CU_ASSERT_STRING_EQUAL(unit_diags(&u),
                         "c.xg:1:5: warning: look here\n  \tab cd\n  \t   ^~\n"
                         "c.xg:1:5: note: and here\n  \tab cd\n  \t   ^~\n");
  CU_ASSERT_EQUAL(u.f.diag.warnings, 1);
  CU_ASSERT_EQUAL(u.f.diag.errors, 0);
  unit_front_free(&u);
}

int main(void) {
  static const UnitTest tests[] = {
      {"token kinds", t_kinds},
      {"identifiers, keywords and prefixes", t_idents_keywords_prefix},
      {"numbers", t_numbers},
      {"integer overflow", t_int_overflow},
      {"locations and comments", t_locations_and_comments},
      {"comment at end of file", t_comment_at_eof},
      {"stray bytes", t_stray_bytes},
      {"a run of non-ASCII bytes is one error", t_non_ascii_run},
      {"EOF repeats", t_eof_repeats},
      {"error cap", t_error_cap},
      {"caret under a tab", t_caret_with_tab},
  };
  return unit_run("lexer", tests, (int)(sizeof tests / sizeof *tests));
}
