/**
 * `exec`: a new process in an existing container, as runc's setns process. It reads top to bottom:
 *   1. the container and its status (stopped: refused; paused: refused unless --ignore-paused)
 *   2. the process: the container's config.process (state.json) with the flags applied as runc's
 *      getProcess does, or --process process.json; runc's checks
 *   3. the plan (compileExec): dumpable off, setns into each of the container's namespaces through
 *      /proc/<init>/ns (user first, mount last), a CGROUP sync (the runtime moves the process into
 *      the container's cgroup), fork (the pid namespace applies to children), session, keyring,
 *      rlimits, the console, processOps (shared with create), READY, EXEC
 *   4. answer the syncs; the pid file; --detach returns, otherwise hezi waits as a subreaper,
 *      forwards signals (and proxies the terminal) and exits with the process's code
 */
import { fs } from '../native/fs';
import * as path from '../linux/path';
import type { Process } from '../../spec';
import { OCI_VERSION } from '../../spec/constants';
import { apparmorEnabled, apparmorExecAttr } from '../linux/apparmor';
import { selinuxEnabled } from '../linux/selinux';
import { JOIN_ORDER, NS, NsType, namespaceEntry } from '../linux/namespaces';
import { lastCap } from '../linux/proc';
import { RLIMITS } from '../linux/rlimits';
import { consoleOps, processOps, type SeccompLoad } from '../plan/compile';
import { affinityFinalOps, affinityInitialOps, affinityResetOps, memoryPolicyOps } from '../plan/knobs';
import { execLabelOps, keyringLabelOps } from '../plan/labels';
import { encodePlan } from '../plan/encode';
import { Op, SyncTag, op } from '../plan/ops';
import { joinCgroup, selfJoinFiles, spawnInCgroup } from './cgroups';
import { faultPoint } from './fault';
import { load } from './container';
import { E, HeziError, initFailureText } from './errors';
import { log } from './log';
import { prepareSeccomp, sendSeccompListener } from './seccomp';
import { exitCode, forwardSignals } from './run';
import { ContainerRecord, StateStore, atomicWrite } from './state-store';
import { AttachedTerminal, attachTerminal, checkTerminal, closeQuietly, hostWinsize, openConsole } from './terminal';
import { isInteger } from '../util/text';

export interface ExecOptions {
  id: string;
  /** the command line after the container id ([] with --process) */
  args: string[];
  /** --process: a process.json replacing the container's process (flags other than these are ignored) */
  processFile?: string | undefined;
  tty: boolean;
  consoleSocket?: string | undefined;
  cwd?: string | undefined;
  env: string[];
  /** "uid[:gid]" */
  user?: string | undefined;
  additionalGids: number[];
  caps: string[];
  /** undefined: keep the process's noNewPrivileges */
  noNewPrivs?: boolean | undefined;
  apparmor?: string | undefined;
  processLabel?: string | undefined;
  detach: boolean;
  pidFile?: string | undefined;
  preserveFds: number;
  /** --cgroup: "[<controller>[,<controller>]:]<sub-cgroup>" */
  cgroup: string[];
  ignorePaused: boolean;
  /** --pidfd-socket: a pidfd of the exec'd process goes there */
  pidfdSocket?: string | undefined;
}

/** The process flags of `exec` (runc's getProcess takes them from the command line). */
export type ProcessFlags = Pick<ExecOptions, 'args' | 'tty' | 'cwd' | 'env' | 'user' | 'additionalGids' | 'caps' | 'noNewPrivs' | 'apparmor' | 'processLabel'>;

/** runc's getProcess without --process: the container's process with the flags applied. */
export function processFromFlags(base: Process | undefined, f: ProcessFlags): Process {
  if (!base) throw new HeziError('process property must not be empty');
  const p: Process = structuredClone(base);
  p.args = [...f.args];
  if (f.cwd) p.cwd = f.cwd;
  if (f.apparmor) p.apparmorProfile = f.apparmor;
  if (f.processLabel) p.selinuxLabel = f.processLabel;
  if (f.caps.length) {
    const c = (p.capabilities ??= {});
    for (const cap of f.caps) {
      c.bounding = [...(c.bounding ?? []), cap];
      c.effective = [...(c.effective ?? []), cap];
      c.permitted = [...(c.permitted ?? []), cap];
      // runc: ambient needs inheritable, and --cap does not add inheritable: only when the
      // process already has an inheritable set
      if (c.inheritable !== undefined) c.ambient = [...(c.ambient ?? []), cap];
    }
  }
  p.env = [...(p.env ?? []), ...f.env];
  p.terminal = f.tty;
  if (f.noNewPrivs !== undefined) p.noNewPrivileges = f.noNewPrivs;
  if (f.user) {
    const [u, g] = splitOnce(f.user, ':');
    const user = (p.user ??= { uid: 0, gid: 0 });
    if (g !== undefined) user.gid = atoi(g, 'gid');
    user.uid = atoi(u, 'uid');
  }
  if (f.additionalGids.length) {
    const user = (p.user ??= { uid: 0, gid: 0 });
    user.additionalGids = [...(user.additionalGids ?? []), ...f.additionalGids];
  }
  return p;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const k = s.indexOf(sep);
  return k < 0 ? [s, undefined] : [s.slice(0, k), s.slice(k + 1)];
}

/** Go's strconv.Atoi as runc uses it for --user, with runc's words. */
function atoi(s: string, what: 'uid' | 'gid'): number {
  if (!isInteger(s, true)) throw new HeziError(`parsing ${s} as int for ${what} failed: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n < 0 || n > 0xffffffff) throw new HeziError(`parsing ${s} as int for ${what} failed: ${what} out of range`);
  return n;
}

/** --process: a process.json, validated with the spec's Process schema. */
export function loadProcessFile(file: string): Process {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new HeziError(code === 'ENOENT' ? `open ${file}: no such file or directory` : `read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HeziError(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  const { parsers } = require('../config/parsers') as typeof import('../config/parsers');
  const parsed = parsers().process(json);
  if (!parsed.ok) throw new HeziError(`invalid process: ${parsed.errors.join('; ')}`);
  return parsed.value;
}

/** runc's validateProcessSpec. */
export function validateProcess(p: Process | undefined): asserts p is Process {
  if (!p) throw new HeziError('process property must not be empty');
  if (!p.cwd) throw new HeziError('Cwd property must not be empty');
  if (!p.cwd.startsWith('/')) throw new HeziError('Cwd must be an absolute path');
  if (!p.args?.length) throw new HeziError('args must not be empty');
  const { validateProcessFields } = require('../config/validate') as typeof import('../config/validate');
  const problems = validateProcessFields(p);
  if (problems.length) throw new HeziError(`invalid process: ${problems.join('; ')}`);
}

/** runc's getSubCgroupPaths: --cgroup values → controller ("" = every one) → sub-cgroup. */
export function parseSubCgroups(args: readonly string[]): Map<string, string> | undefined {
  if (!args.length) return undefined;
  const out = new Map<string, string>();
  for (const c of args) {
    const parts = c.split(':');
    if (parts.length > 2) throw new HeziError(`invalid --cgroup argument: ${c}`);
    if (parts.length === 1) {
      if (args.length !== 1) throw new HeziError(`invalid --cgroup argument: ${c} (missing <controller>: prefix)`);
      out.set('', c);
    } else {
      for (const ctrl of (parts[0] ?? '').split(',')) out.set(ctrl, parts[1] ?? '');
    }
  }
  return out;
}

/** The directories the exec'd process joins: the container's, or sub-cgroups of them (--cgroup). */
export function execCgroupPaths(paths: Record<string, string>, sub: Map<string, string> | undefined): Record<string, string> {
  if (!sub) return { ...paths };
  const out = { ...paths };
  const all = sub.get('');
  if (all !== undefined) {
    for (const k of Object.keys(out)) out[k] = subCgroup(out[k]!, all);
    return out;
  }
  for (const [ctrl, add] of sub) {
    // a key may name co-mounted controllers ("cpu,cpuacct"); "unified" or "" is the cgroup2 directory
    const key = ctrl === 'unified' ? '' : Object.keys(out).find((k) => k === ctrl || k.split(',').includes(ctrl));
    if (key === undefined || out[key] === undefined) throw new HeziError(`unknown controller ${ctrl} in SubCgroupPaths`);
    out[key] = subCgroup(paths[key]!, add);
  }
  return out;
}

/** base + sub, which must stay at or below base: ".." never leaves the container's cgroup. */
function subCgroup(base: string, sub: string): string {
  const p = path.posix.join(base, sub);
  if (p !== base && !p.startsWith(base.endsWith('/') ? base : `${base}/`)) throw new HeziError(`${sub} is not a sub cgroup path`);
  return p;
}

export interface ExecPlanInput {
  rec: ContainerRecord;
  process: Process;
  /** the container's init (whose /proc/<pid>/ns entries are joined) */
  initPid: number;
  lastCap: number;
  preserveFds: number;
  /** the console socket's fd in the init, when the process has a terminal */
  consoleFd?: number | undefined;
  /** the container's compiled linux.seccomp: an exec'd process gets the same filter (as runc) */
  seccomp?: SeccompLoad | undefined;
  /** false: the container's user namespace denies setgroups(2) (/proc/<init>/setgroups) */
  setgroups?: boolean | undefined;
  /** files the process writes "0" to at its CGROUP sync, moving itself into the container's v1
   *  cgroups (selfJoinFiles in src/linux/cgroups/control.ts) */
  cgroupJoinFiles?: readonly string[] | undefined;
}

/** The exec plan, in runc's order (nsexec join → setns init). */
export function compileExec(inp: ExecPlanInput): { ops: Op[] } {
  const { rec, process: proc } = inp;
  const ops: Op[] = [];
  // nothing in the container may ptrace or read /proc of a process that still holds host
  // resources; execve resets it
  ops.push(op.dumpable(false));
  // through the host's /proc: the container's /proc cannot see a process outside its pid namespace
  if (proc.oomScoreAdj !== undefined)
    ops.push(op.writeFile('/proc/self/oom_score_adj', String(proc.oomScoreAdj), `set oom_score_adj to ${proc.oomScoreAdj}`));

  // the container's cgroup, joined first: the process still is the host's root in the host's
  // mount namespace, where the cgroup files are (a joined user namespace could not open them)
  ops.push(...affinityInitialOps(proc));
  ops.push(op.sync(SyncTag.CGROUP, "join the container's cgroup"));
  for (const f of inp.cgroupJoinFiles ?? []) ops.push(op.writeFile(f, '0', `join the container's cgroup: write ${f}`));

  const types = new Set<NsType>();
  for (const n of rec.config.linux?.namespaces ?? []) types.add(n.type as NsType);
  for (const t of JOIN_ORDER) {
    if (!types.has(t)) continue;
    const p = `/proc/${inp.initPid}/ns/${NS[t].proc}`;
    ops.push(op.setns(p, NS[t].flag, `join the container's ${t} namespace (${p})`));
  }
  // root of the joined user namespace, as the container's init is
  if (types.has('user')) ops.push(op.setresgid(0), op.setresuid(0));
  // setns(mount) leaves the root and cwd at the namespace's root; without a mount namespace the
  // container's init is chrooted, and so is this process (never a host cwd: CVE-2024-21626)
  if (!types.has('mount')) ops.push(op.chroot(rec.rootfs));

  ops.push(...affinityResetOps(proc, true));
  ops.push(op.fork());
  ops.push(op.setsid());
  ops.push(...keyringLabelOps(proc), op.joinKeyring(rec.id, 0x3f1b0000));
  for (const r of proc.rlimits ?? []) {
    const res = RLIMITS[r.type];
    if (res === undefined) continue;
    ops.push(op.setrlimit(res, toRlim(r.soft), toRlim(r.hard), `set ${r.type} to soft ${r.soft}, hard ${r.hard}`));
  }
  ops.push(...memoryPolicyOps(rec.config.linux));
  if (proc.terminal && inp.consoleFd !== undefined) ops.push(...consoleOps(proc, inp.consoleFd, ''));
  // a user namespace whose gid map an unprivileged user wrote denies setgroups(2) to everyone in it
  const setgroups = inp.setgroups !== false;
  if (!setgroups && proc.user?.additionalGids?.length)
    throw new HeziError('process.user.additionalGids: the container\'s user namespace denies setgroups (its gid map was written without newgidmap)');
  const { ops: procOps, args, env } = processOps(proc, { lastCap: inp.lastCap, preserveFds: inp.preserveFds, rootfs: rec.rootfs, seccomp: inp.seccomp, setgroups });
  ops.push(...procOps);
  // with no_new_privs seccomp goes last (processOps placed it otherwise); a listener before READY
  const lateSeccomp = proc.noNewPrivileges ? inp.seccomp : undefined;
  // AppArmor: the profile takes effect at the execve (runc writes it at the same point)
  if (proc.apparmorProfile && !apparmorEnabled())
    throw new HeziError(`process.apparmorProfile: AppArmor is not enabled on this host, cannot apply "${proc.apparmorProfile}"`);
  if (proc.apparmorProfile) ops.push(op.writeProc(apparmorExecAttr(), `exec ${proc.apparmorProfile}`, `apply AppArmor profile "${proc.apparmorProfile}"`));
  if (proc.selinuxLabel && !selinuxEnabled())
    throw new HeziError(`process.selinuxLabel: SELinux is not enabled on this host, cannot apply "${proc.selinuxLabel}"`);
  ops.push(...execLabelOps(proc));
  if (lateSeccomp?.listener) ops.push(op.seccomp(lateSeccomp.bpf, lateSeccomp.flags));
  ops.push(...affinityFinalOps(proc));
  ops.push(op.ready());
  if (lateSeccomp && !lateSeccomp.listener) ops.push(op.seccomp(lateSeccomp.bpf, lateSeccomp.flags));
  ops.push(op.exec(args, env));
  return { ops };
}

function toRlim(v: number | bigint): bigint {
  const b = BigInt(v);
  return b >= 0x7fffffffffffffffn ? -1n : b;
}

/** The process exec starts: --process, or the container's process with the flags (runc's order of checks). */
export function execProcessSpec(rec: ContainerRecord, o: ExecOptions): Process {
  if (!o.processFile && o.args.length === 0) throw new HeziError('process args cannot be empty');
  const proc = o.processFile ? loadProcessFile(o.processFile) : processFromFlags(rec.config.process, o);
  validateProcess(proc);
  return proc;
}

/**
 * `exec`: returns the process's exit code (0 with --detach). A failure on the runtime's side is
 * runc's "exec failed: ..." with exit status 255, so that callers can tell it from the process's
 * own codes.
 */
export async function execContainer(store: StateStore, o: ExecOptions): Promise<number> {
  try {
    return await execInContainer(store, o);
  } catch (e) {
    if (e instanceof HeziError) throw new HeziError(`exec failed: ${e.message}`, 255);
    throw e;
  }
}

async function execInContainer(store: StateStore, o: ExecOptions): Promise<number> {
  // 1. the container
  const { rec, status } = load(store, o.id);
  if (!rec || status === 'creating') throw E.notRunning();
  if (status === 'stopped') throw new HeziError('cannot exec in a stopped container');
  if (status === 'paused' && !o.ignorePaused) throw new HeziError('cannot exec in a paused container (use --ignore-paused to override)');

  // 2. the process
  let proc = execProcessSpec(rec, o);
  checkTerminal(proc.terminal === true, o.detach, o.consoleSocket);
  if (proc.terminal && !o.consoleSocket) {
    // hezi attaches: the pty starts at the size of hezi's own terminal
    const ws = hostWinsize();
    if (ws) proc = { ...proc, consoleSize: { height: ws.rows, width: ws.cols } };
  }
  const cgroupPaths = rec.cgroupPaths ? execCgroupPaths(rec.cgroupPaths, parseSubCgroups(o.cgroup)) : undefined;
  const seccompProfile = rec.config.linux?.seccomp;
  const seccomp = seccompProfile ? prepareSeccomp(seccompProfile, store.root) : undefined;

  // 3. the plan
  const { native, initImage, Msg } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  if (!o.detach) n.setChildSubreaper(true);
  const pidfdSock = o.pidfdSocket ? (require('./pidfd') as typeof import('./pidfd')).connectPidfdSocket(o.pidfdSocket) : -1;
  const con = openConsole(proc.terminal === true, o.consoleSocket);
  let spawned: { pid: number; syncFd: number; intoCgroup: boolean };
  let plan: Op[];
  try {
    // only a user namespace can deny setgroups
    const userns = namespaceEntry(rec.config.linux?.namespaces, 'user') !== undefined;
    const setgroups = !userns || (require('./usermaps') as typeof import('./usermaps')).setgroupsAllowed(rec.pid);
    plan = compileExec({ rec, process: proc, initPid: rec.pid, lastCap: lastCap(), preserveFds: o.preserveFds, consoleFd: con ? 5 + o.preserveFds : undefined, seccomp, setgroups, cgroupJoinFiles: cgroupPaths ? selfJoinFiles(cgroupPaths) : undefined }).ops;
    if (log.debugging()) log.debug(`exec plan: ${plan.map((x, k) => `${k}:${x.code}`).join(' ')}`);
    // born in the container's cgroup2 directory (no migration); the v1 ones it joins itself
    const encoded = encodePlan(plan);
    spawned = spawnInCgroup(cgroupPaths, (cgroupFd) => n.spawnInit(initImage(), encoded, [0, 1, 2], o.preserveFds, con ? [con.initFd] : [], cgroupFd));
  } catch (e) {
    closeQuietly(con?.recvFd);
    throw e;
  } finally {
    closeQuietly(con?.initFd); // the init has its copy
  }

  // 4. run it
  let initPid = spawned.pid;
  let pid = 0;
  faultPoint('exec:spawned');
  const { syncFd } = spawned;
  let term: AttachedTerminal | undefined;
  try {
    // a paused container's cgroup freezes the process as it joins: it goes on when resumed
    const timeout = status === 'paused' ? -1 : 60_000;
    for (;;) {
      const msg = n.recvMsg(syncFd, timeout);
      if (msg === null) throw new HeziError('exec process exited before it was ready');
      if (msg.fd >= 0 && msg.type !== Msg.SECCOMP_FD) closeQuietly(msg.fd);
      if (msg.type === Msg.ERROR) throw execError(plan, msg.op, msg.err);
      if (msg.type === Msg.SECCOMP_FD) {
        // the notify listener of this process: to the seccomp agent (runc: status running, the init's pid)
        try {
          if (msg.fd < 0) throw new HeziError('the exec process sent no seccomp listener');
          sendSeccompListener(seccompProfile?.listenerPath ?? '', msg.fd, {
            ociVersion: OCI_VERSION,
            pid,
            metadata: seccompProfile?.listenerMetadata,
            state: { ociVersion: rec.ociVersion, id: rec.id, status: 'running', pid: rec.pid, bundle: rec.bundle, annotations: rec.annotations },
          });
        } finally {
          closeQuietly(msg.fd);
        }
        n.sendMsg(syncFd, Msg.ACK);
        continue;
      }
      if (msg.type === Msg.PID) {
        pid = msg.pid;
        faultPoint('exec:pid');
        reap(n, initPid);
        initPid = 0;
        if (pidfdSock >= 0) (require('./pidfd') as typeof import('./pidfd')).sendPidfd(pidfdSock, pid);
        continue;
      }
      if (msg.type === Msg.SYNC && msg.pid === SyncTag.CGROUP) {
        try {
          // a kernel without CLONE_INTO_CGROUP: the cgroup2 move is ours
          if (cgroupPaths && !spawned.intoCgroup) joinCgroup(cgroupPaths, initPid, { join: 'cgroup2' });
          if (rec.intelRdt) (require('./intelrdt') as typeof import('./intelrdt')).joinIntelRdt(rec.intelRdt, initPid);
          faultPoint('exec:cgroup');
        } catch (e) {
          n.sendMsg(syncFd, Msg.ABORT);
          throw e;
        }
        n.sendMsg(syncFd, Msg.ACK);
        continue;
      }
      if (msg.type === Msg.READY) break;
      n.sendMsg(syncFd, Msg.ABORT);
      throw new HeziError(`unexpected message ${msg.type} from the exec process`);
    }
    if (pid <= 0) throw new HeziError('exec process exited before it was ready');
    faultPoint('exec:ready');
    // the sync socket is CLOEXEC: EOF once the process has exec'd (or died trying)
    try {
      while (n.recvMsg(syncFd, 10_000) !== null) {
        /* nothing more is expected */
      }
    } catch {
      /* still not exec'd after 10 s: carry on */
    }
    if (o.pidFile) atomicWrite(path.resolve(o.pidFile), String(pid));
    if (con?.recvFd !== undefined) term = attachTerminal(con.recvFd);
  } catch (e) {
    closeQuietly(con?.recvFd);
    if (pid > 0) killQuietly(pid);
    if (initPid > 0) {
      killQuietly(initPid);
      reap(n, initPid);
    }
    if (pid > 0 && !o.detach) reap(n, pid);
    throw e;
  } finally {
    closeQuietly(syncFd);
  }
  if (o.detach) return 0;

  const stop = forwardSignals(pid, term);
  const res = await n.waitPidAsync(pid);
  stop();
  await term?.close();
  return exitCode(res);
}

/** {op index, errno} → one sentence naming the step (runc's words for a missing executable). */
function execError(plan: Op[], index: number, err: number): HeziError {
  return new HeziError(initFailureText(plan[index], index, err, 0));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

function reap(n: import('../native/addon').Native, pid: number): void {
  try {
    n.waitPid(pid, false);
  } catch {
    /* already reaped */
  }
}
