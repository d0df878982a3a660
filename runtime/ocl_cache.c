/* runtime/ocl_cache.c -- the kernel-binary cache on disk: where it is, the
 * key of a program, reading an entry without trusting it, writing one
 * atomically, and counting or clearing the entries (docs/opencl-runtime.md).
 *
 * An entry, "ocl-KEY.bin" (integers little-endian):
 *   0   8  magic "XGCLBIN\0"
 *   8   4  format version (RTCL_FORMAT)
 *   12  4  header size (ENTRY_HEAD)
 *   16 32  the key's digest (as in the file name)
 *   48  8  the binary's length
 *   56 32  the binary's SHA-256
 *   88     the binary */
#include "runtime/ocl.h"
#include "runtime/rt_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { RTCL_FORMAT = 1, ENTRY_HEAD = 88, MAGIC_LEN = 8, KEY_HEX = 64 };
static const char entry_magic[MAGIC_LEN] = "XGCLBIN";
/* An entry larger than this is not read (a binary is a few MB at most;
 * the limit keeps a corrupt length from asking for absurd memory). */
#define ENTRY_MAX ((uint64_t)1 << 30)

/* ------------------------------------------------------------ the counters */

static atomic_long counts[RTCL_STORE_FAIL + 1];

void rtcl_count(RtclEvent e) {
  atomic_fetch_add(&counts[e], 1);
}

void rt_cache_stats(RtCacheStats *s) {
  s->hits = atomic_load(&counts[RTCL_HIT]);
  s->misses = atomic_load(&counts[RTCL_MISS]);
  s->rejects = atomic_load(&counts[RTCL_REJECT]);
  s->stores = atomic_load(&counts[RTCL_STORE]);
  s->store_failures = atomic_load(&counts[RTCL_STORE_FAIL]);
}

/* ------------------------------------------------------------ the directory */

int rt_cache_dir(char *buf, size_t len) {
  const char *dir = getenv("XG_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  int n;
  if (dir && !strcmp(dir, "off")) return snprintf(buf, len, "XG_CACHE_DIR=off"), 0;
  if (dir && *dir) n = snprintf(buf, len, "%s", dir);
  else if (xdg && xdg[0] == '/') n = snprintf(buf, len, "%s/xgc", xdg);
  else if (home && home[0] == '/') n = snprintf(buf, len, "%s/.cache/xgc", home);
  else return snprintf(buf, len, "no XG_CACHE_DIR, XDG_CACHE_HOME or HOME is set"), 0;
  if (n < 0 || (size_t)n >= len)
    return snprintf(buf, len, "the cache directory's path is longer than %zu bytes", len - 1), 0;
  return 1;
}

/* mkdir -p dir (new directories private to the user, as XDG asks). */
static int make_dirs(const char *dir, char *err, size_t errlen) {
  char path[RT_CACHE_PATH_MAX];
  size_t n = strlen(dir);
  if (n >= sizeof path) return rt_err(err, errlen, "%s: path too long", dir);
  memcpy(path, dir, n + 1);
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p) continue;
    char c = *p;
    *p = 0;
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
      return rt_err(err, errlen, "cannot make directory %s: %s", path, strerror(errno));
    *p = c;
    if (!c) break;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return rt_err(err, errlen, "%s is not a directory", dir);
  return 0;
}

/* ------------------------------------------------------------------ the key */

static void key_str(RtSha256 *c, const char *s) {
  rt_sha256_update(c, s, strlen(s) + 1); /* with the NUL: fields cannot run together */
}

void rtcl_key(const RtclDevice *d, const char *options, const char *source, RtclKey *k) {
  RtSha256 c;
  char format[32];
  uint64_t n = strlen(source);
  unsigned char len[8];
  snprintf(format, sizeof format, "xgc opencl cache %d", RTCL_FORMAT);
  rt_sha256_init(&c);
  key_str(&c, format);
  key_str(&c, d->platform_name), key_str(&c, d->platform_version);
  key_str(&c, d->name), key_str(&c, d->vendor), key_str(&c, d->version), key_str(&c, d->driver);
  key_str(&c, options);
  for (int i = 0; i < 8; i++) len[i] = (unsigned char)(n >> (8 * i));
  rt_sha256_update(&c, len, 8);
  rt_sha256_update(&c, source, (size_t)n);
  rt_sha256_final(&c, k->digest);
  rt_hex(k->hex, k->digest, sizeof k->digest);
}

static void entry_path(char *buf, size_t len, const char *dir, const RtclKey *k) {
  snprintf(buf, len, "%s/ocl-%s.bin", dir, k->hex);
}

/* --------------------------------------------------------------- reading */

static void put_le(unsigned char *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* The whole file (malloc'd), at most ENTRY_MAX bytes; NULL with why. */
static unsigned char *read_all(const char *path, size_t *len, char *why, size_t whylen,
                               int *absent) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  unsigned char *b = NULL;
  *absent = 0;
  if (fd < 0) {
    *absent = errno == ENOENT || errno == ENOTDIR;
    snprintf(why, whylen, "cannot open it: %s", strerror(errno));
    return NULL;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > ENTRY_MAX)
    snprintf(why, whylen, "not a regular file of at most %llu bytes",
             (unsigned long long)ENTRY_MAX);
  else if (!(b = malloc((size_t)st.st_size + 1)))
    snprintf(why, whylen, "out of memory");
  size_t got = 0;
  while (b && got < (size_t)st.st_size) {
    ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
    if (r <= 0) {
      snprintf(why, whylen, "cannot read it: %s", r < 0 ? strerror(errno) : "it shrank");
      free(b), b = NULL;
    } else got += (size_t)r;
  }
  close(fd);
  *len = got;
  return b;
}

/* NULL when the entry e[0..n) is sound for key k; else the problem. */
static const char *entry_problem(const unsigned char *e, size_t n, const RtclKey *k, char *buf,
                                 size_t len) {
  unsigned char sum[RT_SHA256_LEN];
  if (n < ENTRY_HEAD)
    return snprintf(buf, len, "truncated (%zu bytes, shorter than the header)", n), buf;
  if (memcmp(e, entry_magic, MAGIC_LEN)) return "not a cache entry (bad magic)";
  uint64_t version = get_le(e + 8, 4), head = get_le(e + 12, 4), blen = get_le(e + 48, 8);
  if (version != RTCL_FORMAT || head != ENTRY_HEAD)
    return snprintf(buf, len, "format version %llu, this runtime writes %d",
                    (unsigned long long)version, RTCL_FORMAT), buf;
  if (memcmp(e + 16, k->digest, RT_SHA256_LEN)) return "it holds another key";
  if (blen != n - ENTRY_HEAD)
    return snprintf(buf, len, "truncated or padded (a binary of %llu bytes, %zu present)",
                    (unsigned long long)blen, n - ENTRY_HEAD), buf;
  rt_sha256(e + ENTRY_HEAD, n - ENTRY_HEAD, sum);
  if (memcmp(e + 56, sum, RT_SHA256_LEN)) return "corrupt (the binary's checksum differs)";
  return NULL;
}

unsigned char *rtcl_cache_load(const char *dir, const RtclKey *k, size_t *len, char *why,
                               size_t whylen) {
  char path[RT_CACHE_PATH_MAX + 80], buf[160];
  size_t n = 0;
  int absent;
  entry_path(path, sizeof path, dir, k);
  unsigned char *e = read_all(path, &n, buf, sizeof buf, &absent);
  const char *problem = e ? entry_problem(e, n, k, buf, sizeof buf) : absent ? NULL : buf;
  *len = 0;
  why[0] = 0;
  if (problem) snprintf(why, whylen, "%s: %s", path, problem);
  if (!e || problem) return free(e), NULL;
  memmove(e, e + ENTRY_HEAD, n - ENTRY_HEAD);
  *len = n - ENTRY_HEAD;
  return e;
}

/* --------------------------------------------------------------- writing */

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w, n -= (size_t)w;
  }
  return 0;
}

int rtcl_cache_store(const char *dir, const RtclKey *k, const unsigned char *bin, size_t len,
                     char *err, size_t errlen) {
  char tmp[RT_CACHE_PATH_MAX + 80], path[RT_CACHE_PATH_MAX + 80];
  unsigned char head[ENTRY_HEAD] = {0};
  if (make_dirs(dir, err, errlen)) return -1;
  memcpy(head, entry_magic, MAGIC_LEN);
  put_le(head + 8, RTCL_FORMAT, 4);
  put_le(head + 12, ENTRY_HEAD, 4);
  memcpy(head + 16, k->digest, RT_SHA256_LEN);
  put_le(head + 48, len, 8);
  rt_sha256(bin, len, head + 56);
  snprintf(tmp, sizeof tmp, "%s/ocl-%s.tmp-XXXXXX", dir, k->hex);
  entry_path(path, sizeof path, dir, k);
  int fd = mkstemp(tmp);
  if (fd < 0) return rt_err(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
  int bad = write_all(fd, head, sizeof head) || write_all(fd, bin, len);
  int saved = errno;
  if (close(fd) != 0 && !bad) bad = 1, saved = errno;
  if (!bad && rename(tmp, path) == 0) return 0;
  if (!bad) saved = errno;
  unlink(tmp);
  return rt_err(err, errlen, "cannot write %s: %s", path, strerror(saved));
}

/* ---------------------------------------------------------- listing, clearing */

/* Is name one of ours by its shape: "ocl-" 64 hex digits ".bin" or
 * ".tmp-" and six characters? */
static int entry_name(const char *name) {
  if (strncmp(name, "ocl-", 4)) return 0;
  for (int i = 0; i < KEY_HEX; i++)
    if (!strchr("0123456789abcdef", name[4 + i]) || !name[4 + i]) return 0;
  const char *rest = name + 4 + KEY_HEX;
  if (!strcmp(rest, ".bin")) return 1;
  return !strncmp(rest, ".tmp-", 5) && strlen(rest) == 11;
}

/* Does the file start with the entry magic? */
static int has_magic(int dirfd, const char *name, uint64_t *size) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  char m[MAGIC_LEN];
  struct stat st;
  if (fd < 0) return 0;
  int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, m, MAGIC_LEN) == MAGIC_LEN &&
           !memcmp(m, entry_magic, MAGIC_LEN);
  *size = ok ? (uint64_t)st.st_size : 0;
  close(fd);
  return ok;
}

int rt_cache_entries(const char *dir, int remove, long *files, uint64_t *bytes, char *err,
                     size_t errlen) {
  *files = 0, *bytes = 0;
  DIR *d = opendir(dir);
  if (!d && errno == ENOENT) return 0;
  if (!d) return rt_err(err, errlen, "cannot open %s: %s", dir, strerror(errno));
  struct dirent *e;
  uint64_t size;
  int rc = 0;
  while ((e = readdir(d)))
    if (entry_name(e->d_name) && has_magic(dirfd(d), e->d_name, &size)) {
      if (remove && unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT) {
        rc = rt_err(err, errlen, "cannot remove %s/%s: %s", dir, e->d_name, strerror(errno));
        break;
      }
      ++*files, *bytes += size;
    }
  closedir(d);
  return rc;
}
