/* parse_ctx.h -- the state of one parse: the Front, the lexer, the module
 * being built, and the stack of open brackets that error messages cite. */
#ifndef XG_PARSE_CTX_H
#define XG_PARSE_CTX_H

#include "parser/parser.h"

/* Brackets nest at most this deep.  Deeper input is reported once ("nesting
 * is too deep") and the rest of that construct is skipped, so neither the
 * parser's stack nor any AST walker can overflow.  No real program comes
 * near it; AST_MAX_DEPTH bounds the expressions built without brackets. */
enum { PARSE_MAX_NEST = 256 };

/* An open bracket: its token kind, where it is, and the token before it
 * (an identifier: the arguments of a call, so "f(x) y" inside an operand
 * can be explained; '->': the results of an op or model). */
typedef struct ParseBracket {
  TokKind kind;
  Loc loc;
  TokKind before;
} ParseBracket;

typedef struct ParseCtx {
  Front *f;
  Arena *arena;
  Lexer lx;
  int file;
  AstNode *module;  /* AST_MODULE; declarations are added as they finish */
  Token tok;        /* the last token read: the parser's lookahead */
  Token prev;       /* the token before it */
  Token ahead;      /* a token read too far (see pc_skip_deep) */
  int have_ahead;
  /* The open brackets.  A token's effect on the stack is applied when the
   * next token is read (once the parser has consumed it), so an error at a
   * closing bracket still sees the bracket it fails to close. */
  ParseBracket br[PARSE_MAX_NEST];
  int nbr;
  int pending;      /* 1: tok's bracket effect is not applied yet */
  int last_close_call; /* the last ')' closed the arguments of a call */
  int quiet;        /* the lookahead is an error already reported */
  int deep_reported; /* a depth error was reported in this statement */
  int decl_kw;      /* TK_KW_OP/MODEL/IMPORT of the declaration being read */
  Loc body_end;     /* the '}' of the block just read */
  int errors_mark;  /* diag.errors when the last declaration ended */
} ParseCtx;

#endif
