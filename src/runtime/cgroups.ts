/**
 * The seam between the lifecycle and the cgroup manager (src/linux/cgroups/). Until the cgroup
 * manager lands, containers get no cgroup of their own: setupCgroup returns no paths.
 */
import type { Spec } from '../../spec';

/** Create the container's cgroup(s), apply linux.resources, move `pid` in. Returns controller → dir. */
export function setupCgroup(_id: string, _spec: Spec, _pid: number): Record<string, string> {
  return {};
}

/** Remove the container's cgroup(s). */
export function destroyCgroup(_paths: Record<string, string>): void {}
