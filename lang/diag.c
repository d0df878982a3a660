/* diag.c -- the diagnostics engine: "file:line:col: level: message", the
 * source line, and a caret with tildes under the span; a cap on errors. */
#include "lang/lang.h"

#include <string.h>

static const char *const level_names[] = {"error", "warning", "note"};

void diag_init(Diag *d, const SourceMgr *sm, FILE *out) {
  memset(d, 0, sizeof *d);
  d->sm = sm;
  d->out = out ? out : stderr;
  d->max_errors = 20;
}

/* Prints the line of `loc` and a caret line under its span.  Tabs in the
 * source line are kept in the caret line so the caret lines up.  Bytes that
 * are not printable ASCII are shown as '?' so garbage input cannot corrupt
 * the terminal. */
static void show_line(Diag *d, Loc loc) {
  const SourceFile *f = srcmgr_file(d->sm, loc.file);
  if (!f || loc.off < 0 || (size_t)loc.off > f->len) return;
  const char *start = f->text + loc.off, *end = start;
  while (start > f->text && start[-1] != '\n') start--;
  while (end < f->text + f->len && *end != '\n' && *end != '\r') end++;
  enum { MAXSHOW = 200 };
  size_t n = (size_t)(end - start), caret = (size_t)(f->text + loc.off - start);
  if (caret > MAXSHOW) return; /* a very long line: the location says enough */
  if (n > MAXSHOW) n = MAXSHOW;
  fputs("  ", d->out);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)start[i];
    fputc(c == '\t' || (c >= 0x20 && c < 0x7f) ? c : '?', d->out);
  }
  fputs("\n  ", d->out);
  for (size_t i = 0; i < caret; i++) fputc(start[i] == '\t' ? '\t' : ' ', d->out);
  fputc('^', d->out);
  size_t len = loc.len > 1 ? (size_t)loc.len : 1;
  for (size_t i = 1; i < len && caret + i < n; i++) fputc('~', d->out);
  fputc('\n', d->out);
}

void diag_vreport(Diag *d, DiagLevel lvl, Loc loc, const char *fmt, va_list ap) {
  if (lvl == DIAG_NOTE) {
    if (d->last_suppressed) return;
  } else {
    d->last_suppressed = d->stop;
    if (d->stop) return;
    if (lvl == DIAG_ERROR) d->errors++;
    else d->warnings++;
  }
  const SourceFile *f = srcmgr_file(d->sm, loc.file);
  if (f) fprintf(d->out, "%s:%d:%d: ", f->path, loc.line, loc.col);
  else fputs("xgc: ", d->out);
  fprintf(d->out, "%s: ", level_names[lvl]);
  vfprintf(d->out, fmt, ap);
  fputc('\n', d->out);
  if (f) show_line(d, loc);
  if (lvl == DIAG_ERROR && d->max_errors && d->errors >= d->max_errors) {
    fprintf(d->out, "xgc: error: too many errors (%d), stopping now\n", d->errors);
    d->stop = 1;
  }
}

#define DEFINE_REPORT(fn, lvl)                              \
  void fn(Diag *d, Loc loc, const char *fmt, ...) {         \
    va_list ap;                                             \
    va_start(ap, fmt);                                      \
    diag_vreport(d, lvl, loc, fmt, ap);                     \
    va_end(ap);                                             \
  }
DEFINE_REPORT(diag_error, DIAG_ERROR)
DEFINE_REPORT(diag_warning, DIAG_WARNING)
DEFINE_REPORT(diag_note, DIAG_NOTE)

void diag_plain(Diag *d, DiagLevel lvl, const char *fmt, ...) {
  Loc none = {.file = -1};
  va_list ap;
  va_start(ap, fmt);
  diag_vreport(d, lvl, none, fmt, ap);
  va_end(ap);
}
