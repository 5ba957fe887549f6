/**
 * Pure helpers for reading what a container reports about itself: capability masks,
 * /proc/<pid>/status, /proc/<pid>/mountinfo, /proc/<pid>/limits, `stat -c` lines, signals.
 * No side effects; nothing here runs a runtime.
 */

/** Capability names by number (linux/capability.h), 0..40. */
export const CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** The 16-hex-digit mask /proc/<pid>/status prints for a list of capability names. */
export function capMask(names: readonly string[]): string {
  let mask = 0n;
  for (const name of names) {
    const bit = CAPABILITIES.indexOf(name);
    if (bit < 0) throw new Error(`unknown capability ${name}`);
    mask |= 1n << BigInt(bit);
  }
  return mask.toString(16).padStart(16, '0');
}

/** The capability names set in a /proc status mask. */
export function capNames(mask: string): string[] {
  const m = BigInt('0x' + mask);
  return CAPABILITIES.filter((_, i) => (m >> BigInt(i)) & 1n);
}

/** "Key:\tvalue" lines of /proc/<pid>/status into a record (value trimmed). */
export function parseStatus(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

export interface MountInfo {
  id: number;
  parent: number;
  majorMinor: string;
  root: string;
  mountPoint: string;
  /** per-mount options (rw, nosuid, nodev, noexec, relatime, ...) */
  options: string[];
  optionalFields: string[];
  fsType: string;
  source: string;
  /** per-superblock options (mode=755, size=..., ...) */
  superOptions: string[];
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parse /proc/<pid>/mountinfo (proc(5)). */
export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) throw new Error(`bad mountinfo line: ${line}`);
    const f = left.split(' ');
    const r = right.split(' ');
    out.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      majorMinor: f[2] ?? '',
      root: unescapeMountinfo(f[3] ?? ''),
      mountPoint: unescapeMountinfo(f[4] ?? ''),
      options: (f[5] ?? '').split(','),
      optionalFields: f.slice(6),
      fsType: r[0] ?? '',
      source: unescapeMountinfo(r[1] ?? ''),
      superOptions: (r[2] ?? '').split(','),
    });
  }
  return out;
}

/** The mount that is visible at a mount point: the last one listed for it. */
export function mountAt(mounts: MountInfo[], mountPoint: string): MountInfo | undefined {
  const all = mounts.filter((m) => m.mountPoint === mountPoint);
  return all[all.length - 1];
}

export interface Limit {
  soft: string;
  hard: string;
}

/** Parse /proc/<pid>/limits into {"Max open files": {soft, hard}, ...}. */
export function parseLimits(text: string): Record<string, Limit> {
  const out: Record<string, Limit> = {};
  for (const line of text.split('\n').slice(1)) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (m) out[m[1]!] = { soft: m[2]!, hard: m[3]! };
  }
  return out;
}

/** The name /proc/<pid>/limits uses for each RLIMIT_* type. */
export const RLIMIT_ROWS: Record<string, string> = {
  RLIMIT_CPU: 'Max cpu time',
  RLIMIT_FSIZE: 'Max file size',
  RLIMIT_DATA: 'Max data size',
  RLIMIT_STACK: 'Max stack size',
  RLIMIT_CORE: 'Max core file size',
  RLIMIT_RSS: 'Max resident set',
  RLIMIT_NPROC: 'Max processes',
  RLIMIT_NOFILE: 'Max open files',
  RLIMIT_MEMLOCK: 'Max locked memory',
  RLIMIT_AS: 'Max address space',
  RLIMIT_LOCKS: 'Max file locks',
  RLIMIT_SIGPENDING: 'Max pending signals',
  RLIMIT_MSGQUEUE: 'Max msgqueue size',
  RLIMIT_NICE: 'Max nice priority',
  RLIMIT_RTPRIO: 'Max realtime priority',
  RLIMIT_RTTIME: 'Max realtime timeout',
};

/** Signal numbers on x86_64/arm64 Linux. */
export const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGWINCH: 28,
};

/** config.json namespace type → the name under /proc/<pid>/ns/. */
export const NS_FILES: Record<string, string> = {
  pid: 'pid',
  network: 'net',
  mount: 'mnt',
  ipc: 'ipc',
  uts: 'uts',
  user: 'user',
  cgroup: 'cgroup',
  time: 'time',
};

export interface StatLine {
  name: string;
  /** busybox %F: "character special file", "symbolic link", "directory", ... */
  kind: string;
  major: number;
  minor: number;
  /** permission bits in octal, e.g. "666" */
  mode: string;
  uid: number;
  gid: number;
  /** symlink target (for symlinks), else "" */
  target: string;
}

/** The `stat -c` format that parseStatLines reads. */
export const STAT_FORMAT = '%n|%F|%t|%T|%a|%u|%g|%N';

/** Parse lines printed by `stat -c '${STAT_FORMAT}' ...` (busybox or coreutils). */
export function parseStatLines(text: string): Record<string, StatLine> {
  const out: Record<string, StatLine> = {};
  for (const line of text.split('\n')) {
    if (!line.includes('|')) continue;
    const [name, kind, maj, min, mode, uid, gid, quoted] = line.split('|');
    const arrow = /-> '?(.*?)'?$/.exec(quoted ?? '');
    out[name!] = {
      name: name!,
      kind: kind!,
      major: parseInt(maj!, 16),
      minor: parseInt(min!, 16),
      mode: mode!,
      uid: Number(uid),
      gid: Number(gid),
      target: kind === 'symbolic link' && arrow ? arrow[1]! : '',
    };
  }
  return out;
}

export interface CapSets {
  bounding?: string[];
  effective?: string[];
  permitted?: string[];
  inheritable?: string[];
  ambient?: string[];
}

/**
 * The masks /proc/self/status shows for a process that the runtime started with the given
 * process.capabilities, as user `uid`, with or without no_new_privs, running a binary without
 * file capabilities (busybox). The runtime sets the five sets, then execve() recomputes them
 * (capabilities(7)):
 *  - ambient can only hold what is also permitted and inheritable: A' = A ∩ P ∩ I;
 *  - uid 0 (no SECBIT_NOROOT): P' = I ∪ Bnd ∪ A'; any other uid: P' = A';
 *  - with no_new_privs exec cannot gain: P' = P' ∩ P;
 *  - E' = P' (root, and non-root through ambient).
 * The bounding and inheritable sets pass through execve unchanged.
 */
export function expectedCapMasks(
  caps: CapSets,
  uid: number,
  noNewPrivs: boolean,
): Record<'CapInh' | 'CapPrm' | 'CapEff' | 'CapBnd' | 'CapAmb', string> {
  const b = caps.bounding ?? [];
  const p = caps.permitted ?? [];
  const i = caps.inheritable ?? [];
  const a = (caps.ambient ?? []).filter((c) => p.includes(c) && i.includes(c));
  let prm = uid === 0 ? [...new Set([...i, ...b, ...a])] : a;
  if (noNewPrivs) prm = prm.filter((c) => p.includes(c));
  return {
    CapInh: capMask(i),
    CapPrm: capMask(prm),
    CapEff: capMask(prm),
    CapBnd: capMask(b),
    CapAmb: capMask(a),
  };
}

/** The capability-mask lines of /proc/<pid>/status. */
export function capLines(status: Record<string, string>): Record<'CapInh' | 'CapPrm' | 'CapEff' | 'CapBnd' | 'CapAmb', string> {
  return {
    CapInh: status.CapInh ?? '',
    CapPrm: status.CapPrm ?? '',
    CapEff: status.CapEff ?? '',
    CapBnd: status.CapBnd ?? '',
    CapAmb: status.CapAmb ?? '',
  };
}
