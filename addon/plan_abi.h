/*
 * hezi plan ABI: the contract between the TypeScript planner (src/plan/encode.ts) and the C++
 * init executable (addon/init/). Keep the two in step; bump HZ_PLAN_VERSION on any change.
 *
 * The plan is a byte string in a sealed memfd handed to the init at fd `plan_fd` (argv[2]).
 * Layout (all integers little-endian, no padding, no alignment):
 *
 *   char     magic[4] = "HZP1"
 *   uint32   version  = HZ_PLAN_VERSION
 *   uint32   nops
 *   nops x op:
 *     uint32 code      (enum hz_op)
 *     uint32 nargs
 *     nargs x arg:
 *       uint32 len
 *       uint8  data[len]
 *
 * Argument kinds (the op table below says which argument is which kind):
 *   int   : len == 8, int64 little-endian
 *   str   : NUL-terminated; len counts the NUL. An empty string (len 1) means "none"/NULL where
 *           the op says so.
 *   strv  : a sequence of NUL-terminated strings, concatenated; len counts every NUL. The count
 *           is the number of NULs. (An empty list has len 0.)
 *   bytes : raw bytes.
 *
 * The init executes ops strictly in order, index 0..nops-1. On the first failing op it sends
 * HZ_MSG_ERROR {op = index, err = errno} (and `status` for RUN_HOOK) and exits 1. It never prints
 * anything itself except after a successful start (EXEC failure → stderr + exit 127): every
 * sentence is written by TypeScript from {op index, errno}.
 *
 * Sync socket (fd `sync_fd`, argv[1]) is an AF_UNIX SOCK_SEQPACKET socket: one hz_msg header per
 * packet, followed by `len` payload bytes in the same packet.
 */
#ifndef HEZI_PLAN_ABI_H
#define HEZI_PLAN_ABI_H

#include <stdint.h>

#define HZ_PLAN_MAGIC "HZP1"
#define HZ_PLAN_VERSION 5u

/* argv of the init: { "hezi-init", "<sync_fd>", "<plan_fd>", NULL } */

enum hz_op : uint32_t {
  /* --- namespaces --------------------------------------------------------------------- */
  HZ_OP_SETNS = 1,         /* (str path, int nstype)  open(path,O_RDONLY|O_CLOEXEC); setns(fd,nstype) */
  HZ_OP_UNSHARE = 2,       /* (int flags)             unshare(flags) */
  HZ_OP_SYNC = 3,          /* (int tag)               send SYNC{op=index,pid=tag}; block for the reply.
                              reply ACK: go on (a payload, if any, replaces the stored "state" bytes
                              given to hooks' stdin); reply ABORT or EOF: _exit(1) silently. */
  HZ_OP_WRITE_FILE = 4,    /* (str path, bytes data)  open(path,O_WRONLY|O_CLOEXEC) (no create); write all */
  HZ_OP_WRITE_PROC = 7,    /* (str rel, bytes data)  write a file of the procfs at /proc, verified: "/proc" is
                              reached without symlinks and is the root of a procfs mount; rel is opened
                              O_WRONLY beneath it with RESOLVE_BENEATH | RESOLVE_NO_XDEV |
                              RESOLVE_NO_MAGICLINKS (no mount inside /proc is crossed, so nothing bound
                              over a proc file can take the write). Not procfs: EMEDIUMTYPE; a mount
                              crossed: EXDEV. For LSM attributes (attr/exec). */
  HZ_OP_FORK = 5,          /* ()  clone(CLONE_PARENT | SIGCHLD): the child is the runtime's child. The
                              caller sends PID{pid=child's pid} and _exit(0) at once.
                              The child carries on with the next op. */
  HZ_OP_SETSID = 6,        /* ()  setsid() */

  /* --- filesystem ----------------------------------------------------------------------
   * Every filesystem op that takes (str root, str rel) resolves its target like this:
   *   root == "" : rel is an ordinary path used as is (absolute or relative to the cwd).
   *   root != "" : rel is resolved inside root with openat2(RESOLVE_IN_ROOT) so symlinks in the
   *                container's rootfs cannot escape it (CVE-2021-30465 class). MOUNT_AT
   *                mounts onto the resolved O_PATH fd itself (move_mount), and every later step
   *                on that mount acts on its fd (MOUNT_SETATTR), never on the path again.
   */
  HZ_OP_MOUNT = 10,        /* (str src|"", str root, str rel, str fstype|"", int flags, str data|"")
                              mount(src, rel, fstype, flags, data). "" → NULL. Host paths only: root
                              must be "" (else EINVAL); mounts inside a root are MOUNT_AT. */
  HZ_OP_MOUNT_SETATTR = 11,/* (int slot, int attr_set, int attr_clr, int propagation, int flags)
                              mount_setattr(the mount in slot, "", AT_EMPTY_PATH | flags, ...) where flags
                              may carry AT_RECURSIVE: on the mount MOUNT_AT made, never on a path
                              resolved again. An empty slot: EBADF. */
  HZ_OP_MKDIR_ALL = 12,    /* (str root, str rel, int mode, int no_symlinks)  mkdir -p; existing dirs are
                              fine; an existing non-directory is ENOTDIR. no_symlinks != 0: every
                              component is resolved with RESOLVE_NO_SYMLINKS (a symlink: ELOOP). */
  HZ_OP_TOUCH = 13,        /* (str root, str rel, int mode)  make parents (0755) and create the file
                              (O_CREAT, no O_TRUNC) if missing; an existing file is fine. */
  HZ_OP_MKNOD = 14,        /* (str root, str rel, int mode, int dev, int uid, int gid)
                              remove an existing non-directory at the path first (unlink, ENOENT ok),
                              mknodat(mode incl. S_IFCHR/S_IFBLK/S_IFIFO, dev) in the resolved parent; then
                              the node is opened O_PATH|O_NOFOLLOW and checked to be what was made (a
                              symlink swapped in: ELOOP; another file: EEXIST), and chown(uid,gid) and
                              chmod(mode & 07777) act on that fd (fchmodat2 AT_EMPTY_PATH, else
                              /proc/self/fd/N): never on the name again. The umask does not reduce
                              the mode. dev = makedev(major,minor)
                              as computed by TS: ((minor & 0xff) | ((major & 0xfff) << 8) |
                              ((minor & ~0xff) << 12) | ((major & ~0xfff) << 32)). */
  HZ_OP_SYMLINK = 15,      /* (str target, str root, str rel, int ignore_exist)  symlink(target, path) */
  HZ_OP_CHDIR = 16,        /* (str path, int mode)  chdir(path), then getcwd: a cwd outside the process's root
                              ("(unreachable)/...", e.g. through /proc/self/fd/N of a host directory,
                              CVE-2024-21626) is EXDEV. mode 1: EACCES/EPERM is not an error yet: a
                              later CHDIR with mode 2 retries it, and does nothing otherwise (runc:
                              before dropping privileges, and again after). mode 0: always. */
  HZ_OP_PIVOT_ROOT = 17,   /* (str newroot)  chdir(newroot); pivot_root(".", "."); umount2(".", MNT_DETACH);
                              chdir("/") */
  HZ_OP_MOVE_ROOT = 18,    /* (str newroot)  chdir(newroot); mount(newroot, "/", NULL, MS_MOVE, NULL);
                              chroot("."); chdir("/") */
  HZ_OP_MASK_PATH = 19,    /* (str path)  path is inside the (already pivoted) root, opened O_PATH|O_NOFOLLOW:
                              ENOENT: nothing to do; a symlink: ELOOP (refused, not followed). A
                              directory: a new read-only tmpfs (fsopen/fsmount) moved onto the fd.
                              Otherwise: "/dev/null" opened O_PATH|O_NOFOLLOW must be the char device
                              1:3 (else EMEDIUMTYPE), and a clone of it (open_tree) is moved onto the fd. */
  HZ_OP_READONLY_PATH = 20,/* (str path)  opened O_PATH|O_NOFOLLOW: ENOENT: nothing to do; a symlink:
                              ELOOP. Else a recursive clone of it (open_tree OPEN_TREE_CLONE |
                              AT_RECURSIVE) gets MOUNT_ATTR_RDONLY on its top mount (its other flags
                              kept) and is moved onto the fd. */
  HZ_OP_REMOUNT_RO = 21,   /* (str path, int extra_flags)  like the second half of READONLY_PATH:
                              mount("", path, NULL, MS_REMOUNT|MS_BIND|MS_RDONLY|kept flags|extra, NULL).
                              Used for a read-only root and for bind mounts with "ro". */
  HZ_OP_CHOWN = 22,        /* (str path, int uid, int gid) */
  HZ_OP_LOOPBACK_UP = 24,  /* ()  bring "lo" up in the current network namespace (SIOCGIFFLAGS, then
                              SIOCSIFFLAGS with IFF_UP), as runc and crun do for a new netns */
  HZ_OP_CHROOT = 23,       /* (str newroot)  chdir(newroot); chroot("."); chdir("/"). For containers
                              without a mount namespace (as runc does), where pivot_root/MS_MOVE would
                              change the host's root. PIVOT_ROOT, MOVE_ROOT and CHROOT close every
                              mount slot (they belong to the old view). */
  HZ_OP_MOUNT_AT = 25,     /* (str src|"", str root, str rel, str fstype|"", strv options, int attr_set,
                              int attr_clr, int mflags, int slot, int magic, int tree, int cleared)
                              A mount inside root (root != ""), made on fds only (CVE-2021-30465,
                              CVE-2019-19921 class):
                              1. the target: rel resolved in root (openat2 RESOLVE_IN_ROOT |
                                 RESOLVE_NO_MAGICLINKS, O_PATH); HZ_MNT_NO_SYMLINKS adds
                                 RESOLVE_NO_SYMLINKS and O_DIRECTORY (ELOOP / ENOTDIR);
                                 HZ_MNT_NOT_ON_PROCFS: a target on a procfs is EXDEV.
                              2. the mount, detached: HZ_MNT_BIND: open_tree(src, OPEN_TREE_CLONE [|
                                 AT_RECURSIVE with HZ_MNT_REC]) (tree >= 0: instead, the tree
                                 IDMAP_TREE or OPEN_TREE keeps in that tree slot, the slot emptied), then
                                 mount_setattr(attr_set, attr_clr) on it when either is set (a bind's
                                 remount flags; EPERM, flags a user namespace locked: once more with
                                 the clone's own ro/nosuid/nodev/noexec/nodiratime/atime (fstatfs)
                                 kept, unless `cleared` names one it has, or its _ATIME bits a
                                 different atime than the clone's: then EPERM, as runc >= 1.2;
                                 HZ_MNT_LOCKED: straight to that second try);
                                 else fsopen(fstype), fsconfig "source"=src (when set), each option
                                 "key=value" as a string or "key" as a flag, create,
                                 fsmount(attr_set). HZ_MNT_COPY_UP (tmpcopyup): fsmount without
                                 MOUNT_ATTR_RDONLY; the directory at the target (reopened O_RDONLY)
                                 copied into the detached mount entry by entry (openat O_NOFOLLOW;
                                 owner, mode, times; symlinks as symlinks; special files by mknod;
                                 depth 128 at most, ELOOP beyond); its root gets the directory's
                                 owner, and with HZ_MNT_COPY_MODE its mode; then MOUNT_ATTR_RDONLY if
                                 attr_set has it.
                              3. magic != 0: fstatfs of the new mount must say magic (EMEDIUMTYPE).
                              4. move_mount onto the target fd.
                              5. magic != 0: rel resolved again (same flags) must be that very mount
                                 (statx mnt_id) with that magic, else EMEDIUMTYPE: what is at the path
                                 now is what was mounted.
                              6. slot >= 0 (< HZ_MOUNT_SLOTS): the mount's fd is kept there for
                                 MOUNT_SETATTR (replacing and closing what the slot held). */
  HZ_OP_IDMAP_TREE = 27,   /* (str src, int recursive_tree, int recursive_map, str userns_path|"",
                              bytes uid_map, bytes gid_map, int tree)  open_tree(src, OPEN_TREE_CLONE
                              [| AT_RECURSIVE]); the user namespace userns_path, or else a new one with
                              these maps (a helper child cloned with CLONE_NEWUSER, its maps written by
                              the init, /proc/<child>/ns/user opened, the child reaped); mount_setattr(
                              MOUNT_ATTR_IDMAP [| AT_RECURSIVE]) on the clone, kept in tree slot `tree`
                              (0..HZ_MAX_TREES-1) for MOUNT_AT. Runs before the init enters any user namespace:
                              only a process privileged over the source's filesystem may idmap it. */
  HZ_OP_OPEN_TREE = 28,    /* (str path, int tree, int recursive)  fd = open_tree(path, OPEN_TREE_CLONE |
                              OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0)) into tree slot `tree`
                              (0..HZ_MAX_TREES-1, which must be empty), while still the host's root: a
                              detached copy of a bind mount's source, which the user namespace's root
                              could not have reached (runc's mount source fds); MOUNT_AT uses it. */
  HZ_OP_BIND_CWD = 29,     /* (int recursive)  the working directory bound onto itself: fd = open_tree(AT_FDCWD,
                              ".", OPEN_TREE_CLONE [| AT_RECURSIVE]); move_mount(fd, "", AT_FDCWD, ".",
                              MOVE_MOUNT_F_EMPTY_PATH); fchdir(fd): the cwd is the new mount's root. The
                              rootfs of a new mount namespace, entered by CHDIR while the init was still
                              the host's root: a user namespace's root may not be able to look up its
                              path (a 0700 bundle directory); ops then name the root ".". */
  HZ_OP_HIDE_MOUNT = 26,   /* (str path)  a mount of the runtime's view that the container must not
                              reach (--no-pivot: the host's procfs and sysfs): mount(NULL, path,
                              MS_SLAVE|MS_REC) (ENOENT: gone already, nothing to do), then
                              umount2(path, MNT_DETACH); EINVAL/EPERM: cover it with an empty read-only
                              tmpfs instead. */

  /* --- identity and limits ------------------------------------------------------------ */
  HZ_OP_SETHOSTNAME = 30,  /* (str name) */
  HZ_OP_SETDOMAINNAME = 31,/* (str name) */
  HZ_OP_SETRLIMIT = 32,    /* (int resource, int soft, int hard)  prlimit(0, ...); -1 means RLIM_INFINITY */
  HZ_OP_PERSONALITY = 33,  /* (int persona) */
  HZ_OP_UMASK = 34,        /* (int mask) */
  HZ_OP_SETGROUPS = 35,    /* (bytes gids: uint32 array) setgroups(n, gids); n may be 0 */
  HZ_OP_SETRESGID = 36,    /* (int gid) setresgid(gid,gid,gid) */
  HZ_OP_SETRESUID = 37,    /* (int uid) setresuid(uid,uid,uid) */
  HZ_OP_KEEPCAPS = 38,     /* (int on) prctl(PR_SET_KEEPCAPS, on) */
  HZ_OP_CAPS_BOUNDING = 39,/* (int keep_mask, int last_cap) PR_CAPBSET_DROP every cap 0..last_cap not in mask */
  HZ_OP_CAPSET = 40,       /* (int effective, int permitted, int inheritable)  capset v3 (64-bit masks) */
  HZ_OP_CAPS_AMBIENT = 41, /* (int mask, int last_cap) PR_CAP_AMBIENT_CLEAR_ALL, then RAISE each in mask */
  HZ_OP_NO_NEW_PRIVS = 42, /* () prctl(PR_SET_NO_NEW_PRIVS, 1) */
  HZ_OP_SECCOMP = 43,      /* (bytes bpf: struct sock_filter[], int flags)  seccomp(SECCOMP_SET_MODE_FILTER).
                              flags go to seccomp(2) as they are. With SECCOMP_FILTER_FLAG_NEW_LISTENER
                              (1 << 3) the returned listener fd is sent as HZ_MSG_SECCOMP_FD {op = index}
                              carrying the fd as SCM_RIGHTS, closed in the init, and the init then
                              blocks for the reply as SYNC does (ACK: go on; ABORT or EOF: _exit(1)). */
  HZ_OP_DUMPABLE = 44,     /* (int on) prctl(PR_SET_DUMPABLE, on) */
  HZ_OP_JOIN_KEYRING = 45, /* (str name, int perm)  keyctl(KEYCTL_JOIN_SESSION_KEYRING, name) then
                              keyctl(KEYCTL_SETPERM, id, perm). ENOSYS (no keyrings) is not an error. */
  HZ_OP_IOPRIO_SET = 46,   /* (int value)  ioprio_set(IOPRIO_WHO_PROCESS, 0, value); value = class << 13 | level */
  HZ_OP_SCHED_SETATTR = 47,/* (int policy, int flags, int nice, int priority, int runtime, int deadline, int period)
                              sched_setattr(0, &{size 56, ...}, 0); util_min/util_max are 0 */
  HZ_OP_SCHED_SETAFFINITY = 48, /* (bytes mask)  sched_setaffinity(0, len, mask): a cpumask of 64-bit words.
                              The kernel narrows it to the cpuset of the process's cgroup. */
  HZ_OP_SET_MEMPOLICY = 49,/* (int mode_flags, bytes nodemask)  set_mempolicy(mode_flags, nodemask, len * 8 + 1);
                              an empty nodemask is passed as NULL with maxnode 0 */

  /* --- hooks and start ---------------------------------------------------------------- */
  HZ_OP_RUN_HOOK = 50,     /* (str path, strv argv, strv envp, int timeout_ms)  fork; child: stdin = a
                              pipe carrying the stored state bytes, stdout/stderr as the init's,
                              execve(path, argv, envp). timeout_ms <= 0: no limit. On timeout SIGKILL
                              the hook and fail with err=ETIMEDOUT. A non-zero exit fails with
                              err=0, status=<wait status>. An exec failure: err=<errno of execve>. */
  HZ_OP_OPEN_FIFO = 51,    /* (str path)  open(path, O_PATH|O_CLOEXEC) and keep the fd for WAIT_FIFO */
  HZ_OP_LOOKUP_EXEC = 52,  /* (strv candidates)  the first candidate that is a regular file with an
                              execute bit (stat + access(X_OK)) is kept for EXEC; none: ENOENT, or the
                              first non-ENOENT errno seen (e.g. EACCES). */
  HZ_OP_CLOSE_FDS = 53,    /* (int from)  close_range(from, ~0U, CLOSE_RANGE_CLOEXEC) (fallback: loop
                              over /proc/self/fd setting FD_CLOEXEC), except the sync socket and plan
                              fd which are already CLOEXEC. */
  HZ_OP_READY = 54,        /* ()  send READY. After this the runtime may be gone: later failures are
                              only reported on stderr (exit 127 style). */
  HZ_OP_WAIT_FIFO = 55,    /* (int defer)  close the sync socket; fd = open("/proc/self/fd/<fifo fd>", O_WRONLY|O_CLOEXEC)
                              (blocks until `start` opens the read side). defer == 0: write "0"; close.
                              defer != 0: keep fd open for RELEASE_FIFO; until then a failing op writes
                              the 13-byte record 'E', int32 op, int32 err, int32 status (little-endian) to
                              it for `start` to word, and the init exits 127 without a stderr line. */
  HZ_OP_EXEC = 56,         /* (strv argv, strv envp)  execve(the LOOKUP_EXEC result, argv, envp).
                              On failure: write "exec <path>: <strerror>\n" to fd 2, _exit(127). */
  HZ_OP_DUP2 = 57,         /* (int oldfd, int newfd) dup2 (console later) */
  HZ_OP_SEND_READY_FD = 58,/* reserved */
  HZ_OP_RELEASE_FIFO = 59, /* ()  write "0" to the fd WAIT_FIFO kept (defer != 0) and close it: `start`
                              returns (the startContainer hooks before it have succeeded) */

  /* --- terminals ---------------------------------------------------------------------- */
  HZ_OP_CONSOLE = 60,      /* (int sockfd, int rows, int cols, str mount_on|"", int uid, str name)
                              a pty of the devpts at /dev/pts of the current root (CVE-2025-52565):
                              "/dev/pts" reached without symlinks must be a devpts (else EMEDIUMTYPE);
                              master = its "ptmx" opened O_RDWR|O_NOCTTY with RESOLVE_BENEATH |
                              RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS, which must be the char device 5:2 of
                              that devpts (EMEDIUMTYPE); unlock; rows > 0 && cols > 0: TIOCSWINSZ;
                              slave fd = TIOCGPTPEER (fallback: "<TIOCGPTN>" opened beneath /dev/pts the
                              same way), a char device of a devpts (EMEDIUMTYPE); uid >= 0:
                              fchown(slave, uid, -1); mount_on != "": its parent reached without symlinks,
                              mount_on itself opened O_PATH|O_NOFOLLOW (a symlink: ELOOP) or created as
                              an empty 0666 file (O_CREAT|O_EXCL|O_NOFOLLOW), a regular file or char
                              device (else EMEDIUMTYPE), and a clone of the slave's own mount
                              (open_tree on the slave fd) is moved onto it: no path names the pty; one
                              sendmsg on sockfd with `name` as the data and the master as one SCM_RIGHTS
                              fd; dup3 the slave onto 0, 1, 2; close the master, the slave and sockfd. */
  HZ_OP_SETCTTY = 61,      /* ()  ioctl(0, TIOCSCTTY, 0): the console becomes the controlling terminal
                              (the caller is a session leader: SETSID first) */
};

/* MOUNT_AT mflags */
enum hz_mount_flags : uint32_t {
  HZ_MNT_BIND = 1,          /* a clone of src (a host path), not a new filesystem */
  HZ_MNT_REC = 2,           /* with the mounts below it */
  HZ_MNT_NO_SYMLINKS = 4,   /* the target is an ordinary directory reached without any symlink */
  HZ_MNT_NOT_ON_PROCFS = 8, /* the target must not be on a procfs */
  HZ_MNT_COPY_UP = 16,      /* tmpcopyup: the new filesystem starts with what it covers, and its owner */
  HZ_MNT_COPY_MODE = 32,    /* with COPY_UP: the covered directory's mode too */
  HZ_MNT_LOCKED = 64,       /* a bind of an OPEN_TREE clone (made before the user namespace): its own
                               ro/nosuid/nodev/noexec/atime are kept as a user namespace locks them */
};

/* mount slots of MOUNT_AT / MOUNT_SETATTR */
#define HZ_MOUNT_SLOTS 8

enum hz_msg_type : uint32_t {
  /* init → runtime */
  HZ_MSG_SYNC = 1,   /* op = index of the SYNC op, pid = its tag */
  HZ_MSG_PID = 2,    /* pid = the forked child's pid as seen by the init's parent process */
  HZ_MSG_ERROR = 3,  /* op = failing op index, err = errno (0 if n/a), status = wait status for hooks */
  HZ_MSG_READY = 4,  /* every op before WAIT_FIFO succeeded */
  HZ_MSG_SECCOMP_FD = 5, /* op = index of the SECCOMP op; one fd (the seccomp listener) as SCM_RIGHTS */
  /* runtime → init */
  HZ_MSG_ACK = 16,   /* go on; optional payload = new state bytes for hooks */
  HZ_MSG_ABORT = 17, /* stop: the init _exit(1)s */
};

struct hz_msg {
  uint32_t type;
  int32_t op;
  int32_t err;
  int32_t pid;
  int32_t status;
  uint32_t len; /* payload bytes that follow in the same packet */
};

#define HZ_MSG_MAX_PAYLOAD (128 * 1024)

#endif
