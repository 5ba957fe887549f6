/**
 * cgroup manager, the pure parts: host layout parsing, path resolution, value conversions,
 * resources → file writes for v1 / hybrid / v2, device rules (v1 lines and the eBPF program),
 * update merging, stats JSON, the ps filter.
 */
import { describe, expect, it } from 'vitest';
import type { LinuxResources } from '../../spec';
import { selfJoinFiles } from '../../src/linux/cgroups/control';
import {
  DEFAULT_ALLOWED_DEVICES,
  blkioWeightToIoWeight,
  containerDeviceRules,
  emulateDeviceRules,
  mknodRules,
  hugepageDirToSize,
  normalizeDeviceRule,
  parseCpuList,
  sharesToWeight,
  swapToV2,
  v1DeviceLine,
  v1DeviceWrites,
  DeviceRule,
} from '../../src/linux/cgroups/convert';
import { OP, deviceFilter, encodeInsns, runDeviceFilter } from '../../src/linux/cgroups/device-filter';
import { Layout, controllerVersion, parseLayout, parseProcCgroup } from '../../src/linux/cgroups/host';
import { stringifyJson } from '../../src/linux/cgroups/json';
import { cleanPath, containerDirs, expandSlice, innerPath, systemdPath } from '../../src/linux/cgroups/paths';
import { Probe, Write, planResources } from '../../src/linux/cgroups/resources';
import { parseDuration } from '../../src/runtime/events';
import { filterPs } from '../../src/runtime/ps';
import { effectiveUpdate, mergeResources, ramInBytes, resourcesFromFlags, stripNulls } from '../../src/runtime/update';

// --- host layouts (mountinfo lines as on real machines) ---------------------------------------

const mi = (id: number, mp: string, fstype: string, superOpts: string, root = '/') =>
  `${id} 20 0:${id} ${root} ${mp} rw,nosuid,nodev,noexec,relatime shared:${id} - ${fstype} cgroup ${superOpts}`;

/** this dev host: v1 hybrid, cpu and cpuacct on separate mounts, no hugetlb/net_cls/net_prio v1 */
const HYBRID_MI = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  mi(30, '/sys/fs/cgroup/cpu', 'cgroup', 'rw,cpu'),
  mi(31, '/sys/fs/cgroup/cpuacct', 'cgroup', 'rw,cpuacct'),
  mi(32, '/sys/fs/cgroup/cpuset', 'cgroup', 'rw,cpuset'),
  mi(33, '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'),
  mi(34, '/sys/fs/cgroup/devices', 'cgroup', 'rw,devices'),
  mi(35, '/sys/fs/cgroup/freezer', 'cgroup', 'rw,freezer'),
  mi(36, '/sys/fs/cgroup/blkio', 'cgroup', 'rw,blkio'),
  mi(37, '/sys/fs/cgroup/pids', 'cgroup', 'rw,pids'),
  mi(38, '/sys/fs/cgroup/systemd', 'cgroup', 'rw,xattr,name=systemd'),
  mi(39, '/sys/fs/cgroup/unified', 'cgroup2', 'rw,nsdelegate'),
].join('\n');
const HYBRID_PROC = '9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:/process_api/abc\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n';

const V2_MI = ['22 1 8:1 / / rw - ext4 /dev/sda1 rw', mi(30, '/sys/fs/cgroup', 'cgroup2', 'rw,nsdelegate,memory_recursiveprot')].join('\n');
const V2_CTRLS = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'];

const V1_MI = [
  mi(30, '/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'rw,cpu,cpuacct'),
  mi(31, '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'),
  mi(32, '/sys/fs/cgroup/devices', 'cgroup', 'rw,devices'),
  mi(33, '/sys/fs/cgroup/hugetlb', 'cgroup', 'rw,hugetlb'),
  mi(34, '/sys/fs/cgroup/net_cls,net_prio', 'cgroup', 'rw,net_cls,net_prio'),
].join('\n');

describe('host layout', () => {
  it('detects v1 hybrid, v2 and legacy v1', () => {
    const h = parseLayout(HYBRID_MI, ['hugetlb']);
    expect(h.mode).toBe('hybrid');
    expect(h.v1.map((x) => x.key)).toEqual(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'name=systemd']);
    expect(h.unified?.mountPoint).toBe('/sys/fs/cgroup/unified');
    expect(parseLayout(V2_MI, V2_CTRLS).mode).toBe('v2');
    expect(parseLayout(V1_MI).mode).toBe('v1');
    expect(parseLayout(V1_MI).v1[0]).toMatchObject({ key: 'cpu,cpuacct', controllers: ['cpu', 'cpuacct'] });
  });

  it('tells which hierarchy serves a controller', () => {
    const h = parseLayout(HYBRID_MI, ['hugetlb']);
    expect(controllerVersion(h, 'memory')).toBe(1);
    expect(controllerVersion(h, 'hugetlb')).toBe(2);
    expect(controllerVersion(h, 'net_cls')).toBeUndefined();
    const v2 = parseLayout(V2_MI, V2_CTRLS);
    expect(controllerVersion(v2, 'memory')).toBe(2);
    expect(controllerVersion(v2, 'devices')).toBeUndefined();
  });
});

describe('cgroup paths', () => {
  it('self-join files: one tasks file per v1 hierarchy (comounted controllers share one), never cgroup2', () => {
    const paths = { cpu: '/sys/fs/cgroup/cpu,cpuacct/c1', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/c1', memory: '/sys/fs/cgroup/memory/c1', '': '/sys/fs/cgroup/unified/c1' };
    expect(selfJoinFiles(paths)).toEqual(['/sys/fs/cgroup/cpu,cpuacct/c1/tasks', '/sys/fs/cgroup/memory/c1/tasks']);
    expect(selfJoinFiles({ '': '/sys/fs/cgroup/c1' })).toEqual([]);
    // the freezer last: a process that joins a paused container stops there, in every other cgroup already
    expect(selfJoinFiles({ freezer: '/f/c1', cpu: '/c/c1', pids: '/p/c1' })).toEqual(['/c/c1/tasks', '/p/c1/tasks', '/f/c1/tasks']);
  });

  it('cleans like runc (a relative path cannot escape)', () => {
    expect(cleanPath('/a/../b//c/')).toBe('/b/c');
    expect(cleanPath('../../x')).toBe('x');
    expect(cleanPath('a/./b/..')).toBe('a');
    expect(cleanPath('')).toBe('');
  });

  it('expands systemd slices and maps slice:prefix:name', () => {
    expect(expandSlice('system.slice')).toBe('/system.slice');
    expect(expandSlice('a-b-c.slice')).toBe('/a.slice/a-b.slice/a-b-c.slice');
    expect(expandSlice('-.slice')).toBe('/');
    expect(() => expandSlice('foo')).toThrow('invalid slice name');
    expect(systemdPath('system.slice:docker:abc', 'x')).toBe('/system.slice/docker-abc.scope');
    expect(systemdPath('user-1000.slice:crio:abc', 'x')).toBe('/user.slice/user-1000.slice/crio-abc.scope');
    expect(systemdPath(':runc:abc', 'x')).toBe('/system.slice/runc-abc.scope');
    expect(systemdPath('machine.slice::sub.slice', 'x')).toBe('/machine.slice/sub.slice');
    expect(systemdPath('', 'c1')).toBe('/system.slice/hezi-c1.scope');
    expect(() => systemdPath('/a/b', 'x')).toThrow('expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/a/b" instead');
  });

  it('defaults to "<id>" relative to our own cgroup (runc with cgroupfs)', () => {
    expect(innerPath(undefined, 'c1', false)).toBe('c1');
    expect(innerPath('', 'c1', false)).toBe('c1');
    expect(innerPath('/x/y', 'c1', false)).toBe('/x/y');
    expect(innerPath('x/../../y', 'c1', false)).toBe('y');
  });

  it('places relative paths under the own cgroup (v1) and its parent (v2); absolute under the mount', () => {
    const h = parseLayout(HYBRID_MI, ['hugetlb']);
    const own = parseProcCgroup(HYBRID_PROC);
    const d = containerDirs(h, own, 'c1');
    expect(d).toEqual({
      cpu: '/sys/fs/cgroup/cpu/c1',
      cpuacct: '/sys/fs/cgroup/cpuacct/c1',
      cpuset: '/sys/fs/cgroup/cpuset/c1',
      memory: '/sys/fs/cgroup/memory/process_api/abc/c1',
      devices: '/sys/fs/cgroup/devices/c1',
      freezer: '/sys/fs/cgroup/freezer/c1',
      blkio: '/sys/fs/cgroup/blkio/c1',
      pids: '/sys/fs/cgroup/pids/c1',
      'name=systemd': '/sys/fs/cgroup/systemd/c1',
      '': '/sys/fs/cgroup/unified/c1',
    });
    expect(containerDirs(h, own, '/hezi/c1')['memory']).toBe('/sys/fs/cgroup/memory/hezi/c1');
    const v2 = parseLayout(V2_MI, V2_CTRLS);
    const own2 = parseProcCgroup('0::/user.slice/session-1.scope\n');
    expect(containerDirs(v2, own2, 'c1')).toEqual({ '': '/sys/fs/cgroup/user.slice/c1' });
    expect(containerDirs(v2, parseProcCgroup('0::/\n'), 'c1')).toEqual({ '': '/sys/fs/cgroup/c1' });
    expect(containerDirs(v2, own2, '/a/b')).toEqual({ '': '/sys/fs/cgroup/a/b' });
    // comounted controllers share a directory
    const v1 = containerDirs(parseLayout(V1_MI), parseProcCgroup('4:cpu,cpuacct:/x\n'), 'c1');
    expect(v1['cpu']).toBe('/sys/fs/cgroup/cpu,cpuacct/x/c1');
    expect(v1['cpuacct']).toBe('/sys/fs/cgroup/cpu,cpuacct/x/c1');
    expect(v1['memory']).toBe('/sys/fs/cgroup/memory/c1');
  });

  it('follows the mount root inside a cgroup namespace', () => {
    const l = parseLayout(mi(30, '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory', '/outer'));
    expect(containerDirs(l, parseProcCgroup('4:memory:/outer/me\n'), 'c1')['memory']).toBe('/sys/fs/cgroup/memory/me/c1');
  });
});

describe('conversions', () => {
  it('cpu shares → cpu.weight with crun\'s formula', () => {
    expect(sharesToWeight(0)).toBe(0);
    expect(sharesToWeight(1)).toBe(1);
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(100);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(sharesToWeight(500000)).toBe(10000);
    expect(sharesToWeight(512)).toBe(59);
    expect(sharesToWeight(2048)).toBe(174); // l=11: (121+1375)/612 - 7/34 = 2.2386 → 10^x = 173.2
    let prev = 0;
    for (let s = 2; s <= 262144; s *= 2) {
      expect(sharesToWeight(s)).toBeGreaterThanOrEqual(prev);
      prev = sharesToWeight(s);
    }
  });

  it('blkio weight → io.weight (runc)', () => {
    expect(blkioWeightToIoWeight(0)).toBe(0);
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(500)).toBe(4950);
    expect(blkioWeightToIoWeight(1000)).toBe(10000);
  });

  it('memory+swap → memory.swap.max (runc)', () => {
    expect(swapToV2(0, 100)).toBe(0);
    expect(swapToV2(0, -1)).toBe(-1);
    expect(swapToV2(-1, 100)).toBe(-1);
    expect(swapToV2(300, 100)).toBe(200);
    expect(swapToV2(100, 100)).toBe(0);
    expect(swapToV2(50, 100)).toBe('memory+swap limit should be >= memory limit');
    expect(swapToV2(50, 0)).toBe('unable to set swap limit without memory limit');
  });

  it('misc', () => {
    expect(hugepageDirToSize('hugepages-2048kB')).toBe('2MB');
    expect(hugepageDirToSize('hugepages-1048576kB')).toBe('1GB');
    expect(hugepageDirToSize('hugepages-64kB')).toBe('64KB');
    expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5]);
    expect(ramInBytes('64m')).toBe(64 << 20);
    expect(ramInBytes('1.5g')).toBe(1.5 * 2 ** 30);
    expect(ramInBytes('512MiB')).toBe(512 << 20);
    expect(ramInBytes('100')).toBe(100);
    expect(ramInBytes('1x')).toBeUndefined();
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('100ms')).toBe(100);
    expect(parseDuration('1m30s')).toBe(90000);
    expect(parseDuration('5')).toBeUndefined();
  });
});

// --- resources → writes ---------------------------------------------------------------------

function fakeProbe(layout: Layout, files: Record<string, string> = {}, missing: string[] = []): Probe {
  return {
    mode: layout.mode,
    version: (c) => controllerVersion(layout, c),
    exists: (_c, f) => !missing.includes(f) && (f in files || !f.includes('bfq')),
    read: (_c, f) => files[f],
  };
}
const HYBRID = parseLayout(HYBRID_MI, ['hugetlb']);
const V2 = parseLayout(V2_MI, V2_CTRLS);
const V1 = parseLayout(V1_MI);
const simple = (ws: Write[]) => ws.filter((w) => w.ctrl !== 'devices').map((w) => `${w.file}=${w.value}`);

describe('resources → cgroup files', () => {
  const full: LinuxResources = {
    memory: { limit: 100, reservation: 50, swap: 300, kernel: 1000, kernelTCP: 2000, swappiness: 10 },
    cpu: { shares: 1024, quota: 50000, period: 100000, burst: 1000, cpus: '0-1', mems: '0', idle: 0 },
    pids: { limit: -1 },
    hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
  };

  it('v1 hybrid: v1 files, hugetlb through the unified hierarchy', () => {
    const p = planResources(full, fakeProbe(HYBRID, { 'memory.limit_in_bytes': '9223372036854771712' }, ['hugetlb.2MB.rsvd.max']));
    expect(simple(p.writes)).toEqual([
      'cpuset.cpus=0-1',
      'cpuset.mems=0',
      'memory.limit_in_bytes=100',
      'memory.memsw.limit_in_bytes=300',
      'memory.soft_limit_in_bytes=50',
      'memory.kmem.limit_in_bytes=1000',
      'memory.kmem.tcp.limit_in_bytes=2000',
      'memory.swappiness=10',
      'cpu.shares=1024',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=50000',
      'cpu.cfs_burst_us=1000',
      'cpu.idle=0',
      'pids.max=max',
      'hugetlb.2MB.max=4194304',
    ]);
    expect(p.writes.find((w) => w.file === 'memory.kmem.limit_in_bytes')?.optional).toBe(true);
    expect(p.writes.find((w) => w.file === 'cpu.cfs_period_us')?.retryLater).toBe(true);
    expect(p.bpfDevices).toBeUndefined();
  });

  it('v1: swap first when raising both (the kernel checks limit <= memsw)', () => {
    const raise = planResources({ memory: { limit: 200, swap: 400 } }, fakeProbe(HYBRID, { 'memory.limit_in_bytes': '100' }));
    expect(simple(raise.writes)).toEqual(['memory.memsw.limit_in_bytes=400', 'memory.limit_in_bytes=200']);
    const lower = planResources({ memory: { limit: 50, swap: 60 } }, fakeProbe(HYBRID, { 'memory.limit_in_bytes': '100' }));
    expect(simple(lower.writes)).toEqual(['memory.limit_in_bytes=50', 'memory.memsw.limit_in_bytes=60']);
    const unlimited = planResources({ memory: { limit: -1 } }, fakeProbe(HYBRID, { 'memory.limit_in_bytes': '100' }));
    expect(simple(unlimited.writes)).toEqual(['memory.memsw.limit_in_bytes=-1', 'memory.limit_in_bytes=-1']);
  });

  it('pure v2: every field', () => {
    const r: LinuxResources = { ...full, memory: { limit: 100, reservation: 50, swap: 300, kernel: 1000 } };
    const p = planResources(r, fakeProbe(V2, { 'hugetlb.2MB.rsvd.max': 'max' }, ['io.bfq.weight']));
    expect(simple(p.writes)).toEqual([
      'cpuset.cpus=0-1',
      'cpuset.mems=0',
      'memory.swap.max=200',
      'memory.max=100',
      'memory.low=50',
      'memory.kmem.limit_in_bytes=1000',
      'cpu.weight=100',
      'cpu.max=50000 100000',
      'cpu.max.burst=1000',
      'cpu.idle=0',
      'pids.max=max',
      'hugetlb.2MB.max=4194304',
      'hugetlb.2MB.rsvd.max=4194304',
    ]);
    expect(p.bpfDevices).toEqual(containerDeviceRules([]));
    expect(simple(planResources({ memory: { limit: 100, swap: 100 } }, fakeProbe(V2)).writes)).toEqual(['memory.swap.max=0', 'memory.max=100']);
    expect(simple(planResources({ memory: { limit: -1 } }, fakeProbe(V2)).writes)).toEqual(['memory.swap.max=max', 'memory.max=max']);
    expect(simple(planResources({ cpu: { quota: -1, period: 50000 } }, fakeProbe(V2)).writes)).toEqual(['cpu.max=max 50000']);
    // period alone keeps the current quota
    expect(simple(planResources({ cpu: { period: 50000 } }, fakeProbe(V2, { 'cpu.max': '20000 100000\n' })).writes)).toEqual(['cpu.max=20000 50000']);
    expect(simple(planResources({ pids: { limit: 0 } }, fakeProbe(V2)).writes)).toEqual(['pids.max=0']);
  });

  it('v2 block io: io.bfq.weight when present, else converted io.weight; throttles in io.max', () => {
    const bio: LinuxResources = {
      blockIO: {
        weight: 500,
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 300 }],
      },
    };
    expect(simple(planResources(bio, fakeProbe(V2, { 'io.bfq.weight': 'default 100' })).writes)).toEqual([
      'io.bfq.weight=500',
      'io.max=8:0 rbps=1048576',
      'io.max=8:16 wiops=300',
    ]);
    expect(simple(planResources(bio, fakeProbe(V2, {}, ['io.bfq.weight'])).writes)[0]).toBe('io.weight=4950');
  });

  it('v1 block io: blkio.weight, or blkio.bfq.weight, or an error naming the field', () => {
    const r: LinuxResources = { blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 100 }] } };
    expect(simple(planResources(r, fakeProbe(HYBRID, { 'blkio.weight': '' })).writes)).toEqual([
      'blkio.weight=500',
      'blkio.throttle.read_bps_device=8:0 100',
    ]);
    expect(simple(planResources(r, fakeProbe(HYBRID, { 'blkio.bfq.weight': '' }, ['blkio.weight'])).writes)[0]).toBe('blkio.bfq.weight=500');
    expect(() => planResources(r, fakeProbe(HYBRID, {}, ['blkio.weight', 'blkio.bfq.weight']))).toThrow(
      /^linux\.resources\.blockIO\.weight: write blkio\.weight: no such file or directory/,
    );
  });

  it('errors name the field and the file when the host cannot apply a value', () => {
    expect(() => planResources({ network: { classID: 1 } }, fakeProbe(HYBRID))).toThrow(
      'linux.resources.network.classID: write net_cls.classid: the net_cls controller is not available on this host (cgroup v1 hybrid)',
    );
    expect(() => planResources({ memory: { swappiness: 10 } }, fakeProbe(V2))).toThrow('linux.resources.memory.swappiness: write memory.swappiness');
    expect(() => planResources({ memory: { disableOOMKiller: true } }, fakeProbe(V2))).toThrow('linux.resources.memory.disableOOMKiller');
    expect(() => planResources({ cpu: { realtimeRuntime: 1000 } }, fakeProbe(V2))).toThrow('linux.resources.cpu.realtimeRuntime');
    expect(() => planResources({ memory: { limit: 100, swap: 50 } }, fakeProbe(V2))).toThrow('linux.resources.memory.swap: memory+swap limit should be >= memory limit');
    expect(() => planResources({ memory: { swappiness: 101 } }, fakeProbe(HYBRID))).toThrow('invalid memory swappiness value: 101');
    expect(() => planResources({ unified: { 'memory.max': '1' } }, fakeProbe(V1))).toThrow('linux.resources.unified["memory.max"]: cgroup v2 is not available on this host (cgroup v1)');
    expect(() => planResources({ unified: { 'memory.max': '1' } }, fakeProbe(HYBRID))).toThrow('the memory controller is not available in the cgroup v2 hierarchy');
    expect(() => planResources({ unified: { '../x.y': '1' } }, fakeProbe(V2))).toThrow('invalid cgroup v2 file name');
    expect(() => planResources({ devices: [{ allow: true, type: 'x' }] }, fakeProbe(HYBRID))).toThrow('linux.resources.devices[0]: invalid device type');
    // unset/null fields are skipped, never an error
    expect(planResources({ network: {}, memory: {}, cpu: { shares: 0 } } as LinuxResources, fakeProbe(V2)).writes).toEqual([]);
    expect(planResources(stripNulls({ memory: { limit: null } }) as LinuxResources, fakeProbe(V2)).writes).toEqual([]);
  });

  it('unified keys go to the cgroup2 directory (v2, and hybrid for its controllers)', () => {
    const u = { unified: { 'memory.high': '1000', 'cgroup.max.depth': '3' } };
    expect(planResources(u, fakeProbe(V2)).writes.map((w) => [w.ctrl, w.file, w.value])).toEqual([
      ['memory', 'memory.high', '1000'],
      ['', 'cgroup.max.depth', '3'],
    ]);
    expect(planResources({ unified: { 'hugetlb.2MB.max': '0' } }, fakeProbe(HYBRID)).writes.map((w) => w.file)).toContain('hugetlb.2MB.max');
  });

  it('v1 devices: deny all, then the allowed exceptions (config rules + runc\'s defaults, emulated like runc)', () => {
    const r: LinuxResources = {
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
        { allow: false, type: 'b', major: 8 },
      ],
    };
    const ws = planResources(r, fakeProbe(HYBRID)).writes.filter((w) => w.ctrl === 'devices');
    expect(ws.map((w) => `${w.file} ${w.value}`)).toEqual([
      'devices.deny a',
      'devices.allow c 10:229 rw',
      'devices.allow c *:* m',
      'devices.allow b *:* m',
      'devices.allow c 1:3 rwm',
      'devices.allow c 1:8 rwm',
      'devices.allow c 1:7 rwm',
      'devices.allow c 5:0 rwm',
      'devices.allow c 1:5 rwm',
      'devices.allow c 1:9 rwm',
      'devices.allow c 136:* rwm',
      'devices.allow c 5:2 rwm',
      'devices.allow c 10:200 rwm',
    ]);
    expect(ws[0]?.field).toBe('linux.resources.devices');
    expect(planResources(r, fakeProbe(HYBRID), { update: true }).writes).toEqual([]);
    expect(v1DeviceLine({ allow: true, type: 'c', major: 1, minor: -1, access: 'r' })).toBe('c 1:* r');
    expect(v1DeviceWrites([{ allow: true, type: 'a', major: -1, minor: -1, access: 'rwm' }])).toEqual([['devices.allow', 'a']]);
    expect(normalizeDeviceRule({ allow: true, access: 'mwr' })).toEqual({ allow: true, type: 'a', major: -1, minor: -1, access: 'rwm' });
  });

  it('the devices emulator: defaults, exceptions, allow-all mode, holes in wildcards, mknod of linux.devices', () => {
    const R = (allow: boolean, type: 'a' | 'c' | 'b', major = -1, minor = -1, access = 'rwm'): DeviceRule => ({ allow, type, major, minor, access });
    const lines = (x: DeviceRule[] | string) => (typeof x === 'string' ? x : x.map((d) => `${d.allow ? 'allow' : 'deny'} ${v1DeviceLine(d)}`));
    // later partial deny removes access from the exception
    expect(lines(emulateDeviceRules([R(false, 'a'), R(true, 'c', 4, 1, 'rw'), R(false, 'c', 4, 1, 'w')]))).toEqual(['deny a *:* rwm', 'allow c 4:1 r']);
    // allow-all mode keeps deny exceptions; an allow of the same device removes them
    expect(lines(emulateDeviceRules([R(true, 'a'), R(false, 'c', 10, 229), R(true, 'c', -1, -1, 'm')]))).toEqual(['allow a *:* rwm', 'deny c 10:229 rwm']);
    expect(lines(emulateDeviceRules([R(true, 'a'), R(false, 'c', 10, 229), R(true, 'c', 10, 229, 'm')]))).toEqual(['allow a *:* rwm', 'deny c 10:229 rw']);
    // a type-a rule resets everything before it
    expect(lines(emulateDeviceRules([R(false, 'a'), R(true, 'c', 1, 3), R(false, 'a')]))).toEqual(['deny a *:* rwm']);
    expect(emulateDeviceRules([R(false, 'a'), R(true, 'c', 1, -1), R(false, 'c', 1, 3, 'r')])).toMatch(/cannot punch a hole in the wildcard rule "allow c 1:\* rwm"/);
    // ...unless it is one of the lenient (mknod) rules, which is then skipped
    expect(lines(emulateDeviceRules([R(true, 'a'), R(false, 'c', 10, -1), R(true, 'c', 10, 229, 'm')], 2))).toEqual(['allow a *:* rwm', 'deny c 10:* rwm']);
    expect(mknodRules([{ type: 'c', major: 10, minor: 229 }, { type: 'u', major: 1, minor: 2 }, { type: 'p' }])).toEqual([R(true, 'c', 10, 229, 'm'), R(true, 'c', 1, 2, 'm')]);
    // through the planner: the mknod rules come last
    const p = planResources({ devices: [{ allow: true, type: 'a' }, { allow: false, type: 'c', major: 10, minor: 229 }] }, fakeProbe(HYBRID), { mknod: mknodRules([{ type: 'c', major: 10, minor: 229 }]) });
    expect(p.writes.map((w) => `${w.file} ${w.value}`)).toEqual(['devices.allow a', 'devices.deny c 10:229 rw']);
  });
});

// --- the eBPF device program ----------------------------------------------------------------

describe('eBPF device program', () => {
  const rules = (extra: DeviceRule[]) => containerDeviceRules(extra);
  const allow = (p: ReturnType<typeof deviceFilter>, t: 'c' | 'b', maj: number, min: number, acc: string) => runDeviceFilter(p, t, maj, min, acc);

  it('has runc\'s structure: prologue, one block per rule (last first), default deny', () => {
    const p = deviceFilter([
      { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    ]);
    expect(p.slice(0, 6).map((x) => [x.code, x.dst, x.src, x.off, x.imm])).toEqual([
      [OP.LDXW, 2, 1, 0, 0],
      [OP.AND32_K, 2, 0, 0, 0xffff],
      [OP.LDXW, 3, 1, 0, 0],
      [OP.RSH32_K, 3, 0, 0, 16],
      [OP.LDXW, 4, 1, 4, 0],
      [OP.LDXW, 5, 1, 8, 0],
    ]);
    // block for c 1:3 rwm: type, major, minor checks (no access check for rwm), verdict
    expect(p.slice(6, 11).map((x) => [x.code, x.dst, x.off, x.imm])).toEqual([
      [OP.JNE_K, 2, 4, 2],
      [OP.JNE_K, 4, 3, 1],
      [OP.JNE_K, 5, 2, 3],
      [OP.MOV32_K, 0, 0, 1],
      [OP.EXIT, 0, 0, 0],
    ]);
    // the type-"a" deny is the last block: unconditional, and nothing after it
    expect(p.slice(11).map((x) => [x.code, x.imm])).toEqual([
      [OP.MOV32_K, 0],
      [OP.EXIT, 0],
    ]);
    expect(encodeInsns(p).length).toBe(p.length * 8);
    expect([...encodeInsns(p).subarray(0, 8)]).toEqual([0x61, 0x12, 0, 0, 0, 0, 0, 0]);
  });

  it('every jump lands inside the program and every path ends in exit', () => {
    const p = deviceFilter(rules([{ allow: true, type: 'b', major: 8, minor: -1, access: 'r' }, { allow: false, type: 'c', major: 1, minor: 9, access: 'w' }]));
    p.forEach((x, i) => {
      if ([OP.JNE_K, OP.JNE_X, OP.JEQ_K].includes(x.code as 0x55)) {
        expect(i + 1 + x.off).toBeGreaterThan(i);
        expect(i + 1 + x.off).toBeLessThan(p.length);
      }
    });
    expect(p[p.length - 1]?.code).toBe(OP.EXIT);
  });

  it('decides like runc\'s rules: default deny, last match wins, defaults allowed', () => {
    const p = deviceFilter(rules([]));
    expect(allow(p, 'c', 1, 3, 'rw')).toBe(true); // /dev/null
    expect(allow(p, 'c', 136, 7, 'rw')).toBe(true); // a pty
    expect(allow(p, 'c', 1, 11, 'r')).toBe(false); // /dev/kmsg
    expect(allow(p, 'c', 1, 11, 'm')).toBe(true); // mknod of anything
    expect(allow(p, 'b', 8, 0, 'r')).toBe(false);
    expect(allow(p, 'b', 8, 0, 'm')).toBe(true);

    const q = deviceFilter(rules([{ allow: true, type: 'b', major: 8, minor: -1, access: 'r' }]));
    expect(allow(q, 'b', 8, 3, 'r')).toBe(true);
    expect(allow(q, 'b', 8, 3, 'rw')).toBe(false);

    // a later deny of part of the access wins over an earlier allow (and the defaults come after)
    const r = deviceFilter([
      { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
      { allow: true, type: 'c', major: 4, minor: 1, access: 'rw' },
      { allow: false, type: 'c', major: 4, minor: 1, access: 'w' },
    ]);
    expect(allow(r, 'c', 4, 1, 'r')).toBe(true);
    expect(allow(r, 'c', 4, 1, 'w')).toBe(false);
    expect(allow(r, 'c', 4, 1, 'rw')).toBe(false);

    // allow-all then a specific deny
    const s = deviceFilter([
      { allow: true, type: 'a', major: -1, minor: -1, access: 'rwm' },
      { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' },
    ]);
    expect(allow(s, 'c', 1, 3, 'r')).toBe(false);
    expect(allow(s, 'c', 1, 5, 'r')).toBe(true);
    expect(allow(s, 'b', 7, 0, 'rw')).toBe(true);
  });

  it('the default list is runc\'s', () => {
    expect(DEFAULT_ALLOWED_DEVICES.map(v1DeviceLine)).toEqual([
      'c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:8 rwm', 'c 1:7 rwm', 'c 5:0 rwm', 'c 1:5 rwm', 'c 1:9 rwm', 'c 136:* rwm', 'c 5:2 rwm', 'c 10:200 rwm',
    ]);
  });
});

// --- update, stats JSON, ps ------------------------------------------------------------------

describe('update', () => {
  it('merges into the stored resources; pairs memory limit/swap and cpu quota/period', () => {
    const base: LinuxResources = { memory: { limit: 100, swap: 200 }, cpu: { quota: 1000, period: 10000, shares: 10 }, unified: { 'a.b': '1' }, devices: [{ allow: false }] };
    const patch: LinuxResources = { memory: { limit: 150 }, cpu: { period: 20000 }, unified: { 'c.d': '2' } };
    const merged = mergeResources(base, patch);
    expect(merged).toEqual({ memory: { limit: 150, swap: 200 }, cpu: { quota: 1000, period: 20000, shares: 10 }, unified: { 'a.b': '1', 'c.d': '2' }, devices: [{ allow: false }] });
    expect(effectiveUpdate(patch, merged)).toEqual({ memory: { limit: 150, swap: 200 }, cpu: { quota: 1000, period: 20000 }, unified: { 'c.d': '2' } });
  });

  it('per-field flags like runc update', () => {
    expect(resourcesFromFlags({ memory: '64m', memorySwap: '-1', cpuShares: '512', cpuQuota: '-1', pidsLimit: 10, cpusetCpus: '0' })).toEqual({
      memory: { limit: 64 << 20, swap: -1 },
      cpu: { shares: 512, quota: -1, cpus: '0' },
      pids: { limit: 10 },
    });
    expect(() => resourcesFromFlags({ cpuShares: '10x' })).toThrow('invalid value for cpu-share: strconv.ParseUint: parsing "10x": invalid syntax');
    expect(() => resourcesFromFlags({ memory: 'lots' })).toThrow("invalid value for memory: invalid size: 'lots'");
  });
});

describe('stats JSON and ps', () => {
  it('writes uint64 exactly and leaves undefined out', () => {
    expect(stringifyJson({ a: 18446744073709551615n, b: undefined, c: [1n, 2], d: null, e: 'x"' })).toBe('{"a":18446744073709551615,"c":[1,2],"d":null,"e":"x\\""}');
  });

  it('keeps the header and the container\'s lines', () => {
    const out = 'UID   PID  PPID CMD\nroot    1     0 init\nroot  42     1 sh\nroot 420    42 sleep\n';
    expect(filterPs(out, [42])).toBe('UID   PID  PPID CMD\nroot  42     1 sh\n');
    expect(() => filterPs('UID CMD\n', [1])).toThrow("couldn't find PID field in ps output");
  });
});
