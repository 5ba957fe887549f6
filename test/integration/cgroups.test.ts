/**
 * cgroups through the CLI on this host (cgroup v1 hybrid; pure v2 is covered by
 * test/cgroup-v2-vm.sh): limits seen from inside the container and in the host's cgroup files,
 * OOM kills, cpu, cpuset, pids, devices, pause/resume, update, ps, events, and cleanup.
 * Runtime-agnostic: the same checks pass against runc 1.1.5 (HEZI_RUNTIME=/usr/sbin/runc),
 * except where a test says otherwise.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import {
  Spec,
  cgroupDirsNamed,
  createContainer,
  createOk,
  describeResult,
  describeRoot,
  expectNothingLeftBehind,
  isRunc,
  itRuncFails,
  newId,
  ok,
  run,
  runContainer,
  runOk,
  runtime,
  sharedDir,
  sleepMs,
  state,
  stateRoot,
  waitFor,
  waitForFile,
  waitForStatus,
} from '../support/bundle';

const MiB = 1024 * 1024;

/** Whether this host has a v1 hierarchy for `ctrl` (the tests below are for v1/hybrid hosts). */
function v1Mount(ctrl: string): string | undefined {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    const b = (post ?? '').split(' ');
    if (b[0] !== 'cgroup') continue;
    if ((b[2] ?? '').split(',').includes(ctrl)) return (pre ?? '').split(' ')[4];
  }
  return undefined;
}

/** The host directory of `pid`'s cgroup for v1 controller `ctrl` (runtime-agnostic). */
function hostCgroupDir(pid: number, ctrl: string): string {
  const mount = v1Mount(ctrl);
  if (!mount) throw new Error(`no v1 ${ctrl} hierarchy on this host`);
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m && m[1]!.split(',').includes(ctrl)) return path.join(mount, m[2]!);
  }
  throw new Error(`pid ${pid} is in no ${ctrl} cgroup`);
}

const read = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file), 'utf8').trim();

const withResources =
  (resources: Spec, more?: (s: Spec) => void) =>
  (s: Spec): void => {
    s.linux.resources = { ...s.linux.resources, ...resources };
    more?.(s);
  };
const cgroupNs = (s: Spec): void => void s.linux.namespaces.push({ type: 'cgroup' });
const sleeper = 'echo up; exec sleep 1000';

describeRoot('cgroups (v1 / hybrid host)', () => {
  it('a memory limit: in the host cgroup file, and inside the container (cgroup namespace)', () => {
    const c = createOk(withResources({ memory: { limit: 64 * MiB, swap: 64 * MiB } }, cgroupNs), sleeper);
    const dir = hostCgroupDir(c.pid, 'memory');
    expect(path.basename(dir)).toBe(c.id); // runc's default placement: <own cgroup>/<id>
    expect(read(dir, 'memory.limit_in_bytes')).toBe(String(64 * MiB));
    expect(read(dir, 'memory.memsw.limit_in_bytes')).toBe(String(64 * MiB));
    ok(run(['start', c.id]));
    expect(waitForFile(c.stdoutFile)).toBe('up\n');
    const inside = runOk(withResources({ memory: { limit: 48 * MiB } }, cgroupNs), 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; grep memory /proc/self/cgroup');
    expect(inside.split('\n')[0]).toBe(String(48 * MiB));
    expect(inside).toMatch(/:memory:\/\n/);
    ok(run(['delete', '--force', c.id]));
    expect(fs.existsSync(dir)).toBe(false);
    expect(cgroupDirsNamed(c.id)).toEqual([]);
  });

  it('without a cgroup namespace, /sys/fs/cgroup shows the container\'s own cgroups (runc binds them)', () => {
    const out = runOk(withResources({ memory: { limit: 40 * MiB }, pids: { limit: 33 } }), 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max');
    expect(out).toBe(`${40 * MiB}\n33\n`);
  });

  it('a process that allocates past the limit is OOM-killed: run exits 137', () => {
    const r = runContainer(withResources({ memory: { limit: 32 * MiB, swap: 32 * MiB } }), ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    expect(r.status, describeResult(r)).toBe(137);
  });

  it('cpu shares, quota/period, cpuset', () => {
    const c = createOk(withResources({ cpu: { shares: 512, quota: 25000, period: 50000, cpus: '0', mems: '0' } }), sleeper);
    const cpu = hostCgroupDir(c.pid, 'cpu');
    expect(read(cpu, 'cpu.shares')).toBe('512');
    expect(read(cpu, 'cpu.cfs_quota_us')).toBe('25000');
    expect(read(cpu, 'cpu.cfs_period_us')).toBe('50000');
    const cs = hostCgroupDir(c.pid, 'cpuset');
    expect(read(cs, 'cpuset.cpus')).toBe('0');
    expect(read(cs, 'cpuset.mems')).toBe('0');
    expect(runOk(withResources({ cpu: { cpus: '1' } }), 'grep Cpus_allowed_list /proc/self/status')).toMatch(/Cpus_allowed_list:\s+1\n/);
  });

  it('pids.limit: forks past the limit fail', () => {
    const r = runContainer(
      withResources({ pids: { limit: 5 } }),
      'i=0; while [ $i -lt 10 ]; do sleep 30 & i=$((i+1)); done; echo spawned',
    );
    expect(r.stderr + r.stdout).toMatch(/can't fork|Resource temporarily unavailable/);
    expect(r.status).not.toBe(0);
  });

  it('devices: a node the rules do not allow cannot be opened; allowed ones and runc\'s defaults can', () => {
    // /dev/fuse: opening it needs no capability beyond root's, so only the device cgroup decides
    const fuse = { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 };
    const probe = 'true < /dev/fuse && echo fuse-open; echo x > /dev/null && echo null-ok; head -c1 /dev/urandom >/dev/null && echo urandom-ok';
    const denied = runContainer((s) => void (s.linux.devices = [fuse]), probe);
    expect(denied.stdout).toBe('null-ok\nurandom-ok\n');
    expect(denied.stderr).toMatch(/fuse: Operation not permitted/);
    const allowed = runOk(
      withResources({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }] }, (s) => void (s.linux.devices = [fuse])),
      probe,
    );
    expect(allowed).toBe('fuse-open\nnull-ok\nurandom-ok\n');
    // last match wins: allow everything, then deny fuse
    const denyLast = runContainer(
      withResources({ devices: [{ allow: true, type: 'a', access: 'rwm' }, { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }] }, (s) => void (s.linux.devices = [fuse])),
      probe,
    );
    expect(denyLast.stdout).toBe('null-ok\nurandom-ok\n');
    // read-only access: a write open is refused
    const ro = runContainer(
      withResources({ devices: [{ allow: true, type: 'c', major: 10, minor: 229, access: 'r' }] }, (s) => void (s.linux.devices = [fuse])),
      'true < /dev/fuse && echo read-ok; true > /dev/fuse && echo write-ok; echo end',
    );
    expect(ro.stdout).toBe('read-ok\nend\n');
  });

  it('pause freezes (a counter stops), resume thaws; status follows; runc\'s errors', () => {
    const ctl = sharedDir();
    const c = createOk(ctl.patch, 'i=0; while true; do i=$((i+1)); echo $i > /ctl/n.tmp; mv /ctl/n.tmp /ctl/n; done');
    ok(run(['start', c.id]));
    const counter = () => Number(fs.readFileSync(path.join(ctl.host, 'n'), 'utf8') || '0');
    expect(waitFor(() => fs.existsSync(path.join(ctl.host, 'n')) && counter() > 10)).toBe(true);
    const r1 = run(['resume', c.id]);
    expect(r1.status).not.toBe(0);
    expect(r1.stderr).toContain('container not paused');

    ok(run(['pause', c.id]));
    expect(state(c.id).status).toBe('paused');
    const a = counter();
    sleepMs(400);
    expect(counter()).toBe(a);
    const r2 = run(['pause', c.id]);
    expect(r2.status).not.toBe(0);
    expect(r2.stderr).toContain('container not running');

    ok(run(['resume', c.id]));
    expect(state(c.id).status).toBe('running');
    expect(waitFor(() => counter() > a + 10)).toBe(true);

    // delete --force of a paused container works (the frozen tasks are thawed to die)
    ok(run(['pause', c.id]));
    ok(run(['delete', '--force', c.id]));
    expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir, pids: [c] });
  });

  it('pause/resume a stopped container: "container not running" / "container not paused"', () => {
    const c = createOk(undefined, 'true');
    ok(run(['start', c.id]));
    waitForStatus(c.id, 'stopped');
    const p = run(['pause', c.id]);
    expect(p.status).toBe(1);
    expect(p.stderr).toContain('container not running');
    const r = run(['resume', c.id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('container not paused');
  });

  it('update changes live limits (flags, --resources FILE, --resources=-) and the container sees them', () => {
    const c = createOk(withResources({ memory: { limit: 64 * MiB, swap: 64 * MiB }, pids: { limit: 20 } }, cgroupNs), sleeper);
    ok(run(['start', c.id]));
    const mem = hostCgroupDir(c.pid, 'memory');
    const pids = hostCgroupDir(c.pid, 'pids');
    const cpu = hostCgroupDir(c.pid, 'cpu');

    ok(run(['update', '--memory', '128m', '--memory-swap', '256m', '--cpu-share', '256', '--pids-limit', '30', c.id]));
    expect(read(mem, 'memory.limit_in_bytes')).toBe(String(128 * MiB));
    expect(read(mem, 'memory.memsw.limit_in_bytes')).toBe(String(256 * MiB));
    expect(read(cpu, 'cpu.shares')).toBe('256');
    expect(read(pids, 'pids.max')).toBe('30');

    const file = path.join(c.bundle.dir, 'res.json');
    fs.writeFileSync(file, JSON.stringify({ cpu: { quota: 20000, period: 100000 } }));
    ok(run(['update', '--resources', file, c.id]));
    expect(read(cpu, 'cpu.cfs_quota_us')).toBe('20000');

    ok(run(['update', '--resources=-', c.id], { input: JSON.stringify({ pids: { limit: 12 } }) }));
    expect(read(pids, 'pids.max')).toBe('12');
    expect(read(mem, 'memory.limit_in_bytes')).toBe(String(128 * MiB));

    // the container itself sees the new limit
    const ex = run(['exec', c.id, 'cat', '/sys/fs/cgroup/pids/pids.max']);
    if (ex.status === 0) expect(ex.stdout).toBe('12\n');

    // a bad value: runc's words, nothing changed
    const bad = run(['update', '--cpu-share', '10x', c.id]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('invalid value for cpu-share');
    ok(run(['delete', '--force', c.id]));
    const r = run(['update', '--memory', '1g', c.id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('container does not exist');
  });

  itRuncFails('runc 1.1.5 panics (nil pointer) on a memory object without limit', 'update --resources: null means "not set"', () => {
    const c = createOk(withResources({ memory: { limit: 64 * MiB, swap: 64 * MiB } }), sleeper);
    ok(run(['update', '-r', '-', c.id], { input: JSON.stringify({ memory: { limit: null, reservation: 32 * MiB }, cpu: null }) }));
    const mem = hostCgroupDir(c.pid, 'memory');
    expect(read(mem, 'memory.limit_in_bytes')).toBe(String(64 * MiB));
    expect(read(mem, 'memory.soft_limit_in_bytes')).toBe(String(32 * MiB));
  });

  it('ps lists the container\'s processes (json: host pids; table: ps -ef lines)', () => {
    const c = createOk(undefined, 'sleep 1000 & echo up; wait');
    ok(run(['start', c.id]));
    expect(waitForFile(c.stdoutFile)).toBe('up\n');
    let pids: number[] = [];
    expect(waitFor(() => (pids = JSON.parse(ok(run(['ps', '--format', 'json', c.id])).stdout) as number[]).length === 2)).toBe(true);
    expect(pids).toContain(c.pid);
    const table = ok(run(['ps', c.id])).stdout.trim().split('\n');
    expect(table[0]).toMatch(/^UID\s+PID\s+PPID/);
    expect(table).toHaveLength(3);
    expect(table.some((l) => /\bsleep 1000\b/.test(l))).toBe(true);
    const custom = ok(run(['ps', c.id, '-o', 'pid,comm'])).stdout;
    expect(custom).toMatch(/^\s*PID COMMAND\n/);
    expect(custom).toContain(`${c.pid} sh`);
  });

  it('events --stats: one stats event in runc\'s types; events streams stats and OOM kills', async () => {
    const ctl = sharedDir();
    const c = createOk(
      withResources({ memory: { limit: 32 * MiB, swap: 32 * MiB }, pids: { limit: 40 } }, ctl.patch),
      'echo up; while [ ! -e /ctl/go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/null bs=64M count=1; exec sleep 1000',
    );
    ok(run(['start', c.id]));
    expect(waitForFile(c.stdoutFile)).toBe('up\n');
    const st = JSON.parse(ok(run(['events', '--stats', c.id])).stdout);
    expect(st.type).toBe('stats');
    expect(st.id).toBe(c.id);
    expect(Object.keys(st.data)).toEqual(expect.arrayContaining(['cpu', 'memory', 'pids', 'blkio', 'hugetlb']));
    expect(st.data.pids.current).toBeGreaterThanOrEqual(1);
    expect(st.data.pids.limit).toBe(40);
    expect(st.data.memory.usage.limit).toBe(32 * MiB);
    expect(st.data.memory.usage.usage).toBeGreaterThan(0);
    expect(st.data.cpu.usage.total).toBeGreaterThan(0);
    expect(typeof st.data.memory.raw.rss === 'number' || typeof st.data.memory.raw.anon === 'number').toBe(true);

    // streaming: start `events`, make the container hit its limit
    const out: string[] = [];
    const child = spawn(runtime(), ['--root', stateRoot(), 'events', '--interval', '300ms', c.id], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => out.push(d));
    try {
      await new Promise((r) => setTimeout(r, 1000));
      fs.writeFileSync(path.join(ctl.host, 'go'), '');
      const deadline = Date.now() + 10_000;
      while (!out.join('').includes('"type":"oom"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      child.kill('SIGKILL');
    }
    const lines = out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; id: string });
    expect(lines.some((e) => e.type === 'stats' && e.id === c.id)).toBe(true);
    expect(lines).toContainEqual({ type: 'oom', id: c.id });

    const stopped = run(['events', '--stats', 'no-such-container']);
    expect(stopped.status).toBe(1);
  });

  it('a value the host rejects fails create with the field/file named, and leaves nothing behind', () => {
    const r = runContainer(withResources({ cpu: { cpus: '99' } }), 'true');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/cpuset\.cpus/);
    expect(r.stderr).toMatch(/invalid argument|numerical result out of range/i);
    if (!isRunc()) expect(r.stderr).toContain('linux.resources.cpu.cpus: write cpuset.cpus');
  });

  itRuncFails('runc words the kernel\'s refusal as a cgroup.procs write', 'a cgroup2 directory that may hold no process (controllers in its subtree_control) fails create, worded as the join, and leaves nothing', () => {
    // the hybrid layout's cgroup2 (hugetlb enabled at its root): the container's directory given as
    // an existing cgroup with a controller enabled for its children cannot take the init (EBUSY)
    const unified = '/sys/fs/cgroup/unified';
    const ctrls = fs.existsSync(path.join(unified, 'cgroup.subtree_control')) ? read(unified, 'cgroup.subtree_control').split(/\s+/).filter(Boolean) : [];
    if (!ctrls.length) throw new Error(`this test needs the hybrid cgroup2 at ${unified} with a controller enabled at its root`);
    const id = newId();
    const dir = path.join(unified, `hezi-busy-${id}`);
    fs.mkdirSync(dir);
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), `+${ctrls[0]}`);
      const c = createContainer((s) => void (s.linux.cgroupsPath = `/hezi-busy-${id}`), sleeper, { id });
      expect(c.result.status).not.toBe(0);
      expect(c.result.stderr).toContain(`join the container's cgroup: clone3 into ${dir}: device or resource busy`);
      expect(c.result.stderr.trim().split('\n')).toHaveLength(1);
      expectNothingLeftBehind({ id: c.id, bundle: c.bundle.dir });
      // the container's cgroups are gone in every hierarchy (the failed create removes them, as runc's destroy does)
      for (const k of ['memory', 'pids', 'freezer']) expect(fs.existsSync(path.join(v1Mount(k)!, `hezi-busy-${id}`))).toBe(false);
    } finally {
      if (fs.existsSync(dir)) fs.rmdirSync(dir);
    }
  });

  it('delete removes the cgroup directories; an absolute cgroupsPath is used as is', () => {
    const id = newId();
    const c = createOk((s) => void (s.linux.cgroupsPath = `/hezi-test/${id}`), sleeper, { id });
    const ctrls = ['memory', 'pids', 'cpu', 'devices', 'freezer'];
    const dirs = ctrls.map((k) => hostCgroupDir(c.pid, k));
    ctrls.forEach((k, i) => expect(dirs[i]).toBe(path.join(v1Mount(k)!, 'hezi-test', id)));
    ok(run(['delete', '--force', c.id]));
    for (const d of dirs) expect(fs.existsSync(d)).toBe(false);
    // like runc, the parent directories stay: tidy them here
    for (const d of dirs) {
      try {
        fs.rmdirSync(path.dirname(d));
      } catch {
        /* shared or already gone */
      }
    }
  });

  (isRunc() ? it.skip : it)('hybrid hosts: hugepageLimits go to the cgroup2 hugetlb controller', () => {
    if (!fs.existsSync('/sys/fs/cgroup/unified/cgroup.controllers')) return;
    if (!fs.readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').includes('hugetlb')) return;
    const c = createOk(withResources({ hugepageLimits: [{ pageSize: '2MB', limit: 4 * MiB }] }), sleeper);
    const line = fs.readFileSync(`/proc/${c.pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))!;
    const dir = path.join('/sys/fs/cgroup/unified', line.slice(3));
    expect(read(dir, 'hugetlb.2MB.max')).toBe(String(4 * MiB));
  });
});
