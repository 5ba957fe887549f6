/**
 * The seam between the lifecycle and the cgroup manager (src/linux/cgroups/).
 *
 * create calls setupCgroup when the init sends its CGROUP sync (before it forks the container
 * process); the returned controller → directory map is stored in state.json as cgroupPaths.
 * delete (and a failed create) call destroyCgroup.
 *
 * Placement follows runc (see src/linux/cgroups/paths.ts): no cgroupsPath ⇒ "<id>" relative to
 * the runtime's own cgroup in each hierarchy, like runc with cgroupfs. With --systemd-cgroup,
 * "slice:prefix:name" is mapped to the cgroupfs directories systemd would use (no dbus).
 */
import { fs } from '../native/fs';
import * as path from '../linux/path';
import type { LinuxResources, Spec } from '../../spec';
import { CgroupPaths, destroyCgroups, uniqueDirs } from '../linux/cgroups/control';
import { CgroupJoin, cgroupDirsFor, createCgroups, joinedDirs } from '../linux/cgroups/manager';
import { writeFile } from '../linux/cgroups/fsio';
import { HeziError, sysText } from './errors';
import { log } from './log';
import * as loops from '../util/loops';
import { stripDashes } from '../util/text';

export type { CgroupPaths } from '../linux/cgroups/control';
export type { CgroupJoin } from '../linux/cgroups/manager';

let systemdDriver: boolean | undefined;

/** Set the cgroup driver from the global --systemd-cgroup flag. */
export function configureCgroups(o: { systemd: boolean }): void {
  systemdDriver = o.systemd;
}

/** `/^--?systemd-cgroup(=(true|1))?$/`, as code (src/util/text.ts says why) */
function systemdFlag(a: string): boolean {
  const body = stripDashes(a);
  return a !== body && (body === 'systemd-cgroup' || body === 'systemd-cgroup=true' || body === 'systemd-cgroup=1');
}

/**
 * --systemd-cgroup, when configureCgroups was not called: the global flag is read from our own
 * command line (setupCgroup's signature carries no flags). Only runtime flags are on it: the
 * container's command line is in config.json.
 */
function systemdRequested(): boolean {
  if (systemdDriver !== undefined) return systemdDriver;
  return loops.some(process.argv, systemdFlag);
}

/**
 * Create the container's cgroup(s), apply linux.resources, move `pid` in (o.join: which of the
 * moves happen here, see CgroupJoin; the init's plan makes the v1 ones itself, writing "0" to the
 * files selfJoinFiles names). Returns controller → dir.
 */
export function setupCgroup(id: string, spec: Spec, pid: number, o: { join?: CgroupJoin } = {}): Record<string, string> {
  const rootless = (process.geteuid?.() ?? 0) !== 0;
  return createCgroups(id, spec.linux?.cgroupsPath, systemdRequested(), spec.linux?.resources, spec.linux?.devices ?? [], pid, { rootless, ...o });
}

export { selfJoinFiles } from '../linux/cgroups/control';

/**
 * Run `spawn` (a spawnInit) with the cgroup2 directory of `paths` opened for it, so that the
 * process is born there (clone3 CLONE_INTO_CGROUP), with no migration, which would take the global
 * cgroup_threadgroup_rwsem and wait for an RCU grace period; undefined when there is none. A
 * refusal of that clone3 is worded as the join it is.
 */
export function spawnInCgroup<T>(paths: Record<string, string> | undefined, spawn: (cgroupFd: number | undefined) => T): T {
  const dir = paths?.[''];
  if (dir === undefined) return spawn(undefined);
  let fd: number;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    throw new HeziError(`join the container's cgroup: open ${dir}: ${sysText(e)}`);
  }
  try {
    return spawn(fd);
  } catch (e) {
    if ((e as { syscall?: string } | null)?.syscall === 'clone3') throw new HeziError(`join the container's cgroup: clone3 into ${dir}: ${sysText(e)}`);
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** Move `pid` into existing cgroup directories (exec: the container's, or its sub-cgroups); o.join as for setupCgroup. */
export function joinCgroup(paths: Record<string, string>, pid: number, o: { join?: CgroupJoin } = {}): void {
  for (const dir of joinedDirs(paths, o.join ?? 'all')) {
    try {
      writeFile(dir, 'cgroup.procs', String(pid));
    } catch (e) {
      throw new HeziError(`join the container's cgroup: write ${dir}/cgroup.procs: ${sysText(e)}`);
    }
  }
}

/** Remove the container's cgroup(s) (its processes are already killed). */
export function destroyCgroup(paths: Record<string, string>): void {
  destroyCgroups(paths);
}

/**
 * The directories setupCgroup will use for this container, without creating anything: for the
 * plan compiler, which bind-mounts the container's own cgroup at /sys/fs/cgroup (as runc does)
 * when there is no cgroup namespace.
 */
export function plannedCgroupPaths(id: string, spec: Spec): CgroupPaths {
  return cgroupDirsFor(id, spec.linux?.cgroupsPath, systemdRequested());
}

/** Limits that need the container's own cgroup (runc ignores device rules for rootless containers). */
export function resourcesNeedCgroups(r: LinuxResources | undefined): boolean {
  return loops.some(Object.entries(r ?? {}), ([k, v]) => k !== 'devices' && v !== undefined && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0));
}

/** Could this process make `dir` and move a process into it: the directory, or its nearest existing parent, is writable. */
export function cgroupWritable(dir: string): boolean {
  try {
    if (fs.existsSync(dir)) {
      fs.accessSync(path.join(dir, 'cgroup.procs'), 2 /* W_OK */);
      return true;
    }
    let up = path.dirname(dir);
    while (!fs.existsSync(up)) up = path.dirname(up);
    fs.accessSync(up, 3 /* W_OK | X_OK */);
    return true;
  } catch {
    return false;
  }
}

/**
 * Does the container get cgroups? Always as root. For any other user (rootless), only where it
 * may make them (cgroup delegation: a cgroup v2 subtree it owns, as a systemd user session
 * gives); elsewhere the container runs without, as runc does, unless the config needs them
 * (limits other than device rules, or a linux.cgroupsPath): then it is refused, saying why.
 */
export function cgroupsForContainer(id: string, spec: Spec, euid = process.geteuid?.() ?? 0): boolean {
  if (euid === 0) return true;
  const blocked = loops.find(uniqueDirs(plannedCgroupPaths(id, spec)), (d) => !cgroupWritable(d));
  if (blocked === undefined) return true;
  const why = `${blocked} is not writable by uid ${euid} (no cgroup delegation to this user)`;
  if (resourcesNeedCgroups(spec.linux?.resources)) throw new HeziError(`linux.resources: cannot be applied without the container's own cgroup: ${why}`);
  if (spec.linux?.cgroupsPath) throw new HeziError(`linux.cgroupsPath: cannot create "${spec.linux.cgroupsPath}": ${why}`);
  log.debug(`rootless: the container runs without cgroups: ${why}`);
  return false;
}
