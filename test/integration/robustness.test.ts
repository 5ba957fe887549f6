/**
 * Crash safety, races, errors and churn (the failure model in README):
 * - hezi SIGKILLed at every numbered point of create and exec (HEZI_FAULT_KILL_AT, src/runtime/
 *   fault.ts), then `delete --force`: nothing is left (state dir, cgroups in every hierarchy,
 *   mounts, processes), and a half-created container is never reported created or running;
 * - the errors runc words as one line, which hezi once printed as stack traces or not at all;
 * - racing commands on one id, parallel lifecycles, a long churn that must not grow mounts,
 *   cgroups, fds or state entries, and a property-based fuzz of config.json.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  baseConfig,
  createContainer,
  createOk,
  describeResult,
  describeRoot,
  expectNothingLeftBehind,
  leftovers,
  makeBundle,
  mountsUnder,
  newId,
  ok,
  run,
  runtime,
  state,
  stateEntries,
  stateRoot,
  track,
  waitForStatus,
  work,
  type Spec,
} from '../support/bundle';

/** the numbered points of create (src/runtime/create.ts) and the sync tags it answers (src/plan/ops.ts) */
const CREATE_POINTS = ['create:dir', 'create:recorded', 'create:cgroups', 'create:spawned', 'create:sync-4', 'create:joined', 'create:pid', 'create:ready', 'create:recorded-created'];
const USERNS_POINTS = ['create:sync-1'];
const HOOK_POINTS = ['create:sync-2'];
const EXEC_POINTS = ['exec:spawned', 'exec:cgroup', 'exec:pid', 'exec:ready'];

const faultEnv = (point: string): NodeJS.ProcessEnv => ({ ...process.env, HEZI_FAULT_KILL_AT: point });

/** one error line in runc's text format and nothing else (but warnings, where `warnings` allows them) */
function expectOneErrorLine(stderr: string, what: string, warnings = false): string {
  const lines = stderr.split('\n').filter((l) => l && !(warnings && /^time="[^"]+" level=warning msg=".+"$/.test(l)));
  expect(lines, `${what}: stderr is one line`).toHaveLength(1);
  expect(lines[0], what).toMatch(/^time="[^"]+" level=error msg=".+"$/);
  expect(stderr, `${what}: no stack trace`).not.toMatch(/\n\s+at |Error: /);
  return lines[0]!;
}

function expectKilled(r: ReturnType<typeof run>): void {
  expect(r.signal, `hezi should have been SIGKILLed at the fault point\n${describeResult(r)}`).toBe('SIGKILL');
}

describeRoot('robustness', () => {
  for (const point of [...CREATE_POINTS, ...USERNS_POINTS, ...HOOK_POINTS]) {
    it(`create SIGKILLed at ${point}: never listed as created or running; delete --force leaves nothing`, () => {
      const hookLog = path.join(work(), `hook-${newId()}`);
      const patch = (spec: Spec): void => {
        if (USERNS_POINTS.includes(point)) {
          spec.linux.namespaces.push({ type: 'user' });
          spec.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          spec.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        }
        if (HOOK_POINTS.includes(point)) spec.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `echo ran >> ${hookLog}`] }] };
      };
      const c = createContainer(patch, ['sleep', '1000'], { env: faultEnv(point) });
      expectKilled(c.result);
      // whatever is listed is "creating" (or already stopped), never created/running
      const listed = run(['list', '--format', 'json']);
      ok(listed);
      const entry = ((JSON.parse(listed.stdout) ?? []) as Array<{ id: string; status: string }>).find((x) => x.id === c.id);
      if (point === 'create:recorded-created') expect(entry?.status).toBe('created');
      else if (entry) expect(['creating', 'stopped']).toContain(entry.status);
      const st = run(['state', c.id]);
      if (st.status === 0 && point !== 'create:recorded-created') expect(['creating', 'stopped']).toContain(JSON.parse(st.stdout).status);
      // a later start must not run the process of a half-made container
      if (point !== 'create:recorded-created') expect(run(['start', c.id]).status).not.toBe(0);
      ok(run(['delete', '--force', c.id]));
      expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir });
    });
  }

  for (const point of EXEC_POINTS) {
    it(`exec SIGKILLed at ${point}: the container stays usable and delete --force leaves nothing`, () => {
      const c = createOk(undefined, ['sleep', '1000']);
      ok(run(['start', c.id]));
      waitForStatus(c.id, 'running');
      expectKilled(run(['exec', c.id, 'sleep', '1000'], { env: faultEnv(point) }));
      expect(state(c.id).status).toBe('running');
      expect(ok(run(['exec', c.id, 'echo', 'still-there'])).stdout).toBe('still-there\n');
      ok(run(['delete', '--force', c.id]));
      expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [{ pid: c.pid, startTime: c.startTime }] });
    });
  }

  it('delete --force is not blocked by a container holding fds it was passed (--preserve-fds larger than what was given)', () => {
    const id = newId();
    const bundle = makeBundle((spec) => {
      spec.process.args = ['sleep', '1000'];
    }, id);
    track(id);
    // the caller passes nothing above stdio, but claims 30
    ok(run(['run', '--detach', '--preserve-fds', '30', '--bundle', bundle.dir, id], { timeout: 15_000 }));
    const t0 = Date.now();
    const r = run(['delete', '--force', id], { timeout: 15_000 });
    expect(r.status, describeResult(r)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expectNothingLeftBehind({ id, bundle: bundle.dir });
  });

  // ---- errors: one line, runc's wording, non-zero exit ----------------------------------------

  it('an id of 300 characters: one error line, nothing made', () => {
    const b = makeBundle();
    const id = 'a'.repeat(300);
    const r = run(['create', '--bundle', b.dir, id]);
    expect(r.status).toBe(1);
    expect(expectOneErrorLine(r.stderr, 'long id')).toContain('file name too long');
    expect(stateEntries()).toEqual([]);
  });

  it('create --pid-file in a missing directory: one error line, the container is gone', () => {
    const b = makeBundle();
    track(b.id);
    const r = run(['create', '--bundle', b.dir, '--pid-file', '/missing/dir/p', b.id]);
    expect(r.status).toBe(1);
    expect(expectOneErrorLine(r.stderr, 'pid file')).toMatch(/\/missing\/dir\/.*: no such file or directory/);
    expectNothingLeftBehind({ id: b.id, bundle: b.dir });
  });

  it('exec --pid-file in a missing directory: one error line', () => {
    const c = createOk(undefined, ['sleep', '1000']);
    ok(run(['start', c.id]));
    const r = run(['exec', '--pid-file', '/missing/dir/p', c.id, 'true']);
    expect(r.status).not.toBe(0);
    expect(expectOneErrorLine(r.stderr, 'exec pid file')).toMatch(/\/missing\/dir\/.*: no such file or directory/);
  });

  it('--root pointing at a file: one error line', () => {
    const file = path.join(work(), `not-a-dir-${newId()}`);
    fs.writeFileSync(file, '');
    const b = makeBundle();
    const r = run(['create', '--bundle', b.dir, b.id], { root: file });
    expect(r.status).toBe(1);
    expect(expectOneErrorLine(r.stderr, '--root file')).toContain(`mkdir ${file}: not a directory`);
    const l = run(['list'], { root: file });
    expect(l.status).toBe(1);
    expect(expectOneErrorLine(l.stderr, 'list --root file')).toContain('not a directory');
  });

  it('--log in a missing directory fails (as runc) instead of logging nothing', () => {
    const r = run(['--log', '/missing/dir/log', 'list']);
    expect(r.status).toBe(1);
    expect(expectOneErrorLine(r.stderr, '--log')).toContain('open /missing/dir/log: no such file or directory');
  });

  it('list shows only containers: not every directory under the root', () => {
    const root = path.join(work(), `fake-root-${newId()}`);
    for (const d of ['attr', 'fd', 'ns', '.hidden']) fs.mkdirSync(path.join(root, d), { recursive: true });
    const r = ok(run(['list', '--format', 'json'], { root }));
    expect(JSON.parse(r.stdout)).toBeNull();
    const q = ok(run(['list', '-q'], { root: '/proc/1' }));
    expect(q.stdout).toBe('');
  });

  // ---- races -----------------------------------------------------------------------------------

  /**
   * The runtime as a child process, for commands at the same time. stderr goes to a file, never a
   * pipe: a container's init inherits it and would hold a pipe open long after the command exits.
   */
  let asyncCount = 0;
  function runAsync(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const errFile = path.join(work(), `.async-err-${process.pid}-${++asyncCount}`);
    const errFd = fs.openSync(errFile, 'w');
    return new Promise((resolve) => {
      const p = spawn(runtime(), ['--root', stateRoot(), ...args], { stdio: ['ignore', 'ignore', errFd] });
      fs.closeSync(errFd);
      p.on('exit', (code) => {
        const stderr = fs.readFileSync(errFile, 'utf8');
        fs.rmSync(errFile, { force: true });
        resolve({ code, stderr });
      });
    });
  }

  it('start, kill, delete, pause and exec racing on one id: one start wins, the others fail with runc\'s words', async () => {
    for (let round = 0; round < 5; round++) {
      const c = createOk(undefined, ['sleep', '1000']);
      const starts = await Promise.all([runAsync(['start', c.id]), runAsync(['start', c.id]), runAsync(['start', c.id])]);
      expect(starts.filter((r) => r.code === 0)).toHaveLength(1);
      for (const r of starts.filter((x) => x.code !== 0)) expect(r.stderr).toMatch(/cannot start an already running container|cannot start a container in the running state/);
      const mixed = await Promise.all([
        runAsync(['pause', c.id]),
        runAsync(['exec', c.id, 'true']),
        runAsync(['kill', c.id, 'KILL']),
        runAsync(['delete', '--force', c.id]),
        runAsync(['delete', '--force', c.id]),
      ]);
      for (const r of mixed) expect(r.stderr, 'no stack traces').not.toMatch(/\n\s+at /);
      // one of the deletes (or both: --force on a missing container succeeds) did it
      expect(mixed[3]!.code === 0 || mixed[4]!.code === 0).toBe(true);
      expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [{ pid: c.pid, startTime: c.startTime }] });
    }
  }, 120_000);

  it('50 lifecycles in parallel (different ids, one seccomp profile): every one is itself, nothing corrupt or left', async () => {
    const seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mknodat'], action: 'SCMP_ACT_ERRNO' }] };
    const bundles = Array.from({ length: 50 }, () => {
      const b = makeBundle((spec) => {
        spec.process.args = ['sh', '-c', 'echo $(hostname) > /tmp/name; sleep 1000'];
        spec.linux.seccomp = seccomp;
        spec.root.readonly = false;
      });
      track(b.id);
      return b;
    });
    const one = async (b: (typeof bundles)[number]): Promise<string> => {
      for (const args of [['create', '--bundle', b.dir, b.id], ['start', b.id], ['state', b.id]]) {
        const r = await runAsync(args);
        if (r.code !== 0) return `${args[0]} ${b.id}: ${r.stderr.trim()}`;
      }
      const st = JSON.parse(fs.readFileSync(path.join(stateRoot(), b.id, 'state.json'), 'utf8')) as { id: string; bundle: string };
      if (st.id !== b.id || st.bundle !== b.dir) return `state.json of ${b.id} is another's`;
      for (const args of [['kill', b.id, 'KILL']]) {
        const r = await runAsync(args);
        if (r.code !== 0) return `${args[0]} ${b.id}: ${r.stderr.trim()}`;
      }
      const d = await runAsync(['delete', '--force', b.id]);
      return d.code === 0 ? '' : `delete ${b.id}: ${d.stderr.trim()}`;
    };
    const errors = (await Promise.all(bundles.map(one))).filter(Boolean);
    expect(errors).toEqual([]);
    for (const b of bundles) expect(leftovers({ id: b.id, bundle: b.dir })).toEqual([]);
    expect(stateEntries().filter((e) => !e.startsWith('.'))).toEqual([]);
  }, 180_000);

  // ---- churn -------------------------------------------------------------------------------------

  it('churn: many run lifecycles do not grow mounts, cgroup dirs, the caller\'s fds or <root> entries', async () => {
    const n = Number(process.env.HEZI_CHURN ?? 1000);
    const b = makeBundle((spec) => {
      spec.process.args = ['true'];
    });
    const countFds = () => fs.readdirSync('/proc/self/fd').length;
    const mounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).length;
    const prefix = `churn-${newId()}`;
    const cgroupsOfChurn = () => ['cpu', 'memory', 'pids', 'devices', 'freezer', 'unified'].flatMap((ctrl) => {
      try {
        return fs.readdirSync(`/sys/fs/cgroup/${ctrl}`).filter((d) => d.startsWith(prefix));
      } catch {
        return [];
      }
    });
    const before = { fds: countFds(), mounts: mounts() };
    const failures: string[] = [];
    const loop = async (lane: number) => {
      for (let i = lane; i < n; i += 2) {
        const id = `${prefix}-${i}`;
        const r = await runAsync(['run', '--bundle', b.dir, id]);
        if (r.code !== 0) failures.push(`${id}: exit ${r.code}: ${r.stderr.trim()}`);
      }
    };
    await Promise.all([loop(0), loop(1)]);
    expect(failures).toEqual([]);
    expect(countFds()).toBe(before.fds);
    expect(mounts()).toBe(before.mounts);
    expect(cgroupsOfChurn()).toEqual([]);
    expect(mountsUnder(b.dir)).toEqual([]);
    expect(stateEntries().filter((e) => !e.startsWith('.'))).toEqual([]);
  }, 600_000);

  // ---- fuzz ----------------------------------------------------------------------------------------

  it('fuzzed config.json: a one-line error naming the JSON path (or a container), never a trace, nothing left', () => {
    const base = baseConfig();
    base.process.args = ['true'];
    const paths: Array<Array<string | number>> = [];
    const walk = (v: unknown, p: Array<string | number>, depth: number): void => {
      paths.push(p);
      if (depth > 5 || v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i], depth + 1));
      else for (const [k, x] of Object.entries(v)) walk(x, [...p, k], depth + 1);
    };
    walk(base, [], 0);
    const hostile = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.constantFrom(-1, 2 ** 53, 1e308, -1e308, 18446744073709551616, 0.5, '', '..', '../../../../etc/passwd', '/proc/self/exe', 'ä̈\u0000\u202e', 'x'.repeat(5000)),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.letrec((tie) => ({ deep: fc.oneof({ depthSize: 'small' }, fc.constant(1), fc.array(tie('deep'), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), tie('deep'), { maxKeys: 2 })) })).deep,
    );
    const bundle = makeBundle();
    let containers = 0;
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), hostile, (p, value) => {
        const cfg = structuredClone(base);
        let o: Record<string | number, unknown> = cfg;
        for (const seg of p.slice(0, -1)) o = o[seg] as Record<string | number, unknown>;
        o[p[p.length - 1]!] = value;
        fs.writeFileSync(bundle.configPath, JSON.stringify(cfg));
        const id = newId('fuzz');
        track(id);
        const r = run(['create', '--bundle', bundle.dir, id]);
        if (r.status === 0) {
          containers++;
          ok(run(['delete', '--force', id]));
        } else {
          expect(r.status, describeResult(r)).toBe(1);
          // config.md: unknown capabilities and the like are warnings before the error
          const line = expectOneErrorLine(r.stderr, `${p.join('.')} = ${JSON.stringify(value).slice(0, 80)}`, true);
          // the error names a JSON path: the changed one, or one the change made inconsistent
          // (an empty `linux` leaves `root.readonly` without its mount namespace)
          if (line.includes('invalid config:')) expect(line, 'the error names a JSON path').toMatch(/invalid config: (?:[A-Za-z_$][\w$]*|\[\d+\]|\["[^"]*"\])(?:\.[A-Za-z_$][\w$]*|\[\d+\]|\["[^"]*"\])*: /);
        }
        expect(leftovers({ id, bundle: bundle.dir })).toEqual([]);
      }),
      { numRuns: Number(process.env.HEZI_FUZZ_RUNS ?? 150), seed: Number(process.env.HEZI_FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    // some hostile values are still valid configs: those ran and were deleted above
    console.log(`[fuzz] ${containers} of the fuzzed configs made a container`);
  }, 300_000);
});
