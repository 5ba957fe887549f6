/**
 * Hooks: when each kind runs, where, with what on stdin, args and env; a failing or hanging
 * hook fails the container and leaves nothing behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import {
  createContainer,
  createOk,
  describeResult,
  describeRoot,
  expectNothingLeftBehind,
  itRuncFails,
  namespacesOf,
  ok,
  run,
  sharedDir,
  waitForStatus,
  type SharedDir,
  type Spec,
} from '../support/bundle';

/**
 * A hook that appends its name to <dir>/log and saves its stdin to <dir>/<name>.json.
 * `inside`: the hook runs in the container's filesystem, where the shared dir is d.inside.
 */
function recorder(d: SharedDir, name: string, inside = false, extra = ''): Spec {
  const dir = inside ? d.inside : d.host;
  return { path: '/bin/sh', args: ['sh', '-c', `echo ${name} >> ${dir}/log; cat > ${dir}/${name}.json; ${extra}`] };
}

function logOf(d: SharedDir): string[] {
  try {
    return fs.readFileSync(path.join(d.host, 'log'), 'utf8').trim().split('\n');
  } catch {
    return [];
  }
}

function stdinOf(d: SharedDir, name: string): Spec {
  return JSON.parse(fs.readFileSync(path.join(d.host, `${name}.json`), 'utf8')) as Spec;
}

/** All six kinds of hooks recording into d; the container appends "main" to the log. */
function allHooks(d: SharedDir): (spec: Spec) => void {
  return (spec) => {
    d.patch(spec);
    spec.hooks = {
      prestart: [recorder(d, 'prestart')],
      createRuntime: [recorder(d, 'createRuntime')],
      createContainer: [recorder(d, 'createContainer')],
      startContainer: [recorder(d, 'startContainer', true, `hostname > ${d.inside}/startContainer.hostname; readlink /proc/self/ns/mnt > ${d.inside}/startContainer.mnt`)],
      poststart: [recorder(d, 'poststart')],
      poststop: [recorder(d, 'poststop')],
    };
  };
}

describeRoot('hooks', () => {
  it('prestart, createRuntime, createContainer run during create, in order, with the state on stdin', () => {
    const d = sharedDir();
    const c = createOk(allHooks(d), 'echo main >> /ctl/log');
    const log = logOf(d);
    expect(log.slice(0, 3)).toEqual(['prestart', 'createRuntime', 'createContainer']);
    expect(log).not.toContain('startContainer');
    expect(log).not.toContain('main');

    for (const name of ['prestart', 'createRuntime', 'createContainer']) {
      const s = stdinOf(d, name);
      expect(s, name).toMatchObject({ ociVersion: c.bundle.config.ociVersion, id: c.id, bundle: c.bundle.dir });
      if (name !== 'prestart') expect(s.status, name).toBe('creating');
      expect(Number.isInteger(s.pid) && s.pid > 0, `${name}: pid`).toBe(true);
    }
    // hooks in the runtime namespace see the init's host pid
    expect(stdinOf(d, 'prestart').pid).toBe(c.pid);
    expect(stdinOf(d, 'createRuntime').pid).toBe(c.pid);
  });

  itRuncFails('runc 1.1 passes "creating"', 'prestart hooks see status "created" (runtime.md: created is "after step 2", prestart is step 3; crun does the same)', () => {
    const d = sharedDir();
    createOk(allHooks(d), 'true');
    expect(stdinOf(d, 'prestart').status).toBe('created');
  });

  it('startContainer runs at start, inside the container, before the process; poststop runs at delete', () => {
    const d = sharedDir();
    const c = createOk(allHooks(d), 'echo main >> /ctl/log');
    ok(run(['start', c.id]));
    waitForStatus(c.id, 'stopped');
    const log = logOf(d);
    expect(log.indexOf('createContainer')).toBeLessThan(log.indexOf('startContainer'));
    expect(log.indexOf('startContainer')).toBeLessThan(log.indexOf('main'));
    expect(log).toContain('poststart');
    expect(log).not.toContain('poststop');

    // inside: the container's hostname and mount namespace
    expect(fs.readFileSync(path.join(d.host, 'startContainer.hostname'), 'utf8')).toBe(`${c.bundle.config.hostname}\n`);
    expect(fs.readFileSync(path.join(d.host, 'startContainer.mnt'), 'utf8').trim()).not.toBe(namespacesOf('self').mnt);
    expect(stdinOf(d, 'startContainer')).toMatchObject({ id: c.id, bundle: c.bundle.dir });
    expect(['created', 'running']).toContain(stdinOf(d, 'poststart').status);
    expect(stdinOf(d, 'poststart')).toMatchObject({ id: c.id, pid: c.pid, bundle: c.bundle.dir });

    ok(run(['delete', c.id]));
    expect(logOf(d).slice(-1)).toEqual(['poststop']);
    expect(stdinOf(d, 'poststop')).toMatchObject({ id: c.id, status: 'stopped', bundle: c.bundle.dir });
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [c], emptyRoot: true });
  });

  itRuncFails('runc < 1.2 runs poststart hooks at create', 'poststart runs at start, not at create', () => {
    const d = sharedDir();
    const c = createOk(allHooks(d), 'echo main >> /ctl/log; sleep 100');
    expect(logOf(d)).not.toContain('poststart');
    ok(run(['start', c.id]));
    expect(logOf(d)).toContain('poststart');
    expect(stdinOf(d, 'poststart')).toMatchObject({ id: c.id, pid: c.pid, status: 'running' });
  });

  it('hooks get their args (args[0] is argv[0]) and exactly their env, not the runtime\'s', () => {
    const d = sharedDir();
    const hook = {
      path: '/bin/sh',
      args: ['hook-argv0', '-c', `echo "$(head -c 10 /proc/$$/cmdline)|$0|$1|$FOO|$BAR|\${HEZI_LEAK:-unset}" > ${d.host}/args`, 'zero', 'one'],
      env: ['FOO=foo', 'BAR=bar baz'],
    };
    createOk((spec) => (spec.hooks = { prestart: [hook] }), 'true', { env: { ...process.env, HEZI_LEAK: 'leaked' } });
    expect(fs.readFileSync(path.join(d.host, 'args'), 'utf8')).toBe('hook-argv0|zero|one|foo|bar baz|unset\n');
  });

  for (const kind of ['prestart', 'createRuntime', 'createContainer']) {
    it(`a failing ${kind} hook fails create, runs poststop, and leaves nothing behind`, () => {
      const d = sharedDir();
      const c = createContainer(
        (spec) => {
          spec.hooks = {
            [kind]: [{ path: '/bin/sh', args: ['sh', '-c', 'echo hook-said-no >&2; exit 7'] }],
            poststop: [recorder(d, 'poststop')],
          };
        },
        'echo started',
      );
      expect(c.result.status, describeResult(c.result)).not.toBe(0);
      expect(c.result.stderr).toMatch(/hook/);
      expect(fs.readFileSync(c.stdoutFile, 'utf8')).toBe('');
      const st = run(['state', c.id]);
      expect(st.stderr).toContain('container does not exist');
      expect(logOf(d)).toEqual(['poststop']);
      expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, emptyRoot: true });
    });
  }

  it('a hook that outlives its timeout is killed and fails create', () => {
    const started = Date.now();
    const c = createContainer({ hooks: { prestart: [{ path: '/bin/sleep', args: ['sleep', '20'], timeout: 1 }] } }, 'echo started');
    expect(c.result.status, describeResult(c.result)).not.toBe(0);
    expect(c.result.stderr).toMatch(/timeout|timed out/i);
    expect(Date.now() - started).toBeLessThan(10_000);
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, emptyRoot: true });
  });

  it('a failing poststop hook does not stop delete from removing the container', () => {
    const c = createOk({ hooks: { poststop: [{ path: '/bin/false' }] } }, 'sleep 100');
    const r = run(['delete', '--force', c.id]);
    expect(r.status, describeResult(r)).toBe(0);
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [c], emptyRoot: true });
  });
});
