import { fs } from '../native/fs';
import { lastCap, mountInfo } from '../linux/proc';
import type { HostInfo } from '../plan/compile';
import { cgroupLine } from '../util/text';

/** What the planner needs to know about this machine, read once per create. */
export function readHost(): HostInfo {
  const ownCgroups = new Map<string, string>();
  try {
    for (const line of fs.readFileSync('/proc/self/cgroup', 'latin1').split('\n')) {
      const m = cgroupLine(line);
      if (m) ownCgroups.set(m[0], m[1]);
    }
  } catch {
    /* no cgroups */
  }
  let cgroup2Only = false;
  try {
    cgroup2Only = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
  } catch {
    /* keep false */
  }
  return { lastCap: lastCap(), mounts: mountInfo(), ownCgroups, cgroup2Only, hasKcore: fs.existsSync('/proc/kcore') };
}
