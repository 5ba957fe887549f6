/**
 * Terminals: process.terminal with --console-socket (the pty master arrives as containerd's and
 * conmon's receivers expect it: one SCM_RIGHTS message, data "/dev/ptmx"), `exec -t` and `run`
 * with a terminal in a real pty (util-linux `script`), consoleSize, /dev/console, and the
 * refusals when there is no way to hand the master over.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import {
  createContainer,
  createOk,
  describeResult,
  describeRoot,
  expectNothingLeftBehind,
  hostFile,
  leftovers,
  makeBundle,
  ok,
  run,
  runtime,
  stateRoot,
  track,
  waitForStatus,
  type ConfigPatch,
  type Created,
} from '../support/bundle';
import { HAVE_PYTHON, receiver } from '../support/console';

const HAVE_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAVE_PYTHON) console.warn('[hezi integration] console socket tests SKIPPED: no python3 >= 3.9 (socket.recv_fds)');
if (!HAVE_SCRIPT) console.warn('[hezi integration] real-pty tests SKIPPED: no util-linux `script`');

/** Run `command` (a shell line) in a real pty of `rows` x `cols` with util-linux script; its exit status comes back (-e). */
function inPty(command: string, opts: { rows?: number; cols?: number; input?: string } = {}): { status: number | null; output: string } {
  const line = `stty rows ${opts.rows ?? 20} cols ${opts.cols ?? 70}; ${command}`;
  const r = spawnSync('script', ['-qec', line, '/dev/null'], {
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 20_000,
    killSignal: 'SIGKILL',
  });
  // the pty turns \n into \r\n; busybox stty makes the terminal echo a NUL as "^@" (with runc too)
  return { status: r.status, output: (r.stdout ?? '').replace(/\r|\^@|\0/g, '') };
}

const rt = (args: string) => `${runtime()} --root ${stateRoot()} ${args}`;
const withTerminal = (extra: ConfigPatch = {}): ConfigPatch => (spec) => {
  spec.process.terminal = true;
  if (typeof extra === 'function') extra(spec);
  else Object.assign(spec.process, (extra as Record<string, unknown>)['process'] ?? {});
};

function started(patch?: ConfigPatch): Created {
  const c = createOk(patch, ['sleep', '1000']);
  ok(run(['start', c.id]));
  waitForStatus(c.id, 'running');
  return c;
}

describeRoot('terminal', () => {
  it.skipIf(!HAVE_SCRIPT)('exec -t in a real pty: a pty of the container with the caller\'s size, output and exit code come back', () => {
    const c = started();
    const r = inPty(rt(`exec -t ${c.id} sh -c 'tty; stty size; echo "[$TERM]"; exit 5'`), { rows: 21, cols: 71 });
    expect(r.status, r.output).toBe(5);
    const lines = r.output.split('\n');
    expect(lines[0]).toMatch(/^\/dev\/pts\/\d+$/);
    expect(lines).toContain('21 71');
    expect(lines).toContain('[xterm]');
  });

  it('exec -t follows the caller\'s window size: a resize of hezi\'s terminal (SIGWINCH) reaches the container\'s pty', () => {
    const c = started();
    const helper = path.join(__dirname, '..', 'support', 'pty-resize.py');
    const script = 'trap "stty size; exit 3" WINCH; stty size; echo READY; while :; do sleep 0.1; done';
    const r = spawnSync('python3', [helper, '24', '80', '33', '101', '--', runtime(), '--root', stateRoot(), 'exec', '-t', c.id, 'sh', '-c', script], {
      encoding: 'utf8',
      timeout: 25_000,
    });
    const res = JSON.parse(r.stdout) as { status: number; output: string };
    const lines = res.output.replace(/\r/g, '').split('\n');
    expect(lines, res.output).toContain('24 80');
    expect(lines, res.output).toContain('33 101');
    expect(res.status, res.output).toBe(3);
  });

  it.skipIf(!HAVE_SCRIPT)('exec -t: what is typed reaches the process through the pty', () => {
    const c = started();
    const r = inPty(rt(`exec -t ${c.id} sh`), { input: 'echo typed-$((1+2))\nexit 3\n' });
    expect(r.status, r.output).toBe(3);
    expect(r.output).toContain('typed-3');
  });

  it.skipIf(!HAVE_SCRIPT)('exec -t --user: the pty belongs to the process user', () => {
    const c = started();
    const r = inPty(rt(`exec -t -u 1000 ${c.id} sh -c 'stat -c %u $(tty); id -u'`));
    expect(r.status, r.output).toBe(0);
    expect(r.output.split('\n').slice(0, 2)).toEqual(['1000', '1000']);
  });

  it.skipIf(!HAVE_SCRIPT)('run with a terminal in a real pty: output, /dev/console and the exit code come back', () => {
    const bundle = makeBundle((spec) => {
      spec.process.terminal = true;
      spec.process.args = ['sh', '-c', 'tty; stty size; [ -c /dev/console ] && echo console-ok; exit 4'];
    });
    track(bundle.id);
    const r = inPty(rt(`run --bundle ${bundle.dir} ${bundle.id}`), { rows: 22, cols: 77 });
    expect(r.status, r.output).toBe(4);
    const lines = r.output.split('\n');
    expect(lines[0]).toMatch(/^\/dev\/pts\/\d+$/);
    expect(lines).toContain('22 77');
    expect(lines).toContain('console-ok');
    expect(leftovers({ id: bundle.id, bundle: bundle.dir })).toEqual([]);
  });

  it.skipIf(!HAVE_PYTHON)('create --console-socket: the master arrives as one SCM_RIGHTS message "/dev/ptmx", sized by consoleSize; the slave is stdio and /dev/console', () => {
    const recv = receiver(undefined, 'END');
    const bundle = makeBundle((spec) => {
      spec.process.terminal = true;
      spec.process.consoleSize = { height: 33, width: 99 };
      spec.process.args = ['sh', '-c', 'tty; stty size; [ -c /dev/console ] && echo console-ok; echo END; sleep 2'];
    });
    track(bundle.id);
    ok(run(['create', '--bundle', bundle.dir, '--console-socket', recv.sock, bundle.id]));
    ok(run(['start', bundle.id]));
    const got = recv.result();
    expect(got.error).toBe('');
    expect(got.payload).toBe('/dev/ptmx');
    expect(got.nfds).toBe(1);
    expect([got.rows, got.cols]).toEqual([33, 99]);
    const lines = got.output.replace(/\r/g, '').split('\n');
    expect(lines[0]).toMatch(/^\/dev\/pts\/\d+$/);
    expect(lines).toContain('33 99');
    expect(lines).toContain('console-ok');
  });

  it.skipIf(!HAVE_PYTHON)('exec --detach --tty --console-socket: the receiver drives a shell in the container', () => {
    const c = started();
    const recv = receiver('echo $((6*7))-END; tty', '42-END');
    const pidFile = hostFile('exec.pid');
    const r = run(['exec', '--detach', '--tty', '--console-socket', recv.sock, '--pid-file', pidFile, c.id, 'sh']);
    expect(r.status, describeResult(r)).toBe(0);
    expect(fs.readFileSync(pidFile, 'utf8')).toMatch(/^\d+$/);
    const got = recv.result();
    expect(got.error).toBe('');
    expect(got.payload).toBe('/dev/ptmx');
    expect(got.nfds).toBe(1);
    expect(got.output).toContain('42-END');
  });

  it('create with a terminal and no --console-socket fails before anything is made', () => {
    const c = createContainer(withTerminal(), ['true']);
    expect(c.result.status).not.toBe(0);
    expect(c.result.stderr).toMatch(/cannot allocate tty if \S+ will detach without setting console socket/);
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir });
  });

  it('run --detach with a terminal and no --console-socket fails before anything is made', () => {
    const bundle = makeBundle(withTerminal());
    track(bundle.id);
    const r = run(['run', '--detach', '--bundle', bundle.dir, bundle.id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/cannot allocate tty if \S+ will detach without setting console socket/);
    expectNothingLeftBehind({ id: bundle.id, bundle: bundle.dir });
  });

  it('exec: a console socket needs --tty and --detach, a detached --tty needs a console socket', () => {
    const c = started();
    const r1 = run(['exec', '--console-socket', '/nonexistent.sock', c.id, 'true']);
    expect(r1.status).not.toBe(0);
    expect(r1.stderr).toMatch(/cannot use console socket if \S+ will not detach or allocate tty/);
    const r2 = run(['exec', '--tty', '--console-socket', '/nonexistent.sock', c.id, 'true']);
    expect(r2.status).not.toBe(0);
    expect(r2.stderr).toMatch(/cannot use console socket if \S+ will not detach or allocate tty/);
    const r3 = run(['exec', '--tty', '--detach', c.id, 'true']);
    expect(r3.status).not.toBe(0);
    expect(r3.stderr).toMatch(/cannot allocate tty if \S+ will detach without setting console socket/);
  });
});
