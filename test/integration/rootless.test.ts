/**
 * Rootless: the runtime run by an unprivileged user the test makes (useradd gives it a range in
 * /etc/subuid and /etc/subgid; userdel takes user and ranges away afterwards), through setpriv:
 * no capabilities at all. `spec --rootless` + `run` must work (the container's root is the user),
 * with the state in $XDG_RUNTIME_DIR/<runtime> by default; wider maps go through newuidmap /
 * newgidmap. This host is cgroup v1 hybrid without delegation: containers run without cgroups,
 * and a config with limits is refused (delegation on cgroup v2 is checked in the VM:
 * test/cgroup-v2-vm.sh).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  cgroupDirsNamed,
  describeResult,
  describeRoot,
  hostFile,
  isAlive,
  itRuncFails,
  makeBundle,
  newId,
  run,
  runtimeName,
  track,
  waitFor,
  type RunResult,
  type Spec,
} from '../support/bundle';
import { parseStatus } from '../support/linux';

interface User {
  name: string;
  uid: number;
  gid: number;
  subuid: number;
  subgid: number;
  xdg: string;
}
let user: User;

function sh(cmd: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** the first range /etc/sub{u,g}id gives `name` */
function subRange(file: string, name: string): number {
  const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no range for ${name} in ${file}`);
  return Number(line.split(':')[1]);
}

beforeAll(() => {
  if (process.getuid?.() !== 0) return;
  const name = `hzrl${newId('').replace(/[^0-9a-f]/g, '').slice(0, 10)}`;
  // /etc/passwd may be locked by someone else's useradd for a moment
  let r = sh(['useradd', '-M', '-s', '/bin/sh', name]);
  for (let k = 0; r.status !== 0 && k < 20; k++) {
    spawnSync('sleep', ['0.2']);
    r = sh(['useradd', '-M', '-s', '/bin/sh', name]);
  }
  if (r.status !== 0) throw new Error(`useradd ${name}: ${r.stderr}`);
  const uid = Number(sh(['id', '-u', name]).stdout);
  const gid = Number(sh(['id', '-g', name]).stdout);
  const xdg = hostFile('xdg');
  fs.mkdirSync(xdg, { mode: 0o700 });
  fs.chownSync(xdg, uid, gid);
  user = { name, uid, gid, subuid: subRange('/etc/subuid', name), subgid: subRange('/etc/subgid', name), xdg };
});

afterAll(() => {
  if (!user) return;
  // the user's containers first (its own runtime, its own root), then the user and its ranges
  for (const id of fs.existsSync(stateDir()) ? fs.readdirSync(stateDir()) : []) asUser(['delete', '--force', id]);
  let r = sh(['userdel', user.name]);
  for (let k = 0; r.status !== 0 && k < 20; k++) {
    spawnSync('sleep', ['0.2']);
    r = sh(['userdel', user.name]);
  }
});

/** the runtime's default state root for the user */
const stateDir = () => path.join(user.xdg, runtimeName());

/** `<runtime> args` as the user: setpriv drops every capability; no --root (the default) */
function asUser(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): RunResult {
  return run(args, {
    root: null,
    prefix: ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/', XDG_RUNTIME_DIR: user.xdg, ...opts.env },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
}

/** A bundle the user can read, with the rootless config `spec --rootless` writes as that user, then `patch`. */
function rootlessBundle(cmd: string | string[], patch?: (spec: Spec) => void): { id: string; dir: string } {
  const b = makeBundle();
  // `spec` writes config.json where the user may write: its own directory
  const own = hostFile('spec');
  fs.mkdirSync(own);
  fs.chownSync(own, user.uid, user.gid);
  const r = asUser(['spec', '--rootless'], { cwd: own });
  if (r.status !== 0) throw new Error(describeResult(r));
  const spec = JSON.parse(fs.readFileSync(path.join(own, 'config.json'), 'utf8')) as Spec;
  spec.process.terminal = false;
  spec.process.args = typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd;
  patch?.(spec);
  fs.writeFileSync(b.configPath, JSON.stringify(spec, null, 2));
  track(b.id);
  return { id: b.id, dir: b.dir };
}

/** run in the foreground as the user; nothing of it may be left: state, processes, cgroups */
function runAsUser(cmd: string | string[], patch?: (spec: Spec) => void): RunResult & { id: string } {
  const b = rootlessBundle(cmd, patch);
  const r = asUser(['run', '--bundle', b.dir, b.id]);
  expect(fs.existsSync(path.join(stateDir(), b.id)), `state of ${b.id} left in ${stateDir()}`).toBe(false);
  expect(cgroupDirsNamed(b.id)).toEqual([]);
  return { ...r, id: b.id };
}

describeRoot('rootless', () => {
  it("`spec --rootless` + `run` as an unprivileged user: root in the container is the user; the state is in $XDG_RUNTIME_DIR", () => {
    const r = runAsUser('id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; grep CapEff /proc/self/status');
    expect(r.status, describeResult(r)).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    expect(lines.slice(0, 5)).toEqual(['0', '0', `0 ${user.uid} 1`, `0 ${user.gid} 1`, 'deny']);
    // runc's rootless capabilities: AUDIT_WRITE, KILL, NET_BIND_SERVICE, in the container's user namespace
    expect(lines[5]).toBe('CapEff: 0000000020000420');
    expect(fs.statSync(stateDir()).uid).toBe(user.uid);
  });

  it('create, start, state, exec, kill, delete as the user; the container runs as the user on the host', () => {
    const b = rootlessBundle(['sleep', '1000']);
    const c = asUser(['create', '--bundle', b.dir, b.id]);
    expect(c.status, describeResult(c)).toBe(0);
    expect(asUser(['start', b.id]).status).toBe(0);
    const st = JSON.parse(asUser(['state', b.id]).stdout) as Spec;
    expect(st.status).toBe('running');
    const hostView = parseStatus(fs.readFileSync(`/proc/${st.pid}/status`, 'utf8'));
    expect(hostView['Uid']!.split('\t')[0]).toBe(String(user.uid));
    const e = asUser(['exec', b.id, 'id', '-u']);
    expect(e.stdout, describeResult(e)).toBe('0\n');
    expect(asUser(['kill', b.id, 'KILL']).status).toBe(0);
    expect(waitFor(() => !isAlive(st.pid), 5000)).toBe(true);
    const d = asUser(['delete', b.id]);
    expect(d.status, describeResult(d)).toBe(0);
    expect(fs.existsSync(path.join(stateDir(), b.id))).toBe(false);
  });

  it("a range from /etc/subuid and /etc/subgid (newuidmap, newgidmap): uid 1000 in the container is the range's 1000th id on the host", () => {
    const b = rootlessBundle(['sleep', '1000'], (spec) => {
      spec.linux.uidMappings = [{ containerID: 0, hostID: user.uid, size: 1 }, { containerID: 1, hostID: user.subuid, size: 65536 }];
      spec.linux.gidMappings = [{ containerID: 0, hostID: user.gid, size: 1 }, { containerID: 1, hostID: user.subgid, size: 65536 }];
      spec.process.user = { uid: 1000, gid: 1000 };
    });
    const r = asUser(['run', '-d', '--bundle', b.dir, b.id]);
    expect(r.status, describeResult(r)).toBe(0);
    const st = JSON.parse(asUser(['state', b.id]).stdout) as Spec;
    const host = parseStatus(fs.readFileSync(`/proc/${st.pid}/status`, 'utf8'));
    expect(host['Uid']!.split('\t')[0]).toBe(String(user.subuid + 999));
    expect(host['Gid']!.split('\t')[0]).toBe(String(user.subgid + 999));
    const maps = asUser(['exec', b.id, 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
    expect(maps.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toEqual(['1000', `0 ${user.uid} 1`, `1 ${user.subuid} 65536`, '']);
    expect(asUser(['delete', '--force', b.id]).status).toBe(0);
  });

  itRuncFails('runc 1.1 refuses every additional group in a rootless container', 'with a newgidmap range, additional groups work', () => {
    const r = runAsUser('id -G', (spec) => {
      spec.linux.uidMappings = [{ containerID: 0, hostID: user.uid, size: 1 }, { containerID: 1, hostID: user.subuid, size: 65536 }];
      spec.linux.gidMappings = [{ containerID: 0, hostID: user.gid, size: 1 }, { containerID: 1, hostID: user.subgid, size: 65536 }];
      spec.process.user = { uid: 0, gid: 0, additionalGids: [5, 6] };
    });
    expect(r.stdout, describeResult(r)).toBe('0 5 6\n');
  });

  it('additional groups with a gid map of the own gid alone (setgroups denied) are refused before anything starts', () => {
    const r = runAsUser('id -G', (spec) => (spec.process.user = { uid: 0, gid: 0, additionalGids: [5] }));
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/additional ?g(roups|ids)/i);
  });

  it('limits without cgroup delegation are refused (not silently dropped), naming why', () => {
    const r = runAsUser('echo started', (spec) => (spec.linux.resources = { pids: { limit: 10 } }));
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/linux\.resources|no limits|could not join or create cgroup/);
  });

  itRuncFails('runc words it without the field', 'the refusal of limits names linux.resources and the cgroup the user cannot write', () => {
    const r = runAsUser('echo started', (spec) => (spec.linux.resources = { pids: { limit: 10 } }));
    expect(r.stderr).toMatch(/linux\.resources: cannot be applied without the container's own cgroup: \/sys\/fs\/cgroup\/\S+ is not writable by uid \d+/);
  });

  itRuncFails('runc 1.1 ignores device rules of rootless containers on cgroup v1', 'a device rule that denies is refused: an unprivileged runtime cannot enforce it', () => {
    const r = runAsUser('echo started', (spec) => (spec.linux.resources = { devices: [{ allow: false, access: 'rwm' }] }));
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/linux\.resources\.devices\[0\]: a runtime run by a user other than root cannot enforce a rule that denies/);
  });

  it('without a user namespace an unprivileged user is refused', () => {
    const r = runAsUser('echo started', (spec) => {
      spec.linux.namespaces = spec.linux.namespaces.filter((n: Spec) => n.type !== 'user');
      delete spec.linux.uidMappings;
      delete spec.linux.gidMappings;
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/user namespace/);
  });

  itRuncFails('runc 1.1 ignores idmap', 'id-mapped mounts are refused for a rootless runtime', () => {
    const src = hostFile('idmap-src');
    fs.mkdirSync(src);
    const r = runAsUser('echo started', (spec) => spec.mounts.push({ destination: '/mnt', type: 'bind', source: src, options: ['bind', 'idmap'] }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/mounts\[\d+\]: id-mapped mounts need a runtime running as root/);
  });

  itRuncFails('runc 1.1 has no features command', '`features` as the user says its containers get no cgroups here', () => {
    const r = asUser(['features']);
    expect(r.status, describeResult(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as Spec;
    expect(doc.annotations['io.github.hezi.rootless.cgroups']).toMatch(/^none: \/sys\/fs\/cgroup\/\S+ is not writable by uid \d+/);
  });

  it('without $XDG_RUNTIME_DIR and --root the state directory error is one sentence', () => {
    const b = rootlessBundle('true');
    const r = asUser(['run', '--bundle', b.dir, b.id], { env: { XDG_RUNTIME_DIR: '' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/permission denied/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
