/**
 * Mount features beyond mount(2) flags and data, checked from inside the container:
 * tmpcopyup (a tmpfs that starts with the directory's content), id-mapped mounts
 * (mounts[].uidMappings/gidMappings, idmap/ridmap: `stat` through the mount, files created
 * through it), and bind-mount options as runc >= 1.2 applies them (cleared flags, flags a user
 * namespace locked, no filesystem data). Host fixtures (directories, a read-only bind, a noexec
 * tmpfs, a submount) live in the test's work dir and are unmounted after each test.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  describeResult,
  describeRoot,
  hostFile,
  itRuncFails,
  newId,
  runContainer,
  runOk,
  runRefused,
  work,
  type ConfigPatch,
  type Spec,
} from '../support/bundle';
import { mountAt, parseMountinfo } from '../support/linux';

const hostMounts: string[] = [];
/** mount(8) on the host, undone after the test */
function hostMount(args: string[], target: string): void {
  const r = spawnSync('mount', [...args, target], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount ${args.join(' ')} ${target}: ${r.stderr}`);
  hostMounts.unshift(target);
}
afterEach(() => {
  for (const m of hostMounts.splice(0)) spawnSync('umount', ['-l', m]);
});

/** A host directory with files owned by uid:gid 0:0, 1000:1000 and 5:5 */
function ownedFiles(): string {
  const dir = hostFile('owned');
  fs.mkdirSync(dir);
  for (const [name, id] of [['root-owned', 0], ['u1000', 1000], ['u5', 5]] as const) {
    fs.writeFileSync(path.join(dir, name), name);
    fs.chownSync(path.join(dir, name), id, id);
  }
  return dir;
}

/** `stat -c '%u:%g %n'` lines → { name: 'uid:gid' } */
function owners(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const [ids, name] = line.split(' ');
    if (ids && name) r[path.basename(name)] = ids;
  }
  return r;
}

const STAT = (dir: string) => `stat -c '%u:%g %n' ${dir}/*`;

/** A container in a new user namespace (root = host 100000); its mount points go under /dev, a tmpfs the mapped root owns */
function userns(spec: Spec): void {
  spec.linux.namespaces.push({ type: 'user' });
  spec.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
}

/** runContainer with the image changed first: `edit` gets the bundle's rootfs (copied before the config patch runs) */
function runWithImage(edit: (rootfs: string) => void, patch: (spec: Spec) => void, cmd: string) {
  const id = newId();
  return runContainer(
    (spec) => {
      edit(path.join(work(), 'bundles', id, 'rootfs'));
      patch(spec);
    },
    cmd,
    { id },
  );
}

describeRoot('tmpcopyup', () => {
  const etcCopy = (extra: string[] = []) => (spec: Spec) => {
    spec.root.readonly = false;
    spec.mounts.push({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'nosuid', 'size=4m', ...extra] });
  };

  it("a tmpfs over /etc with tmpcopyup starts with the image's files (owners, modes, symlinks, subdirectories); writes stay in the tmpfs", () => {
    const r = runWithImage(
      (rootfs) => {
        // the image: a nested file owned by 1000:1001 mode 640, a symlink, a directory mode 700
        const etc = path.join(rootfs, 'etc');
        fs.mkdirSync(path.join(etc, 'sub', 'deep'), { recursive: true });
        fs.writeFileSync(path.join(etc, 'sub', 'deep', 'f'), 'deep\n');
        fs.chownSync(path.join(etc, 'sub', 'deep', 'f'), 1000, 1001);
        fs.chmodSync(path.join(etc, 'sub', 'deep', 'f'), 0o640);
        fs.symlinkSync('../passwd', path.join(etc, 'sub', 'lnk'));
        fs.mkdirSync(path.join(etc, 'priv'), { mode: 0o700 });
      },
      etcCopy(),
      `head -1 /etc/passwd; stat -c '%u:%g %a %F %n' /etc/sub/deep/f /etc/priv /etc; readlink /etc/sub/lnk; cat /etc/sub/deep/f 2>/dev/null || echo unreadable; echo new > /etc/new && cat /etc/new; grep ' /etc ' /proc/self/mountinfo | sed 's/.* - //'`,
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'root:x:0:0:root:/root:/bin/sh',
      '1000:1001 640 regular file /etc/sub/deep/f',
      '0:0 700 directory /etc/priv',
      '0:0 755 directory /etc',
      '../passwd',
      // 640 and owned by 1000: root without CAP_DAC_OVERRIDE (runc's default caps) cannot read it
      'unreadable',
      'new',
      'tmpfs tmpfs rw,size=4096k',
      '',
    ]);
    // the image itself is untouched
    expect(fs.existsSync(path.join(r.bundle.rootfs, 'etc', 'new'))).toBe(false);
  });

  it('without tmpcopyup the same tmpfs hides the directory', () => {
    const out = runOk((spec) => {
      spec.mounts.push({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] });
    }, 'ls -A /etc | wc -l');
    expect(out).toBe('0\n');
  });

  it('tmpcopyup with ro: the copy is there, the mount read-only', () => {
    const out = runOk(etcCopy(['ro']), "head -1 /etc/passwd; touch /etc/x 2>/dev/null || echo read-only; grep ' /etc ' /proc/self/mountinfo | cut -d' ' -f6");
    expect(out).toBe('root:x:0:0:root:/root:/bin/sh\nread-only\nro,nosuid,relatime\n');
  });

  itRuncFails("runc 1.1 gives the tmpfs the directory's mode over mode=", "the tmpfs root keeps the directory's mode, unless mode= says otherwise (runc 1.2)", () => {
    expect(runOk(etcCopy(), 'stat -c %a /etc')).toBe('755\n');
    expect(runOk(etcCopy(['mode=710']), 'stat -c %a /etc')).toBe('710\n');
  });

  it('symlinks in the copied directory are copied as symlinks, never followed (a link to / stays a link)', () => {
    const r = runWithImage(
      (rootfs) => {
        fs.symlinkSync('/', path.join(rootfs, 'etc', 'escape'));
        fs.symlinkSync('/proc/self/root/etc/shadow', path.join(rootfs, 'etc', 'shadow-link'));
      },
      etcCopy(),
      'stat -c %F /etc/escape /etc/shadow-link; readlink /etc/escape; readlink /etc/shadow-link',
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('symbolic link\nsymbolic link\n/\n/proc/self/root/etc/shadow\n');
  });

  itRuncFails('runc ignores tmpcopyup on other types', 'tmpcopyup on a mount that is not a tmpfs is refused with its path', () => {
    runRefused((spec) => spec.mounts.push({ destination: '/mnt', type: 'bind', source: '/tmp', options: ['rbind', 'tmpcopyup'] }), /mounts\[\d+\]\.options: tmpcopyup needs a tmpfs mount/);
  });
});

describeRoot('id-mapped mounts', () => {
  const mapping = [
    { containerID: 0, hostID: 2000, size: 1 },
    { containerID: 1000, hostID: 3000, size: 1 },
  ];

  itRuncFails('runc 1.1 ignores uidMappings/gidMappings on mounts', "a mount's own mappings: on-disk 0 shows as 2000, 1000 as 3000, unmapped ids as the overflow id; a file made through the mount by uid 2000 is root's on disk", () => {
    const dir = ownedFiles();
    fs.chmodSync(dir, 0o755);
    const r = runContainer(
      (spec) => {
        spec.process.user = { uid: 2000, gid: 2000 };
        spec.mounts.push({ destination: '/m', type: 'bind', source: dir, options: ['bind'], uidMappings: mapping, gidMappings: mapping });
      },
      `${STAT('/m')}; stat -c '%u:%g' /m; touch /m/made && echo made`,
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(owners(r.stdout)).toEqual({ 'root-owned': '2000:2000', u1000: '3000:3000', u5: '65534:65534' });
    expect(r.stdout).toContain('\n2000:2000\nmade\n');
    const st = fs.statSync(path.join(dir, 'made'));
    expect([st.uid, st.gid]).toEqual([0, 0]);
  });

  itRuncFails('runc 1.1 ignores idmap', "idmap with the container's user namespace: host root's files are the container root's (not nobody's), and what the container's root makes is host root's", () => {
    const dir = ownedFiles();
    const r = runContainer(
      (spec) => {
        userns(spec);
        spec.mounts.push({ destination: '/dev/m', type: 'bind', source: dir, options: ['bind', 'idmap'] });
        spec.mounts.push({ destination: '/dev/plain', type: 'bind', source: dir, options: ['bind'] });
      },
      `${STAT('/dev/m')}; echo ---; ${STAT('/dev/plain')}; touch /dev/m/made && echo made`,
    );
    expect(r.status, describeResult(r)).toBe(0);
    const [mapped, plain] = r.stdout.split('---\n');
    expect(owners(mapped!)).toEqual({ 'root-owned': '0:0', u1000: '1000:1000', u5: '5:5' });
    expect(owners(plain!)).toEqual({ 'root-owned': '65534:65534', u1000: '65534:65534', u5: '65534:65534' });
    expect(r.stdout).toContain('made\n');
    const st = fs.statSync(path.join(dir, 'made'));
    expect([st.uid, st.gid]).toEqual([0, 0]);
  });

  itRuncFails('runc 1.1 ignores ridmap', 'rbind with ridmap maps the submounts too; with idmap only the top mount is mapped', () => {
    const dir = ownedFiles();
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    hostMount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], sub);
    fs.writeFileSync(path.join(sub, 'inner'), 'x');
    const see = (opt: string) =>
      runOk((spec) => {
        spec.mounts.push({ destination: '/m', type: 'bind', source: dir, options: ['rbind', opt], uidMappings: mapping, gidMappings: mapping });
      }, "stat -c '%u:%g %n' /m/root-owned /m/sub/inner");
    expect(owners(see('ridmap'))).toEqual({ 'root-owned': '2000:2000', inner: '2000:2000' });
    expect(owners(see('idmap'))).toEqual({ 'root-owned': '2000:2000', inner: '0:0' });
  });

  itRuncFails('runc 1.1 ignores idmap', 'an id-mapped mount keeps its other options (ro)', () => {
    const dir = ownedFiles();
    const out = runOk((spec) => {
      spec.mounts.push({ destination: '/m', type: 'bind', source: dir, options: ['bind', 'ro'], uidMappings: mapping, gidMappings: mapping });
    }, "stat -c '%u' /m/root-owned; touch /m/x 2>/dev/null || echo read-only");
    expect(out).toBe('2000\nread-only\n');
  });

  itRuncFails('runc 1.1 does not validate mount mappings', 'refused before anything starts: idmap with no mapping and no user namespace, uidMappings alone, idmap on a tmpfs', () => {
    const dir = ownedFiles();
    runRefused((spec) => spec.mounts.push({ destination: '/m', type: 'bind', source: dir, options: ['bind', 'idmap'] }), /mounts\[\d+\]\.options: an id-mapped mount needs uidMappings and gidMappings, or the container's user namespace/);
    runRefused((spec) => spec.mounts.push({ destination: '/m', type: 'bind', source: dir, options: ['bind'], uidMappings: mapping }), /mounts\[\d+\]\.gidMappings: must be given with uidMappings/);
    runRefused((spec) => spec.mounts.push({ destination: '/m', type: 'tmpfs', source: 'tmpfs', options: ['idmap'], uidMappings: mapping, gidMappings: mapping }), /mounts\[\d+\]: id-mapped mounts must be bind mounts/);
  });

  it('an id-mapped mount of a source that does not exist fails cleanly', () => {
    runRefused((spec) => spec.mounts.push({ destination: '/m', type: 'bind', source: '/nonexistent/hezi-src', options: ['bind'], uidMappings: mapping, gidMappings: mapping }), /\/nonexistent\/hezi-src/);
  });
});

describeRoot('bind mount options (runc >= 1.2)', () => {
  const mi = (out: string, at: string) => mountAt(parseMountinfo(out), at)!;

  itRuncFails('runc 1.1 does not remount for cleared flags', 'rw on a bind of a read-only source makes it writable', () => {
    const src = hostFile('ro-src');
    fs.mkdirSync(src);
    const ro = hostFile('ro-bind');
    fs.mkdirSync(ro);
    hostMount(['--bind', src], ro);
    hostMount(['-o', 'remount,bind,ro'], ro);
    const plain = runOk((spec) => spec.mounts.push({ destination: '/m', type: 'bind', source: ro, options: ['bind'] }), 'cat /proc/self/mountinfo');
    expect(mi(plain, '/m').options).toContain('ro');
    const out = runOk((spec) => spec.mounts.push({ destination: '/m', type: 'bind', source: ro, options: ['bind', 'rw'] }), 'touch /m/x && echo wrote');
    expect(out).toBe('wrote\n');
  });

  itRuncFails('runc 1.1 does not remount for cleared flags', 'exec and suid on a bind of a noexec,nosuid source clear those flags', () => {
    const nx = hostFile('noexec');
    fs.mkdirSync(nx);
    hostMount(['-t', 'tmpfs', '-o', 'nosuid,nodev,noexec,size=4m', 'tmpfs'], nx);
    fs.copyFileSync('/bin/busybox', path.join(nx, 'busybox'));
    fs.chmodSync(path.join(nx, 'busybox'), 0o755);
    const out = runOk((spec) => spec.mounts.push({ destination: '/m', type: 'bind', source: nx, options: ['bind', 'exec', 'suid'] }), "/m/busybox true && echo ran; grep ' /m ' /proc/self/mountinfo | cut -d' ' -f6");
    // runc >= 1.2 ("mount --bind -o"): the bind gets exactly the flags asked for, so nodev goes too
    expect(out).toBe('ran\nrw,relatime\n');
  });

  itRuncFails('runc 1.1 does not retry with the locked flags', 'in a user namespace, ro on a bind of a nosuid,nodev,noexec source keeps the flags the namespace locked', () => {
    const nx = hostFile('locked');
    fs.mkdirSync(nx);
    hostMount(['-t', 'tmpfs', '-o', 'nosuid,nodev,noexec,size=1m', 'tmpfs'], nx);
    const out = runOk((spec) => {
      userns(spec);
      spec.mounts.push({ destination: '/dev/m', type: 'bind', source: nx, options: ['bind', 'ro'] });
    }, "grep ' /dev/m ' /proc/self/mountinfo | cut -d' ' -f6");
    expect(out).toBe('ro,nosuid,nodev,noexec,relatime\n');
  });

  itRuncFails('runc 1.1 ignores cleared flags on bind mounts', 'in a user namespace, clearing a locked flag (exec on a noexec source) is refused, not ignored', () => {
    const nx = hostFile('locked');
    fs.mkdirSync(nx);
    hostMount(['-t', 'tmpfs', '-o', 'nosuid,nodev,noexec,size=1m', 'tmpfs'], nx);
    runRefused((spec) => {
      userns(spec);
      spec.mounts.push({ destination: '/dev/m', type: 'bind', source: nx, options: ['bind', 'exec'] });
    }, /\/dev\/m.*operation not permitted/);
  });

  itRuncFails('runc 1.1 passes them to mount(2) without a word', 'filesystem options on a bind mount are left off with a warning naming them; the bind mount is there, with its source', () => {
    const src = hostFile('bind-data');
    fs.mkdirSync(src);
    fs.writeFileSync(`${src}/marker`, 'from the host\n');
    const r = runContainer((spec) => spec.mounts.push({ destination: '/m', type: 'bind', source: src, options: ['rbind', 'mode=700', 'size=1k'] }), "cat /m/marker; grep -c ' /m ' /proc/self/mountinfo");
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('from the host\n1\n');
    expect(r.stderr).toMatch(/level=warning msg="mounts\[\d+\]\.options: \\"mode=700,size=1k\\" ignored: a bind mount takes no filesystem options"/);
  });
});
