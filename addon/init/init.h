/*
 * hezi-init internals. C-style C++: no heap, no exceptions, no RTTI, no libstdc++.
 * Every op is one function `int op_xxx(const hz_opv *o, int *status)` returning 0 or an errno;
 * main.cc validates the plan, dispatches in order and reports the first failure.
 */
#ifndef HEZI_INIT_H
#define HEZI_INIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "plan_abi.h"

#define HZ_MAX_ARGS 12
/* detached mount trees the plan may hold at once (IDMAP_TREE's id-mapped ones and OPEN_TREE's
   bind sources of a user-namespaced container; src/config/validate.ts MAX_TREES) */
#define HZ_MAX_TREES 1024

struct hz_arg {
  const uint8_t *p;
  uint32_t len;
};

struct hz_opv {
  uint32_t code;
  uint32_t nargs;
  hz_arg a[HZ_MAX_ARGS];
};

struct hz_init_state {
  int sync_fd;             /* -1 once closed (WAIT_FIFO) */
  int fifo_fd;             /* O_PATH fd from OPEN_FIFO, -1 if none */
  bool ready;              /* READY was sent: the runtime may be gone */
  int index;               /* the op being executed */
  const char *exec_path;   /* LOOKUP_EXEC result (points into the plan mapping) */
  uint8_t *state;          /* bytes for hooks' stdin (static buffer of HZ_MSG_MAX_PAYLOAD) */
  uint32_t state_len;
  int mounts[HZ_MOUNT_SLOTS]; /* MOUNT_AT's kept mount fds, -1 when empty */
  int fifo_wfd;            /* exec.fifo opened for writing by a deferring WAIT_FIFO, -1 if none */
  bool chdir_pending;      /* a CHDIR with mode 1 was refused (EACCES/EPERM): the mode 2 one retries */
};
extern hz_init_state g;

/* ---- util.cc ---- */
int64_t arg_int(const hz_opv *o, int k);
/* one sendmsg carrying `data` and `fd` as SCM_RIGHTS; 0 or errno */
int send_fd(int sock, const void *data, size_t len, int fd);
const char *arg_str(const hz_opv *o, int k);         /* never NULL */
const char *arg_str_or_null(const hz_opv *o, int k); /* "" → NULL */
/* NUL-separated list → out[0..n-1], out[n] = NULL. Returns n, or -1 (E2BIG) when more than max. */
int arg_strv(const hz_opv *o, int k, char **out, int max);
/* decimal of v into buf (at least 24 bytes); returns buf */
char *fmt_u64(char *buf, uint64_t v);
/* "/proc/self/fd/<fd>" into buf (at least 32 bytes); returns buf */
char *fd_path(char *buf, int fd);
/* write all of s to fd, ignoring errors */
void put_str(int fd, const char *s);
int write_all(int fd, const void *p, size_t n); /* 0 or errno */
const char *errno_desc(int err);
/* send one message on the sync socket (if open); 0 or errno */
int send_msg(uint32_t type, int32_t op, int32_t err, int32_t pid, int32_t status);
[[noreturn]] void die(int code);
/* openat2(dfd, path, {flags, mode, resolve}); the fd, or -1 with errno */
int openat2_res(int dfd, const char *path, int flags, mode_t mode, uint64_t resolve);
/* fstat of fd into *st: 0 or errno, ELOOP when fd (an O_PATH|O_NOFOLLOW one) is a symlink */
int fstat_nolink(int fd, struct stat *st);
/* open_tree(dfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | flags): a detached copy of the mount
 * at path (AT_EMPTY_PATH: at dfd itself; AT_RECURSIVE: with the mounts below); -1 with errno */
int clone_mount(int dfd, const char *path, unsigned flags);
/* move_mount of the detached mount `mnt` onto what the fd `target` refers to; 0 or errno */
int move_onto(int mnt, int target);

/* ---- fs.cc: filesystem ops ---- */
int op_write_file(const hz_opv *o, int *status);
int op_write_proc(const hz_opv *o, int *status);
int op_mount(const hz_opv *o, int *status);
int op_mount_at(const hz_opv *o, int *status);
int op_hide_mount(const hz_opv *o, int *status);
int op_mount_setattr(const hz_opv *o, int *status);
int op_mkdir_all(const hz_opv *o, int *status);
int op_touch(const hz_opv *o, int *status);
int op_mknod(const hz_opv *o, int *status);
int op_symlink(const hz_opv *o, int *status);
int op_chdir(const hz_opv *o, int *status);
int op_pivot_root(const hz_opv *o, int *status);
int op_bind_cwd(const hz_opv *o, int *status);
int op_move_root(const hz_opv *o, int *status);
int op_chroot(const hz_opv *o, int *status);
int op_loopback_up(const hz_opv *o, int *status);
int op_join_keyring(const hz_opv *o, int *status);
int op_mask_path(const hz_opv *o, int *status);
int op_readonly_path(const hz_opv *o, int *status);
int op_remount_ro(const hz_opv *o, int *status);
int op_chown(const hz_opv *o, int *status);
int op_open_fifo(const hz_opv *o, int *status);
int op_wait_fifo(const hz_opv *o, int *status);
int op_release_fifo(const hz_opv *o, int *status);

/* ---- idmap.cc: detached trees (id-mapped mounts, bind sources before a user namespace) ---- */
int op_idmap_tree(const hz_opv *o, int *status);
int op_open_tree(const hz_opv *o, int *status);
/* the detached tree IDMAP_TREE or OPEN_TREE kept in slot (the slot is emptied), or -1 with EBADF */
int take_tree(int64_t slot);

/* ---- proc.cc: namespaces, identity, hooks, exec ---- */
int op_setns(const hz_opv *o, int *status);
int op_unshare(const hz_opv *o, int *status);
int op_setsid(const hz_opv *o, int *status);
int op_sethostname(const hz_opv *o, int *status);
int op_setdomainname(const hz_opv *o, int *status);
int op_setrlimit(const hz_opv *o, int *status);
int op_personality(const hz_opv *o, int *status);
int op_umask(const hz_opv *o, int *status);
int op_setgroups(const hz_opv *o, int *status);
int op_setresgid(const hz_opv *o, int *status);
int op_setresuid(const hz_opv *o, int *status);
int op_keepcaps(const hz_opv *o, int *status);
int op_caps_bounding(const hz_opv *o, int *status);
int op_capset(const hz_opv *o, int *status);
int op_caps_ambient(const hz_opv *o, int *status);
int op_no_new_privs(const hz_opv *o, int *status);
int op_seccomp(const hz_opv *o, int *status);
int op_dumpable(const hz_opv *o, int *status);
int op_ioprio_set(const hz_opv *o, int *status);
int op_sched_setattr(const hz_opv *o, int *status);
int op_sched_setaffinity(const hz_opv *o, int *status);
int op_set_mempolicy(const hz_opv *o, int *status);
int op_run_hook(const hz_opv *o, int *status);
int op_lookup_exec(const hz_opv *o, int *status);
int op_close_fds(const hz_opv *o, int *status);
int op_exec(const hz_opv *o, int *status);
int op_dup2(const hz_opv *o, int *status);

/* ---- tty.cc: the console ---- */
int op_console(const hz_opv *o, int *status);
int op_setctty(const hz_opv *o, int *status);

/* ---- main.cc: ops that talk to the runtime ---- */
int op_sync(const hz_opv *o, int *status);
int op_fork(const hz_opv *o, int *status);
int op_ready(const hz_opv *o, int *status);
/* send the seccomp listener fd as HZ_MSG_SECCOMP_FD (SCM_RIGHTS), close it, wait for ACK; 0 or errno */
int seccomp_listener_handoff(int fd);

#endif
