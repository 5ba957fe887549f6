/**
 * linux.resources → an ordered list of cgroup file writes, per host mode. Pure apart from the
 * Probe (which files exist, current values), so that the mapping is unit-tested with a fake host.
 *
 * Rules (runc's unless said otherwise):
 *  - unset (undefined/null) fields are skipped; so are the values runc treats as "unset": 0 for
 *    memory limit/reservation/swap/kernel, cpu shares/period/quota/realtime, blkio weights;
 *    pids.limit 0 is a real limit (config-linux.md), negative = "max".
 *  - a field the host cannot apply (controller not mounted/enabled, file missing, no v2
 *    equivalent) is an error naming the field and the file. Exception: memory.kernel and
 *    memory.kernelTCP are written only where the file exists (kernels ignore them anyway).
 *  - v2 conversions: shares → cpu.weight (crun's formula), quota/period → cpu.max, swap →
 *    memory.swap.max = swap - limit, reservation → memory.low, blkio weight → io.bfq.weight or
 *    io.weight (converted), throttles → io.max, hugetlb → hugetlb.<size>.max, -1 → "max".
 *  - in hybrid mode each controller goes to the hierarchy that has it: v1 if mounted, else the
 *    cgroup2 hierarchy (hugetlb on this kind of host) with the v2 file names.
 */
import type { LinuxResources } from '../../../spec';
import { HeziError } from '../../runtime/errors';
import {
  DeviceRule,
  blkioWeightToIoWeight,
  containerDeviceRules,
  emulateDeviceRules,
  normalizeDeviceRule,
  sharesToWeight,
  swapToV2,
  v1DeviceWrites,
  v2Limit,
} from './convert';
import { CgroupMode, describeMode } from './host';
import * as loops from '../../util/loops';

export interface Write {
  /** the config field, for messages: "linux.resources.memory.limit" */
  field: string;
  /** the controller whose directory holds the file; "" = the cgroup2 directory itself (cgroup.*) */
  ctrl: string;
  file: string;
  value: string;
  /** write only when the file exists; a refusal (EINVAL, EOPNOTSUPP) is not an error */
  optional?: boolean;
  /** on EINVAL, try again once after the other writes (v1 cpu.cfs_period_us before the quota) */
  retryLater?: boolean;
  /** read back and compare (v1 cpu.shares: the kernel clamps silently) */
  verifyShares?: boolean;
}

export interface Probe {
  mode: CgroupMode;
  /** which hierarchy serves a controller: 1, 2 or undefined (not available) */
  version(ctrl: string): 1 | 2 | undefined;
  exists(ctrl: string, file: string): boolean;
  read(ctrl: string, file: string): string | undefined;
}

export interface ResourcePlan {
  writes: Write[];
  /** v2: the device rules for the eBPF program (v1 device rules are plain writes) */
  bpfDevices?: DeviceRule[];
}

export interface PlanOptions {
  /** an update: devices are left alone (as runc update does) */
  update?: boolean;
  /** mknod rules for the linux.devices nodes (see mknodRules) */
  mknod?: DeviceRule[];
  /**
   * a runtime run by a user other than root: it can load no device program (eBPF needs
   * CAP_SYS_ADMIN) nor write v1 device rules: they are skipped (runc's canSkipEBPFError; a
   * config that denies a device is refused by validation)
   */
  rootless?: boolean;
}

const F = 'linux.resources';
const isSet = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;
const nz = (v: number | null | undefined): v is number => isSet(v) && v !== 0;

export function planResources(r: LinuxResources | undefined, p: Probe, o: PlanOptions = {}): ResourcePlan {
  const res: LinuxResources = r ?? {};
  const writes: Write[] = [];
  const out: ResourcePlan = { writes };

  /** the version serving `ctrl`, or an error naming the field and the file */
  const need = (ctrl: string, field: string, v1file: string, v2file = v1file): 1 | 2 => {
    const v = p.version(ctrl);
    if (v === undefined)
      throw new HeziError(`${field}: write ${p.mode === 'v2' ? v2file : v1file}: the ${ctrl} controller is not available on this host (${describeMode(p.mode)})`);
    return v;
  };
  const w = (field: string, ctrl: string, file: string, value: string | number, extra: Partial<Write> = {}): void => {
    writes.push({ field, ctrl, file, value: String(value), ...extra });
  };
  const noV2 = (field: string, what: string): never => {
    throw new HeziError(`${field}: ${what} is not supported by cgroup v2`);
  };

  // --- cpuset (before anything joins: an empty cpuset refuses tasks) --------------------------
  const cpu = res.cpu;
  if (cpu && (cpu.cpus || cpu.mems)) {
    if (cpu.cpus) {
      need('cpuset', `${F}.cpu.cpus`, 'cpuset.cpus');
      w(`${F}.cpu.cpus`, 'cpuset', 'cpuset.cpus', cpu.cpus);
    }
    if (cpu.mems) {
      need('cpuset', `${F}.cpu.mems`, 'cpuset.mems');
      w(`${F}.cpu.mems`, 'cpuset', 'cpuset.mems', cpu.mems);
    }
  }

  // --- memory ---------------------------------------------------------------------------------
  const mem = res.memory;
  if (mem) {
    const L = mem.limit ?? 0;
    const S = mem.swap ?? 0;
    const any = L !== 0 || S !== 0 || nz(mem.reservation) || isSet(mem.swappiness) || mem.disableOOMKiller === true || isSet(mem.useHierarchy) || nz(mem.kernel) || nz(mem.kernelTCP);
    const ver = any ? need('memory', `${F}.memory`, 'memory.limit_in_bytes', 'memory.max') : undefined;
    if (ver === 1) {
      const lim = (v: number) => w(`${F}.memory.limit`, 'memory', 'memory.limit_in_bytes', v);
      const swp = (v: number) => w(`${F}.memory.swap`, 'memory', 'memory.memsw.limit_in_bytes', v);
      let swap = S;
      const memsw = p.exists('memory', 'memory.memsw.limit_in_bytes');
      if (L === -1 && swap === 0 && memsw) swap = -1;
      // no swap accounting in this kernel: unlimited swap is what it does anyway
      if (swap === -1 && !memsw) swap = 0;
      if (L !== 0 && swap !== 0) {
        // the kernel checks memory <= memory+swap at every write: order the two writes
        const cur = Number(p.read('memory', 'memory.limit_in_bytes') ?? '0');
        if (swap === -1 || cur < swap) {
          swp(swap);
          lim(L);
        } else {
          lim(L);
          swp(swap);
        }
      } else {
        if (L !== 0) lim(L);
        if (swap !== 0) swp(swap);
      }
      if (nz(mem.reservation)) w(`${F}.memory.reservation`, 'memory', 'memory.soft_limit_in_bytes', mem.reservation);
      if (nz(mem.kernel)) w(`${F}.memory.kernel`, 'memory', 'memory.kmem.limit_in_bytes', mem.kernel, { optional: true });
      if (nz(mem.kernelTCP)) w(`${F}.memory.kernelTCP`, 'memory', 'memory.kmem.tcp.limit_in_bytes', mem.kernelTCP, { optional: true });
      if (isSet(mem.swappiness)) {
        if (mem.swappiness > 100) throw new HeziError(`${F}.memory.swappiness: invalid memory swappiness value: ${mem.swappiness} (valid range is 0-100)`);
        w(`${F}.memory.swappiness`, 'memory', 'memory.swappiness', mem.swappiness);
      }
      if (mem.disableOOMKiller === true) w(`${F}.memory.disableOOMKiller`, 'memory', 'memory.oom_control', 1);
      if (isSet(mem.useHierarchy)) w(`${F}.memory.useHierarchy`, 'memory', 'memory.use_hierarchy', mem.useHierarchy ? 1 : 0);
    } else if (ver === 2) {
      const conv = swapToV2(S, L);
      if (typeof conv === 'string') throw new HeziError(`${F}.memory.swap: ${conv}`);
      let swapStr = conv === 0 ? '' : v2Limit(conv);
      if (conv === 0 && S > 0) swapStr = '0'; // swap == limit: no swap at all
      if (swapStr !== '') {
        // no swap accounting in the kernel: "max" and "0" are what it does anyway (runc)
        const harmless = swapStr === 'max' || swapStr === '0';
        w(`${F}.memory.swap`, 'memory', 'memory.swap.max', swapStr, harmless ? { optional: true } : {});
      }
      if (L !== 0) {
        if (mem.checkBeforeUpdate === true && o.update && L > 0) {
          const cur = Number(p.read('memory', 'memory.current') ?? '0');
          if (L < cur) throw new HeziError(`${F}.memory.limit: rejecting memory limit ${L} below the current usage ${cur} (checkBeforeUpdate)`);
        }
        w(`${F}.memory.limit`, 'memory', 'memory.max', v2Limit(L));
      }
      if (nz(mem.reservation)) w(`${F}.memory.reservation`, 'memory', 'memory.low', v2Limit(mem.reservation));
      if (nz(mem.kernel)) w(`${F}.memory.kernel`, 'memory', 'memory.kmem.limit_in_bytes', mem.kernel, { optional: true });
      if (nz(mem.kernelTCP)) w(`${F}.memory.kernelTCP`, 'memory', 'memory.kmem.tcp.limit_in_bytes', mem.kernelTCP, { optional: true });
      if (isSet(mem.swappiness)) noV2(`${F}.memory.swappiness`, 'write memory.swappiness: swappiness');
      if (mem.disableOOMKiller === true) noV2(`${F}.memory.disableOOMKiller`, 'write memory.oom_control: disabling the OOM killer');
      if (mem.useHierarchy === false) noV2(`${F}.memory.useHierarchy`, 'write memory.use_hierarchy: non-hierarchical accounting');
    }
  }

  // --- cpu ------------------------------------------------------------------------------------
  if (cpu) {
    const wantsCpu = nz(cpu.shares) || nz(cpu.quota) || nz(cpu.period) || isSet(cpu.burst) || nz(cpu.realtimeRuntime) || nz(cpu.realtimePeriod) || isSet(cpu.idle);
    const ver = wantsCpu ? need('cpu', `${F}.cpu`, 'cpu.shares', 'cpu.weight') : undefined;
    if (ver === 1) {
      // realtime first: the kernel checks the runtime against the period
      if (nz(cpu.realtimePeriod)) w(`${F}.cpu.realtimePeriod`, 'cpu', 'cpu.rt_period_us', cpu.realtimePeriod);
      if (nz(cpu.realtimeRuntime)) w(`${F}.cpu.realtimeRuntime`, 'cpu', 'cpu.rt_runtime_us', cpu.realtimeRuntime);
      if (nz(cpu.shares)) w(`${F}.cpu.shares`, 'cpu', 'cpu.shares', cpu.shares, { verifyShares: true });
      if (nz(cpu.period)) w(`${F}.cpu.period`, 'cpu', 'cpu.cfs_period_us', cpu.period, nz(cpu.quota) ? { retryLater: true } : {});
      if (nz(cpu.quota)) w(`${F}.cpu.quota`, 'cpu', 'cpu.cfs_quota_us', cpu.quota);
      if (isSet(cpu.burst)) w(`${F}.cpu.burst`, 'cpu', 'cpu.cfs_burst_us', cpu.burst);
      if (isSet(cpu.idle)) w(`${F}.cpu.idle`, 'cpu', 'cpu.idle', cpu.idle);
    } else if (ver === 2) {
      if (nz(cpu.realtimePeriod)) noV2(`${F}.cpu.realtimePeriod`, 'write cpu.rt_period_us: the realtime scheduler group');
      if (nz(cpu.realtimeRuntime)) noV2(`${F}.cpu.realtimeRuntime`, 'write cpu.rt_runtime_us: the realtime scheduler group');
      if (nz(cpu.shares)) w(`${F}.cpu.shares`, 'cpu', 'cpu.weight', sharesToWeight(cpu.shares));
      if (nz(cpu.quota) || nz(cpu.period)) {
        let quota: string;
        if (nz(cpu.quota)) quota = cpu.quota > 0 ? String(cpu.quota) : 'max';
        else quota = (p.read('cpu', 'cpu.max') ?? 'max').trim().split(/\s+/)[0] ?? 'max'; // keep the current quota
        w(nz(cpu.quota) ? `${F}.cpu.quota` : `${F}.cpu.period`, 'cpu', 'cpu.max', nz(cpu.period) ? `${quota} ${cpu.period}` : quota);
      }
      if (isSet(cpu.burst)) w(`${F}.cpu.burst`, 'cpu', 'cpu.max.burst', cpu.burst);
      if (isSet(cpu.idle)) w(`${F}.cpu.idle`, 'cpu', 'cpu.idle', cpu.idle);
    }
  }

  // --- pids -----------------------------------------------------------------------------------
  if (res.pids && isSet(res.pids.limit)) {
    need('pids', `${F}.pids.limit`, 'pids.max');
    w(`${F}.pids.limit`, 'pids', 'pids.max', res.pids.limit < 0 ? 'max' : res.pids.limit);
  }

  // --- block io -------------------------------------------------------------------------------
  const bio = res.blockIO;
  if (bio) {
    const wants =
      nz(bio.weight) || nz(bio.leafWeight) || (bio.weightDevice?.length ?? 0) > 0 || (bio.throttleReadBpsDevice?.length ?? 0) > 0 ||
      (bio.throttleWriteBpsDevice?.length ?? 0) > 0 || (bio.throttleReadIOPSDevice?.length ?? 0) > 0 || (bio.throttleWriteIOPSDevice?.length ?? 0) > 0;
    const ver = wants ? (p.version('blkio') === 1 ? 1 : need('io', `${F}.blockIO`, 'blkio.weight', 'io.weight')) : undefined;
    const throttles = [
      ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device', 'rbps'],
      ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device', 'wbps'],
      ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device', 'riops'],
      ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device', 'wiops'],
    ] as const;
    if (ver === 1) {
      const bfq = !p.exists('blkio', 'blkio.weight') && p.exists('blkio', 'blkio.bfq.weight');
      const weightFile = bfq ? 'blkio.bfq.weight' : 'blkio.weight';
      const weightDeviceFile = bfq ? 'blkio.bfq.weight_device' : 'blkio.weight_device';
      const missing = (field: string, file: string): never => {
        throw new HeziError(`${field}: write ${file}: no such file or directory (this host's blkio controller has no ${file})`);
      };
      if (nz(bio.weight)) {
        if (!p.exists('blkio', weightFile)) missing(`${F}.blockIO.weight`, weightFile);
        w(`${F}.blockIO.weight`, 'blkio', weightFile, bio.weight);
      }
      if (nz(bio.leafWeight)) w(`${F}.blockIO.leafWeight`, 'blkio', 'blkio.leaf_weight', bio.leafWeight);
      loops.each(bio.weightDevice, (d, k) => {
        const f = `${F}.blockIO.weightDevice[${k}]`;
        if (nz(d.weight)) {
          if (!p.exists('blkio', weightDeviceFile)) missing(`${f}.weight`, weightDeviceFile);
          w(`${f}.weight`, 'blkio', weightDeviceFile, `${d.major}:${d.minor} ${d.weight}`);
        }
        if (nz(d.leafWeight)) w(`${f}.leafWeight`, 'blkio', 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`);
      });
      for (const [key, file] of throttles)
        loops.each(bio[key], (d, k) => w(`${F}.blockIO.${key}[${k}]`, 'blkio', file, `${d.major}:${d.minor} ${d.rate ?? 0}`));
    } else if (ver === 2) {
      const bfq = p.exists('io', 'io.bfq.weight');
      if (nz(bio.weight)) {
        if (bfq) w(`${F}.blockIO.weight`, 'io', 'io.bfq.weight', bio.weight);
        else w(`${F}.blockIO.weight`, 'io', 'io.weight', blkioWeightToIoWeight(bio.weight));
      }
      if (nz(bio.leafWeight)) noV2(`${F}.blockIO.leafWeight`, 'write blkio.leaf_weight: leaf weight');
      loops.each(bio.weightDevice, (d, k) => {
        const f = `${F}.blockIO.weightDevice[${k}]`;
        if (nz(d.weight)) {
          if (!bfq) throw new HeziError(`${f}.weight: write io.bfq.weight: no such file or directory (per-device weights need the BFQ scheduler)`);
          w(`${f}.weight`, 'io', 'io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`);
        }
        if (nz(d.leafWeight)) noV2(`${f}.leafWeight`, 'write blkio.leaf_weight_device: leaf weight');
      });
      for (const [key, , name] of throttles)
        loops.each(bio[key], (d, k) => w(`${F}.blockIO.${key}[${k}]`, 'io', 'io.max', `${d.major}:${d.minor} ${name}=${nz(d.rate) ? d.rate : 'max'}`));
    }
  }

  // --- hugetlb --------------------------------------------------------------------------------
  loops.each(res.hugepageLimits, (h, k) => {
    const f = `${F}.hugepageLimits[${k}]`;
    const ver = need('hugetlb', f, `hugetlb.${h.pageSize}.limit_in_bytes`, `hugetlb.${h.pageSize}.max`);
    const [file, rsvd] = ver === 1 ? [`hugetlb.${h.pageSize}.limit_in_bytes`, `hugetlb.${h.pageSize}.rsvd.limit_in_bytes`] : [`hugetlb.${h.pageSize}.max`, `hugetlb.${h.pageSize}.rsvd.max`];
    w(f, 'hugetlb', file, h.limit);
    if (p.exists('hugetlb', rsvd)) w(f, 'hugetlb', rsvd, h.limit);
  });

  // --- network --------------------------------------------------------------------------------
  if (res.network) {
    if (isSet(res.network.classID)) {
      need('net_cls', `${F}.network.classID`, 'net_cls.classid');
      w(`${F}.network.classID`, 'net_cls', 'net_cls.classid', res.network.classID);
    }
    loops.each(res.network.priorities, (x, k) => {
      need('net_prio', `${F}.network.priorities[${k}]`, 'net_prio.ifpriomap');
      w(`${F}.network.priorities[${k}]`, 'net_prio', 'net_prio.ifpriomap', `${x.name} ${x.priority}`);
    });
  }

  // --- rdma -----------------------------------------------------------------------------------
  for (const [dev, lim] of Object.entries(res.rdma ?? {})) {
    const f = `${F}.rdma[${JSON.stringify(dev)}]`;
    need('rdma', f, 'rdma.max');
    const parts = [dev];
    if (isSet(lim.hcaHandles)) parts.push(`hca_handle=${lim.hcaHandles}`);
    if (isSet(lim.hcaObjects)) parts.push(`hca_object=${lim.hcaObjects}`);
    if (parts.length === 1) throw new HeziError(`${f}: at least one of hcaHandles or hcaObjects must be set`);
    w(f, 'rdma', 'rdma.max', parts.join(' '));
  }

  // --- unified (last: it overrides the conversions above) --------------------------------------
  for (const [key, value] of Object.entries(res.unified ?? {})) {
    const f = `${F}.unified[${JSON.stringify(key)}]`;
    if (p.mode === 'v1') throw new HeziError(`${f}: cgroup v2 is not available on this host (${describeMode(p.mode)})`);
    if (!/^[^./][^/]*\.[^/]+$/.test(key)) throw new HeziError(`${f}: invalid cgroup v2 file name`);
    const ctrl = key.slice(0, key.indexOf('.'));
    if (ctrl !== 'cgroup' && p.version(ctrl) !== 2)
      throw new HeziError(`${f}: write ${key}: the ${ctrl} controller is not available in the cgroup v2 hierarchy (${describeMode(p.mode)})`);
    w(f, ctrl === 'cgroup' ? '' : ctrl, key, value);
  }

  // --- devices --------------------------------------------------------------------------------
  if (!o.update && !o.rootless) {
    const rules: DeviceRule[] = [];
    loops.each(res.devices, (d, k) => {
      const n = normalizeDeviceRule(d);
      if (typeof n === 'string') throw new HeziError(`${F}.devices[${k}]: ${n}`);
      if (n.access !== '' || n.type === 'a') rules.push(n);
    });
    const all = containerDeviceRules(rules);
    const em = emulateDeviceRules([...all, ...(o.mknod ?? [])], all.length);
    if (typeof em === 'string') throw new HeziError(`${F}.devices: ${em}`);
    if (p.version('devices') === 1) {
      for (const [file, line] of v1DeviceWrites(em)) w(`${F}.devices`, 'devices', file, line);
    } else if (p.mode !== 'v1') {
      out.bpfDevices = em;
    } else {
      throw new HeziError(`${F}.devices: write devices.deny: the devices controller is not available on this host (${describeMode(p.mode)})`);
    }
  }
  return out;
}
