/** mount(2) flags and the OCI/runc option vocabulary. */
import * as path from './path';

export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  SYNCHRONOUS: 16,
  REMOUNT: 32,
  MANDLOCK: 64,
  DIRSYNC: 128,
  NOSYMFOLLOW: 256,
  NOATIME: 1024,
  NODIRATIME: 2048,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  SILENT: 32768,
  UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
  RELATIME: 1 << 21,
  I_VERSION: 1 << 23,
  STRICTATIME: 1 << 24,
  LAZYTIME: 1 << 25,
} as const;

export const MOUNT_ATTR = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  _ATIME: 0x70,
  RELATIME: 0x0,
  NOATIME: 0x10,
  STRICTATIME: 0x20,
  NODIRATIME: 0x80,
  NOSYMFOLLOW: 0x200000,
} as const;
export const AT_RECURSIVE = 0x8000;

/** option → [clear?, flag] */
const FLAGS: Record<string, [boolean, number]> = {
  acl: [false, 1 << 16],
  async: [true, MS.SYNCHRONOUS],
  atime: [true, MS.NOATIME],
  bind: [false, MS.BIND],
  defaults: [false, 0],
  dev: [true, MS.NODEV],
  diratime: [true, MS.NODIRATIME],
  dirsync: [false, MS.DIRSYNC],
  exec: [true, MS.NOEXEC],
  iversion: [false, MS.I_VERSION],
  lazytime: [false, MS.LAZYTIME],
  loud: [true, MS.SILENT],
  mand: [false, MS.MANDLOCK],
  noacl: [true, 1 << 16],
  noatime: [false, MS.NOATIME],
  nodev: [false, MS.NODEV],
  nodiratime: [false, MS.NODIRATIME],
  noexec: [false, MS.NOEXEC],
  noiversion: [true, MS.I_VERSION],
  nolazytime: [true, MS.LAZYTIME],
  nomand: [true, MS.MANDLOCK],
  norelatime: [true, MS.RELATIME],
  nostrictatime: [true, MS.STRICTATIME],
  nosuid: [false, MS.NOSUID],
  nosymfollow: [false, MS.NOSYMFOLLOW],
  rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME],
  remount: [false, MS.REMOUNT],
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  silent: [false, MS.SILENT],
  strictatime: [false, MS.STRICTATIME],
  suid: [true, MS.NOSUID],
  symfollow: [true, MS.NOSYMFOLLOW],
  sync: [false, MS.SYNCHRONOUS],
};

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** recursive mount attributes (mount_setattr with AT_RECURSIVE): option → [clear?, attr] */
const RECURSIVE: Record<string, [boolean, number]> = {
  rro: [false, MOUNT_ATTR.RDONLY],
  rrw: [true, MOUNT_ATTR.RDONLY],
  rnosuid: [false, MOUNT_ATTR.NOSUID],
  rsuid: [true, MOUNT_ATTR.NOSUID],
  rnodev: [false, MOUNT_ATTR.NODEV],
  rdev: [true, MOUNT_ATTR.NODEV],
  rnoexec: [false, MOUNT_ATTR.NOEXEC],
  rexec: [true, MOUNT_ATTR.NOEXEC],
  rnodiratime: [false, MOUNT_ATTR.NODIRATIME],
  rdiratime: [true, MOUNT_ATTR.NODIRATIME],
  rnosymfollow: [false, MOUNT_ATTR.NOSYMFOLLOW],
  rsymfollow: [true, MOUNT_ATTR.NOSYMFOLLOW],
};
/** atime is one 3-way setting for mount_setattr: clear the whole _ATIME field, set one value
 *  (clearing noatime/relatime/strictatime leaves the kernel default, relatime) */
const RECURSIVE_ATIME: Record<string, number> = {
  rrelatime: MOUNT_ATTR.RELATIME,
  rnoatime: MOUNT_ATTR.NOATIME,
  rstrictatime: MOUNT_ATTR.STRICTATIME,
  ratime: MOUNT_ATTR.RELATIME,
  rnorelatime: MOUNT_ATTR.RELATIME,
  rnostrictatime: MOUNT_ATTR.RELATIME,
};

/** Options that are not mount(2) flags or data: what hezi does with them besides mounting. */
const EXTENSIONS = ['tmpcopyup', 'idmap', 'ridmap'] as const;

export interface ParsedMountOptions {
  flags: number;
  clearFlags: number;
  propagation: number[];
  attrSet: number;
  attrClr: number;
  data: string[];
  /** `idmap` or `ridmap`: an id-mapped mount (ridmap: the mapping also on the submounts of an rbind) */
  idmap: boolean;
  ridmap: boolean;
  /** `tmpcopyup`: the directory's content is copied into the new tmpfs */
  copyUp: boolean;
}

export function parseMountOptions(options: readonly string[] | undefined): ParsedMountOptions {
  const r: ParsedMountOptions = { flags: 0, clearFlags: 0, propagation: [], attrSet: 0, attrClr: 0, data: [], idmap: false, ridmap: false, copyUp: false };
  for (const o of options ?? []) {
    const f = FLAGS[o];
    if (f) {
      if (f[0]) {
        r.flags &= ~f[1];
        r.clearFlags |= f[1];
      } else r.flags |= f[1];
      continue;
    }
    const p = PROPAGATION[o];
    if (p !== undefined) {
      r.propagation.push(p);
      continue;
    }
    const rec = RECURSIVE[o];
    if (rec) {
      if (rec[0]) r.attrClr |= rec[1];
      else r.attrSet |= rec[1];
      continue;
    }
    const at = RECURSIVE_ATIME[o];
    if (at !== undefined) {
      r.attrClr |= MOUNT_ATTR._ATIME;
      r.attrSet |= at;
      continue;
    }
    if (o === 'idmap' || o === 'ridmap') {
      r.idmap = true;
      if (o === 'ridmap') r.ridmap = true;
      continue;
    }
    if (o === 'tmpcopyup') {
      r.copyUp = true;
      continue;
    }
    r.data.push(o);
  }
  return r;
}

/** The per-mount MS_* flags as MOUNT_ATTR_* (as mount(2) maps them: relatime unless noatime,
 *  strictatime over both). */
function mountAttr(flags: number): number {
  let a = 0;
  if (flags & MS.RDONLY) a |= MOUNT_ATTR.RDONLY;
  if (flags & MS.NOSUID) a |= MOUNT_ATTR.NOSUID;
  if (flags & MS.NODEV) a |= MOUNT_ATTR.NODEV;
  if (flags & MS.NOEXEC) a |= MOUNT_ATTR.NOEXEC;
  if (flags & MS.NODIRATIME) a |= MOUNT_ATTR.NODIRATIME;
  if (flags & MS.NOSYMFOLLOW) a |= MOUNT_ATTR.NOSYMFOLLOW;
  if (flags & MS.STRICTATIME) a |= MOUNT_ATTR.STRICTATIME;
  else if (flags & MS.NOATIME) a |= MOUNT_ATTR.NOATIME;
  return a;
}

/** every per-mount attribute a bind remount sets (MS_BIND|MS_REMOUNT replaces them all) */
const ALL_MOUNT_ATTRS =
  MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC | MOUNT_ATTR._ATIME | MOUNT_ATTR.NODIRATIME | MOUNT_ATTR.NOSYMFOLLOW;

/**
 * mount(2) flags of a new filesystem → what fsopen/fsmount take: the superblock flags as fsconfig
 * flag names (ro, sync, dirsync, lazytime, mand) and the per-mount MOUNT_ATTR_* for fsmount.
 * (MS_POSIXACL, MS_I_VERSION and MS_SILENT have no fsconfig name: filesystems set them themselves.)
 */
export function newMountAttrs(flags: number): { sbOptions: string[]; attr: number } {
  const sbOptions: string[] = [];
  if (flags & MS.RDONLY) sbOptions.push('ro');
  if (flags & MS.SYNCHRONOUS) sbOptions.push('sync');
  if (flags & MS.DIRSYNC) sbOptions.push('dirsync');
  if (flags & MS.LAZYTIME) sbOptions.push('lazytime');
  if (flags & MS.MANDLOCK) sbOptions.push('mand');
  return { sbOptions, attr: mountAttr(flags) };
}

/** The flags of mount(MS_BIND|MS_REMOUNT|flags) as mount_setattr's set/clear: exactly these per-mount attributes. */
export function bindRemountAttrs(flags: number): { set: number; clr: number } {
  return { set: mountAttr(flags), clr: ALL_MOUNT_ATTRS };
}

/**
 * The per-mount attributes the options clear by name (rw, suid, dev, exec, diratime), plus
 * MOUNT_ATTR__ATIME when they name an atime setting: what a bind mount must not silently keep
 * when a user namespace has locked it (runc >= 1.2 refuses such a mount).
 */
export function clearedAttrs(o: ParsedMountOptions): number {
  let a = 0;
  if (o.clearFlags & MS.RDONLY) a |= MOUNT_ATTR.RDONLY;
  if (o.clearFlags & MS.NOSUID) a |= MOUNT_ATTR.NOSUID;
  if (o.clearFlags & MS.NODEV) a |= MOUNT_ATTR.NODEV;
  if (o.clearFlags & MS.NOEXEC) a |= MOUNT_ATTR.NOEXEC;
  if (o.clearFlags & MS.NODIRATIME) a |= MOUNT_ATTR.NODIRATIME;
  const atime = MS.NOATIME | MS.RELATIME | MS.STRICTATIME;
  if ((o.flags | o.clearFlags) & atime) a |= MOUNT_ATTR._ATIME;
  return a;
}

/** A bind mount: `bind` or `rbind` in the options, or the type "bind" (runc). */
export function isBindMount(m: { type?: string | undefined }, o: ParsedMountOptions): boolean {
  return (o.flags & MS.BIND) !== 0 || m.type === 'bind';
}

/** The source of a bind mount on the host: absolute, or relative to the bundle (config.md). */
export function bindSource(m: { source?: string | undefined }, bundle: string): string {
  const src = m.source ?? '';
  return path.isAbsolute(src) ? src : path.resolve(bundle, src);
}

export function propagationFlag(name: string): number | undefined {
  return PROPAGATION[name];
}

export const KNOWN_MOUNT_OPTIONS: readonly string[] = [
  ...Object.keys(FLAGS),
  ...Object.keys(PROPAGATION),
  ...Object.keys(RECURSIVE),
  ...Object.keys(RECURSIVE_ATIME),
  ...EXTENSIONS,
];
