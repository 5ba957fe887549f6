import { describe, expect, it } from 'vitest';
import type { Process, Spec } from '../../spec';
import { execOptions, command as execCommand } from '../../src/cli/exec';
import { parseArgs } from '../../src/cli/args';
import { GLOBAL_OPTIONS } from '../../src/cli/globals';
import { compile, type HostInfo } from '../../src/plan/compile';
import type { Op } from '../../src/plan/ops';
import {
  compileExec,
  execCgroupPaths,
  execProcessSpec,
  parseSubCgroups,
  processFromFlags,
  validateProcess,
  type ProcessFlags,
} from '../../src/runtime/exec';
import type { ContainerRecord } from '../../src/runtime/state-store';
import { checkTerminal } from '../../src/runtime/terminal';

const base: Process = {
  terminal: true,
  user: { uid: 0, gid: 0 },
  args: ['sleep', '100'],
  env: ['PATH=/bin', 'TERM=xterm'],
  cwd: '/',
  capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'] },
  noNewPrivileges: true,
};

const flags = (f: Partial<ProcessFlags> = {}): ProcessFlags => ({ args: ['sh'], tty: false, env: [], additionalGids: [], caps: [], ...f });

/** `hezi exec ...argv` through the real argument parser. */
const parsed = (...argv: string[]) => execOptions(parseArgs(argv, { ...GLOBAL_OPTIONS, ...execCommand.options }, execCommand.restAfter));

describe('exec: flags → process (runc getProcess)', () => {
  it('takes the container process, replaces args, turns the terminal off unless --tty', () => {
    const p = processFromFlags(base, flags({ args: ['ls', '-l'] }));
    expect(p.args).toEqual(['ls', '-l']);
    expect(p.terminal).toBe(false);
    expect(p.cwd).toBe('/');
    expect(p.env).toEqual(['PATH=/bin', 'TERM=xterm']);
    expect(p.noNewPrivileges).toBe(true);
    expect(processFromFlags(base, flags({ tty: true })).terminal).toBe(true);
    // the container's record is not changed
    expect(base.args).toEqual(['sleep', '100']);
  });

  it('--env appends, --cwd replaces, --no-new-privs sets either way', () => {
    const p = processFromFlags(base, flags({ env: ['A=1', 'PATH=/x'], cwd: '/tmp', noNewPrivs: false }));
    expect(p.env).toEqual(['PATH=/bin', 'TERM=xterm', 'A=1', 'PATH=/x']);
    expect(p.cwd).toBe('/tmp');
    expect(p.noNewPrivileges).toBe(false);
    expect(processFromFlags({ ...base, noNewPrivileges: false }, flags({ noNewPrivs: true })).noNewPrivileges).toBe(true);
  });

  it('--user uid[:gid] and --additional-gids', () => {
    expect(processFromFlags(base, flags({ user: '1000:1001', additionalGids: [10, 20] })).user).toEqual({ uid: 1000, gid: 1001, additionalGids: [10, 20] });
    expect(processFromFlags({ ...base, user: { uid: 5, gid: 6 } }, flags({ user: '7' })).user).toEqual({ uid: 7, gid: 6 });
    expect(() => processFromFlags(base, flags({ user: 'bob' }))).toThrow('parsing bob as int for uid failed: strconv.Atoi: parsing "bob": invalid syntax');
    expect(() => processFromFlags(base, flags({ user: '1:x' }))).toThrow('parsing x as int for gid failed');
  });

  it('--cap adds to bounding, effective and permitted; ambient only with an inheritable set', () => {
    const p = processFromFlags(base, flags({ caps: ['CAP_SYS_ADMIN'] }));
    expect(p.capabilities).toEqual({
      bounding: ['CAP_KILL', 'CAP_SYS_ADMIN'],
      effective: ['CAP_KILL', 'CAP_SYS_ADMIN'],
      permitted: ['CAP_KILL', 'CAP_SYS_ADMIN'],
      ambient: ['CAP_KILL'],
    });
    const q = processFromFlags({ ...base, capabilities: { inheritable: [] } }, flags({ caps: ['CAP_CHOWN'] }));
    expect(q.capabilities).toEqual({ bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'], inheritable: [], ambient: ['CAP_CHOWN'] });
  });

  it('--apparmor and --process-label are carried', () => {
    const p = processFromFlags(base, flags({ apparmor: 'prof', processLabel: 'lbl' }));
    expect([p.apparmorProfile, p.selinuxLabel]).toEqual(['prof', 'lbl']);
  });

  it("runc's checks and words", () => {
    expect(() => processFromFlags(undefined, flags())).toThrow('process property must not be empty');
    expect(() => validateProcess({ ...base, cwd: '' })).toThrow('Cwd property must not be empty');
    expect(() => validateProcess({ ...base, cwd: 'tmp' })).toThrow('Cwd must be an absolute path');
    expect(() => validateProcess({ ...base, args: [] })).toThrow('args must not be empty');
    const rec = { config: { ociVersion: '1.0.2', process: base } } as unknown as ContainerRecord;
    expect(() => execProcessSpec(rec, { ...parsed('c1'), args: [] })).toThrow('process args cannot be empty');
  });
});

describe('exec: command line', () => {
  it('flags before the id; everything after the id is the command', () => {
    const o = parsed('-t', '-e', 'A=1', '--env', 'B=2', '-u', '1:2', '-g', '3', '--cap', 'CAP_KILL', '-d', '--pid-file', '/p', 'c1', 'sh', '-c', 'ls -l', '--env', 'X');
    expect(o).toMatchObject({
      id: 'c1',
      args: ['sh', '-c', 'ls -l', '--env', 'X'],
      tty: true,
      env: ['A=1', 'B=2'],
      user: '1:2',
      additionalGids: [3],
      caps: ['CAP_KILL'],
      detach: true,
      pidFile: '/p',
      noNewPrivs: undefined,
      preserveFds: 0,
      ignorePaused: false,
    });
    expect(parsed('--no-new-privs=false', 'c1', 'true').noNewPrivs).toBe(false);
    expect(() => parsed('-g', 'x', 'c1', 'true')).toThrow('invalid value "x" for flag -additional-gids');
  });
});

describe('exec: --cgroup (runc getSubCgroupPaths)', () => {
  it('one path for every controller, or controller:path pairs', () => {
    expect(parseSubCgroups([])).toBeUndefined();
    expect([...(parseSubCgroups(['sub']) ?? [])]).toEqual([['', 'sub']]);
    expect([...(parseSubCgroups(['cpu,memory:a', 'pids:b']) ?? [])]).toEqual([['cpu', 'a'], ['memory', 'a'], ['pids', 'b']]);
    expect(() => parseSubCgroups(['a:b:c'])).toThrow('invalid --cgroup argument: a:b:c');
    expect(() => parseSubCgroups(['a', 'cpu:b'])).toThrow('invalid --cgroup argument: a (missing <controller>: prefix)');
  });

  it('joins sub-cgroups of the container directories', () => {
    const paths = { cpu: '/sys/fs/cgroup/cpu,cpuacct/c', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/c', memory: '/sys/fs/cgroup/memory/c', '': '/sys/fs/cgroup/unified/c' };
    expect(execCgroupPaths(paths, undefined)).toEqual(paths);
    expect(execCgroupPaths(paths, parseSubCgroups(['s']))).toEqual({
      cpu: '/sys/fs/cgroup/cpu,cpuacct/c/s',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct/c/s',
      memory: '/sys/fs/cgroup/memory/c/s',
      '': '/sys/fs/cgroup/unified/c/s',
    });
    expect(execCgroupPaths(paths, parseSubCgroups(['memory:m']))).toEqual({ ...paths, memory: '/sys/fs/cgroup/memory/c/m' });
    expect(() => execCgroupPaths(paths, parseSubCgroups(['blkio:x']))).toThrow('unknown controller blkio in SubCgroupPaths');
  });
});

describe('exec: the plan', () => {
  const rec = (namespaces: string[]): ContainerRecord =>
    ({
      id: 'c1',
      pid: 4242,
      rootfs: '/b/rootfs',
      config: { ociVersion: '1.0.2', process: base, linux: { namespaces: namespaces.map((type) => ({ type })) } },
    }) as unknown as ContainerRecord;
  const codes = (ops: Op[]) => ops.map((o) => o.code);
  const plan = (ns: string[], p: Process = { ...base, terminal: false }, consoleFd?: number) =>
    compileExec({ rec: rec(ns), process: p, initPid: 4242, lastCap: 40, preserveFds: 0, consoleFd }).ops;

  it('dumpable off first; setns into the config\'s namespaces through /proc/<init>/ns, user first and mount last', () => {
    const ops = plan(['mount', 'network', 'pid', 'user', 'uts']);
    expect(ops[0]).toMatchObject({ code: 'DUMPABLE', args: [{ int: 0 }] });
    const setns = ops.filter((o) => o.code === 'SETNS').map((o) => (o.args[0] as { str: string }).str);
    expect(setns).toEqual(['/proc/4242/ns/user', '/proc/4242/ns/uts', '/proc/4242/ns/net', '/proc/4242/ns/pid', '/proc/4242/ns/mnt']);
    // root of the joined user namespace before anything else
    expect(codes(ops).slice(7, 9)).toEqual(['SETRESGID', 'SETRESUID']);
    expect(codes(ops)).not.toContain('CHROOT');
  });

  it('v1 cgroups: the process writes "0" to the tasks files right after the CGROUP sync, before it joins any namespace', () => {
    const files = ['/sys/fs/cgroup/cpu/c1/tasks', '/sys/fs/cgroup/pids/c1/sub/tasks'];
    const ops = compileExec({ rec: rec(['user', 'mount', 'pid']), process: { ...base, terminal: false }, initPid: 4242, lastCap: 40, preserveFds: 0, cgroupJoinFiles: files }).ops;
    const sync = codes(ops).indexOf('SYNC');
    expect(ops.slice(sync + 1, sync + 3).map((o) => [o.code, (o.args[0] as { str: string }).str, Buffer.from((o.args[1] as { bytes: Buffer }).bytes).toString()])).toEqual(files.map((f) => ['WRITE_FILE', f, '0']));
    expect(codes(ops).indexOf('SETNS')).toBe(sync + 3);
  });

  it('CGROUP sync before the namespaces are joined and before the fork (pid namespace), then session, limits, the process, READY, EXEC', () => {
    const ops = plan(['pid', 'mount'], { ...base, terminal: false, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }] });
    const c = codes(ops);
    // the cwd as root, before no_new_privs and seccomp (CHDIR checks the cwd with getcwd, which a profile may deny)
    const order = ['SYNC', 'SETNS', 'FORK', 'SETSID', 'JOIN_KEYRING', 'SETRLIMIT', 'CHDIR', 'NO_NEW_PRIVS', 'CLOSE_FDS', 'SETRESUID', 'CAPSET', 'LOOKUP_EXEC', 'READY', 'EXEC'];
    const pos = order.map((x) => c.indexOf(x as Op['code']));
    expect(pos.every((p) => p >= 0)).toBe(true);
    expect([...pos].sort((a, b) => a - b)).toEqual(pos);
    expect(ops[c.indexOf('SYNC')]?.args).toEqual([{ int: 4 }]); // SyncTag.CGROUP
    expect(c.at(-1)).toBe('EXEC');
    expect(c).not.toContain('WAIT_FIFO');
    expect(c).not.toContain('UNSHARE');
    const chdirs = ops.filter((o) => o.code === 'CHDIR');
    expect(chdirs.map((o) => o.args[1])).toEqual([{ int: 1 }, { int: 2 }]);
    expect(c.lastIndexOf('CHDIR')).toBeGreaterThan(c.indexOf('SETRESUID'));
  });

  it('no mount namespace: chrooted into the container rootfs (never the host cwd)', () => {
    const ops = plan(['pid']);
    const k = codes(ops).indexOf('CHROOT');
    expect(k).toBeGreaterThan(0);
    expect(ops[k]?.args).toEqual([{ str: '/b/rootfs' }]);
    expect(k).toBeLessThan(codes(ops).indexOf('FORK'));
  });

  it('a terminal: the console (no /dev/console bind) and the controlling tty, before the process ops', () => {
    const ops = plan(['pid', 'mount'], { ...base, terminal: true, consoleSize: { height: 30, width: 90 }, user: { uid: 1000, gid: 1000 } }, 5);
    const k = codes(ops).indexOf('CONSOLE');
    expect(ops[k]?.args).toEqual([{ int: 5 }, { int: 30 }, { int: 90 }, { str: '' }, { int: 1000 }, { str: '/dev/ptmx' }]);
    expect(codes(ops)[k + 1]).toBe('SETCTTY');
    expect(k).toBeGreaterThan(codes(ops).indexOf('SETSID'));
    expect(k).toBeLessThan(codes(ops).indexOf('SETRESUID', k));
    expect(codes(plan(['pid', 'mount'], base))).not.toContain('CONSOLE'); // no console fd: no console
  });
});

describe('create: the console', () => {
  const host: HostInfo = { lastCap: 40, mounts: [], ownCgroups: new Map(), cgroup2Only: true, hasKcore: false };
  const spec = (terminal: boolean): Spec =>
    ({
      ociVersion: '1.3.0',
      root: { path: 'rootfs', readonly: true },
      process: { cwd: '/', args: ['sh'], terminal, consoleSize: { height: 24, width: 80 } },
      mounts: [{ destination: '/dev/pts', type: 'devpts', source: 'devpts' }],
      linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
    }) as Spec;
  const ops = (s: Spec, consoleFd?: number) =>
    compile({ spec: s, bundle: '/b', rootfs: '/b/rootfs', fifo: '/run/hezi/c/exec.fifo', noPivot: false, preserveFds: 2, host, consoleFd }).ops;

  it('after pivot_root and before / is made read-only, bound on /dev/console', () => {
    const o = ops(spec(true), 7);
    const c = o.map((x) => x.code);
    const k = c.indexOf('CONSOLE');
    expect(o[k]?.args).toEqual([{ int: 7 }, { int: 24 }, { int: 80 }, { str: '/dev/console' }, { int: 0 }, { str: '/dev/ptmx' }]);
    expect(c[k + 1]).toBe('SETCTTY');
    expect(k).toBeGreaterThan(c.indexOf('PIVOT_ROOT'));
    expect(k).toBeLessThan(c.indexOf('REMOUNT_RO'));
    expect(ops(spec(false), 7).map((x) => x.code)).not.toContain('CONSOLE');
  });
});

describe('terminal checks (runc checkTerminal)', () => {
  it('a detached terminal needs a console socket; a console socket needs a terminal and detaching', () => {
    expect(() => checkTerminal(true, true, undefined)).toThrow('cannot allocate tty if hezi will detach without setting console socket');
    expect(() => checkTerminal(false, true, '/s')).toThrow('cannot use console socket if hezi will not detach or allocate tty');
    expect(() => checkTerminal(true, false, '/s')).toThrow('cannot use console socket if hezi will not detach or allocate tty');
    expect(() => checkTerminal(true, true, '/s')).not.toThrow();
    expect(() => checkTerminal(true, false, undefined)).not.toThrow();
    expect(() => checkTerminal(false, false, undefined)).not.toThrow();
  });
});
