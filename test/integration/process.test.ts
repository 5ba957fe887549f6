/**
 * The container process, checked from inside: capabilities, rlimits, user and groups, umask,
 * env, cwd, noNewPrivileges, seccomp, and what happens when the host cannot grant a request.
 */
import * as fs from 'node:fs';
import { expect, it } from 'vitest';
import { describeResult, describeRoot, expectNothingLeftBehind, itRuncFails, runContainer, runOk, type Spec } from '../support/bundle';
import {
  CAPABILITIES,
  capLines,
  capNames,
  expectedCapMasks,
  parseLimits,
  parseStatus,
  RLIMIT_ROWS,
  type CapSets,
} from '../support/linux';

const hostStatus = parseStatus(fs.readFileSync('/proc/self/status', 'utf8'));
/** Capabilities this host can grant at all (the test process's bounding set). */
const hostBounding = capNames(hostStatus.CapBnd!);
const hostLimits = parseLimits(fs.readFileSync('/proc/self/limits', 'utf8'));

function statusOf(patch: Parameters<typeof runContainer>[0]): { status: Record<string, string>; config: Spec } {
  const r = runContainer(patch, 'cat /proc/self/status');
  expect(r.status, describeResult(r)).toBe(0);
  return { status: parseStatus(r.stdout), config: r.bundle.config };
}

function withCaps(caps: CapSets, user?: Spec): (spec: Spec) => void {
  return (spec) => {
    spec.process.capabilities = structuredClone(caps);
    if (user) spec.process.user = user;
  };
}

/** A mixed set: every set different, ambient ⊆ permitted ∩ inheritable for one cap only. */
const MIXED: CapSets = {
  bounding: ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_KILL', 'CAP_NET_RAW', 'CAP_SETUID', 'CAP_SETGID', 'CAP_SYS_CHROOT'],
  effective: ['CAP_CHOWN', 'CAP_KILL'],
  permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW'],
  inheritable: ['CAP_KILL', 'CAP_NET_RAW'],
  ambient: ['CAP_KILL', 'CAP_CHOWN'],
};

describeRoot('process: capabilities', () => {
  it("runc's default capabilities give the expected masks to root", () => {
    const { status, config } = statusOf(undefined);
    expect(capLines(status)).toEqual(expectedCapMasks(config.process.capabilities, 0, config.process.noNewPrivileges));
    // spelled out for the default: AUDIT_WRITE, KILL, NET_BIND_SERVICE (bits 29, 5, 10)
    expect(status.CapBnd).toBe('0000000020000420');
    expect(status.CapEff).toBe('0000000020000420');
    expect(status.CapInh).toBe('0000000000000000');
    expect(status.CapAmb).toBe('0000000000000000');
  });

  it('a mixed capability config gives the expected masks to root', () => {
    const { status } = statusOf(withCaps(MIXED));
    expect(capLines(status)).toEqual(expectedCapMasks(MIXED, 0, true));
    expect(capNames(status.CapAmb!)).toEqual(['CAP_KILL']);
    // no_new_privs caps what exec may grant to the permitted set
    expect(capNames(status.CapEff!)).toEqual(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW']);
  });

  it('a mixed capability config without noNewPrivileges: root gets bounding ∪ inheritable', () => {
    const { status } = statusOf((spec) => {
      withCaps(MIXED)(spec);
      spec.process.noNewPrivileges = false;
    });
    expect(capLines(status)).toEqual(expectedCapMasks(MIXED, 0, false));
    expect(capNames(status.CapEff!)).toEqual([...MIXED.bounding!].sort((a, b) => CAPABILITIES.indexOf(a) - CAPABILITIES.indexOf(b)));
  });

  it('a mixed capability config gives the expected masks to a non-root user (ambient only)', () => {
    const { status } = statusOf(withCaps(MIXED, { uid: 1000, gid: 1000 }));
    expect(capLines(status)).toEqual(expectedCapMasks(MIXED, 1000, true));
    expect(capNames(status.CapEff!)).toEqual(['CAP_KILL']);
  });

  it('no capabilities at all: every mask is zero', () => {
    const { status } = statusOf((spec) => (spec.process.capabilities = {}));
    expect(capLines(status)).toEqual({ CapInh: '0'.repeat(16), CapPrm: '0'.repeat(16), CapEff: '0'.repeat(16), CapBnd: '0'.repeat(16), CapAmb: '0'.repeat(16) });
  });

  it("every capability the host has (all but what the host's bounding set lacks)", () => {
    const all = CAPABILITIES.filter((c) => hostBounding.includes(c));
    const caps = { bounding: all, effective: all, permitted: all, inheritable: all, ambient: all };
    const { status } = statusOf(withCaps(caps));
    expect(capLines(status)).toEqual(expectedCapMasks(caps, 0, true));
  });

  it('capabilities are enforced: without CAP_CHOWN chown fails, with it chown works', () => {
    const cmd = 'touch /dev/shm/f && chown 1000 /dev/shm/f; echo rc=$?';
    const without = runContainer(withCaps({ bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] }), cmd);
    expect(without.stdout).toBe('rc=1\n');
    expect(without.stderr).toMatch(/Operation not permitted/);
    const withChown = runContainer(withCaps({ bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'] }), cmd);
    expect(withChown.stdout).toBe('rc=0\n');
  });

  itRuncFails('runc 1.1 warns only on stderr of its own log format; the container runs there too', 'an unknown capability name is a warning, not an error (config.md: SHOULD NOT fail); the known ones apply', () => {
    const r = runContainer(withCaps({ bounding: ['CAP_KILL', 'CAP_TEST'], effective: ['CAP_KILL', 'CAP_TEST'], permitted: ['CAP_KILL'] }), 'grep CapBnd /proc/self/status');
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('CapBnd:\t0000000000000020\n');
    expect(r.stderr).toMatch(/level=warning msg=.*process\.capabilities\.bounding\[1\]: unknown capability \\?"CAP_TEST\\?", ignored/);
  });

  it('a capability the host cannot grant fails the container, leaving nothing behind', () => {
    const missing = CAPABILITIES.filter((c) => !hostBounding.includes(c));
    if (missing.length === 0) {
      // this host can grant every capability: nothing to refuse (CAP_SYS_RESOURCE is missing on the reference VM)
      expect(hostBounding).toHaveLength(CAPABILITIES.length);
      return;
    }
    const caps = { bounding: [missing[0]!], effective: [missing[0]!], permitted: [missing[0]!] };
    const r = runContainer(withCaps(caps), 'echo started', { checkLeftovers: false });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expectNothingLeftBehind({ id: r.id, bundle: r.bundle.dir, emptyRoot: true });
  });
});

describeRoot('process: rlimits', () => {
  it("runc's default RLIMIT_NOFILE 1024/1024 is applied", () => {
    const out = runOk(undefined, 'ulimit -n -S; ulimit -n -H; cat /proc/self/limits');
    const [soft, hard, ...limits] = out.split('\n');
    expect([soft, hard]).toEqual(['1024', '1024']);
    expect(parseLimits(limits.join('\n'))['Max open files']).toEqual({ soft: '1024', hard: '1024' });
  });

  it('a lowered soft NOFILE keeps the hard limit', () => {
    const out = runOk({ process: { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 }] } }, 'ulimit -n -S; ulimit -n -H');
    expect(out).toBe('512\n1024\n');
  });

  it('several rlimits at once, each as configured; the ones not configured are inherited', () => {
    const rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 256, hard: 512 },
      { type: 'RLIMIT_CORE', soft: 1024, hard: 4096 },
      { type: 'RLIMIT_NPROC', soft: 1000, hard: 2000 },
      { type: 'RLIMIT_MSGQUEUE', soft: 4096, hard: 8192 },
    ];
    const out = runOk({ process: { rlimits } }, 'cat /proc/self/limits');
    const limits = parseLimits(out);
    for (const l of rlimits) {
      expect(limits[RLIMIT_ROWS[l.type]!], l.type).toEqual({ soft: String(l.soft), hard: String(l.hard) });
    }
    for (const row of ['Max file size', 'Max locked memory', 'Max pending signals']) {
      expect(limits[row], row).toEqual(hostLimits[row]);
    }
  });

  it("raising a hard limit above the host's works only with CAP_SYS_RESOURCE; without it the container fails cleanly", () => {
    const hostHard = Number(hostLimits['Max open files']!.hard);
    const want = hostHard + 1000;
    const r = runContainer(
      { process: { rlimits: [{ type: 'RLIMIT_NOFILE', soft: want, hard: want }] } },
      'ulimit -n -H',
      { checkLeftovers: false },
    );
    if (hostBounding.includes('CAP_SYS_RESOURCE')) {
      expect(r.status, describeResult(r)).toBe(0);
      expect(r.stdout).toBe(`${want}\n`);
    } else {
      // this VM: setrlimit(RLIMIT_NOFILE) fails with EPERM, and the runtime must say so
      expect(r.status).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/rlimit/i);
    }
    expectNothingLeftBehind({ id: r.id, bundle: r.bundle.dir, emptyRoot: true });
  });
});

describeRoot('process: user, umask, env, cwd', () => {
  it('root by default: uid 0, gid 0, no supplementary groups', () => {
    const s = statusOf(undefined).status;
    expect(s.Uid!.split(/\s+/)).toEqual(['0', '0', '0', '0']);
    expect(s.Gid!.split(/\s+/)).toEqual(['0', '0', '0', '0']);
    expect(s.Groups).toBe('');
  });

  it('uid, gid and additionalGids are applied (all four ids, groups in the kernel\'s order)', () => {
    const r = runContainer({ process: { user: { uid: 1000, gid: 1000, additionalGids: [100, 5] } } }, 'id; cat /proc/self/status');
    expect(r.status, describeResult(r)).toBe(0);
    const [id, ...rest] = r.stdout.split('\n');
    expect(id).toBe('uid=1000(test) gid=1000(test) groups=5(tty),100(users)');
    const s = parseStatus(rest.join('\n'));
    expect(s.Uid!.split(/\s+/)).toEqual(['1000', '1000', '1000', '1000']);
    expect(s.Gid!.split(/\s+/)).toEqual(['1000', '1000', '1000', '1000']);
    expect(s.Groups!.split(/\s+/)).toEqual(['5', '100']);
  });

  it('a uid with no passwd entry works (id prints numbers)', () => {
    const out = runOk({ process: { user: { uid: 4242, gid: 4343 } } }, 'id -u; id -g');
    expect(out).toBe('4242\n4343\n');
  });

  it('a non-root user cannot write where root could', () => {
    const out = runOk({ root: { readonly: false }, process: { user: { uid: 1000, gid: 1000 } } }, 'touch /root/x 2>&1; echo rc=$?; touch /home/test/x && echo ok');
    expect(out).toMatch(/Permission denied\nrc=1\nok\n$/);
  });

  it('umask defaults to 0022 and follows process.user.umask', () => {
    expect(runOk(undefined, 'umask; grep Umask /proc/self/status')).toBe('0022\nUmask:\t0022\n');
    const out = runOk({ process: { user: { uid: 0, gid: 0, umask: 0o077 } } }, 'umask; touch /dev/shm/f; stat -c %a /dev/shm/f');
    expect(out).toBe('0077\n600\n');
  });

  it('env is exactly process.env, plus HOME from /etc/passwd when not set', () => {
    const env = ['PATH=/bin:/usr/bin', 'FOO=bar baz', 'EMPTY=', 'WITH_EQ=a=b'];
    // env as the process itself (a shell would add PWD and SHLVL)
    const out = runOk({ process: { env } }, ['env']);
    expect(out.trim().split('\n').sort()).toEqual([...env, 'HOME=/root'].sort());
  });

  it('HOME comes from /etc/passwd for the configured user, and an explicit HOME wins', () => {
    expect(runOk({ process: { user: { uid: 1000, gid: 1000 } } }, 'echo $HOME')).toBe('/home/test\n');
    expect(runOk({ process: { env: ['PATH=/bin', 'HOME=/custom'] } }, 'echo $HOME')).toBe('/custom\n');
  });

  it('cwd is process.cwd', () => {
    expect(runOk({ process: { cwd: '/etc' } }, 'pwd; readlink /proc/self/cwd')).toBe('/etc\n/etc\n');
  });

  it('a cwd that does not exist in the rootfs is created (even under a read-only root)', () => {
    expect(runOk({ process: { cwd: '/does/not/exist' } }, 'pwd')).toBe('/does/not/exist\n');
  });

  it('args are passed exactly, with spaces and empty strings intact', () => {
    const r = runContainer(undefined, ['sh', '-c', 'for a in "$@"; do echo "[$a]"; done', 'sh', 'a b', '', "c'd"]);
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe("[a b]\n[]\n[c'd]\n");
  });

  it('a relative executable is looked up in the PATH of process.env', () => {
    // busybox puts env in /usr/bin
    expect(runOk({ process: { env: ['PATH=/usr/bin'] } }, ['env'])).toBe('PATH=/usr/bin\nHOME=/root\n');
    const r = runContainer({ process: { env: ['PATH=/nowhere'] } }, ['env'], { checkLeftovers: false });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/env/);
    expectNothingLeftBehind({ id: r.id, bundle: r.bundle.dir, emptyRoot: true });
  });
});

describeRoot('process: noNewPrivileges and seccomp', () => {
  it('noNewPrivileges true (runc default) sets NoNewPrivs 1; false leaves 0', () => {
    expect(statusOf(undefined).status.NoNewPrivs).toBe('1');
    expect(statusOf({ process: { noNewPrivileges: false } }).status.NoNewPrivs).toBe('0');
  });

  it('without linux.seccomp there is no filter', () => {
    const s = statusOf(undefined).status;
    expect(s.Seccomp).toBe('0');
    expect(s.Seccomp_filters).toBe('0');
  });

  it('a seccomp profile is installed in filter mode and denies the listed syscalls with errnoRet', () => {
    const seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    };
    const r = runContainer({ linux: { seccomp } }, 'grep -E "^Seccomp" /proc/self/status; mkdir /dev/shm/d; echo rc=$?; touch /dev/shm/f && echo touched');
    expect(r.status, describeResult(r)).toBe(0);
    const s = parseStatus(r.stdout);
    expect(s.Seccomp).toBe('2');
    expect(Number(s.Seccomp_filters)).toBeGreaterThanOrEqual(1);
    expect(r.stdout).toMatch(/rc=1\ntouched\n$/);
    expect(r.stderr).toMatch(/Operation not permitted/);
  });
});
