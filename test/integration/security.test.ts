/**
 * Container-escape classes (issue #9): one reproducer per published runc/crun escape or class.
 * Each test builds the malicious image and/or config, runs the attack against the runtime under
 * test and asserts that it fails, from inside the container where the effect would show, and
 * that a refused attack leaves nothing behind (state dir, mounts, cgroups, processes).
 *
 * Where runc 1.1.5 (the reference on this host) is itself vulnerable, the test says so in a
 * comment; the expectations are the same for every runtime.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  applyPatch,
  createOk,
  describeResult,
  describeRoot,
  expectNothingLeftBehind,
  hostFile,
  leftovers,
  makeBundle,
  ok,
  run,
  runContainer,
  runOk,
  runtime,
  stateRoot,
  track,
  waitFor,
  waitForStatus,
  type Bundle,
  type Command,
  type ConfigPatch,
  type Created,
  type RunOptions,
  type RunResult,
  type Spec,
} from '../support/bundle';
import { HAVE_PYTHON, receiver } from '../support/console';
import { parseMountinfo } from '../support/linux';

const lines = (s: string) => s.split('\n').filter(Boolean);

/** A bundle running `cmd`, with `prepare` applied to it (the malicious image) before any run. */
function bundle(patch: ConfigPatch, cmd: Command, prepare?: (b: Bundle) => void): Bundle {
  const b = makeBundle((spec) => {
    applyPatch(spec, patch);
    spec.process.args = typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd;
  });
  track(b.id);
  prepare?.(b);
  return b;
}

/** `run` the bundle in the foreground. */
function runBundle(b: Bundle, runArgs: string[] = [], opts: RunOptions = {}): RunResult {
  return run(['run', '--bundle', b.dir, ...runArgs, b.id], opts);
}

/** `create` the bundle (its stdio to files in the bundle); the pid from --pid-file, NaN if none. */
function createBundle(b: Bundle, args: string[] = [], opts: RunOptions = {}): { r: RunResult; pid: number } {
  const pidFile = path.join(b.dir, 'container.pid');
  const r = run(['create', '--bundle', b.dir, '--pid-file', pidFile, ...args, b.id], {
    stdoutFile: path.join(b.dir, 'container.out'),
    stderrFile: path.join(b.dir, 'container.err'),
    ...opts,
  });
  let pid = NaN;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8'));
  } catch {
    /* create failed */
  }
  return { r, pid };
}

/** The runtime refused: non-zero, one sentence matching `re` (no stack trace), nothing left behind. */
function expectRefused(r: RunResult, b: Bundle, re: RegExp): void {
  expect(r.status, describeResult(r)).not.toBe(0);
  expect(r.status, describeResult(r)).not.toBeNull();
  expect(r.stderr, describeResult(r)).toMatch(re);
  expect(r.stderr, describeResult(r)).not.toMatch(/\n\s+at /);
  expectNothingLeftBehind({ id: b.id, bundle: b.dir });
}

/** runc's default capabilities plus `extra` in every set but ambient. */
function withCaps(...extra: string[]): (spec: Spec) => void {
  return (spec) => {
    const c = spec.process.capabilities;
    for (const set of ['bounding', 'effective', 'permitted']) c[set] = [...c[set], ...extra];
  };
}

/** Remove the config mounts at these destinations. */
function withoutMounts(...dests: string[]): (spec: Spec) => void {
  return (spec) => {
    spec.mounts = (spec.mounts as Spec[]).filter((m) => !dests.includes(m.destination));
  };
}

function started(patch?: ConfigPatch): Created {
  const c = createOk(patch, ['sleep', '1000']);
  ok(run(['start', c.id]));
  waitForStatus(c.id, 'running');
  return c;
}

/** readlink of every fd of `pid` (host view). */
function fdTargets(pid: number): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/** Exchanges <dev>/null with a symlink to <victim> (renameat2 RENAME_EXCHANGE) until <stop> exists. */
const RACER = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
dev, victim, stop, ready = sys.argv[1:5]
d = os.open(dev, os.O_PATH | os.O_DIRECTORY)
evil = os.path.join(dev, '.evil')
open(ready, 'w').close()
while not os.path.exists(stop):
    try:
        if not os.path.islink(evil):
            try: os.unlink(evil)
            except FileNotFoundError: pass
            os.symlink(victim, evil)
    except OSError: pass
    for _ in range(200):
        libc.renameat2(d, b'.evil', d, b'null', 2)
`;

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

const children: Array<{ stop: () => void }> = [];
afterEach(() => {
  for (const c of children.splice(0)) c.stop();
});

describeRoot('security: container-escape classes (issue #9)', () => {
  // ---------------------------------------------------------------------------------------------
  // 1. /proc and /sys must be what they claim

  it('CVE-2019-16884, CVE-2023-27561, CVE-2023-28642: an image whose /proc or /sys is a symlink is refused', () => {
    for (const [dir, target] of [
      ['proc', '/badproc'],
      ['sys', '/badsys'],
      ['proc', '/nowhere'], // dangling
    ] as const) {
      const b = bundle(undefined, 'true', (b) => {
        fs.rmSync(path.join(b.rootfs, dir), { recursive: true, force: true });
        if (target !== '/nowhere') fs.mkdirSync(path.join(b.rootfs, target));
        fs.symlinkSync(target, path.join(b.rootfs, dir));
      });
      const r = runBundle(b);
      expectRefused(r, b, /must be mounted on (an )?ordinary directory/);
      // and nothing was mounted through the symlink (procfs/sysfs would have landed on its target)
      if (target !== '/nowhere') expect(fs.readdirSync(path.join(b.rootfs, target)), `${dir} -> ${target}`).toEqual([]);
    }
  });

  // ---------------------------------------------------------------------------------------------
  // 2. file descriptors: only what the caller passed crosses into the container

  // runc 1.1.5 fails closed here ("unable to stat preserved-fd 4 (of 30)": it wants every fd
  // 3..32 to exist), so this test is red against it without the container getting anything
  it('CVE-2024-21626: run --preserve-fds 30 from a caller holding only stdio gives the container nothing but stdio', () => {
    const r = runContainer(undefined, 'ls /proc/self/fd', { runArgs: ['--preserve-fds', '30'], timeout: 20_000 });
    expect(r.status, describeResult(r)).toBe(0);
    expect(lines(r.stdout)).toEqual(['0', '1', '2', '3']); // 3: ls's own directory
  });

  it('CVE-2024-21626: a container created with --preserve-fds 30 holds no runtime fd, and delete --force does not hang', () => {
    const b = bundle(undefined, ['sleep', '1000']);
    const { r, pid } = createBundle(b, ['--preserve-fds', '30'], { timeout: 20_000 });
    expect(r.status, describeResult(r)).toBe(0);
    expect(Number.isInteger(pid) && pid > 0, describeResult(r)).toBe(true);
    // the waiting init holds exec.fifo (that is how start releases it) and nothing else of the
    // state dir: not the locked directory, not state.json
    const own = fdTargets(pid).filter((t) => t.startsWith(stateRoot()) && !t.endsWith('/exec.fifo'));
    expect(own).toEqual([]);
    const d = run(['delete', '--force', b.id], { timeout: 15_000 });
    expect(d.status, describeResult(d)).toBe(0);
    expectNothingLeftBehind({ id: b.id, bundle: b.dir, pids: [{ pid }] });
  });

  it.skipIf(!HAVE_PYTHON)('CVE-2024-21626 class: delete --force does not wait for a lock that a container process holds', () => {
    // a process of the container holds the container's state dir locked (flock on an open file
    // description it was handed): whatever the runtime locks, --force must not wait for its own
    // victim to let go
    const c = started();
    const dir = path.join(stateRoot(), c.id);
    const hold = `
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
if fd != 3:
    os.dup2(fd, 3)
os.set_inheritable(3, True)
os.execv(sys.argv[2], sys.argv[2:])
`;
    const r = spawnSync('python3', ['-c', hold, dir, runtime(), '--root', stateRoot(), 'exec', '--detach', '--preserve-fds', '1', c.id, 'sleep', '1000'], {
      stdio: 'ignore',
      timeout: 20_000,
    });
    expect(r.status).toBe(0);
    const held = waitFor(() => fs.readdirSync('/proc').some((p) => /^\d+$/.test(p) && readlinkQuiet(`/proc/${p}/fd/3`) === dir), 5_000);
    expect(held, 'a container process holds the locked state dir').toBe(true);
    const d = run(['delete', '--force', c.id], { timeout: 15_000 });
    expect(d.status, describeResult(d)).toBe(0);
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [{ pid: c.pid, startTime: c.startTime }] });
  });

  // runc 1.1.5 as Debian ships it here (1.1.5+ds1-1+deb12u1) has the cwd check of 1.1.12 backported
  it('CVE-2024-21626: exec --cwd /proc/self/fd/N cannot start a process whose cwd is outside the container', () => {
    const c = started();
    const hostDir = hostFile('host-dir');
    fs.mkdirSync(hostDir);
    fs.writeFileSync(path.join(hostDir, 'secret'), 'host secret\n');
    const dfd = fs.openSync(hostDir, 'r');
    try {
      // the caller's fd 3 is a host directory: the process may hold it, never live in it
      const argv = ['--root', stateRoot(), 'exec', '--preserve-fds', '1', '--cwd', '/proc/self/fd/3', c.id, 'sh', '-c', 'echo RAN; cat secret'];
      const r = spawnSync(runtime(), argv, { stdio: ['ignore', 'pipe', 'pipe', dfd], encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/outside of (the )?container mount namespace root/);
    } finally {
      fs.closeSync(dfd);
    }
    // nor any fd the runtime itself might have left in the exec'd process
    for (let n = 3; n <= 12; n++) {
      const r = run(['exec', '--cwd', `/proc/self/fd/${n}`, c.id, 'sh', '-c', 'echo RAN']);
      expect(r.status, describeResult(r)).not.toBe(0);
      expect(r.stdout).toBe('');
    }
    expect(fs.readFileSync(`/proc/${c.pid}/cmdline`, 'utf8')).toBe('sleep\u00001000\u0000');
  });

  // ---------------------------------------------------------------------------------------------
  // 3. exec --cgroup stays inside the container's cgroup

  it('exec --cgroup with ".." cannot put the process outside the container\'s cgroup ("is not a sub cgroup path")', () => {
    const c = started();
    for (const arg of ['..', 'sub/../..', '../other']) {
      const r = run(['exec', '--cgroup', arg, c.id, 'sh', '-c', 'echo RAN; cat /proc/self/cgroup']);
      expect(r.status, describeResult(r)).not.toBe(0);
      expect(r.stdout, arg).toBe('');
      expect(r.stderr, arg).toMatch(/is not a sub cgroup path/);
    }
    // the container's only process is its init
    expect(JSON.parse(ok(run(['ps', '--format', 'json', c.id])).stdout)).toEqual([c.pid]);
  });

  // ---------------------------------------------------------------------------------------------
  // 4. --no-pivot leaves no fully visible procfs behind

  it('--no-pivot: the old root\'s procfs is hidden (unshare -mrpf mount -t proc fails with EPERM)', () => {
    // CAP_SETFCAP: mapping root in a new user namespace needs it (kernel >= 5.12)
    const r = runContainer(
      withCaps('CAP_SYS_ADMIN', 'CAP_SETFCAP'),
      'unshare -mrpf true; echo userns=$?; unshare -mrpf mount -t proc none /proc; echo proc=$?',
      { runArgs: ['--no-pivot'] },
    );
    expect(r.status, describeResult(r)).toBe(0);
    // a user namespace can be made (so the next line tests the procfs, not unshare)
    expect(r.stdout).toMatch(/^userns=0\n/);
    expect(r.stdout).toMatch(/proc=[1-9]\d*\n$/);
    expect(r.stderr).toMatch(/permission denied|operation not permitted/i);
  });

  // ---------------------------------------------------------------------------------------------
  // 5. /dev/console

  // runc 1.1.5 is vulnerable (CVE-2025-52565 was fixed in 1.2.8): layout (a) fails there only
  // because it replaces /dev/ptmx with a symlink to pts/ptmx, but it binds the pty through the
  // image's /dev/console symlink in (b)
  it.skipIf(!HAVE_PYTHON)('CVE-2025-52565: the pty bound on /dev/console is the verified pty, never a symlink of the image', () => {
    // (a) the container's devpts is elsewhere, /dev/ptmx leads there, and the image's
    //     /dev/pts/0 -> /proc/sys/kernel/core_pattern: a path-based bind of "/dev/pts/<n>"
    //     would make the host's core_pattern the container's writable /dev/console
    // (b) the image's /dev/console is a symlink to the same file
    const layouts: Array<[string, (b: Bundle) => void, ConfigPatch]> = [
      [
        'ptmx elsewhere, /dev/pts/0 a symlink',
        (b) => {
          fs.mkdirSync(path.join(b.rootfs, 'dev/pts'), { recursive: true });
          fs.mkdirSync(path.join(b.rootfs, 'dev/realpts'));
          fs.symlinkSync('realpts/ptmx', path.join(b.rootfs, 'dev/ptmx'));
          fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(b.rootfs, 'dev/pts/0'));
        },
        (spec) => {
          withoutMounts('/dev', '/dev/pts', '/dev/shm', '/dev/mqueue')(spec);
          spec.mounts.push({ destination: '/dev/realpts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] });
        },
      ],
      [
        '/dev/console a symlink',
        (b) => fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(b.rootfs, 'dev/console')),
        (spec) => {
          withoutMounts('/dev', '/dev/shm', '/dev/mqueue')(spec);
          spec.mounts.find((m: Spec) => m.destination === '/dev/pts').options.push('ptmxmode=0666');
        },
      ],
    ];
    for (const [name, prepare, patch] of layouts) {
      const recv = receiver();
      children.push(recv);
      const b = bundle((spec) => {
        spec.process.terminal = true;
        (patch as (s: Spec) => void)(spec);
      }, 'grep " /dev/console " /proc/self/mountinfo; sleep 1', prepare);
      const r = run(['create', '--bundle', b.dir, '--console-socket', recv.sock, b.id]);
      expect(r.status, `${name}: ${describeResult(r)}`).not.toBe(0);
      expectRefused(r, b, /console|ptmx|pts/);
      recv.stop();
    }
  });

  // ---------------------------------------------------------------------------------------------
  // 6. masked paths

  // runc 1.1.5 is vulnerable (CVE-2025-31133 was fixed in 1.2.8)
  it('CVE-2025-31133: masking binds the real /dev/null only: a /dev/null that is a symlink or a plain file is refused', () => {
    for (const kind of ['symlink', 'file'] as const) {
      const dev = hostFile('dev');
      fs.mkdirSync(dev);
      if (kind === 'symlink') fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(dev, 'null'));
      else fs.writeFileSync(path.join(dev, 'null'), 'not the null device\n');
      const b = bundle(
        (spec) => {
          withoutMounts('/dev', '/dev/pts', '/dev/shm', '/dev/mqueue')(spec);
          spec.mounts.push({ destination: '/dev', type: 'bind', source: dev, options: ['rbind', 'rw'] });
          spec.linux.maskedPaths = ['/etc/hostname'];
        },
        'cat /etc/hostname',
      );
      const r = runBundle(b);
      expectRefused(r, b, /\/dev\/null/);
    }
  });

  // runc 1.1.5 masks the symlink's target instead
  it('CVE-2025-31133: a masked path that is a symlink in the image fails the container instead of masking its target', () => {
    const b = bundle({ linux: { maskedPaths: ['/etc/masked'] } }, 'cat /etc/passwd | wc -c', (b) => {
      fs.symlinkSync('/etc/passwd', path.join(b.rootfs, 'etc/masked'));
    });
    const r = runBundle(b);
    expectRefused(r, b, /\/etc\/masked/);
  });

  // ---------------------------------------------------------------------------------------------
  // 7. mount targets

  // runc 1.1.5 refuses the bind (checkProcMount) but mounts the tmpfs over /proc/sys/kernel
  it('CVE-2019-19921: a mount whose target resolves into /proc through an image symlink is refused', () => {
    for (const type of ['bind', 'tmpfs']) {
      const src = hostFile('vol');
      fs.mkdirSync(src);
      const b = bundle(
        (spec) => {
          spec.mounts.push(type === 'bind' ? { destination: '/vol', type: 'bind', source: src, options: ['rbind'] } : { destination: '/vol', type: 'tmpfs', source: 'tmpfs', options: [] });
        },
        'ls /proc/sys/kernel | wc -l',
        (b) => fs.symlinkSync('/proc/sys/kernel', path.join(b.rootfs, 'vol')),
      );
      const r = runBundle(b);
      expectRefused(r, b, /inside \/proc/);
    }
  });

  // runc 1.1.5 is vulnerable: its remount re-resolves the destination (securejoin) after the
  // bind has changed what the path leads to
  it('CVE-2021-30465 class: the remount of a bind acts on that bind, not on whatever its path leads to after mounting', () => {
    // a read-only volume at /ro; then a bind with ["rbind","nosuid"] on /d, where the image's
    // /d -> /p/q/.. (= /p) and the bind source S has q -> /ro/sub: once S is on /p, "/d" leads to
    // /ro, and a path-based remount with "nosuid" would drop the volume's "ro"
    const roVol = hostFile('ro-volume');
    fs.mkdirSync(path.join(roVol, 'sub'), { recursive: true });
    const src = hostFile('src');
    fs.mkdirSync(src);
    fs.symlinkSync('/ro/sub', path.join(src, 'q'));
    const b = bundle(
      (spec) => {
        spec.root.readonly = false;
        spec.mounts.push({ destination: '/ro', type: 'bind', source: roVol, options: ['rbind', 'ro'] });
        spec.mounts.push({ destination: '/d', type: 'bind', source: src, options: ['rbind', 'nosuid'] });
      },
      'echo pwned > /ro/pwned; echo rc=$?; grep -E " /(ro|p) " /proc/self/mountinfo',
      (b) => {
        fs.mkdirSync(path.join(b.rootfs, 'p/q'), { recursive: true });
        fs.symlinkSync('/p/q/..', path.join(b.rootfs, 'd'));
      },
    );
    const r = runBundle(b);
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/^rc=1\n/);
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(fs.existsSync(path.join(roVol, 'pwned'))).toBe(false);
    const mounts = parseMountinfo(r.stdout.split('\n').slice(1).join('\n'));
    expect(mounts.find((m) => m.mountPoint === '/ro')?.options).toContain('ro');
    expect(mounts.find((m) => m.mountPoint === '/p')?.options).toContain('nosuid');
    expectNothingLeftBehind({ id: b.id, bundle: b.dir });
  });

  it.skipIf(!HAVE_PYTHON)(
    'CVE-2024-45310 class: creating /dev nodes never changes a host file through a symlink swapped in meanwhile',
    () => {
      // a host process (a co-tenant that can write the rootfs) keeps exchanging the image's
      // /dev/null with a symlink to a host file while the runtime creates the device: the chmod
      // after mknod must act on the node made, never follow the name again. On a runtime that
      // follows it, about every other attempt changes the victim's mode.
      const victim = hostFile('victim');
      fs.writeFileSync(victim, 'host file\n');
      fs.chmodSync(victim, 0o600);
      const b = bundle(withoutMounts('/dev', '/dev/pts', '/dev/shm', '/dev/mqueue'), 'true');
      for (let k = 0; k < 40; k++) {
        const stop = hostFile('stop');
        const ready = hostFile('ready');
        const child = spawn('python3', ['-c', RACER, path.join(b.rootfs, 'dev'), victim, stop, ready], { stdio: 'ignore' });
        children.push({ stop: () => child.kill('SIGKILL') });
        expect(waitFor(() => fs.existsSync(ready), 10_000), 'the racer runs').toBe(true);
        const id = `${b.id}-${k}`;
        track(id);
        const r = run(['run', '--bundle', b.dir, id]);
        fs.writeFileSync(stop, '');
        child.kill('SIGKILL');
        // the runtime may refuse the swapped node or succeed: it must never chmod the victim
        expect((fs.statSync(victim).mode & 0o777).toString(8), `attempt ${k}: ${describeResult(r)}`).toBe('600');
        expect(leftovers({ id, bundle: b.dir })).toEqual([]);
      }
    },
    90_000,
  );

  // ---------------------------------------------------------------------------------------------
  // 8. the waiting init

  // runc 1.1.5 is vulnerable for a container that joins no existing namespace: nsexec makes its
  // init non-dumpable only when it setns()es (config.namespaces), so there fds, environ and exe read
  it('CVE-2016-9962: a process exec\'d into a created container cannot read the waiting init\'s fds or environ', () => {
    const c = createOk(undefined, ['sleep', '1000']);
    // the fd numbers can be listed (as with any process); what they are cannot be read or opened
    const script = [
      'echo "fds=$(ls /proc/1/fd | wc -l)"',
      'for fd in $(ls /proc/1/fd); do readlink /proc/1/fd/$fd && echo "LEAK $fd"; cat /proc/1/fd/$fd </dev/null >/dev/null 2>&1 && echo "OPEN $fd"; done',
      'cat /proc/1/environ >/dev/null && echo ENVIRON',
      'readlink /proc/1/exe && echo EXE',
      'ls /proc/1/root/ >/dev/null && echo ROOT',
      'true',
    ].join('; ');
    const r = run(['exec', c.id, 'sh', '-c', script]);
    expect(r.status, describeResult(r)).toBe(0);
    const [fds, ...rest] = lines(r.stdout);
    expect(Number(fds?.replace('fds=', ''))).toBeGreaterThanOrEqual(4); // stdio and exec.fifo at least
    expect(rest).toEqual([]);
    expect(r.stderr).toMatch(/Permission denied/);
  });

  // ---------------------------------------------------------------------------------------------
  // 9. HOME from the image's /etc/passwd

  it('host-side reads: HOME is looked up inside the container root, and a hostile /etc/passwd neither leaks nor hangs the runtime', () => {
    // (a) an absolute symlink to a host file: read on the host, it would leak the host's line
    const hostPasswd = hostFile('host-passwd');
    fs.writeFileSync(hostPasswd, 'root:x:0:0:root:/LEAKED-FROM-HOST:/bin/sh\n');
    const leak = runContainer(
      undefined,
      'echo "HOME=$HOME"',
    );
    expect(leak.stdout).toBe('HOME=/root\n'); // the control: the image's own passwd gives /root
    const b1 = bundle(undefined, 'echo "HOME=$HOME"', (b) => {
      fs.rmSync(path.join(b.rootfs, 'etc/passwd'));
      fs.symlinkSync(hostPasswd, path.join(b.rootfs, 'etc/passwd'));
    });
    const r1 = runBundle(b1);
    expect(r1.status, describeResult(r1)).toBe(0);
    expect(r1.stdout).toBe('HOME=/\n');
    // (b) a FIFO: an open on the host would block forever
    // runc 1.1.5 hangs here: its init opens the FIFO inside the container
    const b2 = bundle(undefined, 'echo "HOME=$HOME"', (b) => {
      fs.rmSync(path.join(b.rootfs, 'etc/passwd'));
      spawnSync('mkfifo', [path.join(b.rootfs, 'etc/passwd')]);
    });
    const r2 = runBundle(b2, [], { timeout: 15_000 });
    expect(r2.status, describeResult(r2)).toBe(0);
    expect(r2.stdout).toBe('HOME=/\n');
    expectNothingLeftBehind({ id: b2.id, bundle: b2.dir });
    // (c) /dev/zero: a read without a limit would exhaust memory (the container's memory limit
    //     bounds a runtime that reads it inside the container)
    const b3 = bundle(
      (spec) => {
        spec.linux.resources = { ...(spec.linux.resources ?? {}), memory: { limit: 256 * 1024 * 1024 } };
      },
      'echo "HOME=$HOME"',
      (b) => {
        fs.rmSync(path.join(b.rootfs, 'etc/passwd'));
        fs.symlinkSync('/dev/zero', path.join(b.rootfs, 'etc/passwd'));
      },
    );
    const r3 = runBundle(b3, [], { timeout: 15_000 });
    expect(r3.status, describeResult(r3)).toBe(0);
    expect(r3.stdout).toBe('HOME=/\n');
  });

  // runc 1.1.5 hangs here: its exec'd init opens the FIFO inside the container
  it('host-side reads: a running container that turns its /etc/passwd into a FIFO cannot hang exec', () => {
    const c = started({ root: { readonly: false } });
    ok(run(['exec', c.id, 'sh', '-c', 'rm /etc/passwd && mkfifo /etc/passwd']));
    const r = run(['exec', c.id, 'sh', '-c', 'echo "HOME=$HOME"'], { timeout: 15_000 });
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('HOME=/\n');
  });

  // ---------------------------------------------------------------------------------------------
  // 10. the pid file

  it('pid file: a planted symlink (at the final path or at the runtime\'s temp name) never redirects the write', () => {
    for (const at of ['temp', 'final'] as const) {
      const b = bundle(undefined, ['sleep', '1000']);
      const dir = hostFile('piddir');
      fs.mkdirSync(dir);
      const victim = hostFile('victim');
      fs.writeFileSync(victim, 'precious\n');
      const pidFile = path.join(dir, 'pid');
      // `exec` keeps the shell's pid, so $$ is the runtime's pid: hezi's temp name was
      // .<name>.<pid>.tmp, opened without O_EXCL
      const plant = at === 'temp' ? `ln -s ${victim} ${dir}/.pid.$$.tmp` : `ln -s ${victim} ${pidFile}`;
      const cmd = `${plant} && exec ${runtime()} --root ${stateRoot()} create --bundle ${b.dir} --pid-file ${pidFile} ${b.id}`;
      // output to files: the container inherits it and outlives the call
      const err = path.join(b.dir, 'create.err');
      const errFd = fs.openSync(err, 'w');
      const r = spawnSync('sh', ['-c', cmd], { stdio: ['ignore', errFd, errFd], timeout: 20_000 });
      fs.closeSync(errFd);
      expect(r.status, `${at}: ${fs.readFileSync(err, 'utf8')}`).toBe(0);
      expect(fs.readFileSync(victim, 'utf8'), at).toBe('precious\n');
      expect(fs.lstatSync(pidFile).isFile(), at).toBe(true);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      expect(pid).toBe(waitForStatus(b.id, 'created').pid);
    }
  });

  // ---------------------------------------------------------------------------------------------
  // 11. seccomp notify on the runtime's own syscalls

  it('seccomp: SCMP_ACT_NOTIFY on write is refused before anything is made (runc\'s words)', () => {
    const sock = hostFile('agent.sock');
    const b = bundle(
      { linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }] } } },
      'true',
    );
    const r = runBundle(b);
    expectRefused(r, b, /SCMP_ACT_NOTIFY cannot be used for the write syscall/);
  });

  // hezi's init hands the listener over (sendmsg) and waits for the runtime (recvfrom) after
  // loading the filter, and reports with sendto: runc 1.1.5 refuses only write
  it('seccomp: SCMP_ACT_NOTIFY on the syscalls of the runtime\'s own sync is refused, naming the syscall', () => {
    for (const name of ['sendmsg', 'sendto', 'recvmsg', 'recvfrom', 'close']) {
      const b = bundle(
        { linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: hostFile('agent.sock'), syscalls: [{ names: ['getcwd', name], action: 'SCMP_ACT_NOTIFY' }] } } },
        'true',
      );
      const r = runBundle(b);
      expectRefused(r, b, new RegExp(`SCMP_ACT_NOTIFY cannot be used for the ${name} syscall`));
    }
  });

  // ---------------------------------------------------------------------------------------------
  // 12. the rest of runc's and crun's published escapes

  it('CVE-2019-5736: a container process cannot overwrite the runtime through the /proc/<pid>/exe of its init', () => {
    // the attack: hold /proc/1/exe of the waiting init (the runtime's own code) open, let the init
    // exec the container's process, then reopen the held fd for writing. On a runtime that runs
    // its init from its binary on disk this rewrites that binary (and the test fails, having
    // damaged the binary under test); hezi runs it from a sealed memfd (runc from a read-only mount)
    const binary = fs.realpathSync(runtime());
    const before = sha256(binary);
    const c = createOk(undefined, ['sleep', '1000']);
    // CAP_SYS_PTRACE reaches even a non-dumpable init
    const attack = [
      'echo pwned >> /proc/1/exe; echo "running=$?" > /dev/shm/result',
      'exec 3</proc/1/exe || exit 1',
      'echo held > /dev/shm/held',
      'while [ ! -e /dev/shm/go ]; do sleep 0.05; done',
      'echo pwned >> /proc/self/fd/3; echo "exited=$?" >> /dev/shm/result; echo done > /dev/shm/done',
    ].join('; ');
    ok(run(['exec', '--detach', '--cap', 'CAP_SYS_PTRACE', c.id, 'sh', '-c', attack]));
    const cat = (f: string) => run(['exec', c.id, 'cat', f]).stdout;
    expect(waitFor(() => cat('/dev/shm/held') === 'held\n', 10_000), 'the attacker holds /proc/1/exe').toBe(true);
    ok(run(['start', c.id])); // the init execs sleep: the runtime's code is no longer running
    waitForStatus(c.id, 'running');
    ok(run(['exec', c.id, 'touch', '/dev/shm/go']));
    expect(waitFor(() => cat('/dev/shm/done') === 'done\n', 10_000), 'the attacker finished').toBe(true);
    const result = lines(cat('/dev/shm/result'));
    expect(result).toHaveLength(2);
    for (const l of result) expect(l).toMatch(/^(running|exited)=[1-9]/);
    expect(sha256(binary)).toBe(before);
  });

  it('CVE-2022-29162: the container\'s and an exec\'d process\'s inheritable capabilities are empty unless configured', () => {
    const out = runOk(undefined, 'grep CapInh /proc/self/status');
    expect(out).toBe('CapInh:\t0000000000000000\n');
    const c = started();
    expect(ok(run(['exec', c.id, 'grep', 'CapInh', '/proc/self/status'])).stdout).toBe('CapInh:\t0000000000000000\n');
  });

  it('CVE-2024-45310, crun CVE-2019-18837: mount points are created inside the rootfs even through symlinks that point out of it', () => {
    const src = hostFile('src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'file'), 'x');
    // /tmp exists both on the host and in the image: resolved on the host, the mount points
    // would be made in the host's /tmp
    const tag = `hezi-45310-${crypto.randomBytes(4).toString('hex')}`;
    const b = bundle(
      (spec) => {
        spec.mounts.push({ destination: `/esc/${tag}/dir/sub`, type: 'bind', source: src, options: ['rbind'] });
        spec.mounts.push({ destination: `/rel/${tag}-f/file`, type: 'bind', source: path.join(src, 'file'), options: ['bind'] });
      },
      `ls /tmp/${tag}/dir/sub; cat /tmp/${tag}-f/file`,
      (b) => {
        fs.symlinkSync('/tmp', path.join(b.rootfs, 'esc')); // absolute
        fs.symlinkSync('../../../../../../../../../tmp', path.join(b.rootfs, 'rel')); // climbing out
      },
    );
    const r = runBundle(b);
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('file\nx');
    expect(fs.existsSync(`/tmp/${tag}`)).toBe(false);
    expect(fs.existsSync(`/tmp/${tag}-f`)).toBe(false);
    expect(fs.existsSync(path.join(b.rootfs, 'tmp', tag, 'dir', 'sub'))).toBe(true);
    expectNothingLeftBehind({ id: b.id, bundle: b.dir });
  });

  it('CVE-2024-21626 (config cwd): a process.cwd of /proc/self/fd/N is refused for every N', () => {
    for (let n = 3; n <= 8; n++) {
      const b = bundle((spec) => void (spec.process.cwd = `/proc/self/fd/${n}`), 'pwd');
      const { r } = createBundle(b);
      expect(r.status, describeResult(r)).not.toBe(0);
      expectNothingLeftBehind({ id: b.id, bundle: b.dir });
    }
  });

  it('CVE-2023-25809: with a user namespace and no cgroup namespace, /sys/fs/cgroup stays read-only', () => {
    const out = runOk(
      {
        linux: {
          namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user' }],
          uidMappings: [{ containerID: 0, hostID: 0, size: 65536 }],
          gidMappings: [{ containerID: 0, hostID: 0, size: 65536 }],
        },
      },
      'for d in /sys/fs/cgroup /sys/fs/cgroup/*/; do mkdir "$d/hezi-25809" 2>/dev/null && echo "WROTE $d"; done; grep " /sys/fs/cgroup" /proc/self/mountinfo',
    );
    expect(out).not.toMatch(/WROTE/);
    // the host's cgroup hierarchies (bound from the host without a cgroup namespace): read-only as
    // mounts or as filesystems
    const mounts = parseMountinfo(out).filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2');
    expect(mounts.length).toBeGreaterThan(0);
    for (const m of mounts) expect(m.options.includes('ro') || m.superOptions.includes('ro'), `${m.mountPoint}: ${m.options} ${m.superOptions}`).toBe(true);
  });
});

function readlinkQuiet(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return '';
  }
}
