/**
 * The typed facade over the C++ addon (addon/binding.cc). The addon only carries out primitive
 * operations; it decides nothing and words no error message: failures come back as errors with
 * `errno` (number) and `code` (e.g. "EPERM") set.
 */

export interface InitMsg {
  /** HZ_MSG_* from addon/plan_abi.h */
  type: number;
  op: number;
  err: number;
  pid: number;
  status: number;
  payload: Buffer | null;
  /** an fd that came with the message as SCM_RIGHTS (CLOEXEC; the caller closes it), else -1 */
  fd: number;
}

export interface WaitResult {
  /** 0 when `nohang` and the child has not changed state */
  pid: number;
  /** exit code when it exited normally, else null */
  code: number | null;
  /** the signal number that killed it, else null */
  signal: number | null;
}

export type SockType = 'stream' | 'dgram' | 'seqpacket';

export interface Native {
  /**
   * Start the init executable (from a sealed memfd copy of `init`: a file, or the image itself) in a fresh child process.
   * The child gets stdio[0..2] at fds 0,1,2, keeps those of fds 3..3+preserveFds-1 that are not
   * CLOEXEC (the caller's; the runtime's own are CLOEXEC and vanish at the exec), and receives the
   * sync socket at fd 3+preserveFds and the plan memfd at fd 4+preserveFds (argv[1], argv[2]).
   * Returns the child's pid and the runtime's end of the SOCK_SEQPACKET sync socket (CLOEXEC).
   */
  spawnInit(
    init: string | Buffer,
    plan: Buffer,
    stdio: [number, number, number],
    preserveFds: number,
    /** placed at 5+preserveFds, 6+preserveFds, ... in the init (at most 4), e.g. the console socket */
    extraFds?: number[],
    /** a cgroup2 directory (O_RDONLY|O_DIRECTORY): the init is born there (clone3 CLONE_INTO_CGROUP) */
    cgroupFd?: number,
  ): { pid: number; syncFd: number; /** born in cgroupFd; false where the kernel cannot (then move it) */ intoCgroup: boolean };
  /** Blocking receive of one message; null on EOF; throws ETIMEDOUT after timeoutMs (-1: forever). */
  recvMsg(fd: number, timeoutMs: number): InitMsg | null;
  sendMsg(fd: number, type: number, payload?: Buffer): void;
  waitPid(pid: number, nohang: boolean): WaitResult;
  /** waitpid in a worker thread, so the event loop keeps running (signal forwarding in `run`) */
  waitPidAsync(pid: number): Promise<WaitResult>;
  setChildSubreaper(on: boolean): void;
  mkfifo(path: string, mode: number): void;
  /** flock(fd, LOCK_SH|LOCK_EX|LOCK_UN [| LOCK_NB]) */
  flock(fd: number, op: 'sh' | 'ex' | 'un', nonblock: boolean): void;
  /** libc's strerror text, e.g. "Operation not permitted" */
  strerror(errno: number): string;
  /** umount2(path, flags) */
  umount2(path: string, flags: number): void;
  /**
   * A regular file `rel` read inside `root` (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
   * O_NONBLOCK): at most max+1 bytes (more than max: the file is longer); null when it does not
   * exist; EINVAL when it is not a regular file (a device, a FIFO, a directory).
   */
  readFileInRoot(root: string, rel: string, max: number): Buffer | null;
  /** an AF_UNIX socket (CLOEXEC, SOCK_STREAM unless `type` says) connected to `path` ("@x": abstract) */
  connectUnix(path: string, type?: SockType): number;
  /** the same, bound to `path` */
  bindUnix(path: string, type?: SockType): number;
  /** socketpair(AF_UNIX, SOCK_STREAM (or `type`) | SOCK_CLOEXEC) */
  socketPair(type?: SockType): [number, number];
  /** one message with exactly one fd (SCM_RIGHTS, received CLOEXEC) and its data; null on EOF */
  recvFd(sock: number, timeoutMs: number): { fd: number; name: Buffer } | null;
  /** one message and the fds that came with it (CLOEXEC); null on EOF; throws ETIMEDOUT */
  recvPacket(sock: number, timeoutMs: number): { data: Buffer; fds: number[] } | null;
  /** poll(fd, POLLIN): true when there is input or a hang-up, false after timeoutMs */
  waitReadable(fd: number, timeoutMs: number): boolean;
  /** pipe2(O_CLOEXEC): [read end, write end] */
  pipe(): [number, number];
  /** mount(2); "" stands for NULL */
  mount(src: string, target: string, fstype: string, flags: number, data: string): void;
  /** pidfd_open(pid, 0) */
  pidfdOpen(pid: number): number;
  /** TIOCGWINSZ / TIOCSWINSZ */
  getWinsize(fd: number): { rows: number; cols: number };
  setWinsize(fd: number, rows: number, cols: number): void;
  /** cfmakeraw on the terminal at fd; returns the previous termios for restoreTermios */
  makeRaw(fd: number): Buffer;
  restoreTermios(fd: number, saved: Buffer): void;
  /**
   * Copy input → master and master → output in one poll loop on a worker thread until the master
   * hangs up; after stop(), until it has been quiet for 200 ms (2 s at most). The fds stay open.
   */
  ptyProxy(master: number, input: number, output: number): { done: Promise<void>; stop(): void };
  /** libseccomp.so.2 loaded with dlopen (once): its version, API level and native arch token */
  seccompInfo():
    | { loaded: true; major: number; minor: number; micro: number; apiLevel: number; nativeArch: number }
    | { loaded: false; error: string };
  /**
   * Build a filter with libseccomp and export it as BPF. Rules whose name libseccomp cannot
   * resolve are skipped and listed by index in `unknown`; attrErrors holds the errno of each
   * seccomp_attr_set (0: set). Failures throw with errno plus `stage` ("init" | "arch" | "rule" |
   * "export") and `index` (into arches / rules).
   */
  seccompCompile(desc: {
    defaultAction: number;
    arches: number[];
    attrs: Array<[number, number]>;
    rules: Array<{ name: string; action: number; args: Array<{ index: number; op: number; a: bigint; b: bigint }> }>;
  }): { bpf: Buffer; unknown: number[]; attrErrors: number[] };
  /** each name's syscall number on the arch (libseccomp's seccomp_syscall_resolve_name_arch; < 0: none) */
  seccompResolve(arch: number, names: string[]): number[];
  /** errno of seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action): 0 when the kernel has the action */
  seccompProbeAction(action: number): number;
  /** errno of seccomp(SECCOMP_SET_MODE_FILTER, flags, NULL): EFAULT when the kernel knows the flags */
  seccompProbeFlags(flags: number): number;
  /**
   * NETLINK_ROUTE requests, made from the network namespace `nsFd` (-1: ours) in a short-lived
   * thread: each reply is every message up to the first NLMSG_DONE or NLMSG_ERROR. Kernel errors
   * are NLMSG_ERROR messages in the replies; only failing syscalls throw.
   */
  rtnetlink(nsFd: number, requests: Buffer[]): Buffer[];
  /** one sendmsg of `data` with `fds` as SCM_RIGHTS; returns the bytes sent */
  sendFds(sock: number, data: Buffer, fds: number[]): number;
}

let loaded: Native | undefined;

/** node-gyp's output in a checkout (two levels above src/native) */
const buildDir = (): string => `${__dirname}/../../build/Release`;

/**
 * Where the addon and the init come from. From a checkout (vitest, node): the files node-gyp
 * built. The standalone executable (src/standalone/native.ts) embeds both and installs its own source.
 */
export interface NativeSource {
  addon(): Native;
  /** what spawnInit runs: a path, or the image bytes */
  init(): string | Buffer;
}

let source: NativeSource = {
  addon: () => require(`${buildDir()}/hezi.node`) as Native,
  init: () => `${buildDir()}/hezi-init`,
};

export function setNativeSource(s: NativeSource): void {
  source = s;
  loaded = undefined;
}

export function native(): Native {
  if (!loaded) loaded = source.addon();
  return loaded;
}

/** the init for spawnInit */
export function initImage(): string | Buffer {
  return source.init();
}

export const Msg = {
  SYNC: 1,
  PID: 2,
  ERROR: 3,
  READY: 4,
  SECCOMP_FD: 5,
  ACK: 16,
  ABORT: 17,
} as const;
