/* backends/llvm/link.c -- the shared library of a model, linked from its
 * object by the system C compiler ($XG_CC, else cc): `cc -shared -o SO OBJ
 * -lm`.  Its standard error is kept for the message when it fails. */
#include "backends/llvm/llvm_int.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Reads what the child wrote to fd (at most len - 1 bytes kept). */
static void drain(int fd, char *buf, size_t len) {
  size_t n = 0;
  ssize_t r;
  char tmp[512];
  while ((r = read(fd, tmp, sizeof tmp)) > 0 || (r < 0 && errno == EINTR)) {
    for (ssize_t i = 0; i < r && n + 1 < len; i++) buf[n++] = tmp[i];
  }
  buf[n] = 0;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) buf[--n] = 0;
}

int llvm_link_shared(const char *obj_path, const char *so_path, char *err, size_t errlen) {
  const char *cc = getenv("XG_CC");
  if (!cc || !*cc) cc = "cc";
  char *argv[] = {(char *)cc, "-shared", "-o", (char *)so_path, (char *)obj_path, "-lm", NULL};
  int pipefd[2];
  if (pipe(pipefd)) {
    snprintf(err, errlen, "cannot run %s: %s", cc, strerror(errno));
    return -1;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_addclose(&fa, pipefd[0]);
  pid_t pid;
  int rc = posix_spawnp(&pid, cc, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  if (rc) {
    close(pipefd[0]);
    snprintf(err, errlen, "cannot run the C compiler '%s' to link %s: %s (set XG_CC)", cc, so_path,
             strerror(rc));
    return -1;
  }
  char out[2048];
  drain(pipefd[0], out, sizeof out);
  close(pipefd[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      snprintf(err, errlen, "waiting for %s: %s", cc, strerror(errno));
      return -1;
    }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFEXITED(status))
    snprintf(err, errlen, "linking %s failed: '%s -shared -o %s %s -lm' exited with status %d%s%s",
             so_path, cc, so_path, obj_path, WEXITSTATUS(status), out[0] ? ":\n" : "", out);
  else
    snprintf(err, errlen, "linking %s failed: %s was killed by signal %d", so_path, cc,
             WTERMSIG(status));
  return -1;
}
