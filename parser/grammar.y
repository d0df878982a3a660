/* grammar.y -- the bison grammar of .xg sources; it follows section 8 of
 * docs/language.md rule for rule, with one-call actions and error recovery. */

/* How to read this file.  Every rule below is a rule of the EBNF in
 * docs/language.md section 8, written out (lists become left-recursive
 * rules, optional parts become %empty alternatives).  Actions are one call:
 * ast_* constructors (parser/ast.c) for nodes that cannot fail, pc_*
 * builders (at the end of this file) for nodes that check something.
 *
 * Conflicts: one, resolved by precedence (%expect 0 counts only the
 * unresolved ones).  After a call `f(...)` a token that can start an
 * expression begins the body of a reduction (`sum(k) x[k]`), except `-`:
 * "a `-` after a call is always the binary minus" (language.md section 8).
 * `primary: call %prec CALL` with CALL above '-' makes bison reduce the call
 * on '-' instead of shifting it into a reduction body.
 *
 * Error recovery: a broken statement is skipped to its ';' (or to the '}'
 * that closes the block), a broken declaration to its closing '}' or to the
 * next 'op', 'model' or 'import'; past that point errors are reported
 * again at once (yyerrok), so one run reports every broken statement.
 * Declarations are added to the module as
 * they finish, so an aborted parse (end of file inside a block) keeps them. */

%require "3.8"
%define api.pure full
%define api.prefix {parse_}
%define api.location.type {Loc}
%define parse.error custom
%define parse.lac full
%locations
%parse-param {ParseCtx *ctx}
%lex-param {ParseCtx *ctx}
%expect 0

%code requires {
#include "parser/parse_ctx.h"
}

%code {
#include <stdlib.h>
#include <string.h>

/* A rule's location spans its first to its last symbol (loc_span, inline
 * here: it runs on every reduction); an empty rule sits, empty, at the
 * start of the symbol before it. */
static inline Loc pc_span(Loc a, Loc b) {
  int32_t end = b.off + b.len;
  if (a.file == b.file && end > a.off + a.len) a.len = end - a.off;
  return a;
}
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                  \
  do {                                                               \
    if (N) {                                                         \
      (Cur) = pc_span(YYRHSLOC(Rhs, 1), YYRHSLOC(Rhs, N));           \
    } else {                                                         \
      (Cur) = YYRHSLOC(Rhs, 0);                                      \
      (Cur).len = 0;                                                 \
    }                                                                \
  } while (0)

/* The parser's stack (states, values and locations) grows on the heap up to
 * this many entries.  Real programs need a few hundred: every bracket level
 * (at most PARSE_MAX_NEST) and every expression level (at most
 * AST_MAX_DEPTH) holds a few.  Input that needs more (a 20,000-long chain of
 * prefix '-', say) gets "nesting is too deep" instead of a crash. */
#define YYMAXDEPTH 10000

static int parse_lex(PARSE_STYPE *lval, Loc *lloc, ParseCtx *ctx);
static void parse_error(Loc *lloc, ParseCtx *ctx, const char *msg);

static PtrVec *pc_push(ParseCtx *ctx, PtrVec *v, void *item);
static void pc_add_decl(ParseCtx *ctx, AstNode *decl);
static void pc_add_decl_after_error(ParseCtx *ctx, AstNode *decl);
static void pc_recover_decl(ParseCtx *ctx);
static PtrVec *pc_recover_stmt(ParseCtx *ctx, PtrVec *stmts);
static PtrVec *pc_body(ParseCtx *ctx, PtrVec *stmts, Loc end);
static PtrVec *pc_body_after_error(ParseCtx *ctx, PtrVec *stmts, Loc end);
static AstNode *pc_decl(ParseCtx *ctx, AstKind k, Loc loc, const char *name, PtrVec *params,
                        PtrVec *results, PtrVec *body);
static AstNode *pc_def(ParseCtx *ctx, Loc loc, AstNode *lhs, AstNode *rhs);
static AstNode *pc_let(ParseCtx *ctx, Loc loc, PtrVec *names, AstNode *rhs);
static AstNode *pc_weight(ParseCtx *ctx, Loc loc, const char *name, AstNode *type);
static AstNode *pc_reduce(ParseCtx *ctx, Loc loc, AstNode *call, AstNode *body);
static AstNode *pc_cond(ParseCtx *ctx, Loc loc, AstNode *c, AstNode *t, AstNode *f);
static AstNode *pc_binary(ParseCtx *ctx, Loc loc, AstOp op, AstNode *l, AstNode *r);
static AstNode *pc_unary(ParseCtx *ctx, Loc loc, AstOp op, AstNode *e);
static AstNode *pc_default(ParseCtx *ctx, Loc loc, AstNode *access, AstNode *fallback);
static AstNode *pc_call(ParseCtx *ctx, Loc loc, AstNode *callee, PtrVec *args);
static AstNode *pc_cast(ParseCtx *ctx, Loc loc, ElemType t, AstNode *e);
static AstNode *pc_access(ParseCtx *ctx, Loc loc, AstNode *name, PtrVec *subs);
static AstNode *pc_kwarg(ParseCtx *ctx, Loc loc, const char *name, AstNode *e);
}

/* Values are one word: the parser copies them on every shift and reduce. */
%union {
  AstNode *node;
  PtrVec *vec;
  const char *str;
  int64_t ival;
  double fval;
  ElemType elem;
}

/* Token names must not clash with the lexer's TokKind names (TK_*); the
 * aliases are what bison's tables show, messages use tok_kind_name(). */
%token <str> T_IDENT "identifier"
%token <ival> T_INT "integer literal"
%token <fval> T_FLOAT "float literal"
%token T_ERROR "invalid token"   /* a lexical error, already reported */
%token K_OP "op" K_MODEL "model" K_PARAM "param" K_IMPORT "import"
%token K_TRUE "true" K_FALSE "false"
%token K_F32 "f32" K_F16 "f16" K_I32 "i32" K_I8 "i8" K_BOOL "bool"
%token K_INT "int" K_FLOAT "float"
%token T_ELLIPSIS "..." T_ARROW "->" T_EQ "==" T_NE "!=" T_LE "<=" T_GE ">="
%token T_ANDAND "&&" T_OROR "||" T_QQ "??"

%type <node> decl import opdef modeldef param result tensortype dim
%type <node> opstmt modelstmt lhsname
%type <node> expr cond or and eq rel add mul unary postfix primary call access sub arg name
%type <vec> params_opt params results_opt results dims_opt dims
%type <vec> opstmts modelstmts names subs_opt subs args_opt args opbody modelbody
%type <elem> elemtype scalartype

%precedence '-'
%precedence CALL

%%

file
  : %empty
  | file decl                   { pc_add_decl(ctx, $2); }
  | file error '}'              { yyerrok; pc_recover_decl(ctx); }
  | file error decl             { yyerrok; pc_add_decl_after_error(ctx, $3); }
  ;

decl
  : import
  | opdef
  | modeldef
  ;

import
  : "import" T_IDENT ';'        { $$ = ast_import(ctx->arena, @$, $2); }
  ;

/* ------------------------------------------------------------------ ops */

opdef
  : "op" T_IDENT '(' params_opt ')' "->" '(' results ')' opbody
                                { $$ = pc_decl(ctx, AST_OP, @$, $2, $4, $8, $10); }
  ;

params_opt
  : %empty                      { $$ = NULL; }
  | params
  ;

params
  : param                       { $$ = pc_push(ctx, NULL, $1); }
  | params ',' param            { $$ = pc_push(ctx, $1, $3); }
  ;

param
  : T_IDENT ':' tensortype      { $$ = ast_tensor_param(ctx->arena, @$, $1, $3); }
  | "param" T_IDENT ':' tensortype
                                { $$ = ast_weight_param(ctx->arena, @$, $2, $4); }
  | T_IDENT ':' scalartype      { $$ = ast_attr_param(ctx->arena, @$, $1, $3, NULL); }
  | T_IDENT ':' scalartype '=' expr
                                { $$ = ast_attr_param(ctx->arena, @$, $1, $3, $5); }
  ;

results
  : result                      { $$ = pc_push(ctx, NULL, $1); }
  | results ',' result          { $$ = pc_push(ctx, $1, $3); }
  ;

result
  : T_IDENT ':' tensortype      { $$ = ast_tensor_param(ctx->arena, @$, $1, $3); }
  ;

tensortype
  : elemtype '[' dims_opt ']'   { $$ = ast_type(ctx->arena, @$, $1, $3); }
  ;

dims_opt
  : %empty                      { $$ = NULL; }
  | dims
  ;

dims
  : dim                         { $$ = pc_push(ctx, NULL, $1); }
  | dims ',' dim                { $$ = pc_push(ctx, $1, $3); }
  ;

dim
  : expr
  | T_IDENT "..."               { $$ = ast_pack(ctx->arena, @$, $1); }
  ;

elemtype
  : "f32"                       { $$ = ELEM_F32; }
  | "f16"                       { $$ = ELEM_F16; }
  | "i32"                       { $$ = ELEM_I32; }
  | "i8"                        { $$ = ELEM_I8; }
  | "bool"                      { $$ = ELEM_BOOL; }
  ;

scalartype
  : "int"                       { $$ = ELEM_INT; }
  | "float"                     { $$ = ELEM_FLOAT; }
  | "bool"                      { $$ = ELEM_BOOL; }
  ;

opbody
  : '{' opstmts '}'             { $$ = pc_body(ctx, $2, @3); }
  | '{' opstmts error '}'       { yyerrok; $$ = pc_body_after_error(ctx, $2, @4); }
  ;

opstmts
  : %empty                      { $$ = NULL; }
  | opstmts opstmt              { $$ = pc_push(ctx, $1, $2); }
  | opstmts error ';'           { yyerrok; $$ = pc_recover_stmt(ctx, $1); }
  ;

opstmt
  : access '=' expr ';'         { $$ = pc_def(ctx, @$, $1, $3); }
  ;

/* --------------------------------------------------------------- models */

modeldef
  : "model" T_IDENT '(' results_opt ')' "->" '(' results ')' modelbody
                                { $$ = pc_decl(ctx, AST_MODEL, @$, $2, $4, $8, $10); }
  ;

results_opt
  : %empty                      { $$ = NULL; }
  | results
  ;

modelbody
  : '{' modelstmts '}'          { $$ = pc_body(ctx, $2, @3); }
  | '{' modelstmts error '}'    { yyerrok; $$ = pc_body_after_error(ctx, $2, @4); }
  ;

modelstmts
  : %empty                      { $$ = NULL; }
  | modelstmts modelstmt        { $$ = pc_push(ctx, $1, $2); }
  | modelstmts error ';'        { yyerrok; $$ = pc_recover_stmt(ctx, $1); }
  ;

modelstmt
  : "param" T_IDENT ':' tensortype ';'
                                { $$ = pc_weight(ctx, @$, $2, $4); }
  | names '=' expr ';'          { $$ = pc_let(ctx, @$, $1, $3); }
  ;

names
  : lhsname                     { $$ = pc_push(ctx, NULL, $1); }
  | names ',' lhsname           { $$ = pc_push(ctx, $1, $3); }
  ;

lhsname
  : T_IDENT                     { $$ = ast_name(ctx->arena, @$, NULL, $1); }
  ;

/* ---------------------------------------------------------- expressions */

expr
  : call expr                   { $$ = pc_reduce(ctx, @$, $1, $2); }
  | cond
  ;

cond
  : or
  | or '?' expr ':' expr        { $$ = pc_cond(ctx, @$, $1, $3, $5); }
  ;

or
  : and
  | or "||" and                 { $$ = pc_binary(ctx, @$, OP_OR, $1, $3); }
  ;

and
  : eq
  | and "&&" eq                 { $$ = pc_binary(ctx, @$, OP_AND, $1, $3); }
  ;

eq
  : rel
  | rel "==" rel                { $$ = pc_binary(ctx, @$, OP_EQ, $1, $3); }
  | rel "!=" rel                { $$ = pc_binary(ctx, @$, OP_NE, $1, $3); }
  ;

rel
  : add
  | add '<' add                 { $$ = pc_binary(ctx, @$, OP_LT, $1, $3); }
  | add "<=" add                { $$ = pc_binary(ctx, @$, OP_LE, $1, $3); }
  | add '>' add                 { $$ = pc_binary(ctx, @$, OP_GT, $1, $3); }
  | add ">=" add                { $$ = pc_binary(ctx, @$, OP_GE, $1, $3); }
  ;

add
  : mul
  | add '+' mul                 { $$ = pc_binary(ctx, @$, OP_ADD, $1, $3); }
  | add '-' mul                 { $$ = pc_binary(ctx, @$, OP_SUB, $1, $3); }
  ;

mul
  : unary
  | mul '*' unary               { $$ = pc_binary(ctx, @$, OP_MUL, $1, $3); }
  | mul '/' unary               { $$ = pc_binary(ctx, @$, OP_DIV, $1, $3); }
  | mul '%' unary               { $$ = pc_binary(ctx, @$, OP_MOD, $1, $3); }
  ;

unary
  : '-' unary                   { $$ = pc_unary(ctx, @$, OP_NEG, $2); }
  | '!' unary                   { $$ = pc_unary(ctx, @$, OP_NOT, $2); }
  | postfix
  ;

postfix
  : access
  | access "??" unary           { $$ = pc_default(ctx, @$, $1, $3); }
  | primary
  ;

access
  : name '[' subs_opt ']'       { $$ = pc_access(ctx, @$, $1, $3); }
  ;

subs_opt
  : %empty                      { $$ = NULL; }
  | subs
  ;

subs
  : sub                         { $$ = pc_push(ctx, NULL, $1); }
  | subs ',' sub                { $$ = pc_push(ctx, $1, $3); }
  ;

sub
  : expr
  | T_IDENT "..."               { $$ = ast_pack(ctx->arena, @$, $1); }
  ;

primary
  : T_INT                       { $$ = ast_int(ctx->arena, @$, $1); }
  | T_FLOAT                     { $$ = ast_float(ctx->arena, @$, $1); }
  | "true"                      { $$ = ast_bool(ctx->arena, @$, 1); }
  | "false"                     { $$ = ast_bool(ctx->arena, @$, 0); }
  | name
  | call %prec CALL
  | elemtype '(' expr ')'       { $$ = pc_cast(ctx, @$, $1, $3); }
  | '(' expr ')'                { $$ = $2; }
  ;

call
  : name '(' args_opt ')'       { $$ = pc_call(ctx, @$, $1, $3); }
  ;

args_opt
  : %empty                      { $$ = NULL; }
  | args
  ;

args
  : arg                         { $$ = pc_push(ctx, NULL, $1); }
  | args ',' arg                { $$ = pc_push(ctx, $1, $3); }
  ;

arg
  : expr
  | T_IDENT '=' expr            { $$ = pc_kwarg(ctx, @$, $1, $3); }
  ;

name
  : T_IDENT                     { $$ = ast_name(ctx->arena, @$, NULL, $1); }
  | T_IDENT '.' T_IDENT         { $$ = ast_name(ctx->arena, @$, $1, $3); }
  ;

%%

/* ------------------------------------------------------------ the lexer */

/* The bison token of each lexer token.  A switch without default, so that
 * -Wswitch-enum reports a token kind added to lang.h and not mapped here. */
static int pc_token(TokKind k) {
  switch (k) {
  case TK_EOF: return PARSE_EOF;
  case TK_ERROR: return T_ERROR;
  case TK_IDENT: return T_IDENT;
  case TK_INT: return T_INT;
  case TK_FLOAT: return T_FLOAT;
  case TK_KW_OP: return K_OP;
  case TK_KW_MODEL: return K_MODEL;
  case TK_KW_PARAM: return K_PARAM;
  case TK_KW_IMPORT: return K_IMPORT;
  case TK_KW_TRUE: return K_TRUE;
  case TK_KW_FALSE: return K_FALSE;
  case TK_KW_F32: return K_F32;
  case TK_KW_F16: return K_F16;
  case TK_KW_I32: return K_I32;
  case TK_KW_I8: return K_I8;
  case TK_KW_BOOL: return K_BOOL;
  case TK_KW_INT: return K_INT;
  case TK_KW_FLOATT: return K_FLOAT;
  case TK_LPAREN: return '(';
  case TK_RPAREN: return ')';
  case TK_LBRACKET: return '[';
  case TK_RBRACKET: return ']';
  case TK_LBRACE: return '{';
  case TK_RBRACE: return '}';
  case TK_COMMA: return ',';
  case TK_SEMI: return ';';
  case TK_COLON: return ':';
  case TK_DOT: return '.';
  case TK_ELLIPSIS: return T_ELLIPSIS;
  case TK_ARROW: return T_ARROW;
  case TK_ASSIGN: return '=';
  case TK_PLUS: return '+';
  case TK_MINUS: return '-';
  case TK_STAR: return '*';
  case TK_SLASH: return '/';
  case TK_PERCENT: return '%';
  case TK_EQ: return T_EQ;
  case TK_NE: return T_NE;
  case TK_LT: return '<';
  case TK_LE: return T_LE;
  case TK_GT: return '>';
  case TK_GE: return T_GE;
  case TK_ANDAND: return T_ANDAND;
  case TK_OROR: return T_OROR;
  case TK_NOT: return '!';
  case TK_QUESTION: return '?';
  case TK_QQ: return T_QQ;
  case TK__COUNT: break;
  }
  return T_ERROR;
}

static int is_open(TokKind k) { return k == TK_LPAREN || k == TK_LBRACKET || k == TK_LBRACE; }
static int is_close(TokKind k) { return k == TK_RPAREN || k == TK_RBRACKET || k == TK_RBRACE; }
static int is_decl_kw(TokKind k) { return k == TK_KW_OP || k == TK_KW_MODEL || k == TK_KW_IMPORT; }

static TokKind closer_of(TokKind open) {
  return open == TK_LPAREN ? TK_RPAREN : open == TK_LBRACKET ? TK_RBRACKET : TK_RBRACE;
}

/* Applies the bracket effect of the token the parser has just consumed. */
static void pc_apply_pending(ParseCtx *ctx) {
  if (!ctx->pending) return;
  ctx->pending = 0;
  TokKind k = ctx->tok.kind;
  ctx->last_close_call = 0;
  if (is_open(k) && ctx->nbr < PARSE_MAX_NEST) {
    ParseBracket *b = &ctx->br[ctx->nbr++];
    b->kind = k;
    b->loc = ctx->tok.loc;
    b->before = ctx->prev.kind;
  } else if (is_close(k) && ctx->nbr > 0 && closer_of(ctx->br[ctx->nbr - 1].kind) == k) {
    ParseBracket *b = &ctx->br[--ctx->nbr];
    ctx->last_close_call = k == TK_RPAREN && b->before == TK_IDENT;
  } else if (is_decl_kw(k)) {
    ctx->nbr = 0; /* a declaration starts outside every bracket */
    ctx->decl_kw = (int)k;
  }
}

/* The next token from the one-token buffer or the lexer. */
static void pc_read(ParseCtx *ctx, Token *t) {
  if (ctx->have_ahead) {
    *t = ctx->ahead;
    ctx->have_ahead = 0;
  } else {
    lex_next(&ctx->lx, t);
  }
}

/* Brackets nested deeper than PARSE_MAX_NEST: report once, then skip to the
 * bracket that closes the too-deep one (or to the end of the statement) and
 * hand the parser an already-reported error token, so that it recovers at
 * statement level without ever holding the deep part. */
static void pc_skip_deep(ParseCtx *ctx, const Token *open) {
  diag_error(&ctx->f->diag, open->loc, "nesting is too deep (more than %d levels of brackets)",
             PARSE_MAX_NEST);
  int excess = 1;
  Token t;
  while (excess > 0 && !diag_should_stop(&ctx->f->diag)) {
    pc_read(ctx, &t);
    if (t.kind == TK_EOF || t.kind == TK_SEMI || t.kind == TK_LBRACE || t.kind == TK_RBRACE ||
        is_decl_kw(t.kind)) {
      ctx->ahead = t;
      ctx->have_ahead = 1;
      break;
    }
    excess += is_open(t.kind) - is_close(t.kind);
  }
}

static int parse_lex(PARSE_STYPE *lval, Loc *lloc, ParseCtx *ctx) {
  pc_apply_pending(ctx);
  Token t;
  if (diag_should_stop(&ctx->f->diag)) {
    memset(&t, 0, sizeof t);
    t.kind = TK_EOF;
    t.loc = ctx->tok.loc;
  } else {
    pc_read(ctx, &t);
  }
  ctx->prev = ctx->tok;
  ctx->tok = t;
  ctx->pending = 1;
  ctx->quiet = t.kind == TK_ERROR;
  *lloc = t.loc;
  if (is_open(t.kind) && ctx->nbr >= PARSE_MAX_NEST) {
    pc_skip_deep(ctx, &t);
    ctx->tok.kind = TK_ERROR;
    ctx->quiet = 1;
    return T_ERROR;
  }
  if (t.kind == TK_IDENT) lval->str = t.text;
  else if (t.kind == TK_INT) lval->ival = t.ival;
  else if (t.kind == TK_FLOAT) lval->fval = t.fval;
  return pc_token(t.kind);
}

/* ---------------------------------------------------- syntax error text */

/* Tokens that continue an operand (operators, '(' '[' '.' after a name):
 * after an operand they are always possible, so listing them says nothing. */
static int is_operator(TokKind k) {
  static const char ops[TK__COUNT] = {
      [TK_PLUS] = 1, [TK_MINUS] = 1, [TK_STAR] = 1, [TK_SLASH] = 1, [TK_PERCENT] = 1,
      [TK_EQ] = 1, [TK_NE] = 1, [TK_LT] = 1, [TK_LE] = 1, [TK_GT] = 1, [TK_GE] = 1,
      [TK_ANDAND] = 1, [TK_OROR] = 1, [TK_QUESTION] = 1, [TK_QQ] = 1,
      [TK_LPAREN] = 1, [TK_LBRACKET] = 1, [TK_DOT] = 1,
  };
  return (unsigned)k < TK__COUNT && ops[k];
}

static int is_elemtype(TokKind k) {
  return k == TK_KW_F32 || k == TK_KW_F16 || k == TK_KW_I32 || k == TK_KW_I8 || k == TK_KW_BOOL;
}

/* Tokens that can start an expression. */
static int starts_expr(TokKind k) {
  return k == TK_IDENT || k == TK_INT || k == TK_FLOAT || k == TK_KW_TRUE || k == TK_KW_FALSE ||
         is_elemtype(k) || k == TK_LPAREN || k == TK_MINUS || k == TK_NOT;
}

static int is_comparison(TokKind k) {
  return k == TK_EQ || k == TK_NE || k == TK_LT || k == TK_LE || k == TK_GT || k == TK_GE;
}

/* What the parser would accept, as TokKinds. */
typedef struct Expected {
  char want[TK__COUNT];
  const char *items[TK__COUNT + 4];
  int n;
} Expected;

static void exp_fill(Expected *e, const yypcontext_t *yyctx) {
  yysymbol_kind_t syms[YYNTOKENS];
  int n = yypcontext_expected_tokens(yyctx, syms, YYNTOKENS);
  memset(e, 0, sizeof *e);
  for (int i = 0; i < n; i++)
    for (int k = 0; k < TK__COUNT; k++)
      if (YYTRANSLATE(pc_token((TokKind)k)) == syms[i]) e->want[k] = 1;
}

/* Replaces the tokens of a category by one phrase when `all` are wanted. */
static void exp_group(Expected *e, const char *phrase, int (*member)(TokKind), TokKind a,
                      TokKind b) {
  if (!e->want[a] || !e->want[b]) return;
  e->items[e->n++] = phrase;
  for (int k = 0; k < TK__COUNT; k++)
    if (member((TokKind)k)) e->want[k] = 0;
}

static int is_typeword(TokKind k) {
  return is_elemtype(k) || k == TK_KW_INT || k == TK_KW_FLOATT;
}
static int is_declword(TokKind k) { return is_decl_kw(k) || k == TK_EOF; }
static int is_stmtword(TokKind k) { return k == TK_IDENT || k == TK_KW_PARAM; }

static const char *tok_phrase(TokKind k) {
  return k == TK_IDENT ? "an identifier"
         : k == TK_INT ? "an integer literal"
         : k == TK_FLOAT ? "a float literal"
         : tok_kind_name(k);
}

/* Sorts the expected tokens into a short list of phrases. */
static void exp_describe(Expected *e) {
  if (e->want[TK_PLUS]) { /* right after an operand */
    for (int k = 0; k < TK__COUNT; k++)
      if (is_operator((TokKind)k) || starts_expr((TokKind)k)) e->want[k] = 0;
  }
  exp_group(e, "a type", is_typeword, TK_KW_F32, TK_KW_INT);
  exp_group(e, "an expression", starts_expr, TK_IDENT, TK_INT);
  exp_group(e, "a tensor type", is_elemtype, TK_KW_F32, TK_KW_F16);
  exp_group(e, "a declaration ('import', 'op' or 'model')", is_declword, TK_KW_OP, TK_KW_MODEL);
  exp_group(e, "a statement", is_stmtword, TK_IDENT, TK_RBRACE);
  if (e->want[TK_LBRACKET] && e->want[TK_DOT]) e->want[TK_DOT] = 0; /* y[...] = on the left */
  for (int k = 0; k < TK__COUNT; k++) /* closing brackets last: "',' or ']'" */
    if (e->want[k] && !is_close((TokKind)k)) e->items[e->n++] = tok_phrase((TokKind)k);
  for (int k = 0; k < TK__COUNT; k++)
    if (e->want[k] && is_close((TokKind)k)) e->items[e->n++] = tok_phrase((TokKind)k);
}

/* "identifier 'x'", "integer literal '12'", "';'", "end of file". */
static void found_text(const ParseCtx *ctx, char *buf, size_t size) {
  const Token *t = &ctx->tok;
  const SourceFile *sf = srcmgr_file(&ctx->f->sm, t->loc.file);
  if ((t->kind == TK_IDENT || t->kind == TK_INT || t->kind == TK_FLOAT) && sf) {
    int len = t->loc.len > 40 ? 40 : t->loc.len;
    snprintf(buf, size, "%s '%.*s'", tok_kind_name(t->kind), len, sf->text + t->loc.off);
  } else {
    snprintf(buf, size, "%s", tok_kind_name(t->kind));
  }
}

static int is_keyword(TokKind k) {
  return is_decl_kw(k) || is_typeword(k) || k == TK_KW_PARAM || k == TK_KW_TRUE ||
         k == TK_KW_FALSE;
}

/* Advice for common mistakes, appended to the message ("" when none). */
static const char *hint(const ParseCtx *ctx, const Expected *e) {
  TokKind found = ctx->tok.kind;
  const ParseBracket *top = ctx->nbr ? &ctx->br[ctx->nbr - 1] : NULL;
  if (is_keyword(found) && e->want[TK_IDENT] && !e->want[found])
    return " (a keyword cannot be used as a name)";
  if (found == TK_RPAREN && top && top->before == TK_ARROW && e->want[TK_IDENT])
    return " (an op or model has at least one result)";
  if (ctx->prev.kind != TK_IDENT || ctx->nbr != 1 || ctx->br[0].kind != TK_LBRACE) return "";
  if (ctx->decl_kw == TK_KW_OP && e->n == 1 && e->want[TK_LBRACKET])
    return " (an op statement defines 'name[i, ...] = expr;')";
  return "";
}

static void join_items(const Expected *e, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = 0;
  for (int i = 0; i < e->n && used < size; i++) {
    const char *sep = i == 0 ? "" : i == e->n - 1 ? " or " : ", ";
    int w = snprintf(buf + used, size - used, "%s%s", sep, e->items[i]);
    if (w < 0) break;
    used += (size_t)w;
  }
}

/* Mistakes whose own message says more than a list of expected tokens:
 * chained comparisons, an unparenthesized reduction operand, '??' after
 * something that is not a tensor read, an element definition in a model.
 * Reports one and returns 1, or returns 0. */
static int pc_special_error(ParseCtx *ctx, const Expected *e, Loc at, const char *what) {
  Diag *d = &ctx->f->diag;
  TokKind found = ctx->tok.kind;
  int after_operand = e->want[TK_PLUS], expr_wanted = e->want[TK_IDENT] && e->want[TK_INT];
  if (is_comparison(found) && !e->want[found] && after_operand) {
    diag_error(d, at, "%s cannot follow a comparison: comparisons do not chain (parenthesize one of them)",
               tok_kind_name(found));
  } else if (ctx->last_close_call && starts_expr(found) && !e->want[found] && after_operand) {
    diag_error(d, at, "a reduction that is an operand must be parenthesized, as in "
                      "'(sum(k) x[k])'; found %s after a call", what);
  } else if (found == TK_QQ && !e->want[TK_QQ] && ctx->prev.kind != TK_QQ &&
             (after_operand || expr_wanted)) {
    diag_error(d, at, "'?\?' gives the value of an out-of-range read, so it must follow a "
                      "tensor read like 'x[i - 1] ?\? 0.0'");
  } else if (found == TK_LBRACKET && e->want[TK_ASSIGN] && ctx->decl_kw == TK_KW_MODEL &&
             ctx->prev.kind == TK_IDENT && ctx->nbr == 1 && ctx->br[0].kind == TK_LBRACE) {
    diag_error(d, pc_span(ctx->prev.loc, at),
               "a model statement defines whole tensors ('%s = expr;'), not elements: "
               "element-wise definitions belong in an op", ctx->prev.text);
  } else if (found == TK_COLON && e->want[TK_IDENT] && ctx->prev.kind == TK_KW_PARAM &&
             ctx->decl_kw == TK_KW_OP) {
    diag_error(d, ctx->prev.loc, "'param' is a keyword: it declares a weight operand, as in "
                                 "'param w: f32[...]'; choose another name");
  } else {
    return 0;
  }
  return 1;
}

/* Tokens that directly follow the token before them: when one of these is
 * missing, the error belongs at the end of that token, not at whatever
 * comes next (maybe lines later). */
static int is_follower(TokKind k) {
  return k == TK_SEMI || k == TK_COMMA || is_close(k);
}

/* Whether every token the parser wants is a follower (and no phrase such
 * as "an expression" stands for others). */
static int only_followers(const Expected *e) {
  int tokens = 0;
  for (int k = 0; k < TK__COUNT; k++) {
    if (!e->want[k]) continue;
    if (!is_follower((TokKind)k)) return 0;
    tokens++;
  }
  return tokens > 0 && tokens == e->n;
}

/* Just after the token before the lookahead, on that token's line: where a
 * missing ';', ',' or closing bracket belongs.  The lookahead's own place
 * when there is no token before it. */
static Loc after_prev(const ParseCtx *ctx, Loc at) {
  Loc l = ctx->prev.loc;
  if (l.line == 0 || l.file != at.file) return at;
  l.col += l.len;
  l.off += l.len;
  l.len = 0;
  return l;
}

/* Reports a syntax error in the words of the language: what was expected
 * (grouped: "an expression", "a type", ...), what was found, and which open
 * bracket a missing closer would close.  A missing follower (';', ',', a
 * closing bracket) is located just after the token it should follow. */
static void pc_syntax_error(ParseCtx *ctx, const yypcontext_t *yyctx) {
  Diag *d = &ctx->f->diag;
  Loc at = *yypcontext_location(yyctx);
  TokKind found = ctx->tok.kind;
  char what[96], list[512];
  found_text(ctx, what, sizeof what);
  Expected e;
  exp_fill(&e, yyctx);
  if (pc_special_error(ctx, &e, at, what)) return;
  exp_describe(&e);
  const ParseBracket *top = ctx->nbr ? &ctx->br[ctx->nbr - 1] : NULL;
  TokKind close = top ? closer_of(top->kind) : TK_EOF;
  int closer_wanted = top && e.want[close];
  if (closer_wanted && (e.n == 1 || found == TK_EOF || is_close(found))) {
    diag_error(d, after_prev(ctx, at), "expected %s to close %s at %d:%d, found %s",
               tok_kind_name(close), tok_kind_name(top->kind), top->loc.line, top->loc.col, what);
  } else if (e.n == 0) {
    diag_error(d, at, "unexpected %s", what);
  } else {
    join_items(&e, list, sizeof list);
    const char *after = "";
    if (e.n == 1 && e.want[TK_SEMI])
      after = ctx->nbr && ctx->br[0].kind == TK_LBRACE ? " after the statement" : " after the import";
    if (only_followers(&e)) at = after_prev(ctx, at);
    diag_error(d, at, "expected %s%s, found %s%s", list, after, what, hint(ctx, &e));
  }
  if (closer_wanted) diag_note(d, top->loc, "to match this %s", tok_kind_name(top->kind));
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, ParseCtx *ctx) {
  if (!ctx->quiet) pc_syntax_error(ctx, yyctx);
  return 0;
}

/* Bison calls this only when its stack is full ("memory exhausted"). */
static void parse_error(Loc *lloc, ParseCtx *ctx, const char *msg) {
  (void)msg;
  diag_error(&ctx->f->diag, *lloc,
             "nesting is too deep (the parser holds at most %d unfinished constructs)", YYMAXDEPTH);
}

/* ------------------------------------------------------------- builders */

static PtrVec *pc_push(ParseCtx *ctx, PtrVec *v, void *item) {
  if (!v) v = arena_alloc(ctx->arena, sizeof *v);
  vec_push(ctx->arena, v, item);
  return v;
}

static void pc_add_decl(ParseCtx *ctx, AstNode *decl) {
  ctx->deep_reported = 0;
  vec_push(ctx->arena, &ctx->module->list, decl);
  ctx->errors_mark = ctx->f->diag.errors;
}

/* After a broken declaration: no bracket is open any more. */
static void pc_recover_decl(ParseCtx *ctx) {
  ctx->nbr = 0;
  ctx->deep_reported = 0;
}
/* (A declaration reduced after an error is marked broken by pc_decl, since
 * errors_mark moves only when a declaration is added.) */

static void pc_add_decl_after_error(ParseCtx *ctx, AstNode *decl) {
  pc_recover_decl(ctx);
  pc_add_decl(ctx, decl);
}

/* After a broken statement: only the block's '{' is still open. */
static PtrVec *pc_recover_stmt(ParseCtx *ctx, PtrVec *stmts) {
  while (ctx->nbr > 0 && ctx->br[ctx->nbr - 1].kind != TK_LBRACE) ctx->nbr--;
  ctx->deep_reported = 0;
  return stmts;
}

/* A block: its statements; its closing brace waits in ctx->body_end for
 * pc_decl, which reduces right after it (the body ends an op or model). */
static PtrVec *pc_body(ParseCtx *ctx, PtrVec *stmts, Loc end) {
  ctx->body_end = end;
  return stmts;
}

static PtrVec *pc_body_after_error(ParseCtx *ctx, PtrVec *stmts, Loc end) {
  pc_recover_decl(ctx);
  return pc_body(ctx, stmts, end);
}

static AstNode *pc_decl(ParseCtx *ctx, AstKind k, Loc loc, const char *name, PtrVec *params,
                        PtrVec *results, PtrVec *body) {
  AstNode *d = ast_decl(ctx->arena, k, loc, name, params, results, body, ctx->body_end);
  d->broken = ctx->f->diag.errors > ctx->errors_mark; /* an error since the last declaration */
  return d;
}

/* Expressions deeper than AST_MAX_DEPTH are reported (once a statement)
 * and cut: the too-deep node becomes the literal 0, so no walker ever meets
 * a deeper tree.  The error keeps the broken tree from reaching sema. */
static AstNode *pc_depth(ParseCtx *ctx, AstNode *n) {
  if (n->depth <= AST_MAX_DEPTH) return n;
  if (!ctx->deep_reported)
    diag_error(&ctx->f->diag, n->loc, "nesting is too deep (more than %d levels of subexpressions)",
               AST_MAX_DEPTH);
  ctx->deep_reported = 1;
  return ast_int(ctx->arena, n->loc, 0);
}

static AstNode *pc_def(ParseCtx *ctx, Loc loc, AstNode *lhs, AstNode *rhs) {
  ctx->deep_reported = 0;
  return ast_def(ctx->arena, loc, lhs, rhs);
}

static AstNode *pc_let(ParseCtx *ctx, Loc loc, PtrVec *names, AstNode *rhs) {
  ctx->deep_reported = 0;
  return ast_let(ctx->arena, loc, names, rhs);
}

static AstNode *pc_weight(ParseCtx *ctx, Loc loc, const char *name, AstNode *type) {
  ctx->deep_reported = 0;
  return ast_weight(ctx->arena, loc, name, type);
}

static AstNode *pc_reduce(ParseCtx *ctx, Loc loc, AstNode *call, AstNode *body) {
  return pc_depth(ctx, ast_reduce(ctx->arena, loc, call, body));
}

static AstNode *pc_cond(ParseCtx *ctx, Loc loc, AstNode *c, AstNode *t, AstNode *f) {
  return pc_depth(ctx, ast_cond(ctx->arena, loc, c, t, f));
}

static AstNode *pc_binary(ParseCtx *ctx, Loc loc, AstOp op, AstNode *l, AstNode *r) {
  return pc_depth(ctx, ast_binary(ctx->arena, loc, op, l, r));
}

static AstNode *pc_unary(ParseCtx *ctx, Loc loc, AstOp op, AstNode *e) {
  return pc_depth(ctx, ast_unary(ctx->arena, loc, op, e));
}

static AstNode *pc_default(ParseCtx *ctx, Loc loc, AstNode *access, AstNode *fallback) {
  return pc_depth(ctx, ast_default(ctx->arena, loc, access, fallback));
}

static AstNode *pc_call(ParseCtx *ctx, Loc loc, AstNode *callee, PtrVec *args) {
  return pc_depth(ctx, ast_call(ctx->arena, loc, callee, args));
}

static AstNode *pc_cast(ParseCtx *ctx, Loc loc, ElemType t, AstNode *e) {
  return pc_depth(ctx, ast_cast(ctx->arena, loc, t, e));
}

static AstNode *pc_kwarg(ParseCtx *ctx, Loc loc, const char *name, AstNode *e) {
  return pc_depth(ctx, ast_kwarg(ctx->arena, loc, name, e));
}

/* name[subs]; `x.flat[e]` is the flat read of x, and no other qualified
 * name may be subscripted. */
static AstNode *pc_access(ParseCtx *ctx, Loc loc, AstNode *name, PtrVec *subs) {
  int flat = 0;
  if (name->qual && strcmp(name->name, "flat") == 0) {
    Loc base = name->loc;
    base.len = (int32_t)strlen(name->qual);
    name = ast_name(ctx->arena, base, NULL, name->qual);
    flat = 1;
  } else if (name->qual) {
    diag_error(&ctx->f->diag, name->loc,
               "only '.flat' may follow a tensor name in a read (found '.%s')", name->name);
  }
  return pc_depth(ctx, ast_access(ctx->arena, loc, name, subs, flat));
}

/* ---------------------------------------------------------- entry point */

AstNode *parse_file(Front *f, int file) {
  ParseCtx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) abort();
  ctx->f = f;
  ctx->arena = &f->arena;
  ctx->file = file;
  lex_init(&ctx->lx, &f->sm, file, &f->diag, &f->names);
  const SourceFile *sf = srcmgr_file(&f->sm, file);
  Loc all = {.file = file, .line = 1, .col = 1, .off = 0, .len = (int32_t)sf->len};
  ctx->module = ast_new(&f->arena, AST_MODULE, all);
  ctx->module->name = sf->path;
  ctx->errors_mark = f->diag.errors;
  parse_parse(ctx);
  AstNode *m = ctx->module;
  free(ctx);
  return m;
}
