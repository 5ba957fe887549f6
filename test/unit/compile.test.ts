import { describe, expect, it } from 'vitest';
import type { Spec } from '../../spec';
import { compile, execCandidates, HostInfo, makedev } from '../../src/plan/compile';
import { encodePlan } from '../../src/plan/encode';
import type { Op } from '../../src/plan/ops';

const host: HostInfo = {
  lastCap: 40,
  mounts: [
    { id: 1, parent: 0, root: '/', mountPoint: '/', options: 'rw', optional: 'shared:1', fstype: 'ext4', source: '/dev/sda1', superOptions: 'rw' },
  ],
  ownCgroups: new Map([['', '/']]),
  cgroup2Only: true,
  hasKcore: true,
};

function spec(extra: Partial<Spec> = {}): Spec {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { cwd: '/', args: ['sh', '-c', 'true'], env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
    ...extra,
  } as Spec;
}

const plan = (s: Spec, noPivot = false) =>
  compile({ spec: s, bundle: '/b', rootfs: '/b/rootfs', fifo: '/run/hezi/x/exec.fifo', noPivot, preserveFds: 0, host }).ops;
const codes = (ops: Op[]) => ops.map((o) => o.code);
const idx = (ops: Op[], code: string) => codes(ops).indexOf(code as Op['code']);

describe('plan compilation', () => {
  it('orders the init like runc: namespaces, fork, mounts, pivot, user, caps, lookup, fifo, exec', () => {
    const ops = plan(spec());
    const order = ['OPEN_FIFO', 'UNSHARE', 'FORK', 'SETSID', 'MOUNT', 'PIVOT_ROOT', 'CAPS_BOUNDING', 'SETRESUID', 'CAPSET', 'LOOKUP_EXEC', 'READY', 'WAIT_FIFO', 'EXEC'];
    const positions = order.map((c) => idx(ops, c));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(ops.at(-1)?.code).toBe('EXEC');
  });

  it('creates the listed namespaces in one unshare (mount|pid)', () => {
    const u = plan(spec()).find((o) => o.code === 'UNSHARE');
    expect(u?.args[0]).toEqual({ int: 0x00020000 | 0x20000000 });
  });

  it('a new user namespace: unshare user, sync for maps, become root, then the rest', () => {
    const ops = plan(spec({ linux: { namespaces: [{ type: 'user' }, { type: 'mount' }], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] } } as Partial<Spec>));
    // non-dumpable from the start (dumpable only for the maps); exec.fifo is opened and the cgroup
    // placed first, while the init is still the host's root; the inherited CPU affinity is reset
    // (runc 1.3.1), then the fork; the init enters the rootfs before the user namespace
    expect(codes(ops).slice(0, 13)).toEqual(['DUMPABLE', 'OPEN_FIFO', 'SYNC', 'CHDIR', 'UNSHARE', 'DUMPABLE', 'SYNC', 'DUMPABLE', 'SETRESGID', 'SETRESUID', 'UNSHARE', 'SCHED_SETAFFINITY', 'FORK']);
    expect([ops[0], ops[5], ops[7]].map((o) => o?.args[0])).toEqual([{ int: 0 }, { int: 1 }, { int: 0 }]);
    expect(ops[2]?.args[0]).toEqual({ int: 4 }); // SyncTag.CGROUP
    expect(ops[3]?.args[0]).toEqual({ str: '/b/rootfs' });
    expect(ops[4]?.args[0]).toEqual({ int: 0x10000000 });
    // in a user namespace devices are bind mounts, not mknod
    expect(codes(ops)).not.toContain('MKNOD');
    expect(ops.some((o) => o.code === 'MOUNT_AT' && o.what === 'bind mount device /dev/null')).toBe(true);
  });

  it('v1 cgroups: the init moves itself in ("0" to each tasks file) right after the CGROUP sync, before any namespace', () => {
    const files = ['/sys/fs/cgroup/cpu,cpuacct/c1/tasks', '/sys/fs/cgroup/memory/c1/tasks'];
    const s = spec({ linux: { namespaces: [{ type: 'user' }, { type: 'mount' }, { type: 'network', path: '/run/netns/x' }], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] } } as Partial<Spec>);
    const ops = compile({ spec: s, bundle: '/b', rootfs: '/b/rootfs', fifo: '/run/hezi/x/exec.fifo', noPivot: false, preserveFds: 0, host, cgroupJoinFiles: files }).ops;
    const sync = ops.findIndex((o) => o.code === 'SYNC' && (o.args[0] as { int: number }).int === 4);
    const joins = ops.slice(sync + 1, sync + 3);
    expect(joins.map((o) => [o.code, (o.args[0] as { str: string }).str, Buffer.from((o.args[1] as { bytes: Buffer }).bytes).toString()])).toEqual(files.map((f) => ['WRITE_FILE', f, '0']));
    expect(joins.map((o) => o.what)).toEqual(files.map((f) => `join the container's cgroup: write ${f}`));
    for (const c of ['SETNS', 'UNSHARE', 'FORK']) expect(idx(ops, c)).toBeGreaterThan(sync + 2);
    // without the files (cgroup2, or no cgroups) the sync stays and nothing is written
    expect(plan(s).filter((o) => o.code === 'WRITE_FILE' && (o.args[0] as { str: string }).str.endsWith('/tasks'))).toEqual([]);
  });

  it('joins namespaces by path before creating, user first and mount last', () => {
    const ops = plan(spec({ linux: { namespaces: [{ type: 'mount', path: '/proc/1/ns/mnt' }, { type: 'network', path: '/run/netns/x' }, { type: 'user', path: '/proc/1/ns/user' }, { type: 'pid' }] } } as Partial<Spec>));
    const joins = ops.filter((o) => o.code === 'SETNS').map((o) => (o.args[0] as { str: string }).str);
    expect(joins).toEqual(['/proc/1/ns/user', '/run/netns/x', '/proc/1/ns/mnt']);
    expect(idx(ops, 'SETNS')).toBeLessThan(idx(ops, 'UNSHARE'));
  });

  it('time namespace offsets are written before the fork', () => {
    const ops = plan(spec({ linux: { namespaces: [{ type: 'mount' }, { type: 'time' }], timeOffsets: { monotonic: { secs: 86400, nanosecs: 0 } } } } as Partial<Spec>));
    const w = ops.findIndex((o) => o.code === 'WRITE_FILE' && (o.args[0] as { str: string }).str === '/proc/self/timens_offsets');
    expect(w).toBeGreaterThan(-1);
    expect(w).toBeLessThan(idx(ops, 'FORK'));
    expect(Buffer.from((ops[w]?.args[1] as { bytes: Uint8Array }).bytes).toString()).toBe('monotonic 86400 0\n');
  });

  it('without a mount namespace: no change to the host\'s mounts, chroot instead of pivot_root', () => {
    const ops = plan(spec({ linux: { namespaces: [{ type: 'pid' }] } } as Partial<Spec>));
    expect(codes(ops)).toContain('CHROOT');
    expect(codes(ops)).not.toContain('PIVOT_ROOT');
    expect(ops.some((o) => o.code === 'MOUNT' && (o.args[2] as { str: string }).str === '/')).toBe(false);
    expect(ops.some((o) => o.what.startsWith('bind mount rootfs'))).toBe(false);
  });

  it('joins a new session keyring named after the container unless --no-new-keyring', () => {
    expect(plan(spec()).find((o) => o.code === 'JOIN_KEYRING')?.args[0]).toEqual({ str: 'x' });
    const ops = compile({ spec: spec(), bundle: '/b', rootfs: '/b/rootfs', fifo: '/run/hezi/x/exec.fifo', noPivot: false, noNewKeyring: true, preserveFds: 0, host }).ops;
    expect(codes(ops)).not.toContain('JOIN_KEYRING');
  });

  it('with a mount namespace the rootfs is entered before any namespace and named "." after its bind; without one, by its path', () => {
    const ops = plan(spec());
    const at = (code: string): number => ops.findIndex((o) => o.code === code);
    const enter = ops.findIndex((o) => o.code === 'CHDIR' && o.args[0]?.str === '/b/rootfs');
    expect(enter).toBeGreaterThan(at('OPEN_FIFO'));
    expect(enter).toBeLessThan(at('UNSHARE'));
    const bind = ops[at('BIND_CWD')]!;
    expect(bind.args).toEqual([{ int: 1 }]);
    expect(bind.what).toBe('bind mount rootfs /b/rootfs');
    expect(at('BIND_CWD')).toBeLessThan(ops.findIndex((o) => o.code === 'MOUNT_AT'));
    // every op that resolves inside the root names it "."; errors still name the rootfs
    const rooted = ops.filter((o) => ['MOUNT_AT', 'MKDIR_ALL', 'TOUCH', 'MKNOD', 'SYMLINK'].includes(o.code));
    expect(rooted.length).toBeGreaterThan(5);
    for (const o of rooted) expect(o.args[o.code === 'MOUNT_AT' || o.code === 'SYMLINK' ? 1 : 0], o.what).toEqual({ str: '.' });
    expect(ops[at('PIVOT_ROOT')]).toMatchObject({ args: [{ str: '.' }], what: 'pivot_root to /b/rootfs' });
    expect(plan(spec(), true).find((o) => o.code === 'MOVE_ROOT')).toMatchObject({ args: [{ str: '.' }], what: 'move /b/rootfs to / (no pivot)' });

    const noMnt = plan(spec({ linux: { namespaces: [{ type: 'pid' }] } } as Partial<Spec>));
    expect(codes(noMnt)).not.toContain('BIND_CWD');
    expect(noMnt.find((o) => o.code === 'CHROOT')?.args[0]).toEqual({ str: '/b/rootfs' });
    expect(noMnt.filter((o) => o.code === 'MKDIR_ALL').every((o) => o.args[0]?.str === '/b/rootfs')).toBe(true);
  });

  it('--no-pivot moves the root instead of pivot_root', () => {
    const ops = plan(spec(), true);
    expect(codes(ops)).toContain('MOVE_ROOT');
    expect(codes(ops)).not.toContain('PIVOT_ROOT');
  });

  it('bind mounts of relative sources resolve against the bundle; ro is set on the clone, not by a second, path-based remount', () => {
    const ops = plan(spec({ mounts: [{ destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro'] }] } as Partial<Spec>));
    const m = ops.filter((o) => o.what.includes('/data') && o.code !== 'MKDIR_ALL');
    expect(m.map((o) => o.code)).toEqual(['MOUNT_AT']);
    const [src, root, rel, fstype, options, set, clr, flags, slot] = m[0]!.args;
    // the root is the cwd: the rootfs the init entered (CHDIR) and bound onto itself (BIND_CWD)
    expect([src, root, rel, fstype, options]).toEqual([{ str: '/b/data' }, { str: '.' }, { str: '/data' }, { str: '' }, { strv: [] }]);
    // exactly ro (MS_BIND|MS_REMOUNT semantics): every per-mount attribute cleared, RDONLY set
    expect([set, clr]).toEqual([{ int: 0x1 }, { int: 0x1 | 0x2 | 0x4 | 0x8 | 0x70 | 0x80 | 0x200000 }]);
    expect(flags).toEqual({ int: 1 | 2 | 8 }); // BIND | REC | NOT_ON_PROCFS
    expect(slot).toEqual({ int: 0 });
  });

  it('procfs and sysfs go on an ordinary directory and are verified; nothing else lands in /proc', () => {
    const ops = plan(
      spec({
        mounts: [
          { destination: '/proc', type: 'proc', source: 'proc' },
          { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro', 'nosuid'] },
          { destination: '/proc/meminfo', type: 'bind', source: '/var/lib/lxcfs/proc/meminfo', options: ['bind'] },
          { destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'noexec', 'rshared'] },
        ],
      } as Partial<Spec>),
    );
    const at = (dest: string) => ops.find((o) => o.code === 'MOUNT_AT' && (o.args[2] as { str: string }).str === dest)!;
    const flags = (dest: string) => (at(dest).args[7] as { int: number }).int;
    expect(flags('/proc')).toBe(4); // NO_SYMLINKS, on /proc itself
    expect(at('/proc').args[9]).toEqual({ int: 0x9fa0 });
    expect(flags('/sys')).toBe(4 | 8);
    expect(at('/sys').args[9]).toEqual({ int: 0x62656572 });
    expect([at('/sys').args[4], at('/sys').args[5]]).toEqual([{ strv: ['ro'] }, { int: 0x1 | 0x2 }]);
    expect(flags('/proc/meminfo')).toBe(1); // lxcfs' files may be bound in /proc
    expect(flags('/data')).toBe(8);
    expect(at('/data').args[4]).toEqual({ strv: ['size=1m'] });
    // the mkdir of /proc resolves no symlink either, and says why it fails
    const mk = ops.find((o) => o.code === 'MKDIR_ALL' && (o.args[1] as { str: string }).str === '/proc')!;
    expect(mk.args[3]).toEqual({ int: 1 });
    expect(mk.explain?.[40]).toBe('/proc must be mounted on an ordinary directory');
    expect(at('/data').explain?.[18]).toBe('/data cannot be mounted because it resolves inside /proc');
    // propagation acts on the mount just made (slot 0), not on its path
    const prop = ops[ops.indexOf(at('/data')) + 1]!;
    expect(prop.code).toBe('MOUNT_SETATTR');
    expect(prop.args).toEqual([{ int: 0 }, { int: 0 }, { int: 0 }, { int: 1 << 20 }, { int: 0x8000 }]);
  });

  it('--no-pivot hides the host\'s procfs and sysfs before the move; pivot_root needs not', () => {
    const withProc: HostInfo = {
      ...host,
      mounts: [
        ...host.mounts,
        { id: 2, parent: 1, root: '/', mountPoint: '/proc', options: 'rw', optional: '', fstype: 'proc', source: 'proc', superOptions: 'rw' },
        { id: 3, parent: 1, root: '/', mountPoint: '/sys', options: 'rw', optional: '', fstype: 'sysfs', source: 'sysfs', superOptions: 'rw' },
        { id: 4, parent: 1, root: '/', mountPoint: '/b/rootfs/proc', options: 'rw', optional: '', fstype: 'proc', source: 'proc', superOptions: 'rw' },
        { id: 5, parent: 1, root: '/sub', mountPoint: '/mnt/x', options: 'rw', optional: '', fstype: 'proc', source: 'proc', superOptions: 'rw' },
      ],
    };
    const ops = compile({ spec: spec(), bundle: '/b', rootfs: '/b/rootfs', fifo: '/run/hezi/x/exec.fifo', noPivot: true, preserveFds: 0, host: withProc }).ops;
    const hidden = ops.filter((o) => o.code === 'HIDE_MOUNT').map((o) => (o.args[0] as { str: string }).str);
    expect(hidden).toEqual(['/proc', '/sys']);
    expect(idx(ops, 'HIDE_MOUNT')).toBeLessThan(idx(ops, 'MOVE_ROOT'));
    const pivot = compile({ spec: spec(), bundle: '/b', rootfs: '/b/rootfs', fifo: '/run/hezi/x/exec.fifo', noPivot: false, preserveFds: 0, host: withProc }).ops;
    expect(codes(pivot)).not.toContain('HIDE_MOUNT');
  });

  it('masked and read-only paths come after pivot, caps masks are exact', () => {
    const ops = plan(
      spec({
        process: { cwd: '/', args: ['sh'], user: { uid: 1000, gid: 1000, additionalGids: [5, 6] }, capabilities: { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] } },
        linux: { namespaces: [{ type: 'mount' }], maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'] },
      } as Partial<Spec>),
    );
    expect(idx(ops, 'MASK_PATH')).toBeGreaterThan(idx(ops, 'PIVOT_ROOT'));
    expect(idx(ops, 'READONLY_PATH')).toBeGreaterThan(idx(ops, 'PIVOT_ROOT'));
    expect(ops.find((o) => o.code === 'CAPS_BOUNDING')?.args[0]).toEqual({ int: (1n << 5n) | 1n });
    expect(ops.find((o) => o.code === 'CAPSET')?.args).toEqual([{ int: 1n << 5n }, { int: 1n << 5n }, { int: 0n }]);
    expect(ops.find((o) => o.code === 'SETRESUID')?.args[0]).toEqual({ int: 1000 });
    expect(ops.find((o) => o.code === 'SETGROUPS')?.what).toBe('setgroups [5,6]');
  });

  it('hooks: a sync before pivot for prestart/createRuntime, createContainer in the init, startContainer after the fifo', () => {
    const h = { path: '/bin/true' };
    const ops = plan(spec({ hooks: { createRuntime: [h], createContainer: [h], startContainer: [h] } } as Partial<Spec>));
    // CGROUP (before the fork), CREATE_RUNTIME (before pivot), STATE (before READY)
    const syncs = ops.map((o, k) => [o, k] as const).filter(([o]) => o.code === 'SYNC');
    expect(syncs.map(([o]) => (o.args[0] as { int: number }).int)).toEqual([4, 2, 3]);
    expect(syncs[0]![1]).toBeLessThan(idx(ops, 'FORK'));
    expect(syncs[1]![1]).toBeLessThan(idx(ops, 'PIVOT_ROOT'));
    const hooks = ops.map((o, k) => [o, k] as const).filter(([o]) => o.code === 'RUN_HOOK');
    expect(hooks[0]![1]).toBeLessThan(idx(ops, 'PIVOT_ROOT'));
    expect(hooks[1]![1]).toBeGreaterThan(idx(ops, 'WAIT_FIFO'));
    expect(syncs[2]![1]).toBeLessThan(idx(ops, 'READY'));
  });

  it('PATH lookup candidates come from the process env', () => {
    expect(execCandidates('sh', ['PATH=/usr/bin:/bin'])).toEqual(['/usr/bin/sh', '/bin/sh']);
    expect(execCandidates('/bin/sh', [])).toEqual(['/bin/sh']);
    expect(execCandidates('./x', [])).toEqual(['./x']);
  });

  it('makedev matches glibc', () => {
    expect(makedev(1, 3)).toBe(0x103n);
    expect(makedev(5, 0)).toBe(0x500n);
    expect(makedev(259, 65536)).toBe(0x10010300n);
    expect(makedev(4096, 0)).toBe(1n << 44n);
  });

  it('encodes to the ABI layout', () => {
    const buf = encodePlan([{ code: 'SETHOSTNAME', args: [{ str: 'h' }], what: '' }]);
    expect(buf.subarray(0, 4).toString()).toBe('HZP1');
    expect(buf.readUInt32LE(4)).toBe(5);
    expect(buf.readUInt32LE(8)).toBe(1);
    expect(buf.readUInt32LE(12)).toBe(30);
    expect(buf.readUInt32LE(16)).toBe(1);
    expect(buf.readUInt32LE(20)).toBe(2);
    expect(buf.subarray(24, 26)).toEqual(Buffer.from('h\0'));
  });

  it('encodes every argument kind so that a reader of plan_abi.h gets it back (unicode, long strings, large ints, growth)', () => {
    const long = 'x'.repeat(40000);
    const ops: Op[] = [
      { code: 'MOUNT', args: [{ str: 'sräc/😀' }, { str: '' }, { str: long }, { str: 'tmpfs' }, { int: -1 }, { str: 'mode=755' }], what: '' },
      { code: 'EXEC', args: [{ strv: ['sh', '-c', 'echo ünï'] }, { strv: [] }], what: '' },
      { code: 'SECCOMP', args: [{ bytes: new Uint8Array([1, 2, 3, 255]) }, { int: 2 ** 52 }], what: '' },
    ];
    const buf = encodePlan(ops);
    // an independent reader of the layout
    let at = 12;
    const u32 = () => ((at += 4), buf.readUInt32LE(at - 4));
    const back: unknown[] = [];
    for (let k = 0; k < buf.readUInt32LE(8); k++) {
      const code = u32();
      const args: Buffer[] = [];
      for (let n = u32(); n > 0; n--) {
        const len = u32();
        args.push(buf.subarray(at, at + len));
        at += len;
      }
      back.push({ code, args });
    }
    expect(at).toBe(buf.length);
    const [m, e, sc] = back as Array<{ code: number; args: Buffer[] }>;
    expect(m!.args.map((b, i) => (i === 4 ? b.readBigInt64LE() : b.toString('utf8')))).toEqual(['sräc/😀\0', '\0', `${long}\0`, 'tmpfs\0', -1n, 'mode=755\0']);
    expect(e!.args.map((b) => b.toString('utf8'))).toEqual(['sh\0-c\0echo ünï\0', '']);
    expect([...sc!.args[0]!]).toEqual([1, 2, 3, 255]);
    expect(sc!.args[1]!.readBigInt64LE()).toBe(2n ** 52n);
    expect(() => encodePlan([{ code: 'CHDIR', args: [{ str: 'a\0b' }], what: '' }])).toThrow(/NUL/);
  });

  it('writes a safe-integer number as BigInt would (the halves), and refuses what BigInt refuses', () => {
    const ints = [0, -0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2n ** 63n - 1n, -(2n ** 63n)];
    for (let k = 0; k < 200; k++) ints.push(Math.floor((Math.random() - 0.5) * 2 * Number.MAX_SAFE_INTEGER));
    for (const n of ints) {
      const buf = encodePlan([{ code: 'SETHOSTNAME', args: [{ int: n }], what: '' }]);
      expect(buf.readUInt32LE(20)).toBe(8);
      expect(buf.readBigInt64LE(24), String(n)).toBe(BigInt(n));
    }
    expect(() => encodePlan([{ code: 'SETHOSTNAME', args: [{ int: 1.5 }], what: '' }])).toThrow(RangeError);
    expect(() => encodePlan([{ code: 'SETHOSTNAME', args: [{ int: 2n ** 63n }], what: '' }])).toThrow(RangeError);
  });
});
