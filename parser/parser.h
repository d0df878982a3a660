/* parser.h -- the front end's entry points: parse .xg files into ASTs and
 * resolve their imports.  A Front holds everything of one compilation
 * (arena, names, sources, diagnostics, search paths, loaded modules) and
 * frees it at once. */
#ifndef XG_PARSER_H
#define XG_PARSER_H

#include "parser/ast.h"

/* One loaded module: its file, its AST and its import state. */
typedef struct Module {
  const char *name;     /* import name ("nn"), or the path of a root file */
  const char *realpath; /* canonical path: a file is loaded once */
  int file;             /* SourceMgr id */
  AstNode *ast;         /* AST_MODULE */
  int state;            /* MOD_LOADING while its imports resolve, MOD_DONE after */
  int checked;          /* sema has run over it */
} Module;
enum { MOD_LOADING = 1, MOD_DONE = 2 };

typedef struct Front {
  Arena arena;
  Interner names;
  SourceMgr sm;
  Diag diag;
  PtrVec include_dirs; /* const char*: -I paths in order */
  const char *stdlib_dir;
  PtrVec modules;      /* Module*, in load order */
} Front;

/* diag_out: where diagnostics go (stderr in the driver, a memstream in tests). */
void front_init(Front *f, FILE *diag_out);
void front_free(Front *f);
void front_add_include(Front *f, const char *dir);

/* Parses one file already in f->sm; syntax errors are reported and recovered
 * from, so the result is a (possibly partial) AST_MODULE, never NULL.
 * Imports are not resolved. */
AstNode *parse_file(Front *f, int file);

/* Loads, parses and resolves imports of `path` and, transitively, of every
 * module it imports (each file once).  Missing modules and import cycles are
 * located errors.  Returns the root module, or NULL when the file cannot be
 * read (reported as "xgc: error: cannot open 'path': reason"). */
Module *front_load(Front *f, const char *path);

/* As front_load, from a buffer (tests and the fuzzer). */
Module *front_load_buffer(Front *f, const char *path, const char *text, size_t len);

#endif
