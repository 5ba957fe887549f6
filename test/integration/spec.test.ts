/**
 * `spec`: writes runc's default config.json (cwd or --bundle), refuses to overwrite one, has a
 * rootless variant, and what it writes runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import {
  cachedRootfs,
  describeResult,
  describeRoot,
  expectNothingLeftBehind,
  hostFile,
  newId,
  ok,
  run,
  runcDefaultSpec,
  track,
  type Spec,
} from '../support/bundle';

/** Everything but the two fields a runtime may choose itself: ociVersion and hostname. */
function comparable(spec: Spec): Spec {
  const c = structuredClone(spec);
  delete c.ociVersion;
  delete c.hostname;
  return c;
}

function expectRuncDefault(written: Spec, rootless: boolean): void {
  expect(written.ociVersion).toMatch(/^1\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  expect(typeof written.hostname).toBe('string');
  expect(written.hostname.length).toBeGreaterThan(0);
  const want = runcDefaultSpec(rootless);
  if (rootless) {
    // the reference was made by uid/gid 0; the mappings are the caller's own ids
    want.linux.uidMappings[0].hostID = process.getuid!();
    want.linux.gidMappings[0].hostID = process.getgid!();
  }
  expect(comparable(written)).toEqual(comparable(want));
}

function emptyDir(): string {
  const dir = hostFile('spec');
  fs.mkdirSync(dir);
  return dir;
}

const readSpec = (dir: string): Spec => JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Spec;

describeRoot('spec', () => {
  it("writes runc's default config.json into the cwd", () => {
    const dir = emptyDir();
    const r = ok(run(['spec'], { cwd: dir }));
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
    expectRuncDefault(readSpec(dir), false);
  });

  it('--bundle DIR writes DIR/config.json and nothing in the cwd', () => {
    const cwd = emptyDir();
    const bundle = emptyDir();
    ok(run(['spec', '--bundle', bundle], { cwd }));
    expect(fs.readdirSync(cwd)).toEqual([]);
    expectRuncDefault(readSpec(bundle), false);
  });

  it('refuses to overwrite an existing config.json and leaves it as it was', () => {
    const dir = emptyDir();
    fs.writeFileSync(path.join(dir, 'config.json'), 'mine');
    const r = run(['spec'], { cwd: dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('File config.json exists. Remove it first');
    expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe('mine');

    const r2 = run(['spec', '--bundle', dir], { cwd: emptyDir() });
    expect(r2.status).not.toBe(0);
    expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe('mine');
  });

  it('--rootless: a user namespace mapping the caller, no network namespace, /sys bound from the host', () => {
    const dir = emptyDir();
    ok(run(['spec', '--rootless'], { cwd: dir }));
    const spec = readSpec(dir);
    expectRuncDefault(spec, true);
    const types = (spec.linux.namespaces as Spec[]).map((n) => n.type);
    expect(types).toContain('user');
    expect(types).not.toContain('network');
    expect(spec.linux.uidMappings).toEqual([{ containerID: 0, hostID: process.getuid!(), size: 1 }]);
    expect(spec.linux.gidMappings).toEqual([{ containerID: 0, hostID: process.getgid!(), size: 1 }]);
  });

  it('what spec writes runs, once given a rootfs and no terminal', () => {
    const id = newId();
    const dir = hostFile('spec-bundle');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o755);
    fs.cpSync(cachedRootfs(), path.join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
    ok(run(['spec'], { cwd: dir }));
    const spec = readSpec(dir);
    spec.process.terminal = false;
    spec.process.args = ['sh', '-c', 'hostname'];
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
    track(id);
    const r = run(['run', id], { cwd: dir });
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe(`${spec.hostname}\n`);
    expectNothingLeftBehind({ id, bundle: dir, emptyRoot: true });
  });
});
