/**
 * linux.intelRdt (config-linux.md "IntelRdt"): the container's CLOS directory in the resctrl
 * filesystem, its schemata, its tasks, and a monitoring group. Used only for configs that set
 * linux.intelRdt; without resctrl mounted such a config is refused by validation (spec MUST).
 *
 *  - closID unset: the directory is <resctrl>/<container id>, made by hezi, removed on delete;
 *  - closID "/": the default CLOS, the resctrl root itself;
 *  - closID set with schemata: made if missing (and then written), else its schemata must
 *    already say what the config says; never removed by hezi;
 *  - closID set without schemata: the directory must exist;
 *  - enableMonitoring: mon_groups/<container id> in that directory, removed on delete.
 * Lines go to `schemata` in the spec's order: l3CacheSchema, memBwSchema, then schemata[].
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LinuxIntelRdt } from '../../spec';
import { mountInfo } from '../linux/proc';
import { HeziError, sysText } from './errors';
import { log } from './log';

/** What state.json keeps, to join (exec) and undo (delete). */
export interface RdtRecord {
  /** the CTRL_MON group the container's tasks are in */
  dir: string;
  /** made by hezi for this container (closID unset): removed on delete */
  created: boolean;
  /** the container's monitoring group, when enableMonitoring */
  monDir?: string;
}

/** Where resctrl is mounted in the runtime's mount namespace, if it is. */
export function resctrlRoot(): string | undefined {
  return mountInfo().find((m) => m.fstype === 'resctrl')?.mountPoint;
}

export function schemataLines(rdt: LinuxIntelRdt): string[] {
  return [rdt.l3CacheSchema, rdt.memBwSchema, ...(rdt.schemata ?? [])].filter((l): l is string => !!l);
}

export interface RdtPlan {
  dir: string;
  /** mkdir the directory (hezi owns it when closID is unset) */
  mkdir: boolean;
  owned: boolean;
  /** lines to write to schemata */
  write: string[];
  /** lines the existing schemata must already have */
  expect: string[];
  monDir?: string;
}

/** The decisions of the rules above, given whether the directory exists. */
export function planIntelRdt(id: string, rdt: LinuxIntelRdt, root: string, exists: (dir: string) => boolean): RdtPlan {
  const lines = schemataLines(rdt);
  const monDir = (dir: string) => (rdt.enableMonitoring ? { monDir: path.join(dir, 'mon_groups', id) } : {});
  if (rdt.closID === undefined) {
    const dir = path.join(root, id);
    return { dir, mkdir: true, owned: true, write: lines, expect: [], ...monDir(dir) };
  }
  const dir = rdt.closID === '/' ? root : path.join(root, rdt.closID);
  const there = exists(dir);
  if (!lines.length) {
    if (!there) throw new HeziError(`linux.intelRdt.closID: there is no CLOS "${rdt.closID}" in ${root}`);
    return { dir, mkdir: false, owned: false, write: [], expect: [], ...monDir(dir) };
  }
  return there ? { dir, mkdir: false, owned: false, write: [], expect: lines, ...monDir(dir) } : { dir, mkdir: true, owned: false, write: lines, expect: [], ...monDir(dir) };
}

const norm = (l: string) => l.trim().toLowerCase().replace(/\s+/g, '');

/** Lines of `expected` that the schemata file does not have (same resource, same value). */
export function schemataMismatch(file: string, expected: readonly string[]): string[] {
  const have = new Set(file.split('\n').map(norm).filter(Boolean));
  return expected.filter((l) => !have.has(norm(l)));
}

/** Make the container's groups and put `pid` in them. On failure, what was made is removed. */
export function setupIntelRdt(id: string, rdt: LinuxIntelRdt, pid: number, root = resctrlRoot()): RdtRecord {
  if (!root) throw new HeziError('linux.intelRdt: resctrl is not mounted on this host (Intel RDT is not available)');
  const p = planIntelRdt(id, rdt, root, (d) => fs.existsSync(d));
  const made: string[] = [];
  const step = (what: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      for (const d of made.reverse()) rmdirQuietly(d);
      throw new HeziError(`linux.intelRdt: ${what}: ${sysText(e)}`);
    }
  };
  if (p.mkdir) step(`create ${p.dir}`, () => (fs.mkdirSync(p.dir), made.push(p.dir)));
  if (p.write.length) step(`write ${path.join(p.dir, 'schemata')}`, () => fs.writeFileSync(path.join(p.dir, 'schemata'), p.write.join('\n') + '\n'));
  if (p.expect.length) {
    const missing = schemataMismatch(fs.readFileSync(path.join(p.dir, 'schemata'), 'latin1'), p.expect);
    if (missing.length) throw new HeziError(`linux.intelRdt: the existing CLOS "${rdt.closID}" does not have the schemata ${missing.join(', ')}`);
  }
  step(`write ${path.join(p.dir, 'tasks')}`, () => fs.writeFileSync(path.join(p.dir, 'tasks'), String(pid)));
  if (p.monDir) {
    const mon = p.monDir;
    step(`create the monitoring group ${mon}`, () => (fs.mkdirSync(mon), made.push(mon)));
    step(`write ${path.join(mon, 'tasks')}`, () => fs.writeFileSync(path.join(mon, 'tasks'), String(pid)));
  }
  return { dir: p.dir, created: p.owned, ...(p.monDir ? { monDir: p.monDir } : {}) };
}

/**
 * `update --l3-cache-schema / --mem-bw-schema` before anything changes: runc's words when resctrl
 * lacks CAT (info/L3) or MBA (info/MB).
 */
export function checkRdtUpdate(l3CacheSchema: string | undefined, memBwSchema: string | undefined, root = resctrlRoot()): void {
  const has = (what: string) => root !== undefined && fs.existsSync(path.join(root, 'info', what));
  if (l3CacheSchema && !has('L3')) throw new HeziError('Intel RDT/CAT: l3 cache schema is not enabled');
  if (memBwSchema && !has('MB')) throw new HeziError('Intel RDT/MBA: memory bandwidth schema is not enabled');
}

/**
 * `update --l3-cache-schema / --mem-bw-schema` (runc): a container without linux.intelRdt first
 * gets a group of its own (as closID unset) with `pid` in it; then the given lines go to the
 * group's schemata. Returns the group (new or `rec`).
 */
export function updateIntelRdt(id: string, rec: RdtRecord | undefined, lines: readonly string[], pid: number, root = resctrlRoot()): RdtRecord {
  const group = rec ?? setupIntelRdt(id, {}, pid, root);
  const file = path.join(group.dir, 'schemata');
  try {
    fs.writeFileSync(file, lines.join('\n') + '\n');
  } catch (e) {
    if (!rec) destroyIntelRdt(group);
    throw new HeziError(`linux.intelRdt: write ${file}: ${sysText(e)}`);
  }
  return group;
}

/** exec: the new process joins the container's groups. */
export function joinIntelRdt(rec: RdtRecord, pid: number): void {
  const dir = rec.monDir ?? rec.dir;
  try {
    fs.writeFileSync(path.join(dir, 'tasks'), String(pid));
  } catch (e) {
    throw new HeziError(`linux.intelRdt: join ${dir}: ${sysText(e)}`);
  }
}

/** delete: remove the monitoring group and a CLOS hezi made (the tasks are gone). */
export function destroyIntelRdt(rec: RdtRecord): void {
  if (rec.monDir) rmdirQuietly(rec.monDir);
  if (rec.created) rmdirQuietly(rec.dir);
}

function rmdirQuietly(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`linux.intelRdt: remove ${dir}: ${sysText(e)}`);
  }
}
