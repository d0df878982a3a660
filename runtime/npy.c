/* runtime/npy.c -- NumPy's .npy format: a strict reader of versions 1.0-3.0
 * (its own parser of the header's Python dict) and a writer of numpy's bytes. */
#include "runtime/rt.h"
#include "runtime/rt_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
enum { NPY_MAGIC_LEN = 6, NPY_ALIGN = 64, NPY_GROWTH_DIGITS = 21 };

/* The descr strings read and written, per dtype (written first). */
static const struct {
  const char *descr;
  RtDType dtype;
} npy_descrs[] = {
    {"<f4", RT_F32}, {"<f2", RT_F16}, {"<i4", RT_I32}, {"|i1", RT_I8},
    {"|b1", RT_BOOL}, {"<i1", RT_I8},
};
enum { NPY_NDESCRS = sizeof npy_descrs / sizeof *npy_descrs };

/* ------------------------------------------------------- the header dict */

/* What the header says. */
typedef struct NpyHeader {
  const char *descr; /* into the header, descr_len bytes */
  size_t descr_len;
  int fortran;
  int rank;
  int64_t shape[RT_MAX_RANK];
  int seen; /* bit per key */
} NpyHeader;

/* A cursor over the header text; errors go to err with the file's name. */
typedef struct NpyParse {
  const char *s, *end, *name;
  char *err;
  size_t errlen;
} NpyParse;

static const char *const npy_keys[] = {"descr", "fortran_order", "shape"};
enum { NPY_KEY_DESCR, NPY_KEY_FORTRAN, NPY_KEY_SHAPE, NPY_NKEYS };

static void np_ws(NpyParse *p) {
  while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')) p->s++;
}

static int np_fail(NpyParse *p, const char *what) {
  char tok[RT_NAME_STRLEN];
  if (p->s >= p->end) return rt_err(p->err, p->errlen, "%s: bad header: %s, found the end", p->name, what);
  size_t n = 1;
  while (p->s + n < p->end && n < 8 && p->s[n] != ' ' && p->s[n] != ',') n++;
  return rt_err(p->err, p->errlen, "%s: bad header: %s, found '%s'", p->name, what,
                rt_show(tok, p->s, n));
}

static int np_expect(NpyParse *p, char c, const char *what) {
  np_ws(p);
  if (p->s < p->end && *p->s == c) {
    p->s++;
    return 0;
  }
  return np_fail(p, what);
}

/* A Python string literal in ' or " quotes, without escapes. */
static int np_string(NpyParse *p, const char **str, size_t *len, const char *what) {
  np_ws(p);
  if (p->s >= p->end || (*p->s != '\'' && *p->s != '"')) return np_fail(p, what);
  char q = *p->s;
  const char *start = ++p->s;
  while (p->s < p->end && *p->s != q && *p->s != '\\' && *p->s != '\n') p->s++;
  if (p->s >= p->end || *p->s != q) {
    p->s = start - 1;
    return np_fail(p, "unterminated or escaped string");
  }
  *str = start;
  *len = (size_t)(p->s++ - start);
  return 0;
}

static int np_word(NpyParse *p, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(p->end - p->s) < n || memcmp(p->s, w, n) != 0) return 0;
  p->s += n;
  return 1;
}

static int np_fortran(NpyParse *p, NpyHeader *h) {
  np_ws(p);
  if (np_word(p, "True")) h->fortran = 1;
  else if (np_word(p, "False")) h->fortran = 0;
  else return np_fail(p, "'fortran_order' must be True or False");
  return 0;
}

/* One dimension: an optional '-' and decimal digits. */
static int np_dim(NpyParse *p, int64_t *d) {
  np_ws(p);
  const char *start = p->s;
  int neg = p->s < p->end && *p->s == '-';
  p->s += neg;
  if (p->s >= p->end || *p->s < '0' || *p->s > '9') {
    p->s = start;
    return np_fail(p, "expected a dimension in 'shape'");
  }
  uint64_t v = 0;
  int big = 0;
  for (; p->s < p->end && *p->s >= '0' && *p->s <= '9'; p->s++) {
    big |= v > ((uint64_t)INT64_MAX - 9) / 10;
    v = big ? v : v * 10 + (uint64_t)(*p->s - '0');
  }
  char num[RT_NAME_STRLEN];
  rt_show(num, start, (size_t)(p->s - start));
  if (neg && (v || big))
    return rt_err(p->err, p->errlen, "%s: 'shape' has a negative dimension %s", p->name, num);
  if (big) return rt_err(p->err, p->errlen, "%s: 'shape' dimension %s is too large", p->name, num);
  *d = (int64_t)v;
  return 0;
}

/* A tuple of dimensions: (), (5,), (2, 3), (2, 3,). */
static int np_shape(NpyParse *p, NpyHeader *h) {
  if (np_expect(p, '(', "'shape' must be a tuple")) return -1;
  int commas = 0;
  h->rank = 0;
  for (;;) {
    np_ws(p);
    if (p->s < p->end && *p->s == ')') break;
    if (h->rank == RT_MAX_RANK)
      return rt_err(p->err, p->errlen, "%s: 'shape' has more than %d dimensions", p->name,
                    RT_MAX_RANK);
    if (np_dim(p, &h->shape[h->rank++])) return -1;
    np_ws(p);
    if (p->s < p->end && *p->s == ',') {
      p->s++, commas++;
      continue;
    }
    if (p->s < p->end && *p->s == ')') break;
    return np_fail(p, "expected ',' or ')' in 'shape'");
  }
  p->s++;
  if (h->rank == 1 && commas == 0)
    return rt_err(p->err, p->errlen, "%s: 'shape' (%lld) is not a tuple (write (%lld,))", p->name,
                  (long long)h->shape[0], (long long)h->shape[0]);
  return 0;
}

static int np_value(NpyParse *p, NpyHeader *h, int key) {
  switch (key) {
  case NPY_KEY_DESCR:
    np_ws(p);
    if (p->s < p->end && (*p->s == '[' || *p->s == '{'))
      return rt_err(p->err, p->errlen, "%s: 'descr' is not a string (structured dtypes are not supported)",
                    p->name);
    return np_string(p, &h->descr, &h->descr_len, "'descr' must be a string");
  case NPY_KEY_FORTRAN:
    return np_fortran(p, h);
  case NPY_KEY_SHAPE:
    return np_shape(p, h);
  }
  return -1;
}

static int np_entry(NpyParse *p, NpyHeader *h) {
  const char *k;
  size_t klen;
  char shown[RT_NAME_STRLEN];
  if (np_string(p, &k, &klen, "expected a quoted key or '}'")) return -1;
  int key = 0;
  while (key < NPY_NKEYS && !(strlen(npy_keys[key]) == klen && !memcmp(npy_keys[key], k, klen)))
    key++;
  if (key == NPY_NKEYS)
    return rt_err(p->err, p->errlen, "%s: header has an unknown key '%s'", p->name, rt_show(shown, k, klen));
  if (h->seen & (1 << key))
    return rt_err(p->err, p->errlen, "%s: header has the key '%s' twice", p->name, npy_keys[key]);
  h->seen |= 1 << key;
  if (np_expect(p, ':', "expected ':' after a key")) return -1;
  return np_value(p, h, key);
}

/* The dict: '{' entries separated by ',' (a trailing one allowed) '}',
 * then only white space up to the final newline. */
static int np_dict(NpyParse *p, NpyHeader *h) {
  if (p->end == p->s || p->end[-1] != '\n')
    return rt_err(p->err, p->errlen, "%s: bad header: it does not end with a newline", p->name);
  if (np_expect(p, '{', "expected '{'")) return -1;
  for (;;) {
    np_ws(p);
    if (p->s < p->end && *p->s == '}') break;
    if (np_entry(p, h)) return -1;
    np_ws(p);
    if (p->s < p->end && *p->s == ',') {
      p->s++;
      continue;
    }
    if (p->s < p->end && *p->s == '}') break;
    return np_fail(p, "expected ',' or '}'");
  }
  p->s++;
  np_ws(p);
  if (p->s != p->end) return np_fail(p, "expected the end of the header after '}'");
  for (int key = 0; key < NPY_NKEYS; key++)
    if (!(h->seen & (1 << key)))
      return rt_err(p->err, p->errlen, "%s: header lacks the key '%s'", p->name, npy_keys[key]);
  return 0;
}

/* -------------------------------------------------------------- the reader */

/* The dtype of descr, or an error naming what is wrong with it. */
static int np_dtype(const char *name, const NpyHeader *h, RtDType *dt, char *err, size_t errlen) {
  char shown[RT_NAME_STRLEN];
  for (int i = 0; i < NPY_NDESCRS; i++) {
    if (strlen(npy_descrs[i].descr) == h->descr_len && !memcmp(npy_descrs[i].descr, h->descr, h->descr_len)) {
      *dt = npy_descrs[i].dtype;
      return 0;
    }
  }
  rt_show(shown, h->descr, h->descr_len);
  if (h->descr_len == 3 && h->descr[0] == '>')
    for (int i = 0; i < NPY_NDESCRS; i++)
      if (!memcmp(npy_descrs[i].descr + 1, h->descr + 1, 2))
        return rt_err(err, errlen, "%s: big-endian data ('%s') is not supported (save it little-endian: a.astype('<%s'))",
                      name, shown, shown + 1);
  return rt_err(err, errlen,
                "%s: unsupported dtype '%s' (supported: '<f4', '<f2', '<i4', '|i1', '|b1')", name, shown);
}

/* Checks the version and finds the header text: [*hstart, *hstart + *hlen). */
static int np_prefix(const char *name, const unsigned char *b, size_t len, size_t *hstart,
                     size_t *hlen, char *err, size_t errlen) {
  *hstart = *hlen = 0;
  if (len < NPY_MAGIC_LEN || memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
    return rt_err(err, errlen, "%s: not a .npy file (it does not start with \"\\x93NUMPY\")", name);
  if (len < 8) return rt_err(err, errlen, "%s: truncated: the file ends before the version", name);
  int major = b[6], minor = b[7];
  if (major < 1 || major > 3 || minor != 0)
    return rt_err(err, errlen, "%s: unsupported .npy version %d.%d (1.0, 2.0 and 3.0 are supported)",
                  name, major, minor);
  size_t lenbytes = major == 1 ? 2 : 4;
  if (len < 8 + lenbytes)
    return rt_err(err, errlen, "%s: truncated: the file ends inside the header length", name);
  uint32_t n = (uint32_t)b[8] | (uint32_t)b[9] << 8;
  if (lenbytes == 4) n |= (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;
  *hstart = 8 + lenbytes;
  if (n > len - *hstart)
    return rt_err(err, errlen, "%s: truncated header: the header length is %u bytes but %zu follow",
                  name, n, len - *hstart);
  *hlen = n;
  size_t bad = major == 3 ? rt_utf8_valid(b + *hstart, n) : n;
  if (bad != n) return rt_err(err, errlen, "%s: bad header: not valid UTF-8 (at byte %zu)", name, bad);
  return 0;
}

int rt_npy_parse(const char *name, const void *buf, size_t len, RtTensor *out, char *err,
                 size_t errlen) {
  const unsigned char *b = buf;
  size_t hstart, hlen;
  memset(out, 0, sizeof *out);
  if (np_prefix(name, b, len, &hstart, &hlen, err, errlen)) return -1;
  NpyHeader h = {0};
  NpyParse p = {(const char *)b + hstart, (const char *)b + hstart + hlen, name, err, errlen};
  RtDType dt = RT_F32;
  if (np_dict(&p, &h) || np_dtype(name, &h, &dt, err, errlen)) return -1;
  if (h.fortran)
    return rt_err(err, errlen, "%s: Fortran-order data is not supported (save a C-order array: np.ascontiguousarray(a))",
                  name);
  char sh[RT_SHAPE_STRLEN];
  rt_shape_str(sh, sizeof sh, h.rank, h.shape);
  int64_t elems;
  size_t nbytes, have = len - hstart - hlen;
  if (rt_shape_bytes(dt, h.rank, h.shape, &elems, &nbytes))
    return rt_err(err, errlen, "%s: shape %s is too large (its byte count overflows)", name, sh);
  if (have != nbytes)
    return rt_err(err, errlen, "%s: %s data: shape %s of %s needs %zu bytes, the file has %zu", name,
                  have < nbytes ? "truncated" : "trailing", sh, rt_dtype_name(dt), nbytes, have);
  if (rt_tensor_alloc(out, dt, h.rank, h.shape, err, errlen)) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s", err ? err : "");
    return rt_err(err, errlen, "%s: %s", name, msg);
  }
  if (nbytes) memcpy(out->data, b + hstart + hlen, nbytes);
  return 0;
}

int rt_npy_read(const char *path, RtTensor *out, char *err, size_t errlen) {
  RtMap m;
  memset(out, 0, sizeof *out);
  if (rt_map_file(path, &m, err, errlen)) return -1;
  int rc = rt_npy_parse(path, m.data, m.len, out, err, errlen);
  rt_unmap_file(&m);
  return rc;
}

/* -------------------------------------------------------------- the writer */

/* numpy's header for t: the dict with sorted keys, the room numpy leaves
 * for growing the first axis, spaces and '\n' up to 64-byte alignment. */
static size_t np_header(char *buf, size_t cap, const RtTensor *t, int *major) {
  const char *descr = "";
  for (int i = 0; i < NPY_NDESCRS; i++)
    if (npy_descrs[i].dtype == t->dtype) {
      descr = npy_descrs[i].descr;
      break;
    }
  size_t n = (size_t)snprintf(buf, cap, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int i = 0; i < t->rank; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%lld%s", i ? ", " : "", (long long)t->shape[i],
                          t->rank == 1 ? "," : "");
  n += (size_t)snprintf(buf + n, cap - n, "), }");
  if (t->rank > 0) {
    int digits = snprintf(NULL, 0, "%lld", (long long)t->shape[0]);
    for (int i = digits; i < NPY_GROWTH_DIGITS; i++) buf[n++] = ' ';
  }
  *major = n + 1 + 10 > 65535 ? 2 : 1;
  size_t prefix = *major == 1 ? 10 : 12;
  size_t pad = NPY_ALIGN - (prefix + n + 1) % NPY_ALIGN;
  memset(buf + n, ' ', pad);
  n += pad;
  buf[n++] = '\n';
  return n;
}

int rt_npy_write(const char *path, const RtTensor *t, char *err, size_t errlen) {
  char problem[RT_SHAPE_STRLEN + 128];
  if (rt_tensor_problem(t, problem, sizeof problem))
    return rt_err(err, errlen, "%s: %s", path, problem);
  char hdr[64 + RT_MAX_RANK * 24 + NPY_GROWTH_DIGITS + NPY_ALIGN + 16];
  unsigned char prefix[12];
  int major;
  size_t hlen = np_header(hdr, sizeof hdr, t, &major), plen = major == 1 ? 10 : 12;
  memcpy(prefix, NPY_MAGIC, NPY_MAGIC_LEN);
  prefix[6] = (unsigned char)major;
  prefix[7] = 0;
  for (size_t i = 0; i < plen - 8; i++) prefix[8 + i] = (unsigned char)(hlen >> (8 * i));
  FILE *fp = fopen(path, "wb");
  if (!fp) return rt_err(err, errlen, "%s: cannot create: %s", path, strerror(errno));
  int ok = fwrite(prefix, 1, plen, fp) == plen && fwrite(hdr, 1, hlen, fp) == hlen &&
           (t->nbytes == 0 || fwrite(t->data, 1, t->nbytes, fp) == t->nbytes);
  int saved = errno;
  if (fclose(fp) != 0 && ok) ok = 0, saved = errno;
  if (ok) return 0;
  unlink(path);
  return rt_err(err, errlen, "%s: cannot write: %s", path, strerror(saved));
}
