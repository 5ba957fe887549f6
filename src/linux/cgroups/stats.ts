/**
 * Container statistics in runc's types (runc 1.1 types/events.go, the `data` of a "stats"
 * event), read from the container's cgroup files: cgroup v1 files where the controller is a v1
 * one, cgroup v2 files otherwise (hybrid: hugetlb from /sys/fs/cgroup/unified).
 *
 * Go's omitempty is reproduced: a field marked omitempty in runc is left out when it is zero;
 * struct fields are always there. Values are bigint (exact uint64), see json.ts.
 */
import * as fs from 'node:fs';
import { hugepageDirToSize, parseCpuList } from './convert';
import { parseKeyValues, readFile, readU64 } from './fsio';
import type { CgroupPaths } from './control';

type Obj = Record<string, unknown>;
const MAX_U64 = 18446744073709551615n;
/** USER_HZ: cpuacct.stat counts in clock ticks */
const CLOCK_TICKS = 100n;

const omit0 = (v: bigint | undefined): bigint | undefined => (v === undefined || v === 0n ? undefined : v);
const omitEmpty = <T>(a: T[]): T[] | undefined => (a.length ? a : undefined);

function numbers(text: string | undefined): bigint[] {
  return (text ?? '')
    .trim()
    .split(/\s+/)
    .filter((x) => /^\d+$/.test(x))
    .map((x) => BigInt(x));
}

/** The page sizes of this kernel, as hugetlb file names use them ("2MB", "1GB"). */
export function hugePageSizes(): string[] {
  try {
    return fs
      .readdirSync('/sys/kernel/mm/hugepages')
      .map(hugepageDirToSize)
      .filter((x): x is string => x !== undefined);
  } catch {
    return [];
  }
}

// --- cgroup v1 -------------------------------------------------------------------------------

function cpuV1(cpuDir: string | undefined, acctDir: string | undefined): Obj {
  const usage: Obj = {};
  if (acctDir) {
    usage['total'] = omit0(readU64(acctDir, 'cpuacct.usage'));
    usage['percpu'] = omitEmpty(numbers(readFile(acctDir, 'cpuacct.usage_percpu')));
    const kernel: bigint[] = [];
    const user: bigint[] = [];
    for (const line of (readFile(acctDir, 'cpuacct.usage_all') ?? '').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length === 3 && f.every((x) => /^\d+$/.test(x))) {
        user.push(BigInt(f[1]!));
        kernel.push(BigInt(f[2]!));
      }
    }
    usage['percpu_kernel'] = omitEmpty(kernel);
    usage['percpu_user'] = omitEmpty(user);
    const st = parseKeyValues(readFile(acctDir, 'cpuacct.stat'));
    usage['kernel'] = ((st.get('system') ?? 0n) * 1_000_000_000n) / CLOCK_TICKS;
    usage['user'] = ((st.get('user') ?? 0n) * 1_000_000_000n) / CLOCK_TICKS;
  } else {
    usage['kernel'] = 0n;
    usage['user'] = 0n;
  }
  const st = parseKeyValues(cpuDir ? readFile(cpuDir, 'cpu.stat') : undefined);
  return {
    usage,
    throttling: {
      periods: omit0(st.get('nr_periods')),
      throttledPeriods: omit0(st.get('nr_throttled')),
      throttledTime: omit0(st.get('throttled_time')),
    },
  };
}

function cpusetV1(dir: string | undefined): Obj {
  const n = (f: string): bigint => (dir ? readU64(dir, `cpuset.${f}`) : undefined) ?? 0n;
  const list = (f: string) => omitEmpty(parseCpuList(dir ? (readFile(dir, `cpuset.${f}`) ?? '') : ''));
  let relax = 0n;
  const r = dir ? readFile(dir, 'cpuset.sched_relax_domain_level')?.trim() : undefined;
  if (r && /^-?\d+$/.test(r)) relax = BigInt(r);
  return {
    cpus: list('cpus'),
    cpu_exclusive: n('cpu_exclusive'),
    mems: list('mems'),
    mem_hardwall: n('mem_hardwall'),
    mem_exclusive: n('mem_exclusive'),
    memory_migrate: n('memory_migrate'),
    memory_spread_page: n('memory_spread_page'),
    memory_spread_slab: n('memory_spread_slab'),
    memory_pressure: n('memory_pressure'),
    sched_load_balance: n('sched_load_balance'),
    sched_relax_domain_level: relax,
  };
}

function memEntryV1(dir: string, prefix: string): Obj {
  const g = (f: string) => readU64(dir, `${prefix}${f}`);
  return { limit: g('limit_in_bytes') ?? 0n, usage: omit0(g('usage_in_bytes')), max: omit0(g('max_usage_in_bytes')), failcnt: g('failcnt') ?? 0n };
}

function rawMap(text: string | undefined): Obj | undefined {
  const kv = parseKeyValues(text);
  if (!kv.size) return undefined;
  const out: Obj = {};
  for (const k of [...kv.keys()].sort()) out[k] = kv.get(k);
  return out;
}

function memoryV1(dir: string): Obj {
  const raw = rawMap(readFile(dir, 'memory.stat'));
  return {
    cache: omit0(raw?.['cache'] as bigint | undefined),
    usage: memEntryV1(dir, 'memory.'),
    swap: memEntryV1(dir, 'memory.memsw.'),
    kernel: memEntryV1(dir, 'memory.kmem.'),
    kernelTCP: memEntryV1(dir, 'memory.kmem.tcp.'),
    raw,
  };
}

function blkioEntries(text: string | undefined): Obj[] {
  const out: Obj[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    const m = /^(\d+):(\d+)$/.exec(f[0]!);
    if (!m || !/^\d+$/.test(f[2]!)) continue;
    out.push({ major: omit0(BigInt(m[1]!)), minor: omit0(BigInt(m[2]!)), op: f[1] || undefined, value: omit0(BigInt(f[2]!)) });
  }
  return out;
}

function blkioV1(dir: string): Obj {
  // runc's order: BFQ, CFQ, throttle (recursive), throttle
  const sets: Array<[string, string]> = [
    ['blkio.bfq.io_service_bytes_recursive', 'blkio.bfq.io_serviced_recursive'],
    ['blkio.io_service_bytes_recursive', 'blkio.io_serviced_recursive'],
    ['blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_serviced_recursive'],
    ['blkio.throttle.io_service_bytes', 'blkio.throttle.io_serviced'],
  ];
  for (const [bytes, ios] of sets) {
    const b = readFile(dir, bytes);
    if (b === undefined) continue;
    return { ioServiceBytesRecursive: omitEmpty(blkioEntries(b)), ioServicedRecursive: omitEmpty(blkioEntries(readFile(dir, ios))) };
  }
  return {};
}

// --- cgroup v2 -------------------------------------------------------------------------------

function cpuV2(dir: string): Obj {
  const st = parseKeyValues(readFile(dir, 'cpu.stat'));
  const us = (k: string) => (st.get(k) ?? 0n) * 1000n;
  return {
    usage: { total: omit0(us('usage_usec')), kernel: us('system_usec'), user: us('user_usec') },
    throttling: { periods: omit0(st.get('nr_periods')), throttledPeriods: omit0(st.get('nr_throttled')), throttledTime: omit0(us('throttled_usec')) },
  };
}

function memoryV2(dir: string): Obj {
  const raw = rawMap(readFile(dir, 'memory.stat'));
  const usage = readU64(dir, 'memory.current') ?? 0n;
  const limit = readU64(dir, 'memory.max') ?? 0n;
  const swapUsage = readU64(dir, 'memory.swap.current');
  const swapLimit = readU64(dir, 'memory.swap.max');
  // like runc: swap reported as memory+swap, for v1 compatibility
  const swap: Obj =
    swapUsage === undefined
      ? { limit: 0n, failcnt: 0n }
      : { limit: swapLimit === MAX_U64 || swapLimit === undefined ? (swapLimit ?? 0n) : swapLimit + limit, usage: omit0(swapUsage + usage), failcnt: 0n };
  return {
    cache: omit0(raw?.['file'] as bigint | undefined),
    usage: { limit, usage: omit0(usage), max: omit0(readU64(dir, 'memory.peak')), failcnt: 0n },
    swap,
    kernel: { limit: 0n, failcnt: 0n },
    kernelTCP: { limit: 0n, failcnt: 0n },
    raw,
  };
}

function blkioV2(dir: string): Obj {
  const bytes: Obj[] = [];
  const ios: Obj[] = [];
  for (const line of (readFile(dir, 'io.stat') ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!m) continue;
    for (const kv of f.slice(1)) {
      const [k, v] = kv.split('=');
      if (v === undefined || !/^\d+$/.test(v)) continue;
      const e = { major: omit0(BigInt(m[1]!)), minor: omit0(BigInt(m[2]!)), op: '', value: omit0(BigInt(v)) };
      if (k === 'rbytes') bytes.push({ ...e, op: 'Read' });
      else if (k === 'wbytes') bytes.push({ ...e, op: 'Write' });
      else if (k === 'rios') ios.push({ ...e, op: 'Read' });
      else if (k === 'wios') ios.push({ ...e, op: 'Write' });
    }
  }
  return { ioServiceBytesRecursive: omitEmpty(bytes), ioServicedRecursive: omitEmpty(ios) };
}

function pidsStats(dir: string | undefined): Obj {
  if (!dir) return {};
  const max = readU64(dir, 'pids.max');
  return { current: omit0(readU64(dir, 'pids.current')), limit: max === MAX_U64 ? undefined : omit0(max) };
}

function hugetlbStats(paths: CgroupPaths): Obj {
  const out: Obj = {};
  const v1 = paths['hugetlb'];
  const v2 = paths[''];
  for (const size of hugePageSizes()) {
    if (v1 && readFile(v1, `hugetlb.${size}.usage_in_bytes`) !== undefined) {
      out[size] = { usage: omit0(readU64(v1, `hugetlb.${size}.usage_in_bytes`)), max: omit0(readU64(v1, `hugetlb.${size}.max_usage_in_bytes`)), failcnt: readU64(v1, `hugetlb.${size}.failcnt`) ?? 0n };
    } else if (v2 && readFile(v2, `hugetlb.${size}.current`) !== undefined) {
      const ev = parseKeyValues(readFile(v2, `hugetlb.${size}.events`));
      out[size] = { usage: omit0(readU64(v2, `hugetlb.${size}.current`)), failcnt: ev.get('max') ?? 0n };
    }
  }
  return out;
}

/** runc's types.Stats for a container's cgroups. */
export function readStats(paths: CgroupPaths): Obj {
  const u = paths[''];
  const v1 = (c: string) => paths[c];
  const cpu = v1('cpu') || v1('cpuacct') ? cpuV1(v1('cpu'), v1('cpuacct')) : u ? cpuV2(u) : cpuV1(undefined, undefined);
  const cpuset = v1('cpuset') ? cpusetV1(v1('cpuset')) : cpusetV1(undefined);
  const memory = v1('memory') ? memoryV1(v1('memory')!) : u && readFile(u, 'memory.current') !== undefined ? memoryV2(u) : memoryV1('/nonexistent');
  const pids = pidsStats(v1('pids') ?? (u && readFile(u, 'pids.current') !== undefined ? u : undefined));
  const blkio = v1('blkio') ? blkioV1(v1('blkio')!) : u ? blkioV2(u) : {};
  return {
    cpu,
    cpuset,
    memory,
    pids,
    blkio,
    hugetlb: hugetlbStats(paths),
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** The OOM-kill counter of the container's memory cgroup (v1 memory.oom_control, v2 memory.events). */
export function oomKillCount(paths: CgroupPaths): bigint | undefined {
  const m = paths['memory'];
  if (m) return parseKeyValues(readFile(m, 'memory.oom_control')).get('oom_kill');
  const u = paths[''];
  if (u) return parseKeyValues(readFile(u, 'memory.events')).get('oom_kill');
  return undefined;
}
