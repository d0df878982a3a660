/* fake_ocl.c -- an OpenCL model library written by hand against
 * runtime/xg_abi.h, as xgc --target=opencl would generate one: the OpenCL
 * runtime's tests load it (fake_ocl.h). */
#include "runtime/xg_abi.h"
#include "tests/unit/fake_ocl.h"

#include <string.h>

enum { F32 = 0 }; /* xg_dtype */
#define N (FOCL_ROWS * FOCL_COLS)
_Static_assert(FOCL_COLS == 8 && N == 512, "the source's COLS and N");

static const char source[] =
    "#define COLS 8\n"
    "#define N 512\n"
    "__kernel void prep(__global const float *w, __global float *arena) {\n"
    "  size_t i = get_global_id(0);\n"
    "  arena[i] += w[i] * 2.0f;\n"
    "}\n"
    "__kernel void mul(__global const float *x, __global float *arena) {\n"
    "  size_t i = get_global_id(1) * COLS + get_global_id(0);\n"
    "  arena[N + i] = x[i] * arena[i];\n"
    "}\n"
    "__kernel void add(__global const float *arena, __global float *y) {\n"
    "  size_t i = get_global_id(0);\n"
    "  y[i] = arena[N + i] * 0.5f + 1.0f;\n"
    "}\n"
    "__kernel void to_image(__global const float *x, __write_only image2d_t img) {\n"
    "  int j = get_global_id(0), i = get_global_id(1);\n"
    "  write_imagef(img, (int2)(j, i), vload4(j, x + i * COLS));\n"
    "}\n"
    "__constant sampler_t smp = CLK_NORMALIZED_COORDS_FALSE | CLK_ADDRESS_CLAMP |\n"
    "                           CLK_FILTER_NEAREST;\n"
    "__kernel void from_image(__read_only image2d_t img, __global float *z,\n"
    "                         __global float *edge) {\n"
    "  int j = get_global_id(0), i = get_global_id(1);\n"
    "  vstore4(read_imagef(img, smp, (int2)(j, i)), j, z + i * COLS);\n"
    "  if (j == 0) {\n"
    "    vstore4(read_imagef(img, smp, (int2)(COLS / 4, i)), 0, edge + i * 8);\n"
    "    vstore4(read_imagef(img, smp, (int2)(-1, i)), 1, edge + i * 8);\n"
    "  }\n"
    "}\n"
    "__kernel void check(__global const float *x, __global int *status) {\n"
    "  if (isnan(x[0])) *status = (int)x[1];\n"
    "}\n";

static const char broken[] = "__kernel void prep(__global float *w) { w[0] = undefined_thing; }\n";
static char source2[sizeof source + 32];

static const int64_t shape_x[] = {FOCL_ROWS, FOCL_COLS}, shape_edge[] = {FOCL_ROWS, 8};
static const xg_abi_tensor inputs[] = {{"x", F32, 2, shape_x, N * 4}};
static const xg_abi_tensor outputs[] = {
    {"y", F32, 2, shape_x, N * 4}, {"z", F32, 2, shape_x, N * 4}, {"edge", F32, 2, shape_edge,
                                                                    FOCL_ROWS * 8 * 4}};
static const xg_abi_tensor weights[] = {{"w", F32, 2, shape_x, N * 4}};

enum { MX, MW, MARENA, MY, MIMG, MZ, MEDGE, MSTATUS, NMEMS };
static const xg_abi_ocl_mem mems[NMEMS + 16] = {
    {XG_OCL_INPUT, 0, 0, 0},  {XG_OCL_WEIGHT, 0, 0, 0},           {XG_OCL_ARENA, 0, 0, 0},
    {XG_OCL_OUTPUT, 0, 0, 0}, {XG_OCL_IMAGE, 0, FOCL_COLS / 4, FOCL_ROWS}, {XG_OCL_OUTPUT, 1, 0, 0},
    {XG_OCL_OUTPUT, 2, 0, 0}, {XG_OCL_STATUS, 0, 0, 0}};

static const int32_t args_prep[] = {MW, MARENA}, args_mul[] = {MX, MARENA},
                     args_add[] = {MARENA, MY}, args_to[] = {MX, MIMG},
                     args_from[] = {MIMG, MZ, MEDGE}, args_check[] = {MX, MSTATUS};
static const xg_abi_ocl_launch launches[FOCL_LAUNCHES] = {
    {"prep", "w2 = 2 w", 2, args_prep, 1, 1, {N, 1, 1}, {0, 0, 0}},
    {"mul", "t = x * w2", 2, args_mul, 0, 2, {FOCL_COLS, FOCL_ROWS, 1}, {8, 4, 1}},
    {"add", "y", 2, args_add, 0, 1, {N, 1, 1}, {64, 0, 0}},
    {"to_image", "img = x", 2, args_to, 0, 2, {FOCL_COLS / 4, FOCL_ROWS, 1}, {0, 0, 0}},
    {"from_image", "z, edge", 3, args_from, 0, 2, {FOCL_COLS / 4, FOCL_ROWS, 1}, {0, 0, 0}},
    {"check", "status", 2, args_check, 0, 1, {1, 1, 1}, {0, 0, 0}},
};

static const xg_abi_ocl ocl = {source, "", NMEMS, mems, FOCL_LAUNCHES, launches, 2 * N * 4};

static int32_t not_a_run(const xg_abi_args *a) {
  (void)a;
  return 0;
}

static const xg_abi_model model = {XG_ABI_VERSION, "fakecl", 1, 3, 1, inputs, outputs, weights,
                                   0, NULL, &ocl};

static int variant;
static uint64_t size_arena, size_w, size_h;
static int extra_images;
static xg_abi_model bent;
static xg_abi_ocl bent_ocl;
static xg_abi_ocl_mem bent_mems[NMEMS + 16];
static xg_abi_ocl_launch bent_launches[FOCL_LAUNCHES];
static const int32_t bad_args[] = {MARENA, 99};

void fake_ocl_variant(int v);
void fake_ocl_variant(int v) {
  variant = v;
}

void fake_ocl_sizes(uint64_t arena, uint64_t width, uint64_t height, int images);
void fake_ocl_sizes(uint64_t arena, uint64_t width, uint64_t height, int images) {
  size_arena = arena, size_w = width, size_h = height;
  extra_images = images < 0 ? 0 : images > 16 ? 16 : images;
}

/* Bends the copies for the memory and launch variants. */
static void bend_parts(xg_abi_ocl_mem *m, xg_abi_ocl_launch *l) {
  switch (variant) {
  case FOCL_BADKIND: m[MARENA].kind = 9; break;
  case FOCL_BADINDEX: m[MX].index = 1; break;
  case FOCL_DUPMEM: m[MZ].index = 0; break;
  case FOCL_TWOARENAS: m[MSTATUS].kind = XG_OCL_ARENA; break;
  case FOCL_FLATIMAGE: m[MIMG].height = 0; break;
  case FOCL_NOKERNEL: l[0].kernel = NULL; break;
  case FOCL_NOWHAT: l[1].what = NULL; break;
  case FOCL_BADARG: l[2].args = bad_args; break;
  case FOCL_BADONCE: l[0].once = 2; break;
  case FOCL_BADDIM: l[1].work_dim = 4; break;
  case FOCL_ZEROGLOBAL: l[3].global[0] = 0; break;
  case FOCL_PARTLOCAL: l[1].local[1] = 0; break;
  case FOCL_NOTMULTIPLE: l[2].local[0] = 48; break;
  case FOCL_NOSUCHKERNEL: l[2].kernel = "nothere"; break;
  case FOCL_NARGS: l[2].nargs = 1; break;
  case FOCL_WIDEIMAGE: m[MIMG].width = size_w, m[MIMG].height = size_h; break;
  case FOCL_BIGITEMS: l[2].global[0] = l[2].local[0] = size_w; break;
  case FOCL_BIGGROUP:
    l[1].global[0] = l[1].local[0] = size_w, l[1].global[1] = l[1].local[1] = size_h;
    break;
  default: break;
  }
}

/* The descriptor of the current variant, made afresh from the model. */
static const xg_abi_model *fake_bend(void) {
  bent = model, bent_ocl = ocl, bent.ocl = &bent_ocl;
  memcpy(bent_mems, mems, sizeof mems);
  memcpy(bent_launches, launches, sizeof launches);
  bent_ocl.mems = bent_mems, bent_ocl.launches = bent_launches;
  bend_parts(bent_mems, bent_launches);
  switch (variant) {
  case FOCL_BOTH: bent.run = not_a_run; break;
  case FOCL_NEITHER: bent.ocl = NULL; break;
  case FOCL_NOSOURCE: bent_ocl.source = NULL; break;
  case FOCL_NOOPTIONS: bent_ocl.build_options = NULL; break;
  case FOCL_NEGMEMS: bent_ocl.nmems = -1; break;
  case FOCL_NOLAUNCHES: bent_ocl.launches = NULL; break;
  case FOCL_NOOUTPUTMEM: bent_ocl.nmems = MEDGE; break;
  case FOCL_BUILDFAIL: bent_ocl.source = broken; break;
  case FOCL_HUGEARENA: bent_ocl.arena_bytes = size_arena; break;
  case FOCL_MANYIMAGES:
    for (int i = 0; i < extra_images; i++)
      bent_mems[NMEMS + i] = (xg_abi_ocl_mem){XG_OCL_IMAGE, 0, size_w, size_h};
    bent_ocl.nmems = NMEMS + extra_images;
    break;
  case FOCL_OPTIONS: bent_ocl.build_options = "-cl-fast-relaxed-math"; break;
  case FOCL_SOURCE2:
    memcpy(source2, source, sizeof source);
    strcat(source2, "/* another source */\n");
    bent_ocl.source = source2;
    break;
  default: break;
  }
  return &bent;
}

const xg_abi_model *xg_model_describe(void);
const xg_abi_model *xg_model_describe(void) {
  return fake_bend();
}
