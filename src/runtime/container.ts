/**
 * Lifecycle operations on an existing container: state, start, kill, delete, list.
 * None of these load the config schemas: they read hezi's own state.json.
 */
import { fs } from '../native/fs';
import { parseSignal } from '../linux/signals';
import { cgroupPids as managerPids, destroyCgroups, signalCgroup, thaw } from '../linux/cgroups/control';
import { E, HeziError, initFailureText } from './errors';
import { hookState, runHooks, runHooksWarnOnly } from './hooks';
import { log } from './log';
import { hasOwnMountNs, unmountUnder } from './mounts';
import { ContainerRecord, StateStore, validateId } from './state-store';
import { Status, can, deriveStatus, processAlive } from './status';
import { namespaceEntry } from '../linux/namespaces';
import { sleepMs } from '../util/sleep';
import { isDigits } from '../util/text';

export interface StateView {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
}

export function load(store: StateStore, id: string): { rec: ContainerRecord | undefined; status: Status } {
  validateIdForLookup(id);
  const rec = store.read(id);
  return { rec, status: deriveStatus(rec, store.fifo(id)) };
}

function validateIdForLookup(id: string): void {
  if (!id) throw E.usage('container id cannot be empty');
  try {
    validateId(id);
  } catch {
    throw E.notExist();
  }
}

/** runc's `state` JSON: pid 0 once stopped. */
export function view(store: StateStore, id: string): StateView {
  const { rec, status } = load(store, id);
  return toView(store, id, rec, status);
}

function toView(store: StateStore, id: string, rec: ContainerRecord | undefined, status: Status): StateView {
  const v: StateView = {
    ociVersion: rec?.ociVersion ?? '1.3.0',
    id,
    pid: status === 'stopped' || !rec ? 0 : rec.pid,
    status,
    bundle: rec?.bundle ?? '',
    rootfs: rec?.rootfs ?? '',
    created: rec?.created ?? new Date(fs.statSync(store.dir(id)).ctimeMs).toISOString(),
    owner: rec?.owner ?? '',
  };
  if (rec?.annotations && Object.keys(rec.annotations).length) v.annotations = rec.annotations;
  // keep runc's key order: annotations before owner
  const { owner, ...rest } = v;
  return { ...rest, owner };
}

export function list(store: StateStore): Array<StateView & { ownerName: string }> {
  const out: Array<StateView & { ownerName: string }> = [];
  for (const id of store.list()) {
    try {
      const { rec, status } = load(store, id);
      if (!rec) continue; // no state.json: not a container (runc lists these neither)
      const uid = fs.statSync(store.dir(id)).uid;
      out.push({ ...toView(store, id, rec, status), ownerName: userName(uid) });
    } catch {
      /* vanished while listing */
    }
  }
  return out;
}

function userName(uid: number): string {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (Number(f[2]) === uid && f[0]) return f[0];
    }
  } catch {
    /* no passwd */
  }
  return `#${uid}`;
}

/**
 * `start`: release the init from exec.fifo, then run poststart hooks. With `notifySocket` (hezi's
 * NOTIFY_SOCKET) and a container created with one, wait for its READY and pass it on (runc).
 */
export function start(store: StateStore, id: string, notifySocket?: string): void {
  validateIdForLookup(id);
  const unlock = store.lock(id);
  try {
    const { rec, status } = load(store, id);
    if (!rec || !can.start(status)) throw E.notCreated(status);
    if (!rec.config.process) throw new HeziError('cannot start a container that has no process');
    const notify = notifySocket ? (require('./notify') as typeof import('./notify')) : undefined;
    const listen = notify && fs.existsSync(notify.notifyDir(store, id)) ? notify.listenNotify(notify.notifyDir(store, id)) : undefined;
    releaseFifo(store.fifo(id), rec);
    const poststart = rec.config.hooks?.poststart;
    if (poststart?.length) {
      try {
        runHooks('poststart', poststart, hookState({ ...rec, status: 'running' }));
      } catch (e) {
        // runtime.md: a failing poststart hook stops the container
        signalProcess(rec.pid, 9);
        throw e;
      }
    }
    if (notify && listen !== undefined) notify.awaitReady(listen, notifySocket!, rec.pid, () => processAlive(rec.pid, rec.startTime));
  } finally {
    unlock();
  }
}

/**
 * Open exec.fifo for reading without blocking and wait for the init's byte. EOF means there is no
 * writer (yet): the init sends READY just before it opens the fifo, so a `start` right after
 * `create` (as `run` and containerd do) can come first; it retries while the fifo is still there
 * and the init alive. Once another `start` has read the byte the fifo is gone: already running.
 * With startContainer hooks the init writes once they have run: "0", or the 13-byte record
 * {"E", op, errno, wait status} of the op that failed, worded here from rec.startOps.
 */
function releaseFifo(fifo: string, rec: ContainerRecord): void {
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const buf = new Uint8Array(13);
  try {
    for (let k = 0; ; k++) {
      let n = 0;
      try {
        n = fs.readSync(fd, buf, 0, 1, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        n = -1;
      }
      if (n === 1 && buf[0] !== 0x45 /* "E" */) break;
      if (n === 1) {
        // one write of 13 bytes: the rest is there
        const more = fs.readSync(fd, buf, 1, 12, null);
        fs.rmSync(fifo, { force: true });
        if (more !== 12) throw new HeziError('container init exited before start');
        const v = new DataView(buf.buffer);
        const [op, err, st] = [v.getInt32(1, true), v.getInt32(5, true), v.getInt32(9, true)];
        throw new HeziError(initFailureText(rec.startOps?.ops[op - rec.startOps.from], op, err, st));
      }
      if (n === 0 && !fs.existsSync(fifo)) throw new HeziError('cannot start an already running container');
      if (k % 100 === 99 && !processAlive(rec.pid, rec.startTime)) throw new HeziError('container init exited before start');
      // EAGAIN: the init has the fifo open and is about to write: wait for that, not a fixed 1 ms;
      // EOF: it has not opened it yet (nothing to poll for: a fifo without writers polls as hung up)
      if (n < 0) fs.waitReadable(fd, 100);
      else sleepMs(1);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.rmSync(fifo, { force: true });
}

/**
 * `kill`, as runc >= 1.2: SIGKILL to a container without its own pid namespace (and any signal
 * with --all) reaches every process of its cgroup, none escaping by fork (signalAll); otherwise the
 * init alone. --all on a stopped container is not an error (containerd's cleanup sends it).
 */
export function kill(store: StateStore, id: string, sigArg: string | undefined, all: boolean): void {
  const sig = parseSignal(sigArg ?? 'SIGTERM');
  if (sig === undefined) throw new HeziError(`unknown signal "${sigArg}"`);
  const { rec, status } = load(store, id);
  if (all && rec && status === 'stopped') return signalAll(rec, sig, false);
  if (!rec || !can.kill(status)) throw E.notRunning();
  if (all || (sig === 9 && !hasOwnPidNs(rec))) return signalAll(rec, sig);
  signalProcess(rec.pid, sig);
  // a frozen init cannot die until it is thawed (runc thaws for SIGKILL only)
  if (sig === 9 && status === 'paused' && rec.cgroupPaths) thaw(rec.cgroupPaths);
}

/**
 * Every process of the container gets `sig`: through its cgroup when it has one (signalCgroup).
 * Once the init is gone (stopped) only the cgroup counts: its pid may belong to someone else now.
 */
function signalAll(rec: ContainerRecord, sig: number, initAlive = true): void {
  if (rec.cgroupPaths && Object.keys(rec.cgroupPaths).length) return signalCgroup(rec.cgroupPaths, sig, (pid) => signalProcess(pid, sig));
  if (initAlive) for (const pid of containerPids(rec)) signalProcess(pid, sig);
}

function hasOwnPidNs(rec: ContainerRecord): boolean {
  const pid = namespaceEntry(rec.config.linux?.namespaces, 'pid');
  return pid !== undefined && !pid.path;
}

function signalProcess(pid: number, sig: number): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/**
 * Every process of the container: with a private pid namespace, the processes that share the
 * init's pid namespace; otherwise the init alone (the cgroup-based list replaces this when the
 * container has cgroups).
 */
export function containerPids(rec: ContainerRecord): number[] {
  const fromCgroup = cgroupPids(rec);
  if (fromCgroup) return fromCgroup;
  const privatePidns = namespaceEntry(rec.config.linux?.namespaces, 'pid') !== undefined;
  if (!privatePidns) return [rec.pid];
  let ns: string;
  try {
    ns = fs.readlinkSync(`/proc/${rec.pid}/ns/pid`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!isDigits(d)) continue;
    try {
      if (fs.readlinkSync(`/proc/${d}/ns/pid`) === ns) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** every process in the container's cgroup, sub-cgroups included (exec --cgroup) */
function cgroupPids(rec: ContainerRecord): number[] | undefined {
  if (!rec.cgroupPaths || Object.keys(rec.cgroupPaths).length === 0) return undefined;
  try {
    return managerPids(rec.cgroupPaths);
  } catch {
    return undefined;
  }
}

/**
 * `delete`: stopped (or created) containers; --force kills first. Missing + force = success.
 * Without --force the lock comes first and the record is read once, under it.
 */
export function remove(store: StateStore, id: string, force: boolean): void {
  const notExist = (e: unknown): boolean => e instanceof HeziError && e.message === 'container does not exist';
  let unlock: () => void;
  try {
    if (force) {
      const loaded = load(store, id);
      // --force kills before it locks: a container process that got hold of the lock (CVE-2024-21626
      // class: a runtime fd leaked into the container) cannot make delete wait for it
      if (loaded.rec && loaded.status !== 'stopped' && loaded.status !== 'creating') killAll(loaded.rec);
    } else validateIdForLookup(id);
    unlock = store.lock(id);
  } catch (e) {
    if (force && notExist(e)) return;
    throw e;
  }
  try {
    const { rec, status } = load(store, id);
    if (!can.deleteWithoutForce(status) && !force) throw E.notStopped(id, status);
    if (rec) killLeftovers(rec, status);
    destroy(store, id, rec);
  } finally {
    unlock();
  }
}

/** SIGKILL every process of the container, as `kill --all KILL` (signalCgroup thaws a v1 freezer for it). */
function killAll(rec: ContainerRecord): void {
  try {
    signalAll(rec, 9);
  } catch {
    /* destroy thaws and removes what is left */
  }
}

/**
 * Every process the container may still have, killed (and waited for) before its cgroups go. A
 * stopped container's init is gone; without a pid namespace its children may live on in the
 * cgroup: destroy kills them if a cgroup is busy (an empty one, the common case, costs nothing).
 */
function killLeftovers(rec: ContainerRecord, status: Status): void {
  if (status === 'creating') {
    // under the lock a creating record is a create that died: its init, or the container process
    // it forked (which may wait on exec.fifo forever), and whatever joined its cgroups
    const procs = [
      { pid: rec.initPid ?? 0, startTime: rec.initStartTime ?? '' },
      { pid: rec.pid, startTime: rec.startTime },
    ].filter((p) => p.pid > 0 && processAlive(p.pid, p.startTime));
    for (const p of procs) signalProcess(p.pid, 9);
    for (const pid of cgroupPids(rec) ?? []) signalProcess(pid, 9);
    for (const p of procs) waitGone(p);
    return;
  }
  if (status !== 'stopped') {
    killAll(rec);
    waitGone(rec);
  }
}

function waitGone(p: { pid: number; startTime: string }): void {
  for (let k = 0; k < 1000 && processAlive(p.pid, p.startTime); k++) sleepMs(5);
}

/** Undo create: cgroups, state dir; then poststop hooks (failures are warnings). */
export function destroy(store: StateStore, id: string, rec: ContainerRecord | undefined): void {
  // what is still in a cgroup once the init is gone (no pid namespace: its children) is killed
  if (rec?.cgroupPaths) destroyCgroups(rec.cgroupPaths, () => signalAll(rec, 9, false));
  if (rec?.intelRdt) (require('./intelrdt') as typeof import('./intelrdt')).destroyIntelRdt(rec.intelRdt);
  if (rec && !hasOwnMountNs(rec.config.linux?.namespaces)) unmountUnder(rec.rootfs);
  store.remove(id);
  const poststop = rec?.config.hooks?.poststop;
  if (rec && poststop?.length) {
    for (const w of runHooksWarnOnly('poststop', poststop, hookState({ ...rec, status: 'stopped' }))) log.warn(w);
  }
}
