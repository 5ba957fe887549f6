/**
 * Scheduling, I/O priority, CPU affinity and NUMA memory policy: the kernel's numbers for the
 * runtime-spec names (process.scheduler, process.ioPriority, process.execCPUAffinity,
 * linux.memoryPolicy), and the list syntax "0-3,7" those fields share. No I/O.
 */

/** sched_setattr(2) policies (SCHED_ISO is reserved by the kernel: it answers EINVAL). */
export const SCHED_POLICY: Record<string, number> = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
};

/** sched_attr.sched_flags */
export const SCHED_FLAG: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

/** ioprio classes (linux/ioprio.h); the value is class << 13 | level */
export const IOPRIO_CLASS: Record<string, number> = {
  IOPRIO_CLASS_RT: 1,
  IOPRIO_CLASS_BE: 2,
  IOPRIO_CLASS_IDLE: 3,
};

export function ioprioValue(cls: string, level: number): number {
  return ((IOPRIO_CLASS[cls] ?? 0) << 13) | (level & 0x1fff);
}

/** set_mempolicy(2) modes and mode flags (linux/mempolicy.h) */
export const MPOL_MODE: Record<string, number> = {
  MPOL_DEFAULT: 0,
  MPOL_PREFERRED: 1,
  MPOL_BIND: 2,
  MPOL_INTERLEAVE: 3,
  MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5,
  MPOL_WEIGHTED_INTERLEAVE: 6,
};
export const MPOL_FLAG: Record<string, number> = {
  MPOL_F_NUMA_BALANCING: 1 << 13,
  MPOL_F_RELATIVE_NODES: 1 << 14,
  MPOL_F_STATIC_NODES: 1 << 15,
};

/** Modes that take no node list, and modes that need at least one node (set_mempolicy(2)). */
export const MPOL_NO_NODES = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
export const MPOL_NEEDS_NODES = new Set(['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED_MANY']);

/** The highest CPU or node number a list may name (the kernel's NR_CPUS limit is 8192). */
export const MAX_LIST_ID = 8191;

/**
 * "0-3,7" → [0, 1, 2, 3, 7] (sorted, unique); "" → []. undefined when the text is not a list of
 * numbers and ascending ranges, or names an id above MAX_LIST_ID.
 */
export function parseIdList(text: string): number[] | undefined {
  const out = new Set<number>();
  const t = text.trim();
  if (t === '') return [];
  for (const part of t.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b > MAX_LIST_ID) return undefined;
    for (let k = a; k <= b; k++) out.add(k);
  }
  return [...out].sort((x, y) => x - y);
}

/** A kernel bitmap (an array of 64-bit words, little-endian) with the given bits set. */
export function bitmask(ids: readonly number[]): Buffer {
  const top = ids.length ? Math.max(...ids) : 0;
  const b = Buffer.alloc((Math.floor(top / 64) + 1) * 8);
  for (const id of ids) b[id >> 3]! |= 1 << (id & 7);
  return b;
}

/**
 * The all-CPUs affinity mask (runc 1.3.1's reset): sched_setaffinity(2) narrows it to the CPUs
 * of the process's cpuset, so a process does not keep the runtime's own narrower affinity.
 * 8192 bits: every CPU a kernel can have.
 */
export function allCpusMask(): Buffer {
  return Buffer.alloc((MAX_LIST_ID + 1) / 8, 0xff);
}
