/**
 * `checkpoint` and `restore` with CRIU, the way runc does them (libcontainer/criu_linux.go): criu's
 * RPC over `criu swrk`, runc's options and defaults, the container's bind mounts, masked paths,
 * device nodes and cgroup binds marked external (and mapped back on restore), the stdio pipes in
 * descriptors.json handed to the restored process, the cgroup freezer to stop the tasks, and the
 * restored tree a child of hezi (rst_sibling) inside the container's new cgroup.
 *
 * `criu check` runs first: a host where criu cannot work (this project's dev kernel: vDSO) gets
 * that reason as the error, never an attempt that half-works.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../../spec';
import { CRIU_CG_MODE, CriuOpts, CriuReqType, CriuResp, decodeResp, encodeReq, reqTypeName } from '../linux/criu';
import { hostLayout } from '../linux/cgroups/host';
import { MS } from '../linux/mount-options';
import { procStat } from '../linux/proc';
import { destroyCgroup, setupCgroup } from './cgroups';
import { destroy, load, remove } from './container';
import { E, HeziError, sysText } from './errors';
import { hookState, runHooks } from './hooks';
import { log } from './log';
import { exitCode, forwardSignals } from './run';
import { ContainerRecord, StateStore, atomicWrite, validateId } from './state-store';
import { checkTerminal, closeQuietly } from './terminal';

const DESCRIPTORS = 'descriptors.json';
const MNT_DETACH = 2;
const CLONE_NEWNET = 0x40000000;

/** The flags checkpoint and restore share (runc's criuOptions). */
export interface CriuFlags {
  /** the criu binary (global --criu) */
  criu: string;
  imagePath?: string | undefined;
  workPath?: string | undefined;
  tcpEstablished: boolean;
  extUnixSk: boolean;
  shellJob: boolean;
  fileLocks: boolean;
  manageCgroupsMode?: string | undefined;
  /** --empty-ns: namespaces (only "network") criu creates empty instead of restoring */
  emptyNs: string[];
  autoDedup: boolean;
  lazyPages: boolean;
}

export interface CheckpointOptions extends CriuFlags {
  parentPath?: string | undefined;
  leaveRunning: boolean;
  preDump: boolean;
  /** "ADDRESS:PORT" */
  pageServer?: string | undefined;
  /** -1: none */
  statusFd: number;
  tcpSkipInFlight: boolean;
  linkRemap: boolean;
}

export interface RestoreOptions extends CriuFlags {
  id: string;
  bundle: string;
  consoleSocket?: string | undefined;
  detach: boolean;
  pidFile?: string | undefined;
  noSubreaper: boolean;
  noPivot: boolean;
  lsmProfile?: string | undefined;
  lsmMountContext?: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// criu itself

/** `criu check`, or an error saying why criu cannot work on this host. */
function criuCheck(criu: string, what: 'checkpoint' | 'restore'): void {
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const r = spawnSync(criu, ['check'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new HeziError(`${what}: cannot run ${criu}: ${sysText(r.error)}`);
  if (r.status === 0) return;
  const text = `${r.stdout}\n${r.stderr}`;
  const first = text.split('\n').find((l) => /^Error \(/.test(l)) ?? text.trim().split('\n')[0] ?? `exit status ${r.status}`;
  throw new HeziError(`${what}: criu cannot run on this host ("criu check" failed: ${first.replace(/^Error \([^)]*\): /, '')})`);
}

/** the mode word → enum criu_cg_mode, with runc's error */
function cgMode(mode: string | undefined): number {
  const m = CRIU_CG_MODE[mode ?? ''];
  if (m === undefined) throw new HeziError('invalid manage-cgroups-mode value');
  return m;
}

/** --empty-ns words → CLONE_* mask (runc knows only the network namespace) */
function emptyNsMask(names: readonly string[]): number {
  let mask = 0;
  for (const n of names) {
    if (n !== 'network') throw new HeziError(`namespace ${JSON.stringify(n)} is not supported`);
    mask |= CLONE_NEWNET;
  }
  return mask;
}

/** runc's org.criu.config annotation: a criu configuration file for this container ("" = none) */
function configFile(spec: Spec): string | undefined {
  const a = spec.annotations?.['org.criu.config'];
  if (a === undefined) return '/etc/criu/runc.conf';
  return a || undefined;
}

interface SwrkRun {
  /** criu's fds 0..2 */
  stdio: [number | 'ignore', number | 'ignore', number | 'ignore'];
  /** criu's fds 4, 5, ... (inherit_fd of external namespaces) */
  extraFds: number[];
  /** criu is running and waits for the request: build it (e.g. once criu is in the cgroup) */
  request(criuPid: number): Buffer;
  /** a notification; throw to fail the operation */
  notify(script: string, pid: number, fds: number[]): void;
}

/**
 * One `criu swrk` conversation (runc's criuSwrk): the request, notifications answered, the final
 * response; then criu's exit. Resolves with the final response (success or not).
 */
async function swrk(criu: string, run: SwrkRun): Promise<CriuResp> {
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  const [client, server] = n.socketPair('seqpacket');
  let child: import('node:child_process').ChildProcess;
  try {
    child = spawn(criu, ['swrk', '3'], { stdio: [...run.stdio, server, ...run.extraFds] });
  } finally {
    closeQuietly(server);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let final: CriuResp | undefined;
  try {
    if (child.pid !== undefined) {
      fs.writeSync(client, run.request(child.pid));
      for (;;) {
        const pkt = n.recvPacket(client, -1);
        if (pkt === null) break;
        const resp = decodeResp(pkt.data);
        if (resp.type === CriuReqType.NOTIFY && resp.success) {
          try {
            run.notify(resp.notify?.script ?? '', resp.notify?.pid ?? 0, pkt.fds);
          } finally {
            for (const fd of pkt.fds) closeQuietly(fd);
          }
          fs.writeSync(client, encodeReq(CriuReqType.NOTIFY, undefined, true));
          continue;
        }
        for (const fd of pkt.fds) closeQuietly(fd);
        final = resp;
        break;
      }
    }
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  } finally {
    closeQuietly(client);
  }
  const st = await exited;
  if (st.error) throw new HeziError(`cannot run ${criu}: ${sysText(st.error)}`);
  if (!final) throw new HeziError(`criu failed: ${st.signal ? `signal: ${st.signal}` : `exit status ${st.code}`}`);
  // after a pre-dump criu waits for the next request; closing the socket ends it
  if (final.success && final.type !== CriuReqType.PRE_DUMP && st.code !== 0) throw new HeziError(`criu failed: exit status ${st.code}`);
  return final;
}

/** runc's words for a failed request, and the log's error lines as warnings (logCriuErrors) */
function criuFailed(resp: CriuResp, logFile: string): HeziError {
  try {
    const lines = fs.readFileSync(logFile, 'utf8').split('\n');
    const errors = lines.filter((l) => l.includes('Error'));
    if (errors.length) log.warn(`--- Quoting ${JSON.stringify(logFile)}`);
    for (const l of errors.slice(-5)) log.warn(l);
  } catch {
    /* no log */
  }
  return new HeziError(`criu failed: type ${reqTypeName(resp.type)} errno ${resp.crErrno ?? 0}\nlog file: ${logFile}`);
}

/** open a directory for criu (images_dir_fd, work_dir_fd), creating it when asked */
function openDir(dir: string, create: boolean): number {
  try {
    if (create) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    throw new HeziError(`open ${dir}: ${sysText(e)}`);
  }
}

/**
 * The images directory (made by checkpoint, there already for restore) and the work directory
 * (made when asked for), opened for criu; their fds go to `fds` to be closed. The log is in the
 * work directory, else with the images (runc).
 */
function openCriuDirs(imageDir: string, workPath: string | undefined, createImages: boolean, log: string, fds: number[]): { imagesFd: number; workFd: number | undefined; logFile: string } {
  const imagesFd = openDir(imageDir, createImages);
  fds.push(imagesFd);
  const workDir = workPath ? path.resolve(workPath) : undefined;
  const workFd = workDir ? openDir(workDir, true) : undefined;
  if (workFd !== undefined) fds.push(workFd);
  return { imagesFd, workFd, logFile: path.join(workDir ?? imageDir, log) };
}

// ---------------------------------------------------------------------------------------------
// What criu must treat as external

const DEFAULT_DEVICES = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'];

/**
 * The container's mounts criu cannot dump itself, each keyed by its mount point: bind mounts (their
 * sources live outside), the per-hierarchy cgroup binds hezi makes without a cgroup namespace, the
 * device nodes (bind-mounted in a user namespace). `source` is what restore maps the key back to.
 */
function externalMounts(spec: Spec, bundle: string, cgroupPaths: Record<string, string> | undefined): Array<{ key: string; source: string }> {
  const out: Array<{ key: string; source: string }> = [];
  const cgroupns = (spec.linux?.namespaces ?? []).some((n) => n.type === 'cgroup');
  const { containerPath } = require('../plan/compile') as typeof import('../plan/compile');
  const { parseMountOptions } = require('../linux/mount-options') as typeof import('../linux/mount-options');
  for (const m of spec.mounts ?? []) {
    const dest = containerPath(m.destination);
    if (m.type === 'cgroup' || m.type === 'cgroup2') {
      if (cgroupns) continue;
      const layout = hostLayout();
      if (layout.mode === 'v2') out.push({ key: dest, source: cgroupPaths?.[''] ?? '' });
      else
        for (const h of [...layout.v1, ...(layout.unified ? [layout.unified] : [])]) {
          const name = path.posix.basename(h.mountPoint);
          const dir = h === layout.unified ? cgroupPaths?.[''] : cgroupPaths?.[h.controllers[0] ?? ''];
          if (dir) out.push({ key: path.posix.join(dest, name), source: dir });
        }
      continue;
    }
    const bind = (parseMountOptions(m.options).flags & MS.BIND) !== 0 || m.type === 'bind';
    if (bind) out.push({ key: dest, source: path.resolve(bundle, m.source ?? '') });
  }
  for (const p of [...DEFAULT_DEVICES, ...(spec.linux?.devices ?? []).map((d) => containerPath(d.path))]) out.push({ key: p, source: p });
  return out;
}

/** the init's stdio as /proc shows them ("pipe:[123]", "/dev/null"), saved for restore (runc's descriptors.json) */
function externalDescriptors(pid: number): string[] {
  return [0, 1, 2].map((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '/dev/null';
    }
  });
}

/** namespaces joined by path that criu treats as external: --external net[<inode>]:extRootNetNS */
function externalNamespaces(spec: Spec): Array<{ type: 'network' | 'pid'; path: string; key: string }> {
  const out: Array<{ type: 'network' | 'pid'; path: string; key: string }> = [];
  for (const ns of spec.linux?.namespaces ?? [])
    if ((ns.type === 'network' || ns.type === 'pid') && ns.path) out.push({ type: ns.type, path: ns.path, key: ns.type === 'network' ? 'extRootNetNS' : 'extRootPidNS' });
  return out;
}

// ---------------------------------------------------------------------------------------------
// checkpoint

/** `checkpoint`: dump a running container to --image-path; without --leave-running it is gone afterwards. */
export async function checkpoint(store: StateStore, id: string, o: CheckpointOptions): Promise<void> {
  const { rec, status } = load(store, id);
  if (!rec) throw E.notExist();
  if (status === 'created' || status === 'stopped' || status === 'creating')
    throw new HeziError(`Container cannot be checkpointed in ${status} state`);
  const mode = cgMode(o.manageCgroupsMode);
  const emptyNs = emptyNsMask(o.emptyNs);
  let pageServer: { address: string; port: number } | undefined;
  if (o.pageServer) {
    const k = o.pageServer.lastIndexOf(':');
    const port = Number(o.pageServer.slice(k + 1));
    if (k <= 0 || !Number.isInteger(port) || port <= 0) throw new HeziError(`Invalid page server address: ${o.pageServer}`);
    pageServer = { address: o.pageServer.slice(0, k), port };
  }
  criuCheck(o.criu, 'checkpoint');

  const unlock = store.lock(id);
  const fds: number[] = [];
  try {
    const imageDir = path.resolve(o.imagePath ?? path.join(process.cwd(), 'checkpoint'));
    const { imagesFd, workFd, logFile } = openCriuDirs(imageDir, o.workPath, true, 'dump.log', fds);

    const opts: CriuOpts = {
      imagesDirFd: imagesFd,
      workDirFd: workFd,
      logLevel: 4,
      logFile: 'dump.log',
      root: rec.rootfs,
      manageCgroups: true,
      manageCgroupsMode: mode,
      notifyScripts: true,
      pid: rec.pid,
      shellJob: o.shellJob,
      leaveRunning: o.leaveRunning,
      tcpEstablished: o.tcpEstablished,
      tcpSkipInFlight: o.tcpSkipInFlight,
      linkRemap: o.linkRemap,
      extUnixSk: o.extUnixSk,
      fileLocks: o.fileLocks,
      emptyNs,
      orphanPtsMaster: true,
      autoDedup: o.autoDedup,
      lazyPages: o.lazyPages,
      configFile: configFile(rec.config),
      pageServer,
      freezeCgroup: rec.cgroupPaths?.['freezer'] ?? rec.cgroupPaths?.[''],
      ...(o.parentPath ? { parentImg: o.parentPath, trackMem: true } : {}),
      ...(o.lazyPages && o.statusFd >= 0 ? { statusFd: o.statusFd } : {}),
      external: externalNamespaces(rec.config).map((x) => `${x.type === 'network' ? 'net' : 'pid'}[${fs.statSync(x.path).ino}]:${x.key}`),
    };
    if (!o.preDump) {
      opts.extMnt = [
        ...externalMounts(rec.config, rec.bundle, rec.cgroupPaths).map((m) => ({ key: m.key, val: m.key })),
        // masked files are binds of /dev/null: mapped back to the host's on restore
        ...(rec.config.linux?.maskedPaths ?? []).filter((p) => isFileIn(rec.pid, p)).map((p) => ({ key: p, val: '/dev/null' })),
      ];
      atomicWrite(path.join(imageDir, DESCRIPTORS), JSON.stringify(externalDescriptors(rec.pid)), 0o600, true); // part of the image: kept
    }
    const type = o.preDump ? CriuReqType.PRE_DUMP : CriuReqType.DUMP;
    const resp = await swrk(o.criu, {
      stdio: ['ignore', 'ignore', 'ignore'],
      extraFds: [],
      request: () => encodeReq(type, opts),
      notify: (script) => {
        // lazy pages: the page server is ready
        if (script === 'status-ready' && o.statusFd >= 0) {
          fs.writeSync(o.statusFd, Buffer.from([0]));
          closeQuietly(o.statusFd);
        }
      },
    });
    if (!resp.success) throw criuFailed(resp, logFile);
    // the tasks are gone (criu killed them): the container is destroyed, as runc does
    if (!o.leaveRunning && !o.preDump) destroy(store, id, rec);
  } finally {
    for (const fd of fds) closeQuietly(fd);
    unlock();
  }
}

/** a masked path that is a file (a /dev/null bind) as the container sees it */
function isFileIn(pid: number, p: string): boolean {
  try {
    return !fs.statSync(`/proc/${pid}/root${p}`).isDirectory();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// restore

/**
 * Create the mount points of `mounts` in the rootfs, as create would have made them (runc's
 * prepareCriuRestoreMounts); not below a tmpfs (criu brings its content back), never through a
 * symlink of the rootfs.
 */
function makeMountpoints(rootfs: string, bundle: string, spec: Spec): void {
  const { containerPath } = require('../plan/compile') as typeof import('../plan/compile');
  const mounts = spec.mounts ?? [];
  const tmpfs = mounts.filter((m) => m.type === 'tmpfs').map((m) => containerPath(m.destination));
  for (const m of mounts) {
    const dest = containerPath(m.destination);
    if (m.type === 'cgroup' || m.type === 'cgroup2' || tmpfs.some((t) => dest.startsWith(t + '/'))) continue;
    let file = false;
    try {
      file = m.source !== undefined && !fs.statSync(path.resolve(bundle, m.source)).isDirectory();
    } catch {
      /* not a host path: a directory mount point */
    }
    let cur = rootfs;
    const parts = dest.split('/').filter(Boolean);
    parts.forEach((name, k) => {
      cur = path.join(cur, name);
      const last = k === parts.length - 1;
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(cur);
      } catch {
        /* missing */
      }
      if (st?.isSymbolicLink()) throw new HeziError(`restore: mount point ${dest}: ${cur} is a symlink`);
      if (st) return;
      try {
        if (last && file) fs.closeSync(fs.openSync(cur, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o755));
        else fs.mkdirSync(cur, { mode: 0o755 });
      } catch (e) {
        throw new HeziError(`restore: create mount point ${dest}: ${sysText(e)}`);
      }
    });
  }
}

/** /proc/<pid>/cgroup → criu's cgroup roots (runc's criuApplyCgroups) */
function cgroupRoots(pid: number): Array<{ ctrl: string; path: string }> {
  return fs
    .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [, ctrl = '', p = '/'] = /^\d+:([^:]*):(.*)$/.exec(l) ?? [];
      return { ctrl, path: p };
    });
}

/** `restore`: a new container from a checkpoint; returns the process's exit code (0 with --detach). */
export async function restore(store: StateStore, o: RestoreOptions): Promise<number> {
  const id = validateId(o.id);
  const bundle = path.resolve(o.bundle);
  if (store.exists(id)) throw E.exists();
  const { loadConfig } = require('../config/load') as typeof import('../config/load');
  const spec = loadConfig(bundle);
  const terminal = spec.process?.terminal === true;
  checkTerminal(terminal, o.detach, o.consoleSocket);
  if (terminal && !o.consoleSocket) throw new HeziError('restore of a container with a terminal needs --console-socket (its pty master goes there)');
  if ((spec.linux?.namespaces ?? []).some((x) => x.type === 'cgroup' && x.path)) throw new HeziError('restore: criu cannot join a cgroup namespace given by path');
  const mode = cgMode(o.manageCgroupsMode);
  const emptyNs = emptyNsMask(o.emptyNs);
  const rootfs = fs.realpathSync(path.resolve(bundle, spec.root?.path ?? 'rootfs'));
  const imageDir = path.resolve(o.imagePath ?? path.join(process.cwd(), 'checkpoint'));
  let descriptors: string[];
  try {
    descriptors = JSON.parse(fs.readFileSync(path.join(imageDir, DESCRIPTORS), 'utf8')) as string[];
  } catch (e) {
    throw new HeziError(`open ${path.join(imageDir, DESCRIPTORS)}: ${sysText(e)}`);
  }
  criuCheck(o.criu, 'restore');

  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  if (!o.detach && !o.noSubreaper) n.setChildSubreaper(true);
  store.createDir(id);
  const unlock = store.lock(id);
  const cleanup: Array<() => void> = [() => store.remove(id)];
  const fds: number[] = [];
  let pid = 0;
  let cgroupPaths: Record<string, string> | undefined;
  let record: ContainerRecord | undefined;
  try {
    const { imagesFd, workFd, logFile } = openCriuDirs(imageDir, o.workPath, false, 'restore.log', fds);

    // criu wants its root to be a mount point whose parent is not overmounted
    const root = path.join(store.dir(id), 'criu-root');
    fs.mkdirSync(root, { mode: 0o755 });
    try {
      n.mount(rootfs, root, '', MS.BIND | MS.REC, '');
    } catch (e) {
      throw new HeziError(`restore: bind mount ${rootfs} on ${root}: ${sysText(e)}`);
    }
    const unbindRoot = (): void => {
      n.umount2(root, MNT_DETACH);
      fs.rmdirSync(root);
    };
    cleanup.unshift(unbindRoot);
    makeMountpoints(rootfs, bundle, spec);

    const extNs = externalNamespaces(spec);
    const extraFds = extNs.map((x) => {
      try {
        return fs.openSync(x.path, 'r');
      } catch (e) {
        throw new HeziError(`Requested ${x.type} namespace ${x.path} does not exist (${sysText(e)})`);
      }
    });
    fds.push(...extraFds);
    const base = { ociVersion: spec.ociVersion, id, bundle, annotations: spec.annotations };
    const opts: CriuOpts = {
      imagesDirFd: imagesFd,
      workDirFd: workFd,
      evasiveDevices: true,
      logLevel: 4,
      logFile: 'restore.log',
      rstSibling: true,
      root,
      manageCgroups: true,
      manageCgroupsMode: mode,
      notifyScripts: true,
      shellJob: o.shellJob,
      extUnixSk: o.extUnixSk,
      tcpEstablished: o.tcpEstablished,
      fileLocks: o.fileLocks,
      emptyNs,
      orphanPtsMaster: true,
      autoDedup: o.autoDedup,
      lazyPages: o.lazyPages,
      lsmProfile: o.lsmProfile,
      lsmMountContext: o.lsmMountContext,
      configFile: configFile(spec),
      joinNs: (spec.linux?.namespaces ?? [])
        .filter((x) => x.path && x.type !== 'network' && x.type !== 'pid')
        .map((x) => ({ ns: x.type === 'mount' ? 'mnt' : x.type, nsFile: x.path! })),
      inheritFd: [
        ...extNs.map((x, k) => ({ key: x.key, fd: 4 + k })),
        // the dumped stdio pipes become the pipes hezi was given (criu's own stdio)
        ...descriptors.flatMap((d, fd) => (d.includes('pipe:') ? [{ key: d, fd }] : [])),
      ],
    };
    let restoredPid = 0;
    const resp = await swrk(o.criu, {
      stdio: [0, 1, 2],
      extraFds,
      request: (criuPid) => {
        // criu joins the container's new cgroup: the tasks it restores are born in it
        cgroupPaths = setupCgroup(id, spec, criuPid);
        cleanup.push(() => cgroupPaths && destroyCgroup(cgroupPaths));
        opts.cgRoot = cgroupRoots(criuPid);
        opts.extMnt = [
          ...externalMounts(spec, bundle, cgroupPaths).map((m) => ({ key: m.key, val: m.source })),
          ...((spec.linux?.maskedPaths ?? []).length ? [{ key: '/dev/null', val: '/dev/null' }] : []),
        ];
        return encodeReq(CriuReqType.RESTORE, opts);
      },
      notify: (script, notifyPid, passed) => {
        if (script === 'setup-namespaces') {
          const state = hookState({ ...base, status: 'creating', pid: notifyPid });
          runHooks('prestart', spec.hooks?.prestart, state);
          runHooks('createRuntime', spec.hooks?.createRuntime, state);
        } else if (script === 'post-restore') {
          restoredPid = notifyPid;
          pid = notifyPid;
        } else if (script === 'orphan-pts-master' && o.consoleSocket) {
          const sock = n.connectUnix(o.consoleSocket);
          try {
            n.sendFds(sock, Buffer.from('orphan-pts-master'), passed.slice(0, 1));
          } finally {
            closeQuietly(sock);
          }
        }
      },
    });
    if (!resp.success) throw criuFailed(resp, logFile);
    pid = resp.restorePid ?? restoredPid;
    const st = procStat(pid);
    if (!st) throw new HeziError('the restored container process exited at once');
    let config = spec;
    // criu restores into a time namespace of its own: an exec must join it too (runc does the same)
    if (!(spec.linux?.namespaces ?? []).some((x) => x.type === 'time') && nsDiffers(pid, 'time'))
      config = { ...spec, linux: { ...(spec.linux ?? {}), namespaces: [...(spec.linux?.namespaces ?? []), { type: 'time' }] } };
    record = {
      ociVersion: spec.ociVersion,
      id,
      pid,
      startTime: st.startTime,
      bundle,
      rootfs,
      created: new Date().toISOString(),
      owner: '',
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
      config,
      ...(cgroupPaths && Object.keys(cgroupPaths).length ? { cgroupPaths } : {}),
    };
    store.write(record);
    if (o.pidFile) atomicWrite(path.resolve(o.pidFile), String(pid));
    // the root's bind is no longer needed once the tasks run
    cleanup.splice(cleanup.indexOf(unbindRoot), 1);
    unbindRoot();
  } catch (e) {
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const f of cleanup) {
      try {
        f();
      } catch {
        /* best effort: keep undoing */
      }
    }
    throw e;
  } finally {
    for (const fd of fds) closeQuietly(fd);
    unlock();
  }
  if (o.detach) return 0;
  const stop = forwardSignals(pid);
  const res = await n.waitPidAsync(pid);
  stop();
  remove(store, id, true);
  return exitCode(res);
}

function nsDiffers(pid: number, ns: string): boolean {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${ns}`) !== fs.readlinkSync(`/proc/self/ns/${ns}`);
  } catch {
    return false;
  }
}
