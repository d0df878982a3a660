/* test_import.c -- import resolution over real files in temporary
 * directories: -I order, stdlib fallback, missing modules, cycles, loading
 * each file once, and syntax errors inside imported files. */
#include "tests/unit/unit.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static char root_dir[256];

/* Makes (once per test) a fresh temporary directory with subdirectories
 * i1, i2 and std. */
static void fresh_dirs(void) {
  snprintf(root_dir, sizeof root_dir, "/tmp/xgc-import-XXXXXX");
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root_dir));
  const char *subs[] = {"i1", "i2", "std"};
  for (int i = 0; i < 3; i++) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root_dir, subs[i]);
    CU_ASSERT_EQUAL_FATAL(mkdir(p, 0700), 0);
  }
}

static const char *path_of(const char *rel) {
  static char bufs[4][512];
  static int next;
  char *p = bufs[next++ % 4];
  snprintf(p, 512, "%s/%s", root_dir, rel);
  return p;
}

static void write_file(const char *rel, const char *text) {
  FILE *fp = fopen(path_of(rel), "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
  fputs(text, fp);
  fclose(fp);
}

static void remove_dirs(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root_dir);
  CU_ASSERT_EQUAL(system(cmd), 0);
}

/* A Front searching i1, i2 (in that order), then std. */
static void front_with_dirs(UnitFront *u) {
  unit_front_init(u);
  front_add_include(&u->f, path_of("i1"));
  front_add_include(&u->f, path_of("i2"));
  u->f.stdlib_dir = path_of("std");
}

/* The name of the first op of the module an import resolved to. */
static const char *first_op(const AstNode *imp) {
  if (!imp || imp->kind != AST_IMPORT || !imp->module || imp->module->list.n == 0) return "";
  const AstNode *d = imp->module->list.items[0];
  return d->kind == AST_OP ? d->name : "";
}

static const AstNode *decl(const Module *m, int i) {
  CU_ASSERT_FATAL(m && m->ast->list.n > i);
  return m->ast->list.items[i];
}

static void t_search_order(void) {
  fresh_dirs();
  write_file("i1/m.xg", "op from_i1(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]; }\n");
  write_file("i2/m.xg", "op from_i2(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]; }\n");
  write_file("i2/n.xg", "op n_i2(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]; }\n");
  write_file("std/m.xg", "op from_std(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]; }\n");
  write_file("std/s.xg", "op s_std(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]; }\n");
  write_file("root.xg", "import m;\nimport n;\nimport s;\n");
  UnitFront u;
  front_with_dirs(&u);
  Module *m = front_load(&u.f, path_of("root.xg"));
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "");
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_STRING_EQUAL(m->name, path_of("root.xg"));
  CU_ASSERT_STRING_EQUAL(first_op(decl(m, 0)), "from_i1");
  CU_ASSERT_STRING_EQUAL(first_op(decl(m, 1)), "n_i2");
  CU_ASSERT_STRING_EQUAL(first_op(decl(m, 2)), "s_std");
  CU_ASSERT_EQUAL(u.f.modules.n, 4);
  const Module *mm = u.f.modules.items[1];
  CU_ASSERT_STRING_EQUAL(mm->name, "m");
  CU_ASSERT_STRING_EQUAL(mm->ast->name, "m");
  CU_ASSERT_EQUAL(mm->state, MOD_DONE);
  CU_ASSERT_PTR_EQUAL(decl(m, 0)->module, mm->ast);
  unit_front_free(&u);
  remove_dirs();
}

static void t_missing(void) {
  fresh_dirs();
  write_file("root.xg", "op f(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]; }\nimport zz;\n");
  UnitFront u;
  front_with_dirs(&u);
  Module *m = front_load(&u.f, path_of("root.xg"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  char want[2048];
  snprintf(want, sizeof want,
           "%s:2:1: error: cannot find module 'zz': no file 'zz.xg' in '%s', '%s', '%s'\n"
           "  import zz;\n"
           "  ^~~~~~~~~~\n",
           path_of("root.xg"), path_of("i1"), path_of("i2"), path_of("std"));
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), want);
  CU_ASSERT_PTR_NULL(decl(m, 1)->module);
  unit_front_free(&u);

  /* No search directory at all. */
  unit_front_init(&u);
  front_load_buffer(&u.f, "b.xg", "import nn;", 10);
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "b.xg:1:1: error: cannot find module 'nn': no -I "
                                                "directory and no standard library directory is set\n"));
  unit_front_free(&u);
  remove_dirs();
}

static void t_cycle(void) {
  fresh_dirs();
  write_file("i1/a.xg", "import b;\n");
  write_file("i1/b.xg", "\nimport a;\n");
  UnitFront u;
  front_with_dirs(&u);
  Module *m = front_load(&u.f, path_of("i1/a.xg"));
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  char want[2048];
  snprintf(want, sizeof want,
           "%s:2:1: error: import cycle: a -> b -> a\n"
           "  import a;\n"
           "  ^~~~~~~~~\n"
           "%s:1:1: note: 'a' imports 'b' here\n"
           "  import b;\n"
           "  ^~~~~~~~~\n",
           path_of("i1/b.xg"), path_of("i1/a.xg"));
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), want);
  CU_ASSERT_EQUAL(u.f.diag.errors, 1);
  CU_ASSERT_EQUAL(u.f.modules.n, 2);
  unit_front_free(&u);

  /* A longer cycle that does not pass through the root. */
  write_file("i2/r.xg", "import c;\n");
  write_file("i2/c.xg", "import d;\n");
  write_file("i2/d.xg", "import e;\n");
  write_file("i2/e.xg", "import c;\n");
  front_with_dirs(&u);
  front_load(&u.f, path_of("i2/r.xg"));
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "e.xg:1:1: error: import cycle: c -> d -> e -> c\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "c.xg:1:1: note: 'c' imports 'd' here\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "d.xg:1:1: note: 'd' imports 'e' here\n"));
  CU_ASSERT_PTR_NULL(strstr(unit_diags(&u), "'r' imports"));
  CU_ASSERT_EQUAL(u.f.diag.errors, 1);
  unit_front_free(&u);

  /* A module importing itself. */
  write_file("i1/self.xg", "import self;\n");
  front_with_dirs(&u);
  front_load(&u.f, path_of("i1/self.xg"));
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "self.xg:1:1: error: import cycle: self -> self\n"));
  unit_front_free(&u);
  remove_dirs();
}

static void t_load_once(void) {
  fresh_dirs();
  write_file("i1/x.xg", "import z;\n");
  write_file("i1/y.xg", "import z;\n");
  write_file("i2/z.xg", "op z(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]; }\n");
  write_file("root.xg", "import x;\nimport y;\n");
  UnitFront u;
  front_with_dirs(&u);
  Module *m = front_load(&u.f, path_of("root.xg"));
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "");
  CU_ASSERT_EQUAL(u.f.modules.n, 4);
  CU_ASSERT_EQUAL(u.f.sm.n, 4);
  const AstNode *x = decl(m, 0)->module, *y = decl(m, 1)->module;
  CU_ASSERT_PTR_NOT_NULL_FATAL(x);
  CU_ASSERT_PTR_NOT_NULL_FATAL(y);
  CU_ASSERT_PTR_EQUAL(((AstNode *)x->list.items[0])->module, ((AstNode *)y->list.items[0])->module);
  /* Loading the root again gives the same module. */
  CU_ASSERT_PTR_EQUAL(front_load(&u.f, path_of("root.xg")), m);
  CU_ASSERT_EQUAL(u.f.modules.n, 4);
  unit_front_free(&u);
  remove_dirs();
}

static void t_syntax_error_inside(void) {
  fresh_dirs();
  write_file("std/bad.xg", "op f(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i]\n}\n");
  write_file("root.xg", "import bad;\n");
  UnitFront u;
  front_with_dirs(&u);
  front_load(&u.f, path_of("root.xg"));
  char want[2048];
  snprintf(want, sizeof want,
           "%s:2:14: error: expected ';' after the statement, found '}'\n"
           "    y[i] = x[i]\n"
           "               ^\n"
           "%s:1:1: note: in module 'bad', imported here\n"
           "  import bad;\n"
           "  ^~~~~~~~~~~\n",
           path_of("std/bad.xg"), path_of("root.xg"));
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), want);
  unit_front_free(&u);
  remove_dirs();
}

static void t_twice(void) {
  fresh_dirs();
  write_file("i1/m.xg", "op g(x: f32[N]) -> (y: f32[N]) { y[i] = x[i]; }\n");
  write_file("root.xg", "import m;\nimport m;\n");
  UnitFront u;
  front_with_dirs(&u);
  Module *m = front_load(&u.f, path_of("root.xg"));
  CU_ASSERT_EQUAL(u.f.diag.errors, 0);
  CU_ASSERT_EQUAL(u.f.diag.warnings, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "root.xg:2:1: warning: module 'm' is imported twice\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(unit_diags(&u), "root.xg:1:1: note: first imported here\n"));
  CU_ASSERT_PTR_EQUAL(decl(m, 0)->module, decl(m, 1)->module);
  CU_ASSERT_PTR_NOT_NULL(decl(m, 1)->module);
  unit_front_free(&u);
  remove_dirs();
}

static void t_unreadable(void) {
  UnitFront u;
  unit_front_init(&u);
  CU_ASSERT_PTR_NULL(front_load(&u.f, "/nonexistent/dir/x.xg"));
  CU_ASSERT_STRING_EQUAL(unit_diags(&u),
                         "xgc: error: cannot open '/nonexistent/dir/x.xg': No such file or directory\n");
  CU_ASSERT_EQUAL(u.f.diag.errors, 1);
  unit_front_free(&u);
  unit_front_init(&u);
  CU_ASSERT_PTR_NULL(front_load(&u.f, "/"));
  CU_ASSERT_STRING_EQUAL(unit_diags(&u), "xgc: error: cannot open '/': Is a directory\n");
  unit_front_free(&u);
}

int main(void) {
  static const UnitTest tests[] = {
      {"-I order and stdlib fallback", t_search_order},
      {"missing module", t_missing},
      {"import cycles", t_cycle},
      {"each file loaded once", t_load_once},
      {"syntax error in an imported file", t_syntax_error_inside},
      {"same module imported twice", t_twice},
      {"unreadable root", t_unreadable},
  };
  return unit_run("import", tests, (int)(sizeof tests / sizeof *tests));
}
