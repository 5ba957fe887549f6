/**
 * The plan: an ordered list of primitive operations the C++ init carries out with raw syscalls.
 * Mirrors addon/plan_abi.h (codes and argument order). Every op carries `what`, the words TS
 * uses to describe it when the init reports {op index, errno}: "mount proc on /proc".
 */

export const OpCode = {
  SETNS: 1,
  UNSHARE: 2,
  SYNC: 3,
  WRITE_FILE: 4,
  FORK: 5,
  SETSID: 6,
  WRITE_PROC: 7,
  MOUNT: 10,
  MOUNT_SETATTR: 11,
  MKDIR_ALL: 12,
  TOUCH: 13,
  MKNOD: 14,
  SYMLINK: 15,
  CHDIR: 16,
  PIVOT_ROOT: 17,
  MOVE_ROOT: 18,
  MASK_PATH: 19,
  READONLY_PATH: 20,
  REMOUNT_RO: 21,
  CHOWN: 22,
  CHROOT: 23,
  IDMAP_TREE: 27,
  LOOPBACK_UP: 24,
  MOUNT_AT: 25,
  HIDE_MOUNT: 26,
  OPEN_TREE: 28,
  BIND_CWD: 29,
  SETHOSTNAME: 30,
  SETDOMAINNAME: 31,
  SETRLIMIT: 32,
  PERSONALITY: 33,
  UMASK: 34,
  SETGROUPS: 35,
  SETRESGID: 36,
  SETRESUID: 37,
  KEEPCAPS: 38,
  CAPS_BOUNDING: 39,
  CAPSET: 40,
  CAPS_AMBIENT: 41,
  NO_NEW_PRIVS: 42,
  SECCOMP: 43,
  DUMPABLE: 44,
  JOIN_KEYRING: 45,
  IOPRIO_SET: 46,
  SCHED_SETATTR: 47,
  SCHED_SETAFFINITY: 48,
  SET_MEMPOLICY: 49,
  RUN_HOOK: 50,
  OPEN_FIFO: 51,
  LOOKUP_EXEC: 52,
  CLOSE_FDS: 53,
  READY: 54,
  WAIT_FIFO: 55,
  RELEASE_FIFO: 59,
  EXEC: 56,
  DUP2: 57,
  CONSOLE: 60,
  SETCTTY: 61,
} as const;
export type OpCodeName = keyof typeof OpCode;

/** One argument of an op, tagged with how it is encoded. */
export type Arg =
  | { int: number | bigint }
  | { str: string }
  | { strv: readonly string[] }
  | { bytes: Uint8Array };

export interface Op {
  code: OpCodeName;
  args: Arg[];
  /** How an error message names this step, e.g. "mount proc on /proc". */
  what: string;
  /** What an errno means for this step, when the init uses it for a check of its own (plan_abi.h):
   *  "/proc must be mounted on an ordinary directory" instead of "too many levels of symbolic links" */
  explain?: Readonly<Partial<Record<number, string>>>;
}

/** The errnos the init reports its own checks with (asm-generic/errno*.h). */
export const ERRNO = { ENOTDIR: 20, EXDEV: 18, ELOOP: 40, EMEDIUMTYPE: 124 } as const;

/** MOUNT_AT flags (enum hz_mount_flags) */
export const MNT = {
  BIND: 1,
  REC: 2,
  NO_SYMLINKS: 4,
  NOT_ON_PROCFS: 8,
  /** tmpcopyup: the new filesystem gets the content of the directory it covers, and its owner */
  COPY_UP: 16,
  /** with COPY_UP: and its mode */
  COPY_MODE: 32,
  /** a bind of an OPEN_TREE clone: the flags a user namespace locks are kept as if it had locked them */
  LOCKED: 64,
} as const;

/** Mount slots: MOUNT_AT keeps the mount it made there for MOUNT_SETATTR (HZ_MOUNT_SLOTS = 8). */
export const SLOT = {
  /** the config mount being made */
  MOUNT: 0,
  /** the tmpfs holding the v1 cgroup hierarchies, made read-only after them */
  CGROUP_TMPFS: 1,
} as const;

/** The filesystem magic numbers the init verifies (linux/magic.h). */
export const FS_MAGIC = { proc: 0x9fa0, sysfs: 0x62656572 } as const;

export interface MountAtArgs {
  /** a host path (bind) or the source string of a new filesystem; '' for none */
  src: string;
  root: string;
  rel: string;
  /** '' for a bind */
  fstype?: string;
  /** fsconfig options of a new filesystem: "key=value" or "key" */
  options?: readonly string[];
  attrSet?: number;
  attrClr?: number;
  /** MNT.* */
  flags: number;
  /** keep the mount in this slot for MOUNT_SETATTR; -1: do not */
  slot?: number;
  /** the filesystem the mount must be, checked before and after it is attached; 0: no check */
  magic?: number;
  /** a bind: the tree IDMAP_TREE (id-mapped) or OPEN_TREE (cloned before a user namespace) made in
   *  this tree slot instead of a clone of src; -1: none */
  tree?: number;
  /** a bind: the MOUNT_ATTR_* the config clears by name (rw, exec, suid, dev, diratime; _ATIME when it
   *  names an atime): kept by the kernel's lock they are refused, never kept silently */
  cleared?: number;
}

/** Tags for SYNC ops: what the runtime does when the init stops there. */
export const SyncTag = {
  /** the init unshared a user namespace: write uid_map/gid_map now */
  USERNS_MAPS: 1,
  /** namespaces exist, mounts not yet made: run createRuntime hooks (and prestart) */
  CREATE_RUNTIME: 2,
  /** the container process exists; the runtime learns state and answers with the state JSON */
  STATE: 3,
  /** before the fork: the runtime creates the cgroup, applies limits and moves the init into it,
   *  so the container process is born inside its cgroup */
  CGROUP: 4,
  /** the init is in its network namespace: the runtime moves linux.netDevices into it */
  NET_DEVICES: 5,
} as const;

const i = (n: number | bigint): Arg => ({ int: n });
const s = (v: string): Arg => ({ str: v });

/** Small constructors so the compiler reads like the list of steps it is. */
export const op = {
  setns: (path: string, nstype: number, what: string): Op => ({ code: 'SETNS', args: [s(path), i(nstype)], what }),
  unshare: (flags: number, what: string): Op => ({ code: 'UNSHARE', args: [i(flags)], what }),
  sync: (tag: number, what: string): Op => ({ code: 'SYNC', args: [i(tag)], what }),
  writeFile: (path: string, data: string, what: string): Op => ({
    code: 'WRITE_FILE',
    args: [s(path), { bytes: Buffer.from(data) }],
    what,
  }),
  /** a file of the verified procfs at /proc (`rel` beneath it, no mount crossed): LSM attributes */
  writeProc: (rel: string, data: string, what: string): Op => ({
    code: 'WRITE_PROC',
    args: [s(rel), { bytes: Buffer.from(data) }],
    what,
    explain: { [ERRNO.EMEDIUMTYPE]: '/proc is not a procfs mount', [ERRNO.EXDEV]: `something is mounted over /proc/${rel}` },
  }),
  fork: (): Op => ({ code: 'FORK', args: [], what: 'fork the container process' }),
  setsid: (): Op => ({ code: 'SETSID', args: [], what: 'setsid' }),
  mount: (src: string, root: string, rel: string, fstype: string, flags: number, data: string, what: string): Op => ({
    code: 'MOUNT',
    args: [s(src), s(root), s(rel), s(fstype), i(flags), s(data)],
    what,
  }),
  /** a detached clone of `src` with an idmapping (a user namespace by path, or a new one with these maps), kept in tree `slot` for MOUNT_AT */
  idmapTree: (src: string, recursiveTree: boolean, recursiveMap: boolean, usernsPath: string, uidMap: string, gidMap: string, slot: number, what: string): Op => ({
    code: 'IDMAP_TREE',
    args: [s(src), i(recursiveTree ? 1 : 0), i(recursiveMap ? 1 : 0), s(usernsPath), { bytes: Buffer.from(uidMap) }, { bytes: Buffer.from(gidMap) }, i(slot)],
    what,
  }),
  /** a detached clone of `path` into tree slot `tree`, for the MOUNT_AT whose `tree` it is */
  openTree: (path: string, tree: number, recursive: boolean, what: string): Op => ({ code: 'OPEN_TREE', args: [s(path), i(tree), i(recursive ? 1 : 0)], what }),
  /** a mount inside `root`, made and attached on fds only (plan_abi.h MOUNT_AT) */
  mountAt: (m: MountAtArgs, what: string, explain?: Op['explain']): Op => ({
    code: 'MOUNT_AT',
    args: [
      s(m.src),
      s(m.root),
      s(m.rel),
      s(m.fstype ?? ''),
      { strv: m.options ?? [] },
      i(m.attrSet ?? 0),
      i(m.attrClr ?? 0),
      i(m.flags),
      i(m.slot ?? -1),
      i(m.magic ?? 0),
      i(m.tree ?? -1),
      i(m.cleared ?? 0),
    ],
    what,
    ...(explain ? { explain } : {}),
  }),
  /** mount_setattr on the mount MOUNT_AT kept in `slot` */
  mountSetattr: (slot: number, attrSet: number, attrClr: number, propagation: number, flags: number, what: string): Op => ({
    code: 'MOUNT_SETATTR',
    args: [i(slot), i(attrSet), i(attrClr), i(propagation), i(flags)],
    what,
  }),
  /** an umount (MNT_DETACH), or an empty tmpfs over it when that is not allowed */
  hideMount: (path: string): Op => ({ code: 'HIDE_MOUNT', args: [s(path)], what: `hide ${path} of the runtime's root` }),
  mkdirAll: (root: string, rel: string, mode: number, what: string, noSymlinks = false, explain?: Op['explain']): Op => ({
    code: 'MKDIR_ALL',
    args: [s(root), s(rel), i(mode), i(noSymlinks ? 1 : 0)],
    what,
    ...(explain ? { explain } : {}),
  }),
  touch: (root: string, rel: string, mode: number, what: string): Op => ({
    code: 'TOUCH',
    args: [s(root), s(rel), i(mode)],
    what,
  }),
  mknod: (root: string, rel: string, mode: number, dev: bigint, uid: number, gid: number, what: string): Op => ({
    code: 'MKNOD',
    args: [s(root), s(rel), i(mode), i(dev), i(uid), i(gid)],
    what,
  }),
  symlink: (target: string, root: string, rel: string, ignoreExist: boolean, what: string): Op => ({
    code: 'SYMLINK',
    args: [s(target), s(root), s(rel), i(ignoreExist ? 1 : 0)],
    what,
  }),
  /** mode 'first': a refusal (EACCES/EPERM) waits for the 'retry' CHDIR, which runs only then */
  chdir: (path: string, what: string, mode: 'always' | 'first' | 'retry' = 'always'): Op => ({
    code: 'CHDIR',
    args: [s(path), i(mode === 'first' ? 1 : mode === 'retry' ? 2 : 0)],
    what,
    explain: { [ERRNO.EXDEV]: 'current working directory is outside of container mount namespace root -- possible container breakout detected' },
  }),
  /** newroot may be "." (the cwd BIND_CWD made the rootfs); `shown` names it in errors */
  pivotRoot: (newroot: string, shown = newroot): Op => ({ code: 'PIVOT_ROOT', args: [s(newroot)], what: `pivot_root to ${shown}` }),
  /** the cwd (the rootfs, entered by CHDIR) bound onto itself and entered: the ops after it name the root "." */
  bindCwd: (recursive: boolean, what: string): Op => ({ code: 'BIND_CWD', args: [i(recursive ? 1 : 0)], what }),
  loopbackUp: (): Op => ({ code: 'LOOPBACK_UP', args: [], what: 'bring the loopback interface up' }),
  chroot: (newroot: string): Op => ({ code: 'CHROOT', args: [s(newroot)], what: `chroot to ${newroot}` }),
  joinKeyring: (name: string, perm: number): Op => ({
    code: 'JOIN_KEYRING',
    args: [s(name), i(perm)],
    what: `join a new session keyring "${name}"`,
  }),
  moveRoot: (newroot: string, shown = newroot): Op => ({ code: 'MOVE_ROOT', args: [s(newroot)], what: `move ${shown} to / (no pivot)` }),
  maskPath: (path: string): Op => ({
    code: 'MASK_PATH',
    args: [s(path)],
    what: `mask ${path}`,
    explain: { [ERRNO.ELOOP]: `${path} is a symbolic link`, [ERRNO.EMEDIUMTYPE]: '/dev/null is not the null device (char 1:3)' },
  }),
  readonlyPath: (path: string): Op => ({
    code: 'READONLY_PATH',
    args: [s(path)],
    what: `make ${path} read-only`,
    explain: { [ERRNO.ELOOP]: `${path} is a symbolic link` },
  }),
  remountRo: (path: string, extra: number, what: string): Op => ({ code: 'REMOUNT_RO', args: [s(path), i(extra)], what }),
  chown: (path: string, uid: number, gid: number, what: string): Op => ({ code: 'CHOWN', args: [s(path), i(uid), i(gid)], what }),
  sethostname: (name: string): Op => ({ code: 'SETHOSTNAME', args: [s(name)], what: `set hostname to "${name}"` }),
  setdomainname: (name: string): Op => ({ code: 'SETDOMAINNAME', args: [s(name)], what: `set domainname to "${name}"` }),
  setrlimit: (resource: number, soft: bigint, hard: bigint, what: string): Op => ({
    code: 'SETRLIMIT',
    args: [i(resource), i(soft), i(hard)],
    what,
  }),
  personality: (persona: number, what: string): Op => ({ code: 'PERSONALITY', args: [i(persona)], what }),
  umask: (mask: number): Op => ({ code: 'UMASK', args: [i(mask)], what: `set umask ${mask.toString(8).padStart(4, '0')}` }),
  setgroups: (gids: readonly number[]): Op => {
    const b = Buffer.alloc(gids.length * 4);
    for (let k = 0; k < gids.length; k++) b.writeUInt32LE(gids[k]! >>> 0, k * 4);
    return { code: 'SETGROUPS', args: [{ bytes: b }], what: `setgroups [${gids.join(',')}]` };
  },
  setresgid: (gid: number): Op => ({ code: 'SETRESGID', args: [i(gid)], what: `setgid ${gid}` }),
  setresuid: (uid: number): Op => ({ code: 'SETRESUID', args: [i(uid)], what: `setuid ${uid}` }),
  keepcaps: (on: boolean): Op => ({ code: 'KEEPCAPS', args: [i(on ? 1 : 0)], what: 'prctl PR_SET_KEEPCAPS' }),
  capsBounding: (keep: bigint, lastCap: number): Op => ({
    code: 'CAPS_BOUNDING',
    args: [i(keep), i(lastCap)],
    what: 'drop capabilities from the bounding set',
  }),
  capset: (effective: bigint, permitted: bigint, inheritable: bigint): Op => ({
    code: 'CAPSET',
    args: [i(effective), i(permitted), i(inheritable)],
    what: 'set effective, permitted and inheritable capabilities',
  }),
  capsAmbient: (mask: bigint, lastCap: number): Op => ({
    code: 'CAPS_AMBIENT',
    args: [i(mask), i(lastCap)],
    what: 'raise ambient capabilities',
  }),
  noNewPrivs: (): Op => ({ code: 'NO_NEW_PRIVS', args: [], what: 'set no_new_privs' }),
  seccomp: (bpf: Uint8Array, flags: number): Op => ({
    code: 'SECCOMP',
    args: [{ bytes: bpf }, i(flags)],
    what: 'load the seccomp filter',
  }),
  dumpable: (on: boolean): Op => ({ code: 'DUMPABLE', args: [i(on ? 1 : 0)], what: 'prctl PR_SET_DUMPABLE' }),
  ioprioSet: (value: number, what: string): Op => ({ code: 'IOPRIO_SET', args: [i(value)], what }),
  /** sched_setattr(0, {policy, flags, nice, priority, runtime, deadline, period}) */
  schedSetattr: (
    a: { policy: number; flags: number; nice: number; priority: number; runtime: bigint; deadline: bigint; period: bigint },
    what: string,
  ): Op => ({
    code: 'SCHED_SETATTR',
    args: [i(a.policy), i(a.flags), i(a.nice), i(a.priority), i(a.runtime), i(a.deadline), i(a.period)],
    what,
  }),
  /** sched_setaffinity(0, mask): a kernel cpumask (64-bit words, little-endian) */
  schedSetaffinity: (mask: Uint8Array, what: string): Op => ({ code: 'SCHED_SETAFFINITY', args: [{ bytes: mask }], what }),
  /** set_mempolicy(mode | flags, nodemask or NULL when empty, bits in nodemask) */
  setMempolicy: (modeFlags: number, nodemask: Uint8Array, what: string): Op => ({
    code: 'SET_MEMPOLICY',
    args: [i(modeFlags), { bytes: nodemask }],
    what,
  }),
  runHook: (path: string, argv: readonly string[], envp: readonly string[], timeoutMs: number, what: string): Op => ({
    code: 'RUN_HOOK',
    args: [s(path), { strv: argv }, { strv: envp }, i(timeoutMs)],
    what,
  }),
  openFifo: (path: string): Op => ({ code: 'OPEN_FIFO', args: [s(path)], what: `open ${path}` }),
  lookupExec: (candidates: readonly string[], what: string): Op => ({
    code: 'LOOKUP_EXEC',
    args: [{ strv: candidates }],
    what,
  }),
  closeFds: (from: number): Op => ({ code: 'CLOSE_FDS', args: [i(from)], what: `close file descriptors from ${from}` }),
  ready: (): Op => ({ code: 'READY', args: [], what: 'report ready' }),
  /** `defer`: keep exec.fifo open until RELEASE_FIFO, so that `start` learns how the ops between went */
  waitFifo: (defer = false): Op => ({ code: 'WAIT_FIFO', args: [i(defer ? 1 : 0)], what: 'wait on exec.fifo' }),
  releaseFifo: (): Op => ({ code: 'RELEASE_FIFO', args: [], what: 'release start from exec.fifo' }),
  exec: (argv: readonly string[], envp: readonly string[]): Op => ({
    code: 'EXEC',
    args: [{ strv: argv }, { strv: envp }],
    what: `exec ${argv[0] ?? ''}`,
  }),
  dup2: (oldfd: number, newfd: number, what: string): Op => ({ code: 'DUP2', args: [i(oldfd), i(newfd)], what }),
  /** a pty from the container's devpts; the master goes to the console socket at `sockfd` as one
   *  SCM_RIGHTS message whose data is `name`; the slave becomes stdio (and is bound on `mountOn`) */
  console: (sockfd: number, rows: number, cols: number, mountOn: string, uid: number, name: string): Op => ({
    code: 'CONSOLE',
    args: [i(sockfd), i(rows), i(cols), s(mountOn), i(uid), s(name)],
    what: 'set up the console (a pty from /dev/pts/ptmx, its master sent to the console socket)',
    explain: {
      [ERRNO.EMEDIUMTYPE]: `/dev/pts is not a devpts with its ptmx${mountOn ? `, or ${mountOn} is neither a file nor a char device` : ''}`,
      [ERRNO.ELOOP]: `/dev/pts${mountOn ? ` or ${mountOn}` : ''} is reached through a symbolic link`,
    },
  }),
  setctty: (): Op => ({ code: 'SETCTTY', args: [], what: 'make the console the controlling terminal' }),
};
