/**
 * The cgroup layout of this machine: which hierarchies are mounted where, in which mode
 * (legacy v1, v1 hybrid = v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified, or
 * pure v2), and the runtime's own cgroup in each hierarchy (/proc/self/cgroup).
 *
 * Everything here is parsed from text so that it can be unit-tested without a host.
 */
import { fs } from '../../native/fs';
import * as path from '../path';
import * as loops from '../../util/loops';
import { cgroupLine, fields, unescapeOctal } from '../../util/text';

export type CgroupMode = 'v1' | 'hybrid' | 'v2';

/** The v1 controllers a container joins (named hierarchies like name=systemd are joined too). */
export const V1_CONTROLLERS = [
  'cpuset', 'cpu', 'cpuacct', 'memory', 'devices', 'freezer', 'pids', 'blkio', 'hugetlb',
  'net_cls', 'net_prio', 'perf_event', 'rdma', 'misc',
] as const;
const KNOWN_V1 = new Set<string>(V1_CONTROLLERS);

export interface Hierarchy {
  /** where it is mounted, e.g. /sys/fs/cgroup/cpu,cpuacct or /sys/fs/cgroup */
  mountPoint: string;
  /** the cgroup shown at the mount point (mountinfo field 4; "/" unless in a cgroup namespace) */
  root: string;
  /** v1: the controllers (or "name=systemd") of this hierarchy; v2: [] */
  controllers: string[];
  /** the /proc/<pid>/cgroup key: "cpu,cpuacct", "name=systemd", "" for v2 */
  key: string;
}

export interface Layout {
  mode: CgroupMode;
  /** v1 hierarchies (none in pure v2) */
  v1: Hierarchy[];
  /** the cgroup2 hierarchy (pure v2 at /sys/fs/cgroup, hybrid at /sys/fs/cgroup/unified) */
  unified?: Hierarchy;
  /** controllers available in the cgroup2 hierarchy's root (cgroup.controllers) */
  unifiedControllers: string[];
}

/** Parse /proc/self/mountinfo text into the cgroup layout (controllers of v2 read separately). */
export function parseLayout(mountinfo: string, unifiedControllers: string[] = []): Layout {
  const v1: Hierarchy[] = [];
  const seen = new Set<string>();
  let unified: Hierarchy | undefined;
  for (const line of mountinfo.split('\n')) {
    if (!line) continue;
    const [pre, post] = line.split(' - ');
    const a = (pre ?? '').split(' ');
    const b = (post ?? '').split(' ');
    const fstype = b[0] ?? '';
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const root = unescapeOctal(a[3] ?? '/');
    const mountPoint = unescapeOctal(a[4] ?? '');
    if (fstype === 'cgroup2') {
      // prefer the one under /sys/fs/cgroup when there are several
      if (!unified || (mountPoint.startsWith('/sys/fs/cgroup') && !unified.mountPoint.startsWith('/sys/fs/cgroup')))
        unified = { mountPoint, root, controllers: [], key: '' };
      continue;
    }
    const controllers = loops.filter((b[2] ?? '').split(','), (o) => KNOWN_V1.has(o) || o.startsWith('name='));
    if (!controllers.length) continue;
    const key = controllers.join(',');
    if (seen.has(key)) continue; // a bind mount of a hierarchy we already have
    seen.add(key);
    v1.push({ mountPoint, root, controllers, key });
  }
  let mode: CgroupMode;
  const realV1 = loops.some(v1, (h) => loops.some(h.controllers, (c) => !c.startsWith('name=')));
  if (!realV1 && unified) mode = 'v2';
  else if (unified) mode = 'hybrid';
  else mode = 'v1';
  const out: Layout = { mode, v1: mode === 'v2' ? [] : v1, unifiedControllers: unified ? unifiedControllers : [] };
  if (unified) out.unified = unified;
  return out;
}

/** /proc/<pid>/cgroup text → key ("cpu,cpuacct", "name=systemd", "" for v2) → path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = cgroupLine(line);
    if (m) out.set(m[0], m[1] || '/');
  }
  return out;
}

/** The own cgroup path of `pid` in hierarchy `h` (as in /proc/<pid>/cgroup), "/" if unknown. */
export function ownPath(own: Map<string, string>, h: Hierarchy): string {
  const direct = own.get(h.key);
  if (direct !== undefined) return direct;
  // the same hierarchy may be listed with its controllers in another order
  for (const [k, v] of own) {
    const ks = k.split(',');
    if (k !== '' && h.controllers.every((c) => ks.includes(c))) return v;
  }
  return '/';
}

/** The directory of cgroup `cg` (a path as in /proc/<pid>/cgroup) in hierarchy `h`. */
export function dirOf(h: Hierarchy, cg: string): string {
  let rel = cg;
  if (h.root !== '/' && (cg === h.root || cg.startsWith(h.root + '/'))) rel = cg.slice(h.root.length) || '/';
  return path.posix.join(h.mountPoint, rel);
}

/** Which hierarchy serves controller `ctrl` in this layout: 1 (v1), 2 (cgroup2), or undefined. */
export function controllerVersion(l: Layout, ctrl: string): 1 | 2 | undefined {
  if (loops.some(l.v1, (h) => h.controllers.includes(ctrl))) return 1;
  if (l.unified && l.unifiedControllers.includes(ctrl)) return 2;
  return undefined;
}

let cached: Layout | undefined;

/** The layout of this machine (read once per process). */
export function hostLayout(): Layout {
  if (cached) return cached;
  const l = parseLayout(fs.readFileSync('/proc/self/mountinfo', 'latin1'));
  if (l.unified) {
    try {
      l.unifiedControllers = fields(fs.readFileSync(path.join(l.unified.mountPoint, 'cgroup.controllers'), 'latin1'));
    } catch {
      /* none */
    }
  }
  cached = l;
  return l;
}

export function ownCgroups(pid: number | 'self' = 'self'): Map<string, string> {
  try {
    return parseProcCgroup(fs.readFileSync(`/proc/${pid}/cgroup`, 'latin1'));
  } catch {
    return new Map();
  }
}

export function describeMode(m: CgroupMode): string {
  return m === 'v2' ? 'cgroup v2' : m === 'hybrid' ? 'cgroup v1 hybrid' : 'cgroup v1';
}
