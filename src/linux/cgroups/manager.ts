/**
 * The cgroup manager: create a container's cgroup(s), apply resources, move a process in. Works
 * on cgroup v1, v1 hybrid and pure v2 (see host.ts). What the hot commands need of a container's
 * existing cgroups (freeze, thaw, processes, removal) is in control.ts, which loads none of this.
 *
 * `paths` (stored in state.json as cgroupPaths) maps each v1 controller to its directory
 * (comounted controllers share one) and "" to the cgroup2 directory (pure v2, and the
 * /sys/fs/cgroup/unified directory in hybrid mode).
 */
import { fs } from '../../native/fs';
import * as path from '../path';
import type { LinuxResources } from '../../../spec';
import { HeziError, sysText } from '../../runtime/errors';
import { log } from '../../runtime/log';
import { setDeviceProgram } from './bpf';
import { mknodRules } from './convert';
import { Layout, controllerVersion, describeMode, dirOf, hostLayout, ownCgroups, ownPath } from './host';
import { containerDirs, innerPath } from './paths';
import { PlanOptions, Probe, planResources } from './resources';
import { CgroupPaths, uniqueDirs } from './control';
import { CgroupWriter, exists, readFile, writeFile } from './fsio';
import * as loops from '../../util/loops';
import { fields } from '../../util/text';

export type { CgroupPaths } from './control';

/** Where a container's cgroups go (no side effects). */
export function cgroupDirsFor(id: string, cgroupsPath: string | undefined, systemd: boolean, layout: Layout = hostLayout()): CgroupPaths {
  return containerDirs(layout, ownCgroups('self'), innerPath(cgroupsPath, id, systemd));
}

/** The directory of `ctrl` in `paths` ("" = the cgroup2 directory). */
function dirFor(layout: Layout, paths: CgroupPaths, ctrl: string): string | undefined {
  if (ctrl === '') return paths[''];
  const v = controllerVersion(layout, ctrl);
  if (v === 1) return paths[ctrl];
  if (v === 2) return paths[''];
  return undefined;
}

function probeFor(layout: Layout, paths: CgroupPaths): Probe {
  return {
    mode: layout.mode,
    version: (c) => controllerVersion(layout, c),
    exists: (c, f) => {
      const d = dirFor(layout, paths, c);
      return d !== undefined && exists(d, f);
    },
    read: (c, f) => {
      const d = dirFor(layout, paths, c);
      return d === undefined ? undefined : readFile(d, f);
    },
  };
}

/**
 * Write `resources` to the container's cgroup(s). Errors name the field and the file:
 * "linux.resources.memory.limit: write memory.limit_in_bytes: invalid argument".
 */
export function applyResources(paths: CgroupPaths, resources: LinuxResources | undefined, opts: PlanOptions = {}): void {
  const layout = hostLayout();
  const plan = planResources(resources, probeFor(layout, paths), opts);
  const later: typeof plan.writes = [];
  const out = new CgroupWriter();
  const run = (list: typeof plan.writes, final: boolean): void => {
    for (const wr of list) {
      const dir = dirFor(layout, paths, wr.ctrl);
      if (dir === undefined) throw new HeziError(`${wr.field}: write ${wr.file}: the container has no ${wr.ctrl} cgroup`);
      if (wr.optional && !exists(dir, wr.file)) {
        log.debug(`${wr.field}: ${wr.file} does not exist on this host: not written`);
        continue;
      }
      try {
        out.write(dir, wr.file, wr.value);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (wr.optional && (code === 'EINVAL' || code === 'EOPNOTSUPP' || code === 'ENOENT')) {
          log.debug(`${wr.field}: the kernel refused ${wr.file}: ignored`);
          continue;
        }
        if (wr.retryLater && !final && code === 'EINVAL') {
          later.push(wr);
          continue;
        }
        let extra = '';
        if (code === 'EBUSY' && wr.file === 'memory.limit_in_bytes') {
          const usage = readFile(dir, 'memory.usage_in_bytes')?.trim();
          const peak = readFile(dir, 'memory.max_usage_in_bytes')?.trim();
          extra = ` (unable to set memory limit to ${wr.value}: current usage: ${usage}, peak usage: ${peak})`;
        }
        throw new HeziError(`${wr.field}: write ${wr.file}: ${sysText(e)}${extra}`);
      }
      if (wr.verifyShares) {
        const got = readFile(dir, wr.file)?.trim();
        if (got !== undefined && got !== wr.value) {
          const word = Number(wr.value) > Number(got) ? 'maximum' : 'minimum';
          throw new HeziError(`${wr.field}: write ${wr.file}: the ${word} allowed cpu-shares is ${got}`);
        }
      }
    }
  };
  try {
    run(plan.writes, false);
    run(later, true);
  } finally {
    out.close();
  }
  if (plan.bpfDevices) {
    const dir = paths[''];
    if (dir === undefined) throw new HeziError('linux.resources.devices: the container has no cgroup v2 directory for the device program');
    try {
      setDeviceProgram(dir, plan.bpfDevices);
    } catch (e) {
      const vlog = (e as { log?: string }).log;
      throw new HeziError(`linux.resources.devices: attach the eBPF device program to ${dir}: ${sysText(e)}${vlog ? ` (verifier: ${vlog.trim().split('\n').slice(-3).join('; ')})` : ''}`);
    }
  }
}

/**
 * Who moves the process in: 'all' here (pid to every cgroup.procs); 'cgroup2' here only the cgroup2
 * directory (the process moves itself into the v1 ones: selfJoinFiles); 'none' nothing here (it
 * is also born in the cgroup2 directory: clone3 CLONE_INTO_CGROUP).
 */
export type CgroupJoin = 'all' | 'cgroup2' | 'none';

export function joinedDirs(paths: CgroupPaths, join: CgroupJoin): string[] {
  if (join === 'all') return uniqueDirs(paths);
  if (join === 'cgroup2' && paths[''] !== undefined) return [paths['']];
  return [];
}

/** mkdir -p, returning the directories it made (outermost first). */
function mkdirs(dir: string): string[] {
  const made: string[] = [];
  const missing: string[] = [];
  let d = dir;
  while (!fs.existsSync(d)) {
    missing.unshift(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing) {
    try {
      fs.mkdirSync(m, { mode: 0o755 });
      made.push(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new HeziError(`create cgroup ${m}: ${sysText(e)}`);
    }
  }
  return made;
}

/** v1 cpuset: a new cgroup starts with empty cpus/mems and refuses tasks: copy the parent's. */
function initCpuset(mount: string, leaf: string): void {
  const chain: string[] = [];
  for (let d = leaf; d.startsWith(mount) && d !== mount; d = path.dirname(d)) chain.unshift(d);
  for (const d of chain) {
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if ((readFile(d, f) ?? '').trim() !== '') continue;
      const parent = (readFile(path.dirname(d), f) ?? '').trim();
      try {
        writeFile(d, f, parent);
      } catch (e) {
        throw new HeziError(`initialize cpuset ${d}: write ${f}: ${sysText(e)}`);
      }
    }
  }
}

/** v2: enable every available controller on the way down to `leaf` (errors are left to the writes). */
function enableControllers(mount: string, leaf: string): void {
  const chain: string[] = [];
  for (let d = path.dirname(leaf); d.startsWith(mount); d = path.dirname(d)) {
    chain.unshift(d);
    if (d === mount) break;
  }
  for (const d of chain) {
    const avail = fields(readFile(d, 'cgroup.controllers') ?? '');
    const on = new Set(fields(readFile(d, 'cgroup.subtree_control') ?? ''));
    for (const c of avail) {
      if (on.has(c)) continue;
      try {
        writeFile(d, 'cgroup.subtree_control', `+${c}`);
      } catch (e) {
        log.debug(`enable ${c} in ${d}: ${sysText(e)}`);
      }
    }
  }
}

/**
 * Create the container's cgroups, apply `resources`, move `pid` in. On failure everything made
 * is removed (and the pid moved back) before the error is thrown.
 */
export function createCgroups(
  id: string,
  cgroupsPath: string | undefined,
  systemd: boolean,
  resources: LinuxResources | undefined,
  devices: ReadonlyArray<{ type: string; major?: number | undefined; minor?: number | undefined }>,
  pid: number,
  opts: { rootless?: boolean; join?: CgroupJoin } = {},
): CgroupPaths {
  const layout = hostLayout();
  if (!layout.v1.length && !layout.unified) throw new HeziError('no cgroup hierarchy is mounted on this host');
  const paths = cgroupDirsFor(id, cgroupsPath, systemd, layout);
  const made: string[] = [];
  const joined: string[] = [];
  const toJoin = joinedDirs(paths, opts.join ?? 'all');
  // where the process was, to move it back on a failure (read only when it is moved from here)
  const before = toJoin.length ? ownCgroups(pid) : new Map<string, string>();
  try {
    for (const h of layout.v1) {
      const dir = paths[h.controllers[0]!]!;
      made.push(...mkdirs(dir));
      if (h.controllers.includes('cpuset')) initCpuset(h.mountPoint, dir);
    }
    if (layout.unified) {
      const dir = paths['']!;
      made.push(...mkdirs(dir));
      enableControllers(layout.unified.mountPoint, dir);
    }
    // runtime-spec: a create MUST fail on a cgroup that is not fit for purpose
    for (const dir of uniqueDirs(paths)) {
      if (made.includes(dir)) continue;
      const n = (readFile(dir, 'cgroup.procs') ?? '').split('\n').filter(Boolean).length;
      if (n > 0) throw new HeziError(`container's cgroup is not empty: ${n} process(es) found in ${dir}`);
    }
    if (paths['freezer'] && (readFile(paths['freezer'], 'freezer.state') ?? '').trim() !== 'THAWED' && !made.includes(paths['freezer']))
      throw new HeziError(`container's cgroup unexpectedly frozen: ${paths['freezer']}`);
    if (!paths['freezer'] && paths[''] && (readFile(paths[''], 'cgroup.freeze') ?? '0').trim() === '1')
      throw new HeziError(`container's cgroup unexpectedly frozen: ${paths['']}`);

    applyResources(paths, resources, { mknod: mknodRules(devices), ...(opts.rootless ? { rootless: true } : {}) });

    for (const dir of toJoin) {
      try {
        writeFile(dir, 'cgroup.procs', String(pid));
      } catch (e) {
        throw new HeziError(`join the container's cgroup: write ${path.join(dir, 'cgroup.procs')}: ${sysText(e)}`);
      }
      joined.push(dir);
    }
    return paths;
  } catch (e) {
    // put the process back where it was, so that the directories can go
    if (joined.length) {
      for (const h of [...layout.v1, ...(layout.unified ? [layout.unified] : [])]) {
        try {
          writeFile(dirOf(h, ownPath(before, h)), 'cgroup.procs', String(pid));
        } catch {
          /* it may be gone */
        }
      }
    }
    for (const d of made.slice().sort((a, b) => b.length - a.length)) {
      try {
        fs.rmdirSync(d);
      } catch {
        /* best effort */
      }
    }
    throw e;
  }
}

