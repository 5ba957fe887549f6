/* hezi-init: argument access, tiny formatting, the sync socket, fd-based path and mount primitives. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

int64_t arg_int(const hz_opv *o, int k) {
  const uint8_t *p = o->a[k].p;
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return (int64_t)v;
}

const char *arg_str(const hz_opv *o, int k) { return (const char *)o->a[k].p; }

const char *arg_str_or_null(const hz_opv *o, int k) {
  const char *s = arg_str(o, k);
  return *s ? s : nullptr;
}

int arg_strv(const hz_opv *o, int k, char **out, int max) {
  const char *p = (const char *)o->a[k].p;
  const char *end = p + o->a[k].len;
  int n = 0;
  while (p < end) {
    if (n >= max) return -1;
    out[n++] = (char *)p;
    p += strlen(p) + 1;
  }
  out[n] = nullptr;
  return n;
}

char *fmt_u64(char *buf, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  buf[n] = 0;
  return buf;
}

char *fd_path(char *buf, int fd) {
  static const char pre[] = "/proc/self/fd/";
  memcpy(buf, pre, sizeof pre - 1);
  fmt_u64(buf + sizeof pre - 1, (uint64_t)(unsigned)fd);
  return buf;
}

int write_all(int fd, const void *buf, size_t n) {
  const char *p = (const char *)buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

void put_str(int fd, const char *s) { write_all(fd, s, strlen(s)); }

const char *errno_desc(int err) {
#ifdef __GLIBC__
  const char *d = strerrordesc_np(err); /* glibc's strerror may load locale data */
#else
  const char *d = strerror(err); /* musl: a static table, no locale */
#endif
  return d ? d : "Unknown error";
}

int send_msg(uint32_t type, int32_t op, int32_t err, int32_t pid, int32_t status) {
  if (g.sync_fd < 0) return EBADF;
  hz_msg m;
  m.type = type;
  m.op = op;
  m.err = err;
  m.pid = pid;
  m.status = status;
  m.len = 0;
  for (;;) {
    ssize_t n = send(g.sync_fd, &m, sizeof m, MSG_NOSIGNAL);
    if (n >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

void die(int code) {
  for (;;) syscall(SYS_exit_group, code);
}

/* one sendmsg: `data` as the payload and `fd` as one SCM_RIGHTS (what runc's SendFd sends) */
int send_fd(int sock, const void *data, size_t len, int fd) {
  struct iovec iov = {(void *)data, len};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do n = sendmsg(sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? errno : 0;
}

int openat2_res(int dfd, const char *path, int flags, mode_t mode, uint64_t resolve) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(unsigned)flags;
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = resolve;
  return (int)syscall(SYS_openat2, dfd, path, &how, sizeof how);
}

int fstat_nolink(int fd, struct stat *st) {
  if (fstat(fd, st) < 0) return errno;
  return S_ISLNK(st->st_mode) ? ELOOP : 0;
}

int clone_mount(int dfd, const char *path, unsigned flags) {
  return (int)syscall(SYS_open_tree, dfd, path, flags | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
}

int move_onto(int mnt, int target) {
  return syscall(SYS_move_mount, mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ? errno : 0;
}
