/**
 * Id-mapped mounts (mounts[].uidMappings/gidMappings, options `idmap` / `ridmap`): which mounts
 * are id-mapped, with which mapping, and the IDMAP_TREE ops that prepare them before the init
 * enters any user namespace (the trees are attached later, in mount order: ATTACH_TREE).
 * Validated before (src/config/validate.ts: idmappedMounts).
 */
import type { LinuxIDMapping, Mount, Spec } from '../../spec';
import { MS, bindSource, isBindMount, parseMountOptions } from '../linux/mount-options';
import { formatIdMap, namespaceEntry } from '../linux/namespaces';
import { Op, op } from './ops';
import * as loops from '../util/loops';

/** The idmapping of one mount: its own maps, the container's new user namespace's, or a user namespace by path. */
export type MountIdmap = { uidMap: string; gidMap: string } | { usernsPath: string };

/** Is `m` id-mapped: an idmap/ridmap option, or mappings of its own (runc reads those as `idmap`). */
export function isIdmapped(m: Mount): boolean {
  return parseMountOptions(m.options).idmap || m.uidMappings !== undefined || m.gidMappings !== undefined;
}

/** The mapping a mount gets, or undefined when there is none to use (a validation error). */
export function mountIdmap(m: Mount, spec: Spec): MountIdmap | undefined {
  if (m.uidMappings?.length && m.gidMappings?.length) return { uidMap: formatIdMap(m.uidMappings), gidMap: formatIdMap(m.gidMappings) };
  if (m.uidMappings?.length || m.gidMappings?.length) return undefined;
  // runtime-spec: without mappings of its own the mount MAY use the container's user namespace
  const user = namespaceEntry(spec.linux?.namespaces, 'user');
  if (!user) return undefined;
  if (user.path !== undefined) return { usernsPath: user.path };
  const u: LinuxIDMapping[] = spec.linux?.uidMappings ?? [];
  const g: LinuxIDMapping[] = spec.linux?.gidMappings ?? [];
  return u.length && g.length ? { uidMap: formatIdMap(u), gidMap: formatIdMap(g) } : undefined;
}

export interface IdmapTrees {
  /** IDMAP_TREE ops, one per id-mapped mount */
  ops: Op[];
  /** mounts[] index → the slot its tree is kept in */
  slots: Map<number, number>;
}

export function idmapTrees(spec: Spec, bundle: string): IdmapTrees {
  const ops: Op[] = [];
  const slots = new Map<number, number>();
  loops.each(spec.mounts, (m, index) => {
    if (!isIdmapped(m)) return;
    const o = parseMountOptions(m.options);
    const map = mountIdmap(m, spec);
    if (!map || !isBindMount(m, o)) return; // refused by validation
    const slot = slots.size;
    slots.set(index, slot);
    const src = bindSource(m, bundle);
    const recursive = (o.flags & MS.REC) !== 0; // rbind clones the submounts too
    const how = o.ridmap ? 'ridmap' : 'idmap';
    ops.push(
      'usernsPath' in map
        ? op.idmapTree(src, recursive, o.ridmap, map.usernsPath, '', '', slot, `prepare the id-mapped mount (${how}) of ${src} with the user namespace ${map.usernsPath}`)
        : op.idmapTree(src, recursive, o.ridmap, '', map.uidMap, map.gidMap, slot, `prepare the id-mapped mount (${how}) of ${src} for ${m.destination}`),
    );
  });
  return { ops, slots };
}
