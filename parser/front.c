/* front.c -- the front end's driver: one Front per compilation, loading
 * files, parsing them and resolving their imports (each file once). */
#include "parser/parser.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Imports nest (a imports b imports c ...) at most this deep; the loader
 * recurses once per level. */
enum { FRONT_MAX_IMPORT_DEPTH = 200 };

void front_init(Front *f, FILE *diag_out) {
  memset(f, 0, sizeof *f);
  arena_init(&f->arena);
  intern_init(&f->names, &f->arena);
  srcmgr_init(&f->sm);
  diag_init(&f->diag, &f->sm, diag_out);
}

void front_free(Front *f) {
  intern_free(&f->names);
  srcmgr_free(&f->sm);
  arena_free(&f->arena);
}

void front_add_include(Front *f, const char *dir) {
  vec_push(&f->arena, &f->include_dirs, arena_strndup(&f->arena, dir, strlen(dir)));
}

/* The loading chain: the modules whose imports are being resolved, and the
 * import that led from each one to the next. */
typedef struct Chain {
  Module *mods[FRONT_MAX_IMPORT_DEPTH + 1];
  const AstNode *imps[FRONT_MAX_IMPORT_DEPTH + 1];
  int n;
} Chain;

static Module *find_loaded(Front *f, const char *real) {
  for (int i = 0; i < f->modules.n; i++) {
    Module *m = f->modules.items[i];
    if (m->realpath && strcmp(m->realpath, real) == 0) return m;
  }
  return NULL;
}

static Module *new_module(Front *f, const char *name, const char *real, int file) {
  Module *m = arena_alloc(&f->arena, sizeof *m);
  m->name = name;
  m->realpath = real;
  m->file = file;
  m->ast = parse_file(f, file);
  m->ast->name = name;
  vec_push(&f->arena, &f->modules, m);
  return m;
}

static int is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The first DIR/NAME.xg in the -I directories, then the stdlib directory;
 * NULL when there is none. */
static const char *find_module(Front *f, const char *name) {
  for (int i = 0; i <= f->include_dirs.n; i++) {
    const char *dir = i < f->include_dirs.n ? f->include_dirs.items[i] : f->stdlib_dir;
    if (!dir) continue;
    const char *p = arena_printf(&f->arena, "%s/%s.xg", dir, name);
    if (is_file(p)) return p;
  }
  return NULL;
}

static void report_missing(Front *f, const AstNode *imp) {
  char list[2048];
  size_t used = 0;
  list[0] = 0;
  for (int i = 0; i <= f->include_dirs.n; i++) {
    const char *dir = i < f->include_dirs.n ? f->include_dirs.items[i] : f->stdlib_dir;
    if (!dir || used >= sizeof list) continue;
    int w = snprintf(list + used, sizeof list - used, "%s'%s'", used ? ", " : "", dir);
    if (w > 0) used += (size_t)w;
  }
  if (used)
    diag_error(&f->diag, imp->loc, "cannot find module '%s': no file '%s.xg' in %s", imp->name,
               imp->name, list);
  else
    diag_error(&f->diag, imp->loc,
               "cannot find module '%s': no -I directory and no standard library directory is set",
               imp->name);
}

/* The short name of a chain entry: the import name, or the root's file name
 * without its directory and ".xg". */
static const char *short_name(Front *f, const Module *m, int is_root) {
  if (!is_root) return m->name;
  const char *base = strrchr(m->name, '/');
  base = base ? base + 1 : m->name;
  size_t n = strlen(base);
  if (n > 3 && strcmp(base + n - 3, ".xg") == 0) n -= 3;
  return arena_strndup(&f->arena, base, n);
}

/* `imp` (in the last module of the chain) imports `target`, which is still
 * loading: report "import cycle: a -> b -> a" with notes at the others. */
static void report_cycle(Front *f, const Chain *c, const AstNode *imp, const Module *target) {
  int start = c->n - 1;
  while (start > 0 && c->mods[start] != target) start--;
  char text[2048];
  size_t used = 0;
  for (int i = start; i < c->n && used < sizeof text; i++) {
    int w = snprintf(text + used, sizeof text - used, "%s -> ",
                     short_name(f, c->mods[i], i == 0));
    if (w > 0) used += (size_t)w;
  }
  diag_error(&f->diag, imp->loc, "import cycle: %s%s", text, imp->name);
  for (int i = start; i + 1 < c->n; i++)
    diag_note(&f->diag, c->imps[i]->loc, "'%s' imports '%s' here",
              short_name(f, c->mods[i], i == 0), c->imps[i]->name);
}

static void load_imports(Front *f, Module *m, Chain *c);

/* Resolves one import of the last module of the chain. */
static void resolve_import(Front *f, Chain *c, AstNode *imp) {
  const char *path = find_module(f, imp->name);
  if (!path) {
    report_missing(f, imp);
    return;
  }
  char real[PATH_MAX];
  if (!realpath(path, real)) {
    diag_error(&f->diag, imp->loc, "cannot open '%s': %s", path, strerror(errno));
    return;
  }
  Module *m = find_loaded(f, real);
  if (m && m->state == MOD_LOADING) {
    report_cycle(f, c, imp, m);
    return;
  }
  if (!m) {
    if (c->n > FRONT_MAX_IMPORT_DEPTH) {
      diag_error(&f->diag, imp->loc, "imports are nested too deeply (more than %d levels)",
                 FRONT_MAX_IMPORT_DEPTH);
      return;
    }
    int file = srcmgr_load(&f->sm, path);
    if (file < 0) {
      diag_error(&f->diag, imp->loc, "cannot open '%s': %s", path, strerror(errno));
      return;
    }
    int before = f->diag.errors;
    m = new_module(f, imp->name, arena_strndup(&f->arena, real, strlen(real)), file);
    if (f->diag.errors > before) diag_note(&f->diag, imp->loc, "in module '%s', imported here", imp->name);
    c->imps[c->n - 1] = imp;
    load_imports(f, m, c);
  }
  imp->module = m->ast;
}

/* An earlier import of the same name in the module, or NULL. */
static AstNode *earlier_import(const AstNode *mod, int i) {
  const AstNode *imp = mod->list.items[i];
  for (int j = 0; j < i; j++) {
    AstNode *prev = mod->list.items[j];
    if (prev->kind == AST_IMPORT && prev->name == imp->name) return prev;
  }
  return NULL;
}

/* Resolves every import of m, depth first; m is LOADING meanwhile.  A
 * second import of one name is a warning and shares the first's module. */
static void load_imports(Front *f, Module *m, Chain *c) {
  m->state = MOD_LOADING;
  c->mods[c->n++] = m;
  AstNode *mod = m->ast;
  for (int i = 0; i < mod->list.n && !diag_should_stop(&f->diag); i++) {
    AstNode *imp = mod->list.items[i];
    if (imp->kind != AST_IMPORT) continue;
    AstNode *prev = earlier_import(mod, i);
    if (prev) {
      diag_warning(&f->diag, imp->loc, "module '%s' is imported twice", imp->name);
      diag_note(&f->diag, prev->loc, "first imported here");
      imp->module = prev->module;
      continue;
    }
    resolve_import(f, c, imp);
  }
  c->n--;
  m->state = MOD_DONE;
}

/* Parses a root file (named by its path) and loads what it imports. */
static Module *load_root(Front *f, const char *path, const char *real, int file) {
  const char *name = arena_strndup(&f->arena, path, strlen(path));
  Module *m = new_module(f, name, real ? arena_strndup(&f->arena, real, strlen(real)) : NULL, file);
  Chain *c = calloc(1, sizeof *c);
  if (!c) abort();
  load_imports(f, m, c);
  free(c);
  return m;
}

Module *front_load(Front *f, const char *path) {
  char real[PATH_MAX];
  int have_real = realpath(path, real) != NULL;
  Module *m = have_real ? find_loaded(f, real) : NULL;
  if (m) return m;
  int file = srcmgr_load(&f->sm, path);
  if (file < 0) {
    diag_plain(&f->diag, DIAG_ERROR, "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  return load_root(f, path, have_real ? real : NULL, file);
}

Module *front_load_buffer(Front *f, const char *path, const char *text, size_t len) {
  int file = srcmgr_add(&f->sm, path, text, len);
  return load_root(f, path, NULL, file);
}
