/**
 * Writing a new user namespace's uid_map and gid_map, as root or as any other user.
 *
 * The kernel lets a process without CAP_SETUID/CAP_SETGID in the parent namespace map exactly
 * one id, its own, and the gid map only after "deny" was written to setgroups (so the mapped
 * root cannot drop a group that protects a file, user_namespaces(7)). Anything more is what
 * newuidmap/newgidmap (the uidmap package, setuid root) are for: they map the ranges
 * /etc/subuid and /etc/subgid give the user. This is runc's choice too.
 */
import { fs } from '../native/fs';
import type { LinuxIDMapping } from '../../spec';
import { formatIdMap } from '../linux/namespaces';
import { HeziError, sysText } from './errors';

export type MapWriter = 'direct' | 'helper';

export interface UserMapPlan {
  uid: MapWriter;
  gid: MapWriter;
  /** write "deny" to setgroups before the gid map: the container cannot call setgroups(2) */
  denySetgroups: boolean;
}

const HELPERS = { uid: 'newuidmap', gid: 'newgidmap' } as const;

/** Only our own id, one of it: the one mapping the kernel takes from an unprivileged writer. */
function ownIdOnly(maps: readonly LinuxIDMapping[], own: number): boolean {
  return maps.length === 1 && maps[0]!.size === 1 && maps[0]!.hostID === own;
}

export function planUserMaps(uidMaps: readonly LinuxIDMapping[], gidMaps: readonly LinuxIDMapping[], euid: number, egid: number): UserMapPlan {
  if (euid === 0) return { uid: 'direct', gid: 'direct', denySetgroups: false };
  const gid: MapWriter = ownIdOnly(gidMaps, egid) ? 'direct' : 'helper';
  return { uid: ownIdOnly(uidMaps, euid) ? 'direct' : 'helper', gid, denySetgroups: gid === 'direct' };
}

/** The plan for a config, as this process would write its maps. */
export function userMapPlanFor(linux: { uidMappings?: LinuxIDMapping[] | undefined; gidMappings?: LinuxIDMapping[] | undefined } | undefined): UserMapPlan {
  return planUserMaps(linux?.uidMappings ?? [], linux?.gidMappings ?? [], process.geteuid?.() ?? 0, process.getegid?.() ?? 0);
}

/** Find newuidmap/newgidmap on PATH (and the usual places), or undefined. */
export function findHelper(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(':').filter(Boolean), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    const p = `${d}/${name}`;
    try {
      fs.accessSync(p, 1 /* X_OK */);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function writeProcFile(file: string, data: string, what: string): void {
  try {
    fs.writeFileSync(file, data);
  } catch (e) {
    throw new HeziError(`${what}: ${sysText(e)}`);
  }
}

/** Write the maps of process `pid` (just unshared its user namespace) as `plan` says. */
export function writeUserMaps(pid: number, uidMaps: readonly LinuxIDMapping[], gidMaps: readonly LinuxIDMapping[], plan: UserMapPlan): void {
  const write = (kind: 'uid' | 'gid', maps: readonly LinuxIDMapping[], how: MapWriter) => {
    if (how === 'direct') return writeProcFile(`/proc/${pid}/${kind}_map`, formatIdMap(maps), `write ${kind}_map`);
    const helper = findHelper(HELPERS[kind]);
    if (!helper)
      throw new HeziError(
        `linux.${kind}Mappings: mapping more than your own ${kind} needs ${HELPERS[kind]} (package uidmap) and a range in /etc/sub${kind}`,
      );
    const args = [String(pid), ...maps.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync(helper, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) {
      const why = (r.stderr || r.error?.message || `exit status ${r.status}`).trim().split('\n').pop();
      throw new HeziError(`write ${kind}_map with ${HELPERS[kind]}: ${why}`);
    }
  };
  write('uid', uidMaps, plan.uid);
  if (plan.denySetgroups) writeProcFile(`/proc/${pid}/setgroups`, 'deny', 'write setgroups');
  write('gid', gidMaps, plan.gid);
}

/** Whether processes of the user namespace of `pid` may call setgroups(2). */
export function setgroupsAllowed(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/setgroups`, 'latin1').trim() !== 'deny';
  } catch {
    return true;
  }
}
