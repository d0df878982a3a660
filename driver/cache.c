/* driver/cache.c -- `xgc cache [--dir | --clear]`: where the kernel-binary
 * cache of OpenCL models is and what it holds, or clearing it
 * (runtime/ocl_cache.c, docs/opencl-runtime.md).  Exit status: 0 done, 1 a
 * directory that cannot be read or an entry that cannot be removed (or, with
 * --dir, no cache), 2 usage. */
#include "driver/driver.h"

#include <stdio.h>
#include <string.h>

int cache_command(int argc, char **argv) {
  char dir[RT_CACHE_PATH_MAX], err[RT_CACHE_PATH_MAX + 256];
  int want_dir = 0, clear = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--dir")) want_dir = 1;
    else if (!strcmp(argv[i], "--clear")) clear = 1;
    else return usage_error("unknown argument '%s' for 'xgc cache' (--dir or --clear)", argv[i]);
  }
  if (want_dir && clear) return usage_error("%s", "'xgc cache' takes --dir or --clear, not both");
  int on = rt_cache_dir(dir, sizeof dir);
  if (!on && want_dir) return fprintf(stderr, "xgc: error: no cache: %s\n", dir), 1;
  if (!on) return printf("the kernel-binary cache is off: %s\n", dir), 0;
  if (want_dir) return printf("%s\n", dir), 0;
  long files;
  uint64_t bytes;
  if (rt_cache_entries(dir, clear, &files, &bytes, err, sizeof err))
    return fprintf(stderr, "xgc: error: %s\n", err), 1;
  printf("%s %ld file%s (%llu bytes) %s %s\n", clear ? "removed" : "the kernel-binary cache holds",
         files, files == 1 ? "" : "s", (unsigned long long)bytes, clear ? "from" : "in", dir);
  return 0;
}
