/* runtime/safetensors.c -- the safetensors format: a strict reader over a
 * memory mapping (the JSON header parsed by libcjson) and a writer. */
#include "runtime/rt.h"
#include "runtime/rt_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The reference implementation's limit on the header, which also bounds the
 * copy we make of it. */
enum { ST_MAX_HEADER = 100000000 };
/* Integers in the header are read as doubles: exact up to 2^53. */
#define ST_MAX_INT 9007199254740992.0

/* The file's names for our dtypes, in RtDType order. */
static const char *const st_dtype_names[] = {"F32", "F16", "I32", "I8", "BOOL"};
_Static_assert(sizeof st_dtype_names / sizeof *st_dtype_names == RT__COUNT, "st dtypes");

typedef struct StEntry {
  char *name;
  RtTensor t;
  uint64_t begin, end; /* data offsets */
  void *copy;          /* t.data when the mapping was misaligned for the dtype */
} StEntry;

struct RtSafetensors {
  RtMap map; /* the file (rt_st_open), or unused (rt_st_parse) */
  int n;
  StEntry *e;    /* in header order */
  int *by_name;  /* indices of e sorted by name */
  int *by_data;  /* indices of e sorted by data offsets */
};

/* What a parse needs at hand: the file's name for messages and the error
 * buffer. */
typedef struct StParse {
  const char *name;
  char *err;
  size_t errlen;
  RtSafetensors *st;
  uint64_t datalen;
} StParse;

#define ST_ERR(p, ...) rt_err((p)->err, (p)->errlen, __VA_ARGS__)

/* ------------------------------------------------------------ the header */

/* The header's first line of defence: size, NUL bytes, UTF-8, then JSON. */
static cJSON *st_json(StParse *p, const unsigned char *buf, size_t len, uint64_t *hlen) {
  if (len >= 6 && !memcmp(buf, "\x93NUMPY", 6))
    return ST_ERR(p, "%s: not a safetensors file (it is a .npy file)", p->name), NULL;
  if (len < 8)
    return ST_ERR(p, "%s: not a safetensors file (%zu bytes, too short for the header length)",
                  p->name, len), NULL;
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = n << 8 | buf[i];
  if (n > len - 8)
    return ST_ERR(p, "%s: header length %llu exceeds the file (%zu bytes follow the length)",
                  p->name, (unsigned long long)n, len - 8), NULL;
  if (n > ST_MAX_HEADER)
    return ST_ERR(p, "%s: header length %llu is over the limit of %d bytes", p->name,
                  (unsigned long long)n, ST_MAX_HEADER), NULL;
  *hlen = n;
  const unsigned char *h = buf + 8, *nul = memchr(h, 0, (size_t)n);
  if (nul) return ST_ERR(p, "%s: header is not valid JSON (a NUL byte at byte %zu)", p->name, (size_t)(nul - h)), NULL;
  size_t bad = rt_utf8_valid(h, (size_t)n);
  if (bad != n) return ST_ERR(p, "%s: header is not valid UTF-8 (at byte %zu)", p->name, bad), NULL;
  char *text = malloc((size_t)n + 1);
  if (!text) return ST_ERR(p, "%s: out of memory for the header", p->name), NULL;
  memcpy(text, h, (size_t)n);
  text[n] = 0;
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(text, (size_t)n, &end, 0);
  size_t at = end ? (size_t)(end - text) : 0;
  if (root) {
    while (at < n && strchr(" \t\r\n", text[at])) at++;
    if (at < n) {
      cJSON_Delete(root);
      root = NULL;
      ST_ERR(p, "%s: header is not valid JSON (text after the value at byte %zu)", p->name, at);
    }
  } else if (at >= n || n == 0) {
    ST_ERR(p, "%s: header is not valid JSON (it ends early, at byte %zu)", p->name, (size_t)n);
  } else {
    char near[RT_NAME_STRLEN];
    size_t m = n - at < 16 ? (size_t)n - at : 16;
    ST_ERR(p, "%s: header is not valid JSON (error at byte %zu, near '%s')", p->name, at,
           rt_show(near, text + at, m));
  }
  free(text);
  if (root && !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return ST_ERR(p, "%s: header is not a JSON object", p->name), NULL;
  }
  return root;
}

/* A JSON number that is a whole number in [0, 2^53]: 0, or -1 with the
 * problem in why. */
static int st_uint(const cJSON *v, uint64_t *out, const char **why) {
  if (!cJSON_IsNumber(v)) return *why = "is not a number", -1;
  double d = v->valuedouble;
  if (d < 0) return *why = "is negative", -1;
  if (!(d <= ST_MAX_INT) || d != (double)(uint64_t)d) return *why = "is not a whole number below 2^53", -1;
  *out = (uint64_t)d;
  return 0;
}

static int st_metadata(StParse *p, const cJSON *meta) {
  char k[RT_NAME_STRLEN];
  if (!cJSON_IsObject(meta)) return ST_ERR(p, "%s: '__metadata__' is not a JSON object", p->name);
  for (const cJSON *c = meta->child; c; c = c->next)
    if (!cJSON_IsString(c))
      return ST_ERR(p, "%s: '__metadata__' entry '%s' is not a string", p->name,
                    rt_show(k, c->string, strlen(c->string)));
  return 0;
}

static int st_dtype(StParse *p, const char *tn, const cJSON *v, RtDType *dt) {
  char s[RT_NAME_STRLEN];
  if (!cJSON_IsString(v)) return ST_ERR(p, "%s: tensor '%s': 'dtype' is not a string", p->name, tn);
  for (int i = 0; i < RT__COUNT; i++)
    if (!strcmp(v->valuestring, st_dtype_names[i])) return *dt = (RtDType)i, 0;
  return ST_ERR(p, "%s: tensor '%s': unsupported dtype '%s' (supported: F32, F16, I32, I8, BOOL)",
                p->name, tn, rt_show(s, v->valuestring, strlen(v->valuestring)));
}

static int st_shape(StParse *p, const char *tn, const cJSON *v, RtTensor *t) {
  if (!cJSON_IsArray(v)) return ST_ERR(p, "%s: tensor '%s': 'shape' is not an array", p->name, tn);
  int rank = cJSON_GetArraySize(v);
  if (rank > RT_MAX_RANK)
    return ST_ERR(p, "%s: tensor '%s': rank %d exceeds the limit of %d", p->name, tn, rank, RT_MAX_RANK);
  int i = 0;
  for (const cJSON *c = v->child; c; c = c->next, i++) {
    uint64_t d;
    const char *why;
    if (cJSON_IsNumber(c) && c->valuedouble < 0 && c->valuedouble >= -ST_MAX_INT &&
        c->valuedouble == (double)(int64_t)c->valuedouble)
      return ST_ERR(p, "%s: tensor '%s': shape has a negative dimension %lld", p->name, tn,
                    (long long)c->valuedouble);
    if (st_uint(c, &d, &why))
      return ST_ERR(p, "%s: tensor '%s': shape entry %d %s", p->name, tn, i, why);
    t->shape[i] = (int64_t)d;
  }
  t->rank = rank;
  return 0;
}

static int st_offsets(StParse *p, const char *tn, const cJSON *v, StEntry *e) {
  uint64_t o[2];
  const char *why;
  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2)
    return ST_ERR(p, "%s: tensor '%s': 'data_offsets' is not an array [begin, end]", p->name, tn);
  for (int i = 0; i < 2; i++)
    if (st_uint(cJSON_GetArrayItem(v, i), &o[i], &why))
      return ST_ERR(p, "%s: tensor '%s': data offset %s %s", p->name, tn, i ? "end" : "begin", why);
  e->begin = o[0];
  e->end = o[1];
  if (o[0] > o[1])
    return ST_ERR(p, "%s: tensor '%s': data offsets [%llu, %llu) end before they begin", p->name, tn,
                  (unsigned long long)o[0], (unsigned long long)o[1]);
  if (o[1] > p->datalen)
    return ST_ERR(p, "%s: tensor '%s': data offsets [%llu, %llu) exceed the data section (%llu bytes)",
                  p->name, tn, (unsigned long long)o[0], (unsigned long long)o[1],
                  (unsigned long long)p->datalen);
  return 0;
}

/* The three keys of a tensor's entry, each once, nothing else. */
static const char *const st_keys[] = {"dtype", "shape", "data_offsets"};

static int st_entry_keys(StParse *p, const char *tn, const cJSON *obj, const cJSON *vals[3]) {
  char k[RT_NAME_STRLEN];
  if (!cJSON_IsObject(obj)) return ST_ERR(p, "%s: tensor '%s': entry is not a JSON object", p->name, tn);
  vals[0] = vals[1] = vals[2] = NULL;
  for (const cJSON *c = obj->child; c; c = c->next) {
    int i = 0;
    while (i < 3 && strcmp(c->string, st_keys[i])) i++;
    if (i == 3)
      return ST_ERR(p, "%s: tensor '%s': unknown key '%s'", p->name, tn,
                    rt_show(k, c->string, strlen(c->string)));
    if (vals[i]) return ST_ERR(p, "%s: tensor '%s': key '%s' appears twice", p->name, tn, st_keys[i]);
    vals[i] = c;
  }
  for (int i = 0; i < 3; i++)
    if (!vals[i]) return ST_ERR(p, "%s: tensor '%s': lacks the key '%s'", p->name, tn, st_keys[i]);
  return 0;
}

/* One tensor's entry, checked on its own (not against the others). */
static int st_entry(StParse *p, const cJSON *obj, StEntry *e) {
  char tn[RT_NAME_STRLEN], sh[RT_SHAPE_STRLEN];
  const cJSON *v[3];
  rt_show(tn, obj->string, strlen(obj->string));
  e->name = strdup(obj->string);
  if (!e->name) return ST_ERR(p, "%s: out of memory", p->name);
  if (st_entry_keys(p, tn, obj, v) || st_dtype(p, tn, v[0], &e->t.dtype) ||
      st_shape(p, tn, v[1], &e->t) || st_offsets(p, tn, v[2], e))
    return -1;
  int64_t elems;
  size_t nbytes;
  rt_shape_str(sh, sizeof sh, e->t.rank, e->t.shape);
  if (rt_shape_bytes(e->t.dtype, e->t.rank, e->t.shape, &elems, &nbytes))
    return ST_ERR(p, "%s: tensor '%s': shape %s is too large (its byte count overflows)", p->name, tn, sh);
  if (e->end - e->begin != nbytes)
    return ST_ERR(p, "%s: tensor '%s': data offsets [%llu, %llu) hold %llu bytes, shape %s of %s needs %zu",
                  p->name, tn, (unsigned long long)e->begin, (unsigned long long)e->end,
                  (unsigned long long)(e->end - e->begin), sh, st_dtype_names[e->t.dtype], nbytes);
  e->t.nbytes = nbytes;
  return 0;
}

/* ---------------------------------------------------- checks across tensors */

static int st_cmp_name(const void *a, const void *b, void *ctx) {
  const StEntry *e = ctx;
  return strcmp(e[*(const int *)a].name, e[*(const int *)b].name);
}

static int st_cmp_data(const void *a, const void *b, void *ctx) {
  const StEntry *x = (const StEntry *)ctx + *(const int *)a, *y = (const StEntry *)ctx + *(const int *)b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return *(const int *)a - *(const int *)b;
}

static int *st_sorted(const RtSafetensors *st, int (*cmp)(const void *, const void *, void *)) {
  int *ix = malloc((size_t)(st->n ? st->n : 1) * sizeof *ix);
  if (!ix) return NULL;
  for (int i = 0; i < st->n; i++) ix[i] = i;
  qsort_r(ix, (size_t)st->n, sizeof *ix, cmp, st->e);
  return ix;
}

static int st_unique(StParse *p) {
  RtSafetensors *st = p->st;
  char tn[RT_NAME_STRLEN];
  for (int i = 1; i < st->n; i++) {
    const char *a = st->e[st->by_name[i - 1]].name, *b = st->e[st->by_name[i]].name;
    if (!strcmp(a, b))
      return ST_ERR(p, "%s: tensor '%s' appears twice in the header", p->name, rt_show(tn, a, strlen(a)));
  }
  return 0;
}

/* The data section must be the tensors' data laid end to end, as the
 * reference implementation demands: no overlap, no hole, nothing after. */
static int st_layout(StParse *p) {
  RtSafetensors *st = p->st;
  char tn[RT_NAME_STRLEN], pn[RT_NAME_STRLEN];
  uint64_t pos = 0;
  const StEntry *prev = NULL;
  for (int i = 0; i < st->n; i++) {
    const StEntry *e = &st->e[st->by_data[i]];
    rt_show(tn, e->name, strlen(e->name));
    if (prev) rt_show(pn, prev->name, strlen(prev->name));
    if (e->begin < pos)
      return ST_ERR(p, "%s: tensor '%s': data offsets [%llu, %llu) overlap tensor '%s' [%llu, %llu)",
                    p->name, tn, (unsigned long long)e->begin, (unsigned long long)e->end, pn,
                    (unsigned long long)prev->begin, (unsigned long long)prev->end);
    if (e->begin > pos && prev)
      return ST_ERR(p, "%s: tensor '%s': data offsets [%llu, %llu) leave a hole of %llu bytes after tensor '%s' [%llu, %llu)",
                    p->name, tn, (unsigned long long)e->begin, (unsigned long long)e->end,
                    (unsigned long long)(e->begin - pos), pn, (unsigned long long)prev->begin,
                    (unsigned long long)prev->end);
    if (e->begin > pos)
      return ST_ERR(p, "%s: tensor '%s': data offsets [%llu, %llu) leave a hole of %llu bytes at the start of the data section",
                    p->name, tn, (unsigned long long)e->begin, (unsigned long long)e->end,
                    (unsigned long long)e->begin);
    pos = e->end;
    prev = e;
  }
  if (pos != p->datalen)
    return ST_ERR(p, "%s: the data section is %llu bytes but the tensors end at %llu (%llu bytes left over)",
                  p->name, (unsigned long long)p->datalen, (unsigned long long)pos,
                  (unsigned long long)(p->datalen - pos));
  return 0;
}

/* Points each tensor at its data; copies those the mapping misaligns. */
static int st_bind(StParse *p, const unsigned char *data) {
  RtSafetensors *st = p->st;
  for (int i = 0; i < st->n; i++) {
    StEntry *e = &st->e[i];
    const unsigned char *at = data + e->begin;
    e->t.data = (void *)at;
    if ((uintptr_t)at % rt_dtype_size(e->t.dtype) == 0 || e->t.nbytes == 0) continue;
    if (!(e->copy = malloc(e->t.nbytes))) return ST_ERR(p, "%s: out of memory", p->name);
    memcpy(e->copy, at, e->t.nbytes);
    e->t.data = e->copy;
  }
  return 0;
}

/* ----------------------------------------------------------------- parse */

static int st_entries(StParse *p, const cJSON *root) {
  RtSafetensors *st = p->st;
  int meta = 0, n = 0;
  for (const cJSON *c = root->child; c; c = c->next) {
    if (strcmp(c->string, "__metadata__")) n++;
    else if (meta++) return ST_ERR(p, "%s: '__metadata__' appears twice in the header", p->name);
    else if (st_metadata(p, c)) return -1;
  }
  if (!(st->e = calloc((size_t)(n ? n : 1), sizeof *st->e))) return ST_ERR(p, "%s: out of memory", p->name);
  for (const cJSON *c = root->child; c; c = c->next) {
    if (!strcmp(c->string, "__metadata__")) continue;
    if (st_entry(p, c, &st->e[st->n++])) return -1;
  }
  st->by_name = st_sorted(st, st_cmp_name);
  st->by_data = st_sorted(st, st_cmp_data);
  if (!st->by_name || !st->by_data) return ST_ERR(p, "%s: out of memory", p->name);
  return 0;
}

RtSafetensors *rt_st_parse(const char *name, const void *buf, size_t len, char *err, size_t errlen) {
  StParse p = {name, err, errlen, NULL, 0};
  uint64_t hlen;
  cJSON *root = st_json(&p, buf, len, &hlen);
  if (!root) return NULL;
  p.datalen = len - 8 - hlen;
  p.st = calloc(1, sizeof *p.st);
  int rc = p.st ? 0 : ST_ERR(&p, "%s: out of memory", name);
  rc = rc || st_entries(&p, root) || st_unique(&p) || st_layout(&p) ||
       st_bind(&p, (const unsigned char *)buf + 8 + hlen);
  cJSON_Delete(root);
  if (rc) {
    rt_st_close(p.st);
    return NULL;
  }
  return p.st;
}

RtSafetensors *rt_st_open(const char *path, char *err, size_t errlen) {
  RtMap m;
  if (rt_map_file(path, &m, err, errlen)) return NULL;
  RtSafetensors *st = rt_st_parse(path, m.data, m.len, err, errlen);
  if (st) st->map = m;
  else rt_unmap_file(&m);
  return st;
}

void rt_st_close(RtSafetensors *st) {
  if (!st) return;
  for (int i = 0; i < st->n; i++) {
    free(st->e[i].name);
    free(st->e[i].copy);
  }
  free(st->e);
  free(st->by_name);
  free(st->by_data);
  rt_unmap_file(&st->map);
  free(st);
}

int rt_st_count(const RtSafetensors *st) {
  return st->n;
}

const char *rt_st_name(const RtSafetensors *st, int i) {
  return i >= 0 && i < st->n ? st->e[i].name : NULL;
}

const RtTensor *rt_st_tensor(const RtSafetensors *st, int i) {
  return i >= 0 && i < st->n ? &st->e[i].t : NULL;
}

const RtTensor *rt_st_find(const RtSafetensors *st, const char *name) {
  int lo = 0, hi = st->n;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2, c = strcmp(name, st->e[st->by_name[mid]].name);
    if (c == 0) return &st->e[st->by_name[mid]].t;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return NULL;
}

/* ----------------------------------------------------------------- write */

/* A growable text buffer for the header. */
typedef struct StBuf {
  char *s;
  size_t len, cap;
  int oom;
} StBuf;

static void sb_put(StBuf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->len + n + 8 > b->cap) {
    size_t cap = (b->len + n + 8) * 2;
    char *s2 = realloc(b->s, cap);
    if (!s2) {
      b->oom = 1;
      return;
    }
    b->s = s2;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
}

static void sb_printf(StBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(StBuf *b, const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  sb_put(b, tmp, (size_t)n);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void sb_json_string(StBuf *b, const char *s) {
  sb_put(b, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') sb_printf(b, "\\%c", c);
    else if (c < 0x20) sb_printf(b, "\\u%04x", c);
    else sb_put(b, s, 1);
  }
  sb_put(b, "\"", 1);
}

static void sb_entry(StBuf *b, const char *name, const RtTensor *t, uint64_t begin) {
  sb_json_string(b, name);
  sb_printf(b, ":{\"dtype\":\"%s\",\"shape\":[", st_dtype_names[t->dtype]);
  for (int i = 0; i < t->rank; i++) sb_printf(b, "%s%lld", i ? "," : "", (long long)t->shape[i]);
  sb_printf(b, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)begin,
            (unsigned long long)(begin + t->nbytes));
}

static int st_cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names valid UTF-8, not reserved, unique; tensors well-formed. */
static int st_check_write(const char *path, int n, const char *const *names,
                          const RtTensor *const *tensors, char *err, size_t errlen) {
  char tn[RT_NAME_STRLEN], problem[RT_SHAPE_STRLEN + 128];
  for (int i = 0; i < n; i++) {
    if (!names[i] || !tensors[i]) return rt_err(err, errlen, "%s: tensor %d has no name or no tensor", path, i);
    size_t len = strlen(names[i]);
    rt_show(tn, names[i], len);
    if (rt_utf8_valid((const unsigned char *)names[i], len) != len)
      return rt_err(err, errlen, "%s: tensor '%s': the name is not valid UTF-8", path, tn);
    if (!strcmp(names[i], "__metadata__"))
      return rt_err(err, errlen, "%s: tensor '__metadata__': the name is reserved", path);
    if (rt_tensor_problem(tensors[i], problem, sizeof problem))
      return rt_err(err, errlen, "%s: tensor '%s': %s", path, tn, problem);
  }
  const char **sorted = malloc((size_t)(n ? n : 1) * sizeof *sorted);
  if (!sorted) return rt_err(err, errlen, "%s: out of memory", path);
  if (n) memcpy(sorted, names, (size_t)n * sizeof *sorted);
  qsort(sorted, (size_t)n, sizeof *sorted, st_cmp_str);
  int rc = 0;
  for (int i = 1; i < n && !rc; i++)
    if (!strcmp(sorted[i - 1], sorted[i]))
      rc = rt_err(err, errlen, "%s: tensor '%s' is given twice", path, rt_show(tn, sorted[i], strlen(sorted[i])));
  free(sorted);
  return rc;
}

/* The header text, padded with spaces to a multiple of 8 bytes. */
static int st_header(StBuf *b, int n, const char *const *names, const RtTensor *const *tensors) {
  uint64_t at = 0;
  sb_put(b, "{", 1);
  for (int i = 0; i < n; i++) {
    if (i) sb_put(b, ",", 1);
    sb_entry(b, names[i], tensors[i], at);
    at += tensors[i]->nbytes;
  }
  sb_put(b, "}", 1);
  while (!b->oom && b->len % 8) sb_put(b, " ", 1);
  return b->oom ? -1 : 0;
}

int rt_st_write(const char *path, int n, const char *const *names, const RtTensor *const *tensors,
                char *err, size_t errlen) {
  if (n < 0) return rt_err(err, errlen, "%s: negative tensor count %d", path, n);
  if (st_check_write(path, n, names, tensors, err, errlen)) return -1;
  StBuf b = {0};
  if (st_header(&b, n, names, tensors)) {
    free(b.s);
    return rt_err(err, errlen, "%s: out of memory", path);
  }
  unsigned char len8[8];
  for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)b.len >> (8 * i));
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    free(b.s);
    return rt_err(err, errlen, "%s: cannot create: %s", path, strerror(errno));
  }
  int ok = fwrite(len8, 1, 8, fp) == 8 && fwrite(b.s, 1, b.len, fp) == b.len;
  for (int i = 0; ok && i < n; i++)
    ok = tensors[i]->nbytes == 0 || fwrite(tensors[i]->data, 1, tensors[i]->nbytes, fp) == tensors[i]->nbytes;
  int saved = errno;
  if (fclose(fp) != 0 && ok) ok = 0, saved = errno;
  free(b.s);
  if (ok) return 0;
  unlink(path);
  return rt_err(err, errlen, "%s: cannot write: %s", path, strerror(saved));
}
