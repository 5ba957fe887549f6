/*
 * hezi-init: carries out a plan (addon/plan_abi.h) op by op. argv = { "hezi-init", sync_fd, plan_fd }.
 *
 * Single-threaded, static, no heap: the plan is mmap'd read-only, the op index lives in one
 * anonymous mmap, strings are used in place. The first failing op is reported to the runtime as
 * HZ_MSG_ERROR {op index, errno, status} and the init exits 1; it never words a message itself
 * (after READY, when the runtime may be gone, one terse line goes to stderr and it exits 127).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

static uint8_t g_state_buf[HZ_MSG_MAX_PAYLOAD];

static_assert(HZ_MOUNT_SLOTS == 8, "the initializer of g.mounts has one -1 per slot");
hz_init_state g = {-1, -1, false, -1, nullptr, g_state_buf, 0, {-1, -1, -1, -1, -1, -1, -1, -1}, -1, false};

typedef int (*op_fn)(const hz_opv *o, int *status);

struct op_desc {
  uint32_t code;
  const char *sig; /* one char per argument: i int, s str, v strv, b bytes */
  op_fn fn;
};

static const op_desc kOps[] = {
    {HZ_OP_SETNS, "si", op_setns},
    {HZ_OP_UNSHARE, "i", op_unshare},
    {HZ_OP_SYNC, "i", op_sync},
    {HZ_OP_WRITE_FILE, "sb", op_write_file},
    {HZ_OP_WRITE_PROC, "sb", op_write_proc},
    {HZ_OP_FORK, "", op_fork},
    {HZ_OP_SETSID, "", op_setsid},
    {HZ_OP_MOUNT, "ssssis", op_mount},
    {HZ_OP_MOUNT_AT, "ssssviiiiiii", op_mount_at},
    {HZ_OP_OPEN_TREE, "sii", op_open_tree},
    {HZ_OP_HIDE_MOUNT, "s", op_hide_mount},
    {HZ_OP_MOUNT_SETATTR, "iiiii", op_mount_setattr},
    {HZ_OP_IDMAP_TREE, "siisbbi", op_idmap_tree},
    {HZ_OP_MKDIR_ALL, "ssii", op_mkdir_all},
    {HZ_OP_TOUCH, "ssi", op_touch},
    {HZ_OP_MKNOD, "ssiiii", op_mknod},
    {HZ_OP_SYMLINK, "sssi", op_symlink},
    {HZ_OP_CHDIR, "si", op_chdir},
    {HZ_OP_PIVOT_ROOT, "s", op_pivot_root},
    {HZ_OP_BIND_CWD, "i", op_bind_cwd},
    {HZ_OP_MOVE_ROOT, "s", op_move_root},
    {HZ_OP_CHROOT, "s", op_chroot},
    {HZ_OP_LOOPBACK_UP, "", op_loopback_up},
    {HZ_OP_MASK_PATH, "s", op_mask_path},
    {HZ_OP_READONLY_PATH, "s", op_readonly_path},
    {HZ_OP_REMOUNT_RO, "si", op_remount_ro},
    {HZ_OP_CHOWN, "sii", op_chown},
    {HZ_OP_SETHOSTNAME, "s", op_sethostname},
    {HZ_OP_SETDOMAINNAME, "s", op_setdomainname},
    {HZ_OP_SETRLIMIT, "iii", op_setrlimit},
    {HZ_OP_PERSONALITY, "i", op_personality},
    {HZ_OP_UMASK, "i", op_umask},
    {HZ_OP_SETGROUPS, "b", op_setgroups},
    {HZ_OP_SETRESGID, "i", op_setresgid},
    {HZ_OP_SETRESUID, "i", op_setresuid},
    {HZ_OP_KEEPCAPS, "i", op_keepcaps},
    {HZ_OP_CAPS_BOUNDING, "ii", op_caps_bounding},
    {HZ_OP_CAPSET, "iii", op_capset},
    {HZ_OP_CAPS_AMBIENT, "ii", op_caps_ambient},
    {HZ_OP_NO_NEW_PRIVS, "", op_no_new_privs},
    {HZ_OP_SECCOMP, "bi", op_seccomp},
    {HZ_OP_DUMPABLE, "i", op_dumpable},
    {HZ_OP_JOIN_KEYRING, "si", op_join_keyring},
    {HZ_OP_IOPRIO_SET, "i", op_ioprio_set},
    {HZ_OP_SCHED_SETATTR, "iiiiiii", op_sched_setattr},
    {HZ_OP_SCHED_SETAFFINITY, "b", op_sched_setaffinity},
    {HZ_OP_SET_MEMPOLICY, "ib", op_set_mempolicy},
    {HZ_OP_RUN_HOOK, "svvi", op_run_hook},
    {HZ_OP_OPEN_FIFO, "s", op_open_fifo},
    {HZ_OP_LOOKUP_EXEC, "v", op_lookup_exec},
    {HZ_OP_CLOSE_FDS, "i", op_close_fds},
    {HZ_OP_READY, "", op_ready},
    {HZ_OP_WAIT_FIFO, "i", op_wait_fifo},
    {HZ_OP_RELEASE_FIFO, "", op_release_fifo},
    {HZ_OP_EXEC, "vv", op_exec},
    {HZ_OP_DUP2, "ii", op_dup2},
    {HZ_OP_CONSOLE, "iiisis", op_console},
    {HZ_OP_SETCTTY, "", op_setctty},
};

static const op_desc *find_op(uint32_t code) {
  for (size_t i = 0; i < sizeof kOps / sizeof kOps[0]; i++)
    if (kOps[i].code == code) return &kOps[i];
  return nullptr;
}

/* Report the failure of op `index` and exit. Before READY: HZ_MSG_ERROR + exit 1.
 * After READY nobody may be listening: `start` gets the record on exec.fifo when it waits there
 * (deferred WAIT_FIFO), otherwise one line goes to stderr; exit 127. */
[[noreturn]] static void fail(int index, int err, int status) {
  send_msg(HZ_MSG_ERROR, index, err, 0, status);
  if (!g.ready) die(1);
  if (g.fifo_wfd >= 0) {
    uint8_t rec[13];
    rec[0] = 'E';
    const int32_t v[3] = {index, err, status};
    for (int k = 0; k < 3; k++)
      for (int b = 0; b < 4; b++) rec[1 + 4 * k + b] = (uint8_t)((uint32_t)v[k] >> (8 * b));
    if (write_all(g.fifo_wfd, rec, sizeof rec) == 0) die(127);
  }
  char num[24];
  put_str(2, "hezi-init: step ");
  put_str(2, fmt_u64(num, (uint64_t)(unsigned)index));
  put_str(2, ": ");
  if (err) {
    put_str(2, errno_desc(err));
  } else {
    put_str(2, "wait status ");
    put_str(2, fmt_u64(num, (uint64_t)(unsigned)status));
  }
  put_str(2, "\n");
  die(127);
}

static int parse_fd(const char *s) {
  if (!s || !*s) return -1;
  int v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (1 << 24)) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Check one argument against its kind. */
static bool arg_ok(char kind, const hz_arg &a) {
  switch (kind) {
    case 'i':
      return a.len == 8;
    case 's':
      return a.len >= 1 && memchr(a.p, 0, a.len) == a.p + a.len - 1;
    case 'v':
      return a.len == 0 || a.p[a.len - 1] == 0;
    case 'b':
      return true;
  }
  return false;
}

/* ---- ops that talk to the runtime ---------------------------------------------------- */

int op_sync(const hz_opv *o, int *status) {
  int err = send_msg(HZ_MSG_SYNC, g.index, 0, (int32_t)arg_int(o, 0), 0);
  if (err) return err;
  hz_msg m;
  struct iovec iov[2] = {{&m, sizeof m}, {g.state, HZ_MSG_MAX_PAYLOAD}};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = iov;
  mh.msg_iovlen = 2;
  ssize_t n;
  do n = recvmsg(g.sync_fd, &mh, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  if (n == 0) die(1); /* the runtime went away: stop silently */
  if ((size_t)n < sizeof m) return EPROTO;
  if (m.type == HZ_MSG_ABORT) die(1);
  if (m.type != HZ_MSG_ACK) return EPROTO;
  uint32_t got = (uint32_t)((size_t)n - sizeof m);
  if (got > 0) g.state_len = m.len < got ? m.len : got;
  return 0;
}

int op_fork(const hz_opv *o, int *status) {
  /* the child waits for the gate to close so PID reaches the runtime before anything it sends */
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) < 0) return errno;
  /* CLONE_PARENT: the container process is the runtime's own child (runc's clone_parent), so the
   * runtime can wait for it without being a subreaper (run --no-subreaper) */
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) {
    int e = errno;
    close(gate[0]);
    close(gate[1]);
    return e;
  }
  if (pid > 0) {
    close(gate[0]);
    send_msg(HZ_MSG_PID, g.index, 0, pid, 0);
    die(0);
  }
  close(gate[1]);
  char c;
  ssize_t n;
  do n = read(gate[0], &c, 1);
  while (n < 0 && errno == EINTR);
  close(gate[0]);
  return 0;
}

int op_ready(const hz_opv *o, int *status) {
  int err = send_msg(HZ_MSG_READY, g.index, 0, 0, 0);
  if (err) return err;
  g.ready = true;
  return 0;
}

int seccomp_listener_handoff(int fd) {
  if (g.sync_fd < 0) {
    close(fd);
    return EBADF;
  }
  hz_msg m;
  memset(&m, 0, sizeof m);
  m.type = HZ_MSG_SECCOMP_FD;
  m.op = g.index;
  int err = send_fd(g.sync_fd, &m, sizeof m, fd);
  close(fd); /* the container must never hold its own listener */
  if (err) return err;
  hz_msg reply;
  ssize_t n;
  do n = recv(g.sync_fd, &reply, sizeof reply, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  if (n == 0) die(1); /* the runtime went away: stop silently */
  if ((size_t)n < sizeof reply) return EPROTO;
  if (reply.type == HZ_MSG_ABORT) die(1);
  if (reply.type != HZ_MSG_ACK) return EPROTO;
  return 0;
}

/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv) {
  if (argc < 3) die(2);
  int sync_fd = parse_fd(argv[1]);
  int plan_fd = parse_fd(argv[2]);
  if (sync_fd < 0 || plan_fd < 0) die(2);
  fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
  fcntl(plan_fd, F_SETFD, FD_CLOEXEC);
  g.sync_fd = sync_fd;

  struct stat st;
  if (fstat(plan_fd, &st) < 0) fail(-1, errno, 0);
  size_t size = (size_t)st.st_size;
  if (size < 12) fail(-1, EPROTO, 0);
  const uint8_t *plan = (const uint8_t *)mmap(nullptr, size, PROT_READ, MAP_PRIVATE, plan_fd, 0);
  if (plan == MAP_FAILED) fail(-1, errno, 0);
  close(plan_fd); /* the mapping stays */
  if (memcmp(plan, HZ_PLAN_MAGIC, 4) != 0 || rd32(plan + 4) != HZ_PLAN_VERSION) fail(-1, EPROTO, 0);
  uint32_t nops = rd32(plan + 8);
  if (nops > (size - 12) / 8) fail(-1, EPROTO, 0);

  /* index every op (and validate every argument) before running any */
  hz_opv *ops = nullptr;
  if (nops > 0) {
    void *m = mmap(nullptr, (size_t)nops * sizeof(hz_opv), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) fail(-1, errno, 0);
    ops = (hz_opv *)m;
  }
  size_t off = 12;
  for (uint32_t i = 0; i < nops; i++) {
    if (size - off < 8) fail((int)i, EPROTO, 0);
    hz_opv &o = ops[i];
    o.code = rd32(plan + off);
    o.nargs = rd32(plan + off + 4);
    off += 8;
    if (o.nargs > HZ_MAX_ARGS) fail((int)i, EINVAL, 0);
    for (uint32_t k = 0; k < o.nargs; k++) {
      if (size - off < 4) fail((int)i, EPROTO, 0);
      uint32_t len = rd32(plan + off);
      off += 4;
      if (size - off < len) fail((int)i, EPROTO, 0);
      o.a[k].p = plan + off;
      o.a[k].len = len;
      off += len;
    }
    const op_desc *d = find_op(o.code);
    if (!d) fail((int)i, ENOSYS, 0);
    if (strlen(d->sig) != o.nargs) fail((int)i, EINVAL, 0);
    for (uint32_t k = 0; k < o.nargs; k++)
      if (!arg_ok(d->sig[k], o.a[k])) fail((int)i, EINVAL, 0);
  }

  for (uint32_t i = 0; i < nops; i++) {
    g.index = (int)i;
    int status = 0;
    int err = find_op(ops[i].code)->fn(&ops[i], &status);
    if (err || status) fail((int)i, err, status);
  }
  die(0);
}
