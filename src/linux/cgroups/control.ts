/**
 * A container's existing cgroups: freeze, thaw, is-frozen, processes, removal. The hot commands
 * (state, kill, delete) need only this, so it depends on nothing but fsio: no host layout, no
 * resource mapping, no eBPF (those are manager.ts, for create and update).
 *
 * `paths` (stored in state.json as cgroupPaths) maps each v1 controller to its directory
 * (comounted controllers share one) and "" to the cgroup2 directory (pure v2, and the
 * /sys/fs/cgroup/unified directory in hybrid mode).
 */
import { fs, type Dirent } from '../../native/fs';
import { HeziError, sysText } from '../../runtime/errors';
import { log } from '../../runtime/log';
import { allPids, exists, readFile, writeFile } from './fsio';
import { sleepMs } from '../../util/sleep';
import * as loops from '../../util/loops';
import { hasLine } from '../../util/text';

export type CgroupPaths = Record<string, string>;

/** The distinct directories of a paths map (v1 first, the cgroup2 directory last). */
export function uniqueDirs(paths: CgroupPaths): string[] {
  const out: string[] = [];
  for (const [k, d] of Object.entries(paths)) if (k !== '' && !out.includes(d)) out.push(d);
  const u = paths[''];
  if (u !== undefined && !out.includes(u)) out.push(u);
  return out;
}

/**
 * The files through which a process moves itself into the v1 cgroups of `paths`: each hierarchy's
 * `tasks`, to which the (single-threaded) process writes "0". The kernel moves the calling thread
 * without the global cgroup_threadgroup_rwsem (Linux 6.1, "cgroup: Optimize single thread
 * migration"), so the move does not wait for an RCU grace period as a write of a pid to
 * cgroup.procs does (5 to 20 ms, once per quiet spell: the largest part of a create on v1). The
 * cgroup2 directory is not here: it cannot be joined through cgroup.threads across domains.
 * The freezer comes last: a process that joins a frozen cgroup (exec --ignore-paused) stops there
 * until the container is resumed, and by then it is in every other cgroup.
 */
export function selfJoinFiles(paths: CgroupPaths): string[] {
  const freezer = paths['freezer'];
  const out: string[] = [];
  let last: string | undefined;
  for (const d of uniqueDirs(paths)) {
    if (d === paths['']) continue;
    if (d === freezer) last = `${d}/tasks`;
    else out.push(`${d}/tasks`);
  }
  if (last !== undefined) out.push(last);
  return out;
}

/**
 * Remove one cgroup directory and its sub-cgroups, retrying while it is busy. rmdir comes first:
 * a cgroup with sub-cgroups refuses it (EBUSY), and only then is the directory listed (listing a
 * cgroup's directory costs more than removing it). A cgroup that still has processes calls
 * `whenBusy` before it waits for them.
 */
function removeTree(dir: string, deadline: number, whenBusy: () => void): void {
  for (let delay = 1, listed = false; ; delay = Math.min(delay * 2, 50)) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' && code !== 'ENOTEMPTY') throw e;
      if (!listed) {
        listed = true;
        let ents: Dirent[] = [];
        try {
          ents = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
          /* gone meanwhile: the next rmdir says so */
        }
        const subs = loops.filter(ents, (x) => x.isDirectory());
        for (const x of subs) removeTree(`${dir}/${x.name}`, deadline, whenBusy);
        if (subs.length) continue;
      }
      // busy with processes: left over, or still exiting
      whenBusy();
      if (Date.now() > deadline) throw e;
      sleepMs(delay);
    }
  }
}

/**
 * Remove the container's cgroup directories. rmdir comes first: an empty cgroup (the common case:
 * a stopped container) needs nothing else. Only when one is busy are `killLeft` (the caller's kill
 * of whatever is still in it) and a thaw done, once: on v1, killed tasks cannot die while frozen.
 * Failures are warnings, as in runc ("Failed to remove paths").
 */
export function destroyCgroups(paths: CgroupPaths, killLeft?: () => void): void {
  let busy = false;
  const whenBusy = (): void => {
    if (busy) return;
    busy = true;
    try {
      killLeft?.();
    } catch {
      /* the rmdir retries say what is left */
    }
    try {
      thawQuietly(paths);
    } catch {
      /* gone */
    }
  };
  const deadline = Date.now() + 3000;
  const failed: string[] = [];
  for (const dir of uniqueDirs(paths)) {
    try {
      removeTree(dir, deadline, whenBusy);
    } catch (e) {
      failed.push(`${dir}: ${sysText(e)}`);
    }
  }
  if (failed.length) log.warn(`unable to remove the container's cgroups: ${failed.join(', ')}`);
}

function thawQuietly(paths: CgroupPaths): void {
  const fz = paths['freezer'];
  if (fz && exists(fz, 'freezer.state')) writeFile(fz, 'freezer.state', 'THAWED');
  else if (paths[''] && exists(paths[''], 'cgroup.freeze')) writeFile(paths[''], 'cgroup.freeze', '0');
}

/** Every process of the container (host pids), from cgroup.procs, sub-cgroups included. */
export function cgroupPids(paths: CgroupPaths): number[] {
  const dir = paths[''] ?? paths['pids'] ?? paths['devices'] ?? paths['memory'] ?? paths['freezer'] ?? Object.values(paths)[0];
  if (dir === undefined) return [];
  return allPids(dir);
}

/** The freezer a paths map uses: v1 freezer.state or the v2 cgroup.freeze. */
/**
 * Send `sig` to every process of the container's cgroups so that none escapes by forking meanwhile
 * (runc's signalAllProcesses): SIGKILL through cgroup.kill where the kernel has it (cgroup v2, and
 * the unified directory of a hybrid host); otherwise freeze, signal each process, thaw. A cgroup
 * that was frozen already (a paused container) stays frozen, unless the signal is SIGKILL: frozen
 * tasks cannot die. `send` signals one pid (ESRCH is the caller's to ignore).
 */
export function signalCgroup(paths: CgroupPaths, sig: number, send: (pid: number) => void): void {
  const unified = paths[''];
  if (sig === 9 && unified !== undefined && exists(unified, 'cgroup.kill')) {
    try {
      writeFile(unified, 'cgroup.kill', '1');
    } catch (e) {
      throw new HeziError(`kill: write ${unified}/cgroup.kill: ${sysText(e)}`);
    }
    // a v1 freezer (hybrid host) holds killed tasks until it thaws; the v2 one lets SIGKILL through
    if (paths['freezer'] && isFrozen(paths)) thaw(paths);
    return;
  }
  // no process: none can fork either, so there is nothing to freeze for (a delete of a stopped container)
  if (cgroupPids(paths).length === 0) return;
  const wasFrozen = isFrozen(paths);
  let froze = false;
  if (!wasFrozen) {
    try {
      freeze(paths);
      froze = true;
    } catch (e) {
      log.debug(`signal all processes without freezing them: ${(e as Error).message}`);
    }
  }
  try {
    for (const pid of cgroupPids(paths)) send(pid);
  } finally {
    if (froze || (wasFrozen && sig === 9)) thaw(paths);
  }
}

function freezer(paths: CgroupPaths): { v1: string } | { v2: string } {
  if (paths['freezer']) return { v1: paths['freezer'] };
  if (paths[''] && exists(paths[''], 'cgroup.freeze')) return { v2: paths[''] };
  // the host's layout only for the error (host.ts reads mountinfo)
  const { describeMode, hostLayout } = require('./host') as typeof import('./host');
  throw new HeziError(`the freezer is not available on this host (${describeMode(hostLayout().mode)})`);
}

/** Freeze every process of the container and wait until the kernel says FROZEN. */
export function freeze(paths: CgroupPaths): void {
  const f = freezer(paths);
  if ('v1' in f) {
    // runc's loop: a v1 freeze can stay FREEZING while tasks fork; retry, thaw now and then
    try {
      for (let i = 0; i < 1000; i++) {
        if (i % 50 === 49) {
          writeFile(f.v1, 'freezer.state', 'THAWED');
          sleepMs(10);
        }
        writeFile(f.v1, 'freezer.state', 'FROZEN');
        if (i % 25 === 24) sleepMs(1);
        const st = (readFile(f.v1, 'freezer.state') ?? '').trim();
        if (st === 'FROZEN') return;
        if (st !== 'FREEZING') throw new HeziError(`unexpected state ${st} while freezing`);
      }
      throw new HeziError('unable to freeze');
    } catch (e) {
      try {
        writeFile(f.v1, 'freezer.state', 'THAWED');
      } catch {
        /* nothing more to do */
      }
      if (e instanceof HeziError) throw e;
      throw new HeziError(`freeze: write ${f.v1}/freezer.state: ${sysText(e)}`);
    }
  }
  try {
    writeFile(f.v2, 'cgroup.freeze', '1');
  } catch (e) {
    throw new HeziError(`freeze: write ${f.v2}/cgroup.freeze: ${sysText(e)}`);
  }
  const end = Date.now() + 10_000;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    if (hasLine(readFile(f.v2, 'cgroup.events') ?? '', 'frozen 1')) return;
    if (Date.now() > end) {
      try {
        writeFile(f.v2, 'cgroup.freeze', '0');
      } catch {
        /* nothing more to do */
      }
      throw new HeziError('unable to freeze: cgroup.events never reported "frozen 1"');
    }
    sleepMs(delay);
  }
}

/** Thaw the container and wait until the kernel says so. */
export function thaw(paths: CgroupPaths): void {
  const f = freezer(paths);
  const [dir, file, value] = 'v1' in f ? [f.v1, 'freezer.state', 'THAWED'] : [f.v2, 'cgroup.freeze', '0'];
  try {
    writeFile(dir, file, value);
  } catch (e) {
    throw new HeziError(`thaw: write ${dir}/${file}: ${sysText(e)}`);
  }
  const end = Date.now() + 10_000;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    const done = 'v1' in f ? (readFile(dir, 'freezer.state') ?? '').trim() === 'THAWED' : hasLine(readFile(dir, 'cgroup.events') ?? '', 'frozen 0');
    if (done) return;
    if (Date.now() > end) throw new HeziError('unable to thaw');
    sleepMs(delay);
  }
}

/** Whether the container's cgroup is frozen (v1 FROZEN, v2 "frozen 1"). */
export function isFrozen(paths: CgroupPaths): boolean {
  try {
    const f = freezer(paths);
    if ('v1' in f) return (readFile(f.v1, 'freezer.state') ?? '').trim() === 'FROZEN';
    return hasLine(readFile(f.v2, 'cgroup.events') ?? '', 'frozen 1');
  } catch {
    return false;
  }
}
