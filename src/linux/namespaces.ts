import * as loops from '../util/loops';

/** OCI namespace types → CLONE_* flags and /proc/<pid>/ns names. */
export const NS = {
  mount: { flag: 0x00020000, proc: 'mnt' },
  uts: { flag: 0x04000000, proc: 'uts' },
  ipc: { flag: 0x08000000, proc: 'ipc' },
  pid: { flag: 0x20000000, proc: 'pid' },
  network: { flag: 0x40000000, proc: 'net' },
  user: { flag: 0x10000000, proc: 'user' },
  cgroup: { flag: 0x02000000, proc: 'cgroup' },
  time: { flag: 0x00000080, proc: 'time' },
} as const;
export type NsType = keyof typeof NS;
export const NS_TYPES = Object.keys(NS) as NsType[];

/** The entry of `type` in a config's `linux.namespaces`, if there is one (src/util/loops.ts says why not Array.prototype.find). */
export function namespaceEntry<T extends { type: string }>(namespaces: readonly T[] | undefined, type: string): T | undefined {
  return loops.find(namespaces, (n) => n.type === type);
}

/**
 * The order in which the init joins namespaces given by path: user first (so the joined user
 * namespace owns what follows), mount last (it changes how later paths resolve).
 */
export const JOIN_ORDER: readonly NsType[] = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

/** uid_map / gid_map text for a list of mappings ("containerID hostID size" lines). */
export function formatIdMap(maps: ReadonlyArray<{ containerID: number; hostID: number; size: number }> | undefined): string {
  return (maps ?? []).map((x) => `${x.containerID} ${x.hostID} ${x.size}\n`).join('');
}
