/*
 * hezi-init: filesystem ops.
 *
 * (root, rel) targets: root == "" → rel is used as is. Otherwise rel is resolved inside root with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a symlink in the container's rootfs can
 * never lead outside it; creation happens one component at a time with *at() calls relative to
 * directory fds resolved the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "init.h"

#ifndef ST_RDONLY
#define ST_RDONLY 0x0001
#endif
#ifndef ST_NOSUID
#define ST_NOSUID 0x0002
#define ST_NODEV 0x0004
#define ST_NOEXEC 0x0008
#define ST_NOATIME 0x0400
#define ST_NODIRATIME 0x0800
#define ST_RELATIME 0x1000
#endif

namespace {

const uint64_t kResolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

void close_keep_errno(int fd) {
  int e = errno;
  if (fd >= 0) close(fd);
  errno = e;
}

int openat2_in(int rootfd, const char *rel, int flags, mode_t mode) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(unsigned)flags;
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = kResolve;
  return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
}

int open_root(const char *root) { return open(root, O_PATH | O_DIRECTORY | O_CLOEXEC); }

/* O_PATH fd of (root, rel), -1 with errno on failure. `extra` may add O_DIRECTORY / O_NOFOLLOW. */
int resolve(const char *root, const char *rel, int extra) {
  int flags = O_PATH | O_CLOEXEC | extra;
  if (!*root) return open(rel, flags);
  int rfd = open_root(root);
  if (rfd < 0) return -1;
  int fd = openat2_in(rfd, rel, flags, 0);
  close_keep_errno(rfd);
  return fd;
}

/*
 * mkdir -p of rel (in root when rootfd >= 0). Every prefix is resolved from the start (in root),
 * a missing component is created with mkdirat() in its resolved parent. `create` false: only
 * resolve. On success returns 0 and, if out != NULL, an O_PATH fd of the final directory.
 */
int walk_dirs(int rootfd, const char *rel, mode_t mode, bool create, int *out) {
  static char buf[PATH_MAX];
  size_t len = strlen(rel);
  if (len >= sizeof buf) return ENAMETOOLONG;
  memcpy(buf, rel, len + 1);
  int cur;
  if (rootfd >= 0)
    cur = (int)syscall(SYS_fcntl, rootfd, F_DUPFD_CLOEXEC, 0);
  else
    cur = open(buf[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0) return errno;
  size_t i = 0;
  while (i < len) {
    while (i < len && buf[i] == '/') i++;
    if (i >= len) break;
    size_t s = i;
    while (i < len && buf[i] != '/') i++;
    size_t e = i;
    if (e - s == 1 && buf[s] == '.') continue;
    char saved = buf[e];
    buf[e] = 0;
    const char *name = buf + s;
    int fd = rootfd >= 0 ? openat2_in(rootfd, buf, O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
                         : open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create && !(e - s == 2 && name[0] == '.' && name[1] == '.')) {
      if (mkdirat(cur, name, mode) < 0 && errno != EEXIST) {
        int err = errno;
        close(cur);
        return err;
      }
      fd = rootfd >= 0 ? openat2_in(rootfd, buf, O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
                       : open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    if (fd < 0) {
      int err = errno;
      close(cur);
      return err;
    }
    buf[e] = saved;
    close(cur);
    cur = fd;
  }
  if (out)
    *out = cur;
  else
    close(cur);
  return 0;
}

/* mkdir -p / resolve for (root, rel) */
int dirs(const char *root, const char *rel, mode_t mode, bool create, int *out) {
  if (!*root) return walk_dirs(-1, rel, mode, create, out);
  int rfd = open_root(root);
  if (rfd < 0) return errno;
  int err = walk_dirs(rfd, rel, mode, create, out);
  close(rfd);
  return err;
}

/*
 * Split rel into its parent directory and last component. `parent` and `name` point into a
 * static buffer. "a/b/" → ("a", "b"); "/x" → ("/", "x"); "x" → (".", "x").
 */
int split(const char *rel, const char **parent, const char **name) {
  static char buf[PATH_MAX];
  size_t len = strlen(rel);
  if (len >= sizeof buf) return ENAMETOOLONG;
  memcpy(buf, rel, len + 1);
  while (len > 1 && buf[len - 1] == '/') buf[--len] = 0;
  char *slash = strrchr(buf, '/');
  if (!slash) {
    *parent = ".";
    *name = buf;
  } else if (slash == buf) {
    *parent = "/";
    *name = buf + 1;
  } else {
    *slash = 0;
    *parent = buf;
    *name = slash + 1;
  }
  if (!**name || strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0) return EINVAL;
  return 0;
}

/* statfs f_flags → the MS_* flags a bind remount must keep (runc's getMountFlags) */
unsigned long kept_flags(const char *path, int *err) {
  struct statfs sf;
  if (statfs(path, &sf) < 0) {
    *err = errno;
    return 0;
  }
  *err = 0;
  unsigned long f = 0;
  unsigned long s = (unsigned long)sf.f_flags;
  if (s & ST_NOSUID) f |= MS_NOSUID;
  if (s & ST_NODEV) f |= MS_NODEV;
  if (s & ST_NOEXEC) f |= MS_NOEXEC;
  if (s & ST_NOATIME) f |= MS_NOATIME;
  if (s & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (s & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

int remount_ro(const char *path, unsigned long extra) {
  int err;
  unsigned long kept = kept_flags(path, &err);
  if (err) return err;
  if (mount("", path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | kept | extra, nullptr) < 0) return errno;
  return 0;
}

}  // namespace

int op_write_file(const hz_opv *o, int *status) {
  int fd = open(arg_str(o, 0), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = write_all(fd, o->a[1].p, o->a[1].len);
  if (close(fd) < 0 && !err && errno != EINTR) err = errno;
  return err;
}

int op_mount(const hz_opv *o, int *status) {
  const char *src = arg_str_or_null(o, 0);
  const char *root = arg_str(o, 1);
  const char *rel = arg_str(o, 2);
  const char *fstype = arg_str_or_null(o, 3);
  unsigned long flags = (unsigned long)arg_int(o, 4);
  const char *data = arg_str_or_null(o, 5);
  if (!*root) {
    if (mount(src, rel, fstype, flags, data) < 0) return errno;
    return 0;
  }
  int fd = resolve(root, rel, 0);
  if (fd < 0) return errno;
  char target[32];
  int r = mount(src, fd_path(target, fd), fstype, flags, data);
  int err = r < 0 ? errno : 0;
  close(fd);
  return err;
}

int op_mount_setattr(const hz_opv *o, int *status) {
  int fd = resolve(arg_str(o, 0), arg_str(o, 1), 0);
  if (fd < 0) return errno;
  struct mount_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = (uint64_t)arg_int(o, 2);
  attr.attr_clr = (uint64_t)arg_int(o, 3);
  attr.propagation = (uint64_t)arg_int(o, 4);
  unsigned flags = AT_EMPTY_PATH | (unsigned)arg_int(o, 5);
  long r = syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr);
  int err = r < 0 ? errno : 0;
  close(fd);
  return err;
}

int op_mkdir_all(const hz_opv *o, int *status) {
  return dirs(arg_str(o, 0), arg_str(o, 1), (mode_t)arg_int(o, 2), true, nullptr);
}

int op_touch(const hz_opv *o, int *status) {
  const char *root = arg_str(o, 0);
  const char *rel = arg_str(o, 1);
  mode_t mode = (mode_t)arg_int(o, 2) & 07777;
  int fd = resolve(root, rel, 0);
  if (fd >= 0) return close(fd), 0; /* exists: fine */
  if (errno != ENOENT) return errno;
  const char *parent, *name;
  int err = split(rel, &parent, &name);
  if (err) return err;
  int pfd;
  err = dirs(root, parent, 0755, true, &pfd);
  if (err) return err;
  const int flags = O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  if (*root) {
    /* through the root again, so a dangling symlink is followed inside it */
    close(pfd);
    int rfd = open_root(root);
    if (rfd < 0) return errno;
    fd = openat2_in(rfd, rel, flags, mode);
    close_keep_errno(rfd);
  } else {
    fd = openat(pfd, name, flags, mode);
    close_keep_errno(pfd);
  }
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

int op_mknod(const hz_opv *o, int *status) {
  const char *root = arg_str(o, 0);
  const char *rel = arg_str(o, 1);
  mode_t mode = (mode_t)arg_int(o, 2);
  dev_t dev = (dev_t)arg_int(o, 3);
  uid_t uid = (uid_t)arg_int(o, 4);
  gid_t gid = (gid_t)arg_int(o, 5);
  const char *parent, *name;
  int err = split(rel, &parent, &name);
  if (err) return err;
  int pfd;
  err = dirs(root, parent, 0, false, &pfd);
  if (err) return err;
  if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT && errno != EISDIR) err = errno;
  if (!err && mknodat(pfd, name, mode, dev) < 0) err = errno;
  if (!err && fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) err = errno;
  if (!err && fchmodat(pfd, name, mode & 07777, 0) < 0) err = errno;
  close(pfd);
  return err;
}

int op_symlink(const hz_opv *o, int *status) {
  const char *target = arg_str(o, 0);
  const char *root = arg_str(o, 1);
  const char *rel = arg_str(o, 2);
  bool ignore_exist = arg_int(o, 3) != 0;
  const char *parent, *name;
  int err = split(rel, &parent, &name);
  if (err) return err;
  int pfd;
  err = dirs(root, parent, 0, false, &pfd);
  if (err) return err;
  if (symlinkat(target, pfd, name) < 0 && !(errno == EEXIST && ignore_exist)) err = errno;
  close(pfd);
  return err;
}

int op_chdir(const hz_opv *o, int *status) { return chdir(arg_str(o, 0)) < 0 ? errno : 0; }

int op_pivot_root(const hz_opv *o, int *status) {
  int fd = open(arg_str(o, 0), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = 0;
  if (fchdir(fd) < 0) err = errno;
  close(fd);
  if (err) return err;
  if (syscall(SYS_pivot_root, ".", ".") < 0) return errno;
  /* the old root is stacked on "."; make it a slave so our unmount cannot reach the host */
  if (mount("", ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) return errno;
  if (umount2(".", MNT_DETACH) < 0) return errno;
  if (chdir("/") < 0) return errno;
  return 0;
}

int op_move_root(const hz_opv *o, int *status) {
  const char *newroot = arg_str(o, 0);
  if (chdir(newroot) < 0) return errno;
  if (mount(newroot, "/", nullptr, MS_MOVE, nullptr) < 0) return errno;
  if (chroot(".") < 0) return errno;
  if (chdir("/") < 0) return errno;
  return 0;
}

int op_chroot(const hz_opv *o, int *status) {
  if (chdir(arg_str(o, 0)) < 0) return errno;
  if (chroot(".") < 0) return errno;
  if (chdir("/") < 0) return errno;
  return 0;
}

int op_mask_path(const hz_opv *o, int *status) {
  const char *path = arg_str(o, 0);
  struct stat st;
  if (stat(path, &st) < 0) return errno == ENOENT ? 0 : errno;
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, nullptr)
                              : mount("/dev/null", path, nullptr, MS_BIND, nullptr);
  return r < 0 ? errno : 0;
}

int op_readonly_path(const hz_opv *o, int *status) {
  const char *path = arg_str(o, 0);
  if (mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) < 0) return errno == ENOENT ? 0 : errno;
  return remount_ro(path, 0);
}

int op_remount_ro(const hz_opv *o, int *status) { return remount_ro(arg_str(o, 0), (unsigned long)arg_int(o, 1)); }

int op_chown(const hz_opv *o, int *status) {
  return chown(arg_str(o, 0), (uid_t)arg_int(o, 1), (gid_t)arg_int(o, 2)) < 0 ? errno : 0;
}

int op_open_fifo(const hz_opv *o, int *status) {
  int fd = open(arg_str(o, 0), O_PATH | O_CLOEXEC);
  if (fd < 0) return errno;
  if (g.fifo_fd >= 0) close(g.fifo_fd);
  g.fifo_fd = fd;
  return 0;
}

int op_wait_fifo(const hz_opv *o, int *status) {
  if (g.sync_fd >= 0) {
    close(g.sync_fd);
    g.sync_fd = -1;
  }
  if (g.fifo_fd < 0) return EBADF;
  char path[32];
  fd_path(path, g.fifo_fd);
  int fd;
  do fd = open(path, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  int err = write_all(fd, "0", 1);
  close(fd);
  close(g.fifo_fd);
  g.fifo_fd = -1;
  return err;
}
