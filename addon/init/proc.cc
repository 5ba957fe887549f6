/* hezi-init: namespaces, identity, capabilities, hooks, exec. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

namespace {

const int kMaxStrv = 16384;
char *g_argv[kMaxStrv + 1];
char *g_envp[kMaxStrv + 1];

int64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int reap(pid_t pid, int *st) {
  for (;;) {
    if (waitpid(pid, st, 0) >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

/* wait for pid with a limit; 0 with *st set, or ETIMEDOUT after killing and reaping it */
int wait_timeout(pid_t pid, int64_t timeout_ms, int *st) {
  if (timeout_ms <= 0) return reap(pid, st);
  int64_t deadline = now_ms() + timeout_ms;
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  for (;;) {
    int64_t left = deadline - now_ms();
    if (left <= 0) break;
    if (pfd >= 0) {
      struct pollfd p = {pfd, POLLIN, 0};
      int n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
      if (n < 0 && errno != EINTR) break;
      if (n > 0) {
        close(pfd);
        return reap(pid, st);
      }
    } else {
      /* no pidfd_open (kernel < 5.3): poll with WNOHANG */
      pid_t r = waitpid(pid, st, WNOHANG);
      if (r == pid) return 0;
      if (r < 0 && errno != EINTR) return errno;
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, nullptr);
    }
  }
  if (pfd >= 0) close(pfd);
  kill(pid, SIGKILL);
  reap(pid, st);
  return ETIMEDOUT;
}

/* write the state into the hook's stdin without blocking and without dying of SIGPIPE */
void feed_state(int wfd) {
  if (g.state_len == 0) return;
  if (g.state_len > 65536) fcntl(wfd, F_SETPIPE_SZ, (int)g.state_len);
  fcntl(wfd, F_SETFL, O_NONBLOCK);
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigprocmask(SIG_BLOCK, &pipe_set, &old);
  int err = write_all(wfd, g.state, g.state_len);
  if (err == EPIPE) {
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero); /* drop the pending SIGPIPE */
  }
  sigprocmask(SIG_SETMASK, &old, nullptr);
}

int set_cloexec_from(unsigned from) {
  int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errno;
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, dfd, buf, sizeof buf);
    if (n < 0) {
      int e = errno;
      close(dfd);
      return e;
    }
    if (n == 0) break;
    for (long off = 0; off < n;) {
      struct dirent64 *d = (struct dirent64 *)(buf + off);
      off += d->d_reclen;
      const char *s = d->d_name;
      if (*s < '0' || *s > '9') continue;
      unsigned fd = 0;
      for (; *s >= '0' && *s <= '9'; s++) fd = fd * 10 + (unsigned)(*s - '0');
      if (fd < from || (int)fd == dfd) continue;
      int fl = fcntl((int)fd, F_GETFD);
      if (fl >= 0 && !(fl & FD_CLOEXEC)) fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC);
    }
  }
  close(dfd);
  return 0;
}

}  // namespace

/* ---- namespaces ---------------------------------------------------------------------- */

int op_setns(const hz_opv *o, int *status) {
  int fd = open(arg_str(o, 0), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = setns(fd, (int)arg_int(o, 1)) < 0 ? errno : 0;
  close(fd);
  return err;
}

int op_unshare(const hz_opv *o, int *status) { return unshare((int)arg_int(o, 0)) < 0 ? errno : 0; }

int op_setsid(const hz_opv *o, int *status) { return setsid() < 0 ? errno : 0; }

/* ---- identity and limits ------------------------------------------------------------- */

int op_sethostname(const hz_opv *o, int *status) {
  const char *s = arg_str(o, 0);
  return sethostname(s, strlen(s)) < 0 ? errno : 0;
}

int op_setdomainname(const hz_opv *o, int *status) {
  const char *s = arg_str(o, 0);
  return setdomainname(s, strlen(s)) < 0 ? errno : 0;
}

int op_setrlimit(const hz_opv *o, int *status) {
  struct rlimit rl;
  int64_t soft = arg_int(o, 1), hard = arg_int(o, 2);
  rl.rlim_cur = soft == -1 ? RLIM_INFINITY : (rlim_t)soft;
  rl.rlim_max = hard == -1 ? RLIM_INFINITY : (rlim_t)hard;
  return syscall(SYS_prlimit64, 0, (int)arg_int(o, 0), &rl, nullptr) < 0 ? errno : 0;
}

int op_personality(const hz_opv *o, int *status) {
  return personality((unsigned long)arg_int(o, 0)) == -1 ? errno : 0;
}

int op_umask(const hz_opv *o, int *status) {
  umask((mode_t)arg_int(o, 0));
  return 0;
}

int op_setgroups(const hz_opv *o, int *status) {
  if (o->a[0].len % 4) return EINVAL;
  /* raw: glibc's setxid broadcast is pointless in a single-threaded process */
  return syscall(SYS_setgroups, (size_t)(o->a[0].len / 4), o->a[0].p) < 0 ? errno : 0;
}

int op_setresgid(const hz_opv *o, int *status) {
  gid_t gid = (gid_t)arg_int(o, 0);
  return syscall(SYS_setresgid, gid, gid, gid) < 0 ? errno : 0;
}

int op_setresuid(const hz_opv *o, int *status) {
  uid_t uid = (uid_t)arg_int(o, 0);
  return syscall(SYS_setresuid, uid, uid, uid) < 0 ? errno : 0;
}

int op_keepcaps(const hz_opv *o, int *status) {
  return prctl(PR_SET_KEEPCAPS, arg_int(o, 0) ? 1 : 0, 0, 0, 0) < 0 ? errno : 0;
}

int op_caps_bounding(const hz_opv *o, int *status) {
  uint64_t keep = (uint64_t)arg_int(o, 0);
  int64_t last = arg_int(o, 1);
  for (int64_t c = 0; c <= last && c < 64; c++) {
    if (keep & (1ULL << c)) continue;
    if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) return errno;
  }
  return 0;
}

int op_capset(const hz_opv *o, int *status) {
  uint64_t eff = (uint64_t)arg_int(o, 0), perm = (uint64_t)arg_int(o, 1), inh = (uint64_t)arg_int(o, 2);
  struct __user_cap_header_struct hdr;
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  hdr.pid = 0;
  struct __user_cap_data_struct data[2];
  data[0].effective = (uint32_t)eff;
  data[0].permitted = (uint32_t)perm;
  data[0].inheritable = (uint32_t)inh;
  data[1].effective = (uint32_t)(eff >> 32);
  data[1].permitted = (uint32_t)(perm >> 32);
  data[1].inheritable = (uint32_t)(inh >> 32);
  return syscall(SYS_capset, &hdr, data) < 0 ? errno : 0;
}

int op_caps_ambient(const hz_opv *o, int *status) {
  uint64_t mask = (uint64_t)arg_int(o, 0);
  int64_t last = arg_int(o, 1);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) return errno;
  for (int64_t c = 0; c <= last && c < 64; c++) {
    if (!(mask & (1ULL << c))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, 0, 0) < 0) return errno;
  }
  return 0;
}

int op_no_new_privs(const hz_opv *o, int *status) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? errno : 0; }

int op_seccomp(const hz_opv *o, int *status) {
  if (o->a[0].len % sizeof(struct sock_filter) || o->a[0].len / sizeof(struct sock_filter) > 0xffff) return EINVAL;
  struct sock_fprog prog;
  prog.len = (unsigned short)(o->a[0].len / sizeof(struct sock_filter));
  prog.filter = (struct sock_filter *)o->a[0].p;
  unsigned flags = (unsigned)arg_int(o, 1);
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0) return errno;
  /* a notify filter: the listener fd goes to the runtime (for the seccomp agent), never to the container */
  if (flags & (1u << 3) /* SECCOMP_FILTER_FLAG_NEW_LISTENER */) return seccomp_listener_handoff((int)r);
  return 0;
}

int op_loopback_up(const hz_opv *o, int *status) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, "lo", 3);
  int err = 0;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) err = errno;
  else if (!(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) err = errno;
  }
  close(fd);
  return err;
}

int op_join_keyring(const hz_opv *o, int *status) {
  /* KEYCTL_JOIN_SESSION_KEYRING = 1, KEYCTL_SETPERM = 5 */
  long id = syscall(SYS_keyctl, 1, arg_str(o, 0), 0, 0, 0);
  if (id < 0) return errno == ENOSYS ? 0 : errno;
  if (syscall(SYS_keyctl, 5, id, (unsigned long)arg_int(o, 1), 0, 0) < 0) return errno;
  return 0;
}

int op_dumpable(const hz_opv *o, int *status) {
  return prctl(PR_SET_DUMPABLE, arg_int(o, 0) ? 1 : 0, 0, 0, 0) < 0 ? errno : 0;
}

/* ---- scheduling, I/O priority, affinity, memory policy ------------------------------ */

int op_ioprio_set(const hz_opv *o, int *status) {
  /* IOPRIO_WHO_PROCESS = 1, who = 0: this process */
  return syscall(SYS_ioprio_set, 1, 0, (int)arg_int(o, 0)) < 0 ? errno : 0;
}

int op_sched_setattr(const hz_opv *o, int *status) {
  struct {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
  } attr;
  memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr; /* SCHED_ATTR_SIZE_VER1: 56 */
  attr.policy = (uint32_t)arg_int(o, 0);
  attr.flags = (uint64_t)arg_int(o, 1);
  attr.nice = (int32_t)arg_int(o, 2);
  attr.priority = (uint32_t)arg_int(o, 3);
  attr.runtime = (uint64_t)arg_int(o, 4);
  attr.deadline = (uint64_t)arg_int(o, 5);
  attr.period = (uint64_t)arg_int(o, 6);
  return syscall(SYS_sched_setattr, 0, &attr, 0) < 0 ? errno : 0;
}

int op_sched_setaffinity(const hz_opv *o, int *status) {
  if (o->a[0].len == 0 || o->a[0].len % 8) return EINVAL;
  return syscall(SYS_sched_setaffinity, 0, (size_t)o->a[0].len, o->a[0].p) < 0 ? errno : 0;
}

int op_set_mempolicy(const hz_opv *o, int *status) {
  uint32_t len = o->a[1].len;
  if (len % 8) return EINVAL;
  const void *mask = len ? o->a[1].p : nullptr;
  unsigned long maxnode = len ? (unsigned long)len * 8 + 1 : 0;
  return syscall(SYS_set_mempolicy, (int)arg_int(o, 0), mask, maxnode) < 0 ? errno : 0;
}

/* ---- hooks and start ----------------------------------------------------------------- */

int op_run_hook(const hz_opv *o, int *status) {
  const char *path = arg_str(o, 0);
  if (arg_strv(o, 1, g_argv, kMaxStrv) < 0 || arg_strv(o, 2, g_envp, kMaxStrv) < 0) return E2BIG;
  int64_t timeout = arg_int(o, 3);
  int in[2], ep[2];
  if (pipe2(in, O_CLOEXEC) < 0) return errno;
  if (pipe2(ep, O_CLOEXEC) < 0) {
    int e = errno;
    close(in[0]);
    close(in[1]);
    return e;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(in[0]);
    close(in[1]);
    close(ep[0]);
    close(ep[1]);
    return e;
  }
  if (pid == 0) {
    int err = 0;
    if (in[0] == 0) {
      if (fcntl(0, F_SETFD, 0) < 0) err = errno;
    } else if (dup2(in[0], 0) < 0) {
      err = errno;
    }
    if (!err) {
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execve(path, g_argv, g_envp);
      err = errno;
    }
    write_all(ep[1], &err, sizeof err);
    _exit(127);
  }
  close(in[0]);
  close(ep[1]);
  feed_state(in[1]);
  close(in[1]);
  int exec_err = 0;
  ssize_t n;
  do n = read(ep[0], &exec_err, sizeof exec_err);
  while (n < 0 && errno == EINTR);
  close(ep[0]);
  int st = 0;
  if (n == (ssize_t)sizeof exec_err) {
    reap(pid, &st);
    return exec_err ? exec_err : ENOEXEC;
  }
  int err = wait_timeout(pid, timeout, &st);
  if (err) return err;
  if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) *status = st;
  return 0;
}

int op_lookup_exec(const hz_opv *o, int *status) {
  const char *p = (const char *)o->a[0].p;
  const char *end = p + o->a[0].len;
  int first = 0;
  for (; p < end; p += strlen(p) + 1) {
    struct stat st;
    int err = 0;
    if (stat(p, &st) < 0)
      err = errno;
    else if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
      err = EACCES;
    else if (access(p, X_OK) < 0)
      err = errno;
    if (!err) {
      g.exec_path = p;
      return 0;
    }
    if (err != ENOENT && !first) first = err;
  }
  return first ? first : ENOENT;
}

int op_close_fds(const hz_opv *o, int *status) {
  unsigned from = (unsigned)arg_int(o, 0);
  if (syscall(SYS_close_range, from, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  /* ENOSYS/EINVAL: an old kernel; EPERM: a seccomp profile that predates close_range (Docker's
   * older default) is already loaded: set FD_CLOEXEC one by one, as runc does */
  return set_cloexec_from(from);
}

int op_exec(const hz_opv *o, int *status) {
  int argc = arg_strv(o, 0, g_argv, kMaxStrv);
  if (argc < 0 || arg_strv(o, 1, g_envp, kMaxStrv) < 0) return E2BIG;
  const char *path = g.exec_path ? g.exec_path : g_argv[0];
  if (!path) return ENOENT;
  execve(path, g_argv, g_envp);
  int err = errno;
  if (!g.ready) return err; /* the runtime is listening: report it as the op's failure */
  put_str(2, "exec ");
  put_str(2, path);
  put_str(2, ": ");
  put_str(2, errno_desc(err));
  put_str(2, "\n");
  die(127);
}

int op_dup2(const hz_opv *o, int *status) {
  return dup2((int)arg_int(o, 0), (int)arg_int(o, 1)) < 0 ? errno : 0;
}
