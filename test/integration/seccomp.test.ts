/**
 * seccomp (config-linux.md "Seccomp"), checked from inside the container: an allow-list profile
 * runs busybox while blocked syscalls fail with the configured errno, argument filters, the
 * kill/trap actions, /proc/self/status, flags, unknown syscall names, a seccomp notify agent
 * receiving the listener over listenerPath, and profile errors that leave nothing behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  createContainer,
  createOk,
  describeResult,
  describeRoot,
  expectNothingLeftBehind,
  hostFile,
  itRuncFails,
  makeBundle,
  REPO,
  run,
  runContainer,
  runtime,
  stateRoot,
  track,
  waitFor,
  type Spec,
} from '../support/bundle';
import { withHzHelper } from '../support/helper';
import { parseStatus } from '../support/linux';

/**
 * What busybox sh, its applets and a runtime's init need on x86_64 (and aarch64 names; unknown
 * names are skipped). Not here: mount, umount2, unshare, setns, personality, pivot_root, chroot,
 * reboot, keyctl, ptrace.
 */
const BUSYBOX_SYSCALLS = [
  'read', 'write', 'open', 'openat', 'openat2', 'close', 'close_range', 'stat', 'fstat', 'lstat', 'newfstatat', 'statx',
  'poll', 'ppoll', 'lseek', 'mmap', 'mprotect', 'munmap', 'brk', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn',
  'rt_sigsuspend', 'ioctl', 'pread64', 'pwrite64', 'readv', 'writev', 'access', 'faccessat', 'faccessat2', 'pipe', 'pipe2',
  'select', 'pselect6', 'sched_yield', 'mremap', 'madvise', 'dup', 'dup2', 'dup3', 'pause', 'nanosleep', 'clock_nanosleep',
  'getitimer', 'setitimer', 'alarm', 'getpid', 'sendfile', 'socket', 'connect', 'bind', 'listen', 'accept', 'accept4',
  'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'socketpair', 'getsockname', 'getpeername', 'setsockopt', 'getsockopt',
  'shutdown', 'clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid', 'kill',
  'tgkill', 'tkill', 'uname', 'fcntl', 'flock', 'fsync', 'fdatasync', 'truncate', 'ftruncate', 'getdents', 'getdents64',
  'getcwd', 'chdir', 'fchdir', 'rename', 'renameat', 'renameat2', 'mkdir', 'mkdirat', 'rmdir', 'creat', 'link', 'linkat',
  'unlink', 'unlinkat', 'symlink', 'symlinkat', 'readlink', 'readlinkat', 'chmod', 'fchmod', 'fchmodat', 'chown',
  'fchown', 'fchownat', 'lchown', 'umask', 'gettimeofday', 'clock_gettime', 'clock_getres', 'time', 'getrlimit',
  'setrlimit', 'prlimit64', 'getrusage', 'sysinfo', 'times', 'getuid', 'getgid', 'geteuid', 'getegid', 'setuid', 'setgid',
  'setreuid', 'setregid', 'setresuid', 'setresgid', 'getresuid', 'getresgid', 'getgroups', 'setgroups', 'getpgid',
  'setpgid', 'getpgrp', 'getppid', 'setsid', 'getsid', 'capget', 'capset', 'prctl', 'arch_prctl', 'set_tid_address',
  'set_robust_list', 'get_robust_list', 'rseq', 'futex', 'sigaltstack', 'statfs', 'fstatfs', 'getpriority', 'setpriority',
  'sched_getaffinity', 'sched_setaffinity', 'gettid', 'utime', 'utimes', 'utimensat', 'futimesat', 'getrandom',
  'memfd_create', 'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'eventfd', 'eventfd2',
  'signalfd', 'signalfd4', 'timerfd_create', 'timerfd_settime', 'timerfd_gettime', 'restart_syscall', 'getxattr',
  'lgetxattr', 'fgetxattr', 'listxattr', 'llistxattr', 'flistxattr', 'sync', 'syncfs', 'fadvise64', 'fallocate',
  'copy_file_range', 'splice', 'tee',
];

/**
 * An allow-list profile: everything else fails with `defaultErrnoRet`. The names of `extra` rules
 * are left out of the allow rule (libseccomp keeps the first of two unconditional rules).
 */
function allowList(extra: Spec[] = [], defaultErrnoRet?: number): Spec {
  const taken = new Set(extra.flatMap((r) => r.names as string[]));
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}),
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    syscalls: [{ names: BUSYBOX_SYSCALLS.filter((n) => !taken.has(n)), action: 'SCMP_ACT_ALLOW' }, ...extra],
  };
}

const withSeccomp =
  (seccomp: Spec, noNewPrivileges = true) =>
  (spec: Spec): void => {
    spec.linux.seccomp = seccomp;
    spec.process.noNewPrivileges = noNewPrivileges;
  };

for (const nnp of [true, false]) {
  describeRoot(`seccomp: an allow-list profile (noNewPrivileges ${nnp})`, () => {
    it('busybox sh runs; /proc/self/status shows filter mode and NoNewPrivs as configured', () => {
      const r = runContainer(withSeccomp(allowList([], 38), nnp), 'grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status; echo ok');
      expect(r.status, describeResult(r)).toBe(0);
      const s = parseStatus(r.stdout);
      expect(s.Seccomp).toBe('2');
      expect(s.Seccomp_filters).toBe('1');
      expect(s.NoNewPrivs).toBe(nnp ? '1' : '0');
      expect(r.stdout).toMatch(/ok\n$/);
    });

    it('a syscall outside the list fails with defaultErrnoRet (38: Function not implemented)', () => {
      const r = runContainer(withSeccomp(allowList([], 38), nnp), 'unshare -u true; echo rc=$?');
      expect(r.status, describeResult(r)).toBe(0);
      expect(r.stdout).toBe('rc=1\n');
      expect(r.stderr).toMatch(/unshare.*Function not implemented/);
    });

    it('a rule with errnoRet 13 gives Permission denied; without errnoRet EPERM', () => {
      const rules = [
        { names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['rmdir'], action: 'SCMP_ACT_ERRNO' },
      ];
      const r = runContainer(
        withSeccomp(allowList(rules, 38), nnp),
        'mkdir /dev/shm/d && echo made; mount -t tmpfs t /dev/shm/d; echo mount=$?; rmdir /dev/shm/d; echo rmdir=$?',
      );
      expect(r.status, describeResult(r)).toBe(0);
      expect(r.stdout).toBe('made\nmount=255\nrmdir=1\n');
      expect(r.stderr).toMatch(/mount.*Permission denied/);
      expect(r.stderr).toMatch(/rmdir.*Operation not permitted/);
    });
  });
}

describeRoot('seccomp: the runtime\'s own checks', () => {
  // runtime-tools linux_seccomp: errno on getcwd. The init checks the new cwd with getcwd(2)
  // (CVE-2024-21626), before a profile without no_new_privs is loaded
  itRuncFails('its CVE-2024-21626 backport checks the cwd with getcwd after loading the profile', 'a profile that denies getcwd does not stop the container from starting (the cwd check runs before the profile)', () => {
    const r = runContainer(
      (spec) => {
        spec.process.noNewPrivileges = false;
        spec.process.cwd = '/tmp';
        spec.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] };
      },
      // the cwd is /tmp (procfs says so) while getcwd(2) itself is refused (busybox pwd -P prints nothing)
      'echo started; readlink /proc/self/cwd; echo "[$(pwd -P 2>/dev/null)]"',
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('started\n/tmp\n[]\n');
  });
});

describeRoot('seccomp: argument filters', () => {
  it('SCMP_CMP_EQ on personality(2): only PER_LINUX32 (8) is refused', () => {
    const r = runContainer(
      withSeccomp({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }],
      }),
      'linux32 true; echo linux32=$?; linux64 true; echo linux64=$?',
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('linux32=1\nlinux64=0\n');
    expect(r.stderr).toMatch(/Operation not permitted/);
  });

  it('SCMP_CMP_MASKED_EQ on the mode of chmod: (mode & 0o7) == 0o7 is refused', () => {
    // value is the mask, valueTwo the value compared with (mode & mask)
    const masked = (index: number) => [{ index, value: 0o7, valueTwo: 0o7, op: 'SCMP_CMP_MASKED_EQ' }];
    const r = runContainer(
      withSeccomp({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 28, args: masked(1) },
          { names: ['fchmodat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28, args: masked(2) },
        ],
      }),
      'cd /dev/shm && touch f && chmod 770 f; echo a=$?; chmod 777 f; echo b=$?; chmod 707 f; echo c=$?; stat -c %a f',
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('a=0\nb=1\nc=1\n770\n');
    expect(r.stderr).toMatch(/No space left on device/);
  });

  it('several conditions on one argument match any of them (runc splits them into rules)', () => {
    const r = runContainer(
      withSeccomp({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          {
            names: ['personality'],
            action: 'SCMP_ACT_ERRNO',
            args: [
              { index: 0, value: 8, op: 'SCMP_CMP_EQ' },
              { index: 0, value: 0, op: 'SCMP_CMP_EQ' },
            ],
          },
        ],
      }),
      'linux32 true; echo linux32=$?; linux64 true; echo linux64=$?',
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('linux32=1\nlinux64=1\n');
  });
});

describeRoot('seccomp: actions and flags', () => {
  for (const action of ['SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL', 'SCMP_ACT_TRAP']) {
    it(`${action} ends the process with SIGSYS`, () => {
      const r = runContainer(
        withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action }] }),
        ['mkdir', '/dev/shm/x'],
      );
      expect(r.status, describeResult(r)).toBe(128 + 31);
    });
  }

  it('SCMP_ACT_LOG lets the syscall through', () => {
    const out = runContainer(
      withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_LOG' }] }),
      'mkdir /dev/shm/x && echo made',
    );
    expect(out.status, describeResult(out)).toBe(0);
    expect(out.stdout).toBe('made\n');
  });

  itRuncFails('runc 1.1.5 refuses every seccomp flag ("not yet supported")', 'the flags TSYNC, LOG and SPEC_ALLOW are accepted', () => {
    const r = runContainer(
      withSeccomp({
        defaultAction: 'SCMP_ACT_ALLOW',
        flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
      }),
      'grep "^Seccomp:" /proc/self/status; mkdir /dev/shm/x; echo rc=$?',
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('Seccomp:\t2\nrc=1\n');
  });

  it('syscall names libseccomp does not know are skipped, the others apply', () => {
    const r = runContainer(
      withSeccomp({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['no_such_syscall_hezi', 'mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      }),
      'mkdir /dev/shm/x; echo rc=$?',
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('rc=1\n');
  });
});

// ---------------------------------------------------------------------------------------------
// seccomp notify

const AGENT = path.join(REPO, 'test', 'support', 'seccomp-agent.py');
const agents: ChildProcess[] = [];
afterEach(() => {
  for (const a of agents.splice(0)) if (a.exitCode === null) a.kill('SIGKILL');
});

/** Start the python agent; it answers every notification with `errno` (0: success). */
function startAgent(errno: number): { socket: string; out: string; proc: ChildProcess } {
  const out = hostFile('agent');
  const socket = `${out}.sock`;
  const proc = spawn('python3', [AGENT, socket, out, String(errno)], { stdio: ['ignore', 'inherit', 'inherit'] });
  agents.push(proc);
  expect(waitFor(() => fs.existsSync(`${out}.ready`), 10_000), 'seccomp agent did not start').toBe(true);
  return { socket, out, proc };
}

/** Another agent on the same socket path, once the first one has taken its connection and closed its socket. */
function startAgentAt(socket: string, errno: number): { out: string; proc: ChildProcess } {
  fs.rmSync(socket, { force: true });
  const out = hostFile('agent');
  const proc = spawn('python3', [AGENT, socket, out, String(errno)], { stdio: ['ignore', 'inherit', 'inherit'] });
  agents.push(proc);
  expect(waitFor(() => fs.existsSync(`${out}.ready`), 10_000), 'seccomp agent did not start').toBe(true);
  return { out, proc };
}

function agentLog(out: string): string[] {
  try {
    return fs.readFileSync(`${out}.log`, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const HAS_PYTHON = spawnSync('python3', ['-c', 'import socket; socket.recv_fds'], { stdio: 'ignore' }).status === 0;

for (const nnp of [true, false]) {
  describeRoot(`seccomp notify (noNewPrivileges ${nnp})`, () => {
    const itPy = HAS_PYTHON ? it : it.skip;

    itPy('the agent gets the listener and the container process state, and answers mkdir', () => {
      const agent = startAgent(0); // "succeed" without creating anything
      const r = runContainer(
        withSeccomp(
          {
            defaultAction: 'SCMP_ACT_ALLOW',
            listenerPath: agent.socket,
            listenerMetadata: 'hezi-test-metadata',
            syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
          },
          nnp,
        ),
        'mkdir /dev/shm/faked && echo rc=$?; test -d /dev/shm/faked && echo exists || echo absent',
      );
      expect(r.status, describeResult(r)).toBe(0);
      expect(r.stdout).toBe('rc=0\nabsent\n');
      const got = JSON.parse(fs.readFileSync(`${agent.out}.json`, 'utf8')) as { state: Spec; nfds: number };
      expect(got.nfds).toBe(1);
      const st = got.state;
      expect(st.fds).toEqual(['seccompFd']);
      expect(st.metadata).toBe('hezi-test-metadata');
      expect(typeof st.ociVersion).toBe('string');
      expect(Number.isInteger(st.pid) && st.pid > 0).toBe(true);
      expect(st.state.id).toBe(r.id);
      expect(st.state.status).toBe('creating');
      expect(st.state.pid).toBe(st.pid);
      expect(st.state.bundle).toBe(r.bundle.dir);
      expect(agentLog(agent.out).length).toBeGreaterThanOrEqual(1);
    });

    itPy('the agent fails the syscall with its own errno', () => {
      const agent = startAgent(28);
      const r = runContainer(
        withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: agent.socket, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] }, nnp),
        'mkdir /dev/shm/x; echo rc=$?',
      );
      expect(r.status, describeResult(r)).toBe(0);
      expect(r.stdout).toBe('rc=1\n');
      expect(r.stderr).toMatch(/No space left on device/);
    });
  });
}

describeRoot('seccomp notify with flags', () => {
  itRuncFails('runc 1.1.5 refuses every seccomp flag ("not yet supported")', 'TSYNC and WAIT_KILLABLE_RECV with a listener', () => {
    if (!HAS_PYTHON) return;
    const agent = startAgent(28);
    const r = runContainer(
      withSeccomp({
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: agent.socket,
        flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
      }),
      'mkdir /dev/shm/x; echo rc=$?',
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('rc=1\n');
    expect(agentLog(agent.out).length).toBeGreaterThanOrEqual(1);
  });
});

describeRoot('seccomp and exec: an exec\'d process gets the container\'s filter', () => {
  for (const nnp of [true, false]) {
    it(`noNewPrivileges ${nnp}: Seccomp 2 and the blocked syscall fails`, () => {
      const c = createOk(withSeccomp(allowList([{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 }], 38), nnp), ['sleep', '1000']);
      expect(run(['start', c.id]).status).toBe(0);
      const r = run(['exec', c.id, 'sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; mkdir /dev/shm/x; echo mkdir=$?; unshare -u true; echo unshare=$?']);
      expect(r.status, describeResult(r)).toBe(0);
      expect(r.stdout).toBe(`NoNewPrivs:\t${nnp ? 1 : 0}\nSeccomp:\t2\nmkdir=1\nunshare=1\n`);
      expect(r.stderr).toMatch(/No space left on device/);
      expect(r.stderr).toMatch(/Function not implemented/);
    });
  }

  it('a notify filter hands the exec\'d process\'s listener to the agent (status running)', () => {
    if (!HAS_PYTHON) return;
    const agent = startAgent(28);
    const c = createOk(
      withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: agent.socket, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] }),
      ['sleep', '1000'],
    );
    expect(run(['start', c.id]).status).toBe(0);
    expect(waitFor(() => fs.existsSync(`${agent.out}.json`), 5_000)).toBe(true);
    // a second agent for the exec'd process (one state per connection)
    const agent2 = startAgentAt(agent.socket, 28);
    const r = run(['exec', c.id, 'sh', '-c', 'mkdir /dev/shm/x; echo rc=$?']);
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('rc=1\n');
    expect(r.stderr).toMatch(/No space left on device/);
    const got = JSON.parse(fs.readFileSync(`${agent2.out}.json`, 'utf8')) as { state: Spec };
    expect(got.state.state.status).toBe('running');
    expect(got.state.state.id).toBe(c.id);
    expect(got.state.state.pid).toBe(c.pid);
    expect(got.state.pid).not.toBe(c.pid);
  });
});

describeRoot('seccomp notify: failures', () => {
  it('a listenerPath nobody listens on fails create, names the agent, and leaves nothing behind', () => {
    const c = createContainer(
      withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: hostFile('nobody.sock'), syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }),
      'true',
    );
    expect(c.result.status, describeResult(c.result)).not.toBe(0);
    expect(c.result.status).not.toBeNull();
    expect(c.result.stderr).toMatch(/failed to connect with seccomp agent specified in the seccomp profile: .*nobody\.sock.*no such file or directory/);
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir });
  });
});

// ---------------------------------------------------------------------------------------------
// the -ENOSYS stub

describeRoot('seccomp: syscalls newer than the profile get ENOSYS (runc\'s patchbpf)', () => {
  const errnoOf = (out: string): number => Number(/errno (\d+)/.exec(out)?.[1]);
  for (const nnp of [true, false]) {
    it(`syscall(1000) is ENOSYS, an older syscall the profile leaves out gets defaultErrnoRet (noNewPrivileges ${nnp})`, () => {
      // io_uring_setup (425) is older than faccessat2 (439), the newest name in the list
      const r = runContainer(
        (s) => {
          withSeccomp(allowList([], 1), nnp)(s);
          withHzHelper(s);
        },
        'hz-helper syscall 1000; hz-helper syscall 425; hz-helper syscall 39',
      );
      expect(r.status, describeResult(r)).toBe(0);
      const [big, older, getpid] = r.stdout.trim().split('\n').map(errnoOf);
      expect(big).toBe(38);
      expect(older).toBe(1);
      expect(getpid).toBe(0);
    });
  }

  it('an exec\'d process gets the same stub', () => {
    const c = createOk(
      (s) => {
        withSeccomp(allowList([], 1))(s);
        withHzHelper(s);
      },
      ['sleep', '1000'],
    );
    expect(run(['start', c.id]).status).toBe(0);
    const r = run(['exec', c.id, 'hz-helper', 'syscall', '1000']);
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('errno 38\n');
  });

  it('a profile whose default lets calls through is left as it is: syscall(1000) reaches the kernel (ENOSYS from it)', () => {
    const r = runContainer(
      (s) => {
        withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 }] })(s);
        withHzHelper(s);
      },
      'hz-helper syscall 1000; mkdir /dev/shm/x; echo rc=$?',
    );
    expect(r.stdout).toBe('errno 38\nrc=1\n');
  });
});

// ---------------------------------------------------------------------------------------------
// profile errors

describeRoot('seccomp: profile errors', () => {
  it('an unknown action fails create, names the JSON path and leaves nothing behind', () => {
    const c = createContainer(
      withSeccomp({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['read'], action: 'SCMP_ACT_ALLOW' },
          { names: ['mkdir'], action: 'SCMP_ACT_FOO' },
        ],
      }),
      'true',
    );
    expect(c.result.status, describeResult(c.result)).not.toBe(0);
    expect(c.result.stderr).toMatch(/SCMP_ACT_FOO/);
    expect(run(['state', c.id]).stderr).toContain('container does not exist');
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir });
  });

  itRuncFails('runc 1.1.5 words it without the JSON path', 'the unknown action error names linux.seccomp.syscalls[1].action', () => {
    const c = createContainer(withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, { names: ['mkdir'], action: 'SCMP_ACT_FOO' }] }), 'true');
    expect(c.result.stderr).toMatch(/linux\.seccomp\.syscalls\[1\]\.action: unknown seccomp action \\?"SCMP_ACT_FOO/);
  });

  itRuncFails('runc 1.1.5 ignores errnoRet on actions without one', 'errnoRet on SCMP_ACT_ALLOW fails create (config-linux.md: MUST error)', () => {
    const c = createContainer(withSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: BUSYBOX_SYSCALLS, action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] }), 'true');
    expect(c.result.status, describeResult(c.result)).not.toBe(0);
    expect(c.result.stderr).toMatch(/linux\.seccomp\.syscalls\[0\]\.errnoRet/);
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir });
  });

  itRuncFails('runc links libseccomp: it cannot start at all without it', 'without libseccomp a seccomp config fails create with a clear error, others still run', () => {
    const lib = spawnSync('sh', ['-c', 'ldconfig -p | sed -n "s/.*libseccomp.so.2 (.*) => //p" | head -1'], { encoding: 'utf8' }).stdout.trim();
    expect(lib, 'libseccomp.so.2 is installed').not.toBe('');
    const bundle = makeBundle((spec) => {
      withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' })(spec);
      spec.process.args = ['true'];
    });
    const id = bundle.id;
    track(id);
    // in a mount namespace where libseccomp.so.2 is /dev/null
    const withoutLib = (...args: string[]) =>
      spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount --bind /dev/null ${lib} && exec "$@"`, 'sh', runtime(), '--root', stateRoot(), ...args], {
        encoding: 'utf8',
        timeout: 20_000,
      });
    const res = withoutLib('create', '--bundle', bundle.dir, id);
    expect(res.status, res.stderr).not.toBe(0);
    expect(res.stderr).toMatch(/libseccomp/);
    expect(fs.existsSync(path.join(stateRoot(), id))).toBe(false);
    expectNothingLeftBehind({ id, bundle: bundle.dir });
    // a config without seccomp does not need libseccomp
    const plain = makeBundle((spec) => {
      spec.process.args = ['echo', 'no seccomp'];
    });
    track(plain.id);
    const ran = withoutLib('run', '--bundle', plain.dir, plain.id);
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('no seccomp\n');
  });
});
