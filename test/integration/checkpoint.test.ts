/**
 * checkpoint / restore with CRIU. Where `criu check` passes (the cgroup v2 VM with its netfilter
 * modules loaded: test/checkpoint-vm.sh) real containers are checkpointed and restored and checked
 * from inside; where it fails (this project's dev kernel: vDSO) the commands must fail with criu's
 * reason and leave the container, and the host, as they were. Which of the two applies is a fact
 * of the host, not of the runtime under test.
 *
 * The containers' stdio are pipes, as containerd and conmon give them: criu restores a pipe by
 * handing the restored process the restoring runtime's own (inherit_fd), and cannot dump a file
 * descriptor of a file outside the container's mount namespace.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  describeResult,
  describeRoot,
  expectNothingLeftBehind,
  hostFile,
  makeBundle,
  ok,
  REPO,
  run,
  runtime,
  sharedDir,
  state,
  stateRoot,
  track,
  waitFor,
  type Spec,
} from '../support/bundle';

const CRIU_WORKS = spawnSync('criu', ['check'], { stdio: 'ignore' }).status === 0;

const procs: ChildProcess[] = [];
const pipeFds: number[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
  for (const fd of pipeFds.splice(0)) fs.closeSync(fd);
});

/** pipe(2) from hezi's addon (Node's own "pipe" stdio are socketpairs, which criu cannot dump) */
const addon = (): { pipe(): [number, number]; waitReadable(fd: number, ms: number): boolean } =>
  require(path.join(REPO, 'build', 'Release', 'hezi.node')) as never;

/**
 * The runtime with real pipes for stdio (what containerd and conmon give a container); resolves
 * with its exit status. out() is what arrived on the read ends so far (the container's too).
 */
function runWithPipes(args: string[]): { done: Promise<number | null>; out: () => string } {
  const a = addon();
  const [inR, inW] = a.pipe();
  const [outR, outW] = a.pipe();
  const [errR, errW] = a.pipe();
  const child = spawn(runtime(), ['--root', stateRoot(), ...args], { stdio: [inR, outW, errW] });
  procs.push(child);
  for (const fd of [inR, outW, errW]) fs.closeSync(fd);
  pipeFds.push(inW, outR, errR);
  let text = '';
  const out = (): string => {
    for (const fd of [outR, errR]) {
      const buf = Buffer.alloc(65536);
      while (a.waitReadable(fd, 0)) {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n <= 0) break;
        text += buf.subarray(0, n).toString();
      }
    }
    return text;
  };
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { done, out };
}

/** A counter in the container's /dev/shm (a tmpfs criu saves), and a bind-mounted host dir at /ctl. */
function counterBundle(extra?: (s: Spec) => void): { b: ReturnType<typeof makeBundle>; ctl: string } {
  const d = sharedDir();
  const b = makeBundle((s) => {
    d.patch(s);
    extra?.(s);
    s.process.args = ['sh', '-c', 'i=0; while [ ! -e /ctl/stop ]; do i=$((i+1)); echo $i > /dev/shm/count; sleep 0.1; done; exit 7'];
  });
  track(b.id);
  return { b, ctl: d.host };
}

/**
 * Let the worker's event loop run: vitest's worker waits 60 s at most for the runner's answer to
 * its progress messages, and the synchronous steps of these tests (criu under the VM's emulated
 * CPUs) add up to more than that. A timer, then an immediate: a poll phase (the answer) comes between.
 */
const breathe = (): Promise<void> => new Promise((r) => setTimeout(() => setImmediate(r), 1));

const count = (id: string): number => Number(ok(run(['exec', id, 'cat', '/dev/shm/count'])).stdout.trim());

if (CRIU_WORKS) {
  describeRoot('checkpoint and restore (criu works on this host)', () => {
    it('checkpoint stops and removes the container; restore brings it back where it was, in its cgroup, still counting', async () => {
      const { b } = counterBundle();
      const started = runWithPipes(['run', '-d', '--bundle', b.dir, b.id]);
      expect(await started.done, started.out()).toBe(0);
      expect(waitFor(() => count(b.id) > 5, 10_000)).toBe(true);
      await breathe();
      const img = hostFile('img');
      const ck = run(['checkpoint', '--image-path', img, b.id], { timeout: 120_000 });
      expect(ck.status, describeResult(ck)).toBe(0);
      await breathe();
      expect(run(['state', b.id]).stderr).toContain('container does not exist');
      // the container's stdio pipes, for restore to hand over
      expect(JSON.parse(fs.readFileSync(path.join(img, 'descriptors.json'), 'utf8'))).toEqual([expect.stringMatching(/^pipe:/), expect.stringMatching(/^pipe:/), expect.stringMatching(/^pipe:/)]);
      const pidFile = hostFile('restored.pid');
      const rs = runWithPipes(['restore', '-d', '--image-path', img, '--pid-file', pidFile, '--bundle', b.dir, b.id]);
      expect(await rs.done, rs.out()).toBe(0);
      const st = state(b.id);
      expect(st.status).toBe('running');
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      expect(st.pid).toBe(pid);
      const first = count(b.id);
      expect(waitFor(() => count(b.id) > first + 3, 10_000)).toBe(true);
      await breathe();
      // the restored process is pid 1 of its pid namespace and lives in the container's cgroup
      expect(ok(run(['exec', b.id, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'])).stdout).toContain('sh -c i=0;');
      expect(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(b.id);
      ok(run(['delete', '--force', b.id]));
      expectNothingLeftBehind({ id: b.id, bundle: b.dir, pids: [{ pid }] });
    });

    it('--leave-running keeps the container going; the bind mount and the exit code come back with a foreground restore', async () => {
      const { b, ctl } = counterBundle();
      const started = runWithPipes(['run', '-d', '--bundle', b.dir, b.id]);
      expect(await started.done, started.out()).toBe(0);
      expect(waitFor(() => count(b.id) > 3, 10_000)).toBe(true);
      await breathe();
      const img = hostFile('img');
      ok(run(['checkpoint', '--leave-running', '--image-path', img, b.id], { timeout: 120_000 }));
      await breathe();
      expect(state(b.id).status).toBe('running');
      const before = count(b.id);
      expect(waitFor(() => count(b.id) > before, 10_000)).toBe(true);
      ok(run(['delete', '--force', b.id]));
      await breathe();
      // the same container again, in the foreground: its exit code is restore's
      const rs = runWithPipes(['restore', '--image-path', img, '--bundle', b.dir, b.id]);
      expect(waitFor(() => run(['state', b.id]).status === 0 && state(b.id).status === 'running', 30_000), rs.out()).toBe(true);
      await breathe();
      fs.writeFileSync(path.join(ctl, 'stop'), '');
      expect(await rs.done, rs.out()).toBe(7);
      expect(run(['state', b.id]).stderr).toContain('container does not exist');
    });

    it('a container with a terminal: restore sends its new pty master to --console-socket (criu\'s orphan pts master)', async () => {
      const holder = (name: string): { sock: string; out: string } => {
        const sock = hostFile(`${name}.sock`);
        const out = hostFile(name);
        const p = spawn('python3', [path.join(REPO, 'test', 'support', 'console-holder.py'), sock, out], { stdio: ['ignore', 'inherit', 'inherit'] });
        procs.push(p);
        expect(waitFor(() => fs.existsSync(`${out}.ready`), 20_000)).toBe(true);
        return { sock, out };
      };
      const typed = (h: { out: string }, line: string, expectOut: string): boolean => {
        fs.writeFileSync(`${h.out}.in`, `${line}\n`);
        return waitFor(() => fs.existsSync(`${h.out}.log`) && fs.readFileSync(`${h.out}.log`, 'utf8').includes(expectOut), 20_000);
      };
      const b = makeBundle((s) => {
        s.process.terminal = true;
        s.process.args = ['sh'];
      });
      track(b.id);
      const a = holder('console-a');
      ok(run(['run', '-d', '--console-socket', a.sock, '--bundle', b.dir, b.id]));
      expect(waitFor(() => fs.existsSync(`${a.out}.got`), 20_000)).toBe(true);
      await breathe();
      expect(typed(a, 'echo before-$((40+2))', 'before-42')).toBe(true);
      await breathe();
      const img = hostFile('img');
      const ck = run(['checkpoint', '--image-path', img, b.id], { timeout: 120_000 });
      expect(ck.status, describeResult(ck)).toBe(0);
      await breathe();
      const c = holder('console-b');
      const rs = run(['restore', '-d', '--console-socket', c.sock, '--image-path', img, '--bundle', b.dir, b.id], { timeout: 120_000 });
      expect(rs.status, describeResult(rs)).toBe(0);
      await breathe();
      expect(waitFor(() => fs.existsSync(`${c.out}.got`), 20_000)).toBe(true);
      expect(typed(c, 'echo after-$((40+3))', 'after-43')).toBe(true);
      ok(run(['delete', '--force', b.id]));
    });

    it('--pre-dump, then a dump with --parent-path, restores', async () => {
      const { b } = counterBundle();
      const started = runWithPipes(['run', '-d', '--bundle', b.dir, b.id]);
      expect(await started.done, started.out()).toBe(0);
      const pre = hostFile('pre');
      const img = hostFile('img');
      const p = run(['checkpoint', '--pre-dump', '--image-path', pre, b.id], { timeout: 120_000 });
      expect(p.status, describeResult(p)).toBe(0);
      await breathe();
      expect(state(b.id).status).toBe('running');
      const d = run(['checkpoint', '--parent-path', path.relative(img, pre), '--image-path', img, b.id], { timeout: 120_000 });
      expect(d.status, describeResult(d)).toBe(0);
      await breathe();
      const rs = runWithPipes(['restore', '-d', '--image-path', img, '--bundle', b.dir, b.id]);
      expect(await rs.done, rs.out()).toBe(0);
      const first = count(b.id);
      expect(waitFor(() => count(b.id) > first, 10_000)).toBe(true);
    });
  });
} else {
  describeRoot('checkpoint and restore (criu cannot run on this host)', () => {
    it('checkpoint fails with criu\'s reason and the container keeps running, untouched', async () => {
      const { b } = counterBundle();
      const started = runWithPipes(['run', '-d', '--bundle', b.dir, b.id]);
      expect(await started.done, started.out()).toBe(0);
      const img = hostFile('img');
      const ck = run(['checkpoint', '--image-path', img, b.id]);
      expect(ck.status, describeResult(ck)).not.toBe(0);
      expect(ck.stderr).toMatch(/criu/);
      expect(state(b.id).status).toBe('running');
      const before = count(b.id);
      expect(waitFor(() => count(b.id) > before, 10_000)).toBe(true);
    });

    it('restore fails with the reason and leaves no state dir, cgroup, mount or process behind', () => {
      const { b } = counterBundle();
      const img = hostFile('img');
      fs.mkdirSync(img);
      fs.writeFileSync(path.join(img, 'descriptors.json'), JSON.stringify(['pipe:[1]', 'pipe:[2]', 'pipe:[3]']));
      const r = run(['restore', '-d', '--image-path', img, '--bundle', b.dir, b.id]);
      expect(r.status, describeResult(r)).not.toBe(0);
      expect(r.stderr).toMatch(/criu/);
      expectNothingLeftBehind({ id: b.id, bundle: b.dir });
    });
  });
}
