/**
 * config → plan: every decision about order, paths, flags and values is made here, in runc's
 * order (nsexec → prepareRootfs → finalizeRootfs → standard_init → finalizeNamespace), and the C++
 * init only carries the list out.
 */
import { fs } from '../native/fs';
import * as path from '../linux/path';
import type { Spec } from '../../spec';
import { apparmorExecAttr } from '../linux/apparmor';
import { capMask } from '../linux/capabilities';
import { AT_RECURSIVE, MOUNT_ATTR, MS, bindRemountAttrs, bindSource, clearedAttrs, isBindMount, newMountAttrs, parseMountOptions, propagationFlag } from '../linux/mount-options';
import { JOIN_ORDER, NS, NsType } from '../linux/namespaces';
import { MountInfo, mountOf } from '../linux/proc';
import { RLIMITS } from '../linux/rlimits';
import { labeledMountType } from '../linux/selinux';
import { idmapTrees } from './idmap';
import { execLabelOps, keyringLabelOps } from './labels';
import { affinityResetOps, memoryPolicyOps, schedulingOps } from './knobs';
import { ERRNO, FS_MAGIC, MNT, Op, SLOT, SyncTag, op } from './ops';
import * as loops from '../util/loops';

export interface HostInfo {
  lastCap: number;
  mounts: MountInfo[];
  /** /proc/self/cgroup lines: controllers ("" for v2) → path */
  ownCgroups: Map<string, string>;
  /** pure cgroup v2 at /sys/fs/cgroup */
  cgroup2Only: boolean;
  hasKcore: boolean;
  /** SELinux is enabled: linux.mountLabel goes on the mounts (else it is left off; the config check warns) */
  selinux?: boolean;
}

export interface CompileInput {
  spec: Spec;
  bundle: string;
  /** realpath of the rootfs on the host */
  rootfs: string;
  fifo: string;
  noPivot: boolean;
  /** the container's cgroup directories (controller → host dir, "" for cgroup2), as the cgroup
   *  manager will create them before the fork: bound at /sys/fs/cgroup without a cgroup namespace */
  cgroupDirs?: Record<string, string> | undefined;
  /** files the init writes "0" to right after the CGROUP sync, moving itself into those cgroups
   *  (the v1 hierarchies' `tasks`: see selfJoinFiles in src/linux/cgroups/control.ts) */
  cgroupJoinFiles?: readonly string[] | undefined;
  /** --no-new-keyring: keep the caller's session keyring */
  noNewKeyring?: boolean;
  /** process.terminal: the console socket's fd in the init (the pty is made after the root switch) */
  consoleFd?: number | undefined;
  preserveFds: number;
  host: HostInfo;
  /** the compiled linux.seccomp (src/linux/seccomp.ts), if any */
  seccomp?: SeccompLoad | undefined;
  /** false: the user namespace denies setgroups(2) (a gid map an unprivileged user wrote itself) */
  setgroups?: boolean | undefined;
  /** the runtime is not root (rootless): it may not clone mounts (OPEN_TREE) in its own mount
   *  namespace, and reaches its bind sources as the user anyway */
  rootless?: boolean | undefined;
}

/** A compiled seccomp filter for the SECCOMP op. */
export interface SeccompLoad {
  /** struct sock_filter[] */
  bpf: Uint8Array;
  /** seccomp(2) flags; NEW_LISTENER makes the init hand the listener fd to the runtime */
  flags: number;
  /** the filter has a listener: it must be loaded while the runtime still answers (before READY) */
  listener: boolean;
}

export interface Plan {
  ops: Op[];
  /** namespaces the init creates (CLONE_NEW* flags) */
  newNamespaces: NsType[];
  /** does the runtime have to answer a USERNS_MAPS sync */
  userns: boolean;
  /** createRuntime/prestart sync present */
  hookSync: boolean;
  /** with startContainer hooks: the index of the first op after WAIT_FIFO (`start` words their failures) */
  afterStart?: number | undefined;
}

const DEFAULT_DEVICES: ReadonlyArray<{ path: string; major: number; minor: number }> = [
  { path: '/dev/null', major: 1, minor: 3 },
  { path: '/dev/zero', major: 1, minor: 5 },
  { path: '/dev/full', major: 1, minor: 7 },
  { path: '/dev/random', major: 1, minor: 8 },
  { path: '/dev/urandom', major: 1, minor: 9 },
  { path: '/dev/tty', major: 5, minor: 0 },
];

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return (mi & 0xffn) | ((ma & 0xfffn) << 8n) | ((mi & ~0xffn) << 12n) | ((ma & ~0xfffn) << 32n);
}

/** "/a/../b" → "/b"; relative destinations are taken relative to "/" (as runc does). */
export function containerPath(p: string): string {
  return path.posix.resolve('/', p);
}

export function compile(inp: CompileInput): Plan {
  const { spec, rootfs, host } = inp;
  const ops: Op[] = [];
  const nsList = spec.linux?.namespaces ?? [];
  const byType = new Map(loops.map(nsList, (n) => [n.type as NsType, n]));
  const joined = loops.filter(JOIN_ORDER, (t) => byType.get(t)?.path !== undefined);
  const created = loops.filter(Object.keys(NS) as NsType[], (t) => byType.has(t) && byType.get(t)?.path === undefined);
  const inUserns = byType.has('user');
  const proc = spec.process;
  // With a mount namespace of its own the init enters the rootfs (CHDIR) while it is still the
  // host's root and names it "." from then on (BIND_CWD): a user namespace's root may not be able to
  // look up its path (a 0700 bundle directory of the host's root). Without one: the path.
  const ownMountNs = created.includes('mount');
  const root = ownMountNs ? '.' : rootfs;

  // no process of the container may read /proc/<pid> of an init that holds host resources
  // (exec.fifo) and has no seccomp yet (CVE-2016-9962); the exec of the process resets it
  ops.push(op.dumpable(false));

  // 0. exec.fifo is opened (O_PATH) while the init is still the host's root in the host's
  //    namespaces: the state dir is 0700, and a user-namespaced root could not reach it later
  ops.push(op.openFifo(inp.fifo));
  // the runtime makes the cgroups; the init moves itself in, still the host's root in the host's
  // namespaces (a user-namespaced root could not open the cgroup files), before anything else
  ops.push(op.sync(SyncTag.CGROUP, 'place the init in its cgroup'));
  for (const f of inp.cgroupJoinFiles ?? []) ops.push(op.writeFile(f, '0', `join the container's cgroup: write ${f}`));
  // id-mapped mounts are prepared as root of the runtime's user namespace, before any other is entered
  const idmap = idmapTrees(spec, inp.bundle);
  ops.push(...idmap.ops);

  // the sources of the other bind mounts, cloned (open_tree) while the init is still the host's
  // root, into the tree slots after the id-mapped ones: the root of a user namespace may not be able
  // to reach them (a 0700 directory of the host's root), as runc's mount source fds; each MOUNT_AT
  // attaches its slot's tree once
  const trees = new Map(idmap.slots);
  if (inUserns && !inp.rootless) {
    loops.each(spec.mounts, (m, k) => {
      const o = parseMountOptions(m.options);
      if (trees.has(k) || m.type === 'cgroup' || m.type === 'cgroup2' || !isBindMount(m, o)) return;
      const src = bindSource(m, inp.bundle);
      const slot = trees.size;
      trees.set(k, slot);
      ops.push(op.openTree(src, slot, (o.flags & MS.REC) !== 0, `bind mount ${src} on ${containerPath(m.destination)}`));
    });
  }

  if (ownMountNs) ops.push(op.chdir(rootfs, `chdir to the rootfs ${rootfs}`));

  // 1. join namespaces given by path (user first, mount last)
  for (const t of joined) {
    const p = byType.get(t)?.path ?? '';
    ops.push(op.setns(p, NS[t].flag, `join ${t} namespace ${p}`));
  }

  // 2. a new user namespace first: the runtime writes the id maps, then we become its root
  const userns = created.includes('user');
  if (userns) {
    ops.push(op.unshare(NS.user.flag, 'create user namespace'));
    // dumpable only while the runtime writes /proc/<pid>/uid_map and gid_map (as runc)
    ops.push(op.dumpable(true));
    ops.push(op.sync(SyncTag.USERNS_MAPS, 'write uid/gid mappings'));
    ops.push(op.dumpable(false));
    ops.push(op.setresgid(0), op.setresuid(0));
  }

  // 3. the other new namespaces; the cgroup namespace comes after cgroup placement (in the child)
  let flags = 0;
  for (const t of created) if (t !== 'user' && t !== 'cgroup') flags |= NS[t].flag;
  if (flags) ops.push(op.unshare(flags, `create ${loops.filter(created, (t) => t !== 'user' && t !== 'cgroup').join(', ')} namespaces`));
  const offsets = spec.linux?.timeOffsets;
  if (created.includes('time') && offsets && Object.keys(offsets).length) {
    const text = Object.entries(offsets)
      .map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`)
      .join('');
    ops.push(op.writeFile('/proc/self/timens_offsets', text, 'write time namespace offsets'));
  }

  // a new network namespace gets its loopback up, as runc's and crun's do
  if (created.includes('network')) ops.push(op.loopbackUp());
  if (Object.keys(spec.linux?.netDevices ?? {}).length) ops.push(op.sync(SyncTag.NET_DEVICES, 'move linux.netDevices into the network namespace'));

  // 4. the container process: born in its cgroup (the init joined it first), pid 1 of a new pid
  //    namespace, session leader
  ops.push(...affinityResetOps(proc, false));
  ops.push(op.fork());
  if (created.includes('cgroup')) ops.push(op.unshare(NS.cgroup.flag, 'create cgroup namespace'));
  ops.push(op.setsid());
  // runc: a new session keyring named after the container, unless --no-new-keyring
  if (!inp.noNewKeyring) ops.push(...keyringLabelOps(proc), op.joinKeyring(path.basename(path.dirname(inp.fifo)), 0x3f1b0000));

  // process attributes that need no container view: through the host's /proc, before pivot
  if (proc?.oomScoreAdj !== undefined)
    ops.push(op.writeFile('/proc/self/oom_score_adj', String(proc.oomScoreAdj), `set oom_score_adj to ${proc.oomScoreAdj}`));
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {}))
    ops.push(op.writeFile(`/proc/sys/${key.split('.').join('/')}`, value, `set sysctl ${key}=${value}`));
  for (const r of proc?.rlimits ?? []) {
    const res = RLIMITS[r.type];
    if (res === undefined) continue;
    ops.push(op.setrlimit(res, toRlim(r.soft), toRlim(r.hard), `set ${r.type} to soft ${r.soft}, hard ${r.hard}`));
  }
  ops.push(...memoryPolicyOps(spec.linux));

  // 5. the root filesystem
  const requested = spec.linux?.rootfsPropagation;
  const requestedFlag = requested ? propagationFlag(requested) : undefined;
  const initialProp = requested === 'private' || requested === 'rprivate' ? MS.PRIVATE | MS.REC : MS.SLAVE | MS.REC;
  // Without a mount namespace (allowed, as in runc) nothing may touch the host's own mounts: no
  // propagation change, no bind of the rootfs, and chroot instead of pivot_root.
  if (ownMountNs) {
    ops.push(op.mount('', '', '/', '', initialProp, '', 'make / a slave mount'));
    const parent = mountOf(rootfs, host.mounts);
    // the rootfs itself a mount (an overlay): "." is its root
    if (parent) ops.push(op.mount('', '', parent.mountPoint === rootfs ? '.' : parent.mountPoint, '', MS.PRIVATE, '', `make ${parent.mountPoint} private`));
    ops.push(op.bindCwd(true, `bind mount rootfs ${rootfs}`));
  }

  const mounts = spec.mounts ?? [];
  let devIsBind = false;
  let devReadonly = false;
  for (const [index, m] of mounts.entries()) {
    const dest = containerPath(m.destination);
    const o = parseMountOptions(m.options);
    const type = m.type ?? ((o.flags & MS.BIND) !== 0 ? 'bind' : '');
    const isBind = isBindMount(m, o);
    if (dest === '/dev') {
      if (isBind) devIsBind = true;
      else if (o.flags & MS.RDONLY) devReadonly = true;
    }
    if (type === 'cgroup' || type === 'cgroup2') {
      ops.push(...cgroupMounts(inp, root, dest, o.flags, created.includes('cgroup')));
      continue;
    }
    let src = m.source ?? '';
    const t = mountTarget(dest, type);
    if (isBind) {
      src = bindSource(m, inp.bundle);
      let isDir = true;
      try {
        isDir = fs.statSync(src).isDirectory();
      } catch {
        /* the mount op reports the missing source with its errno */
      }
      if (isDir) ops.push(op.mkdirAll(root, dest, 0o755, `create mount point ${dest}`));
      else ops.push(op.touch(root, dest, 0o755, `create mount point ${dest}`));
      // the remount with the other options is done on the clone before it is attached: on this
      // mount, never on what the path leads to once it is there. runc >= 1.2: a bind gets exactly
      // the flags asked for, cleared ones (rw, exec, suid, dev) included
      const rest = o.flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
      const a = rest || o.clearFlags ? bindRemountAttrs(rest) : { set: 0, clr: 0 };
      const flags = MNT.BIND | (o.flags & MS.REC ? MNT.REC : 0) | t.flags;
      const idmapped = idmap.slots.has(index);
      const what = `${idmapped ? 'id-mapped ' : ''}bind mount ${src} on ${dest}${rest || o.clearFlags ? ` with ${(m.options ?? []).join(',')}` : ''}`;
      // a source cloned before the user namespace has no locked flags: MOUNT_AT keeps them as the kernel would
      const locked = trees.has(index) && !idmapped ? MNT.LOCKED : 0;
      const args = { src, root, rel: dest, attrSet: a.set, attrClr: a.clr, flags: flags | locked, slot: SLOT.MOUNT, tree: trees.get(index) ?? -1, cleared: clearedAttrs(o) };
      ops.push(op.mountAt(args, what, t.explain));
    } else {
      ops.push(op.mkdirAll(root, dest, 0o755, `create mount point ${dest}`, t.noSymlinks, t.explain));
      let fl = o.flags;
      if (dest === '/dev' && devReadonly) fl &= ~MS.RDONLY; // made read-only after the device nodes
      const n = newMountAttrs(fl);
      const options = [...n.sbOptions, ...o.data];
      // linux.mountLabel where SELinux is on (elsewhere left off: the config check warns), on the mounts runc labels
      if (host.selinux && spec.linux?.mountLabel && labeledMountType(type)) options.push(`context=${spec.linux.mountLabel}`);
      const args = { src, root, rel: dest, fstype: type, options, attrSet: n.attr, flags: t.flags, slot: SLOT.MOUNT, magic: t.magic };
      if (o.copyUp) {
        // tmpcopyup: read-only per mount after the copy (not the superblock), the directory's own
        // mode unless the options give one (runc)
        args.options = loops.filter(options, (x) => x !== 'ro');
        if (fl & MS.RDONLY) args.attrSet |= MOUNT_ATTR.RDONLY;
        args.flags |= MNT.COPY_UP | (loops.some(o.data, (d) => d.startsWith('mode=')) ? 0 : MNT.COPY_MODE);
      }
      ops.push(op.mountAt(args, `mount ${src || type} on ${dest}${o.copyUp ? ' with tmpcopyup' : ''}`, t.explain));
    }
    for (const p of o.propagation)
      ops.push(op.mountSetattr(SLOT.MOUNT, 0, 0, p & ~MS.REC, p & MS.REC ? AT_RECURSIVE : 0, `set propagation of ${dest}`));
    if (o.attrSet || o.attrClr)
      ops.push(op.mountSetattr(SLOT.MOUNT, o.attrSet, o.attrClr, 0, AT_RECURSIVE, `set recursive mount attributes on ${dest}`));
  }

  // 6. devices
  if (!devIsBind) {
    const devs: Array<{ path: string; type: string; major: number; minor: number; mode: number; uid: number; gid: number }> =
      loops.map(DEFAULT_DEVICES, (d) => ({ ...d, type: 'c', mode: 0o666, uid: 0, gid: 0 }));
    for (const d of spec.linux?.devices ?? []) {
      const entry = {
        path: containerPath(d.path),
        type: d.type,
        major: d.major ?? 0,
        minor: d.minor ?? 0,
        mode: d.fileMode ?? 0o666,
        uid: d.uid ?? 0,
        gid: d.gid ?? 0,
      };
      const k = devs.findIndex((x) => x.path === entry.path);
      if (k >= 0) devs[k] = entry;
      else devs.push(entry);
    }
    ops.push(op.mkdirAll(root, '/dev', 0o755, 'create /dev'));
    for (const d of devs) {
      const dir = path.posix.dirname(d.path);
      if (dir !== '/dev') ops.push(op.mkdirAll(root, dir, 0o755, `create ${dir}`));
      if (inUserns) {
        // mknod is not allowed in a user namespace: bind the host's node instead
        ops.push(op.touch(root, d.path, 0o644, `create mount point ${d.path}`));
        const t = mountTarget(d.path, 'bind');
        ops.push(op.mountAt({ src: d.path, root, rel: d.path, flags: MNT.BIND | t.flags }, `bind mount device ${d.path}`, t.explain));
      } else {
        const kind = d.type === 'b' ? S_IFBLK : d.type === 'p' ? S_IFIFO : S_IFCHR;
        ops.push(
          op.mknod(root, d.path, kind | (d.mode & 0o7777), makedev(d.major, d.minor), d.uid, d.gid, `create device ${d.path}`),
        );
      }
    }
    const links: Array<[string, string]> = [
      ['/proc/self/fd', '/dev/fd'],
      ['/proc/self/fd/0', '/dev/stdin'],
      ['/proc/self/fd/1', '/dev/stdout'],
      ['/proc/self/fd/2', '/dev/stderr'],
    ];
    if (host.hasKcore) links.push(['/proc/kcore', '/dev/core']);
    for (const [target, link] of links) ops.push(op.symlink(target, root, link, true, `symlink ${link} -> ${target}`));
    if (loops.some(mounts, (m) => containerPath(m.destination) === '/dev/pts'))
      ops.push(op.symlink('pts/ptmx', root, '/dev/ptmx', true, 'symlink /dev/ptmx -> pts/ptmx'));
  }

  // 7. the working directory exists before anyone needs it
  if (proc?.cwd) ops.push(op.mkdirAll(root, containerPath(proc.cwd), 0o755, `create cwd ${proc.cwd}`));

  // 8. hooks that run before pivot_root: prestart + createRuntime by the runtime, createContainer here
  const hooks = spec.hooks ?? {};
  const hookSync = (hooks.prestart?.length ?? 0) + (hooks.createRuntime?.length ?? 0) + (hooks.createContainer?.length ?? 0) > 0;
  if (hookSync) ops.push(op.sync(SyncTag.CREATE_RUNTIME, 'run prestart and createRuntime hooks'));
  // createContainer hooks run in the container's mount namespace with its rootfs as the cwd (runc's
  // prepareRootfs chdir), so relative paths in them name the container's files (with a mount
  // namespace the cwd is the rootfs already)
  if (hooks.createContainer?.length && !ownMountNs) ops.push(op.chdir(rootfs, `chdir to the rootfs ${rootfs}`));
  loops.each(hooks.createContainer, (h, k) => ops.push(hookOp(h, 'createContainer', k)));

  // 9. switch root. Without pivot_root the old root stays below the new one in the mount
  //    namespace: its fully visible procfs and sysfs go first, or a user namespace in the
  //    container could mount a procfs of its own (mount_too_revealing) (runc's msMoveRoot)
  if (ownMountNs && inp.noPivot)
    for (const m of host.mounts)
      if (m.root === '/' && (m.fstype === 'proc' || m.fstype === 'sysfs') && !isWithin(m.mountPoint, rootfs)) ops.push(op.hideMount(m.mountPoint));
  ops.push(!ownMountNs ? op.chroot(rootfs) : inp.noPivot ? op.moveRoot(root, rootfs) : op.pivotRoot(root, rootfs));
  if (ownMountNs && requestedFlag !== undefined && requested !== 'private' && requested !== 'rprivate')
    ops.push(op.mount('', '', '/', '', requestedFlag, '', `set rootfs propagation to ${requested}`));
  // the console (runc's order): a pty of the container's devpts, bound on /dev/console, before
  // /dev or / may become read-only
  if (proc?.terminal && inp.consoleFd !== undefined) ops.push(...consoleOps(proc, inp.consoleFd, '/dev/console'));
  if (devReadonly && !devIsBind) ops.push(op.remountRo('/dev', 0, 'remount /dev read-only'));
  if (spec.root?.readonly) ops.push(op.remountRo('/', 0, 'remount / read-only'));

  // 10. standard init, in runc's order
  if (spec.hostname !== undefined && byType.has('uts')) ops.push(op.sethostname(spec.hostname));
  if (spec.domainname !== undefined && byType.has('uts')) ops.push(op.setdomainname(spec.domainname));
  for (const p of spec.linux?.readonlyPaths ?? []) ops.push(op.readonlyPath(containerPath(p)));
  for (const p of spec.linux?.maskedPaths ?? []) ops.push(op.maskPath(containerPath(p)));
  ops.push(op.umask(proc?.user?.umask ?? 0o022));
  if (spec.linux?.personality) {
    const domain = spec.linux.personality.domain === 'LINUX32' ? 0x0008 : 0x0000;
    ops.push(op.personality(domain, `set personality ${spec.linux.personality.domain}`));
  }
  const { ops: procOps, args, env } = processOps(proc, { lastCap: host.lastCap, preserveFds: inp.preserveFds, rootfs, seccomp: inp.seccomp, setgroups: inp.setgroups });
  ops.push(...procOps);
  if ((hooks.startContainer?.length ?? 0) > 0)
    // startContainer hooks run after `start`, when no runtime answers syncs: hand them the state now
    ops.push(op.sync(SyncTag.STATE, 'pass the state to startContainer hooks'));
  // with no_new_privs, seccomp goes as late as possible (runc): right before exec, so the profile
  // need not allow what the init does; a listener must reach the runtime, so then before READY
  const lateSeccomp = proc?.noNewPrivileges ? inp.seccomp : undefined;
  // AppArmor: the profile takes effect at the execve (runc writes it at the same point)
  if (proc?.apparmorProfile) ops.push(op.writeProc(apparmorExecAttr(), `exec ${proc.apparmorProfile}`, `apply AppArmor profile "${proc.apparmorProfile}"`));
  ops.push(...execLabelOps(proc));
  if (lateSeccomp?.listener) ops.push(op.seccomp(lateSeccomp.bpf, lateSeccomp.flags));
  ops.push(op.ready());
  // with startContainer hooks, `start` waits on exec.fifo until they have run and learns how they went
  const startHooks = hooks.startContainer ?? [];
  ops.push(op.waitFifo(startHooks.length > 0));
  const afterStart = ops.length;
  // the startContainer hooks run with the container's seccomp filter in place (runc)
  if (lateSeccomp && !lateSeccomp.listener) ops.push(op.seccomp(lateSeccomp.bpf, lateSeccomp.flags));
  loops.each(startHooks, (h, k) => ops.push(hookOp(h, 'startContainer', k)));
  if (startHooks.length) ops.push(op.releaseFifo());
  ops.push(op.exec(args, env));

  return { ops, newNamespaces: created, userns, hookSync, afterStart: startHooks.length ? afterStart : undefined };
}

export interface ProcessOpsOptions {
  lastCap: number;
  preserveFds: number;
  /** the container's rootfs on the host, to find HOME in its /etc/passwd */
  rootfs: string;
  /**
   * The compiled seccomp filter. processOps places it only without no_new_privs (loading then
   * needs CAP_SYS_ADMIN: before the capabilities are dropped); with no_new_privs the caller
   * places it as late as possible (see compile()).
   */
  seccomp?: SeccompLoad | undefined;
  /** false: setgroups(2) is denied in the process's user namespace, so the groups are left as they are */
  setgroups?: boolean | undefined;
}

/**
 * The part of the init shared by `create` and `exec`: no_new_privs, fds, bounding set, user,
 * cwd, capabilities, then the PATH lookup of args[0] (so a missing executable fails the command
 * itself, not a later `start`).
 */
export function processOps(proc: Spec['process'], o: ProcessOpsOptions): { ops: Op[]; args: string[]; env: string[] } {
  // scheduler and I/O priority first: a real-time policy needs CAP_SYS_NICE, a seccomp profile may forbid the calls
  const ops: Op[] = schedulingOps(proc);
  // the cwd first, as root (runc chdirs before it drops privileges) and before a seccomp profile
  // without no_new_privs loads: the CHDIR op checks the new cwd with getcwd(2), which a profile may
  // deny; where root is refused (a cwd only the user can reach, e.g. a volume chowned to it) it is
  // tried again once the user is set (runc)
  const cwd = proc?.cwd ?? '/';
  const chdirWhat = `chdir to cwd ("${cwd}") set in config.json`;
  ops.push(op.chdir(cwd, chdirWhat, 'first'));
  if (proc?.noNewPrivileges) ops.push(op.noNewPrivs());
  else if (o.seccomp) ops.push(op.seccomp(o.seccomp.bpf, o.seccomp.flags));
  ops.push(op.closeFds(3 + o.preserveFds));
  const caps = proc?.capabilities;
  const lc = o.lastCap;
  ops.push(op.capsBounding(capMask(caps?.bounding, lc), lc));
  ops.push(op.keepcaps(true));
  const user = proc?.user ?? { uid: 0, gid: 0 };
  if (o.setgroups !== false) ops.push(op.setgroups(user.additionalGids ?? []));
  ops.push(op.setresgid(user.gid), op.setresuid(user.uid));
  ops.push(op.chdir(cwd, chdirWhat, 'retry'));
  ops.push(op.keepcaps(false));
  const permitted = capMask(caps?.permitted, lc);
  const inheritable = capMask(caps?.inheritable, lc);
  ops.push(op.capset(capMask(caps?.effective, lc), permitted, inheritable));
  // the kernel only lets a capability be ambient when it is permitted and inheritable; runc
  // skips the others silently, and so do we
  ops.push(op.capsAmbient(capMask(caps?.ambient, lc) & permitted & inheritable, lc));
  const env = processEnv(proc, o.rootfs);
  const args = proc?.args ?? [];
  const arg0 = args[0] ?? '';
  ops.push(op.lookupExec(execCandidates(arg0, env), `exec: "${arg0}"`));
  return { ops, args, env };
}

/** The data sent with the master fd: runc sends the master's file name (SendFd(pty.Name())). */
export const CONSOLE_NAME = '/dev/ptmx';

/**
 * The console, shared by create and exec: a pty from /dev/ptmx as the process sees it (sized by
 * consoleSize), the slave owned by the process's uid (runc's fixStdioPermissions) and, for create,
 * bound on /dev/console; the master to the console socket at `sockFd`; the slave as stdio and
 * controlling terminal (the process is a session leader by then).
 */
export function consoleOps(proc: Spec['process'], sockFd: number, mountOn: string): Op[] {
  const size = proc?.consoleSize;
  return [op.console(sockFd, size?.height ?? 0, size?.width ?? 0, mountOn, proc?.user?.uid ?? 0, CONSOLE_NAME), op.setctty()];
}

function hookOp(h: { path: string; args?: string[] | undefined; env?: string[] | undefined; timeout?: number | undefined }, kind: string, k: number): Op {
  return op.runHook(h.path, h.args ?? [h.path], h.env ?? [], (h.timeout ?? 0) * 1000, `running ${kind} hook #${k} (${h.path})`);
}

function toRlim(v: number | bigint): bigint {
  const b = BigInt(v);
  // 2^64-1 (RLIM_INFINITY as an unsigned value) → -1 in the signed encoding
  return b >= 0x7fffffffffffffffn ? -1n : b;
}

/** The most of the container's /etc/passwd read for HOME; a longer file is read that far. */
export const PASSWD_MAX = 4 << 20;

/**
 * The env the process gets: config env, plus HOME from the container's /etc/passwd when unset.
 * The file is the image's, hence hostile: it is read inside the rootfs (its symlinks stay in
 * it), only if it is a regular file, and at most PASSWD_MAX bytes of it; anything else is no
 * passwd (HOME=/, as runc does without one).
 */
export function processEnv(proc: Spec['process'], rootfs: string): string[] {
  const env = [...(proc?.env ?? [])];
  if (!loops.some(env, (e) => e.startsWith('HOME='))) {
    const uid = proc?.user?.uid ?? 0;
    let home = '/';
    for (const line of containerPasswd(rootfs)) {
      const f = line.split(':');
      if (f.length >= 6 && Number(f[2]) === uid) {
        home = f[5] || '/';
        break;
      }
    }
    env.push(`HOME=${home}`);
  }
  return env;
}

/** The complete lines of the container's /etc/passwd; [] when it is missing or unusable. */
function containerPasswd(rootfs: string): string[] {
  let buf: Buffer | null;
  try {
    const { native } = require('../native/addon') as typeof import('../native/addon');
    buf = native().readFileInRoot(rootfs, 'etc/passwd', PASSWD_MAX);
  } catch {
    return []; // not a regular file, unreadable
  }
  if (!buf) return [];
  const lines = buf.subarray(0, PASSWD_MAX).toString('utf8').split('\n');
  if (buf.length > PASSWD_MAX) lines.pop(); // cut short: the last line may be partial
  return lines;
}

/** PATH lookup candidates for args[0], decided here and tried in order by the init. */
export function execCandidates(arg0: string, env: readonly string[]): string[] {
  if (arg0.includes('/')) return [arg0];
  let pathVar = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  for (const e of env) if (e.startsWith('PATH=')) pathVar = e.slice(5); // the last one counts
  const out: string[] = [];
  for (const d of pathVar.split(':')) out.push(path.posix.join(d || '.', arg0));
  return out;
}

/**
 * A `cgroup` mount: pure v2 → cgroup2 (in a cgroup namespace) or a bind of our cgroup; v1/hybrid →
 * a tmpfs with one entry per hierarchy, as runc lays it out.
 */
function cgroupMounts(inp: CompileInput, root: string, dest: string, flags: number, cgroupns: boolean): Op[] {
  const { host } = inp;
  const ops: Op[] = [op.mkdirAll(root, dest, 0o755, `create mount point ${dest}`)];
  const base = flags & (MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME);
  const ro = (flags & MS.RDONLY) !== 0;
  const checks = mountTarget(dest, 'cgroup');
  const fresh = (src: string, rel: string, fstype: string, fl: number, data: string[], slot: number, what: string): Op => {
    const n = newMountAttrs(fl);
    return op.mountAt({ src, root, rel, fstype, options: [...n.sbOptions, ...data], attrSet: n.attr, flags: checks.flags, slot }, what, checks.explain);
  };
  // a bind of our cgroup directory, remounted with these flags (on the clone, before it is attached)
  const bind = (src: string, rel: string, fl: number): Op => {
    const a = bindRemountAttrs(fl);
    return op.mountAt({ src, root, rel, attrSet: a.set, attrClr: a.clr, flags: MNT.BIND | MNT.REC | checks.flags }, `bind mount ${src} on ${rel}`, checks.explain);
  };
  if (host.cgroup2Only) {
    if (cgroupns) ops.push(fresh('cgroup2', dest, 'cgroup2', flags, [], -1, `mount cgroup2 on ${dest}`));
    else {
      const src = inp.cgroupDirs?.[''] ?? path.join('/sys/fs/cgroup', host.ownCgroups.get('') ?? '/');
      ops.push(ro ? bind(src, dest, MS.RDONLY | base) : op.mountAt({ src, root, rel: dest, flags: MNT.BIND | MNT.REC | checks.flags }, `bind mount ${src} on ${dest}`, checks.explain));
    }
    return ops;
  }
  ops.push(fresh('tmpfs', dest, 'tmpfs', base, ['mode=755'], SLOT.CGROUP_TMPFS, `mount tmpfs on ${dest}`));
  const hierarchies = loops.filter(host.mounts, (m) => (m.fstype === 'cgroup' || m.fstype === 'cgroup2') && path.posix.dirname(m.mountPoint) === '/sys/fs/cgroup');
  for (const h of hierarchies) {
    const name = path.posix.basename(h.mountPoint);
    const sub = path.posix.join(dest, name);
    ops.push(op.mkdirAll(root, sub, 0o755, `create mount point ${sub}`));
    const controllers = h.fstype === 'cgroup2' ? [] : loops.filter(h.superOptions.split(','), (x) => x !== 'rw' && x !== 'ro');
    const key = h.fstype === 'cgroup2' ? '' : controllerKey(h.superOptions);
    if (cgroupns) {
      ops.push(fresh('cgroup', sub, h.fstype, flags, controllers, -1, `mount cgroup ${name} on ${sub}`));
    } else {
      // the container's own cgroup in this hierarchy (runc binds the same), else ours
      const planned = h.fstype === 'cgroup2' ? inp.cgroupDirs?.[''] : loops.find(loops.map(controllersOf(h.superOptions), (c) => inp.cgroupDirs?.[c]), Boolean);
      const src = planned ?? path.join(h.mountPoint, host.ownCgroups.get(key) ?? '/');
      ops.push(bind(src, sub, base | (ro ? MS.RDONLY : 0)));
    }
    // cpu -> cpu,cpuacct and friends
    if (name.includes(','))
      for (const alias of name.split(','))
        ops.push(op.symlink(name, root, path.posix.join(dest, alias), true, `symlink ${path.posix.join(dest, alias)} -> ${name}`));
  }
  if (ro) ops.push(op.mountSetattr(SLOT.CGROUP_TMPFS, MOUNT_ATTR.RDONLY, 0, 0, 0, `remount ${dest} read-only`));
  return ops;
}

/** Files of /proc that lxcfs emulates: a mount on them is allowed (runc's checkProcMount list). */
const PROC_MOUNTABLE = new Set([
  '/proc/cpuinfo', '/proc/diskstats', '/proc/meminfo', '/proc/stat', '/proc/swaps', '/proc/uptime', '/proc/loadavg', '/proc/slabinfo', '/proc/net/dev',
  '/proc/sys/kernel/ns_last_pid',
]);

/**
 * How a mount target is checked (CVE-2019-16884, CVE-2019-19921 classes): procfs and sysfs go on an
 * ordinary directory reached without symlinks and must be what is there afterwards; nothing else
 * goes where the path resolves into a procfs (save procfs itself on /proc and lxcfs' files).
 */
function mountTarget(dest: string, type: string): { flags: number; noSymlinks: boolean; magic: number; explain: Op['explain'] } {
  const special = type === 'proc' || type === 'sysfs';
  const onProc = (type === 'proc' && dest === '/proc') || PROC_MOUNTABLE.has(dest);
  const flags = (special ? MNT.NO_SYMLINKS : 0) | (onProc ? 0 : MNT.NOT_ON_PROCFS);
  const ordinary = `${dest} must be mounted on an ordinary directory`;
  const explain: Op['explain'] = {
    [ERRNO.EXDEV]: `${dest} cannot be mounted because it resolves inside /proc`,
    ...(special ? { [ERRNO.ELOOP]: ordinary, [ERRNO.ENOTDIR]: ordinary, [ERRNO.EMEDIUMTYPE]: `what is at ${dest} after mounting is not ${type}` } : {}),
  };
  return { flags, noSymlinks: special, magic: type === 'proc' ? FS_MAGIC.proc : type === 'sysfs' ? FS_MAGIC.sysfs : 0, explain };
}

/** p is dir or below it */
function isWithin(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** "rw,nosuid,cpu,cpuacct" → ["cpu", "cpuacct"]; "name=systemd" kept */
function controllersOf(superOptions: string): string[] {
  return loops.filter(controllerKey(superOptions).split(','), Boolean);
}

/** "rw,nosuid,cpu,cpuacct" → the /proc/self/cgroup key "cpu,cpuacct"; "name=systemd" kept */
function controllerKey(superOptions: string): string {
  const known = new Set([
    'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
  ]);
  const parts = loops.filter(superOptions.split(','), (x) => known.has(x) || x.startsWith('name='));
  return parts.join(',');
}
