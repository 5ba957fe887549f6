/*
 * hezi-init: the console. A pty from the container's own devpts (the ptmx of the devpts mounted
 * at /dev/pts, verified), its master sent to the runtime's console socket, its slave made the
 * process's stdio and, for create, bound on /dev/console by fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "init.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace {

/* fd is a char device on a devpts (with rdev `want`, unless want is 0) */
int check_devpts(int fd, dev_t want) {
  struct statfs sf;
  struct stat st;
  if (fstatfs(fd, &sf) < 0 || fstat(fd, &st) < 0) return errno;
  if (sf.f_type != DEVPTS_SUPER_MAGIC || !S_ISCHR(st.st_mode) || (want && st.st_rdev != want)) return EMEDIUMTYPE;
  return 0;
}

/* an entry of the verified /dev/pts, never through a symlink or a mount over it */
const uint64_t kInPts = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS;

/*
 * mount_on (e.g. "/dev/console") as an O_PATH fd to bind the pty on: its parent reached without
 * symlinks, itself never a symlink (ELOOP), created as an empty 0666 file when missing (whatever
 * the umask), and a regular file or a char device (EMEDIUMTYPE otherwise).
 */
int console_target(const char *mount_on, int *out) {
  static char parent[256];
  const char *slash = strrchr(mount_on, '/');
  if (!slash || slash == mount_on || (size_t)(slash - mount_on) >= sizeof parent || !slash[1]) return EINVAL;
  memcpy(parent, mount_on, (size_t)(slash - mount_on));
  parent[slash - mount_on] = 0;
  const char *name = slash + 1;
  int dir = openat2_res(AT_FDCWD, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS);
  if (dir < 0) return errno;
  int fd = openat2_res(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
  int err = fd < 0 ? errno : 0;
  if (err == ENOENT) {
    mode_t old = umask(0);
    int c = openat2_res(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666,
                        RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    err = c < 0 && errno != EEXIST ? errno : 0;
    umask(old);
    if (c >= 0) close(c);
    if (!err) {
      fd = openat2_res(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
      err = fd < 0 ? errno : 0;
    }
  }
  close(dir);
  if (err) return err;
  struct stat st;
  if ((err = fstat_nolink(fd, &st)) == 0 && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) err = EMEDIUMTYPE;
  if (err) {
    close(fd);
    return err;
  }
  *out = fd;
  return 0;
}

/* bind the pty `slave` (its own mount and dentry, no path) on the O_PATH fd `target` */
int bind_pty(int slave, int target) {
  int mnt = clone_mount(slave, "", AT_EMPTY_PATH);
  if (mnt < 0) return errno;
  int err = move_onto(mnt, target);
  close(mnt);
  return err;
}

int console(const hz_opv *o) {
  int sock = (int)arg_int(o, 0);
  int64_t rows = arg_int(o, 1), cols = arg_int(o, 2);
  const char *mount_on = arg_str_or_null(o, 3);
  int64_t uid = arg_int(o, 4);
  const char *name = arg_str(o, 5);

  int master = -1, slave = -1, target = -1, err = 0;
  int unlock = 0;
  unsigned n = 0;
  struct statfs sf;
  /* the devpts of the current root, verified (CVE-2025-52565): never /dev/ptmx as the image has it */
  int pts = openat2_res(AT_FDCWD, "/dev/pts", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS);
  if (pts < 0) {
    err = errno;
    goto out;
  }
  if (fstatfs(pts, &sf) < 0) {
    err = errno;
    goto out;
  }
  if (sf.f_type != DEVPTS_SUPER_MAGIC) {
    err = EMEDIUMTYPE;
    goto out;
  }
  master = openat2_res(pts, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0, kInPts);
  if (master < 0 || (err = check_devpts(master, makedev(5, 2))) != 0) {
    if (!err) err = errno;
    goto out;
  }
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) {
    err = errno;
    goto out;
  }
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
  /* the peer of this very master, without a path lookup; by number in that devpts before 4.13 */
  slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0 && (errno == EINVAL || errno == ENOTTY)) {
    char num[24];
    slave = openat2_res(pts, fmt_u64(num, n), O_RDWR | O_NOCTTY | O_CLOEXEC, 0, kInPts);
  }
  if (slave < 0 || (err = check_devpts(slave, 0)) != 0) {
    if (!err) err = errno;
    goto out;
  }
  if (uid >= 0 && fchown(slave, (uid_t)uid, (gid_t)-1) < 0) {
    err = errno;
    goto out;
  }
  if (mount_on) {
    if ((err = console_target(mount_on, &target)) != 0) goto out;
    if ((err = bind_pty(slave, target)) != 0) goto out;
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
  if (pts >= 0) close(pts);
  if (target >= 0) close(target);
  if (master >= 0) close(master);
  if (slave > 2) close(slave);
  close(sock);
  return err;
}

}  // namespace

int op_console(const hz_opv *o, int *status) { return console(o); }

int op_setctty(const hz_opv *o, int *status) { return ioctl(0, TIOCSCTTY, 0) < 0 ? errno : 0; }
