/*
 * hezi-init: id-mapped mounts (mounts[].uidMappings/gidMappings, options idmap/ridmap).
 *
 * IDMAP_TREE runs before the init joins or creates any user namespace, while it is root of the
 * runtime's own: it clones the source tree (open_tree OPEN_TREE_CLONE, a detached mount),
 * gives it the idmapping of a user namespace (mount_setattr MOUNT_ATTR_IDMAP) and keeps the fd
 * in a slot. The user namespace is one given by path, or a throwaway one made for the mapping:
 * a child cloned into a new user namespace, whose uid_map/gid_map the init writes, kept just
 * long enough to open /proc/<child>/ns/user. MOUNT_AT later takes the tree (its `tree` argument)
 * instead of cloning the source and moves it onto its target inside the container's rootfs, in
 * mount order, with the bind's other flags.
 *
 * OPEN_TREE keeps a plain clone in the same slots: the source of a bind mount of a container
 * with a user namespace, cloned while the init can still reach it as the host's root.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

namespace {

int g_trees[HZ_MAX_TREES];
bool g_trees_init = false;

void init_trees() {
  if (g_trees_init) return;
  for (int k = 0; k < HZ_MAX_TREES; k++) g_trees[k] = -1;
  g_trees_init = true;
}

/* "/proc/<pid>/<file>" into buf (at least 48 bytes) */
char *proc_path(char *buf, pid_t pid, const char *file) {
  char num[24];
  fmt_u64(num, (uint64_t)pid);
  size_t n = 0;
  const char *parts[] = {"/proc/", num, "/", file};
  for (const char *p : parts) {
    size_t l = strlen(p);
    memcpy(buf + n, p, l);
    n += l;
  }
  buf[n] = 0;
  return buf;
}

int write_proc(pid_t pid, const char *file, const uint8_t *data, size_t len) {
  char path[48];
  int fd = open(proc_path(path, pid, file), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  /* one write: the kernel takes a map in a single write(2) */
  ssize_t w = write(fd, data, len);
  int err = w < 0 ? errno : ((size_t)w != len ? EIO : 0);
  close(fd);
  return err;
}

/* a user namespace with these maps, as an fd (the helper child is gone when this returns) */
int userns_for_maps(const hz_arg &uid_map, const hz_arg &gid_map, int *out) {
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) < 0) return errno;
  long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) {
    int e = errno;
    close(gate[0]);
    close(gate[1]);
    return e;
  }
  if (pid == 0) {
    /* the helper: wait until the parent has what it needs (EOF), then go */
    close(gate[1]);
    char c;
    while (read(gate[0], &c, 1) < 0 && errno == EINTR) {
    }
    syscall(SYS_exit_group, 0);
  }
  close(gate[0]);
  int err = write_proc((pid_t)pid, "uid_map", uid_map.p, uid_map.len);
  if (!err) err = write_proc((pid_t)pid, "gid_map", gid_map.p, gid_map.len);
  int fd = -1;
  if (!err) {
    char path[48];
    fd = open(proc_path(path, (pid_t)pid, "ns/user"), O_RDONLY | O_CLOEXEC);
    if (fd < 0) err = errno;
  }
  close(gate[1]);
  int st;
  while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (err) return err;
  *out = fd;
  return 0;
}

}  // namespace

int op_idmap_tree(const hz_opv *o, int *status) {
  init_trees();
  const char *src = arg_str(o, 0);
  bool rec_tree = arg_int(o, 1) != 0;
  bool rec_map = arg_int(o, 2) != 0;
  const char *userns_path = arg_str(o, 3);
  int64_t slot = arg_int(o, 6);
  if (slot < 0 || slot >= HZ_MAX_TREES || g_trees[slot] >= 0) return EINVAL;
  int userns = -1;
  int err = 0;
  if (*userns_path) {
    userns = open(userns_path, O_RDONLY | O_CLOEXEC);
    if (userns < 0) return errno;
  } else {
    err = userns_for_maps(o->a[4], o->a[5], &userns);
    if (err) return err;
  }
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec_tree ? AT_RECURSIVE : 0));
  if (tree < 0) err = errno;
  if (!err) {
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = (uint64_t)userns;
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (rec_map ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0) err = errno;
  }
  close(userns);
  if (err) {
    if (tree >= 0) close(tree);
    return err;
  }
  g_trees[slot] = tree;
  return 0;
}

int op_open_tree(const hz_opv *o, int *status) {
  init_trees();
  int64_t slot = arg_int(o, 1);
  if (slot < 0 || slot >= HZ_MAX_TREES || g_trees[slot] >= 0) return EINVAL;
  int fd = clone_mount(AT_FDCWD, arg_str(o, 0), arg_int(o, 2) ? AT_RECURSIVE : 0);
  if (fd < 0) return errno;
  g_trees[slot] = fd;
  return 0;
}

int take_tree(int64_t slot) {
  init_trees();
  if (slot < 0 || slot >= HZ_MAX_TREES || g_trees[slot] < 0) {
    errno = EBADF;
    return -1;
  }
  int fd = g_trees[slot];
  g_trees[slot] = -1;
  return fd;
}
