/*
 * hezi-init: the console. A pty from the container's own devpts (/dev/ptmx as the container sees
 * it), its master sent to the runtime's console socket, its slave made the process's stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "init.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace {

/* create `path` as an empty file (0666, whatever the umask) unless something is there already */
int make_mount_point(const char *path) {
  mode_t old = umask(0);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0666);
  int err = fd < 0 && errno != EEXIST ? errno : 0;
  umask(old);
  if (fd >= 0) close(fd);
  return err;
}

int console(const hz_opv *o) {
  int sock = (int)arg_int(o, 0);
  int64_t rows = arg_int(o, 1), cols = arg_int(o, 2);
  const char *mount_on = arg_str_or_null(o, 3);
  int64_t uid = arg_int(o, 4);
  const char *name = arg_str(o, 5);

  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return errno;
  int slave = -1, err = 0;
  int unlock = 0;
  unsigned n = 0;
  char path[40] = "/dev/pts/";
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) {
    err = errno;
    goto out;
  }
  fmt_u64(path + 9, n);
  if (rows > 0 && cols > 0) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = (unsigned short)rows;
    ws.ws_col = (unsigned short)cols;
    if (ioctl(master, TIOCSWINSZ, &ws) < 0) {
      err = errno;
      goto out;
    }
  }
  /* the peer of this very master, without a path lookup; by name on kernels before 4.13 */
  slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0 && (errno == EINVAL || errno == ENOTTY)) slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) {
    err = errno;
    goto out;
  }
  if (uid >= 0 && fchown(slave, (uid_t)uid, (gid_t)-1) < 0) {
    err = errno;
    goto out;
  }
  if (mount_on) {
    if ((err = make_mount_point(mount_on)) != 0) goto out;
    if (mount(path, mount_on, nullptr, MS_BIND, nullptr) < 0) {
      err = errno;
      goto out;
    }
  }
  if ((err = send_fd(sock, name, strlen(name), master)) != 0) goto out;
  for (int fd = 0; fd < 3; fd++) {
    if (slave == fd) {
      fcntl(fd, F_SETFD, 0);
      continue;
    }
    if (dup3(slave, fd, 0) < 0) {
      err = errno;
      goto out;
    }
  }
out:
  close(master);
  if (slave > 2) close(slave);
  close(sock);
  return err;
}

}  // namespace

int op_console(const hz_opv *o, int *status) { return console(o); }

int op_setctty(const hz_opv *o, int *status) { return ioctl(0, TIOCSCTTY, 0) < 0 ? errno : 0; }
