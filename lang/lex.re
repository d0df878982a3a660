/* lex.re -- the re2c lexer of .xg sources.  It uses the NUL terminator that
 * the SourceMgr guarantees as a sentinel: no rule but the last matches a NUL
 * byte, so the scanner never reads past the buffer. */
#include "lang/lang.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const tok_names[] = {
#define X(k, s) s,
    XG_TOKENS(X)
#undef X
};
_Static_assert(sizeof tok_names / sizeof *tok_names == TK__COUNT,
               "one name per token kind");

const char *tok_kind_name(TokKind k) {
  return (unsigned)k < TK__COUNT ? tok_names[k] : "?";
}

void lex_init(Lexer *lx, const SourceMgr *sm, int file, Diag *d, Interner *names) {
  const SourceFile *f = srcmgr_file(sm, file);
  lx->sm = sm;
  lx->diag = d;
  lx->names = names;
  lx->file = file;
  lx->base = lx->cur = lx->line_start = f->text;
  lx->lim = f->text + f->len;
  lx->line = 1;
}

static Loc loc_at(const Lexer *lx, const char *start, const char *end) {
  Loc l;
  l.file = lx->file;
  l.line = lx->line;
  l.col = (int32_t)(start - lx->line_start) + 1;
  l.off = (int32_t)(start - lx->base);
  l.len = (int32_t)(end - start);
  return l;
}

static void newline(Lexer *lx, const char *after) {
  lx->line++;
  lx->line_start = after;
}

static void lex_int(Lexer *lx, Token *t, const char *s, const char *e) {
  int64_t v = 0;
  for (const char *p = s; p < e; p++) {
    int dgt = *p - '0';
    if (v > (INT64_MAX - dgt) / 10) {
      diag_error(lx->diag, t->loc, "integer literal '%.*s' is too large (the limit is 2^63-1)",
                 (int)(e - s > 40 ? 40 : e - s), s);
      t->kind = TK_ERROR;
      return;
    }
    v = v * 10 + dgt;
  }
  t->ival = v;
}

static void lex_float(Lexer *lx, Token *t, const char *s, const char *e) {
  char buf[128];
  size_t n = (size_t)(e - s);
  if (n >= sizeof buf) {
    diag_error(lx->diag, t->loc, "float literal is too long (%zu characters)", n);
    t->kind = TK_ERROR;
    return;
  }
  memcpy(buf, s, n);
  buf[n] = 0;
  errno = 0;
  t->fval = strtod(buf, NULL);
  if (errno == ERANGE && (t->fval > 1.0 || t->fval < -1.0)) {
    diag_error(lx->diag, t->loc, "float literal '%s' is out of range", buf);
    t->kind = TK_ERROR;
  }
}

/* Reports a run of control or non-ASCII bytes as one error: a UTF-8
 * character, or a binary file, should not give an error per byte. */
static int is_binary(unsigned char c) {
  return c >= 0x7f || (c < 0x20 && c != '\t' && c != '\n' && c != '\r');
}

static void lex_binary(Lexer *lx, Token *t, const unsigned char *s, const unsigned char *e) {
  int n = (int)(e - s), ascii = 0;
  for (const unsigned char *p = s; p < e; p++) ascii |= *p < 0x80;
  t->kind = TK_ERROR;
  if (n == 1 && *s == 0)
    diag_error(lx->diag, t->loc, "NUL byte in source file");
  else if (n == 1 && ascii)
    diag_error(lx->diag, t->loc, "unexpected control character 0x%02x", *s);
  else if (!ascii)
    diag_error(lx->diag, t->loc, "unexpected non-ASCII text (%d byte%s; only ASCII is allowed outside comments)",
               n, n == 1 ? "" : "s");
  else
    diag_error(lx->diag, t->loc, "unexpected binary data (%d control or non-ASCII bytes)", n);
}

/* Reports a byte that cannot start a token. */
static void lex_stray(Lexer *lx, Token *t, unsigned char c) {
  t->kind = TK_ERROR;
  diag_error(lx->diag, t->loc, "unexpected character '%c'", c);
}

/*!re2c
  re2c:api:style = free-form;
  re2c:define:YYCTYPE = "unsigned char";
  re2c:define:YYCURSOR = "cur";
  re2c:define:YYMARKER = "mar";
  re2c:yyfill:enable = 0;
  re2c:flags:tags = 0;

  digit = [0-9];
  ident = [A-Za-z_][A-Za-z0-9_]*;
  exp   = [eE] [+-]? digit+;
  float = digit+ "." digit+ exp? | "." digit+ exp? | digit+ exp;
*/

void lex_next(Lexer *lx, Token *t) {
  const unsigned char *cur, *mar, *start;
  memset(t, 0, sizeof *t);
again:
  cur = (const unsigned char *)lx->cur;
  start = cur;
#define TOK(k) do { t->kind = (k); goto done; } while (0)
  /*!re2c
    [ \t\r]+               { lx->cur = (const char *)cur; goto again; }
    "\n"                   { newline(lx, (const char *)cur); lx->cur = (const char *)cur; goto again; }
    "#" [^\n\x00]*         { lx->cur = (const char *)cur; goto again; }

    "op"      { TOK(TK_KW_OP); }
    "model"   { TOK(TK_KW_MODEL); }
    "param"   { TOK(TK_KW_PARAM); }
    "import"  { TOK(TK_KW_IMPORT); }
    "true"    { TOK(TK_KW_TRUE); }
    "false"   { TOK(TK_KW_FALSE); }
    "f32"     { TOK(TK_KW_F32); }
    "f16"     { TOK(TK_KW_F16); }
    "i32"     { TOK(TK_KW_I32); }
    "i8"      { TOK(TK_KW_I8); }
    "bool"    { TOK(TK_KW_BOOL); }
    "int"     { TOK(TK_KW_INT); }
    "float"   { TOK(TK_KW_FLOATT); }
    ident     { TOK(TK_IDENT); }
    digit+    { TOK(TK_INT); }
    float     { TOK(TK_FLOAT); }

    "("   { TOK(TK_LPAREN); }
    ")"   { TOK(TK_RPAREN); }
    "["   { TOK(TK_LBRACKET); }
    "]"   { TOK(TK_RBRACKET); }
    "{"   { TOK(TK_LBRACE); }
    "}"   { TOK(TK_RBRACE); }
    ","   { TOK(TK_COMMA); }
    ";"   { TOK(TK_SEMI); }
    ":"   { TOK(TK_COLON); }
    "..." { TOK(TK_ELLIPSIS); }
    "."   { TOK(TK_DOT); }
    "->"  { TOK(TK_ARROW); }
    "=="  { TOK(TK_EQ); }
    "!="  { TOK(TK_NE); }
    "<="  { TOK(TK_LE); }
    ">="  { TOK(TK_GE); }
    "&&"  { TOK(TK_ANDAND); }
    "||"  { TOK(TK_OROR); }
    "??"  { TOK(TK_QQ); }
    "="   { TOK(TK_ASSIGN); }
    "+"   { TOK(TK_PLUS); }
    "-"   { TOK(TK_MINUS); }
    "*"   { TOK(TK_STAR); }
    "/"   { TOK(TK_SLASH); }
    "%"   { TOK(TK_PERCENT); }
    "<"   { TOK(TK_LT); }
    ">"   { TOK(TK_GT); }
    "!"   { TOK(TK_NOT); }
    "?"   { TOK(TK_QUESTION); }

    "\x00" {
      if ((const char *)start == lx->lim) {
        lx->cur = (const char *)start; /* stay at the end: EOF repeats */
        t->kind = TK_EOF;
        t->loc = loc_at(lx, (const char *)start, (const char *)start);
        return;
      }
      /* NUL inside the file: take the whole run of binary bytes. */
      while ((const char *)cur < lx->lim && is_binary(*cur)) cur++;
      lx->cur = (const char *)cur;
      t->loc = loc_at(lx, (const char *)start, (const char *)cur);
      lex_binary(lx, t, start, cur);
      return;
    }
    [\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]+ {
      while ((const char *)cur < lx->lim && is_binary(*cur)) cur++; /* NULs too */
      lx->cur = (const char *)cur;
      t->loc = loc_at(lx, (const char *)start, (const char *)cur);
      lex_binary(lx, t, start, cur);
      return;
    }
    * { goto stray; }
  */
stray:
  lx->cur = (const char *)cur;
  t->loc = loc_at(lx, (const char *)start, (const char *)cur);
  lex_stray(lx, t, *start);
  return;
done:
#undef TOK
  lx->cur = (const char *)cur;
  t->loc = loc_at(lx, (const char *)start, (const char *)cur);
  if (t->kind == TK_IDENT)
    t->text = intern(lx->names, (const char *)start, (size_t)(cur - start));
  else if (t->kind == TK_INT)
    lex_int(lx, t, (const char *)start, (const char *)cur);
  else if (t->kind == TK_FLOAT)
    lex_float(lx, t, (const char *)start, (const char *)cur);
  (void)mar;
}
