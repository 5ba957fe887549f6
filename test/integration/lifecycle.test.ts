/**
 * The container lifecycle through the CLI: create, state, start, kill, delete, list, run,
 * pid files and exit statuses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import {
  createOk,
  describeResult,
  describeRoot,
  expectNothingLeftBehind,
  isAlive,
  makeBundle,
  newId,
  ok,
  runtime,
  stateRoot,
  procStartTime,
  run,
  runContainer,
  sharedDir,
  state,
  stateEntries,
  track,
  waitFor,
  waitForFile,
  waitForStatus,
} from '../support/bundle';
import { SIGNALS } from '../support/linux';

/** The keys of runc's state JSON, in runc's order (annotations only when the config has some). */
const STATE_KEYS = ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner'];

/** Without a pid namespace the shell is not pid 1, so it can kill itself with a signal. */
const noPidNs = (spec: Record<string, any>): void => {
  spec.linux.namespaces = spec.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid');
};

describeRoot('lifecycle', () => {
  it('create → created, start → running, exit → stopped, delete → gone', () => {
    const ctl = sharedDir();
    const before = Date.now();
    const c = createOk(ctl.patch, 'echo started; while [ ! -e /ctl/go ]; do sleep 0.05; done; echo done');

    // created: the state is complete and the user process has not run yet
    const s1 = state(c.id);
    expect(Object.keys(s1)).toEqual(STATE_KEYS);
    expect(s1).toMatchObject({
      id: c.id,
      pid: c.pid,
      status: 'created',
      bundle: c.bundle.dir,
      rootfs: c.bundle.rootfs,
      owner: '',
    });
    expect(s1.ociVersion).toBe(c.bundle.config.ociVersion);
    const created = Date.parse(s1.created);
    expect(s1.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(created).toBeGreaterThanOrEqual(before - 2_000);
    expect(created).toBeLessThanOrEqual(Date.now() + 2_000);
    expect(isAlive(c.pid)).toBe(true);
    expect(fs.readFileSync(c.stdoutFile, 'utf8')).toBe('');

    // start: running, same pid, the process runs
    ok(run(['start', c.id]));
    expect(waitForFile(c.stdoutFile)).toBe('started\n');
    const s2 = state(c.id);
    expect(s2).toMatchObject({ id: c.id, pid: c.pid, status: 'running', created: s1.created });

    // the process exits: stopped, pid 0
    fs.writeFileSync(path.join(ctl.host, 'go'), '');
    const s3 = waitForStatus(c.id, 'stopped');
    expect(s3).toMatchObject({ id: c.id, pid: 0, status: 'stopped', bundle: c.bundle.dir, created: s1.created });
    expect(fs.readFileSync(c.stdoutFile, 'utf8')).toBe('started\ndone\n');
    expect(waitFor(() => !isAlive(c.pid, c.startTime))).toBe(true);

    // delete: gone
    ok(run(['delete', c.id]));
    const r = run(['state', c.id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('container does not exist');
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [c], emptyRoot: true });
  });

  it('--pid-file holds the init pid in decimal without a trailing newline', () => {
    const c = createOk(undefined, 'sleep 100');
    const raw = fs.readFileSync(path.join(c.bundle.dir, 'container.pid'), 'utf8');
    expect(raw).toMatch(/^[1-9]\d*$/);
    expect(Number(raw)).toBe(state(c.id).pid);
    // the pid is a live process in the container's namespaces, not the runtime's
    expect(fs.readlinkSync(`/proc/${raw}/ns/pid`)).not.toBe(fs.readlinkSync('/proc/self/ns/pid'));
  });

  it('--pid-file may be relative to the cwd of the runtime', () => {
    const b = makeBundle((s) => (s.process.args = ['sleep', '100']));
    track(b.id);
    ok(run(['create', '--bundle', b.dir, '--pid-file', 'rel.pid', b.id], { cwd: b.dir }));
    expect(fs.readFileSync(path.join(b.dir, 'rel.pid'), 'utf8')).toBe(String(state(b.id).pid));
  });

  it('the bundle defaults to the cwd of the runtime', () => {
    const b = makeBundle((s) => (s.process.args = ['sleep', '100']));
    track(b.id);
    ok(run(['create', b.id], { cwd: b.dir }));
    expect(state(b.id)).toMatchObject({ bundle: b.dir, rootfs: b.rootfs, status: 'created' });
  });

  it('list, list -q and list --format json show every container with its status', () => {
    const a = createOk(undefined, 'sleep 100');
    const b = createOk(undefined, 'sleep 100');
    ok(run(['start', b.id]));
    waitForStatus(b.id, 'running');

    const table = ok(run(['list'])).stdout.trimEnd().split('\n');
    expect(table[0]!.split(/\s+/)).toEqual(['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']);
    const rows = table.slice(1).map((l) => l.split(/\s+/));
    expect(rows.map((r) => r[0]).sort()).toEqual([a.id, b.id].sort());
    for (const [c, status] of [
      [a, 'created'],
      [b, 'running'],
    ] as const) {
      const row = rows.find((r) => r[0] === c.id)!;
      expect(row.slice(0, 4)).toEqual([c.id, String(c.pid), status, c.bundle.dir]);
      expect(row[4]).toBe(state(c.id).created);
      expect(row[5]).toBe('root');
    }

    const quiet = ok(run(['list', '-q'])).stdout;
    expect(quiet.split('\n').filter(Boolean).sort()).toEqual([a.id, b.id].sort());
    expect(quiet.endsWith('\n')).toBe(true);

    const json = JSON.parse(ok(run(['list', '--format', 'json'])).stdout) as Record<string, unknown>[];
    expect(json).toHaveLength(2);
    for (const [c, status] of [
      [a, 'created'],
      [b, 'running'],
    ] as const) {
      const e = json.find((x) => x.id === c.id)!;
      expect(Object.keys(e)).toEqual(STATE_KEYS);
      expect(e).toMatchObject({ id: c.id, pid: c.pid, status, bundle: c.bundle.dir, rootfs: c.bundle.rootfs, owner: 'root' });
    }
  });

  it('list with no containers prints only the header, nothing with -q, and no entries as JSON', () => {
    expect(stateEntries()).toEqual([]);
    expect(ok(run(['list'])).stdout.trim().split(/\s+/)).toEqual(['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']);
    expect(ok(run(['list', '-q'])).stdout).toBe('');
    // runc prints `null` (a nil Go slice), and so does hezi, byte for byte
    const json = JSON.parse(ok(run(['list', '--format', 'json'])).stdout) as unknown;
    expect(json).toBeNull();
  });

  it('delete of a running container fails without --force and succeeds with it', () => {
    const c = createOk(undefined, 'sleep 100');
    ok(run(['start', c.id]));
    waitForStatus(c.id, 'running');

    const r = run(['delete', c.id]);
    expect(r.status, describeResult(r)).not.toBe(0);
    expect(r.stderr).toMatch(/running/);
    expect(state(c.id).status).toBe('running');
    expect(isAlive(c.pid, c.startTime)).toBe(true);

    ok(run(['delete', '--force', c.id]));
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [c], emptyRoot: true });
  });

  it('delete --force of a created container kills its init', () => {
    const c = createOk(undefined, 'sleep 100');
    ok(run(['delete', '-f', c.id]));
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [c], emptyRoot: true });
  });

  it('delete of a created container without --force succeeds and kills its init (as runc does)', () => {
    const c = createOk(undefined, 'sleep 100');
    ok(run(['delete', c.id]));
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [c], emptyRoot: true });
  });

  it('start of a running container fails and leaves it running', () => {
    const c = createOk(undefined, 'sleep 100');
    ok(run(['start', c.id]));
    const r = run(['start', c.id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('cannot start an already running container');
    expect(state(c.id).status).toBe('running');
    expect(isAlive(c.pid, c.startTime)).toBe(true);
  });

  it('start of a stopped container fails', () => {
    const c = createOk(undefined, 'true');
    ok(run(['start', c.id]));
    waitForStatus(c.id, 'stopped');
    const r = run(['start', c.id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('cannot start a container that has stopped');
  });

  it('create with an id that exists fails and leaves the first container alone', () => {
    const c = createOk(undefined, 'sleep 100');
    const b = makeBundle((s) => (s.process.args = ['true']), newId());
    const r = run(['create', '--bundle', b.dir, c.id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/exists/);
    expect(state(c.id)).toMatchObject({ status: 'created', pid: c.pid, bundle: c.bundle.dir });
  });

  for (const sig of ['KILL', 'SIGKILL', '9']) {
    it(`kill <created container> ${sig} stops it`, () => {
      const c = createOk(undefined, 'sleep 100');
      ok(run(['kill', c.id, sig]));
      waitForStatus(c.id, 'stopped');
      expect(waitFor(() => !isAlive(c.pid, c.startTime))).toBe(true);
      ok(run(['delete', c.id]));
      expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [c] });
    });
  }

  for (const sig of ['USR1', 'SIGUSR1', '10']) {
    it(`kill <running container> ${sig} delivers SIGUSR1`, () => {
      const c = createOk(undefined, "trap 'echo got-USR1' USR1; trap 'echo got-TERM' TERM; echo ready; while :; do sleep 0.05; done");
      ok(run(['start', c.id]));
      expect(waitForFile(c.stdoutFile)).toBe('ready\n');
      ok(run(['kill', c.id, sig]));
      expect(waitFor(() => fs.readFileSync(c.stdoutFile, 'utf8').includes('got-'))).toBe(true);
      expect(fs.readFileSync(c.stdoutFile, 'utf8')).toBe('ready\ngot-USR1\n');
      expect(state(c.id).status).toBe('running');
    });
  }

  it('kill without a signal sends SIGTERM', () => {
    const c = createOk(undefined, "trap 'echo got-USR1' USR1; trap 'echo got-TERM; exit 0' TERM; echo ready; while :; do sleep 0.05; done");
    ok(run(['start', c.id]));
    expect(waitForFile(c.stdoutFile)).toBe('ready\n');
    ok(run(['kill', c.id]));
    waitForStatus(c.id, 'stopped');
    expect(fs.readFileSync(c.stdoutFile, 'utf8')).toBe('ready\ngot-TERM\n');
  });

  it('kill with an unknown signal fails and the container keeps running', () => {
    const c = createOk(undefined, 'sleep 100');
    ok(run(['start', c.id]));
    const r = run(['kill', c.id, 'SIGFOO']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/SIGFOO/);
    expect(state(c.id).status).toBe('running');
  });

  it('kill of a stopped container fails with "container not running"', () => {
    const c = createOk(undefined, 'true');
    ok(run(['start', c.id]));
    waitForStatus(c.id, 'stopped');
    const r = run(['kill', c.id, 'KILL']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('container not running');
  });

  it('run returns the exit status of the process and cleans up', () => {
    expect(runContainer(undefined, 'exit 3').status).toBe(3);
    expect(runContainer(undefined, 'exit 0').status).toBe(0);
    expect(runContainer(undefined, 'exit 255').status).toBe(255);
  });

  it('start right after create never mistakes the init\'s not-yet-open fifo for a started container (200 runs of true, two at a time)', async () => {
    // the init sends READY just before it opens exec.fifo for writing: a start in that window
    // read EOF and said "cannot start an already running container" (2 in 200 here before the fix)
    const bundle = makeBundle((spec) => {
      spec.process!.args = ['true'];
    });
    const { spawn } = await import('node:child_process');
    const one = (id: string) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        track(id);
        const p = spawn(runtime(), ['--root', stateRoot(), 'run', '--bundle', bundle.dir, id], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('close', (code) => resolve({ code, err }));
      });
    const failures: string[] = [];
    const loop = async (tag: string) => {
      for (let i = 0; i < 100; i++) {
        const r = await one(newId(`race-${tag}`));
        if (r.code !== 0) failures.push(`exit ${r.code}: ${r.err.trim()}`);
      }
    };
    await Promise.all([loop('a'), loop('b')]);
    expect(failures).toEqual([]);
    expect(stateEntries()).toEqual([]);
  }, 120_000);

  it('run of a process killed by a signal exits 128+signal', () => {
    // pid 1 of a pid namespace cannot be killed from inside, so this one has no pid namespace
    expect(runContainer(noPidNs, 'kill -KILL $$').status).toBe(128 + SIGNALS.SIGKILL!);
    expect(runContainer(noPidNs, 'kill -TERM $$').status).toBe(128 + SIGNALS.SIGTERM!);
    expect(runContainer(noPidNs, 'kill -USR1 $$').status).toBe(128 + SIGNALS.SIGUSR1!);
  });

  it('run passes stdin, stdout and stderr through', () => {
    const r = runContainer(undefined, 'cat; echo to-err >&2', { input: 'from-stdin\n' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('from-stdin\n');
    expect(r.stderr).toBe('to-err\n');
  });

  it('run --detach returns while the container runs; kill and delete clean up', () => {
    const b = makeBundle((s) => (s.process.args = ['sleep', '100']));
    track(b.id);
    const pidFile = path.join(b.dir, 'pid');
    const r = ok(run(['run', '--detach', '--bundle', b.dir, '--pid-file', pidFile, b.id], { timeout: 10_000 }));
    expect(r.stdout).toBe('');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const startTime = procStartTime(pid);
    expect(state(b.id)).toMatchObject({ status: 'running', pid });
    expect(isAlive(pid, startTime)).toBe(true);
    ok(run(['kill', b.id, '9']));
    waitForStatus(b.id, 'stopped');
    ok(run(['delete', b.id]));
    expectNothingLeftBehind({ id: b.id, bundle: b.dir, pids: [{ pid, startTime }], emptyRoot: true });
  });

  it('a container whose process exits on its own is stopped, and its processes are gone', () => {
    const c = createOk(noPidNs, 'sleep 100 & echo $! > /dev/shm/child; exit 0');
    ok(run(['start', c.id]));
    waitForStatus(c.id, 'stopped');
    ok(run(['delete', c.id]));
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [c], emptyRoot: true });
  });
});
