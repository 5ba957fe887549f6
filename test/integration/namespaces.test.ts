/**
 * Namespaces, checked from inside: every type listed in linux.namespaces is a new namespace,
 * every type not listed is the host's, and a namespace with a path is the target's.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import {
  createOk,
  describeResult,
  describeRoot,
  expectNothingLeftBehind,
  itRuncFails,
  makeBundle,
  run,
  track,
  writeConfig,
  namespacesOf,
  runContainer,
  runOk,
  type Spec,
} from '../support/bundle';
import { NS_FILES, parseStatus } from '../support/linux';

/** Prints "name=link" for every /proc/self/ns entry. */
const NS_DUMP = 'cd /proc/self/ns && for f in *; do echo "$f=$(readlink $f)"; done';

function parseNsDump(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Keep only these namespace types (in the config's order); drop the hostname without uts. */
function onlyNamespaces(...types: string[]): (spec: Spec) => void {
  return (spec) => {
    spec.linux.namespaces = types.map((type) => ({ type }));
    if (!types.includes('uts')) delete spec.hostname;
  };
}

function addNamespaces(...types: string[]): (spec: Spec) => void {
  return (spec) => {
    for (const type of types) spec.linux.namespaces.push({ type });
  };
}

const USERNS_MAPPINGS = {
  linux: {
    uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
  },
};

/**
 * Check the container's namespaces against its config: listed without a path → differs from
 * the host's; listed with a path → equals `targets[type]`; not listed → equals the host's.
 */
function expectNamespacesMatchConfig(config: Spec, inside: Record<string, string>, targets: Record<string, string> = {}): void {
  const host = namespacesOf('self');
  const listed = new Map<string, Spec>((config.linux.namespaces as Spec[]).map((n) => [n.type as string, n]));
  for (const [type, file] of Object.entries(NS_FILES)) {
    if (host[file] === undefined) continue; // kernel without this namespace type
    expect(inside[file], `ns/${file} inside`).toMatch(new RegExp(`^${file}:\\[\\d+\\]$`));
    const ns = listed.get(type);
    if (!ns) expect(inside[file], `${type} namespace not in the config: the host's`).toBe(host[file]);
    else if (ns.path) expect(inside[file], `${type} namespace joined by path`).toBe(targets[type]);
    else expect(inside[file], `${type} namespace in the config: a new one`).not.toBe(host[file]);
  }
}

describeRoot('namespaces', () => {
  it("runc's default namespaces (pid, network, ipc, uts, mount) are new; user, cgroup and time are the host's", () => {
    const r = runContainer(undefined, NS_DUMP);
    expect(r.status, describeResult(r)).toBe(0);
    const inside = parseNsDump(r.stdout);
    expectNamespacesMatchConfig(r.bundle.config, inside);
    // pid_for_children follows pid
    expect(inside.pid_for_children).toBe(inside.pid);
  });

  it('a cgroup namespace makes the container its own cgroup root', () => {
    const r = runContainer(addNamespaces('cgroup'), `${NS_DUMP}; echo ---; cat /proc/self/cgroup`);
    expect(r.status, describeResult(r)).toBe(0);
    const [ns, cgroups] = r.stdout.split('---\n');
    expectNamespacesMatchConfig(r.bundle.config, parseNsDump(ns!));
    const lines = cgroups!.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line, 'every cgroup path is / inside a cgroup namespace').toMatch(/:\/$/);
  });

  it('without a cgroup namespace the container sees its cgroup path from the host', () => {
    const r = runContainer(undefined, 'cat /proc/self/cgroup');
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout.trim().split('\n').some((l) => !l.endsWith(':/'))).toBe(true);
  });

  it('only a mount namespace: pid, net, ipc and uts are the host\'s', () => {
    const r = runContainer(onlyNamespaces('mount'), `${NS_DUMP}; echo ---; echo $$; hostname`);
    expect(r.status, describeResult(r)).toBe(0);
    const [ns, rest] = r.stdout.split('---\n');
    expectNamespacesMatchConfig(r.bundle.config, parseNsDump(ns!));
    const [pid, hostname] = rest!.trim().split('\n');
    expect(Number(pid)).toBeGreaterThan(1);
    expect(hostname).toBe(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
  });

  it('a pid namespace makes the process pid 1 and hides the host\'s processes', () => {
    const out = runOk(undefined, 'echo $$; ls /proc | grep -c "^[0-9]"');
    const [pid, count] = out.trim().split('\n');
    expect(pid).toBe('1');
    // sh, ls, grep (and the sh of the pipeline), not the host's hundreds
    expect(Number(count)).toBeLessThanOrEqual(4);
  });

  it('a network namespace has only lo; without one the host\'s interfaces show', () => {
    const inNs = runOk(undefined, 'ls /sys/class/net; echo ---; cat /proc/net/dev');
    const [sys, dev] = inNs.split('---\n');
    expect(sys!.trim().split('\n')).toEqual(['lo']);
    expect(dev!.trim().split('\n').slice(2).map((l) => l.trim().split(':')[0])).toEqual(['lo']);

    const hostIfaces = fs.readdirSync('/sys/class/net').sort();
    const noNs = runOk((s) => (s.linux.namespaces = s.linux.namespaces.filter((n: Spec) => n.type !== 'network')), 'ls /sys/class/net');
    expect(noNs.trim().split('\n').sort()).toEqual(hostIfaces);
  });

  it('a new network namespace has lo up with 127.0.0.1 (as runc and crun), in a user namespace too', () => {
    const out = runOk(undefined, 'ip -o link show lo; ip -o addr show lo');
    expect(out).toMatch(/lo: <LOOPBACK,UP,LOWER_UP>/);
    expect(out).toMatch(/inet 127\.0\.0\.1\/8/);
    const userns = runOk(
      (s) => {
        s.linux.namespaces.push({ type: 'user' });
        s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      },
      'ip -o link show lo',
    );
    expect(userns).toMatch(/lo: <LOOPBACK,UP,LOWER_UP>/);
  });

  it('a uts namespace carries the configured hostname; the host keeps its own', () => {
    const hostBefore = fs.readFileSync('/proc/sys/kernel/hostname', 'utf8');
    const out = runOk({ hostname: 'hezi-uts-test' }, 'hostname; cat /proc/sys/kernel/hostname');
    expect(out).toBe('hezi-uts-test\nhezi-uts-test\n');
    expect(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8')).toBe(hostBefore);
  });

  it('a namespace with a path joins that namespace (network, ipc, uts of another container)', () => {
    const a = createOk({ hostname: 'ns-target' }, 'sleep 100');
    const target = namespacesOf(a.pid);
    const joined = ['network', 'ipc', 'uts'];
    const r = runContainer(
      (spec) => {
        spec.linux.namespaces = [
          { type: 'pid' },
          { type: 'mount' },
          ...joined.map((type) => ({ type, path: `/proc/${a.pid}/ns/${NS_FILES[type]}` })),
        ];
        delete spec.hostname; // would change the target's hostname
      },
      `${NS_DUMP}; echo ---; hostname`,
    );
    expect(r.status, describeResult(r)).toBe(0);
    const [ns, hostname] = r.stdout.split('---\n');
    const inside = parseNsDump(ns!);
    const targets = Object.fromEntries(joined.map((t) => [t, target[NS_FILES[t]!]!]));
    expectNamespacesMatchConfig(r.bundle.config, inside, targets);
    // new pid and mount namespaces are also not the target's
    expect(inside.pid).not.toBe(target.pid);
    expect(inside.mnt).not.toBe(target.mnt);
    expect(hostname).toBe('ns-target\n');
  });

  it('a user namespace maps ids as configured (inside root is host uid 100000)', () => {
    const c = createOk((spec) => {
      addNamespaces('user')(spec);
      Object.assign(spec.linux, structuredClone(USERNS_MAPPINGS.linux));
    }, 'sleep 100');
    const host = parseStatus(fs.readFileSync(`/proc/${c.pid}/status`, 'utf8'));
    expect(host.Uid!.split(/\s+/)).toEqual(['100000', '100000', '100000', '100000']);
    expect(host.Gid!.split(/\s+/)).toEqual(['100000', '100000', '100000', '100000']);
    expect(fs.readFileSync(`/proc/${c.pid}/uid_map`, 'utf8').trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect(fs.readFileSync(`/proc/${c.pid}/gid_map`, 'utf8').trim().split(/\s+/)).toEqual(['0', '100000', '65536']);

    const r = runContainer((spec) => {
      addNamespaces('user')(spec);
      Object.assign(spec.linux, structuredClone(USERNS_MAPPINGS.linux));
    }, `${NS_DUMP}; echo ---; id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; stat -c %u /bin/busybox`);
    expect(r.status, describeResult(r)).toBe(0);
    const [ns, rest] = r.stdout.split('---\n');
    expectNamespacesMatchConfig(r.bundle.config, parseNsDump(ns!));
    const lines = rest!.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['0', '0']);
    expect(lines[2]!.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect(lines[3]!.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    // host root (uid 0) is outside the mapping: the overflow uid
    expect(lines[4]).toBe('65534');
  });

  // the bundle directory of runtime-tools' validation (os.MkdirTemp) and of many a CI: 0700, the
  // host's root's; the user namespace's root (host uid 100000) cannot look its path up
  for (const rootfsIsMount of [false, true])
    itRuncFails(
      'bind mount rootfs: permission denied',
      `a user namespace container whose rootfs is under a 0700 directory of the host's root${rootfsIsMount ? ' and is a mount point itself (an overlay)' : ''}`,
      () => {
        const b = makeBundle((spec) => {
          addNamespaces('user')(spec);
          Object.assign(spec.linux, structuredClone(USERNS_MAPPINGS.linux));
          spec.mounts.push({ destination: '/mnt/etc', type: 'bind', source: '/etc', options: ['rbind', 'ro'] });
          spec.process.args = ['sh', '-c', 'id -u; cat /proc/self/uid_map; cat /mnt/etc/hostname; grep -c " /mnt/etc ro," /proc/self/mountinfo; ls /bin/busybox'];
        });
        track(b.id);
        // the image has the mount point: the host's root owns the rootfs, and the namespace's root cannot create one in it
        fs.mkdirSync(path.join(b.rootfs, 'mnt', 'etc'), { recursive: true });
        const secret = path.join(b.dir, 'private');
        fs.mkdirSync(secret, { mode: 0o700 });
        fs.renameSync(b.rootfs, path.join(secret, 'rootfs'));
        const rootfs = path.join(secret, 'rootfs');
        writeConfig(b, { ...b.config, root: { path: 'private/rootfs' } });
        fs.chmodSync(b.dir, 0o700);
        if (rootfsIsMount) expect(spawnSync('mount', ['--bind', rootfs, rootfs]).status).toBe(0);
        try {
          const r = run(['run', '--bundle', b.dir, b.id]);
          expect(r.status, describeResult(r)).toBe(0);
          const lines = r.stdout.trim().split('\n');
          expect(lines[0]).toBe('0');
          expect(lines[1]!.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
          expect(lines[2]).toBe(fs.readFileSync('/etc/hostname', 'utf8').trim());
          expect(lines[3]).toBe('1');
          expect(lines[4]).toBe('/bin/busybox');
        } finally {
          if (rootfsIsMount) spawnSync('umount', ['-l', rootfs]);
        }
        // (the rootfs mount was the test's own)
        expectNothingLeftBehind({ id: b.id, bundle: b.dir });
      },
    );

  it('all of pid, network, ipc, uts, mount, cgroup and user at once', () => {
    const r = runContainer((spec) => {
      addNamespaces('cgroup', 'user')(spec);
      Object.assign(spec.linux, structuredClone(USERNS_MAPPINGS.linux));
    }, NS_DUMP);
    expect(r.status, describeResult(r)).toBe(0);
    expectNamespacesMatchConfig(r.bundle.config, parseNsDump(r.stdout));
  });

  it('a hostname without a uts namespace is refused at create, leaving nothing behind', () => {
    const r = runContainer(
      (spec) => (spec.linux.namespaces = spec.linux.namespaces.filter((n: Spec) => n.type !== 'uts')),
      'true',
      { checkLeftovers: false },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/hostname/i);
    expectNothingLeftBehind({ id: r.id, bundle: r.bundle.dir, emptyRoot: true });
  });
});
