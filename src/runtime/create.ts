/**
 * The one `create` orchestrator. It reads top to bottom:
 *   1. check the id, load + validate config.json (spec/ schemas + named checks)
 *   2. make the state dir (locked) and exec.fifo
 *   3. compile the plan
 *   4. start the init and answer its syncs (id maps, pid, prestart/createRuntime hooks, state)
 *   5. write state.json and the pid file; the init waits on exec.fifo
 * Any failure: kill what was started, remove what was made, one sentence naming the step.
 */
import { fs } from '../native/fs';
import * as path from '../linux/path';
import type { Spec } from '../../spec';
import { loadConfig } from '../config/load';
import { procStat } from '../linux/proc';
import { compile, Plan } from '../plan/compile';
import { encodePlan } from '../plan/encode';
import { SyncTag } from '../plan/ops';
import { cgroupsForContainer, destroyCgroup, joinCgroup, plannedCgroupPaths, selfJoinFiles, setupCgroup, spawnInCgroup } from './cgroups';
import { HeziError, errnoText, initFailureText } from './errors';
import { hookState, runHooks, runHooksWarnOnly } from './hooks';
import { readHost } from './host';
import { log } from './log';
import { prepareSeccomp, sendSeccompListener } from './seccomp';
import { faultPoint } from './fault';
import { hasOwnMountNs, unmountUnder } from './mounts';
import { ContainerRecord, StateStore, atomicWrite, validateId } from './state-store';
import { checkTerminal, closeQuietly as closeFdQuietly, openConsole } from './terminal';
import { UserMapPlan, userMapPlanFor, writeUserMaps } from './usermaps';
import * as loops from '../util/loops';

export const OCI_VERSION = '1.3.0';

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string | undefined;
  consoleSocket?: string | undefined;
  noPivot: boolean;
  noNewKeyring: boolean;
  preserveFds: number;
  /** `run` in the foreground: a terminal comes to hezi itself (its own console socket) */
  attachTerminal?: boolean | undefined;
  /** systemd socket activation: the first `listenFds` of the preserved fds are LISTEN_FDS (runc) */
  listenFds?: number | undefined;
  /** --pidfd-socket: a pidfd of the container's process goes there */
  pidfdSocket?: string | undefined;
  /** NOTIFY_SOCKET of hezi's environment: the container gets a socket of its own, proxied by start/run */
  notifySocket?: string | undefined;
}

export interface Created {
  record: ContainerRecord;
  /** attachTerminal with process.terminal: hezi's end of its console socket (the master is there) */
  consoleRecv?: number | undefined;
}

export function createContainer(store: StateStore, o: CreateOptions): Created {
  // 1. id and config
  const id = validateId(o.id);
  const bundle = path.resolve(o.bundle);
  if (store.exists(id)) throw new HeziError('container with given ID already exists');
  let spec = loadConfig(bundle);
  checkTerminal(spec.process?.terminal === true, !o.attachTerminal, o.consoleSocket);
  const rootfs = fs.realpathSync(path.resolve(bundle, spec.root?.path ?? 'rootfs'));
  // seccomp is compiled before anything exists: a bad profile or a missing libseccomp leaves nothing behind
  const seccomp = spec.linux?.seccomp ? prepareSeccomp(spec.linux.seccomp, store.root) : undefined;
  // rootless: cgroups where this user may make them (delegation), else none or a refusal
  const withCgroups = cgroupsForContainer(id, spec);

  // 2. state dir + lock + fifo
  store.createDir(id);
  const unlock = store.lock(id);
  faultPoint('create:dir');
  const cleanup: Array<() => void> = [() => store.remove(id)];
  if (!hasOwnMountNs(spec.linux?.namespaces)) cleanup.push(() => unmountUnder(rootfs));
  let initPid = 0;
  let containerPid = 0;
  const { native, initImage, Msg } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  let pidfdSock = -1;
  try {
    if (o.pidfdSocket) {
      const { connectPidfdSocket } = require('./pidfd') as typeof import('./pidfd');
      pidfdSock = connectPidfdSocket(o.pidfdSocket);
      cleanup.push(() => pidfdSock >= 0 && fs.closeSync(pidfdSock));
    }
    if (o.notifySocket) {
      const { notifyDir, withNotifySocket } = require('./notify') as typeof import('./notify');
      fs.mkdirSync(notifyDir(store, id), { mode: 0o755 });
      spec = withNotifySocket(spec, notifyDir(store, id));
    }
    // socket activation (runc): the init's environment only, not the stored process
    const initSpec =
      o.listenFds && spec.process ? { ...spec, process: { ...spec.process, env: [...(spec.process.env ?? []), `LISTEN_FDS=${o.listenFds}`, 'LISTEN_PID=1'] } } : spec;
    const fifo = store.fifo(id);
    n.mkfifo(fifo, 0o622);
    fs.chmodSync(fifo, 0o622); // not reduced by the umask: a user-namespaced init must open it
    // process.terminal: --console-socket, or hezi's own socket pair for `run` in the foreground
    const con = openConsole(spec.process?.terminal === true, o.consoleSocket);
    if (con) cleanup.push(() => (closeFdQuietly(con.initFd), closeFdQuietly(con.recvFd)));

    // 3. plan
    const plannedCgroups = withCgroups ? plannedCgroupPaths(id, spec) : {};
    const maps = userMapPlanFor(spec.linux);
    const host = readHost();
    // looked at only for a config with a mount label (it goes on the mounts where SELinux is on)
    if (spec.linux?.mountLabel) host.selinux = (require('../linux/selinux') as typeof import('../linux/selinux')).selinuxEnabled();
    const plan = compile({ spec: initSpec, bundle, rootfs, fifo, noPivot: o.noPivot, noNewKeyring: o.noNewKeyring, preserveFds: o.preserveFds, consoleFd: con ? 5 + o.preserveFds : undefined, host, seccomp, cgroupDirs: withCgroups ? plannedCgroups : undefined, cgroupJoinFiles: withCgroups ? selfJoinFiles(plannedCgroups) : undefined, setgroups: !maps.denySetgroups, rootless: process.geteuid?.() !== 0 });
    if (log.debugging()) log.debug(`plan: ${plan.ops.map((x, k) => `${k}:${x.code}`).join(' ')}`);

    // 4. run the init
    const base = {
      ociVersion: spec.ociVersion,
      id,
      bundle,
      annotations: spec.annotations,
    };
    // the record exists from here on (creating): what a delete --force needs if this command dies
    const record: ContainerRecord = {
      ociVersion: spec.ociVersion,
      id,
      pid: 0,
      startTime: '',
      bundle,
      rootfs,
      created: new Date().toISOString(),
      owner: '',
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
      config: spec,
      ...(Object.keys(plannedCgroups).length ? { cgroupPaths: plannedCgroups } : {}),
      creating: true,
    };
    // written before the cgroups exist, so that a delete --force finds them. The init's pid is not
    // in it: until the init sends PID (the next write) it is blocked on the sync socket or about to
    // write to it, and ends by itself when this command does
    store.write(record);
    faultPoint('create:recorded');
    // the cgroups come before the init, which is born in the cgroup2 directory (no migration) and
    // moves itself into the v1 ones (selfJoinFiles)
    let cgroupPaths: Record<string, string> | undefined;
    cleanup.push(() => {
      if (cgroupPaths) destroyCgroup(cgroupPaths);
    });
    if (withCgroups) {
      cgroupPaths = setupCgroup(id, spec, 0, { join: 'none' });
      faultPoint('create:cgroups');
    }
    const encoded = encodePlan(plan.ops);
    const spawned = spawnInCgroup(cgroupPaths, (cgroupFd) => n.spawnInit(initImage(), encoded, [0, 1, 2], o.preserveFds, con ? [con.initFd] : [], cgroupFd));
    const { pid, syncFd } = spawned;
    if (con) {
      closeFdQuietly(con.initFd); // the init has its copy
      con.initFd = -1;
    }
    initPid = pid;
    faultPoint('create:spawned');
    cleanup.unshift(() => {
      try {
        fs.closeSync(syncFd);
      } catch {
        /* closed */
      }
      if (containerPid > 0) killQuietly(containerPid);
      if (initPid > 0) {
        killQuietly(initPid);
        try {
          n.waitPid(initPid, false);
        } catch {
          /* reaped */
        }
      }
    });

    let intelRdt: import('./intelrdt').RdtRecord | undefined;
    cleanup.push(() => {
      if (intelRdt) (require('./intelrdt') as typeof import('./intelrdt')).destroyIntelRdt(intelRdt);
    });
    for (;;) {
      const msg = n.recvMsg(syncFd, 60_000);
      if (msg === null) throw new HeziError('container init exited before it was ready');
      if (msg.fd >= 0 && msg.type !== Msg.SECCOMP_FD) closeQuietly(msg.fd);
      if (msg.type === Msg.ERROR) throw initError(plan, msg.op, msg.err, msg.status);
      if (msg.type === Msg.SECCOMP_FD) {
        // the notify listener: to the seccomp agent, then let the init go on
        try {
          if (msg.fd < 0) throw new HeziError('the container init sent no seccomp listener');
          sendSeccompListener(spec.linux?.seccomp?.listenerPath ?? '', msg.fd, {
            ociVersion: OCI_VERSION,
            pid: containerPid,
            metadata: spec.linux?.seccomp?.listenerMetadata,
            state: { ...base, status: 'creating', pid: containerPid },
          });
        } finally {
          if (msg.fd >= 0) closeQuietly(msg.fd);
        }
        n.sendMsg(syncFd, Msg.ACK);
        continue;
      }
      if (msg.type === Msg.PID) {
        containerPid = msg.pid;
        faultPoint('create:pid');
        record.pid = containerPid;
        record.startTime = procStat(containerPid)?.startTime ?? '';
        store.write(record);
        reap(initPid);
        initPid = 0;
        if (pidfdSock >= 0) {
          const { sendPidfd } = require('./pidfd') as typeof import('./pidfd');
          const sock = pidfdSock;
          pidfdSock = -1;
          sendPidfd(sock, containerPid);
        }
        continue;
      }
      if (msg.type === Msg.SYNC) faultPoint(`create:sync-${msg.pid}`);
      if (msg.type === Msg.SYNC && msg.pid === SyncTag.NET_DEVICES) {
        try {
          const { moveNetDevices } = require('./netdevices') as typeof import('./netdevices');
          moveNetDevices(spec.linux?.netDevices ?? {}, `/proc/${initPid}/ns/net`);
        } catch (e) {
          n.sendMsg(syncFd, Msg.ABORT);
          throw e;
        }
        n.sendMsg(syncFd, Msg.ACK);
        continue;
      }
      if (msg.type === Msg.SYNC && msg.pid === SyncTag.CGROUP) {
        // a kernel without CLONE_INTO_CGROUP: the cgroup2 move is ours
        if (cgroupPaths && !spawned.intoCgroup) joinCgroup(cgroupPaths, initPid, { join: 'cgroup2' });
        faultPoint('create:joined');
        const rdt = spec.linux?.intelRdt;
        if (rdt) {
          intelRdt = (require('./intelrdt') as typeof import('./intelrdt')).setupIntelRdt(id, rdt, initPid);
          record.intelRdt = intelRdt; // for a delete --force of a create killed from here on
          store.write(record);
        }
        n.sendMsg(syncFd, Msg.ACK);
        continue;
      }
      if (msg.type === Msg.SYNC) {
        answerSync(n, syncFd, msg.pid, { spec, plan, maps, pid: initPid || containerPid, containerPid, base, Msg });
        continue;
      }
      if (msg.type === Msg.READY) break;
      throw new HeziError(`unexpected message ${msg.type} from the container init`);
    }
    fs.closeSync(syncFd);
    faultPoint('create:ready');

    // 5. record: created
    const st = procStat(containerPid);
    if (!st) throw new HeziError('container init exited before it was ready');
    record.startTime = st.startTime;
    delete record.creating;
    if (cgroupPaths && Object.keys(cgroupPaths).length) record.cgroupPaths = cgroupPaths;
    else delete record.cgroupPaths;
    if (plan.afterStart !== undefined) record.startOps = { from: plan.afterStart, ops: loops.map(plan.ops.slice(plan.afterStart), ({ code, what }) => ({ code, what })) };
    store.write(record);
    faultPoint('create:recorded-created');
    if (o.pidFile) atomicWrite(path.resolve(o.pidFile), String(containerPid));
    return { record, ...(con?.recvFd !== undefined ? { consoleRecv: con.recvFd } : {}) };
  } catch (e) {
    const hookFailure = e instanceof HookFailure;
    for (const f of cleanup) {
      try {
        f();
      } catch {
        /* best effort: keep undoing */
      }
    }
    if (hookFailure) {
      // runtime.md: a failing create-time hook stops the container and the lifecycle goes on with
      // destroy + poststop hooks, whose failures are only warnings
      const state = hookState({ ociVersion: spec.ociVersion, id, status: 'stopped', pid: 0, bundle, annotations: spec.annotations });
      for (const w of runHooksWarnOnly('poststop', spec.hooks?.poststop, state)) log.warn(w);
      throw new HeziError((e as Error).message);
    }
    throw e;
  } finally {
    unlock();
  }
}

class HookFailure extends HeziError {}

interface SyncCtx {
  spec: Spec;
  plan: Plan;
  maps: UserMapPlan;
  pid: number;
  containerPid: number;
  base: { ociVersion: string; id: string; bundle: string; annotations?: Record<string, string> | undefined };
  Msg: typeof import('../native/addon').Msg;
}

function answerSync(n: import('../native/addon').Native, fd: number, tag: number, c: SyncCtx): void {
  switch (tag) {
    case SyncTag.USERNS_MAPS: {
      writeUserMaps(c.pid, c.spec.linux?.uidMappings ?? [], c.spec.linux?.gidMappings ?? [], c.maps);
      n.sendMsg(fd, c.Msg.ACK);
      return;
    }
    case SyncTag.CREATE_RUNTIME: {
      const state = hookState({ ...c.base, status: 'creating', pid: c.containerPid });
      try {
        // runtime.md: "created" is the status "after step 2" and prestart is step 3, so prestart
        // hooks see "created" (as crun; the runtime-tools hooks_stdin test checks it; runc 1.1 says
        // "creating"). createRuntime/createContainer keep runc's "creating".
        runHooks('prestart', c.spec.hooks?.prestart, hookState({ ...c.base, status: 'created', pid: c.containerPid }));
        runHooks('createRuntime', c.spec.hooks?.createRuntime, state);
      } catch (e) {
        n.sendMsg(fd, c.Msg.ABORT);
        throw new HookFailure((e as Error).message);
      }
      n.sendMsg(fd, c.Msg.ACK, Buffer.from(state));
      return;
    }
    case SyncTag.STATE: {
      n.sendMsg(fd, c.Msg.ACK, Buffer.from(hookState({ ...c.base, status: 'created', pid: c.containerPid })));
      return;
    }
    default:
      n.sendMsg(fd, c.Msg.ABORT);
      throw new HeziError(`unknown sync ${tag} from the container init`);
  }
}

/** {op index, errno} → one sentence naming the step; a failed hook stops the lifecycle as runtime.md says. */
function initError(plan: Plan, index: number, err: number, status: number): HeziError {
  const o = plan.ops[index];
  const text = initFailureText(o, index, err, status);
  return o?.code === 'RUN_HOOK' ? new HookFailure(text) : new HeziError(text);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* closed */
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

function reap(pid: number): void {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  try {
    native().waitPid(pid, false);
  } catch {
    /* already reaped */
  }
}
