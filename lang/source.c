/* source.c -- the source manager: every file of a compilation, read once,
 * NUL-terminated, addressed by a small integer id. */
#include "lang/lang.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void srcmgr_init(SourceMgr *sm) { sm->files = NULL; sm->n = sm->cap = 0; }

void srcmgr_free(SourceMgr *sm) {
  for (int i = 0; i < sm->n; i++) {
    free(sm->files[i].text);
    free((char *)sm->files[i].path);
  }
  free(sm->files);
  srcmgr_init(sm);
}

int srcmgr_add(SourceMgr *sm, const char *path, const char *text, size_t len) {
  if (sm->n == sm->cap) {
    int cap = sm->cap ? sm->cap * 2 : 8;
    SourceFile *f = realloc(sm->files, (size_t)cap * sizeof *f);
    if (!f) abort();
    sm->files = f;
    sm->cap = cap;
  }
  SourceFile *f = &sm->files[sm->n];
  f->path = strdup(path);
  f->text = malloc(len + 1);
  if (!f->path || !f->text) abort();
  if (len) memcpy(f->text, text, len);
  f->text[len] = 0;
  f->len = len;
  return sm->n++;
}

int srcmgr_load(SourceMgr *sm, const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return -1;
  errno = 0;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  if (!buf) abort();
  for (;;) {
    if (len == cap) {
      cap *= 2;
      char *b = realloc(buf, cap);
      if (!b) abort();
      buf = b;
    }
    size_t got = fread(buf + len, 1, cap - len, fp);
    len += got;
    if (got == 0) break;
  }
  int err = ferror(fp) ? (errno ? errno : EIO) : 0;
  fclose(fp);
  if (err) {
    free(buf);
    errno = err;
    return -1;
  }
  int id = srcmgr_add(sm, path, buf, len);
  free(buf);
  return id;
}

const SourceFile *srcmgr_file(const SourceMgr *sm, int id) {
  return id >= 0 && id < sm->n ? &sm->files[id] : NULL;
}
