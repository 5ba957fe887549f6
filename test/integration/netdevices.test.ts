/**
 * linux.netDevices, seen with `ip` from inside the container: a host device moved into the
 * container's network namespace, renamed, up, with its permanent global addresses, and usable
 * (a ping to the other end of a veth pair). The "host" is a network namespace each test makes
 * (an nsfs bind in the test's work dir) and removes: the runtime runs in it under nsenter, so
 * the machine's own network is never touched. This kernel has veth (no dummy module).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  createOk,
  describeResult,
  describeRoot,
  hostFile,
  itRuncFails,
  ok,
  run,
  runContainer,
  runRefused,
  waitFor,
  waitForStatus,
  type ConfigPatch,
  type Spec,
} from '../support/bundle';

function sh(cmd: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function must(cmd: string[]): string {
  const r = sh(cmd);
  if (r.status !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanups.splice(0).reverse()) f();
});

/** A fresh network namespace, kept alive by an nsfs bind mount in the work dir (removed after the test). */
function netns(): { file: string; ip: (...args: string[]) => string; tryIp: (...args: string[]) => ReturnType<typeof sh> } {
  const dir = hostFile('netns');
  fs.mkdirSync(dir);
  // nsfs binds cannot go under a shared mount: a private mount of its own
  must(['mount', '--bind', dir, dir]);
  cleanups.push(() => void sh(['umount', '-l', dir]));
  must(['mount', '--make-private', dir]);
  const file = path.join(dir, 'ns');
  fs.writeFileSync(file, '');
  must(['unshare', `--net=${file}`, 'true']);
  cleanups.push(() => void sh(['umount', '-l', file]));
  const argv = (args: string[]) => ['nsenter', `--net=${file}`, '--', 'ip', ...args];
  return { file, ip: (...args) => must(argv(args)), tryIp: (...args) => sh(argv(args)) };
}

/** The runtime, run in network namespace `file` */
const inNs = (file: string) => ({ prefix: ['nsenter', `--net=${file}`, '--'] });

/** A veth pair a <-> b in `ns`, `a` up with 10.98.0.1/24, `b` carrying 10.98.0.2/24 and fd00:98::2/64 */
function vethPair(ns: ReturnType<typeof netns>, a: string, b: string): void {
  ns.ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  ns.ip('addr', 'add', '10.98.0.1/24', 'dev', a);
  ns.ip('link', 'set', a, 'up');
  ns.ip('addr', 'add', '10.98.0.2/24', 'dev', b);
  ns.ip('-6', 'addr', 'add', 'fd00:98::2/64', 'dev', b, 'nodad');
}

const withNetRaw = (spec: Spec): void => {
  for (const set of ['bounding', 'effective', 'permitted']) spec.process.capabilities[set].push('CAP_NET_RAW');
};

const netDevices = (devices: Record<string, { name?: string }>): ConfigPatch => (spec) => {
  withNetRaw(spec);
  spec.linux.netDevices = devices;
};

describeRoot('linux.netDevices', () => {
  itRuncFails('runc 1.1 ignores linux.netDevices', 'a veth end moved in as eth7: up, its permanent global addresses kept, a ping reaches the other end; gone from the runtime\'s namespace', () => {
    const ns = netns();
    vethPair(ns, 'hzv0', 'hzv1');
    const r = runContainer(netDevices({ hzv1: { name: 'eth7' } }), 'ip -o link show eth7; ip -o addr show eth7; ping -c1 -W5 10.98.0.1 >/dev/null && echo ping-ok', inNs(ns.file));
    expect(r.status, describeResult(r)).toBe(0);
    const [link, ...rest] = r.stdout.split('\n');
    expect(link).toMatch(/^\d+: eth7@\S+: <[^>]*\bUP\b[^>]*>/);
    expect(rest.join('\n')).toMatch(/inet 10\.98\.0\.2\/24 .*scope global eth7/);
    expect(rest.join('\n')).toMatch(/inet6 fd00:98::2\/64 scope global/);
    expect(r.stdout).toContain('ping-ok\n');
    // moved, not copied: the runtime's namespace no longer has it
    expect(ns.tryIp('link', 'show', 'hzv1').status).not.toBe(0);
  });

  itRuncFails('runc 1.1 ignores linux.netDevices', 'a name template: eth%d becomes eth0 (the kernel numbers it)', () => {
    const ns = netns();
    vethPair(ns, 'hzv0', 'hzv1');
    const out = runContainer(netDevices({ hzv1: { name: 'eth%d' } }), 'ip -o link show | cut -d: -f2 | cut -d@ -f1', inNs(ns.file));
    expect(out.stdout, describeResult(out)).toBe(' lo\n eth0\n');
  });

  itRuncFails('runc 1.1 ignores linux.netDevices', 'exec sees the moved device; after delete it is gone with the container\'s namespace (virtual devices are destroyed, nothing is moved back)', () => {
    const ns = netns();
    vethPair(ns, 'hzv0', 'hzv1');
    const c = createOk(netDevices({ hzv1: {} }), ['sleep', '1000'], inNs(ns.file));
    ok(run(['start', c.id], inNs(ns.file)));
    waitForStatus(c.id, 'running');
    const r = run(['exec', c.id, 'ip', '-o', 'addr', 'show', 'hzv1'], inNs(ns.file));
    expect(r.stdout, describeResult(r)).toMatch(/inet 10\.98\.0\.2\/24/);
    ok(run(['delete', '--force', c.id], inNs(ns.file)));
    // the peer goes with the pair: the runtime's namespace keeps lo only, once the kernel has
    // freed the container's namespace (it does that asynchronously, in a work queue)
    const links = () => ns.ip('-o', 'link', 'show').split('\n').filter(Boolean).map((l) => l.split(':')[1]!.trim());
    waitFor(() => links().length === 1, 10_000);
    expect(links()).toEqual(['lo']);
  });

  itRuncFails('runc 1.1 ignores linux.netDevices', 'into a network namespace joined by path: the device stays there after delete (the runtime MUST NOT move it back)', () => {
    const ns = netns();
    const target = netns();
    vethPair(ns, 'hzv0', 'hzv1');
    const r = runContainer(
      (spec) => {
        netDevices({ hzv1: { name: 'eth5' } })(spec);
        spec.linux.namespaces = spec.linux.namespaces.map((n: Spec) => (n.type === 'network' ? { type: 'network', path: target.file } : n));
      },
      'ip -o link show eth5 | cut -d: -f2',
      inNs(ns.file),
    );
    expect(r.stdout, describeResult(r)).toMatch(/^ eth5(@\S+)?\n$/);
    expect(target.ip('-o', 'addr', 'show', 'eth5')).toMatch(/inet 10\.98\.0\.2\/24/);
  });

  itRuncFails('runc 1.1 ignores linux.netDevices', 'a name that exists in the container (lo) is refused with the field named; the device stays where it was, up again', () => {
    const ns = netns();
    vethPair(ns, 'hzv0', 'hzv1');
    ns.ip('link', 'set', 'hzv1', 'up');
    runRefused(netDevices({ hzv1: { name: 'lo' } }), /linux\.netDevices\.hzv1: a network device named \\?"lo\\?" already exists in the container's network namespace/, inNs(ns.file));
    expect(ns.ip('-o', 'link', 'show', 'hzv1')).toMatch(/<[^>]*\bUP\b/);
  });

  itRuncFails('runc 1.1 ignores linux.netDevices', 'a device the runtime does not have is refused with the field named, leaving nothing behind', () => {
    const ns = netns();
    runRefused(netDevices({ hznope0: {} }), /linux\.netDevices\.hznope0: there is no network device \\?"hznope0\\?"/, inNs(ns.file));
  });

  itRuncFails('runc 1.1 ignores linux.netDevices', 'without a network namespace, or with a bad device name, it is refused before anything starts', () => {
    for (const [patch, msg] of [
      [(spec: Spec) => {
        spec.linux.namespaces = spec.linux.namespaces.filter((n: Spec) => n.type !== 'network');
        spec.linux.netDevices = { eth0: {} };
      }, /linux\.netDevices: moving network devices needs a network namespace/],
      [netDevices({ 'bad/name': {} }), /linux\.netDevices\[\\?"bad\/name\\?"\]: invalid network device name/],
      [netDevices({ eth0: { name: 'a-name-longer-than-15' } }), /linux\.netDevices\.eth0\.name: invalid network device name/],
    ] as const)
      runRefused(patch, msg);
  });
});
