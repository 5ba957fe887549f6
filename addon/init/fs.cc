/*
 * hezi-init: filesystem ops.
 *
 * (root, rel) targets: root == "" → rel is used as is. Otherwise rel is resolved inside root with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a symlink in the container's rootfs can
 * never lead outside it; creation happens one component at a time with *at() calls relative to
 * directory fds resolved the same way.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/stat.h>
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

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

namespace {

const uint64_t kResolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

void close_keep_errno(int fd) {
  int e = errno;
  if (fd >= 0) close(fd);
  errno = e;
}

int openat2_in(int rootfd, const char *rel, int flags, mode_t mode, uint64_t extra = 0) {
  return openat2_res(rootfd, rel, flags, mode, kResolve | extra);
}

int open_root(const char *root) { return open(root, O_PATH | O_DIRECTORY | O_CLOEXEC); }

/* O_PATH fd of (root, rel), -1 with errno on failure. `extra` may add O_DIRECTORY / O_NOFOLLOW,
 * `res` more RESOLVE_* flags. */
int resolve(const char *root, const char *rel, int extra, uint64_t res = 0) {
  int flags = O_PATH | O_CLOEXEC | extra;
  if (!*root) return open(rel, flags);
  int rfd = open_root(root);
  if (rfd < 0) return -1;
  int fd = openat2_in(rfd, rel, flags, 0, res);
  close_keep_errno(rfd);
  return fd;
}

/* ---- the new mount API: every step on an fd ---- */

int setattr_fd(int mnt, uint64_t set, uint64_t clr, uint64_t propagation, unsigned flags) {
  struct mount_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.attr_set = set;
  attr.attr_clr = clr;
  attr.propagation = propagation;
  return syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH | flags, &attr, sizeof attr) < 0 ? errno : 0;
}

/* fsconfig one "key=value" (a string) or "key" (a flag) */
int fs_option(int fsfd, const char *opt) {
  static char key[256];
  const char *eq = strchr(opt, '=');
  if (!eq) return syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FLAG, opt, nullptr, 0) < 0 ? errno : 0;
  size_t n = (size_t)(eq - opt);
  if (n == 0 || n >= sizeof key) return EINVAL;
  memcpy(key, opt, n);
  key[n] = 0;
  return syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, key, eq + 1, 0) < 0 ? errno : 0;
}

/* a new filesystem as a detached mount: fsopen, source, options (NUL-separated, `len` bytes), fsmount */
int new_fs(const char *fstype, const char *src, const char *opts, uint32_t len, uint64_t attr, int *out) {
  int fsfd = (int)syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
  if (fsfd < 0) return errno;
  int err = 0;
  if (src && *src && syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "source", src, 0) < 0) err = errno;
  for (const char *p = opts, *end = opts + len; !err && p < end; p += strlen(p) + 1)
    if (*p) err = fs_option(fsfd, p);
  if (!err && syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) err = errno;
  int mnt = -1;
  if (!err) {
    mnt = (int)syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, (unsigned)attr);
    if (mnt < 0) err = errno;
  }
  close(fsfd);
  if (!err) *out = mnt;
  return err;
}

int fs_magic(int fd, int64_t *magic) {
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0) return errno;
  *magic = (int64_t)(uint64_t)(unsigned long)sf.f_type;
  return 0;
}

/* the id of the mount fd's object is on (0 on kernels without STATX_MNT_ID), and whether it is
 * that mount's root */
int mount_id(int fd, uint64_t *id, bool *is_root) {
  struct statx sx;
  memset(&sx, 0, sizeof sx);
  if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0) return errno;
  *id = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
  if (is_root) *is_root = (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
  return 0;
}

void close_slot(int k) {
  if (g.mounts[k] >= 0) close(g.mounts[k]);
  g.mounts[k] = -1;
}

void close_mount_slots() {
  for (int k = 0; k < HZ_MOUNT_SLOTS; k++) close_slot(k);
}

/*
 * mkdir -p of rel (in root when rootfd >= 0). Every prefix is resolved from the start (in root),
 * a missing component is created with mkdirat() in its resolved parent. `create` false: only
 * resolve. On success returns 0 and, if out != NULL, an O_PATH fd of the final directory.
 */
int walk_dirs(int rootfd, const char *rel, mode_t mode, bool create, int *out, uint64_t res = 0) {
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
    int fd = rootfd >= 0 ? openat2_in(rootfd, buf, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, res)
                         : open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create && !(e - s == 2 && name[0] == '.' && name[1] == '.')) {
      if (mkdirat(cur, name, mode) < 0 && errno != EEXIST) {
        int err = errno;
        close(cur);
        return err;
      }
      fd = rootfd >= 0 ? openat2_in(rootfd, buf, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, res)
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
int dirs(const char *root, const char *rel, mode_t mode, bool create, int *out, uint64_t res = 0) {
  if (!*root) return walk_dirs(-1, rel, mode, create, out);
  int rfd = open_root(root);
  if (rfd < 0) return errno;
  int err = walk_dirs(rfd, rel, mode, create, out, res);
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

/* the per-mount attributes (MOUNT_ATTR_*) of the mount at fd, from fstatfs */
int mount_attrs(int fd, uint64_t *out) {
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0) return errno;
  unsigned long s = (unsigned long)sf.f_flags;
  uint64_t a = 0;
  if (s & ST_RDONLY) a |= MOUNT_ATTR_RDONLY;
  if (s & ST_NOSUID) a |= MOUNT_ATTR_NOSUID;
  if (s & ST_NODEV) a |= MOUNT_ATTR_NODEV;
  if (s & ST_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
  if (s & ST_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
  a |= (s & ST_NOATIME) ? MOUNT_ATTR_NOATIME : (s & ST_RELATIME) ? MOUNT_ATTR_RELATIME : MOUNT_ATTR_STRICTATIME;
  *out = a;
  return 0;
}

/*
 * A bind's flags on its clone (runc >= 1.2): exactly set/clr. EPERM means a user namespace
 * locked some of the mount's own flags: once more with those kept, unless the config clears one
 * of them by name or names another atime (`cleared`), which is then refused. `locked`: a clone
 * made before the user namespace (OPEN_TREE), which the kernel did not lock: the same rules, as
 * if it had.
 */
int bind_setattr(int mnt, uint64_t set, uint64_t clr, uint64_t cleared, bool locked) {
  if (!locked) {
    int err = setattr_fd(mnt, set, clr, 0, 0);
    if (err != EPERM) return err;
  }
  const uint64_t lockable = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME;
  uint64_t have = 0;
  int e = mount_attrs(mnt, &have);
  if (e) return e;
  if (have & cleared & lockable) return EPERM;
  if ((cleared & MOUNT_ATTR__ATIME) && (set & MOUNT_ATTR__ATIME) != (have & MOUNT_ATTR__ATIME)) return EPERM;
  set = (set & ~(uint64_t)MOUNT_ATTR__ATIME) | (have & (lockable | MOUNT_ATTR__ATIME));
  return setattr_fd(mnt, set, clr, 0, 0);
}

int remount_ro(const char *path, unsigned long extra) {
  int err;
  unsigned long kept = kept_flags(path, &err);
  if (err) return err;
  if (mount("", path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | kept | extra, nullptr) < 0) return errno;
  return 0;
}

/* write argument k of the op to fd, then close it */
int write_fd(int fd, const hz_opv *o, int k) {
  int err = write_all(fd, o->a[k].p, o->a[k].len);
  if (close(fd) < 0 && !err && errno != EINTR) err = errno;
  return err;
}

/* ---- tmpcopyup: copy a directory tree between two directory fds --------------------- */

const int kCopyMaxDepth = 128;

void copy_times(int dirfd, const char *name, const struct stat *st, int flags) {
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  utimensat(dirfd, name, ts, flags);
}

int copy_file_data(int from, int to) {
  static char buf[64 * 1024];
  for (;;) {
    ssize_t n = syscall(SYS_copy_file_range, from, nullptr, to, nullptr, (size_t)1 << 30, 0);
    if (n == 0) return 0;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return errno;
    break; /* across filesystems on an old kernel: read and write */
  }
  for (;;) {
    ssize_t n = read(from, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    int err = write_all(to, buf, (size_t)n);
    if (err) return err;
  }
}

int copy_tree(int from, int to, int depth);

/*
 * A directory (recursively) or a regular file `name` of `from` into `to`: opened on both sides
 * with O_NOFOLLOW (the directory made, the file created O_EXCL), copied, given owner, mode and
 * times. The mode comes after the owner: chown clears set-id bits.
 */
int copy_into(int from, int to, const char *name, const struct stat *st, int depth) {
  bool dir = S_ISDIR(st->st_mode);
  if (dir && mkdirat(to, name, 0700) < 0) return errno;
  int f = openat(from, name, (dir ? O_DIRECTORY : O_NOCTTY) | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (f < 0) return errno;
  int t = dir ? openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  int err = t < 0 ? errno : (dir ? copy_tree(f, t, depth + 1) : copy_file_data(f, t));
  if (!err && fchown(t, st->st_uid, st->st_gid) < 0) err = errno;
  if (!err && fchmod(t, st->st_mode & 07777) < 0) err = errno;
  close(f);
  if (t >= 0) close(t);
  if (!err) copy_times(to, name, st, AT_SYMLINK_NOFOLLOW);
  return err;
}

/*
 * Copy the entries of directory `from` into directory `to`: directories, regular files, symlinks
 * and special files, with owner, mode and times. Every entry is opened relative to its directory
 * with O_NOFOLLOW, so nothing in the tree can lead the copy elsewhere.
 */
int copy_tree(int from, int to, int depth) {
  if (depth > kCopyMaxDepth) return ELOOP;
  char buf[2048];
  static char link[PATH_MAX];
  for (;;) {
    long n = syscall(SYS_getdents64, from, buf, sizeof buf);
    if (n < 0) return errno;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      struct dirent64 *d = (struct dirent64 *)(buf + off);
      off += d->d_reclen;
      const char *name = d->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      struct stat st;
      if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return errno;
      if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
        int err = copy_into(from, to, name, &st, depth);
        if (err) return err;
      } else if (S_ISLNK(st.st_mode)) {
        ssize_t len = readlinkat(from, name, link, sizeof link - 1);
        if (len < 0) return errno;
        link[len] = 0;
        if (symlinkat(link, to, name) < 0) return errno;
        if (fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) return errno;
        copy_times(to, name, &st, AT_SYMLINK_NOFOLLOW);
      } else {
        /* devices, fifos, sockets: as they are (a device fails in a user namespace, as in runc) */
        if (mknodat(to, name, st.st_mode, st.st_rdev) < 0) return errno;
        if (fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) return errno;
        if (fchmodat(to, name, st.st_mode & 07777, 0) < 0) return errno;
        copy_times(to, name, &st, AT_SYMLINK_NOFOLLOW);
      }
    }
  }
}

/*
 * tmpcopyup: the directory the mount will cover (target, an O_PATH fd) copied into the new,
 * still detached filesystem mnt, whose root then gets the directory's owner (and mode).
 */
int copy_up(int target, int mnt, bool keep_mode) {
  int from = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (from < 0) return errno;
  int to = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int err = to < 0 ? errno : copy_tree(from, to, 0);
  struct stat st;
  if (!err && fstat(from, &st) < 0) err = errno;
  if (!err && fchown(to, st.st_uid, st.st_gid) < 0) err = errno;
  if (!err && keep_mode && fchmod(to, st.st_mode & 07777) < 0) err = errno;
  close(from);
  if (to >= 0) close(to);
  return err;
}

}  // namespace

int op_write_file(const hz_opv *o, int *status) {
  int fd = open(arg_str(o, 0), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  return write_fd(fd, o, 1);
}

int op_write_proc(const hz_opv *o, int *status) {
  int proc = openat2_res(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS);
  if (proc < 0) return errno;
  int64_t magic = 0;
  uint64_t id = 0;
  bool is_root = false;
  int err = fs_magic(proc, &magic);
  if (!err) err = mount_id(proc, &id, &is_root);
  if (!err && (magic != PROC_SUPER_MAGIC || !is_root)) err = EMEDIUMTYPE;
  int fd = -1;
  if (!err) {
    fd = openat2_res(proc, arg_str(o, 0), O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0,
                     RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS);
    if (fd < 0) err = errno;
  }
  close(proc);
  if (err) return err;
  if ((err = fs_magic(fd, &magic)) != 0 || magic != PROC_SUPER_MAGIC) {
    close(fd);
    return err ? err : EMEDIUMTYPE;
  }
  return write_fd(fd, o, 1);
}

int op_mount(const hz_opv *o, int *status) {
  const char *src = arg_str_or_null(o, 0);
  const char *root = arg_str(o, 1);
  const char *rel = arg_str(o, 2);
  const char *fstype = arg_str_or_null(o, 3);
  unsigned long flags = (unsigned long)arg_int(o, 4);
  const char *data = arg_str_or_null(o, 5);
  if (*root) return EINVAL; /* inside a root: MOUNT_AT */
  if (mount(src, rel, fstype, flags, data) < 0) return errno;
  return 0;
}

int op_mount_at(const hz_opv *o, int *status) {
  const char *src = arg_str(o, 0);
  const char *root = arg_str(o, 1);
  const char *rel = arg_str(o, 2);
  const char *fstype = arg_str(o, 3);
  uint64_t attr_set = (uint64_t)arg_int(o, 5), attr_clr = (uint64_t)arg_int(o, 6);
  uint32_t mflags = (uint32_t)arg_int(o, 7);
  int64_t slot = arg_int(o, 8), magic = arg_int(o, 9), tree = arg_int(o, 10);
  uint64_t cleared = (uint64_t)arg_int(o, 11);
  if (!*root || slot >= HZ_MOUNT_SLOTS) return EINVAL;
  const bool no_symlinks = (mflags & HZ_MNT_NO_SYMLINKS) != 0;
  const uint64_t res = no_symlinks ? RESOLVE_NO_SYMLINKS : 0;
  const int dir = no_symlinks ? O_DIRECTORY : 0;

  int target = resolve(root, rel, dir, res);
  if (target < 0) return errno;
  int err = 0, mnt = -1;
  int64_t got = 0;
  if (mflags & HZ_MNT_NOT_ON_PROCFS) {
    err = fs_magic(target, &got);
    if (!err && got == PROC_SUPER_MAGIC) err = EXDEV;
  }
  if (!err && (mflags & HZ_MNT_BIND)) {
    mnt = tree >= 0 ? take_tree(tree) : clone_mount(AT_FDCWD, src, (mflags & HZ_MNT_REC) ? AT_RECURSIVE : 0);
    if (mnt < 0) err = errno;
    else if (attr_set || attr_clr) err = bind_setattr(mnt, attr_set, attr_clr, cleared, (mflags & HZ_MNT_LOCKED) != 0);
  } else if (!err && (mflags & HZ_MNT_COPY_UP)) {
    /* writable for the copy; read-only, if asked, once it is done */
    err = new_fs(fstype, src, (const char *)o->a[4].p, o->a[4].len, attr_set & ~(uint64_t)MOUNT_ATTR_RDONLY, &mnt);
    if (!err) err = copy_up(target, mnt, (mflags & HZ_MNT_COPY_MODE) != 0);
    if (!err && (attr_set & MOUNT_ATTR_RDONLY)) err = setattr_fd(mnt, MOUNT_ATTR_RDONLY, 0, 0, 0);
  } else if (!err) {
    err = new_fs(fstype, src, (const char *)o->a[4].p, o->a[4].len, attr_set, &mnt);
  }
  if (!err && magic) {
    err = fs_magic(mnt, &got);
    if (!err && got != magic) err = EMEDIUMTYPE;
  }
  if (!err) err = move_onto(mnt, target);
  close(target);
  if (!err && magic) {
    /* what the path leads to now is the mount just made */
    int again = resolve(root, rel, dir, res);
    uint64_t want = 0, have = 0;
    if (again < 0) err = errno;
    if (!err) err = mount_id(mnt, &want, nullptr);
    if (!err) err = mount_id(again, &have, nullptr);
    if (!err) err = fs_magic(again, &got);
    if (!err && (got != magic || want != have)) err = EMEDIUMTYPE;
    if (again >= 0) close(again);
  }
  if (err) {
    if (mnt >= 0) close(mnt);
    return err;
  }
  if (slot >= 0) {
    close_slot((int)slot);
    g.mounts[slot] = mnt;
  } else {
    close(mnt);
  }
  return 0;
}

int op_hide_mount(const hz_opv *o, int *status) {
  const char *path = arg_str(o, 0);
  if (mount(nullptr, path, nullptr, MS_SLAVE | MS_REC, nullptr) < 0) return errno == ENOENT ? 0 : errno;
  if (umount2(path, MNT_DETACH) == 0) return 0;
  if (errno != EINVAL && errno != EPERM) return errno;
  return mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0 ? errno : 0;
}

int op_mount_setattr(const hz_opv *o, int *status) {
  int64_t slot = arg_int(o, 0);
  if (slot < 0 || slot >= HZ_MOUNT_SLOTS || g.mounts[slot] < 0) return EBADF;
  return setattr_fd(g.mounts[slot], (uint64_t)arg_int(o, 1), (uint64_t)arg_int(o, 2), (uint64_t)arg_int(o, 3),
                    (unsigned)arg_int(o, 4));
}

int op_mkdir_all(const hz_opv *o, int *status) {
  return dirs(arg_str(o, 0), arg_str(o, 1), (mode_t)arg_int(o, 2), true, nullptr, arg_int(o, 3) ? RESOLVE_NO_SYMLINKS : 0);
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
  /* from here on the node made, by fd: the name may be swapped meanwhile (CVE-2024-45310 class) */
  int fd = -1;
  if (!err && (fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0) err = errno;
  close(pfd);
  if (err) return err;
  struct stat st;
  err = fstat_nolink(fd, &st); /* ELOOP: a symlink took the node's place */
  if (!err && ((st.st_mode & S_IFMT) != (mode & S_IFMT) || ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && st.st_rdev != dev)))
    err = EEXIST; /* some other file did */
  if (!err && fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0) err = errno;
  if (!err && syscall(SYS_fchmodat2, fd, "", mode & 07777, AT_EMPTY_PATH) < 0) {
    err = errno;
    if (err == ENOSYS || err == EINVAL) {
      /* before fchmodat2 (6.6): the fd's own inode through the (host's) /proc/self/fd */
      char p[32];
      err = chmod(fd_path(p, fd), mode & 07777) < 0 ? errno : 0;
    }
  }
  close(fd);
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

int op_chdir(const hz_opv *o, int *status) {
  int64_t mode = arg_int(o, 1);
  if (mode == 2 && !g.chdir_pending) return 0;
  g.chdir_pending = false;
  if (chdir(arg_str(o, 0)) < 0) {
    if (mode == 1 && (errno == EACCES || errno == EPERM)) {
      g.chdir_pending = true; /* the user may reach it once root is dropped */
      return 0;
    }
    return errno;
  }
  /* a cwd the root does not reach (a host directory through /proc/self/fd/N) reads "(unreachable)/..." */
  static char cwd[PATH_MAX];
  if (syscall(SYS_getcwd, cwd, sizeof cwd) < 0) return errno;
  return cwd[0] == '/' ? 0 : EXDEV;
}

int op_bind_cwd(const hz_opv *o, int *status) {
  /* "." names the covered directory even once a mount is on it: the clone's own fd is the way in */
  int mnt = clone_mount(AT_FDCWD, ".", arg_int(o, 0) ? AT_RECURSIVE : 0);
  if (mnt < 0) return errno;
  int err = 0;
  if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, ".", MOVE_MOUNT_F_EMPTY_PATH) < 0) err = errno;
  else if (fchdir(mnt) < 0) err = errno;
  close(mnt);
  return err;
}

int op_pivot_root(const hz_opv *o, int *status) {
  int fd = open(arg_str(o, 0), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = 0;
  if (fchdir(fd) < 0) err = errno;
  close(fd);
  if (err) return err;
  close_mount_slots();
  if (syscall(SYS_pivot_root, ".", ".") < 0) return errno;
  /* the old root is stacked on "."; make it a slave so our unmount cannot reach the host */
  if (mount("", ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) return errno;
  if (umount2(".", MNT_DETACH) < 0) return errno;
  if (chdir("/") < 0) return errno;
  return 0;
}

int op_move_root(const hz_opv *o, int *status) {
  const char *newroot = arg_str(o, 0);
  close_mount_slots();
  if (chdir(newroot) < 0) return errno;
  if (mount(newroot, "/", nullptr, MS_MOVE, nullptr) < 0) return errno;
  if (chroot(".") < 0) return errno;
  if (chdir("/") < 0) return errno;
  return 0;
}

int op_chroot(const hz_opv *o, int *status) {
  close_mount_slots();
  if (chdir(arg_str(o, 0)) < 0) return errno;
  if (chroot(".") < 0) return errno;
  if (chdir("/") < 0) return errno;
  return 0;
}

/* masked and read-only paths: opened O_PATH|O_NOFOLLOW; -1 with *err = 0 when missing, ELOOP for a symlink */
int open_listed_path(const char *path, struct stat *st, int *err) {
  int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    *err = errno == ENOENT ? 0 : errno;
    return -1;
  }
  if ((*err = fstat_nolink(fd, st)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int op_mask_path(const hz_opv *o, int *status) {
  struct stat st;
  int err;
  int fd = open_listed_path(arg_str(o, 0), &st, &err);
  if (fd < 0) return err;
  int mnt = -1;
  if (S_ISDIR(st.st_mode)) {
    static const char ro[] = "ro";
    err = new_fs("tmpfs", "tmpfs", ro, sizeof ro, MOUNT_ATTR_RDONLY, &mnt);
  } else {
    /* the null device, verified (CVE-2025-31133): never whatever a "/dev/null" name leads to */
    int null = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat ns;
    if (null < 0)
      err = errno;
    else if (fstat(null, &ns) < 0)
      err = errno;
    else if (!S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3))
      err = EMEDIUMTYPE;
    if (!err && (mnt = clone_mount(null, "", AT_EMPTY_PATH)) < 0) err = errno;
    if (null >= 0) close(null);
  }
  if (!err) err = move_onto(mnt, fd);
  if (mnt >= 0) close(mnt);
  close(fd);
  return err;
}

int op_readonly_path(const hz_opv *o, int *status) {
  struct stat st;
  int err;
  int fd = open_listed_path(arg_str(o, 0), &st, &err);
  if (fd < 0) return err;
  int mnt = clone_mount(fd, "", AT_RECURSIVE | AT_EMPTY_PATH);
  if (mnt < 0) err = errno;
  if (!err) err = setattr_fd(mnt, MOUNT_ATTR_RDONLY, 0, 0, 0);
  if (!err) err = move_onto(mnt, fd);
  if (mnt >= 0) close(mnt);
  close(fd);
  return err;
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
  close(g.fifo_fd);
  g.fifo_fd = -1;
  if (arg_int(o, 0)) {
    g.fifo_wfd = fd; /* RELEASE_FIFO writes the "0" once the startContainer hooks have run */
    return 0;
  }
  int err = write_all(fd, "0", 1);
  close(fd);
  return err;
}

int op_release_fifo(const hz_opv *o, int *status) {
  if (g.fifo_wfd < 0) return EBADF;
  int fd = g.fifo_wfd;
  g.fifo_wfd = -1; /* a failure from here on is reported the old way */
  int err = write_all(fd, "0", 1);
  close(fd);
  return err;
}
