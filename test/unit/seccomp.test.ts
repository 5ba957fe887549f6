import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LinuxSeccomp, Spec } from '../../spec';
import { parseConfig } from '../../spec';
import {
  compileSeccomp,
  enosysStub,
  wantsEnosysStub,
  FILTER_FLAG,
  planSeccomp,
  SCMP_ACT,
  SCMP_ARCH,
  SCMP_CMP,
  SeccompConfigError,
  SeccompError,
  seccompFeatures,
  type PlanEnv,
} from '../../src/linux/seccomp';
import { compile, HostInfo, SeccompLoad } from '../../src/plan/compile';
import type { Op } from '../../src/plan/ops';
import type { Native } from '../../src/native/addon';

const X86_64 = 0xc000003e;
const env: PlanEnv = { nativeArch: X86_64, flagSupported: () => true };
const plan = (s: Partial<LinuxSeccomp>, e: PlanEnv = env) => planSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', ...s } as LinuxSeccomp, e);
const fails = (s: Partial<LinuxSeccomp>, e: PlanEnv = env): string => {
  try {
    plan(s, e);
  } catch (err) {
    expect(err).toBeInstanceOf(SeccompConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a SeccompConfigError');
};

describe('seccomp: values', () => {
  it('maps every action to libseccomp/kernel values', () => {
    expect(SCMP_ACT).toEqual({
      SCMP_ACT_KILL: 0,
      SCMP_ACT_KILL_THREAD: 0,
      SCMP_ACT_KILL_PROCESS: 0x80000000,
      SCMP_ACT_TRAP: 0x00030000,
      SCMP_ACT_ERRNO: 0x00050000,
      SCMP_ACT_TRACE: 0x7ff00000,
      SCMP_ACT_LOG: 0x7ffc0000,
      SCMP_ACT_ALLOW: 0x7fff0000,
      SCMP_ACT_NOTIFY: 0x7fc00000,
    });
    expect(SCMP_CMP).toEqual({ SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7 });
    expect(SCMP_ARCH.SCMP_ARCH_X86_64).toBe(X86_64);
    expect(SCMP_ARCH.SCMP_ARCH_X32).toBe(0x4000003e);
    expect(SCMP_ARCH.SCMP_ARCH_AARCH64).toBe(0xc00000b7);
  });

  it('ERRNO and TRACE carry errnoRet (default EPERM); the default action takes defaultErrnoRet', () => {
    const p = plan({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      syscalls: [
        { names: ['a'], action: 'SCMP_ACT_ERRNO' },
        { names: ['b'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['c'], action: 'SCMP_ACT_TRACE' },
        { names: ['d'], action: 'SCMP_ACT_TRACE', errnoRet: 7 },
        { names: ['e'], action: 'SCMP_ACT_KILL_PROCESS' },
      ],
    });
    expect(p.desc.defaultAction).toBe(0x00050000 + 38);
    expect(p.desc.rules.map((r) => [r.name, r.action])).toEqual([
      ['a', 0x00050001],
      ['b', 0x0005000d],
      ['c', 0x7ff00001],
      ['d', 0x7ff00007],
      ['e', 0x80000000],
    ]);
    expect(plan({ defaultAction: 'SCMP_ACT_ERRNO' }).desc.defaultAction).toBe(0x00050001);
  });

  it('an errnoRet on an action without one fails, naming the JSON path', () => {
    expect(fails({ syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO' }, { names: ['y'], action: 'SCMP_ACT_KILL', errnoRet: 1 }] })).toBe(
      'linux.seccomp.syscalls[1].errnoRet: SCMP_ACT_KILL does not take an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)',
    );
    expect(fails({ defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 1 })).toMatch(/^linux\.seccomp\.defaultErrnoRet: SCMP_ACT_ALLOW does not take an errno/);
    expect(fails({ syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', errnoRet: 70000 }] })).toBe(
      'linux.seccomp.syscalls[0].errnoRet: expected 0 to 65535, got 70000',
    );
  });

  it('unknown names fail with the JSON path', () => {
    const bad = (s: unknown) => s as never;
    expect(fails({ syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW' }, { names: ['b'], action: 'SCMP_ACT_ALLOW' }, { names: ['c'], action: 'SCMP_ACT_ALLOW' }, { names: ['d'], action: bad('SCMP_ACT_FOO') }] })).toBe(
      'linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"',
    );
    expect(fails({ defaultAction: bad('SCMP_ACT_NOPE') })).toBe('linux.seccomp.defaultAction: unknown action "SCMP_ACT_NOPE"');
    expect(fails({ architectures: ['SCMP_ARCH_X86', bad('SCMP_ARCH_VAX')] })).toBe('linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"');
    expect(fails({ flags: [bad('SECCOMP_FILTER_FLAG_NOPE')] })).toBe('linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NOPE"');
    expect(fails({ syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: bad('SCMP_CMP_XX') }] }] })).toBe(
      'linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_XX"',
    );
    expect(fails({ syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] })).toBe(
      'linux.seccomp.syscalls[0].args[0].index: expected 0 to 5, got 6',
    );
    expect(fails({ syscalls: [{ names: ['read', ''], action: 'SCMP_ACT_ERRNO' }] })).toBe('linux.seccomp.syscalls[0].names[1]: empty syscall name');
  });

  it('the schema rejects an unknown action with the JSON path before seccomp.ts sees it', () => {
    const r = parseConfig({
      ociVersion: '1.3.0',
      root: { path: 'rootfs' },
      linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW' }, { names: ['b'], action: 'SCMP_ACT_FOO' }] } },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/linux\.seccomp\.syscalls\[1\]\.action: unknown seccomp action "SCMP_ACT_FOO"/);
  });

  it('arguments: op codes, MASKED_EQ takes value (mask) and valueTwo, uint64 values as bigint', () => {
    const p = plan({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        {
          names: ['clone'],
          action: 'SCMP_ACT_ERRNO',
          args: [
            { index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' },
            { index: 1, value: 2 ** 64, op: 'SCMP_CMP_NE' },
          ],
        },
      ],
    });
    expect(p.desc.rules).toEqual([
      {
        name: 'clone',
        action: 0x00050001,
        path: 'linux.seccomp.syscalls[0]',
        args: [
          { index: 0, op: 7, a: 0x7e020000n, b: 0n },
          { index: 1, op: 1, a: 0xffffffffffffffffn, b: 0n },
        ],
      },
    ]);
  });

  it('two conditions on one argument become separate rules (OR), as runc does; one rule per name', () => {
    const p = plan({
      syscalls: [
        {
          names: ['personality', 'uname'],
          action: 'SCMP_ACT_ERRNO',
          args: [
            { index: 0, value: 8, op: 'SCMP_CMP_EQ' },
            { index: 0, value: 9, op: 'SCMP_CMP_EQ' },
          ],
        },
      ],
    });
    expect(p.desc.rules.map((r) => [r.name, r.args.map((a) => a.a)])).toEqual([
      ['personality', [8n]],
      ['personality', [9n]],
      ['uname', [8n]],
      ['uname', [9n]],
    ]);
  });

  it('rules with the default action are skipped; the native arch and duplicates are not added', () => {
    const p = plan({
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86'],
      syscalls: [
        { names: ['a'], action: 'SCMP_ACT_ERRNO' },
        { names: ['b'], action: 'SCMP_ACT_ERRNO', errnoRet: 2 },
      ],
    });
    expect(p.desc.rules.map((r) => r.name)).toEqual(['b']);
    expect(p.desc.arches).toEqual([0x40000003, 0x4000003e]);
    expect(p.archPaths).toEqual(['linux.seccomp.architectures[1]', 'linux.seccomp.architectures[2]']);
    expect(p.notes.join('\n')).toMatch(/syscalls\[0\]: same action as the default, skipped/);
  });

  it('libseccomp never sets no_new_privs (CTL_NNP 0); many rules turn on the binary tree', () => {
    expect(plan({}).desc.attrs).toEqual([[3, 0]]);
    const many = Array.from({ length: 40 }, (_, k) => `s${k}`);
    expect(plan({ syscalls: [{ names: many, action: 'SCMP_ACT_ERRNO' }] }).desc.attrs).toEqual([
      [3, 0],
      [8, 2],
    ]);
  });
});

describe('seccomp: flags and notify', () => {
  it('flags become seccomp(2) bits; an unsupported one fails with its path', () => {
    expect(plan({ flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] }).flags).toBe(1 | 2 | 4);
    expect(plan({}).flags).toBe(0);
    const noLog: PlanEnv = { nativeArch: X86_64, flagSupported: (b) => b !== FILTER_FLAG.LOG };
    expect(fails({ flags: ['SECCOMP_FILTER_FLAG_LOG'] }, noLog)).toBe(
      'linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_LOG is not supported by this kernel',
    );
  });

  it('a notify rule needs listenerPath and sets NEW_LISTENER (TSYNC then with TSYNC_ESRCH, WAIT_KILLABLE_RECV kept)', () => {
    const notify = { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' as const };
    expect(fails({ syscalls: [notify] })).toBe('linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY');
    const p = plan({ listenerPath: '/run/agent.sock', syscalls: [notify], flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] });
    expect(p.listener).toBe(true);
    expect(p.flags).toBe(FILTER_FLAG.TSYNC | FILTER_FLAG.NEW_LISTENER | FILTER_FLAG.TSYNC_ESRCH | FILTER_FLAG.WAIT_KILLABLE_RECV);
    expect(p.desc.rules[0]?.action).toBe(0x7fc00000);
  });

  it('without a notify rule listenerPath is ignored and WAIT_KILLABLE_RECV dropped', () => {
    const p = plan({ listenerPath: '/x', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] });
    expect(p.listener).toBe(false);
    expect(p.flags).toBe(0);
  });

  it('NOTIFY cannot be the default action, nor apply to write or the init\'s sync syscalls; listenerMetadata needs listenerPath', () => {
    for (const name of ['write', 'sendmsg', 'sendto', 'recvmsg', 'recvfrom', 'close'])
      expect(fails({ listenerPath: '/x', syscalls: [{ names: [name], action: 'SCMP_ACT_NOTIFY' }] })).toBe(
        `linux.seccomp.syscalls[0].names[0]: SCMP_ACT_NOTIFY cannot be used for the ${name} syscall`,
      );
    expect(fails({ defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/x' })).toMatch(/^linux\.seccomp\.defaultAction: SCMP_ACT_NOTIFY cannot be the default action/);
    expect(fails({ listenerPath: '/x', syscalls: [{ names: ['read', 'sendmsg'], action: 'SCMP_ACT_NOTIFY' }] })).toMatch(
      /^linux\.seccomp\.syscalls\[0\]\.names\[1\]: SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall$/,
    );
    expect(fails({ listenerMetadata: 'm' })).toBe('linux.seccomp.listenerMetadata: set without listenerPath');
  });
});

/** A stand-in for the addon: records what compileSeccomp asks for. */
function fakeNative(over: Partial<ReturnType<typeof makeFake>> = {}) {
  return { ...makeFake(), ...over };
}
function makeFake() {
  const calls: unknown[] = [];
  return {
    calls,
    seccompInfo: () => ({ loaded: true as const, major: 2, minor: 5, micro: 4, apiLevel: 6, nativeArch: X86_64 }),
    seccompProbeFlags: (_f: number) => 14, // EFAULT: known
    seccompProbeAction: (_a: number) => 0,
    strerror: (e: number) => (e === 22 ? 'Invalid argument' : `Unknown error ${e}`),
    seccompResolve: (_arch: number, names: string[]) => names.map((n) => ({ read: 0, write: 1, clone3: 435 })[n] ?? -1),
    seccompCompile: (d: { rules: Array<{ name: string }> }) => {
      calls.push(d);
      const unknown = d.rules.flatMap((r, k) => (r.name.startsWith('nosuch') ? [k] : []));
      return { bpf: Buffer.alloc(8 * 4, 1), unknown, attrErrors: [0] };
    },
  };
}

describe('seccomp: compileSeccomp', () => {
  const profile: LinuxSeccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['read', 'nosuch_call', 'write', 'nosuch_call'], action: 'SCMP_ACT_ALLOW' }],
  };

  it('reports the names libseccomp does not know (once each), and the flags', () => {
    const n = fakeNative();
    const r = compileSeccomp(profile, { native: n });
    expect(r.skipped).toEqual(['nosuch_call']);
    // libseccomp's 4 instructions behind the -ENOSYS stub (the default action refuses)
    expect(r.bpf.length).toBeGreaterThan(32);
    expect(r.bpf.subarray(r.bpf.length - 32).equals(Buffer.alloc(32, 1))).toBe(true);
    expect(r.cached).toBe(false);
    expect(n.calls).toHaveLength(1);
    expect(compileSeccomp({ ...profile, defaultAction: 'SCMP_ACT_ALLOW' }, { native: n }).bpf.length).toBe(32);
  });

  it('a missing libseccomp is a clear error, not a crash', () => {
    const n = fakeNative({ seccompInfo: (() => ({ loaded: false, error: 'libseccomp.so.2: cannot open shared object file' })) as never });
    expect(() => compileSeccomp(profile, { native: n })).toThrow(SeccompError);
    expect(() => compileSeccomp(profile, { native: n })).toThrow(
      'linux.seccomp is set, but libseccomp cannot be loaded (libseccomp.so.2: cannot open shared object file): install libseccomp2 (libseccomp.so.2)',
    );
  });

  it('libseccomp failures name the JSON path of the rule or architecture', () => {
    const fail = (stage: string, index: number) => () => {
      throw Object.assign(new Error('x'), { errno: 22, stage, index });
    };
    const two: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_AARCH64'], syscalls: [{ names: ['a'], action: 'SCMP_ACT_LOG' }, { names: ['b'], action: 'SCMP_ACT_ERRNO' }] };
    expect(() => compileSeccomp(two, { native: fakeNative({ seccompCompile: fail('rule', 1) as never }) })).toThrow(
      'linux.seccomp.syscalls[1]: add rule for "b": invalid argument',
    );
    expect(() => compileSeccomp(two, { native: fakeNative({ seccompCompile: fail('arch', 0) as never }) })).toThrow(
      /^linux\.seccomp\.architectures\[0\]: not supported by libseccomp 2\.5\.4/,
    );
  });

  it('an action the kernel lacks (SECCOMP_GET_ACTION_AVAIL) fails with its path', () => {
    const n = fakeNative({ seccompProbeAction: ((a: number) => (a === SCMP_ACT.SCMP_ACT_LOG ? 95 : 0)) as never });
    expect(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_LOG' }] }, { native: n })).toThrow(
      'linux.seccomp.syscalls[0].action: SCMP_ACT_LOG is not supported by this kernel',
    );
  });

  it('caches the compiled filter by profile hash', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-seccomp-'));
    try {
      const n = fakeNative();
      const a = compileSeccomp(profile, { native: n, cacheDir: dir });
      const b = compileSeccomp(profile, { native: n, cacheDir: dir });
      expect(n.calls).toHaveLength(1);
      expect(a.cached).toBe(false);
      expect(b.cached).toBe(true);
      expect(b.bpf.equals(a.bpf)).toBe(true);
      expect(b.skipped).toEqual(['nosuch_call']);
      const other = compileSeccomp({ ...profile, defaultAction: 'SCMP_ACT_KILL' }, { native: n, cacheDir: dir });
      expect(other.cached).toBe(false);
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.bpf'))).toHaveLength(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('features: every known name; supported flags from the kernel probe', () => {
    const f = seccompFeatures(fakeNative({ seccompProbeFlags: ((b: number) => (b === FILTER_FLAG.LOG ? 22 : 14)) as never }));
    expect(f.enabled).toBe(true);
    expect(f.actions).toContain('SCMP_ACT_NOTIFY');
    expect(f.operators).toHaveLength(7);
    expect(f.archs).toContain('SCMP_ARCH_RISCV64');
    expect(f.archs).not.toContain('SCMP_ARCH_LOONGARCH64'); // libseccomp 2.6
    expect(f.knownFlags).toHaveLength(4);
    expect(f.supportedFlags).not.toContain('SECCOMP_FILTER_FLAG_LOG');
  });
});

describe('seccomp: the real libseccomp (when the addon is built and libseccomp2 installed)', () => {
  let native: Native | undefined;
  try {
    native = require(path.resolve(__dirname, '../../build/Release/hezi.node')) as Native;
    if (!native.seccompInfo().loaded) native = undefined;
  } catch {
    native = undefined;
  }
  const itLib = native ? it : it.skip;

  itLib('exports BPF for a profile, skips unknown names, and the native arch token matches', () => {
    const info = native!.seccompInfo();
    expect(info.loaded && info.nativeArch).toBe(process.arch === 'x64' ? X86_64 : info.loaded && info.nativeArch);
    const r = compileSeccomp(
      {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        { names: ['read', 'write', 'exit_group', 'no_such_syscall_hezi'], action: 'SCMP_ACT_ALLOW' },
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      ],
      },
      { native },
    );
    expect(r.skipped).toEqual(['no_such_syscall_hezi']);
    expect(r.bpf.length % 8).toBe(0);
    expect(r.bpf.length / 8).toBeGreaterThan(10);
    // the last instruction of a libseccomp filter is a RET (BPF_RET|BPF_K = 0x06)
    expect(r.bpf.readUInt16LE(r.bpf.length - 8)).toBe(0x06);
  });

  itLib('libseccomp 2.5 does not know loongarch64: the error names the architecture path', () => {
    const info = native!.seccompInfo();
    if (!info.loaded || info.major > 2 || (info.major === 2 && info.minor >= 6)) return;
    expect(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_LOONGARCH64'] }, { native })).toThrow(
      /^linux\.seccomp\.architectures\[1\]: not supported by libseccomp 2\.5\.\d+ \(invalid argument\)$/,
    );
  });
});

describe('seccomp: placement in the plan', () => {
  const host: HostInfo = {
    lastCap: 40,
    mounts: [{ id: 1, parent: 0, root: '/', mountPoint: '/', options: 'rw', optional: '', fstype: 'ext4', source: '/dev/sda1', superOptions: 'rw' }],
    ownCgroups: new Map([['', '/']]),
    cgroup2Only: true,
    hasKcore: true,
  };
  const spec = (nnp: boolean, startHook = false): Spec =>
    ({
      ociVersion: '1.3.0',
      root: { path: 'rootfs' },
      process: { cwd: '/', args: ['sh'], env: ['PATH=/bin'], user: { uid: 0, gid: 0 }, noNewPrivileges: nnp },
      linux: { namespaces: [{ type: 'mount' }] },
      ...(startHook ? { hooks: { startContainer: [{ path: '/bin/true' }] } } : {}),
    }) as Spec;
  const ops = (s: Spec, seccomp?: SeccompLoad): Op['code'][] =>
    compile({ spec: s, bundle: '/b', rootfs: '/b/rootfs', fifo: '/run/hezi/x/exec.fifo', noPivot: false, preserveFds: 0, host, seccomp }).ops.map((o) => o.code);
  const filter: SeccompLoad = { bpf: Buffer.alloc(8), flags: 0, listener: false };

  it('no seccomp: no SECCOMP op', () => {
    expect(ops(spec(true))).not.toContain('SECCOMP');
  });

  it('without no_new_privs: right where NO_NEW_PRIVS would be, before the caps are dropped', () => {
    const c = ops(spec(false), filter);
    expect(c).not.toContain('NO_NEW_PRIVS');
    expect(c.filter((x) => x === 'SECCOMP')).toHaveLength(1);
    expect(c.indexOf('SECCOMP')).toBeLessThan(c.indexOf('CLOSE_FDS'));
    expect(c.indexOf('SECCOMP')).toBeLessThan(c.indexOf('CAPS_BOUNDING'));
    expect(c.indexOf('SECCOMP')).toBeLessThan(c.indexOf('SETRESUID'));
  });

  it('with no_new_privs: right after the fifo, so that startContainer hooks run under it (runc)', () => {
    const c = ops(spec(true, true), filter);
    expect(c.filter((x) => x === 'SECCOMP')).toHaveLength(1);
    expect(c.indexOf('SECCOMP')).toBe(c.indexOf('WAIT_FIFO') + 1);
    expect(c.indexOf('NO_NEW_PRIVS')).toBeLessThan(c.indexOf('SECCOMP'));
    expect(c.lastIndexOf('RUN_HOOK')).toBeGreaterThan(c.indexOf('SECCOMP'));
    expect(c.slice(-2)).toEqual(['RELEASE_FIFO', 'EXEC']);
  });

  it('with no_new_privs and no startContainer hooks: last before EXEC', () => {
    const c = ops(spec(true, false), filter);
    expect(c.slice(-3)).toEqual(['WAIT_FIFO', 'SECCOMP', 'EXEC']);
  });

  it('with no_new_privs and a listener: before READY, so the runtime can take the listener', () => {
    const c = ops(spec(true, true), { ...filter, listener: true, flags: FILTER_FLAG.NEW_LISTENER });
    expect(c.filter((x) => x === 'SECCOMP')).toHaveLength(1);
    expect(c.indexOf('SECCOMP')).toBe(c.indexOf('READY') - 1);
    expect(c.indexOf('CAPSET')).toBeLessThan(c.indexOf('SECCOMP'));
  });
});

/** A classic-BPF interpreter for what the stub uses (ld abs, ja, jeq, jgt, jset, ret). */
function runBpf(bpf: Buffer, data: { nr: number; arch: number }): number {
  for (let pc = 0; ; ) {
    const code = bpf.readUInt16LE(pc * 8);
    const jt = bpf.readUInt8(pc * 8 + 2);
    const jf = bpf.readUInt8(pc * 8 + 3);
    const k = bpf.readUInt32LE(pc * 8 + 4);
    pc++;
    if (code === 0x20) acc = k === 0 ? data.nr >>> 0 : k === 4 ? data.arch >>> 0 : 0;
    else if (code === 0x05) pc += k;
    else if (code === 0x15) pc += acc === k ? jt : jf;
    else if (code === 0x25) pc += acc > k ? jt : jf;
    else if (code === 0x45) pc += (acc & k) !== 0 ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`opcode ${code}`);
    if (pc * 8 >= bpf.length) return -1; // fell into "the filter"
  }
}
let acc = 0;

describe('seccomp: the -ENOSYS stub (runc patchbpf)', () => {
  const ENOSYS_RET = (SCMP_ACT.SCMP_ACT_ERRNO | 38) >>> 0;
  const AUDIT_X86_64 = SCMP_ARCH.SCMP_ARCH_X86_64;
  it('per arch: a number above the largest named one gets ENOSYS, the rest goes on to the filter', () => {
    const stub = enosysStub([
      { arch: SCMP_ARCH.SCMP_ARCH_X86_64, max: 439 },
      { arch: SCMP_ARCH.SCMP_ARCH_X86, max: 449 },
      { arch: SCMP_ARCH.SCMP_ARCH_AARCH64, max: 441 },
    ]);
    expect(runBpf(stub, { arch: AUDIT_X86_64, nr: 1000 })).toBe(ENOSYS_RET);
    expect(runBpf(stub, { arch: AUDIT_X86_64, nr: 440 })).toBe(ENOSYS_RET);
    expect(runBpf(stub, { arch: AUDIT_X86_64, nr: 439 })).toBe(-1);
    expect(runBpf(stub, { arch: AUDIT_X86_64, nr: 0 })).toBe(-1);
    expect(runBpf(stub, { arch: SCMP_ARCH.SCMP_ARCH_X86, nr: 445 })).toBe(-1);
    expect(runBpf(stub, { arch: SCMP_ARCH.SCMP_ARCH_X86, nr: 450 })).toBe(ENOSYS_RET);
    expect(runBpf(stub, { arch: SCMP_ARCH.SCMP_ARCH_AARCH64, nr: 442 })).toBe(ENOSYS_RET);
    // an arch the profile does not name: libseccomp's bad-arch action decides
    expect(runBpf(stub, { arch: SCMP_ARCH.SCMP_ARCH_RISCV64, nr: 5000 })).toBe(-1);
  });

  it('x86_64 and x32 share an arch value: bit 30 picks the table', () => {
    const X32 = 0x40000000;
    const both = enosysStub([
      { arch: SCMP_ARCH.SCMP_ARCH_X86_64, max: 439 },
      { arch: SCMP_ARCH.SCMP_ARCH_X32, max: X32 | 547 },
    ]);
    expect(runBpf(both, { arch: AUDIT_X86_64, nr: 500 })).toBe(ENOSYS_RET);
    expect(runBpf(both, { arch: AUDIT_X86_64, nr: X32 | 500 })).toBe(-1);
    expect(runBpf(both, { arch: AUDIT_X86_64, nr: X32 | 548 })).toBe(ENOSYS_RET);
    const only64 = enosysStub([{ arch: SCMP_ARCH.SCMP_ARCH_X86_64, max: 439 }]);
    expect(runBpf(only64, { arch: AUDIT_X86_64, nr: X32 | 1 })).toBe(-1);
  });

  it('s390x: the multiplexing setup(2) (number 0) gets ENOSYS too', () => {
    const stub = enosysStub([{ arch: SCMP_ARCH.SCMP_ARCH_S390X, max: 400 }]);
    expect(runBpf(stub, { arch: SCMP_ARCH.SCMP_ARCH_S390X, nr: 0 })).toBe(ENOSYS_RET);
    expect(runBpf(stub, { arch: SCMP_ARCH.SCMP_ARCH_S390X, nr: 5 })).toBe(-1);
    expect(runBpf(stub, { arch: SCMP_ARCH.SCMP_ARCH_S390X, nr: 401 })).toBe(ENOSYS_RET);
  });

  it('only where the default action refuses, and not when it is ENOSYS already', () => {
    expect(wantsEnosysStub(SCMP_ACT.SCMP_ACT_ALLOW)).toBe(false);
    expect(wantsEnosysStub(SCMP_ACT.SCMP_ACT_LOG)).toBe(false);
    expect(wantsEnosysStub((SCMP_ACT.SCMP_ACT_TRACE | 5) >>> 0)).toBe(false);
    expect(wantsEnosysStub((SCMP_ACT.SCMP_ACT_ERRNO | 38) >>> 0)).toBe(false);
    expect(wantsEnosysStub((SCMP_ACT.SCMP_ACT_ERRNO | 1) >>> 0)).toBe(true);
    expect(wantsEnosysStub(SCMP_ACT.SCMP_ACT_KILL_PROCESS)).toBe(true);
    expect(enosysStub([])).toHaveLength(0);
  });
});
