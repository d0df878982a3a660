/* lang.h -- the lowest layer of xgc: arenas, interned names, source files,
 * source locations, diagnostics, the text of floats and the re2c lexer.
 * Every other layer reports problems through the Diag engine declared here. */
#ifndef XG_LANG_H
#define XG_LANG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ arena */

/* A bump allocator.  Everything of one compilation lives in one arena and is
 * freed at once by arena_free.  Allocation failure aborts with a message
 * (xgc cannot continue without memory; see docs/design.md). */
typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
  ArenaBlock *head;
  size_t total; /* bytes handed out, for statistics */
} Arena;

void arena_init(Arena *a);
void arena_free(Arena *a);
/* Returns zeroed memory aligned for any object; never NULL. */
void *arena_alloc(Arena *a, size_t n);
/* Copies n bytes of s and appends a NUL. */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A growable array of pointers whose storage lives in an arena. */
typedef struct PtrVec {
  void **items;
  int n, cap;
} PtrVec;
void vec_push(Arena *a, PtrVec *v, void *item);

/* ------------------------------------------------------------- interning */

/* Interned names: equal strings give the same pointer, so names compare
 * with ==.  The table lives as long as its arena. */
typedef struct Interner {
  Arena *arena;
  const char **slots;
  uint32_t cap, n;
} Interner;

void intern_init(Interner *in, Arena *a);
void intern_free(Interner *in);
const char *intern(Interner *in, const char *s, size_t n);
const char *intern_cstr(Interner *in, const char *s);

/* --------------------------------------------------------------- sources */

/* A location: a file id (index into the SourceMgr), 1-based line and column
 * (columns count bytes), and the byte span [off, off+len). */
typedef struct Loc {
  int32_t file;
  int32_t line, col;
  int32_t off, len;
} Loc;

typedef struct SourceFile {
  const char *path; /* as given or as found on the search path */
  char *text;       /* NUL-terminated copy; len excludes the NUL */
  size_t len;
} SourceFile;

typedef struct SourceMgr {
  SourceFile *files;
  int n, cap;
} SourceMgr;

void srcmgr_init(SourceMgr *sm);
void srcmgr_free(SourceMgr *sm);
/* Reads a file; returns its id, or -1 with errno set when it cannot be read. */
int srcmgr_load(SourceMgr *sm, const char *path);
/* Registers an in-memory buffer (copied); returns its id. */
int srcmgr_add(SourceMgr *sm, const char *path, const char *text, size_t len);
const SourceFile *srcmgr_file(const SourceMgr *sm, int id);

/* ----------------------------------------------------------- diagnostics */

typedef enum DiagLevel { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

/* The diagnostics engine: prints "file:line:col: error: message", the source
 * line and a caret under the span, to `out` (stderr by default).  After
 * `max_errors` errors it prints one last line and sets `stop`; callers check
 * diag_should_stop() and wind down. */
typedef struct Diag {
  const SourceMgr *sm;
  FILE *out;
  int errors, warnings;
  int max_errors; /* 0: no cap */
  int stop;       /* the cap was reached */
  int color;      /* reserved; always 0 for now */
  int last_suppressed; /* the last error was dropped, so drop its notes */
} Diag;

void diag_init(Diag *d, const SourceMgr *sm, FILE *out);
void diag_error(Diag *d, Loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warning(Diag *d, Loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A note belongs to the diagnostic just before it. */
void diag_note(Diag *d, Loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A diagnostic without a source location: "xgc: error: message". */
void diag_plain(Diag *d, DiagLevel lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_vreport(Diag *d, DiagLevel lvl, Loc loc, const char *fmt, va_list ap);
static inline int diag_should_stop(const Diag *d) { return d->stop; }

/* ------------------------------------------------------------ float text */

/* The text of a float constant in every dump (`--emit=ast`, `ir`, `loops`),
 * so that the dumps agree and the text reads back: the fewest significant
 * digits that strtod reads back to exactly v, always with a '.' or an
 * exponent (1.0, 0.1, 2500.0); an exponent only below 1e-4 or from 1e16 on
 * (1e-05, 1e+20, 5e-324); -0.0 keeps its sign; inf, -inf and nan as such.
 * FMT_FLOAT_MAX bounds the text with its NUL (%.20f of a value below 1e16
 * is at most 38 bytes). */
enum { FMT_FLOAT_MAX = 64 };
/* Writes the text into buf and returns buf. */
char *fmt_float(char buf[FMT_FLOAT_MAX], double v);
/* Writes the text to out. */
void fmt_put_float(FILE *out, double v);

/* ---------------------------------------------------------------- tokens */

/* X-macro: kind, spelling used in messages. */
#define XG_TOKENS(X)                    \
  X(TK_EOF, "end of file")              \
  X(TK_ERROR, "invalid character")      \
  X(TK_IDENT, "identifier")             \
  X(TK_INT, "integer literal")          \
  X(TK_FLOAT, "float literal")          \
  X(TK_KW_OP, "'op'")                   \
  X(TK_KW_MODEL, "'model'")             \
  X(TK_KW_PARAM, "'param'")             \
  X(TK_KW_IMPORT, "'import'")           \
  X(TK_KW_TRUE, "'true'")               \
  X(TK_KW_FALSE, "'false'")             \
  X(TK_KW_F32, "'f32'")                 \
  X(TK_KW_F16, "'f16'")                 \
  X(TK_KW_I32, "'i32'")                 \
  X(TK_KW_I8, "'i8'")                   \
  X(TK_KW_BOOL, "'bool'")               \
  X(TK_KW_INT, "'int'")                 \
  X(TK_KW_FLOATT, "'float'")            \
  X(TK_LPAREN, "'('")                   \
  X(TK_RPAREN, "')'")                   \
  X(TK_LBRACKET, "'['")                 \
  X(TK_RBRACKET, "']'")                 \
  X(TK_LBRACE, "'{'")                   \
  X(TK_RBRACE, "'}'")                   \
  X(TK_COMMA, "','")                    \
  X(TK_SEMI, "';'")                     \
  X(TK_COLON, "':'")                    \
  X(TK_DOT, "'.'")                      \
  X(TK_ELLIPSIS, "'...'")               \
  X(TK_ARROW, "'->'")                   \
  X(TK_ASSIGN, "'='")                   \
  X(TK_PLUS, "'+'")                     \
  X(TK_MINUS, "'-'")                    \
  X(TK_STAR, "'*'")                     \
  X(TK_SLASH, "'/'")                    \
  X(TK_PERCENT, "'%'")                  \
  X(TK_EQ, "'=='")                      \
  X(TK_NE, "'!='")                      \
  X(TK_LT, "'<'")                       \
  X(TK_LE, "'<='")                      \
  X(TK_GT, "'>'")                       \
  X(TK_GE, "'>='")                      \
  X(TK_ANDAND, "'&&'")                  \
  X(TK_OROR, "'||'")                    \
  X(TK_NOT, "'!'")                      \
  X(TK_QUESTION, "'?'")                 \
  X(TK_QQ, "'?\?'")

typedef enum TokKind {
#define X(k, s) k,
  XG_TOKENS(X)
#undef X
  TK__COUNT
} TokKind;

const char *tok_kind_name(TokKind k);

typedef struct Token {
  TokKind kind;
  Loc loc;
  const char *text; /* interned spelling for TK_IDENT; NULL otherwise */
  int64_t ival;     /* TK_INT */
  double fval;      /* TK_FLOAT */
} Token;

/* The lexer walks one file of the SourceMgr.  Malformed input (a stray
 * byte, an integer that overflows, a NUL byte) is reported through the Diag
 * and comes back as TK_ERROR; the lexer always advances, so it never loops. */
typedef struct Lexer {
  const SourceMgr *sm;
  Diag *diag;
  Interner *names;
  int file;
  const char *base, *cur, *lim; /* lim points at the NUL terminator */
  const char *line_start;
  int line;
} Lexer;

void lex_init(Lexer *lx, const SourceMgr *sm, int file, Diag *d, Interner *names);
void lex_next(Lexer *lx, Token *t);

#endif
