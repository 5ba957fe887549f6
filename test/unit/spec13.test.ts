/**
 * runtime-spec 1.3 fields without root: validation (each problem with its JSON path) and where
 * their ops land in the create and exec plans. The effects are proven from inside containers in
 * test/integration (process-knobs, mount-extensions).
 */
import { describe, expect, it } from 'vitest';
import type { Process, Spec } from '../../spec';
import { configWarnings, validate, validateProcessFields } from '../../src/config/validate';
import { parseMountOptions } from '../../src/linux/mount-options';
import { bitmask, ioprioValue, parseIdList } from '../../src/linux/sched';
import { compile, type HostInfo } from '../../src/plan/compile';
import { MNT, type Op } from '../../src/plan/ops';
import { compileExec } from '../../src/runtime/exec';
import type { ContainerRecord } from '../../src/runtime/state-store';

const host: HostInfo = { lastCap: 40, mounts: [], ownCgroups: new Map([['', '/']]), cgroup2Only: true, hasKcore: false };

function spec(extra: Record<string, unknown> = {}): Spec {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { cwd: '/', args: ['sh'], env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
    ...extra,
  } as Spec;
}
const plan = (s: Spec) => compile({ spec: s, bundle: '/b', rootfs: '/b/rootfs', fifo: '/run/hezi/x/exec.fifo', noPivot: false, preserveFds: 0, host }).ops;
const codes = (ops: Op[]) => ops.map((o) => o.code);
const idx = (ops: Op[], code: string) => codes(ops).indexOf(code as Op['code']);
/** validation problems, without the rootfs check (there is no bundle here) */
const problems = (s: Spec) => validate({ spec: s, bundle: '/nonexistent', euid: 0 }).filter((p) => !p.startsWith('root.path'));

describe('lists and values', () => {
  it('CPU and node lists: ranges, sorting, duplicates; bad lists are undefined', () => {
    expect(parseIdList('0-3,7')).toEqual([0, 1, 2, 3, 7]);
    expect(parseIdList('7, 1 ,1-2')).toEqual([1, 2, 7]);
    expect(parseIdList('')).toEqual([]);
    for (const bad of ['3-1', 'a', '1,,2', '-1', '9000']) expect(parseIdList(bad), bad).toBeUndefined();
  });

  it('bitmasks are 64-bit words, little-endian', () => {
    expect([...bitmask([0, 3])]).toEqual([9, 0, 0, 0, 0, 0, 0, 0]);
    expect(bitmask([64]).length).toBe(16);
    expect(bitmask([64])[8]).toBe(1);
  });

  it('ioprio values: class << 13 | level', () => {
    expect(ioprioValue('IOPRIO_CLASS_BE', 3)).toBe((2 << 13) | 3);
    expect(ioprioValue('IOPRIO_CLASS_IDLE', 0)).toBe(3 << 13);
  });

  it('mount options: idmap, ridmap and tmpcopyup are extensions, not data', () => {
    expect(parseMountOptions(['rbind', 'ridmap'])).toMatchObject({ idmap: true, ridmap: true, data: [] });
    expect(parseMountOptions(['idmap'])).toMatchObject({ idmap: true, ridmap: false });
    expect(parseMountOptions(['tmpcopyup', 'size=1m'])).toMatchObject({ copyUp: true, data: ['size=1m'] });
  });
});

describe('validation with JSON paths', () => {
  it('process.scheduler (runc 1.2 rules)', () => {
    const p = (scheduler: unknown) => validateProcessFields({ cwd: '/', scheduler } as Process);
    expect(p({ policy: 'SCHED_FIFO', priority: 10 })).toEqual([]);
    expect(p({ policy: 'SCHED_OTHER', priority: 1 })).toEqual(['process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority']);
    expect(p({ policy: 'SCHED_BATCH', nice: 20 })).toEqual(['process.scheduler.nice: must be -20 to 19 for SCHED_BATCH, got 20']);
    expect(p({ policy: 'SCHED_RR', period: 5 })).toEqual(['process.scheduler.period: only SCHED_DEADLINE takes a period']);
    expect(p({ policy: 'SCHED_DEADLINE', runtime: 1, deadline: 2, period: 3 })).toEqual([]);
  });

  it('process.ioPriority and execCPUAffinity', () => {
    expect(validateProcessFields({ cwd: '/', ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 8 } } as Process)).toEqual([
      'process.ioPriority.priority: must be 0 (highest) to 7 (lowest), got 8',
    ]);
    expect(validateProcessFields({ cwd: '/', execCPUAffinity: { initial: '2-1' } } as Process)[0]).toMatch(/^process\.execCPUAffinity\.initial: invalid CPU list "2-1"/);
  });

  it('linux.memoryPolicy', () => {
    const mp = (memoryPolicy: unknown) => problems(spec({ linux: { namespaces: [{ type: 'mount' }], memoryPolicy } }));
    expect(mp({ mode: 'MPOL_BIND', nodes: '0' })).toEqual([]);
    expect(mp({ nodes: '0' })).toEqual(['linux.memoryPolicy.mode: is required']);
    expect(mp({ mode: 'MPOL_LOCAL', nodes: '0' })).toEqual(['linux.memoryPolicy.nodes: MPOL_LOCAL takes no nodes, got "0"']);
    expect(mp({ mode: 'MPOL_INTERLEAVE' })).toEqual(['linux.memoryPolicy.nodes: MPOL_INTERLEAVE needs at least one node']);
    expect(mp({ mode: 'MPOL_BIND', nodes: 'x' })).toEqual(['linux.memoryPolicy.nodes: invalid node list "x" (like "0-3,7")']);
  });

  it('mounts: tmpcopyup needs a tmpfs, data on a bind is a warning, id-mapped mounts need mappings and a bind', () => {
    const m = (mounts: unknown[], linux: Record<string, unknown> = { namespaces: [{ type: 'mount' }] }) => problems(spec({ mounts, linux }));
    expect(m([{ destination: '/etc', type: 'tmpfs', options: ['tmpcopyup'] }])).toEqual([]);
    expect(m([{ destination: '/etc', type: 'bind', source: '/x', options: ['bind', 'tmpcopyup'] }])).toEqual(['mounts[0].options: tmpcopyup needs a tmpfs mount, got type "bind"']);
    const dataOnBind = spec({ mounts: [{ destination: '/x', type: 'bind', source: '/x', options: ['rbind', 'mode=700', 'size=1k'] }], linux: { namespaces: [{ type: 'mount' }] } });
    expect(problems(dataOnBind)).toEqual([]);
    expect(configWarnings({ spec: dataOnBind, bundle: '/b' })).toEqual(['mounts[0].options: "mode=700,size=1k" ignored: a bind mount takes no filesystem options']);
    const map = [{ containerID: 0, hostID: 1000, size: 1 }];
    expect(m([{ destination: '/x', source: '/x', options: ['bind'], uidMappings: map }])).toEqual(['mounts[0].gidMappings: must be given with uidMappings']);
    expect(m([{ destination: '/x', source: '/x', options: ['bind', 'idmap'] }])[0]).toMatch(/^mounts\[0\]\.options: an id-mapped mount needs uidMappings and gidMappings/);
    expect(m([{ destination: '/x', type: 'tmpfs', options: ['idmap'], uidMappings: map, gidMappings: map }])).toEqual(['mounts[0]: id-mapped mounts must be bind mounts']);
    // idmap without mappings of its own takes the container's user namespace
    const userns = { namespaces: [{ type: 'mount' }, { type: 'user' }], uidMappings: map, gidMappings: map };
    expect(m([{ destination: '/x', source: '/x', options: ['bind', 'idmap'] }], userns)).toEqual([]);
    // ... as root only: the tree is cloned and mapped in the initial user namespace
    expect(validate({ spec: spec({ mounts: [{ destination: '/x', source: '/x', options: ['bind', 'idmap'] }], linux: userns }), bundle: '/', euid: 1000 })).toContain(
      'mounts[0]: id-mapped mounts need a runtime running as root',
    );
  });

  it('rootless: a user namespace, no deny device rules, no additional groups with a single-id gid map', () => {
    const own = [{ containerID: 0, hostID: 1000, size: 1 }];
    const base = { namespaces: [{ type: 'mount' }, { type: 'user' }], uidMappings: own, gidMappings: own };
    const v = (s: Spec) => validate({ spec: s, bundle: '/nonexistent', euid: 1000, egid: 1000 }).filter((p) => !p.startsWith('root.path'));
    expect(v(spec({ linux: base }))).toEqual([]);
    expect(v(spec({ linux: { namespaces: [{ type: 'mount' }] } }))).toEqual(['linux.namespaces: a container run by a user other than root (uid 1000) needs a user namespace']);
    expect(v(spec({ linux: { ...base, resources: { devices: [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }] } } }))).toEqual([
      'linux.resources.devices[1]: a runtime run by a user other than root cannot enforce a rule that denies (no eBPF device program without CAP_SYS_ADMIN)',
    ]);
    expect(v(spec({ process: { cwd: '/', args: ['sh'], user: { uid: 0, gid: 0, additionalGids: [5] } }, linux: base }))[0]).toMatch(/^process\.user\.additionalGids: a gid map of your own gid alone denies setgroups/);
  });

  it('linux.sysctl: user.* needs a user namespace', () => {
    expect(problems(spec({ linux: { namespaces: [{ type: 'mount' }], sysctl: { 'user.max_user_namespaces': '5' } } }))).toEqual([
      'linux.sysctl.user.max_user_namespaces: needs a user namespace',
    ]);
    const map = [{ containerID: 0, hostID: 1000, size: 1 }];
    expect(problems(spec({ linux: { namespaces: [{ type: 'user' }], uidMappings: map, gidMappings: map, sysctl: { 'user.max_user_namespaces': '5' } } }))).toEqual([]);
  });
});

describe('plan: where the new ops go', () => {
  it('scheduler and ioPriority before the capabilities are dropped; the memory policy in the process attributes', () => {
    const ops = plan(
      spec({
        process: { cwd: '/', args: ['sh'], scheduler: { policy: 'SCHED_FIFO', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK'] }, ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 4 } },
        linux: { namespaces: [{ type: 'mount' }], memoryPolicy: { mode: 'MPOL_INTERLEAVE', nodes: '0-1', flags: ['MPOL_F_STATIC_NODES'] } },
      }),
    );
    const s = ops[idx(ops, 'SCHED_SETATTR')]!;
    expect(s.args).toEqual([{ int: 1 }, { int: 1 }, { int: 0 }, { int: 10 }, { int: 0n }, { int: 0n }, { int: 0n }]);
    expect(s.what).toBe('set process.scheduler (SCHED_FIFO, priority 10, SCHED_FLAG_RESET_ON_FORK)');
    expect(ops[idx(ops, 'IOPRIO_SET')]!.args).toEqual([{ int: (2 << 13) | 4 }]);
    expect(idx(ops, 'IOPRIO_SET')).toBeLessThan(idx(ops, 'CAPSET'));
    expect(idx(ops, 'SCHED_SETATTR')).toBeLessThan(idx(ops, 'CAPS_BOUNDING'));
    const mp = ops[idx(ops, 'SET_MEMPOLICY')]!;
    expect(mp.args[0]).toEqual({ int: 3 | (1 << 15) });
    expect([...(mp.args[1] as { bytes: Uint8Array }).bytes]).toEqual([3, 0, 0, 0, 0, 0, 0, 0]);
    expect(idx(ops, 'SET_MEMPOLICY')).toBeGreaterThan(idx(ops, 'FORK'));
    expect(idx(ops, 'SET_MEMPOLICY')).toBeLessThan(idx(ops, 'PIVOT_ROOT'));
  });

  it('nothing new for a config that uses none of them, but the affinity reset after the cgroup sync', () => {
    const c = codes(plan(spec()));
    for (const code of ['SCHED_SETATTR', 'IOPRIO_SET', 'SET_MEMPOLICY', 'IDMAP_TREE', 'WRITE_PROC']) expect(c).not.toContain(code);
    expect(c.filter((x) => x === 'SCHED_SETAFFINITY')).toHaveLength(1);
    expect(c.indexOf('SCHED_SETAFFINITY')).toBe(c.indexOf('FORK') - 1);
  });

  it('id-mapped mounts: the trees are made before any namespace is joined or created, attached in mount order', () => {
    const map = [{ containerID: 0, hostID: 1000, size: 10 }];
    const ops = plan(
      spec({
        mounts: [
          { destination: '/proc', type: 'proc', source: 'proc' },
          { destination: '/a', type: 'bind', source: 'data', options: ['rbind', 'ridmap'], uidMappings: map, gidMappings: map },
          { destination: '/b', type: 'bind', source: '/x', options: ['bind', 'idmap', 'ro'] },
        ],
        linux: { namespaces: [{ type: 'user', path: '/proc/7/ns/user' }, { type: 'mount' }] },
      }),
    );
    const trees = ops.map((o, k) => [o, k] as const).filter(([o]) => o.code === 'IDMAP_TREE');
    expect(trees.map(([o]) => o.args)).toEqual([
      [{ str: '/b/data' }, { int: 1 }, { int: 1 }, { str: '' }, { bytes: Buffer.from('0 1000 10\n') }, { bytes: Buffer.from('0 1000 10\n') }, { int: 0 }],
      [{ str: '/x' }, { int: 0 }, { int: 0 }, { str: '/proc/7/ns/user' }, { bytes: Buffer.from('') }, { bytes: Buffer.from('') }, { int: 1 }],
    ]);
    expect(trees.every(([, k]) => k < idx(ops, 'SETNS'))).toBe(true);
    // MOUNT_AT takes the tree (argument 10) instead of cloning the source, with the bind's other flags
    const at = (dest: string) => ops.find((o) => o.code === 'MOUNT_AT' && (o.args[2] as { str: string }).str === dest)!;
    expect(at('/a').args[10]).toEqual({ int: 0 });
    expect(at('/b').args[10]).toEqual({ int: 1 });
    expect(at('/b').args[5]).toEqual({ int: 0x1 }); // ro
    expect(at('/b').what).toBe('id-mapped bind mount /x on /b with bind,idmap,ro');
    expect((at('/proc').args[10] as { int: number }).int).toBe(-1);
  });

  it('with a user namespace the other bind sources are cloned (OPEN_TREE) before it too, into the tree slots after the id-mapped ones', () => {
    const map = [{ containerID: 0, hostID: 1000, size: 10 }];
    const ops = plan(
      spec({
        mounts: [
          { destination: '/proc', type: 'proc', source: 'proc' },
          { destination: '/p', type: 'bind', source: '/srv/plain', options: ['rbind', 'ro'] },
          { destination: '/a', type: 'bind', source: 'data', options: ['rbind', 'ridmap'], uidMappings: map, gidMappings: map },
          { destination: '/q', source: 'rel', options: ['bind'] },
        ],
        linux: { namespaces: [{ type: 'user' }, { type: 'mount' }], uidMappings: map, gidMappings: map },
      }),
    );
    const clones = ops.map((o, k) => [o, k] as const).filter(([o]) => o.code === 'OPEN_TREE');
    expect(clones.map(([o]) => o.args)).toEqual([
      [{ str: '/srv/plain' }, { int: 1 }, { int: 1 }],
      [{ str: '/b/rel' }, { int: 2 }, { int: 0 }],
    ]);
    expect(clones.every(([, k]) => k < idx(ops, 'UNSHARE'))).toBe(true);
    const at = (dest: string) => ops.find((o) => o.code === 'MOUNT_AT' && (o.args[2] as { str: string }).str === dest)!;
    expect([at('/a'), at('/p'), at('/q'), at('/proc')].map((o) => o.args[10])).toEqual([{ int: 0 }, { int: 1 }, { int: 2 }, { int: -1 }]);
    // the kernel locked nothing on a clone made before the user namespace: MOUNT_AT keeps those flags itself
    const locked = (o: Op) => ((o.args[7] as { int: number }).int & MNT.LOCKED) !== 0;
    expect([at('/a'), at('/p'), at('/q')].map(locked)).toEqual([false, true, true]);
    // one tree per bind: a user-namespaced container has at most HZ_MAX_TREES of them
    const many = Array.from({ length: 1025 }, (_, k) => ({ destination: `/m${k}`, type: 'bind', source: '/srv', options: ['bind'] }));
    expect(problems(spec({ mounts: many, linux: { namespaces: [{ type: 'user' }, { type: 'mount' }], uidMappings: map, gidMappings: map } }))).toContain(
      'mounts: at most 1024 bind mounts in a container with a user namespace, got 1025',
    );
    expect(problems(spec({ mounts: many })).filter((p) => p.startsWith('mounts:'))).toEqual([]);
    // rootless: the user reaches its sources itself, and may not clone mounts of its mount namespace
    const userns = { namespaces: [{ type: 'user' as const }, { type: 'mount' as const }], uidMappings: map, gidMappings: map };
    const mine = spec({ mounts: [{ destination: '/p', type: 'bind', source: '/srv/plain', options: ['rbind'] }], linux: userns });
    expect(codes(compile({ spec: mine, bundle: '/b', rootfs: '/b/rootfs', fifo: '/f', noPivot: false, preserveFds: 0, host, rootless: true }).ops)).not.toContain('OPEN_TREE');
    // without a user namespace a bind clones its source where it is mounted
    expect(codes(plan(spec({ mounts: [{ destination: '/p', type: 'bind', source: '/srv/plain', options: ['rbind'] }] })))).not.toContain('OPEN_TREE');
  });

  it('tmpcopyup: MOUNT_AT copies into the new filesystem before attaching it; read-only per mount, after the copy; the root mode kept unless mode= is given', () => {
    const ops = plan(spec({ mounts: [{ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'ro', 'size=1m'] }, { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'mode=700'] }] }));
    const at = (dest: string) => ops.find((o) => o.code === 'MOUNT_AT' && (o.args[2] as { str: string }).str === dest)!;
    // options (no superblock "ro"), attr_set, mflags
    expect([at('/etc').args[4], at('/etc').args[5], at('/etc').args[7]]).toEqual([{ strv: ['size=1m'] }, { int: 0x1 }, { int: 8 | 16 | 32 }]);
    expect([at('/run').args[4], at('/run').args[7]]).toEqual([{ strv: ['mode=700'] }, { int: 8 | 16 }]);
    expect(at('/etc').what).toBe('mount tmpfs on /etc with tmpcopyup');
  });

  it('bind mounts: exactly the flags asked for, cleared ones (rw, exec) included, and which were cleared by name', () => {
    const ops = plan(spec({ mounts: [{ destination: '/x', type: 'bind', source: '/x', options: ['bind', 'rw', 'exec', 'nodev'] }] }));
    const at = ops.find((o) => o.code === 'MOUNT_AT' && (o.args[2] as { str: string }).str === '/x')!;
    // set: nodev; clear: every per-mount attribute; cleared by name: ro, noexec
    expect([at.args[5], at.args[6], at.args[11]]).toEqual([{ int: 0x4 }, { int: 0x1 | 0x2 | 0x4 | 0x8 | 0x70 | 0x80 | 0x200000 }, { int: 0x1 | 0x8 }]);
    const plain = ops.length && plan(spec({ mounts: [{ destination: '/x', type: 'bind', source: '/x', options: ['rbind'] }] })).find((o) => o.code === 'MOUNT_AT' && (o.args[2] as { str: string }).str === '/x')!;
    expect([plain.args[5], plain.args[6]]).toEqual([{ int: 0 }, { int: 0 }]); // no flags: the source's kept
  });

  it('exec: initial affinity before the cgroup sync, the reset after it unless final, final right before READY; the memory policy too', () => {
    const rec = {
      id: 'c1',
      pid: 4242,
      rootfs: '/b/rootfs',
      config: { ociVersion: '1.3.0', linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }], memoryPolicy: { mode: 'MPOL_BIND', nodes: '0' } } },
    } as unknown as ContainerRecord;
    const exec = (p: Partial<Process>) => compileExec({ rec, process: { cwd: '/', args: ['sh'], ...p } as Process, initPid: 4242, lastCap: 40, preserveFds: 0 }).ops;
    const both = exec({ execCPUAffinity: { initial: '1', final: '0' } });
    const aff = both.map((o, k) => [o, k] as const).filter(([o]) => o.code === 'SCHED_SETAFFINITY');
    expect(aff.map(([o]) => o.what)).toEqual(['set process.execCPUAffinity.initial (CPUs 1)', 'set process.execCPUAffinity.final (CPUs 0)']);
    expect(aff[0]![1]).toBeLessThan(idx(both, 'SYNC'));
    expect(aff[1]![1]).toBe(idx(both, 'READY') - 1);
    expect(idx(both, 'SET_MEMPOLICY')).toBeGreaterThan(idx(both, 'FORK'));
    const none = exec({});
    const reset = none.map((o, k) => [o, k] as const).filter(([o]) => o.code === 'SCHED_SETAFFINITY');
    expect(reset).toHaveLength(1);
    expect(reset[0]![1]).toBeGreaterThan(idx(none, 'SYNC'));
    expect(reset[0]![1]).toBe(idx(none, 'FORK') - 1);
  });

  it('SELinux (a host that has it): keycreate before the keyring, the exec label before READY (verified procfs), context= on tmpfs but not proc or binds', () => {
    const label = 'system_u:system_r:container_t:s0:c1,c2';
    const ops = compile({
      spec: spec({
        process: { cwd: '/', args: ['sh'], selinuxLabel: label },
        mounts: [
          { destination: '/proc', type: 'proc', source: 'proc' },
          { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['mode=755'] },
          { destination: '/x', type: 'bind', source: '/x', options: ['rbind'] },
        ],
        linux: { namespaces: [{ type: 'mount' }], mountLabel: 'system_u:object_r:container_file_t:s0:c1,c2' },
      }),
      bundle: '/b',
      rootfs: '/b/rootfs',
      fifo: '/run/hezi/x/exec.fifo',
      noPivot: false,
      preserveFds: 0,
      host: { ...host, selinux: true },
    }).ops;
    const attrs = ops.filter((o) => o.code === 'WRITE_PROC').map((o) => [(o.args[0] as { str: string }).str, Buffer.from((o.args[1] as { bytes: Uint8Array }).bytes).toString()]);
    expect(attrs).toEqual([
      ['self/attr/keycreate', label],
      ['self/attr/exec', label],
    ]);
    const k = ops.findIndex((o) => o.code === 'WRITE_PROC');
    expect(ops[k + 1]?.code).toBe('JOIN_KEYRING');
    expect(ops.findLastIndex((o) => o.code === 'WRITE_PROC')).toBeLessThan(idx(ops, 'READY'));
    const options = (dest: string) => ops.find((o) => o.code === 'MOUNT_AT' && (o.args[2] as { str: string }).str === dest)?.args[4];
    expect(options('/dev')).toEqual({ strv: ['mode=755', 'context=system_u:object_r:container_file_t:s0:c1,c2'] });
    expect(options('/proc')).toEqual({ strv: [] });
    expect(options('/x')).toEqual({ strv: [] });
  });

  it('SELinux off: no label ops at all (a label is refused by validation instead)', () => {
    const c = codes(plan(spec({ linux: { namespaces: [{ type: 'mount' }], mountLabel: 'x' } })));
    expect(c).not.toContain('WRITE_PROC');
  });
});
