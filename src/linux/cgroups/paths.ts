/**
 * Where a container's cgroup goes: `linux.cgroupsPath` with runc's semantics.
 *
 * cgroupfs driver (the default):
 *  - absolute path ("/a/b"): used as is under each hierarchy's mount point;
 *  - relative path ("a/b"): relative to the runtime's own cgroup in each v1 hierarchy (runc's
 *    GetOwnCgroupPath), and in the cgroup2 hierarchy relative to the *parent* of the runtime's own
 *    cgroup (runc's fs2 rule: the own cgroup has processes in it, so no controllers could be
 *    enabled below it);
 *  - empty/unset: the relative path "<id>", exactly as runc 1.1 does with cgroupfs (checked on
 *    this host: runc puts container rc1 in memory:/<runc's own memory cgroup>/rc1, cpu:/rc1, 0::/rc1).
 *  Paths are cleaned like runc's utils.CleanPath: "..", "." and "//" cannot escape the base.
 *
 * --systemd-cgroup (no systemd/dbus is involved: the path is mapped to cgroupfs directories):
 *  - "slice:prefix:name" → /<expanded slice>/<prefix>-<name>.scope (name ending in ".slice" is
 *    used as is), the slice expanded like systemd ("a-b.slice" → /a.slice/a-b.slice), an empty
 *    slice meaning "system.slice";
 *  - empty/unset → "system.slice:hezi:<id>" (runc uses the prefix "runc");
 *  - anything else is an error, with runc's wording.
 */
import * as path from '../path';
import { HeziError } from '../../runtime/errors';
import { Hierarchy, Layout, dirOf, ownPath } from './host';

/** runc's utils.CleanPath: clean, and keep a relative path from escaping its base. */
export function cleanPath(p: string): string {
  if (p === '') return '';
  let c = path.posix.normalize(p);
  if (!path.posix.isAbsolute(c)) {
    c = path.posix.normalize('/' + c);
    c = path.posix.relative('/', c);
    if (c === '') c = '.';
  }
  if (c.length > 1 && c.endsWith('/')) c = c.slice(0, -1);
  return c;
}

/** systemd's slice expansion: "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice", "-.slice" → "/". */
export function expandSlice(slice: string): string {
  const suffix = '.slice';
  if (slice.length <= suffix.length || !slice.endsWith(suffix)) throw new HeziError(`invalid slice name: ${slice}`);
  if (slice.includes('/')) throw new HeziError(`invalid slice name: ${slice}`);
  const name = slice.slice(0, -suffix.length);
  if (name === '-') return '/';
  let out = '';
  let prefix = '';
  for (const part of name.split('-')) {
    if (part === '') throw new HeziError(`invalid slice name: ${slice}`);
    out += `/${prefix}${part}${suffix}`;
    prefix += `${part}-`;
  }
  return out;
}

/** A systemd "slice:prefix:name" cgroupsPath → the absolute cgroupfs path it stands for. */
export function systemdPath(cgroupsPath: string, id: string): string {
  const spec = cgroupsPath || `system.slice:hezi:${id}`;
  const parts = spec.split(':');
  if (parts.length !== 3)
    throw new HeziError(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${cgroupsPath}" instead`);
  const [slice, prefix, name] = parts as [string, string, string];
  if (!name) throw new HeziError(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${cgroupsPath}" instead`);
  const parent = expandSlice(slice || 'system.slice');
  const unit = name.endsWith('.slice') ? name : prefix ? `${prefix}-${name}.scope` : `${name}.scope`;
  return path.posix.join(parent, unit);
}

/** The container's cgroup path before it is placed in the hierarchies: absolute or relative. */
export function innerPath(cgroupsPath: string | undefined, id: string, systemd: boolean): string {
  if (systemd) return systemdPath(cgroupsPath ?? '', id);
  const p = cleanPath(cgroupsPath ?? '');
  if (p === '' || p === '.') return cleanPath(id);
  return p;
}

/**
 * The container's directory in every hierarchy: v1 keys are controller names ("cpu", "cpuacct",
 * "name=systemd"...; comounted controllers share one directory), "" is the cgroup2 directory
 * (pure v2, and hybrid's /sys/fs/cgroup/unified).
 */
export function containerDirs(layout: Layout, own: Map<string, string>, inner: string): Record<string, string> {
  const out: Record<string, string> = {};
  const place = (h: Hierarchy, v2: boolean): string => {
    if (path.posix.isAbsolute(inner)) return path.posix.join(h.mountPoint, inner);
    let base = ownPath(own, h);
    if (v2) base = path.posix.dirname(base);
    return path.posix.join(dirOf(h, base), inner);
  };
  for (const h of layout.v1) {
    const d = place(h, false);
    for (const c of h.controllers) out[c] = d;
  }
  if (layout.unified) out[''] = place(layout.unified, true);
  return out;
}
