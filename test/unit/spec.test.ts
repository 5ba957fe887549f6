import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Features,
  Spec,
  State,
  formatPath,
  parseConfig,
  parseContainerProcessState,
  parseFeatures,
  parseState,
} from '../../spec';

const SCHEMA_TESTS = path.join(__dirname, '..', 'fixtures', 'runtime-spec', 'schema', 'test');
const SUPPORT = path.join(__dirname, '..', 'support');

function files(dir: string): string[] {
  return fs
    .readdirSync(path.join(SCHEMA_TESTS, dir))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

function readJson(dir: string, file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(SCHEMA_TESTS, dir, file), 'utf8'));
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The errors of a parse that must fail. */
function errorsOf(r: { ok: true } | { ok: false; errors: string[] }): string[] {
  if (r.ok) throw new Error('expected the parse to fail');
  return r.errors;
}

const minimal = () => ({
  ociVersion: '1.3.0',
  root: { path: 'rootfs' },
  process: { cwd: '/', args: ['sh'], user: { uid: 0, gid: 0 } },
});

describe('runtime-spec schema test corpus', () => {
  describe('config/good', () => {
    for (const f of files('config/good')) {
      it(`parses ${f}`, () => {
        const r = parseConfig(readJson('config/good', f));
        expect(r.ok ? [] : r.errors).toEqual([]);
      });
    }
  });

  describe('config/bad', () => {
    const bad = files('config/bad');
    it('has the linux-* files and invalid-json.json', () => {
      expect(bad.filter((f) => f.startsWith('linux-')).length).toBeGreaterThanOrEqual(3);
      expect(bad).toContain('invalid-json.json');
    });
    for (const f of bad.filter((f) => f.startsWith('linux-'))) {
      it(`rejects ${f}`, () => {
        expect(errorsOf(parseConfig(readJson('config/bad', f))).length).toBeGreaterThan(0);
      });
    }
    it('invalid-json.json is not JSON', () => {
      expect(() => readJson('config/bad', 'invalid-json.json')).toThrow(SyntaxError);
    });
    it('names the path of each linux-* failure', () => {
      expect(errorsOf(parseConfig(readJson('config/bad', 'linux-hugepage.json')))).toEqual([
        'linux.resources.hugepageLimits[0].pageSize: invalid hugepage size "64kB" (like "2MB" or "1GB")',
      ]);
      expect(errorsOf(parseConfig(readJson('config/bad', 'linux-netdevice.json')))).toEqual([
        'linux.netDevices.eth0.name: expected a string, got number',
      ]);
      expect(errorsOf(parseConfig(readJson('config/bad', 'linux-rdma.json')))).toEqual([
        'linux.resources.rdma.mlx5_1.hcaHandles: expected a number, got string',
      ]);
    });
  });

  describe('state', () => {
    for (const f of files('state/good')) {
      it(`parses state/good/${f}`, () => {
        const r = parseState(readJson('state/good', f));
        expect(r.ok ? [] : r.errors).toEqual([]);
      });
    }
    it('state/bad/invalid-json.json is not JSON', () => {
      expect(() => readJson('state/bad', 'invalid-json.json')).toThrow(SyntaxError);
    });
  });

  describe('features', () => {
    for (const f of files('features/good')) {
      it(`parses features/good/${f}`, () => {
        const r = parseFeatures(readJson('features/good', f));
        expect(r.ok ? [] : r.errors).toEqual([]);
      });
    }
    for (const f of files('features/bad')) {
      it(`rejects features/bad/${f}`, () => {
        expect(errorsOf(parseFeatures(readJson('features/bad', f))).length).toBeGreaterThan(0);
      });
    }
    it('missing ociVersionMax names it', () => {
      expect(errorsOf(parseFeatures(readJson('features/bad', 'missing-ociVersionMax.json')))).toEqual([
        'ociVersionMax: is required',
      ]);
    });
  });

  describe("runc's `spec` output", () => {
    for (const f of ['runc-default-spec.json', 'runc-default-spec-rootless.json']) {
      it(`parses test/support/${f}`, () => {
        const file = path.join(SUPPORT, f);
        if (!fs.existsSync(file)) return;
        const r = parseConfig(JSON.parse(fs.readFileSync(file, 'utf8')));
        expect(r.ok ? [] : r.errors).toEqual([]);
      });
    }
  });
});

describe('parseConfig', () => {
  it('returns the typed value', () => {
    const r = parseConfig(readJson('config/good', 'spec-example.json'));
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const spec: Spec = r.value;
    expect(spec.process?.user?.additionalGids).toEqual([5, 6]);
    expect(spec.linux?.namespaces?.map((n) => n.type)).toEqual(['pid', 'network', 'ipc', 'uts', 'mount', 'user', 'cgroup', 'time']);
    expect(spec.linux?.seccomp?.syscalls?.[0]?.action).toBe('SCMP_ACT_ERRNO');
    expect(spec.hooks?.poststart?.[0]).toEqual({ path: '/usr/bin/notify-start', timeout: 5 });
    expect(spec.linux?.resources?.hugepageLimits?.[0]?.limit).toBe(9223372036854772000);
    expect(spec.linux?.timeOffsets?.['monotonic']).toEqual({ secs: 172800, nanosecs: 0 });
  });

  describe('unknown properties are ignored at every level', () => {
    it('top level, process, user, linux, resources, seccomp, a mount, a hook, a namespace', () => {
      const c = {
        ...minimal(),
        futureTopLevel: { anything: [1, 2, 3] },
        process: { ...minimal().process, futureProcess: true, user: { uid: 1, gid: 1, futureUser: 'x' } },
        mounts: [{ destination: '/proc', type: 'proc', source: 'proc', futureMount: 42 }],
        hooks: { poststop: [{ path: '/bin/true', futureHook: null }], futureHookKind: [{}] },
        linux: {
          futureLinux: 'yes',
          namespaces: [{ type: 'mount', futureNs: 1 }],
          resources: { futureController: { a: 1 }, memory: { limit: 1024, futureMem: 'x' } },
          seccomp: { defaultAction: 'SCMP_ACT_ALLOW', futureSeccomp: [] },
        },
      };
      const r = parseConfig(c);
      if (!r.ok) throw new Error(r.errors.join('\n'));
      const v = r.value as Record<string, unknown>;
      expect(v['futureTopLevel']).toBeUndefined();
      expect(r.value.process).toEqual({ cwd: '/', args: ['sh'], user: { uid: 1, gid: 1 } });
      expect(r.value.mounts).toEqual([{ destination: '/proc', type: 'proc', source: 'proc' }]);
      expect(r.value.hooks).toEqual({ poststop: [{ path: '/bin/true' }] });
      expect(r.value.linux).toEqual({
        namespaces: [{ type: 'mount' }],
        resources: { memory: { limit: 1024 } },
        seccomp: { defaultAction: 'SCMP_ACT_ALLOW' },
      });
    });

    it('unknown keys inside unknown-valued maps are kept (annotations, sysctl, unified)', () => {
      const r = parseConfig({
        ...minimal(),
        annotations: { 'com.example.a': 'b' },
        linux: { sysctl: { 'net.ipv4.ip_forward': '1' }, resources: { unified: { 'io.max': '8:0 rbps=1' } } },
      });
      if (!r.ok) throw new Error(r.errors.join('\n'));
      expect(r.value.annotations).toEqual({ 'com.example.a': 'b' });
      expect(r.value.linux?.sysctl).toEqual({ 'net.ipv4.ip_forward': '1' });
      expect(r.value.linux?.resources?.unified).toEqual({ 'io.max': '8:0 rbps=1' });
    });

    it('non-Linux platform sections are accepted unchecked', () => {
      for (const f of ['freebsd-vnet-disable.json']) {
        expect(parseConfig(readJson('config/bad', f)).ok).toBe(true);
      }
      expect(parseConfig({ ...minimal(), windows: { anything: 1 }, solaris: 'x', vm: [], zos: null }).ok).toBe(true);
    });
  });

  it('an unknown namespace type names its index', () => {
    const c = {
      ...minimal(),
      linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'pidd' }] },
    };
    expect(errorsOf(parseConfig(c))).toEqual(['linux.namespaces[2].type: unknown namespace "pidd"']);
  });

  it('type errors say what was expected and what was found', () => {
    const c = clone(minimal()) as { process: { user: Record<string, unknown> } };
    c.process.user['uid'] = '0';
    expect(errorsOf(parseConfig(c))).toEqual(['process.user.uid: expected a number, got string']);
  });

  it('a negative uid fails with its path', () => {
    const c = clone(minimal()) as { process: { user: Record<string, unknown> } };
    c.process.user['uid'] = -1;
    expect(errorsOf(parseConfig(c))).toEqual(['process.user.uid: expected uint32 (0 to 4294967295), got -1']);
  });

  it('uid/gid out of range or not integers', () => {
    const c = clone(minimal()) as { process: { user: Record<string, unknown> } };
    c.process.user['uid'] = 4294967296;
    c.process.user['gid'] = 1.5;
    c.process.user['additionalGids'] = [1, -2];
    expect(errorsOf(parseConfig(c))).toEqual([
      'process.user.uid: expected uint32 (0 to 4294967295), got 4294967296',
      'process.user.gid: expected uint32 (0 to 4294967295), got 1.5',
      'process.user.additionalGids[1]: expected uint32 (0 to 4294967295), got -2',
    ]);
  });

  it('a missing uid/gid parses as 0 (as runc does)', () => {
    const r = parseConfig({ ...minimal(), process: { cwd: '/', user: {} } });
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.value.process?.user).toEqual({ uid: 0, gid: 0 });
  });

  it('a bad seccomp action names its path', () => {
    const c = {
      ...minimal(),
      linux: {
        seccomp: {
          defaultAction: 'SCMP_ACT_ERRNO',
          syscalls: [
            { names: ['read'], action: 'SCMP_ACT_ALLOW' },
            { names: ['write'], action: 'SCMP_ACT_DENY' },
          ],
        },
      },
    };
    expect(errorsOf(parseConfig(c))).toEqual(['linux.seccomp.syscalls[1].action: unknown seccomp action "SCMP_ACT_DENY"']);
  });

  it('seccomp defaultAction, architectures, flags, args, names', () => {
    const c = {
      ...minimal(),
      linux: {
        seccomp: {
          defaultAction: 'ALLOW',
          architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX'],
          flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_FOO'],
          syscalls: [
            { names: [], action: 'SCMP_ACT_ALLOW' },
            { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_XX' }, { index: -1, value: 1, op: 'SCMP_CMP_EQ' }] },
          ],
        },
      },
    };
    expect(errorsOf(parseConfig(c))).toEqual([
      'linux.seccomp.defaultAction: unknown seccomp action "ALLOW"',
      'linux.seccomp.architectures[1]: unknown seccomp architecture "SCMP_ARCH_VAX"',
      'linux.seccomp.flags[1]: unknown seccomp flag "SECCOMP_FILTER_FLAG_FOO"',
      'linux.seccomp.syscalls[0].names: must contain at least one syscall name',
      'linux.seccomp.syscalls[1].args[0].op: unknown seccomp operator "SCMP_CMP_XX"',
      'linux.seccomp.syscalls[1].args[1].index: expected uint32 (0 to 4294967295), got -1',
    ]);
  });

  it('a full seccomp profile parses', () => {
    const r = parseConfig({
      ...minimal(),
      linux: {
        seccomp: {
          defaultAction: 'SCMP_ACT_ERRNO',
          defaultErrnoRet: 1,
          architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
          flags: ['SECCOMP_FILTER_FLAG_LOG'],
          listenerPath: '/run/seccomp.sock',
          listenerMetadata: 'meta',
          syscalls: [
            { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
            { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
            { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' },
            { names: ['ptrace'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
          ],
        },
      },
    });
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it('required properties are reported as "is required"', () => {
    expect(errorsOf(parseConfig({}))).toEqual(['ociVersion: is required']);
    expect(
      errorsOf(
        parseConfig({
          ociVersion: '1.3.0',
          root: {},
          process: {},
          mounts: [{ source: 'x' }],
          hooks: { prestart: [{ args: [] }] },
          linux: {
            namespaces: [{ path: '/proc/1/ns/net' }],
            uidMappings: [{ containerID: 0, hostID: 1000 }],
            devices: [{ path: '/dev/x' }],
            resources: { devices: [{ access: 'rwm' }], hugepageLimits: [{ pageSize: '2MB' }] },
            seccomp: { syscalls: [{ names: ['read'] }] },
          },
        }),
      ),
    ).toEqual([
      'process.cwd: is required',
      'root.path: is required',
      'mounts[0].destination: is required',
      'hooks.prestart[0].path: is required',
      'linux.namespaces[0].type: is required',
      'linux.uidMappings[0].size: is required',
      'linux.devices[0].type: is required',
      'linux.resources.devices[0].allow: is required',
      'linux.resources.hugepageLimits[0].limit: is required',
      'linux.seccomp.defaultAction: is required',
      'linux.seccomp.syscalls[0].action: is required',
    ]);
  });

  it('the document itself must be an object', () => {
    expect(errorsOf(parseConfig(null))).toEqual(['expected an object, got null']);
    expect(errorsOf(parseConfig([]))).toEqual(['expected an object, got array']);
    expect(errorsOf(parseConfig('{}'))).toEqual(['expected an object, got string']);
  });

  it('null is not an accepted value in config.json', () => {
    expect(errorsOf(parseConfig({ ...minimal(), hostname: null }))).toEqual(['hostname: expected a string, got null']);
  });

  it('enum messages', () => {
    const c = {
      ...minimal(),
      process: {
        cwd: '/',
        scheduler: { policy: 'SCHED_FAST', flags: ['SCHED_FLAG_X'] },
        ioPriority: { class: 'IOPRIO_CLASS_NONE', priority: 4 },
        rlimits: [{ type: 'RLIMIT_nofile', soft: 1, hard: 1 }],
        execCPUAffinity: { initial: '0-3,7', final: 'all' },
      },
      linux: {
        rootfsPropagation: 'rprivatee',
        devices: [{ type: 'x', path: '/dev/x' }],
        personality: { domain: 'LINUX64' },
        memoryPolicy: { mode: 'MPOL_NONE', flags: ['MPOL_F_X'] },
        intelRdt: { memBwSchema: 'L3:0=1' },
      },
    };
    expect(errorsOf(parseConfig(c))).toEqual([
      'process.rlimits[0].type: invalid rlimit type "RLIMIT_nofile"',
      'process.scheduler.policy: unknown scheduler policy "SCHED_FAST"',
      'process.scheduler.flags[0]: unknown scheduler flag "SCHED_FLAG_X"',
      'process.ioPriority.class: unknown io priority class "IOPRIO_CLASS_NONE"',
      'process.execCPUAffinity.final: invalid cpu list "all" (like "0-3,7")',
      'linux.devices[0].type: unknown device type "x"',
      'linux.rootfsPropagation: unknown rootfsPropagation "rprivatee"',
      'linux.intelRdt.memBwSchema: invalid memBwSchema "L3:0=1" (must start with "MB:" and have no newline)',
      'linux.memoryPolicy.mode: unknown memory policy mode "MPOL_NONE"',
      'linux.memoryPolicy.flags[0]: unknown memory policy flag "MPOL_F_X"',
      'linux.personality.domain: unknown personality domain "LINUX64"',
    ]);
  });

  it('an enum given a non-string says so', () => {
    expect(errorsOf(parseConfig({ ...minimal(), linux: { namespaces: [{ type: 3 }] } }))).toEqual([
      'linux.namespaces[0].type: expected a string, got number',
    ]);
  });

  it('rootfsPropagation takes the spec values and runc\'s recursive forms', () => {
    for (const p of ['private', 'shared', 'slave', 'unbindable', 'rprivate', 'rshared', 'rslave', 'runbindable']) {
      expect(parseConfig({ ...minimal(), linux: { rootfsPropagation: p } }).ok).toBe(true);
    }
  });

  it('all eight namespace types are accepted', () => {
    const types = ['mount', 'pid', 'network', 'uts', 'ipc', 'user', 'cgroup', 'time'];
    const r = parseConfig({ ...minimal(), linux: { namespaces: types.map((type) => ({ type })) } });
    expect(r.ok).toBe(true);
  });

  it('integer ranges: int64, uint64, uint16, file mode, hook timeout', () => {
    const c = {
      ...minimal(),
      process: { cwd: '/', rlimits: [{ type: 'RLIMIT_NOFILE', soft: -1, hard: 1.5 }], oomScoreAdj: 0.5 },
      hooks: { poststart: [{ path: '/bin/true', timeout: 0 }] },
      linux: {
        devices: [{ type: 'c', path: '/dev/x', major: 1, minor: 3, fileMode: 512 }],
        resources: {
          memory: { limit: 2 ** 64, swap: -1 },
          blockIO: { weight: 65536 },
          pids: { limit: -1 },
        },
      },
    };
    expect(errorsOf(parseConfig(c))).toEqual([
      'process.rlimits[0].soft: expected uint64 (0 to 18446744073709551615), got -1',
      'process.rlimits[0].hard: expected uint64 (0 to 18446744073709551615), got 1.5',
      'process.oomScoreAdj: expected an integer, got 0.5',
      'hooks.poststart[0].timeout: expected an integer >= 1, got 0',
      'linux.devices[0].fileMode: expected file mode (0 to 511), got 512',
      'linux.resources.memory.limit: expected int64 (-9223372036854775808 to 9223372036854775807), got 18446744073709552000',
      'linux.resources.blockIO.weight: expected uint16 (0 to 65535), got 65536',
    ]);
  });

  it('uint64 accepts its maximum (as far as a double can say)', () => {
    const c = { ...minimal(), process: { cwd: '/', rlimits: [{ type: 'RLIMIT_CORE', soft: 18446744073709551615, hard: 18446744073709551615 }] } };
    expect(parseConfig(c).ok).toBe(true);
  });

  it('hook paths are not checked for being absolute at the schema layer', () => {
    const r = parseConfig({ ...minimal(), hooks: { createRuntime: [{ path: 'relative/hook', args: ['hook'], env: ['A=b'], timeout: 3 }] } });
    expect(r.ok).toBe(true);
  });

  it('all six hook kinds parse', () => {
    const h = [{ path: '/bin/true' }];
    const r = parseConfig({
      ...minimal(),
      hooks: { prestart: h, createRuntime: h, createContainer: h, startContainer: h, poststart: h, poststop: h },
    });
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(Object.keys(r.value.hooks ?? {}).sort()).toEqual(
      ['createContainer', 'createRuntime', 'poststart', 'poststop', 'prestart', 'startContainer'],
    );
  });

  it('keys that are not identifiers are quoted in paths', () => {
    expect(
      errorsOf(
        parseConfig({
          ...minimal(),
          annotations: { 'com.example.n': 1 },
          linux: { sysctl: { 'net.core.somaxconn': 256 }, resources: { unified: { 'memory.max': false } } },
        }),
      ),
    ).toEqual([
      'annotations["com.example.n"]: expected a string, got number',
      'linux.resources.unified["memory.max"]: expected a string, got boolean',
      'linux.sysctl["net.core.somaxconn"]: expected a string, got number',
    ]);
  });

  it('the whole Linux process surface parses', () => {
    const r = parseConfig({
      ociVersion: '1.3.0',
      root: { path: 'rootfs', readonly: true },
      process: {
        terminal: true,
        consoleSize: { height: 25, width: 80 },
        user: { uid: 1, gid: 1, umask: 63, additionalGids: [5, 6], username: 'u' },
        env: ['PATH=/bin'],
        cwd: '/root',
        args: ['sh'],
        commandLine: 'sh',
        apparmorProfile: 'acme',
        selinuxLabel: 'system_u:system_r:svirt_lxc_net_t:s0',
        ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 4 },
        noNewPrivileges: true,
        oomScoreAdj: -1000,
        scheduler: { policy: 'SCHED_DEADLINE', nice: -5, priority: 1, flags: ['SCHED_FLAG_RESET_ON_FORK'], runtime: 1, deadline: 2, period: 3 },
        capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], inheritable: [], permitted: ['CAP_KILL'], ambient: [] },
        rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
        execCPUAffinity: { initial: '7', final: '0-3,7' },
      },
      mounts: [
        {
          destination: '/data',
          type: 'none',
          source: '/volumes/testing',
          options: ['rbind', 'rw', 'idmap'],
          uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
          gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
        },
      ],
      linux: {
        cgroupsPath: 'system.slice:hezi:abc',
        resources: {
          cpu: { shares: 1024, quota: -1, burst: 0, period: 100000, realtimeRuntime: 0, realtimePeriod: 0, cpus: '0-1', mems: '0', idle: 1 },
          pids: { limit: 100 },
          network: { classID: 1, priorities: [{ name: 'eth0', priority: 1 }] },
          rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } },
          blockIO: { throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 1 }], throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 1 }] },
        },
        intelRdt: { closID: 'g', schemata: ['L3:0=7f0'], l3CacheSchema: 'L3:0=7f0', memBwSchema: 'MB:0=20', enableMonitoring: true },
        memoryPolicy: { mode: 'MPOL_INTERLEAVE', nodes: '2-3', flags: ['MPOL_F_STATIC_NODES'] },
        personality: { domain: 'LINUX32', flags: [] },
        netDevices: { eth1: { name: 'eth0' } },
        mountLabel: 'x',
        timeOffsets: { monotonic: { secs: -1, nanosecs: 5 } },
      },
    });
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it('does not modify its input', () => {
    const c = { ...minimal(), extra: 1 };
    const before = JSON.stringify(c);
    parseConfig(c);
    expect(JSON.stringify(c)).toBe(before);
  });
});

describe('parseState', () => {
  const good = { ociVersion: '1.3.0', id: 'c1', status: 'created', pid: 42, bundle: '/b' };

  it('accepts every status, including runc\'s "paused"', () => {
    for (const status of ['creating', 'created', 'running', 'stopped', 'paused']) {
      expect(parseState({ ...good, status }).ok).toBe(true);
    }
  });

  it('returns the typed value, unknown properties dropped', () => {
    const r = parseState({ ...good, annotations: { a: 'b' }, extra: true });
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const s: State = r.value;
    expect(s).toEqual({ ...good, annotations: { a: 'b' } });
  });

  it('pid is optional in the schema', () => {
    expect(parseState({ ociVersion: '1.3.0', id: 'c1', status: 'stopped', bundle: '/b' }).ok).toBe(true);
  });

  it('rejects bad documents with paths', () => {
    expect(errorsOf(parseState({ ...good, status: 'exited' }))).toEqual(['status: unknown status "exited"']);
    expect(errorsOf(parseState({ ...good, pid: -1 }))).toEqual(['pid: expected an integer >= 0, got -1']);
    expect(errorsOf(parseState({ ociVersion: '1.3.0' }))).toEqual([
      'id: is required',
      'status: is required',
      'bundle: is required',
    ]);
    expect(errorsOf(parseState({ ...good, annotations: { a: 1 } }))).toEqual(['annotations.a: expected a string, got number']);
  });
});

describe('parseFeatures', () => {
  it('accepts null for every optional property (features.md)', () => {
    const r = parseFeatures({
      ociVersionMin: '1.0.0',
      ociVersionMax: '1.3.0',
      hooks: null,
      mountOptions: null,
      annotations: null,
      potentiallyUnsafeConfigAnnotations: null,
      linux: {
        namespaces: null,
        capabilities: null,
        cgroup: { v1: null, v2: true, systemd: null, systemdUser: null, rdma: null },
        seccomp: { enabled: null, actions: null, operators: null, archs: null, knownFlags: null, supportedFlags: null },
        apparmor: null,
        selinux: { enabled: null },
        memoryPolicy: { modes: null, flags: null },
        intelRdt: { enabled: null, schemata: null, monitoring: null },
        mountExtensions: { idmap: null },
        netDevices: null,
      },
    });
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it('returns the typed value', () => {
    const r = parseFeatures(readJson('features/good', 'runc.json'));
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const f: Features = r.value;
    expect(f.linux?.namespaces).toContain('cgroup');
    expect(f.linux?.seccomp?.actions).toContain('SCMP_ACT_NOTIFY');
  });

  it('rejects bad values with paths', () => {
    expect(
      errorsOf(
        parseFeatures({
          ociVersionMin: '1.0.0',
          ociVersionMax: null,
          linux: {
            namespaces: ['pid', 'pidd'],
            capabilities: ['CAP_KILL', 'cap_kill'],
            seccomp: { actions: ['SCMP_ACT_X'] },
            memoryPolicy: { modes: ['MPOL_X'] },
          },
        }),
      ),
    ).toEqual([
      'ociVersionMax: expected a string, got null',
      'linux.namespaces[1]: unknown namespace "pidd"',
      'linux.capabilities[1]: invalid capability "cap_kill"',
      'linux.seccomp.actions[0]: unknown seccomp action "SCMP_ACT_X"',
      'linux.memoryPolicy.modes[0]: unknown memory policy mode "MPOL_X"',
    ]);
  });
});

describe('parseContainerProcessState', () => {
  it('parses the config-linux.md example', () => {
    const r = parseContainerProcessState({
      ociVersion: '1.0.2',
      fds: ['seccompFd'],
      pid: 4422,
      metadata: 'MKNOD=/dev/null,/dev/net/tun;BPF_MAP_TYPES=hash,array',
      state: { ociVersion: '1.0.2', id: 'oci-container1', status: 'creating', pid: 4422, bundle: '/containers/redis', annotations: { myKey: 'myValue' } },
    });
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it('names nested state paths', () => {
    expect(errorsOf(parseContainerProcessState({ ociVersion: '1', pid: 1, state: { ociVersion: '1', id: 'x', status: 'gone', bundle: '/' } }))).toEqual([
      'state.status: unknown status "gone"',
    ]);
  });
});

describe('formatPath', () => {
  it('joins keys with dots, indices with brackets, quotes non-identifier keys', () => {
    expect(formatPath(['linux', 'namespaces', 2, 'type'])).toBe('linux.namespaces[2].type');
    expect(formatPath(['linux', 'sysctl', 'net.ipv4.ip_forward'])).toBe('linux.sysctl["net.ipv4.ip_forward"]');
    expect(formatPath([0, 'a'])).toBe('[0].a');
    expect(formatPath(['', 'a-b'])).toBe('[""]["a-b"]');
    expect(formatPath([])).toBe('');
  });
});

describe('module hygiene', () => {
  it('spec/constants and spec/errors do not load zod', () => {
    for (const f of ['constants.ts', 'errors.ts']) {
      const src = fs.readFileSync(path.join(__dirname, '..', '..', 'spec', f), 'utf8');
      expect(src).not.toMatch(/^import (?!type)[^\n]*from 'zod'/m);
    }
  });
});
