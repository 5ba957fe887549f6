/**
 * Value conversions between the OCI resources and cgroup files, following runc and crun.
 * Pure functions, unit-tested in test/unit/cgroups.test.ts.
 */
import type { LinuxDeviceCgroup } from '../../../spec';
import * as loops from '../../util/loops';

/**
 * cpu.shares (v1, 2..262144, default 1024) → cpu.weight (v2, 1..10000, default 100): crun's
 * formula (crun ≥ 1.23, also runc ≥ 1.3): a quadratic in log2(shares) through the minimum, the
 * default and the maximum, so that 1024 shares are the default weight 100 (the older linear
 * formula 1 + (shares-2)*9999/262142 gave 39). 0 means unset.
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return Math.ceil(Math.pow(10, exponent));
}

/** blkio.weight (10..1000) → io.weight (1..10000), runc's ConvertBlkIOToIOWeightValue. 0 = unset. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** A memory/pids limit for a v2 file: negative → "max". */
export function v2Limit(v: number): string {
  return v < 0 ? 'max' : String(v);
}

/**
 * memory.swap (memory+swap, v1 semantics) → memory.swap.max (swap only): runc's
 * ConvertMemorySwapToCgroupV2Value. Returns a number (-1 = max, 0 = unset) or an error text.
 */
export function swapToV2(swap: number, limit: number): number | string {
  // memory unlimited and swap not set: both unlimited
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === 0 || limit === -1) return 'unable to set swap limit without memory limit';
  if (limit < 0) return `invalid memory value: ${limit}`;
  if (swap < limit) return 'memory+swap limit should be >= memory limit';
  return swap - limit;
}

/** "2MB" → bytes (base 1024), undefined when malformed. */
export function pageSizeBytes(s: string): number | undefined {
  const m = /^([1-9][0-9]*)([KMG])B$/.exec(s);
  if (!m) return undefined;
  const mul = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as 'K' | 'M' | 'G'];
  return Number(m[1]) * mul;
}

/** /sys/kernel/mm/hugepages/hugepages-2048kB → "2MB" (the name used in hugetlb.<size>.* files). */
export function hugepageDirToSize(dir: string): string | undefined {
  const m = /^hugepages-(\d+)kB$/.exec(dir);
  if (!m) return undefined;
  let v = Number(m[1]);
  const units = ['KB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (v >= 1024 && v % 1024 === 0 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v}${units[u]}`;
}

/** "0-3,7" → [0,1,2,3,7] */
export function parseCpuList(s: string): number[] {
  const out: number[] = [];
  for (const part of s.trim().split(',')) {
    if (!part) continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    for (let k = a; k <= b; k++) out.push(k);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Devices

/** One device rule, normalized: type a|c|b, major/minor -1 for "*", access a subset of "rwm". */
export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'c' | 'b';
  major: number;
  minor: number;
  access: string;
}

/**
 * runc's AllowedDevices (libcontainer/specconv), appended after the config's rules: mknod of any
 * device, and /dev/null, random, full, tty, zero, urandom, pts/*, ptmx, net/tun. Like runc, the
 * nodes of linux.devices are not allowed automatically.
 */
export const DEFAULT_ALLOWED_DEVICES: readonly DeviceRule[] = [
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

/**
 * A config rule → DeviceRule, or an error text. Unset type = "a", unset numbers = "*", unset access
 * = "rwm". Letters other than r, w, m are ignored, as runc does ("rwa" is "rw"); a c/b rule left
 * with no access at all changes nothing (its access is "").
 */
export function normalizeDeviceRule(d: LinuxDeviceCgroup): DeviceRule | string {
  const type = d.type ?? 'a';
  if (type !== 'a' && type !== 'c' && type !== 'b') return `invalid device type ${JSON.stringify(type)} (want "a", "c" or "b")`;
  const access = d.access === undefined || d.access === '' ? 'rwm' : d.access;
  const norm = loops.filter(['r', 'w', 'm'] as const, (c) => access.includes(c)).join('');
  const major = d.major ?? -1;
  const minor = d.minor ?? -1;
  if (major < -1 || minor < -1) return 'invalid device number (want -1 or more)';
  return { allow: d.allow, type, major, minor, access: norm };
}

/** The full rule list a container gets: deny everything, the config's rules in order, runc's defaults. */
export function containerDeviceRules(rules: readonly DeviceRule[]): DeviceRule[] {
  return [{ allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' }, ...rules, ...DEFAULT_ALLOWED_DEVICES];
}

/** The v1 devices.allow / devices.deny line of a rule: "c 1:3 rwm", "a *:* rwm". */
export function v1DeviceLine(r: DeviceRule): string {
  const n = (x: number) => (x < 0 ? '*' : String(x));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

/** v1 writes for a rule list: [file, line] in order. */
export function v1DeviceWrites(rules: readonly DeviceRule[]): Array<['devices.allow' | 'devices.deny', string]> {
  return loops.map(rules, (r) => [r.allow ? 'devices.allow' : 'devices.deny', r.type === 'a' ? 'a' : v1DeviceLine(r)]);
}

/**
 * The effect of applying `rules` in order, as cgroup v1 would (runc's devices emulator): a
 * default (allow or deny everything) and exceptions to it. A type-"a" rule resets to a default;
 * another rule adds an exception when its action differs from the default, or removes access
 * from the exactly matching exception when it agrees with it. Punching a hole in a wildcard
 * exception ("deny c 1:3" after "allow c 1:*") cannot be expressed in v1: an error, as in runc.
 * The result is what hezi writes (v1) and compiles (v2 eBPF): [default, ...exceptions].
 * Rules from index `lenientFrom` on are skipped instead of failing (the mknod rules below).
 */
export function emulateDeviceRules(rules: readonly DeviceRule[], lenientFrom = Infinity): DeviceRule[] | string {
  let defaultAllow = false;
  let ex = new Map<string, { type: 'c' | 'b'; major: number; minor: number; access: Set<string> }>();
  const key = (t: string, a: number, b: number) => `${t} ${a}:${b}`;
  for (const [idx, r] of rules.entries()) {
    if (r.type === 'a') {
      defaultAllow = r.allow;
      ex = new Map();
      continue;
    }
    const k = key(r.type, r.major, r.minor);
    if (r.allow !== defaultAllow) {
      const cur = ex.get(k) ?? { type: r.type, major: r.major, minor: r.minor, access: new Set<string>() };
      for (const c of r.access) cur.access.add(c);
      ex.set(k, cur);
      continue;
    }
    let hole = false;
    for (const [pa, pb] of [
      [-1, r.minor],
      [r.major, -1],
      [-1, -1],
    ] as const) {
      if (pa === r.major && pb === r.minor) continue;
      const partial = ex.get(key(r.type, pa, pb));
      if (partial && sharesAccess(r.access, partial.access) && idx >= lenientFrom) {
        hole = true;
        break;
      }
      if (partial && sharesAccess(r.access, partial.access))
        return `rule "${r.allow ? 'allow' : 'deny'} ${v1DeviceLine(r)}" cannot punch a hole in the wildcard rule "${defaultAllow ? 'deny' : 'allow'} ${v1DeviceLine({ ...partial, allow: !defaultAllow, access: [...partial.access].join('') })}" (cgroup v1 cannot express it)`;
    }
    const cur = ex.get(k);
    if (cur && !hole) {
      for (const c of r.access) cur.access.delete(c);
      if (!cur.access.size) ex.delete(k);
    }
  }
  const order = (a: Set<string>) => loops.filter(['r', 'w', 'm'], (c) => a.has(c)).join('');
  const out: DeviceRule[] = [{ allow: defaultAllow, type: 'a', major: -1, minor: -1, access: 'rwm' }];
  for (const e of ex.values()) out.push({ allow: !defaultAllow, type: e.type, major: e.major, minor: e.minor, access: order(e.access) });
  return out;
}

/** `access` ("rwm") has a letter that is in `set` (a loop over the string: spreading it makes the engine compile its iteration helper) */
function sharesAccess(access: string, set: Set<string>): boolean {
  for (let i = 0; i < access.length; i++) if (set.has(access[i]!)) return true;
  return false;
}

/**
 * mknod of the linux.devices nodes. runc writes the device rules only after the container's
 * init has created its /dev nodes; hezi writes them before the init forks the container process,
 * so the nodes the config asks for get "m" (mknod only: opening them still follows the rules).
 */
export function mknodRules(devices: ReadonlyArray<{ type: string; major?: number | undefined; minor?: number | undefined }>): DeviceRule[] {
  const out: DeviceRule[] = [];
  for (const d of devices) {
    const type = d.type === 'b' ? 'b' : d.type === 'c' || d.type === 'u' ? 'c' : undefined;
    if (!type || d.major === undefined || d.minor === undefined) continue;
    out.push({ allow: true, type, major: d.major, minor: d.minor, access: 'm' });
  }
  return out;
}
