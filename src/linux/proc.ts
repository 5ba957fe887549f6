import { fs } from '../native/fs';
import { unescapeOctal } from '../util/text';

/**
 * The start time of a process (field 22 of /proc/<pid>/stat, in clock ticks since boot), and
 * whether it is a zombie. undefined when there is no such process.
 */
export function procStat(pid: number): { startTime: string; state: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: fields start after the last ')'
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 is rest[19]
  const state = rest[0] ?? '?';
  const startTime = rest[19] ?? '';
  return { startTime, state };
}

let lastCapCache: number | undefined;
export function lastCap(): number {
  if (lastCapCache === undefined) {
    try {
      lastCapCache = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'latin1').trim());
    } catch {
      lastCapCache = 40;
    }
  }
  return lastCapCache;
}

export interface MountInfo {
  id: number;
  parent: number;
  root: string;
  mountPoint: string;
  options: string;
  optional: string;
  fstype: string;
  source: string;
  superOptions: string;
}

export function mountInfo(pid: number | 'self' = 'self'): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of fs.readFileSync(`/proc/${pid}/mountinfo`, 'latin1').split('\n')) {
    if (!line) continue;
    const [pre, post] = line.split(' - ');
    const a = (pre ?? '').split(' ');
    const b = (post ?? '').split(' ');
    out.push({
      id: Number(a[0]),
      parent: Number(a[1]),
      root: unescapeOctal(a[3] ?? ''),
      mountPoint: unescapeOctal(a[4] ?? ''),
      options: a[5] ?? '',
      optional: a.slice(6).join(' '),
      fstype: b[0] ?? '',
      source: unescapeOctal(b[1] ?? ''),
      superOptions: b[2] ?? '',
    });
  }
  return out;
}

/** The mount whose mount point is the longest prefix of `path` (path must be real, no symlinks). */
export function mountOf(path: string, mounts: MountInfo[] = mountInfo()): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    const mp = m.mountPoint;
    if (path === mp || path.startsWith(mp.endsWith('/') ? mp : mp + '/')) {
      if (!best || mp.length >= best.mountPoint.length) best = m;
    }
  }
  return best;
}
