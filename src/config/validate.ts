/**
 * Semantic checks on a schema-valid config, each small and named, each reporting a JSON path:
 * `process.args: must not be empty`. The schema layer (spec/) has already checked types and enums.
 */
import { fs } from '../native/fs';
import * as path from '../linux/path';
import type { Spec } from '../../spec';
import { apparmorEnabled } from '../linux/apparmor';
import { CAPABILITIES } from '../linux/capabilities';
import { isBindMount, parseMountOptions } from '../linux/mount-options';
import { isIdmapped, mountIdmap } from '../plan/idmap';
import { planUserMaps } from '../runtime/usermaps';
import { validDeviceName } from '../linux/netlink';
import { labeledMountType, selinuxEnabled } from '../linux/selinux';
import { lastCap } from '../linux/proc';
import { formatPath } from '../../spec/errors';
import { RLIMITS } from '../linux/rlimits';
import { MAX_LIST_ID, MPOL_NEEDS_NODES, MPOL_NO_NODES, parseIdList } from '../linux/sched';
import { namespaceEntry } from '../linux/namespaces';
import * as loops from '../util/loops';

export interface CheckContext {
  spec: Spec;
  bundle: string;
  /** the runtime's effective uid and gid (default: this process's) */
  euid?: number | undefined;
  egid?: number | undefined;
}

const euidOf = (c: CheckContext): number => c.euid ?? process.geteuid?.() ?? 0;
const egidOf = (c: CheckContext): number => c.egid ?? process.getegid?.() ?? 0;

type Check = (c: CheckContext) => string[];

/** addon/init/init.h HZ_MAX_TREES: the detached trees of id-mapped mounts, and with a user
 *  namespace those of the other bind mounts (src/plan/compile.ts OPEN_TREE) */
const MAX_TREES = 1024;

/** the same inode (two paths to one namespace) */
function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.statSync(a);
    const y = fs.statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

const nsSet = (s: Spec) => new Map(loops.map(s.linux?.namespaces, (n) => [n.type, n]));

type Proc = NonNullable<Spec['process']>;

/**
 * Checks of one process (config.json's, or the one `exec` starts) that do not depend on the rest
 * of the config; `at` is its JSON path ("process").
 */
export const processChecks: Record<string, (p: Proc, at: string) => string[]> = {
  scheduler(p, at) {
    // runc's validator, from sched_setattr(2)
    const s = p.scheduler;
    if (!s) return [];
    const out: string[] = [];
    if ((s.policy === 'SCHED_OTHER' || s.policy === 'SCHED_BATCH') && s.nice !== undefined && (s.nice < -20 || s.nice > 19))
      out.push(`${at}.scheduler.nice: must be -20 to 19 for ${s.policy}, got ${s.nice}`);
    if (s.priority && s.policy !== 'SCHED_FIFO' && s.policy !== 'SCHED_RR') out.push(`${at}.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority`);
    if (s.policy !== 'SCHED_DEADLINE')
      for (const k of ['runtime', 'deadline', 'period'] as const) if (s[k]) out.push(`${at}.scheduler.${k}: only SCHED_DEADLINE takes a ${k}`);
    return out;
  },
  ioPriority(p, at) {
    const level = p.ioPriority?.priority;
    return level !== undefined && (level < 0 || level > 7) ? [`${at}.ioPriority.priority: must be 0 (highest) to 7 (lowest), got ${level}`] : [];
  },
  execCPUAffinity(p, at) {
    const out: string[] = [];
    for (const k of ['initial', 'final'] as const) {
      const v = p.execCPUAffinity?.[k];
      if (v !== undefined && parseIdList(v) === undefined) out.push(`${at}.execCPUAffinity.${k}: invalid CPU list "${v}" (like "0-3,7", CPUs 0 to ${MAX_LIST_ID})`);
    }
    return out;
  },
};

/**
 * Every check of a table, their findings in order. A loop: Array.prototype.flatMap is compiled
 * from JavaScript source on its first call in Bun's engine (~0.3 ms of every create and exec).
 */
function runChecks<A extends unknown[]>(table: Record<string, (...a: A) => string[]>, ...a: A): string[] {
  const out: string[] = [];
  for (const k in table) out.push(...table[k]!(...a));
  return out;
}

/** Every process check, for `exec` (its process is checked on its own). */
export function validateProcessFields(p: Proc, at = 'process'): string[] {
  return runChecks(processChecks, p, at);
}

export const checks: Record<string, Check> = {
  rootPresent({ spec, bundle }) {
    if (!spec.root?.path) return ['root.path: is required'];
    const p = path.resolve(bundle, spec.root.path);
    try {
      if (!fs.statSync(p).isDirectory()) return [`root.path: ${p} is not a directory`];
    } catch {
      return [`root.path: ${p}: no such file or directory`];
    }
    return [];
  },
  apparmor({ spec }) {
    // a security profile that cannot be applied is an error, never silently dropped (runc too)
    if (!spec.process?.apparmorProfile || apparmorEnabled()) return [];
    return [`process.apparmorProfile: AppArmor is not enabled on this host, cannot apply "${spec.process.apparmorProfile}"`];
  },
  selinux({ spec }) {
    // a process label that cannot be applied is an error, never dropped (runc too): it is the
    // process's confinement. A mount label without SELinux is only a warning (below)
    const label = spec.process?.selinuxLabel;
    if (!label || selinuxEnabled()) return [];
    return [`process.selinuxLabel: SELinux is not enabled on this host, cannot apply "${label}"`];
  },
  processPresent({ spec }) {
    return spec.process ? [] : ['process: is required'];
  },
  processArgs({ spec }) {
    const p = spec.process;
    if (!p) return [];
    if (!p.args || p.args.length === 0) return p.commandLine ? [] : ['process.args: must not be empty'];
    return [];
  },
  processCwd({ spec }) {
    const cwd = spec.process?.cwd;
    if (cwd === undefined) return [];
    return path.posix.isAbsolute(cwd) ? [] : [`process.cwd: must be an absolute path, got "${cwd}"`];
  },
  processFields({ spec }) {
    return spec.process ? validateProcessFields(spec.process) : [];
  },
  memoryPolicy({ spec }) {
    const mp = spec.linux?.memoryPolicy;
    if (!mp) return [];
    if (!mp.mode) return ['linux.memoryPolicy.mode: is required'];
    const nodes = parseIdList(mp.nodes ?? '');
    if (nodes === undefined) return [`linux.memoryPolicy.nodes: invalid node list "${mp.nodes}" (like "0-3,7")`];
    const out: string[] = [];
    if (MPOL_NO_NODES.has(mp.mode) && nodes.length) out.push(`linux.memoryPolicy.nodes: ${mp.mode} takes no nodes, got "${mp.nodes}"`);
    if (MPOL_NEEDS_NODES.has(mp.mode) && !nodes.length) out.push(`linux.memoryPolicy.nodes: ${mp.mode} needs at least one node`);
    const f = mp.flags ?? [];
    if (f.includes('MPOL_F_STATIC_NODES') && f.includes('MPOL_F_RELATIVE_NODES'))
      out.push('linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other');
    return out;
  },
  processEnv({ spec }) {
    const out: string[] = [];
    loops.each(spec.process?.env, (e, i) => {
      if (!e.includes('=')) out.push(`process.env[${i}]: must have the form KEY=value, got "${e}"`);
    });
    return out;
  },
  rlimits({ spec }) {
    const out: string[] = [];
    const seen = new Set<string>();
    loops.each(spec.process?.rlimits, (r, i) => {
      if (RLIMITS[r.type] === undefined) out.push(`process.rlimits[${i}].type: unknown rlimit "${r.type}"`);
      if (seen.has(r.type)) out.push(`process.rlimits[${i}].type: duplicate rlimit "${r.type}"`);
      seen.add(r.type);
      if (BigInt(r.soft) > BigInt(r.hard)) out.push(`process.rlimits[${i}]: soft limit ${r.soft} is above hard limit ${r.hard}`);
    });
    return out;
  },
  namespacesUnique({ spec }) {
    const out: string[] = [];
    const seen = new Set<string>();
    loops.each(spec.linux?.namespaces, (n, i) => {
      if (seen.has(n.type)) out.push(`linux.namespaces[${i}].type: duplicate namespace "${n.type}"`);
      seen.add(n.type);
      if (n.path !== undefined && !path.posix.isAbsolute(n.path))
        out.push(`linux.namespaces[${i}].path: must be an absolute path, got "${n.path}"`);
    });
    return out;
  },
  withoutMountNamespace({ spec }) {
    // runc allows a container in the host's mount namespace (mounts are made there, root is a
    // chroot); what would change the host's own mounts is refused
    if (nsSet(spec).has('mount')) return [];
    const out: string[] = [];
    if (spec.root?.readonly) out.push('root.readonly: a read-only root needs a mount namespace');
    if (spec.linux?.rootfsPropagation) out.push('linux.rootfsPropagation: needs a mount namespace');
    return out;
  },
  userMappings({ spec }) {
    const user = nsSet(spec).get('user');
    const hasMaps = (spec.linux?.uidMappings?.length ?? 0) > 0 || (spec.linux?.gidMappings?.length ?? 0) > 0;
    if (user && user.path === undefined) {
      const out: string[] = [];
      if (!spec.linux?.uidMappings?.length) out.push('linux.uidMappings: a new user namespace needs uid mappings');
      if (!spec.linux?.gidMappings?.length) out.push('linux.gidMappings: a new user namespace needs gid mappings');
      return out;
    }
    if (hasMaps && !user) return ['linux.uidMappings: uid/gid mappings need a user namespace'];
    if (hasMaps && user?.path !== undefined) return ['linux.uidMappings: mappings cannot be set when joining a user namespace by path'];
    return [];
  },
  rootless(ctx) {
    // a user other than root has no capabilities outside a user namespace of its own
    const euid = euidOf(ctx);
    if (euid === 0) return [];
    const out: string[] = [];
    // no device program without CAP_SYS_ADMIN: only rules that allow can go unenforced (runc's canSkipEBPFError)
    loops.each(ctx.spec.linux?.resources?.devices, (d, k) => {
      if (!d.allow) out.push(`linux.resources.devices[${k}]: a runtime run by a user other than root cannot enforce a rule that denies (no eBPF device program without CAP_SYS_ADMIN)`);
    });
    const user = nsSet(ctx.spec).get('user');
    if (!user) return [...out, `linux.namespaces: a container run by a user other than root (uid ${euid}) needs a user namespace`];
    if (user.path !== undefined) return out;
    const plan = planUserMaps(ctx.spec.linux?.uidMappings ?? [], ctx.spec.linux?.gidMappings ?? [], euid, egidOf(ctx));
    if (plan.denySetgroups && ctx.spec.process?.user?.additionalGids?.length)
      out.push('process.user.additionalGids: a gid map of your own gid alone denies setgroups: map a range of /etc/subgid (newgidmap) to have additional groups');
    return out;
  },
  hostname({ spec }) {
    const uts = nsSet(spec).get('uts');
    const out: string[] = [];
    if (spec.hostname && !uts) out.push('hostname: setting a hostname needs a uts namespace');
    if (spec.domainname && !uts) out.push('domainname: setting a domainname needs a uts namespace');
    return out;
  },
  timeOffsets({ spec }) {
    const t = nsSet(spec).get('time');
    if (spec.linux?.timeOffsets && Object.keys(spec.linux.timeOffsets).length > 0) {
      if (!t) return ['linux.timeOffsets: needs a time namespace'];
      if (t.path !== undefined) return ['linux.timeOffsets: cannot be set when joining a time namespace by path'];
      for (const k of Object.keys(spec.linux.timeOffsets))
        if (k !== 'monotonic' && k !== 'boottime') return [`linux.timeOffsets.${k}: unknown clock (monotonic or boottime)`];
    }
    return [];
  },
  sysctl({ spec }) {
    const ns = nsSet(spec);
    const out: string[] = [];
    for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
      const where = `linux.sysctl.${key}`;
      if (key.includes('..') || key.includes('/') || key.startsWith('.')) {
        out.push(`${where}: invalid sysctl name`);
        continue;
      }
      const ipc =
        ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'].includes(key) ||
        key.startsWith('fs.mqueue.');
      if (ipc) {
        if (!ns.has('ipc')) out.push(`${where}: needs an ipc namespace`);
      } else if (key.startsWith('net.')) {
        if (!ns.has('network')) out.push(`${where}: needs a network namespace`);
      } else if (key === 'kernel.hostname' || key === 'kernel.domainname') {
        if (!ns.has('uts')) out.push(`${where}: needs a uts namespace`);
      } else if (key.startsWith('user.')) {
        // the user.max_* limits belong to the user namespace that writes them (runc 1.5)
        if (!ns.has('user')) out.push(`${where}: needs a user namespace`);
      } else {
        out.push(`${where}: not in a separate kernel namespace, refusing to change it for the host`);
      }
    }
    return out;
  },
  devices({ spec }) {
    const out: string[] = [];
    loops.each(spec.linux?.devices, (d, i) => {
      if (!path.posix.isAbsolute(d.path)) out.push(`linux.devices[${i}].path: must be an absolute path`);
      if (d.type !== 'p' && (d.major === undefined || d.minor === undefined))
        out.push(`linux.devices[${i}]: type "${d.type}" needs major and minor`);
    });
    return out;
  },
  maskedReadonlyPaths({ spec }) {
    const out: string[] = [];
    for (const key of ['maskedPaths', 'readonlyPaths'] as const)
      loops.each(spec.linux?.[key], (p, i) => {
        if (!path.posix.isAbsolute(p)) out.push(`linux.${key}[${i}]: must be an absolute path`);
      });
    return out;
  },
  hooks({ spec }) {
    const out: string[] = [];
    const hooks = spec.hooks ?? {};
    for (const [kind, list] of Object.entries(hooks)) {
      loops.each(list, (h: { path: string; timeout?: number | undefined }, i: number) => {
        if (!path.posix.isAbsolute(h.path)) out.push(`hooks.${kind}[${i}].path: must be an absolute path`);
        if (h.timeout !== undefined && h.timeout <= 0) out.push(`hooks.${kind}[${i}].timeout: must be positive`);
      });
    }
    return out;
  },
  mounts({ spec }) {
    const out: string[] = [];
    loops.each(spec.mounts, (m, i) => {
      if (!m.destination) out.push(`mounts[${i}].destination: must not be empty`);
      const o = parseMountOptions(m.options);
      if (o.copyUp && m.type !== 'tmpfs') out.push(`mounts[${i}].options: tmpcopyup needs a tmpfs mount, got type "${m.type ?? ''}"`);
    });
    return out;
  },
  intelRdt({ spec }) {
    const rdt = spec.linux?.intelRdt;
    if (!rdt) return [];
    const out: string[] = [];
    const { resctrlRoot } = require('../runtime/intelrdt') as typeof import('../runtime/intelrdt');
    // runtime-spec: no resctrl mounted is an error, never a silent drop
    if (!resctrlRoot()) out.push('linux.intelRdt: resctrl is not mounted on this host (Intel RDT is not available)');
    const c = rdt.closID;
    if (c !== undefined && c !== '/' && (c === '' || c === '.' || c === '..' || c.includes('/') || c.includes('\n')))
      out.push(`linux.intelRdt.closID: invalid CLOS name "${c}"`);
    if (rdt.l3CacheSchema?.includes('\n')) out.push('linux.intelRdt.l3CacheSchema: must not contain a newline');
    loops.each(rdt.schemata, (l, i) => {
      if (l.includes('\n')) out.push(`linux.intelRdt.schemata[${i}]: must not contain a newline`);
    });
    return out;
  },
  netDevices(ctx) {
    const devices = ctx.spec.linux?.netDevices ?? {};
    const names = Object.keys(devices);
    if (!names.length) return [];
    const net = nsSet(ctx.spec).get('network');
    if (!net) return ['linux.netDevices: moving network devices needs a network namespace'];
    if (net.path !== undefined && sameFile(net.path, '/proc/self/ns/net'))
      return [`linux.netDevices: the network namespace ${net.path} is the runtime's own: there is nowhere to move the devices`];
    const out: string[] = [];
    if (euidOf(ctx) !== 0) out.push('linux.netDevices: moving network devices needs a runtime running as root');
    const targets = new Map<string, string>();
    for (const [host, dev] of Object.entries(devices)) {
      const at = formatPath(['linux', 'netDevices', host]);
      if (!validDeviceName(host)) out.push(`${at}: invalid network device name "${host}"`);
      if (dev.name !== undefined && dev.name !== '' && !validDeviceName(dev.name)) out.push(`${at}.name: invalid network device name "${dev.name}"`);
      const target = dev.name || host;
      // two devices with one name ("eth%d" templates are numbered by the kernel)
      if (!target.includes('%') && targets.has(target)) out.push(`${at}.name: "${target}" is also the name of ${targets.get(target)}`);
      targets.set(target, at);
    }
    return out;
  },
  idmappedMounts(ctx) {
    const { spec } = ctx;
    const out: string[] = [];
    let count = 0;
    let binds = 0;
    loops.each(spec.mounts, (m, i) => {
      if (!isIdmapped(m)) {
        if (m.type !== 'cgroup' && m.type !== 'cgroup2' && isBindMount(m, parseMountOptions(m.options))) binds++;
        return;
      }
      count++;
      const at = `mounts[${i}]`;
      if (m.uidMappings?.length && !m.gidMappings?.length) out.push(`${at}.gidMappings: must be given with uidMappings`);
      else if (m.gidMappings?.length && !m.uidMappings?.length) out.push(`${at}.uidMappings: must be given with gidMappings`);
      else if (!mountIdmap(m, spec))
        out.push(`${at}.options: an id-mapped mount needs uidMappings and gidMappings, or the container's user namespace to take them from`);
      if (!isBindMount(m, parseMountOptions(m.options))) out.push(`${at}: id-mapped mounts must be bind mounts`);
      // the tree is cloned and mapped as root of the initial user namespace (runc refuses rootless too)
      if (euidOf(ctx) !== 0) out.push(`${at}: id-mapped mounts need a runtime running as root`);
    });
    if (count > MAX_TREES) out.push(`mounts: at most ${MAX_TREES} id-mapped mounts, got ${count}`);
    else if (namespaceEntry(spec.linux?.namespaces, 'user') !== undefined && count + binds > MAX_TREES)
      out.push(`mounts: at most ${MAX_TREES} bind mounts in a container with a user namespace, got ${count + binds}`);
    return out;
  },
};

/**
 * Things that are not errors but must be said (config.md: a capability that cannot be mapped or
 * granted MUST be logged as a warning, and runtimes SHOULD NOT fail).
 */
export const warnings: Record<string, Check> = {
  capabilities({ spec }) {
    const caps = spec.process?.capabilities;
    if (!caps) return [];
    const out: string[] = [];
    const last = lastCap();
    for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
      loops.each(caps[set], (name, i) => {
        const bit = CAPABILITIES[name];
        if (bit === undefined) out.push(`process.capabilities.${set}[${i}]: unknown capability "${name}", ignored`);
        else if (bit > last) out.push(`process.capabilities.${set}[${i}]: ${name} is not known to this kernel, ignored`);
      });
    }
    return out;
  },
  bindData({ spec }) {
    // the kernel ignores filesystem options on a bind mount: they are left off and said, as crun
    // leaves them off (runc >= 1.2 refuses the config, runc 1.1 passed them to mount(2) unseen)
    const out: string[] = [];
    loops.each(spec.mounts, (m, i) => {
      const o = parseMountOptions(m.options);
      if (isBindMount(m, o) && o.data.length) out.push(`mounts[${i}].options: "${o.data.join(',')}" ignored: a bind mount takes no filesystem options`);
    });
    return out;
  },
  mountLabel({ spec }) {
    // Files' labels mean nothing where no SELinux enforces them: the label is left off the mounts
    // and said, as crun does (runc fails: the kernel refuses context= then). A process label is
    // still refused (selinux above): dropping it would drop a confinement
    const mountLabel = spec.linux?.mountLabel;
    if (!mountLabel || selinuxEnabled()) return [];
    if (!loops.some(spec.mounts, (m) => !isBindMount(m, parseMountOptions(m.options)) && labeledMountType(m.type ?? ''))) return [];
    return [`linux.mountLabel: SELinux is not enabled on this host, "${mountLabel}" ignored`];
  },
};

export function configWarnings(ctx: CheckContext): string[] {
  return runChecks(warnings, ctx);
}

export function validate(ctx: CheckContext): string[] {
  return runChecks(checks, ctx);
}
