/* driver.h -- what the files of the driver share: usage errors, option
 * helpers, the front-end options every command takes, the compile pipeline
 * (source -> graph -> loops -> shared library) and the commands. */
#ifndef XG_DRIVER_H
#define XG_DRIVER_H

#include "backends/llvm/llvm.h"
#include "backends/opencl/opencl.h"
#include "ir/ir.h"
#include "lower/loop.h"
#include "parser/parser.h"
#include "runtime/rt.h"

/* "xgc: error: ..." and the hint to --help; returns 2 (the usage status). */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The stdlib directory when --stdlib-dir is not given. */
const char *default_stdlib(void);
/* Is s the option `name` (alone or as name=value)? */
int is_opt(const char *s, const char *name);
/* The value of option argv[*i]: after '=' in it, or the next argument
 * (NULL after a usage error). */
const char *opt_value(int argc, char **argv, int *i, const char *name);
/* A positive integer option value in [1, max]; -1 after a usage error. */
long opt_count(const char *name, const char *v, long max);

/* Options of every command that reads a source file. */
typedef struct FrontOpts {
  PtrVec includes;        /* -I directories */
  const char *stdlib_dir; /* --stdlib-dir */
  int error_limit;        /* --error-limit (default 20) */
  const char *cpu;        /* --cpu (default "native"): also the host of an OpenCL model's
                             library */
  int verify_each;        /* --verify-each */
  int opencl;             /* --target=opencl (default cpu) */
  OclImages images;       /* --opencl-images (default auto) */
} FrontOpts;

void front_opts_init(FrontOpts *o);
/* Takes -I, --stdlib-dir, --error-limit, --cpu, --verify-each, --target,
 * --opencl-images at argv[*i]:
 * returns 1 when it did (*rc: 0 or the usage status), 0 for another
 * option. */
int front_opt(int argc, char **argv, int *i, FrontOpts *o, Arena *a, int *rc);
void front_setup(Front *f, const FrontOpts *o);

/* ------------------------------------------------------------- pipeline */

/* One model of one file on its way to a library. */
typedef struct Pipeline {
  Front f;
  IrCtx c;
  Module *m;
  const AstNode *model;
  IrGraph *g;
  LowerTarget info;  /* what the lowering targets (a GPU for --target=opencl) */
  LlvmTarget *target; /* the host: the CPU model's code, or the OpenCL model's descriptor */
  OclOptions ocl;
  LoopProgram *p;
  char tmpdir[256]; /* a private temporary directory, or "" */
} Pipeline;

/* Loads, checks and builds the graph of model `name` of `file` (the file's
 * only model when name is NULL).  Returns 0, or 1 after reporting. */
int pipeline_load(Pipeline *pl, const FrontOpts *o, const char *file, const char *name);
/* The graph of a given model declaration (for --emit over a whole file). */
int pipeline_graph(Pipeline *pl, const FrontOpts *o, const AstNode *model);
/* Makes the target of o->cpu (and, for --target=opencl, lowers for a
 * GPU) and lowers the graph (the loop IR verified).
 * Returns 0, or 1 after reporting. */
int pipeline_lower(Pipeline *pl, const FrontOpts *o);
/* Compiles the program (for the CPU, or as an OpenCL model: kernels and
 * launches in the library) into the shared library so_path (the object goes
 * next to it, then away); the module is printed to emit_llvm if not NULL.
 * Returns 0, or 1 after reporting. */
int pipeline_library(Pipeline *pl, const char *so_path, FILE *emit_llvm);
/* A path in the pipeline's temporary directory (made on first use), or
 * NULL after reporting. */
const char *pipeline_temp(Pipeline *pl, const char *name);
void pipeline_init(Pipeline *pl);
void pipeline_free(Pipeline *pl);

/* The model to run: --model NAME, or the file's only model (reported when
 * there is none or the choice is ambiguous). */
const AstNode *find_model(Front *f, const Module *m, const char *name);

/* "f32[1, 784]" of a loop buffer. */
const char *buf_type_str(Arena *a, const LoopBuf *b);

/* ------------------------------------------------------------- commands */
int run_command(int argc, char **argv);   /* xgc run (run.c) */
int build_command(int argc, char **argv); /* xgc build (build.c) */
int bench_command(int argc, char **argv); /* xgc bench (bench.c) */
int cache_command(int argc, char **argv); /* xgc cache (cache.c) */
/* --emit=loops, llvm or opencl of every model of a checked module. */
int emit_models(Front *f, const Module *m, const FrontOpts *o, const char *emit);

#endif
