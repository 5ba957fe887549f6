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
import type { Spec } from '../../spec';
import { CgroupPaths, destroyCgroups, uniqueDirs } from '../linux/cgroups/control';
import { cgroupDirsFor, createCgroups } from '../linux/cgroups/manager';
import { writeFile } from '../linux/cgroups/fsio';
import { HeziError, sysText } from './errors';

export type { CgroupPaths } from '../linux/cgroups/control';

let systemdDriver: boolean | undefined;

/** Set the cgroup driver from the global --systemd-cgroup flag. */
export function configureCgroups(o: { systemd: boolean }): void {
  systemdDriver = o.systemd;
}

/**
 * --systemd-cgroup, when configureCgroups was not called: the global flag is read from our own
 * command line (setupCgroup's signature carries no flags). Only runtime flags are on it: the
 * container's command line is in config.json.
 */
function systemdRequested(): boolean {
  if (systemdDriver !== undefined) return systemdDriver;
  return process.argv.some((a) => /^--?systemd-cgroup(=(true|1))?$/.test(a));
}

/** Create the container's cgroup(s), apply linux.resources, move `pid` in. Returns controller → dir. */
export function setupCgroup(id: string, spec: Spec, pid: number): Record<string, string> {
  return createCgroups(id, spec.linux?.cgroupsPath, systemdRequested(), spec.linux?.resources, spec.linux?.devices ?? [], pid);
}

/** Move `pid` into existing cgroup directories (exec: the container's, or its sub-cgroups). */
export function joinCgroup(paths: Record<string, string>, pid: number): void {
  for (const dir of uniqueDirs(paths)) {
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

/**
 * Start the kernel's wait for a cgroup migration now, on another thread. Moving a process between
 * cgroups (v1, and v2 without favordynmods) takes the global cgroup_threadgroup_rwsem for writing,
 * and when nobody has done that lately the kernel first waits for an RCU grace period: 5 to 20 ms
 * here, the largest part of a create. Moving hezi into the cgroup it is already in (a no-op) on a
 * thread of the addon pays that wait while create reads and checks the config; the real migration
 * a few milliseconds later finds the lock in its fast state (measured: 0.5 ms instead of 7).
 * Only an optimization: any failure is ignored.
 */
export function warmCgroupMigration(): void {
  try {
    const { dirOf, hostLayout, ownCgroups, ownPath } = require('../linux/cgroups/host') as typeof import('../linux/cgroups/host');
    const l = hostLayout();
    const h = l.v1[0] ?? l.unified;
    if (!h) return;
    const { native } = require('../native/addon') as typeof import('../native/addon');
    native().warmCgroupLock(`${dirOf(h, ownPath(ownCgroups('self'), h))}/cgroup.procs`);
  } catch {
    /* no cgroups we can see: nothing to warm */
  }
}
