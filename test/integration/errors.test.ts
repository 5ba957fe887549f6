/**
 * Errors and cleanup: every failure exits non-zero with a message that names the problem and
 * leaves nothing behind (no state dir, no process, no mount, no cgroup); --log and
 * --log-format json.
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
  hostFile,
  itRuncFails,
  makeBundle,
  newId,
  ok,
  run,
  runContainer,
  stateEntries,
  stateRoot,
  track,
  type ConfigPatch,
} from '../support/bundle';

/** Create with `patch`, expect failure, and check that nothing is left. Returns the result. */
function expectCreateFails(patch: ConfigPatch, cmd: string | string[] = 'echo started') {
  const c = createContainer(patch, cmd);
  expect(c.result.status, describeResult(c.result)).not.toBe(0);
  expect(c.result.status).not.toBeNull(); // failed, not hung
  expect(c.result.stderr.trim()).not.toBe('');
  expect(fs.readFileSync(c.stdoutFile, 'utf8')).toBe('');
  expect(run(['state', c.id]).stderr).toContain('container does not exist');
  expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, emptyRoot: true });
  return c.result;
}

const LOG_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

describeRoot('errors: invalid configs and bundles', () => {
  it('an unknown namespace type fails create, names the bad value, and leaves no state dir', () => {
    const r = expectCreateFails((spec) => spec.linux.namespaces.push({ type: 'pidd' }));
    expect(r.stderr).toContain('pidd');
    expect(stateEntries()).toEqual([]);
  });

  itRuncFails('its message names only the value', 'the error for an invalid config names the field (linux.namespaces)', () => {
    const r = expectCreateFails((spec) => spec.linux.namespaces.push({ type: 'pidd' }));
    expect(r.stderr).toMatch(/linux\.namespaces/);
  });

  const hostHasAppArmor = (() => {
    try {
      return fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
    } catch {
      return false;
    }
  })();
  (hostHasAppArmor ? it.skip : it)('an AppArmor profile on a host without AppArmor fails create (never silently dropped) [this host has no AppArmor]', () => {
    const r = expectCreateFails({ process: { apparmorProfile: 'docker-default' } });
    expect(r.stderr).toMatch(/apparmor|AppArmor/);
  });

  it('a missing executable fails at create (not at start) and leaves nothing behind', () => {
    const r = expectCreateFails(undefined, ['/nonexistent/binary']);
    expect(r.stderr).toContain('/nonexistent/binary');
  });

  it('an executable not in PATH fails at create and leaves nothing behind', () => {
    const r = expectCreateFails(undefined, ['no-such-command-hezi']);
    expect(r.stderr).toContain('no-such-command-hezi');
  });

  it('run with a missing executable fails and leaves nothing behind', () => {
    const r = runContainer(undefined, ['/nonexistent/binary'], { checkLeftovers: false });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('/nonexistent/binary');
    expectNothingLeftBehind({ id: r.id, bundle: r.bundle.dir, emptyRoot: true });
  });

  it('a bind mount whose source does not exist fails create cleanly', () => {
    const missing = path.join(hostFile('gone'), 'nothing-here');
    const r = expectCreateFails((spec) => spec.mounts.push({ destination: '/data', type: 'bind', source: missing, options: ['rbind'] }));
    expect(r.stderr).toContain('nothing-here');
  });

  it('a namespace path that does not exist fails create cleanly', () => {
    const r = expectCreateFails((spec) => {
      spec.linux.namespaces = spec.linux.namespaces.filter((n: { type: string }) => n.type !== 'network');
      spec.linux.namespaces.push({ type: 'network', path: '/proc/999999999/ns/net' });
    });
    expect(r.stderr).toMatch(/999999999|no such file/i);
  });

  it('a config.json that is not JSON fails create cleanly', () => {
    const b = makeBundle();
    track(b.id);
    fs.writeFileSync(b.configPath, '{ "ociVersion": ');
    const r = run(['create', '--bundle', b.dir, b.id]);
    expect(r.status, describeResult(r)).not.toBe(0);
    expect(r.stderr.trim()).not.toBe('');
    expectNothingLeftBehind({ id: b.id, bundle: b.dir, emptyRoot: true });
  });

  it('a bundle without config.json fails create, naming config.json', () => {
    const b = makeBundle();
    track(b.id);
    fs.rmSync(b.configPath);
    const r = run(['create', '--bundle', b.dir, b.id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('config.json');
    expectNothingLeftBehind({ id: b.id, bundle: b.dir, emptyRoot: true });
  });

  it('a bundle directory that does not exist fails create, naming it', () => {
    const id = newId();
    const dir = path.join(hostFile('no-bundle'), 'missing');
    const r = run(['create', '--bundle', dir, id]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(dir);
    expect(stateEntries()).toEqual([]);
  });

  it('a root.path that does not exist fails create cleanly', () => {
    const r = expectCreateFails({ root: { path: 'no-such-rootfs' } });
    expect(r.stderr).toMatch(/no-such-rootfs|rootfs/);
  });

  for (const id of ['../escape', 'a/b', 'has space', '']) {
    it(`an invalid container id ${JSON.stringify(id)} is refused and creates nothing`, () => {
      const b = makeBundle((spec) => (spec.process.args = ['true']));
      const r = run(['create', '--bundle', b.dir, id]);
      expect(r.status).not.toBe(0);
      expect(stateEntries()).toEqual([]);
      expect(fs.existsSync(path.join(path.dirname(stateRoot()), 'escape'))).toBe(false);
    });
  }
});

describeRoot('errors: commands on containers in the wrong state', () => {
  it('state, start, kill and delete of a missing id fail with "container does not exist"', () => {
    const id = newId('missing');
    for (const args of [['state', id], ['start', id], ['kill', id, 'KILL'], ['delete', id]]) {
      const r = run(args);
      expect(r.status, describeResult(r)).not.toBe(0);
      expect(r.stderr, args.join(' ')).toContain('container does not exist');
      expect(r.stdout).toBe('');
    }
  });

  it('delete --force of a missing id succeeds (as runc does)', () => {
    const r = run(['delete', '--force', newId('missing')]);
    expect(r.status, describeResult(r)).toBe(0);
  });

  it('an unknown command fails', () => {
    const r = run(['frobnicate']);
    expect(r.status).not.toBe(0);
  });

  it('a command with too few or too many arguments fails with runc\'s checkArgs words', () => {
    const cases: Array<[string[], RegExp]> = [
      [['state'], /: \\?"state\\?" requires exactly 1 argument\(s\)/],
      [['state', 'a', 'b'], /: \\?"state\\?" requires exactly 1 argument\(s\)/],
      [['start'], /: \\?"start\\?" requires exactly 1 argument\(s\)/],
      [['delete'], /: \\?"delete\\?" requires exactly 1 argument\(s\)/],
      [['kill'], /: \\?"kill\\?" requires a minimum of 1 argument\(s\)/],
      [['kill', 'a', 'KILL', 'extra'], /: \\?"kill\\?" requires a maximum of 2 argument\(s\)/],
      [['exec'], /: \\?"exec\\?" requires a minimum of 1 argument\(s\)/],
      [['list', 'extra'], /: \\?"list\\?" requires exactly 0 argument\(s\)/],
    ];
    // (the text log format escapes the quotes: msg="hezi: \"state\" requires …")
    for (const [args, words] of cases) {
      const r = run(args);
      expect(r.status, describeResult(r)).toBe(1);
      expect(r.stderr, describeResult(r)).toMatch(words);
    }
    expect(stateEntries()).toEqual([]);
  });

  it('create without an id fails and creates nothing', () => {
    const b = makeBundle((spec) => (spec.process.args = ['true']));
    const r = run(['create', '--bundle', b.dir]);
    expect(r.status).not.toBe(0);
    expect(stateEntries()).toEqual([]);
  });
});

describeRoot('errors: logging', () => {
  it('--log-format json --log FILE writes the error as one JSON line to FILE', () => {
    const log = hostFile('log.json');
    const id = newId('missing');
    const r = run(['--log-format', 'json', '--log', log, 'state', id]);
    expect(r.status).not.toBe(0);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
    expect(Object.keys(last).sort()).toEqual(['level', 'msg', 'time']);
    expect(last.level).toBe('error');
    expect(last.msg).toBe('container does not exist');
    expect(last.time).toMatch(LOG_TIME);
    expect(Math.abs(Date.parse(last.time as string) - Date.now())).toBeLessThan(60_000);
  });

  it('--log-format json --log FILE records a failed create with the reason', () => {
    const log = hostFile('create-log.json');
    const b = makeBundle((spec) => (spec.process.args = ['/nonexistent/binary']));
    track(b.id);
    const r = run(['--log-format', 'json', '--log', log, 'create', '--bundle', b.dir, b.id]);
    expect(r.status).not.toBe(0);
    const entries = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    const errors = entries.filter((e) => e.level === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.some((e) => e.msg!.includes('/nonexistent/binary'))).toBe(true);
    for (const e of entries) expect(e.time).toMatch(LOG_TIME);
    expectNothingLeftBehind({ id: b.id, bundle: b.dir, emptyRoot: true });
  });

  it('--log-format json without --log writes the JSON error line to stderr', () => {
    const r = run(['--log-format', 'json', 'state', newId('missing')]);
    expect(r.status).not.toBe(0);
    const line = r.stderr.trim().split('\n').find((l) => l.startsWith('{'));
    expect(line, r.stderr).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: 'error', msg: 'container does not exist' });
  });

  it('the default text log format puts the error on stderr with level=error', () => {
    const r = run(['state', newId('missing')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/level=error msg="container does not exist"/);
  });

  it('a successful command logs no error', () => {
    const log = hostFile('ok-log.json');
    const c = createOk(undefined, 'sleep 100');
    ok(run(['--log-format', 'json', '--log', log, 'state', c.id]));
    const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    expect(text).not.toMatch(/"level":"error"/);
  });
});
