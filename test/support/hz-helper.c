/*
 * hz-helper: a static test helper for inside busybox containers (integration tests and
 * test/clients): the few socket calls busybox has no applet for.
 *
 *   hz-helper notify MSG        send MSG as one datagram to $NOTIFY_SOCKET ("@x": abstract)
 *   hz-helper accept-hello FD   accept one connection on the listening socket FD (socket
 *                               activation), write "hello from fd FD\n" to it, close it
 *   hz-helper syscall NR        make syscall NR (no arguments); print "errno E" (0: it worked)
 *
 * Built by the tests with `cc -static -O2 -o hz-helper hz-helper.c`.
 */
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int notify(const char *msg) {
  const char *p = getenv("NOTIFY_SOCKET");
  if (!p || !*p) {
    fprintf(stderr, "hz-helper: NOTIFY_SOCKET is not set\n");
    return 2;
  }
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  strncpy(a.sun_path, p, sizeof a.sun_path - 1);
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1);
  if (a.sun_path[0] == '@') {
    a.sun_path[0] = 0;
    len--;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, len) < 0) {
    perror("hz-helper: notify");
    return 1;
  }
  return 0;
}

static int accept_hello(int lfd) {
  int c = accept(lfd, NULL, NULL);
  if (c < 0) {
    perror("hz-helper: accept");
    return 1;
  }
  char msg[64];
  int n = snprintf(msg, sizeof msg, "hello from fd %d\n", lfd);
  if (write(c, msg, (size_t)n) != n) {
    perror("hz-helper: write");
    return 1;
  }
  close(c);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "syscall") == 0) {
    long r = syscall(atol(argv[2]), 0, 0, 0, 0, 0, 0);
    printf("errno %d\n", r < 0 ? errno : 0);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "notify") == 0) return notify(argv[2]);
  if (argc == 3 && strcmp(argv[1], "accept-hello") == 0) return accept_hello(atoi(argv[2]));
  fprintf(stderr, "usage: hz-helper notify MSG | accept-hello FD | syscall NR\n");
  return 2;
}
