/*
 * spawnInit mechanics: sealed memfds, the sync socket, and a vfork-like clone whose child only
 * makes raw, async-signal-safe syscalls before execveat(init memfd).
 *
 * Why so careful: Node is multi-threaded. After clone() only the calling thread exists in the
 * child; any lock (malloc, stdio, V8) another thread held stays held forever. So everything the
 * child needs is computed before the clone, and the child touches nothing but syscall().
 *
 * The clone is CLONE_VM | CLONE_VFORK, as posix_spawn's: the child borrows the runtime's address
 * space on a stack of its own until its execveat, and the calling thread sleeps until then. A
 * fork would copy the page tables of the whole runtime (a JavaScript engine: tens of MB) and then
 * make every page the runtime writes afterwards take a copy-on-write fault.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <string>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

namespace {

const int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

void set_err(hz_spawn_result *out, int err, const char *call) {
  out->err = err;
  out->call = call;
}

int memfd_new(const char *name, unsigned extra) {
  int fd = (int)syscall(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING | extra);
  /* kernels before 6.3 do not know MFD_EXEC/MFD_NOEXEC_SEAL */
  if (fd < 0 && errno == EINVAL && extra) fd = (int)syscall(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd;
}

int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* copy src (size bytes) into dst: sendfile, falling back to read/write */
int copy_fd(int dst, int src, off_t size) {
  off_t done = 0;
  while (done < size) {
    ssize_t n = sendfile(dst, src, nullptr, (size_t)(size - done));
    if (n < 0) {
      if (errno == EINTR) continue;
      if ((errno == EINVAL || errno == ENOSYS) && done == 0) break;
      return -1;
    }
    if (n == 0) break;
    done += n;
  }
  if (done == size) return 0;
  static uint8_t buf[64 * 1024];
  for (;;) {
    ssize_t n = read(src, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) return 0;
    if (write_all(dst, buf, (size_t)n) < 0) return -1;
  }
}

struct CachedInit {
  dev_t dev;
  ino_t ino;
  struct timespec mtime;
  off_t size;
  int fd;
};
std::map<std::string, CachedInit> g_init_cache;
std::mutex g_init_lock; /* the cache (and copy_fd's buffer) if several threads spawn */

/* The sealed memfd copy of the init binary (CVE-2019-5736): cached per path while the file is unchanged. */
int init_memfd(const char *path, hz_spawn_result *out) {
  int src = open(path, O_RDONLY | O_CLOEXEC);
  if (src < 0) return set_err(out, errno, "open"), -1;
  struct stat st;
  if (fstat(src, &st) < 0) {
    int e = errno;
    close(src);
    return set_err(out, e, "fstat"), -1;
  }
  auto it = g_init_cache.find(path);
  if (it != g_init_cache.end()) {
    const CachedInit &c = it->second;
    if (c.dev == st.st_dev && c.ino == st.st_ino && c.size == st.st_size && c.mtime.tv_sec == st.st_mtim.tv_sec &&
        c.mtime.tv_nsec == st.st_mtim.tv_nsec) {
      close(src);
      return c.fd;
    }
    close(c.fd);
    g_init_cache.erase(it);
  }
  int fd = memfd_new("hezi-init", MFD_EXEC);
  if (fd < 0) {
    int e = errno;
    close(src);
    return set_err(out, e, "memfd_create"), -1;
  }
  if (copy_fd(fd, src, st.st_size) < 0) {
    int e = errno;
    close(src);
    close(fd);
    return set_err(out, e, "sendfile"), -1;
  }
  close(src);
  if (fcntl(fd, F_ADD_SEALS, kSeals) < 0) {
    int e = errno;
    close(fd);
    return set_err(out, e, "fcntl"), -1;
  }
  g_init_cache[path] = CachedInit{st.st_dev, st.st_ino, st.st_mtim, st.st_size, fd};
  return fd;
}

/* a sealed memfd holding `len` bytes: the plan (MFD_NOEXEC_SEAL) or an init image (MFD_EXEC) */
int sealed_memfd(const char *name, unsigned extra, const uint8_t *data, size_t len, hz_spawn_result *out) {
  int fd = memfd_new(name, extra);
  if (fd < 0) return set_err(out, errno, "memfd_create"), -1;
  if (write_all(fd, data, len) < 0) {
    int e = errno;
    close(fd);
    return set_err(out, e, "write"), -1;
  }
  if (fcntl(fd, F_ADD_SEALS, kSeals) < 0) {
    int e = errno;
    close(fd);
    return set_err(out, e, "fcntl"), -1;
  }
  return fd;
}

/* ---- the child: raw syscalls only ------------------------------------------------------ */

/* the kernel's struct sigaction (x86_64/aarch64 layout): handler, flags, restorer, mask */
struct k_sigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  uint64_t mask;
};

enum ChildStep { ST_DUPFD, ST_DUP2, ST_CLOSE_RANGE, ST_SIGACTION, ST_SIGPROCMASK, ST_EXECVEAT, ST__N };
const char *const kStepCall[ST__N] = {"fcntl", "dup3", "close_range", "rt_sigaction", "rt_sigprocmask", "execveat"};

struct ChildCtx {
  int hi;          /* 5 + preserve_fds + n_extra: moved copies live at or above this */
  int preserve;    /* preserve_fds */
  int err_w;       /* error pipe, write end (CLOEXEC) */
  int exec_fd;     /* init memfd */
  int sync_child;  /* child's end of the socket pair */
  int plan_fd;     /* plan memfd */
  int stdio[3];    /* < 0: keep the parent's fd i */
  int extra[HZ_SPAWN_MAX_EXTRA]; /* placed at 5 + preserve, 6 + preserve, ... */
  int n_extra;
  long max_fd;     /* fallback bound when close_range is missing */
  char *const *argv;
  char *const *envp;
};

[[noreturn]] void child_fail(int err_w, int step, int err) {
  int msg[2] = {step, err};
  if (err_w >= 0) syscall(SYS_write, err_w, msg, sizeof msg);
  for (;;) syscall(SYS_exit_group, 127);
}

/* F_DUPFD_CLOEXEC to >= hi; returns the new fd or fails the child */
int child_move(const ChildCtx &c, int err_w, int fd) {
  long r = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, c.hi);
  if (r < 0) child_fail(err_w, ST_DUPFD, errno);
  return (int)r;
}

[[noreturn]] void child_main(const ChildCtx &c) {
  /* 1. signal dispositions back to default while everything is still blocked (the parent blocked
   *    all signals around clone, so no Node handler can run in here) */
  struct k_sigaction dfl;
  dfl.handler = (void *)SIG_DFL;
  dfl.flags = 0;
  dfl.restorer = nullptr;
  dfl.mask = 0;
  int err_w = c.err_w;
  for (int sig = 1; sig <= 64; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    if (syscall(SYS_rt_sigaction, sig, &dfl, nullptr, 8) < 0 && errno != EINVAL) child_fail(err_w, ST_SIGACTION, errno);
  }

  /* 2. everything we still need goes above the fd range being laid out */
  if (err_w < c.hi) err_w = child_move(c, err_w, err_w);
  int exec_fd = child_move(c, err_w, c.exec_fd);
  int sync_fd = child_move(c, err_w, c.sync_child);
  int plan_fd = child_move(c, err_w, c.plan_fd);
  int in[3];
  for (int i = 0; i < 3; i++) in[i] = c.stdio[i] >= 0 ? child_move(c, err_w, c.stdio[i]) : -1;
  int extra[HZ_SPAWN_MAX_EXTRA];
  for (int k = 0; k < c.n_extra; k++) extra[k] = child_move(c, err_w, c.extra[k]);
  /* our own originals must not show up among the preserved fds 3..3+preserve-1 */
  const int ours[4] = {c.err_w, c.exec_fd, c.sync_child, c.plan_fd};
  for (int k = 0; k < 4; k++)
    if (ours[k] >= 3 && ours[k] < c.hi) syscall(SYS_close, ours[k]);
  for (int k = 0; k < c.n_extra; k++)
    if (c.extra[k] >= 3 && c.extra[k] < c.hi) syscall(SYS_close, c.extra[k]);

  /* 3. stdio, preserved fds, sync and plan fds */
  for (int i = 0; i < 3; i++) {
    if (in[i] >= 0) {
      if (syscall(SYS_dup3, in[i], i, 0) < 0) child_fail(err_w, ST_DUP2, errno);
    } else {
      long fl = syscall(SYS_fcntl, i, F_GETFD);
      if (fl >= 0) syscall(SYS_fcntl, i, F_SETFD, fl & ~FD_CLOEXEC);
    }
  }
  /* fds 3..3+preserve-1 are left as they are (CVE-2024-21626): one the caller really passed was
   * inherited across its execve of hezi, so it is not CLOEXEC and crosses into the init; a CLOEXEC
   * one there is the runtime's own (Node, Bun and libuv open everything CLOEXEC: the state dir, its
   * lock, exec.fifo, pipes, eventfds) and vanishes at the execveat below */
  if (syscall(SYS_dup3, sync_fd, 3 + c.preserve, 0) < 0) child_fail(err_w, ST_DUP2, errno);
  if (syscall(SYS_dup3, plan_fd, 4 + c.preserve, 0) < 0) child_fail(err_w, ST_DUP2, errno);
  for (int k = 0; k < c.n_extra; k++)
    if (syscall(SYS_dup3, extra[k], 5 + c.preserve + k, 0) < 0) child_fail(err_w, ST_DUP2, errno);

  /* 4. nothing else crosses the exec */
  if (syscall(SYS_close_range, (unsigned)c.hi, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    if (errno != ENOSYS && errno != EINVAL) child_fail(err_w, ST_CLOSE_RANGE, errno);
    for (long fd = c.hi; fd < c.max_fd; fd++) {
      long fl = syscall(SYS_fcntl, fd, F_GETFD);
      if (fl >= 0 && !(fl & FD_CLOEXEC)) syscall(SYS_fcntl, fd, F_SETFD, fl | FD_CLOEXEC);
    }
  }

  /* 5. a clean signal mask, then the init */
  uint64_t none = 0;
  if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, 8) < 0) child_fail(err_w, ST_SIGPROCMASK, errno);
  syscall(SYS_execveat, exec_fd, "", c.argv, c.envp, AT_EMPTY_PATH);
  child_fail(err_w, ST_EXECVEAT, errno);
}

/* the child's entry on its own stack (clone(2)'s glibc wrapper switches to it) */
int child_entry(void *ctx) { child_main(*static_cast<const ChildCtx *>(ctx)); }

constexpr size_t kChildStack = 64 * 1024;

/* struct clone_args of <linux/sched.h> (v2, with cgroup), without that header's clashes with glibc's */
struct hz_clone_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;

/*
 * clone3 whose child runs fn(arg) on the stack `args` names and exits with its result, never
 * returning through the caller's frames (it shares them with CLONE_VM): glibc exports no clone3
 * wrapper. x86-64 only; elsewhere the caller uses clone3 without CLONE_VM.
 */
#if defined(__x86_64__)
__attribute__((noinline)) long clone3_run(hz_clone_args *args, int (*fn)(void *), void *arg) {
  long ret;
  register long r8 __asm__("r8") = (long)fn;
  register long r9 __asm__("r9") = (long)arg;
  __asm__ volatile(
      "syscall\n\t"
      "testq %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xorl %%ebp, %%ebp\n\t" /* the child, on its new stack */
      "movq %%r9, %%rdi\n\t"
      "callq *%%r8\n\t"
      "movl %%eax, %%edi\n\t"
      "movl $60, %%eax\n\t" /* SYS_exit */
      "syscall\n\t"
      "hlt\n"
      "1:\n\t"
      : "=a"(ret)
      : "0"((long)SYS_clone3), "D"(args), "S"(sizeof(hz_clone_args)), "r"(r8), "r"(r9)
      : "rcx", "r11", "memory");
  if (ret < 0) {
    errno = (int)-ret;
    return -1;
  }
  return ret;
}
#endif

/*
 * The child, born in the cgroup2 directory cgroup_fd. -1 with errno; ENOSYS/EINVAL/E2BIG mean
 * this kernel cannot (no clone3, or no CLONE_INTO_CGROUP).
 */
long spawn_into_cgroup(ChildCtx &c, void *stack, int cgroup_fd) {
  hz_clone_args a;
  memset(&a, 0, sizeof a);
  a.exit_signal = SIGCHLD;
  a.cgroup = (uint64_t)cgroup_fd;
#if defined(__x86_64__)
  a.flags = CLONE_VM | CLONE_VFORK | kCloneIntoCgroup;
  a.stack = (uint64_t)(uintptr_t)stack;
  a.stack_size = kChildStack;
  return clone3_run(&a, child_entry, &c);
#else
  /* no CLONE_VM: the child has a copy of everything, as after fork, and goes on right here */
  a.flags = CLONE_VFORK | kCloneIntoCgroup;
  long pid = syscall(SYS_clone3, &a, sizeof a);
  if (pid == 0) child_main(c);
  return pid;
#endif
}

}  // namespace

void hz_spawn_init(const char *init_path, const uint8_t *init_image, size_t init_len, const uint8_t *plan, size_t plan_len, const int stdio[3], int preserve_fds,
                   const int *extra_fds, int n_extra, int cgroup_fd, hz_spawn_result *out) {
  out->into_cgroup = 0;
  out->pid = -1;
  out->sync_fd = -1;
  out->err = 0;
  out->call = nullptr;
  if (preserve_fds < 0 || preserve_fds > 1 << 20) return set_err(out, EINVAL, "spawnInit");
  if (n_extra < 0 || n_extra > HZ_SPAWN_MAX_EXTRA) return set_err(out, EINVAL, "spawnInit");

  std::lock_guard<std::mutex> hold(g_init_lock);
  /* an image in memory (the standalone executable embeds it) gets a memfd of its own per call: a
   * runtime command spawns once; a path is copied once per process and cached */
  int exec_fd = init_image ? sealed_memfd("hezi-init", MFD_EXEC, init_image, init_len, out) : init_memfd(init_path, out);
  if (exec_fd < 0) return;
  int plan_fd = sealed_memfd("hezi-plan", MFD_NOEXEC_SEAL, plan, plan_len, out);
  if (plan_fd < 0) {
    if (init_image) close(exec_fd);
    return;
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    int e = errno;
    close(plan_fd);
    if (init_image) close(exec_fd);
    return set_err(out, e, "socketpair");
  }
  int ep[2];
  if (pipe2(ep, O_CLOEXEC) < 0) {
    int e = errno;
    close(plan_fd);
    close(sv[0]);
    close(sv[1]);
    if (init_image) close(exec_fd);
    return set_err(out, e, "pipe2");
  }

  /* everything the child needs, computed now */
  char sync_arg[16], plan_arg[16];
  snprintf(sync_arg, sizeof sync_arg, "%d", 3 + preserve_fds);
  snprintf(plan_arg, sizeof plan_arg, "%d", 4 + preserve_fds);
  char arg0[] = "hezi-init";
  char *argv[] = {arg0, sync_arg, plan_arg, nullptr};
  char *envp[] = {nullptr};
  struct rlimit rl;
  long max_fd = 1 << 16;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (1u << 20))
    max_fd = (long)rl.rlim_cur;

  ChildCtx c;
  c.hi = 5 + preserve_fds + n_extra;
  c.preserve = preserve_fds;
  c.err_w = ep[1];
  c.exec_fd = exec_fd;
  c.sync_child = sv[1];
  c.plan_fd = plan_fd;
  for (int i = 0; i < 3; i++) c.stdio[i] = stdio[i];
  c.n_extra = n_extra;
  for (int k = 0; k < n_extra; k++) c.extra[k] = extra_fds[k];
  c.max_fd = max_fd;
  c.argv = argv;
  c.envp = envp;

  /* the child's stack; it shares our memory (CLONE_VM), so it must not run on this thread's */
  void *stack = mmap(nullptr, kChildStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    int e = errno;
    close(plan_fd);
    close(sv[0]);
    close(sv[1]);
    close(ep[0]);
    close(ep[1]);
    if (init_image) close(exec_fd);
    return set_err(out, e, "mmap");
  }
  /* block every signal so no Node handler runs in the child between clone and its reset (the
   * child has its own copy of the handlers: no CLONE_SIGHAND). Without CLONE_SETTLS the child's
   * syscall() wrappers write this thread's errno: it is read here only when the clone failed. */
  uint64_t all = ~0ULL, old = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
  long pid = -1;
  int clone_errno = 0;
  const char *clone_call = "clone3";
  if (cgroup_fd >= 0) {
    pid = spawn_into_cgroup(c, stack, cgroup_fd);
    clone_errno = errno;
    if (pid > 0) out->into_cgroup = 1;
  }
  /* no cgroup2 directory, or a kernel that cannot clone into one: the caller moves the child */
  if (cgroup_fd < 0 || (pid < 0 && (clone_errno == ENOSYS || clone_errno == EINVAL || clone_errno == E2BIG))) {
    pid = clone(child_entry, static_cast<char *>(stack) + kChildStack, CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
    clone_errno = errno;
    clone_call = "clone";
  }
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, nullptr, 8);
  munmap(stack, kChildStack); /* the child has exec'd or exited: CLONE_VFORK waited for that */

  close(sv[1]);
  close(plan_fd);
  close(ep[1]);
  if (init_image) close(exec_fd);
  if (pid < 0) {
    close(sv[0]);
    close(ep[0]);
    return set_err(out, clone_errno, clone_call);
  }

  /* EOF: the exec happened (the pipe was CLOEXEC); 8 bytes: {step, errno} */
  int msg[2];
  ssize_t n;
  size_t got = 0;
  for (;;) {
    n = read(ep[0], (char *)msg + got, sizeof msg - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
    if (got == sizeof msg) break;
  }
  close(ep[0]);
  if (got == sizeof msg) {
    int st;
    while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR) {
    }
    close(sv[0]);
    int step = msg[0] >= 0 && msg[0] < ST__N ? msg[0] : ST_EXECVEAT;
    return set_err(out, msg[1], kStepCall[step]);
  }
  out->pid = (int)pid;
  out->sync_fd = sv[0];
}
