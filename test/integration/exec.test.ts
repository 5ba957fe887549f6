/**
 * `exec`: a new process in a running container, checked from inside: its output and exit code,
 * the container's namespaces (hostname, pid 1, mounts), cgroup, user and capabilities, the flags
 * (--env, --cwd, --user, --additional-gids, --cap, --no-new-privs, --process, --detach,
 * --pid-file, --preserve-fds, --cgroup, --ignore-paused) and the refusals in runc's words.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import {
  cgroupDirsNamed,
  createOk,
  describeResult,
  describeRoot,
  hostFile,
  isAlive,
  namespacesOf,
  ok,
  run,
  runtime,
  sharedDir,
  stateRoot,
  waitFor,
  waitForFile,
  waitForStatus,
  type ConfigPatch,
  type Created,
  type Spec,
} from '../support/bundle';
import { capLines, parseMountinfo, parseStatus } from '../support/linux';

/** A started container whose process is `sleep 1000` (pid 1 of its pid namespace). */
function started(patch?: ConfigPatch): Created {
  const c = createOk(patch, ['sleep', '1000']);
  ok(run(['start', c.id]));
  waitForStatus(c.id, 'running');
  return c;
}

const exec = (id: string, ...args: string[]) => run(['exec', id, ...args]);

/** `exec <id> sh -c <script>`, asserting success; returns stdout. */
function execOk(id: string, script: string, flags: string[] = []): string {
  const r = run(['exec', ...flags, id, 'sh', '-c', script]);
  expect(r.status, describeResult(r)).toBe(0);
  return r.stdout;
}

const lines = (s: string) => s.split('\n').filter(Boolean);

const USERNS: Spec = {
  linux: {
    namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user' }],
    uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
  },
};

describeRoot('exec', () => {
  it("exec's output, error output and exit code come back", () => {
    const c = started();
    const r = exec(c.id, 'sh', '-c', 'echo out; echo err >&2; exit 7');
    expect(r.status, describeResult(r)).toBe(7);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(ok(exec(c.id, 'true')).stdout).toBe('');
  });

  it('a process killed by a signal gives 128 + the signal', () => {
    const c = started();
    const r = exec(c.id, 'sh', '-c', 'kill -TERM $$');
    expect(r.status, describeResult(r)).toBe(128 + 15);
  });

  it("exec joins every namespace of the container: hostname, pid 1 is the container's init, mounts", () => {
    const c = started();
    const out = execOk(c.id, 'hostname; tr "\\0" " " </proc/1/cmdline; echo; cd /proc/self/ns && for f in *; do echo "$f=$(readlink $f)"; done');
    const [hostname, cmdline, ...ns] = lines(out);
    expect(hostname).toBe(c.bundle.config.hostname);
    expect(cmdline?.trim()).toBe('sleep 1000');
    const init = namespacesOf(c.pid);
    for (const line of ns) {
      const [name, link] = line.split('=');
      expect(link, `namespace ${name}`).toBe(init[name!]);
    }
    expect(ns.length).toBeGreaterThan(5);
    // the same mount table as the container's init
    const inside = parseMountinfo(execOk(c.id, 'cat /proc/self/mountinfo')).map((m) => m.mountPoint);
    const initMounts = parseMountinfo(fs.readFileSync(`/proc/${c.pid}/mountinfo`, 'utf8')).map((m) => m.mountPoint);
    expect(inside).toEqual(initMounts);
    expect(inside).toContain('/proc');
  });

  it("exec's cgroup is the container init's", () => {
    const c = started();
    const [self, init] = execOk(c.id, 'cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup').split('---\n');
    expect(lines(self ?? '')).toEqual(lines(init ?? ''));
    expect(lines(self ?? '').length).toBeGreaterThan(0);
    // and from the host: the container's cgroup, not the runtime's
    expect(fs.readFileSync(`/proc/${c.pid}/cgroup`, 'utf8')).not.toBe(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  });

  it("exec runs as the container process's user with its capabilities and no_new_privs", () => {
    const c = started({ process: { user: { uid: 1000, gid: 1000, additionalGids: [10] } } });
    const status = parseStatus(execOk(c.id, 'cat /proc/self/status'));
    const init = parseStatus(fs.readFileSync(`/proc/${c.pid}/status`, 'utf8'));
    expect(status.Uid).toBe('1000\t1000\t1000\t1000');
    expect(status.Gid).toBe('1000\t1000\t1000\t1000');
    expect(status.Groups?.trim()).toBe('10');
    expect(capLines(status)).toEqual(capLines(init));
    expect(status.NoNewPrivs).toBe('1');
  });

  it('--env adds variables, --cwd sets the directory inside the container, --user and -g set the ids', () => {
    const c = started();
    const out = execOk(c.id, 'echo "$FOO|$X|$PATH"; pwd; readlink /proc/self/cwd; id -u; id -g; id -G', [
      // (runc's flag library refuses two spellings of one flag in a command line: -e with --env)
      '-e', 'FOO=bar', '-e', 'X=1', '--cwd', '/tmp', '--user', '1000:1001', '--additional-gids', '20', '--additional-gids', '30',
    ]);
    expect(lines(out)).toEqual([
      'bar|1|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '/tmp',
      '/tmp',
      '1000',
      '1001',
      '1001 20 30',
    ]);
    // --user uid alone keeps the process's gid
    expect(lines(execOk(c.id, 'id -u; id -g', ['-u', '1234']))).toEqual(['1234', '0']);
  });

  it('--cap adds a capability to the bounding, effective and permitted sets', () => {
    const c = started();
    const before = parseStatus(execOk(c.id, 'cat /proc/self/status'));
    const after = parseStatus(execOk(c.id, 'cat /proc/self/status', ['--cap', 'CAP_SYS_CHROOT']));
    const bit = 1n << 18n; // CAP_SYS_CHROOT
    for (const k of ['CapBnd', 'CapEff', 'CapPrm'] as const) {
      expect(BigInt(`0x${after[k]}`), k).toBe(BigInt(`0x${before[k]}`) | bit);
    }
    expect(after.CapInh).toBe(before.CapInh);
  });

  it('--no-new-privs=false clears no_new_privs; the config value is kept otherwise', () => {
    const c = started();
    expect(parseStatus(execOk(c.id, 'cat /proc/self/status')).NoNewPrivs).toBe('1');
    expect(parseStatus(execOk(c.id, 'cat /proc/self/status', ['--no-new-privs=false'])).NoNewPrivs).toBe('0');
  });

  it('--process runs a process.json instead of the container process', () => {
    const c = started();
    const file = hostFile('process.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ args: ['sh', '-c', 'echo "$A"; pwd; id -u; exit 3'], env: ['A=from-json', 'PATH=/bin'], cwd: '/etc', user: { uid: 7, gid: 7 } }),
    );
    const r = run(['exec', '--process', file, c.id]);
    expect(r.status, describeResult(r)).toBe(3);
    expect(lines(r.stdout)).toEqual(['from-json', '/etc', '7']);
  });

  it('an invalid process.json or no command is refused', () => {
    const c = started();
    const file = hostFile('process.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['true'], cwd: 'relative' }));
    const r1 = run(['exec', '-p', file, c.id]);
    expect(r1.status).not.toBe(0);
    expect(r1.stderr).toContain('Cwd must be an absolute path');
    fs.writeFileSync(file, JSON.stringify({ args: 'true', cwd: '/' }));
    expect(run(['exec', '-p', file, c.id]).status).not.toBe(0);
    const r2 = run(['exec', c.id]);
    expect(r2.status).not.toBe(0);
    expect(r2.stderr).toContain('process args cannot be empty');
  });

  it('a missing executable fails exec with a clear error', () => {
    const c = started();
    const r = exec(c.id, 'no-such-binary');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('executable file not found in $PATH');
    expect(isAlive(c.pid, c.startTime)).toBe(true);
  });

  it('exec --detach --pid-file: returns at once, the pid file names the running process', () => {
    const ctl = sharedDir();
    const c = started(ctl.patch);
    const pidFile = hostFile('exec.pid');
    const r = run(['exec', '--detach', '--pid-file', pidFile, c.id, 'sh', '-c', 'echo $$ > /ctl/inner; exec sleep 1000']);
    expect(r.status, describeResult(r)).toBe(0);
    const text = fs.readFileSync(pidFile, 'utf8');
    expect(text).toMatch(/^\d+$/); // no newline
    const pid = Number(text);
    expect(isAlive(pid)).toBe(true);
    // the host pid of the exec'd process: in the container's pid namespace with its own pid there
    const inner = waitForFile(path.join(ctl.host, 'inner')).trim();
    const nspid = parseStatus(fs.readFileSync(`/proc/${pid}/status`, 'utf8')).NSpid?.split('\t');
    expect(nspid?.at(-1)).toBe(inner);
    expect(fs.readlinkSync(`/proc/${pid}/ns/pid`)).toBe(namespacesOf(c.pid).pid);
  });

  it('exec passes no file descriptors but stdio, unless --preserve-fds', () => {
    const c = started();
    expect(lines(execOk(c.id, 'ls /proc/self/fd'))).toEqual(['0', '1', '2', '3']); // 3: ls's own directory
    const file = hostFile('fd3');
    fs.writeFileSync(file, 'through fd 3\n');
    const fd = fs.openSync(file, 'r');
    try {
      const argv = ['--root', stateRoot(), 'exec', '--preserve-fds', '1', c.id, 'sh', '-c', 'cat <&3'];
      const r = spawnSync(runtime(), argv, { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('through fd 3\n');
      const r2 = spawnSync(runtime(), ['--root', stateRoot(), 'exec', c.id, 'sh', '-c', 'cat <&3'], { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8', timeout: 20_000 });
      expect(r2.status).not.toBe(0);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('exec into a user-namespaced container joins its user namespace first', () => {
    const c = started(USERNS);
    const out = execOk(c.id, 'cat /proc/self/uid_map; id -u; readlink /proc/self/ns/user; readlink /proc/self/ns/mnt');
    const [map, uid, userns, mntns] = lines(out);
    expect(map?.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect(uid).toBe('0');
    expect(userns).toBe(namespacesOf(c.pid).user);
    expect(mntns).toBe(namespacesOf(c.pid).mnt);
  });

  it('exec works in a created container, before start', () => {
    const c = createOk(undefined, ['sleep', '1000']);
    expect(lines(execOk(c.id, 'hostname; echo ok'))).toEqual([c.bundle.config.hostname, 'ok']);
    expect(waitForStatus(c.id, 'created').status).toBe('created');
  });

  it('exec into a stopped container fails with runc\'s words', () => {
    const c = createOk(undefined, ['true']);
    ok(run(['start', c.id]));
    waitForStatus(c.id, 'stopped');
    const r = exec(c.id, 'true');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('cannot exec in a stopped container');
    const r2 = exec('no-such-container', 'true');
    expect(r2.status).not.toBe(0);
    expect(r2.stderr).toContain('container does not exist');
  });

  it('exec into a paused container fails unless --ignore-paused, which runs it once resumed', async () => {
    const c = started();
    ok(run(['pause', c.id]));
    waitForStatus(c.id, 'paused');
    const r = exec(c.id, 'true');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/cannot exec in a paused container.*use --ignore-paused to override/);

    const child = spawn(runtime(), ['--root', stateRoot(), 'exec', '--ignore-paused', c.id, 'echo', 'after resume'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code))); // close: after stdout is drained
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(out).toBe(''); // frozen with the container
    ok(run(['resume', c.id]));
    const code = await Promise.race([done, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code, err).toBe(0);
    expect(out).toBe('after resume\n');
  });

  it('--cgroup runs the process in an existing sub-cgroup of the container', () => {
    const c = started();
    const dirs = cgroupDirsNamed(c.id);
    expect(dirs.length).toBeGreaterThan(0);
    for (const d of dirs) {
      fs.mkdirSync(path.join(d, 'sub'));
      // a v1 cpuset cgroup takes no process until it has cpus and mems
      for (const f of ['cpuset.cpus', 'cpuset.mems'])
        if (fs.existsSync(path.join(d, f))) fs.writeFileSync(path.join(d, 'sub', f), fs.readFileSync(path.join(d, f)));
    }
    try {
      const own = lines(execOk(c.id, 'cat /proc/self/cgroup', ['--cgroup', 'sub']));
      const init = lines(fs.readFileSync(`/proc/${c.pid}/cgroup`, 'utf8'));
      expect(own.length).toBe(init.length);
      // every hierarchy the container has a directory in: its "sub" there
      for (const line of init) {
        const [, , p] = line.split(':');
        if (p?.endsWith(`/${c.id}`)) expect(own).toContain(`${line}/sub`);
      }
      const r = run(['exec', '--cgroup', 'a:b:c', c.id, 'true']);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('invalid --cgroup argument: a:b:c');
    } finally {
      waitFor(() => dirs.every((d) => fs.readFileSync(path.join(d, 'sub', 'cgroup.procs'), 'utf8') === ''), 2_000);
      for (const d of dirs) fs.rmdirSync(path.join(d, 'sub'));
    }
  });
});
