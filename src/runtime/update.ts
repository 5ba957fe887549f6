/**
 * `update`: change a live container's resources, runc's way. The new values are merged into the
 * resources stored in state.json (config.linux.resources) and written to the cgroup; values that
 * the kernel checks together are written together (memory limit + swap, cpu quota + period, as
 * runc's update does with its merged config). Device rules are not changed by update (runc).
 */
import type { LinuxResources } from '../../spec';
import { parsers } from '../config/parsers';
import { applyResources } from '../linux/cgroups/manager';
import { load } from './container';
import { E, HeziError } from './errors';
import type { StateStore } from './state-store';

type Res = LinuxResources;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Drop nulls (Go's nil pointers: "not set") from a parsed JSON document, recursively. */
export function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
    return out;
  }
  return v;
}

/** `base` with `patch` over it: objects merged key by key (unified, rdma too), arrays replaced. */
export function mergeResources(base: Res, patch: Res): Res {
  const merge = (a: unknown, b: unknown): unknown => {
    if (b === undefined) return a;
    if (isObj(a) && isObj(b)) {
      const out: Obj = { ...a };
      for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
      return out;
    }
    return b;
  };
  return merge(base, patch) as Res;
}

/**
 * What to write for an update: the patch, plus the merged partner of every value the kernel checks
 * against another (memory limit/swap, cpu quota/period) and checkBeforeUpdate.
 */
export function effectiveUpdate(patch: Res, merged: Res): Res {
  const out: Res = structuredClone(patch);
  const pm = patch.memory;
  if (pm && (pm.limit !== undefined || pm.swap !== undefined)) {
    const m = merged.memory ?? {};
    out.memory = { ...pm };
    if (m.limit !== undefined) out.memory.limit = m.limit;
    if (m.swap !== undefined) out.memory.swap = m.swap;
    if (m.checkBeforeUpdate !== undefined) out.memory.checkBeforeUpdate = m.checkBeforeUpdate;
  }
  const pc = patch.cpu;
  if (pc && (pc.quota !== undefined || pc.period !== undefined)) {
    const c = merged.cpu ?? {};
    out.cpu = { ...pc };
    if (c.quota !== undefined) out.cpu.quota = c.quota;
    if (c.period !== undefined) out.cpu.period = c.period;
  }
  delete out.devices;
  return out;
}

/** Parse a LinuxResources JSON document (runc update -r); nulls mean "not set". */
export function parseResources(text: string): Res {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HeziError(`unable to parse the resources: ${(e as Error).message}`);
  }
  const r = parsers().resources(stripNulls(json));
  if (!r.ok) throw new HeziError(`invalid resources: ${r.errors.join('; ')}`);
  return r.value;
}

/** docker/go-units RAMInBytes: "64m", "1.5g", "512MiB", "1024" (binary multipliers). */
export function ramInBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  if (!m) return undefined;
  const mul = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[(m[2] ?? '').toLowerCase() as '' | 'k'];
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return undefined;
  return Math.trunc(n * mul);
}

export interface UpdateFlags {
  memory?: string | undefined;
  memoryReservation?: string | undefined;
  memorySwap?: string | undefined;
  kernelMemory?: string | undefined;
  kernelMemoryTcp?: string | undefined;
  cpuShares?: string | undefined;
  cpuQuota?: string | undefined;
  cpuBurst?: string | undefined;
  cpuIdle?: string | undefined;
  cpuPeriod?: string | undefined;
  cpuRtRuntime?: string | undefined;
  cpuRtPeriod?: string | undefined;
  cpusetCpus?: string | undefined;
  cpusetMems?: string | undefined;
  pidsLimit?: number | undefined;
  blkioWeight?: number | undefined;
}

/** runc update's per-field flags → LinuxResources (only the flags given), with runc's error words. */
export function resourcesFromFlags(f: UpdateFlags): Res {
  const r: Res = {};
  const uint = (opt: string, v: string): number => {
    if (!/^\d+$/.test(v)) throw new HeziError(`invalid value for ${opt}: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
    return Number(v);
  };
  const int = (opt: string, v: string): number => {
    if (!/^-?\d+$/.test(v)) throw new HeziError(`invalid value for ${opt}: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    return Number(v);
  };
  const mem = (opt: string, v: string): number => {
    if (v === '-1') return -1;
    const n = ramInBytes(v);
    if (n === undefined) throw new HeziError(`invalid value for ${opt}: invalid size: '${v}'`);
    return n;
  };
  const cpu = (): NonNullable<Res['cpu']> => (r.cpu ??= {});
  const memory = (): NonNullable<Res['memory']> => (r.memory ??= {});
  if (f.cpuPeriod) cpu().period = uint('cpu-period', f.cpuPeriod);
  if (f.cpuRtPeriod) cpu().realtimePeriod = uint('cpu-rt-period', f.cpuRtPeriod);
  if (f.cpuShares) cpu().shares = uint('cpu-share', f.cpuShares);
  if (f.cpuQuota) cpu().quota = int('cpu-quota', f.cpuQuota);
  if (f.cpuBurst) cpu().burst = uint('cpu-burst', f.cpuBurst);
  if (f.cpuIdle) cpu().idle = int('cpu-idle', f.cpuIdle);
  if (f.cpuRtRuntime) cpu().realtimeRuntime = int('cpu-rt-runtime', f.cpuRtRuntime);
  if (f.cpusetCpus) cpu().cpus = f.cpusetCpus;
  if (f.cpusetMems) cpu().mems = f.cpusetMems;
  if (f.memory) memory().limit = mem('memory', f.memory);
  if (f.memorySwap) memory().swap = mem('memory-swap', f.memorySwap);
  if (f.kernelMemory) memory().kernel = mem('kernel-memory', f.kernelMemory);
  if (f.kernelMemoryTcp) memory().kernelTCP = mem('kernel-memory-tcp', f.kernelMemoryTcp);
  if (f.memoryReservation) memory().reservation = mem('memory-reservation', f.memoryReservation);
  if (f.pidsLimit !== undefined) r.pids = { limit: f.pidsLimit };
  if (f.blkioWeight !== undefined) {
    if (f.blkioWeight < 0 || f.blkioWeight > 65535) throw new HeziError(`invalid value for blkio-weight: ${f.blkioWeight}`);
    r.blockIO = { weight: f.blkioWeight };
  }
  return r;
}

/** `update --l3-cache-schema / --mem-bw-schema` */
export interface RdtUpdate {
  l3CacheSchema?: string | undefined;
  memBwSchema?: string | undefined;
}

/** Apply `patch` (and the Intel RDT schemata) to container `id` and store the merged resources. */
export function update(store: StateStore, id: string, patch: Res, rdtFlags: RdtUpdate = {}): void {
  const { l3CacheSchema, memBwSchema } = rdtFlags;
  load(store, id); // "container does not exist" before taking the lock
  const rdt = l3CacheSchema || memBwSchema ? (require('./intelrdt') as typeof import('./intelrdt')) : undefined;
  rdt?.checkRdtUpdate(l3CacheSchema, memBwSchema);
  const unlock = store.lock(id);
  try {
    const { rec, status } = load(store, id);
    if (!rec || status === 'stopped' || status === 'creating') throw E.notRunning();
    if (!rec.cgroupPaths) throw new HeziError('cannot update a container that has no cgroup');
    // runc: unlimited memory without a swap value is unlimited memory and swap (cgroup v1 checks
    // memory <= memory+swap at every write)
    if (patch.memory?.limit === -1 && patch.memory.swap === undefined) patch = { ...patch, memory: { ...patch.memory, swap: -1 } };
    const merged = mergeResources(rec.config.linux?.resources ?? {}, patch);
    applyResources(rec.cgroupPaths, effectiveUpdate(patch, merged), { update: true });
    rec.config = { ...rec.config, linux: { ...(rec.config.linux ?? {}), resources: merged } };
    if (rdt) {
      const lines = [l3CacheSchema, memBwSchema].filter((l): l is string => !!l);
      rec.intelRdt = rdt.updateIntelRdt(id, rec.intelRdt, lines, rec.pid);
      const stored = rec.config.linux?.intelRdt ?? {};
      rec.config.linux = { ...rec.config.linux, intelRdt: { ...stored, ...(l3CacheSchema ? { l3CacheSchema } : {}), ...(memBwSchema ? { memBwSchema } : {}) } };
    }
    store.write(rec);
  } finally {
    unlock();
  }
}
