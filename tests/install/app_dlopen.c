/* app_dlopen.c -- opens the installed libxgrt.so with RTLD_LOCAL (as
 * Python's ctypes does) and loads the fake model through it: the model's
 * xg_parallel_for must still resolve (tests/install.sh). */
#include <xg.h>

#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 4) return fprintf(stderr, "usage: app_dlopen LIBXGRT.so MODEL.so WEIGHTS\n"), 2;
  void *rt = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!rt) return fprintf(stderr, "app_dlopen: %s\n", dlerror()), 1;
  xg_status (*load)(const char *, const char *, const xg_options *, xg_model **);
  void (*release)(xg_model *);
  const char *(*last)(void);
  *(void **)&load = dlsym(rt, "xg_model_load");
  *(void **)&release = dlsym(rt, "xg_model_free");
  *(void **)&last = dlsym(rt, "xg_last_error");
  if (!load || !release || !last) return fprintf(stderr, "app_dlopen: %s\n", dlerror()), 1;
  if (dlsym(rt, "rt_st_open"))
    return fprintf(stderr, "app_dlopen: libxgrt exports rt_st_open\n"), 1;
  xg_model *m;
  if (load(argv[2], argv[3], NULL, &m) != XG_OK)
    return fprintf(stderr, "app_dlopen: %s\n", last()), 1;
  release(m);
  dlclose(rt);
  printf("ok: loaded through a libxgrt opened RTLD_LOCAL\n");
  return 0;
}
