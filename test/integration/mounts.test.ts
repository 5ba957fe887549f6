/**
 * Mounts, checked from inside through /proc/self/mountinfo and by using them: the default
 * mounts of runc's spec with their flags and data, bind mounts (ro/rw, dirs and files), tmpfs
 * with options, the readonly root and noexec.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { describeResult, describeRoot, hostFile, runContainer, runOk, type Spec } from '../support/bundle';
import { mountAt, parseMountinfo, type MountInfo } from '../support/linux';

/** Per-mount flags as mountinfo shows them in its options field. */
const MOUNT_FLAGS = new Set(['ro', 'rw', 'nosuid', 'nodev', 'noexec', 'relatime', 'noatime', 'strictatime', 'nodiratime']);
/** Options that set something other than a visible flag or a data option. */
const NOT_SHOWN = new Set(['bind', 'rbind', 'newinstance', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'suid', 'dev', 'exec', 'atime', 'diratime', 'norelatime']);

/** mountinfo spells data options canonically: mode without leading zeros. */
function canonicalData(opt: string): string {
  const m = /^(mode|ptmxmode)=0*([0-7]+)$/.exec(opt);
  return m ? `${m[1]}=${m[2]}` : opt;
}

/** tmpfs leaves its default mode (1777) out of mountinfo. */
function shownData(type: string, opt: string): boolean {
  return !(type === 'tmpfs' && canonicalData(opt) === 'mode=1777');
}

/** Check one config mount against the mount visible at its destination. */
function expectMountMatches(mounts: MountInfo[], m: Spec): void {
  const seen = mountAt(mounts, m.destination);
  expect(seen, `a mount at ${m.destination}`).toBeDefined();
  const opts: string[] = m.options ?? [];
  const isBind = opts.includes('bind') || opts.includes('rbind') || m.type === 'bind';
  if (m.type === 'cgroup') {
    // cgroup v1: a tmpfs with one mount per hierarchy under it (runc leaves that tmpfs rw and
    // puts the flags on the hierarchies: see the next test); v2: cgroup2 itself
    expect(['tmpfs', 'cgroup2']).toContain(seen!.fsType);
    if (seen!.fsType === 'tmpfs') return;
  } else if (!isBind) {
    expect(seen!.fsType, `type of ${m.destination}`).toBe(m.type);
    expect(seen!.source, `source of ${m.destination}`).toBe(m.source);
  }
  for (const o of opts) {
    if (MOUNT_FLAGS.has(o)) {
      // strictatime shows as the absence of relatime/noatime
      if (o === 'strictatime') expect(seen!.options, `${m.destination}: strictatime`).not.toContain('relatime');
      else expect(seen!.options, `${m.destination}: flag ${o}`).toContain(o);
    } else if (!NOT_SHOWN.has(o) && m.type !== 'cgroup' && shownData(m.type, o)) {
      expect(seen!.superOptions, `${m.destination}: data option ${o}`).toContain(canonicalData(o));
    }
  }
}

describeRoot('mounts', () => {
  it("runc's default mounts are there with their types, flags and data options", () => {
    const r = runContainer(undefined, 'cat /proc/self/mountinfo');
    expect(r.status, describeResult(r)).toBe(0);
    const mounts = parseMountinfo(r.stdout);
    for (const m of r.bundle.config.mounts as Spec[]) expectMountMatches(mounts, m);
    // the root is the bundle's rootfs, read-only (root.readonly)
    const root = mountAt(mounts, '/')!;
    expect(root.root.endsWith(path.basename(path.dirname(r.bundle.rootfs)) + '/rootfs')).toBe(true);
    expect(root.options).toContain('ro');
    // nothing from the host's mount table leaks in: every mount is under a configured destination
    const allowed = ['/', ...(r.bundle.config.mounts as Spec[]).map((m) => m.destination as string)];
    const masked = [...r.bundle.config.linux.maskedPaths, ...r.bundle.config.linux.readonlyPaths] as string[];
    for (const m of mounts) {
      const ok = allowed.some((d) => m.mountPoint === d || m.mountPoint.startsWith(d === '/' ? '/\0' : d + '/')) || masked.includes(m.mountPoint);
      expect(ok, `unexpected mount ${m.mountPoint} (${m.fsType})`).toBe(true);
    }
  });

  it('cgroup hierarchies under /sys/fs/cgroup are read-only', () => {
    const r = runContainer(undefined, 'cat /proc/self/mountinfo; echo ---; mkdir /sys/fs/cgroup/pids/hezi-x 2>&1 || mkdir /sys/fs/cgroup/hezi-x 2>&1; echo rc=$?');
    expect(r.status, describeResult(r)).toBe(0);
    const mounts = parseMountinfo(r.stdout.split('---\n')[0]!).filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2');
    expect(mounts.length).toBeGreaterThan(0);
    for (const m of mounts) {
      expect(m.mountPoint.startsWith('/sys/fs/cgroup')).toBe(true);
      expect(m.options, m.mountPoint).toContain('ro');
    }
    expect(r.stdout).toMatch(/Read-only file system/);
    expect(r.stdout).toMatch(/rc=1\n$/);
  });

  it('the root is read-only with root.readonly and writable without it', () => {
    const ro = runContainer(undefined, 'touch /newfile; echo rc=$?');
    expect(ro.stdout).toBe('rc=1\n');
    expect(ro.stderr).toMatch(/Read-only file system/);

    const rw = runContainer({ root: { readonly: false } }, `touch /newfile && echo written; awk '$5 == "/"' /proc/self/mountinfo`);
    expect(rw.status, describeResult(rw)).toBe(0);
    expect(rw.stdout.split('\n')[0]).toBe('written');
    expect(parseMountinfo(rw.stdout.split('\n').slice(1).join('\n'))[0]!.options).toContain('rw');
    expect(fs.existsSync(path.join(rw.bundle.rootfs, 'newfile'))).toBe(true);
  });

  it('a read-only bind mount of a host directory shows its files and refuses writes', () => {
    const dir = hostFile('bind-ro');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'hello'), 'from the host\n');
    const r = runContainer(
      (s) => s.mounts.push({ destination: '/data', type: 'bind', source: dir, options: ['rbind', 'ro'] }),
      'cat /data/hello; touch /data/new 2>&1; echo rc=$?; grep " /data " /proc/self/mountinfo',
    );
    expect(r.status, describeResult(r)).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('from the host');
    expect(r.stdout).toMatch(/Read-only file system\nrc=1\n/);
    const m = parseMountinfo(lines.filter((l) => l.includes(' /data ')).join('\n'))[0]!;
    expect(m.options).toContain('ro');
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false);
  });

  it('a read-write bind mount lets the container write to the host directory', () => {
    const dir = hostFile('bind-rw');
    fs.mkdirSync(dir);
    runOk(
      (s) => s.mounts.push({ destination: '/data', type: 'bind', source: dir, options: ['rbind', 'rw'] }),
      'echo from-container > /data/out',
    );
    expect(fs.readFileSync(path.join(dir, 'out'), 'utf8')).toBe('from-container\n');
  });

  it('a bind mount of a file onto a path that does not exist in the rootfs creates it as a file', () => {
    const file = hostFile('bind-file');
    fs.writeFileSync(file, 'file contents\n');
    const out = runOk(
      (s) => s.mounts.push({ destination: '/etc/bound/file.txt', type: 'bind', source: file, options: ['bind', 'ro'] }),
      'cat /etc/bound/file.txt; stat -c %F /etc/bound/file.txt',
    );
    expect(out).toBe('file contents\nregular file\n');
  });

  it('a tmpfs mount gets its flags and data options, and is writable under a read-only root', () => {
    const r = runContainer(
      (s) => s.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'mode=0700', 'size=1m'] }),
      'cat /proc/self/mountinfo; echo ---; stat -c %a /scratch; echo x > /scratch/f && cat /scratch/f',
    );
    expect(r.status, describeResult(r)).toBe(0);
    const [mi, rest] = r.stdout.split('---\n');
    const m = mountAt(parseMountinfo(mi!), '/scratch')!;
    expect(m.fsType).toBe('tmpfs');
    expect(m.options).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec']));
    expect(m.superOptions).toEqual(expect.arrayContaining(['mode=700', 'size=1024k']));
    expect(rest).toBe('700\nx\n');
  });

  it('noexec forbids executing from a mount; without it the same binary runs', () => {
    const cmd = 'cp /bin/busybox /scratch/busybox && /scratch/busybox true; echo rc=$?';
    const noexec = runContainer(
      (s) => s.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['noexec'] }),
      cmd,
    );
    expect(noexec.stdout).toBe('rc=126\n');
    expect(noexec.stderr).toMatch(/Permission denied/);
    const exec = runContainer((s) => s.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: [] }), cmd);
    expect(exec.stdout).toBe('rc=0\n');
  });

  it('mounts are applied in order: a later mount lands inside an earlier one', () => {
    const dir = hostFile('nested');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'marker'), 'nested\n');
    const out = runOk(
      (s) =>
        s.mounts.push(
          { destination: '/outer', type: 'tmpfs', source: 'tmpfs', options: ['mode=755'] },
          { destination: '/outer/inner', type: 'bind', source: dir, options: ['rbind', 'ro'] },
        ),
      'cat /outer/inner/marker; grep -c " /outer" /proc/self/mountinfo',
    );
    expect(out).toBe('nested\n2\n');
  });

  it("container mounts do not appear in the host's mount table", () => {
    const r = runContainer(
      (s) => s.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: [] }),
      'grep -c . /proc/self/mountinfo',
    );
    expect(r.status).toBe(0);
    expect(Number(r.stdout)).toBeGreaterThan(5);
    const after = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
    expect(after.filter((m) => m.mountPoint.startsWith(r.bundle.dir))).toEqual([]);
    expect(after.filter((m) => m.mountPoint === '/scratch')).toEqual([]);
  });
});
