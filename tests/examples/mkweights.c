/* mkweights.c -- writes the weights of an example for tests/examples/run.sh
 * and for the device kit (bench/device/): every param of a list takes xgc's
 * random weight fill, except those given in a (small, committed) safetensors
 * file.  docs/examples.md says why. */
#include "runtime/rt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 4096 /* ResNet-50 has 320 */
#define MAX_LINE 512    /* a name and up to RT_MAX_RANK dims */

typedef struct {
  char *names[MAX_PARAMS];
  RtTensor tensors[MAX_PARAMS];
  int count;
} Params;

static int usage(void) {
  fprintf(stderr, "usage: mkweights SEED PARAMS.txt FIXED.safetensors|- OUT.safetensors\n"
                  "  PARAMS.txt: one param a line, 'name d0 d1 ...' (f32); '#' starts a comment\n"
                  "  FIXED: the params that keep their values ('-': none)\n");
  return 2;
}

/* Parses "name d0 d1 ..." into p's next entry with storage allocated;
 * returns 0, or -1 after a message naming file:line. */
static int parse_line(Params *p, char *line, const char *file, int lineno) {
  char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save);
  if (!tok || tok[0] == '#') return 0;
  if (p->count == MAX_PARAMS) {
    fprintf(stderr, "mkweights: %s:%d: more than %d params\n", file, lineno, MAX_PARAMS);
    return -1;
  }
  int64_t shape[RT_MAX_RANK];
  int rank = 0;
  for (char *d; (d = strtok_r(NULL, " \t\r\n", &save));) {
    char *end;
    errno = 0;
    long long v = strtoll(d, &end, 10);
    if (*end || errno || v < 0 || rank == RT_MAX_RANK) {
      fprintf(stderr, "mkweights: %s:%d: bad dimension '%s' of '%s'\n", file, lineno, d, tok);
      return -1;
    }
    shape[rank++] = v;
  }
  char err[256];
  if (rt_tensor_alloc(&p->tensors[p->count], RT_F32, rank, shape, err, sizeof err)) {
    fprintf(stderr, "mkweights: %s:%d: '%s': %s\n", file, lineno, tok, err);
    return -1;
  }
  p->names[p->count++] = strdup(tok);
  return 0;
}

static int read_params(Params *p, const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) {
    fprintf(stderr, "mkweights: %s: %s\n", file, strerror(errno));
    return -1;
  }
  char line[MAX_LINE];
  int lineno = 0, rc = 0;
  while (!rc && fgets(line, sizeof line, f)) rc = parse_line(p, line, file, ++lineno);
  fclose(f);
  return rc;
}

static int same_shape(const RtTensor *a, const RtTensor *b) {
  if (a->dtype != b->dtype || a->rank != b->rank) return 0;
  for (int d = 0; d < a->rank; d++)
    if (a->shape[d] != b->shape[d]) return 0;
  return 1;
}

/* Fills every param: the fixed value where `fixed` (NULL: none) has one
 * (same dtype and shape, else an error), the random weight fill otherwise.
 * Every tensor of `fixed` must be a param. */
static int fill(Params *p, const RtSafetensors *fixed, const char *fixed_path, uint64_t seed) {
  int used = 0;
  for (int i = 0; i < p->count; i++) {
    const RtTensor *t = fixed ? rt_st_find(fixed, p->names[i]) : NULL;
    if (!t) {
      rt_fill_random_weight(&p->tensors[i], seed, p->names[i]);
      continue;
    }
    if (!same_shape(t, &p->tensors[i])) {
      fprintf(stderr, "mkweights: %s: tensor '%s' does not have the param's dtype and shape\n",
              fixed_path, p->names[i]);
      return -1;
    }
    memcpy(p->tensors[i].data, t->data, t->nbytes);
    used++;
  }
  if (fixed && used != rt_st_count(fixed)) {
    fprintf(stderr, "mkweights: %s: %d tensors are not params\n", fixed_path,
            rt_st_count(fixed) - used);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5) return usage();
  char *end;
  errno = 0;
  unsigned long long seed = strtoull(argv[1], &end, 10);
  if (!*argv[1] || *end || errno) return usage();
  static Params p;
  char err[512];
  int rc = read_params(&p, argv[2]);
  int none = !strcmp(argv[3], "-");
  RtSafetensors *fixed = rc || none ? NULL : rt_st_open(argv[3], err, sizeof err);
  if (!rc && !none && !fixed) {
    fprintf(stderr, "mkweights: %s\n", err);
    rc = -1;
  }
  if (!rc) rc = fill(&p, fixed, argv[3], seed);
  if (!rc) {
    const RtTensor *ts[MAX_PARAMS];
    for (int i = 0; i < p.count; i++) ts[i] = &p.tensors[i];
    rc = rt_st_write(argv[4], p.count, (const char *const *)p.names, ts, err, sizeof err);
    if (rc) fprintf(stderr, "mkweights: %s\n", err);
  }
  if (fixed) rt_st_close(fixed);
  for (int i = 0; i < p.count; i++) {
    free(p.names[i]);
    rt_tensor_free(&p.tensors[i]);
  }
  return rc ? 1 : 0;
}
