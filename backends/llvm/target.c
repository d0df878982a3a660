/* backends/llvm/target.c -- target machines for x86-64 (the host's CPU and
 * features, or a named CPU), what the schedules need to know of them,
 * the pass pipeline of the new pass manager, and object emission. */
#include "backends/llvm/llvm_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The named CPUs --cpu accepts, with their widest vectors, vector
 * registers and FMA.  Caches: 32 KiB L1, 1 MiB L2, 8 MiB L3 unless given. */
static const struct {
  const char *name;
  int bits, regs, fma;
  int l2_kib;
} known_cpus[] = {
    {"x86-64", 128, 16, 0, 256},          {"x86-64-v2", 128, 16, 0, 256},
    {"x86-64-v3", 256, 16, 1, 1024},      {"x86-64-v4", 512, 32, 1, 1024},
    {"sandybridge", 256, 16, 0, 256},     {"ivybridge", 256, 16, 0, 256},
    {"haswell", 256, 16, 1, 256},         {"broadwell", 256, 16, 1, 256},
    {"skylake", 256, 16, 1, 256},         {"alderlake", 256, 16, 1, 1280},
    {"skylake-avx512", 512, 32, 1, 1024}, {"cascadelake", 512, 32, 1, 1024},
    {"cooperlake", 512, 32, 1, 1024},     {"icelake-server", 512, 32, 1, 1280},
    {"tigerlake", 512, 32, 1, 1280},      {"sapphirerapids", 512, 32, 1, 2048},
    {"znver1", 256, 16, 1, 512},          {"znver2", 256, 16, 1, 512},
    {"znver3", 256, 16, 1, 512},
};

const char *llvm_known_cpus(void) {
  static char list[1024];
  if (!list[0]) {
    strcpy(list, "native");
    for (size_t i = 0; i < sizeof known_cpus / sizeof *known_cpus; i++) {
      strcat(list, ", ");
      strcat(list, known_cpus[i].name);
    }
  }
  return list;
}

static void init_x86(void) {
  static int done;
  if (done) return;
  LLVMInitializeX86TargetInfo();
  LLVMInitializeX86Target();
  LLVMInitializeX86TargetMC();
  LLVMInitializeX86AsmPrinter();
  done = 1;
}

static int has_feature(const char *features, const char *f) {
  size_t n = strlen(f);
  for (const char *p = features; (p = strstr(p, f)); p += n)
    if ((p == features || p[-1] == ',') && (p[n] == ',' || p[n] == 0)) return 1;
  return 0;
}

static int64_t cache_size(int name, int64_t dflt) {
  long v = sysconf(name);
  return v > 0 ? v : dflt;
}

/* What the host's features and caches say. */
static void host_info(const char *features, LowerTarget *info) {
  info->vector_bits = has_feature(features, "+avx512f") ? 512
                      : has_feature(features, "+avx")   ? 256
                                                        : 128;
  info->vector_regs = info->vector_bits == 512 ? 32 : 16;
  info->fma = has_feature(features, "+fma");
  info->l1 = cache_size(_SC_LEVEL1_DCACHE_SIZE, 32 << 10);
  info->l2 = cache_size(_SC_LEVEL2_CACHE_SIZE, 1 << 20);
  info->l3 = cache_size(_SC_LEVEL3_CACHE_SIZE, 8 << 20);
}

static int named_info(const char *cpu, LowerTarget *info) {
  for (size_t i = 0; i < sizeof known_cpus / sizeof *known_cpus; i++) {
    if (strcmp(cpu, known_cpus[i].name)) continue;
    info->vector_bits = known_cpus[i].bits;
    info->vector_regs = known_cpus[i].regs;
    info->fma = known_cpus[i].fma;
    info->l1 = 32 << 10;
    info->l2 = (int64_t)known_cpus[i].l2_kib << 10;
    info->l3 = 8 << 20;
    return 1;
  }
  return 0;
}

LlvmTarget *llvm_target_new(const char *cpu, LowerTarget *info, char *err, size_t errlen) {
  init_x86();
  LlvmTarget *t = calloc(1, sizeof *t);
  if (!t) abort();
  int native = !strcmp(cpu, "native");
  if (native) {
    char *name = LLVMGetHostCPUName(), *feat = LLVMGetHostCPUFeatures();
    t->cpu = strdup(name);
    t->features = strdup(feat);
    LLVMDisposeMessage(name);
    LLVMDisposeMessage(feat);
    host_info(t->features, info);
  } else if (named_info(cpu, info)) {
    t->cpu = strdup(cpu);
    t->features = strdup("");
  } else {
    snprintf(err, errlen, "unknown CPU '%s' for --cpu (known: %s)", cpu, llvm_known_cpus());
    free(t);
    return NULL;
  }
  info->cpu = t->cpu;
  info->gpu = info->images = 0;
  info->image_max = 0;
  t->triple = LLVMNormalizeTargetTriple("x86_64-pc-linux-gnu");
  LLVMTargetRef target;
  char *msg = NULL;
  if (LLVMGetTargetFromTriple(t->triple, &target, &msg)) {
    snprintf(err, errlen, "no LLVM target for %s: %s", t->triple, msg ? msg : "?");
    LLVMDisposeMessage(msg);
    llvm_target_free(t);
    return NULL;
  }
  t->tm = LLVMCreateTargetMachine(target, t->triple, t->cpu, t->features,
                                  LLVMCodeGenLevelAggressive, LLVMRelocPIC, LLVMCodeModelDefault);
  return t;
}

void llvm_target_free(LlvmTarget *t) {
  if (!t) return;
  if (t->tm) LLVMDisposeTargetMachine(t->tm);
  if (t->triple) LLVMDisposeMessage(t->triple);
  free(t->cpu);
  free(t->features);
  free(t);
}

/* The function pipeline for code that xgc has already scheduled: its loops
 * are tiled, unrolled and vectorized as the loop IR says, so LLVM is asked
 * to clean up (allocas to registers, common subexpressions, invariant code
 * out of loops, redundant loads and stores), to prove the edge-tile
 * branches of a contraction exclusive (jump threading and value
 * propagation: then the tile's registers are dead after the branch taken,
 * not spilled), to vectorize what xgc left scalar and to unroll short
 * loops such as the packing ones (O3's partial unrolling: without it the
 * ResNets ran 3-5% slower); not to re-derive a schedule (no inlining, no
 * induction variable rewriting, no loop rotation).  The hot loops come out
 * as from default<O3>, at about half its compile time (docs/cpu.md, "The
 * pass pipeline"). */
static const char xg_pipeline[] = "function("
                                  "sroa,early-cse<memssa>,"
                                  "jump-threading,correlated-propagation,simplifycfg,instcombine,"
                                  "loop(loop-unroll-full),sroa,"
                                  "loop-mssa(licm),gvn,instcombine,"
                                  "jump-threading,correlated-propagation,dse,"
                                  "loop-simplify,lcssa,loop-vectorize,loop-unroll<O3>,"
                                  "slp-vectorizer,"
                                  "instcombine,simplifycfg)";

const char *llvm_pipeline(void) {
  const char *env = getenv("XGC_LLVM_PASSES");
  return env && env[0] ? env : xg_pipeline;
}

int llvm_optimize(LLVMModuleRef m, LlvmTarget *t, char *err, size_t errlen) {
  const char *pipeline = llvm_pipeline();
  LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
  LLVMErrorRef e = LLVMRunPasses(m, pipeline, t->tm, po);
  LLVMDisposePassBuilderOptions(po);
  if (!e) return 0;
  char *msg = LLVMGetErrorMessage(e);
  if (pipeline == xg_pipeline)
    snprintf(err, errlen, "internal error: the LLVM optimizer failed: %s", msg);
  else
    snprintf(err, errlen, "the LLVM pass pipeline of XGC_LLVM_PASSES ('%s') failed: %s", pipeline,
             msg);
  LLVMDisposeErrorMessage(msg);
  return -1;
}

int llvm_emit_object(LLVMModuleRef m, LlvmTarget *t, const char *path, char *err, size_t errlen) {
  char *msg = NULL;
  if (!LLVMTargetMachineEmitToFile(t->tm, m, (char *)path, LLVMObjectFile, &msg)) return 0;
  snprintf(err, errlen, "cannot write the object file %s: %s", path, msg ? msg : "?");
  LLVMDisposeMessage(msg);
  return -1;
}
