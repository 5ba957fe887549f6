/**
 * Integration-test harness: bundles, the runtime under test, containers, cleanup and
 * "nothing left behind" checks. Runtime-agnostic: every test runs the same against
 * runc (HEZI_RUNTIME=/usr/sbin/runc) and against hezi (the default, <repo>/bin/hezi).
 *
 * Each test file gets a private work dir /tmp/hezi-test-XXXXXX holding its --root state dir
 * and its bundles. Importing this module registers an afterEach that force-deletes every
 * container the test made and removes its bundles, and an afterAll that removes the work dir.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseMountinfo } from './linux';
import { buildRootfs } from './rootfs';

export const REPO = path.resolve(__dirname, '..', '..');
export const IS_ROOT = process.getuid?.() === 0;

/**
 * `describe` for suites that need root: runs them as root; otherwise skips them, with the
 * reason in the suite's name and on stderr so that a skip is never silent.
 */
export function describeRoot(name: string, fn: () => void): void {
  if (IS_ROOT) {
    describe(name, fn);
  } else {
    console.warn(`[hezi integration] SKIPPED "${name}": integration tests need root (uid is ${process.getuid?.()})`);
    describe.skip(`${name} [skipped: needs root]`, fn);
  }
}

// ---------------------------------------------------------------------------------------------
// The runtime under test

/** The runtime binary under test: $HEZI_RUNTIME, else <repo>/bin/hezi. */
export function runtime(): string {
  const env = process.env.HEZI_RUNTIME;
  if (env) return path.isAbsolute(env) ? env : path.resolve(REPO, env);
  return path.join(REPO, 'bin', 'hezi');
}

/** A short name for the runtime under test ("runc", "hezi", ...). */
export function runtimeName(): string {
  return path.basename(runtime());
}

/** True when the runtime under test is runc: for comments on runc quirks only, never to branch expectations. */
export function isRunc(): boolean {
  return runtimeName() === 'runc';
}

// ---------------------------------------------------------------------------------------------
// Per-file work dir and state root

let workDir: string | undefined;

/** This test file's private work dir (created on first use). */
export function work(): string {
  if (!workDir) {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-test-'));
    // 0755: a container whose root is an unprivileged host uid (user namespace) must reach its rootfs
    fs.chmodSync(workDir, 0o755);
    fs.mkdirSync(path.join(workDir, 'bundles'), { mode: 0o755 });
  }
  return workDir;
}

/** This test file's private --root state dir (not created: the runtime creates it). */
export function stateRoot(): string {
  return path.join(work(), 'root');
}

/** Entries in the state root (container state dirs), [] when the root does not exist. */
export function stateEntries(): string[] {
  try {
    return fs.readdirSync(stateRoot()).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

let idCounter = 0;
const fileTag = crypto.randomBytes(3).toString('hex');

/** A fresh container id, unique across files and runs. */
export function newId(prefix = 'hz'): string {
  idCounter += 1;
  return `${prefix}-${fileTag}-${idCounter}`;
}

// ---------------------------------------------------------------------------------------------
// Running the runtime

export interface RunResult {
  /** exit status, null when killed by a signal (see `signal`) or timed out */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** the full command line, for messages */
  command: string;
}

export interface RunOptions {
  cwd?: string;
  /** written to the runtime's stdin; stdin is /dev/null otherwise */
  input?: string;
  /** ms; the runtime is SIGKILLed after this (default 20 s) */
  timeout?: number;
  env?: NodeJS.ProcessEnv;
  /** state root passed as --root; default stateRoot(); null omits --root */
  root?: string | null;
  /**
   * Where the runtime's stdout/stderr go. Default: temp files read and removed after exit.
   * Give paths to keep them, e.g. for `create`, where the container inherits them and
   * keeps writing after the runtime exits.
   */
  stdoutFile?: string;
  stderrFile?: string;
  /** a command line the runtime is run under, e.g. ['taskset', '-c', '0'] or ['nsenter', '--net=…', '--'] */
  prefix?: string[];
}

let outCounter = 0;

/**
 * Run `<runtime> --root <root> ...args` synchronously. Output goes through files, not pipes,
 * so that a container which inherits the runtime's stdio (create, run -d) cannot hold the
 * call open.
 */
export function run(args: string[], opts: RunOptions = {}): RunResult {
  const root = opts.root === undefined ? stateRoot() : opts.root;
  const argv = [...(root === null ? [] : ['--root', root]), ...args];
  outCounter += 1;
  const outPath = opts.stdoutFile ?? path.join(work(), `.out-${process.pid}-${outCounter}`);
  const errPath = opts.stderrFile ?? path.join(work(), `.err-${process.pid}-${outCounter}`);
  const out = fs.openSync(outPath, 'w');
  const err = fs.openSync(errPath, 'w');
  let res;
  const prefix = opts.prefix ?? [];
  try {
    res = spawnSync(prefix[0] ?? runtime(), prefix.length ? [...prefix.slice(1), runtime(), ...argv] : argv, {
      cwd: opts.cwd ?? work(),
      input: opts.input ?? '',
      stdio: ['pipe', out, err],
      timeout: opts.timeout ?? 20_000,
      killSignal: 'SIGKILL',
      env: opts.env ?? process.env,
    });
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
  const stdout = fs.readFileSync(outPath, 'utf8');
  const stderr = fs.readFileSync(errPath, 'utf8');
  if (!opts.stdoutFile) fs.rmSync(outPath, { force: true });
  if (!opts.stderrFile) fs.rmSync(errPath, { force: true });
  const command = [...prefix, runtime(), ...argv].join(' ');
  if (res.error && (res.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') {
    throw new Error(`cannot run ${command}: ${res.error.message}`);
  }
  return {
    status: res.status,
    signal: res.signal,
    stdout,
    stderr: res.error ? `${stderr}\n[harness] ${res.error.message}` : stderr,
    command,
  };
}

/** A readable dump of a result, for assertion messages. */
export function describeResult(r: RunResult): string {
  return `$ ${r.command}\nstatus=${r.status} signal=${r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Assert the runtime call exited 0 and return it. */
export function ok(r: RunResult): RunResult {
  expect(r.status, describeResult(r)).toBe(0);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Configs

/** The OCI config type, loosely: tests poke at arbitrary fields. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Spec = Record<string, any>;

/** `runc spec` of runc 1.1.5, verbatim (test/support/runc-default-spec.json). */
export function runcDefaultSpec(rootless = false): Spec {
  const file = rootless ? 'runc-default-spec-rootless.json' : 'runc-default-spec.json';
  return JSON.parse(fs.readFileSync(path.join(__dirname, file), 'utf8')) as Spec;
}

/**
 * The base config of every test: runc's default spec with process.terminal false (tests
 * have no tty) and args ["sh"]. Everything else (caps, rlimits, mounts, namespaces,
 * masked/readonly paths, readonly root, hostname "runc") is runc's default.
 */
export function baseConfig(): Spec {
  const spec = runcDefaultSpec();
  spec.process.terminal = false;
  return spec;
}

/**
 * A change to a config: a function that edits it in place, or an object deep-merged into it
 * (objects merge key by key, arrays and scalars replace, null deletes the key).
 */
export type ConfigPatch = Spec | ((spec: Spec) => void) | undefined;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(target: Spec, patch: Spec): Spec {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) {
      delete target[k];
    } else if (isPlainObject(v) && isPlainObject(target[k])) {
      deepMerge(target[k] as Spec, v);
    } else {
      target[k] = structuredClone(v);
    }
  }
  return target;
}

export function applyPatch(spec: Spec, patch: ConfigPatch): Spec {
  if (typeof patch === 'function') patch(spec);
  else if (patch) deepMerge(spec, patch);
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Rootfs and bundles

let rootfsCache: string | undefined;

/**
 * The busybox rootfs that bundles copy. Built once per test run by the global setup
 * (test/support/global-setup.ts, $HEZI_TEST_ROOTFS); built here, once per file, when a test
 * runs without it.
 */
export function cachedRootfs(): string {
  if (rootfsCache) return rootfsCache;
  const fromEnv = process.env.HEZI_TEST_ROOTFS;
  if (fromEnv && fs.existsSync(path.join(fromEnv, 'bin', 'busybox'))) {
    rootfsCache = fromEnv;
  } else {
    const dir = path.join(work(), 'rootfs-cache');
    buildRootfs(dir);
    rootfsCache = dir;
  }
  return rootfsCache;
}

export interface Bundle {
  id: string;
  dir: string;
  rootfs: string;
  configPath: string;
  config: Spec;
}

const tracked: { ids: Set<string>; bundles: Set<string> } = { ids: new Set(), bundles: new Set() };

/** Remember a container id so that afterEach force-deletes it. */
export function track(id: string): void {
  tracked.ids.add(id);
}

/**
 * A fresh bundle <work>/bundles/<id>: a copy of the cached rootfs and a config.json made from
 * baseConfig() with `patch` applied. The bundle is removed after the test.
 */
export function makeBundle(patch?: ConfigPatch, id = newId()): Bundle {
  const dir = path.join(work(), 'bundles', id);
  fs.mkdirSync(dir, { recursive: true });
  tracked.bundles.add(dir);
  const rootfs = path.join(dir, 'rootfs');
  const cp = spawnSync('cp', ['-a', '--reflink=auto', cachedRootfs(), rootfs], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp rootfs: ${cp.stderr}`);
  const config = applyPatch(baseConfig(), patch);
  const configPath = path.join(dir, 'config.json');
  const bundle = { id, dir, rootfs, configPath, config };
  writeConfig(bundle, config);
  return bundle;
}

export function writeConfig(bundle: Bundle, config: Spec): void {
  bundle.config = config;
  fs.writeFileSync(bundle.configPath, JSON.stringify(config, null, 2));
}

/**
 * What a container runs: a string is a shell command (args ["sh", "-c", cmd]); an array is
 * process.args as is.
 */
export type Command = string | string[];

/** A patch that applies `patch`, then sets process.args from `cmd`. */
function withCommand(patch: ConfigPatch, cmd: Command): (spec: Spec) => void {
  return (spec) => {
    applyPatch(spec, patch);
    spec.process.args = typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd;
  };
}

export interface ContainerRun extends RunResult {
  id: string;
  bundle: Bundle;
}

export interface RunContainerOptions extends RunOptions {
  /** check (and fail on) anything left behind after `run` returns; default true */
  checkLeftovers?: boolean;
  id?: string;
  /** extra args to `run` before the id (e.g. ['--no-pivot']) */
  runArgs?: string[];
}

/**
 * Make a bundle from `patch` running `cmd` (see Command) and `run` it in the foreground.
 * `run` must clean up after itself: unless checkLeftovers is false, this fails the test when a
 * state dir, a mount under the bundle, a process or a cgroup of the container is left.
 */
export function runContainer(patch: ConfigPatch, cmd: Command, opts: RunContainerOptions = {}): ContainerRun {
  const bundle = makeBundle(withCommand(patch, cmd), opts.id ?? newId());
  track(bundle.id);
  const r = run(['run', '--bundle', bundle.dir, ...(opts.runArgs ?? []), bundle.id], opts);
  if (opts.checkLeftovers ?? true) {
    expect(leftovers({ id: bundle.id, bundle: bundle.dir }), `left behind by: ${describeResult(r)}`).toEqual([]);
  }
  return { ...r, id: bundle.id, bundle };
}

/** runContainer, asserting exit status 0; returns stdout. */
export function runOk(patch: ConfigPatch, cmd: Command, opts: RunContainerOptions = {}): string {
  const r = runContainer(patch, cmd, opts);
  expect(r.status, describeResult(r)).toBe(0);
  return r.stdout;
}

/**
 * `run` a container that must be refused: non-zero, no output from the container, stderr
 * matching `message` (the field it names), and nothing left behind. Returns the result.
 */
export function runRefused(patch: ConfigPatch, message: RegExp, opts: RunContainerOptions = {}): ContainerRun {
  const r = runContainer(patch, 'echo started', { ...opts, checkLeftovers: false });
  expect(r.status, describeResult(r)).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(message);
  expectNothingLeftBehind({ id: r.id, bundle: r.bundle.dir, emptyRoot: true });
  return r;
}

export interface Created {
  id: string;
  bundle: Bundle;
  result: RunResult;
  /** pid from --pid-file (NaN if create failed) */
  pid: number;
  /** the pid's start time, to tell it from a reused pid */
  startTime: string | undefined;
  /** where the container's stdout/stderr go (it inherits the runtime's) */
  stdoutFile: string;
  stderrFile: string;
}

/**
 * `create` a container running `cmd` (see Command) without starting it. Does not assert success.
 * The container's stdout/stderr are files in the bundle (stdoutFile, stderrFile).
 */
export function createContainer(patch: ConfigPatch, cmd: Command, opts: RunOptions & { id?: string } = {}): Created {
  const bundle = makeBundle(withCommand(patch, cmd), opts.id ?? newId());
  track(bundle.id);
  const pidFile = path.join(bundle.dir, 'container.pid');
  const stdoutFile = path.join(bundle.dir, 'container.out');
  const stderrFile = path.join(bundle.dir, 'container.err');
  const result = run(['create', '--bundle', bundle.dir, '--pid-file', pidFile, bundle.id], {
    stdoutFile,
    stderrFile,
    ...opts,
  });
  let pid = NaN;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8'));
  } catch {
    /* no pid file: create failed */
  }
  return { id: bundle.id, bundle, result, pid, startTime: procStartTime(pid), stdoutFile, stderrFile };
}

/** createContainer, asserting that create succeeded. */
export function createOk(patch: ConfigPatch, cmd: Command, opts: RunOptions & { id?: string } = {}): Created {
  const c = createContainer(patch, cmd, opts);
  expect(c.result.status, describeResult(c.result)).toBe(0);
  expect(Number.isInteger(c.pid) && c.pid > 0, `pid file of ${c.id}`).toBe(true);
  return c;
}

/** `state <id>` parsed; fails the test if state fails. */
export function state(id: string): Spec {
  const r = ok(run(['state', id]));
  return JSON.parse(r.stdout) as Spec;
}

/** Poll until `state <id>` reports `status` (or time out and fail). */
export function waitForStatus(id: string, status: string, timeoutMs = 10_000): Spec {
  let last: Spec = {};
  let lastError = '';
  const reached = waitFor(() => {
    const r = run(['state', id]);
    if (r.status !== 0) {
      lastError = r.stderr;
      return false;
    }
    last = JSON.parse(r.stdout) as Spec;
    return last.status === status;
  }, timeoutMs);
  expect(reached, `${id} never reached status ${status}; last state: ${JSON.stringify(last)} ${lastError}`).toBe(true);
  return last;
}

/** Force-delete a container (ignores failures: it may not exist). */
export function forceDelete(id: string): RunResult {
  return run(['delete', '--force', id]);
}

// ---------------------------------------------------------------------------------------------
// Waiting

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
export function sleepMs(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** Poll `pred` every 25 ms until it is true (→ true) or `timeoutMs` passes (→ false). */
export function waitFor(pred: () => boolean, timeoutMs = 5_000): boolean {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (pred()) return true;
    if (Date.now() > end) return false;
    sleepMs(25);
  }
}

/** Wait until a file exists and is non-empty; returns its content ('' on timeout). */
export function waitForFile(file: string, timeoutMs = 5_000): string {
  let content = '';
  waitFor(() => {
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    return content.length > 0;
  }, timeoutMs);
  return content;
}

// ---------------------------------------------------------------------------------------------
// Processes, mounts, cgroups: what a container may leave behind

/** Field 22 of /proc/<pid>/stat (start time in ticks), undefined if the pid does not exist. */
export function procStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** State letter from /proc/<pid>/stat ('R', 'S', 'Z', ...), undefined if gone. */
export function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** True when `pid` is a live (non-zombie) process, and the same one as `startTime` if given. */
export function isAlive(pid: number, startTime?: string): boolean {
  const st = procState(pid);
  if (st === undefined || st === 'Z' || st === 'X') return false;
  return startTime === undefined || procStartTime(pid) === startTime;
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

/**
 * Live processes that belong to the bundle: their root is the bundle's rootfs (same device and
 * inode, which holds across mount namespaces), or their cwd is inside the bundle (a runtime's
 * init before pivot_root). Our own process is excluded.
 */
export function processesInBundle(bundleDir: string): number[] {
  const rootfs = statOrNull(path.join(bundleDir, 'rootfs'));
  const out: number[] = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    const pid = Number(ent);
    if (pid === process.pid || !isAlive(pid)) continue;
    const root = statOrNull(`/proc/${pid}/root`);
    if (rootfs && root && root.dev === rootfs.dev && root.ino === rootfs.ino) {
      out.push(pid);
      continue;
    }
    let cwd = '';
    try {
      cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      /* gone or no access */
    }
    if (cwd === bundleDir || cwd.startsWith(bundleDir + '/')) out.push(pid);
  }
  return out;
}

/** Mount points (in our mount namespace) at or under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const mounts = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  return mounts
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
}

/** cgroup directories named `id` (depth ≤ 4 under each /sys/fs/cgroup hierarchy). */
export function cgroupDirsNamed(id: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (e.name === id) out.push(p);
      else if (depth > 0) walk(p, depth - 1);
    }
  };
  walk('/sys/fs/cgroup', 4);
  return out;
}

export interface LeftoverQuery {
  id: string;
  /** bundle directory */
  bundle: string;
  /** pids known to belong to the container (its init), with their start times if known */
  pids?: { pid: number; startTime?: string | undefined }[];
  /** also require the whole state root to be empty */
  emptyRoot?: boolean;
}

/**
 * What a container left behind: its state dir, mounts under its bundle, live processes
 * (known pids, or rooted in / working in the bundle), cgroup dirs named after it.
 * Processes get up to 2 s to die (SIGKILL is asynchronous). [] means clean.
 */
export function leftovers(q: LeftoverQuery): string[] {
  const found: string[] = [];
  const list = (): string[] => {
    const out: string[] = [];
    for (const { pid, startTime } of q.pids ?? []) {
      if (isAlive(pid, startTime)) out.push(`process ${pid} (container init) still alive`);
    }
    for (const pid of processesInBundle(q.bundle)) out.push(`process ${pid} rooted in the bundle still alive`);
    return out;
  };
  let procs = list();
  if (procs.length) {
    waitFor(() => (procs = list()).length === 0, 2_000);
  }
  found.push(...procs);
  if (fs.existsSync(path.join(stateRoot(), q.id))) found.push(`state dir ${path.join(stateRoot(), q.id)}`);
  if (q.emptyRoot) {
    for (const e of stateEntries()) if (e !== q.id) found.push(`state root entry ${e}`);
  }
  for (const m of mountsUnder(q.bundle)) found.push(`mount ${m}`);
  for (const c of cgroupDirsNamed(q.id)) found.push(`cgroup ${c}`);
  return found;
}

/** Assert leftovers(q) is empty. */
export function expectNothingLeftBehind(q: LeftoverQuery): void {
  expect(leftovers(q), `left behind by container ${q.id}`).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Cleanup

/** Unmount everything under dir (lazily, deepest first); true if nothing is left mounted. */
function unmountAll(dir: string): boolean {
  for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m]);
  return mountsUnder(dir).length === 0;
}

/**
 * Remove a directory tree that a container may have used. Never crosses into a mount: leaked
 * mounts are unmounted first, and the tree is kept (with a warning) if that fails.
 */
export function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!unmountAll(dir)) {
    console.warn(`[hezi integration] not removing ${dir}: mounts remain under it`);
    return;
  }
  spawnSync('rm', ['-rf', '--one-file-system', dir]);
}

/** SIGKILL processes still rooted in (or working in) a bundle: a broken runtime's leftovers. */
function killBundleProcesses(bundleDir: string): void {
  for (const pid of processesInBundle(bundleDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Kill the processes of, and remove, cgroup dirs a runtime left for container `id`. */
function removeCgroups(id: string): void {
  for (const dir of cgroupDirsNamed(id).sort((a, b) => b.length - a.length)) {
    try {
      for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      waitFor(() => fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8') === '', 1_000);
      fs.rmdirSync(dir);
    } catch {
      /* not ours to fight over: leftovers() reports it */
    }
  }
}

/**
 * Force-delete every tracked container, kill what a runtime left running in its bundle, and
 * remove every tracked bundle.
 */
export function cleanupTracked(): void {
  for (const id of tracked.ids) {
    forceDelete(id);
    removeCgroups(id);
  }
  tracked.ids.clear();
  for (const b of tracked.bundles) {
    killBundleProcesses(b);
    removeTree(b);
  }
  tracked.bundles.clear();
}

afterEach(() => {
  if (workDir) cleanupTracked();
});

afterAll(() => {
  if (!workDir) return;
  cleanupTracked();
  for (const e of stateEntries()) forceDelete(e);
  removeTree(workDir);
  workDir = undefined;
});

/** A host-side file in the test's work dir (for hooks and logs), unique per call. */
export function hostFile(name: string): string {
  outCounter += 1;
  return path.join(work(), `${name}-${outCounter}`);
}

// ---------------------------------------------------------------------------------------------
// Namespaces

/** readlink of /proc/<pid>/ns/<name> for every namespace file ("self" for this process). */
export function namespacesOf(pid: number | 'self'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(`/proc/${pid}/ns`)) {
    try {
      out[name] = fs.readlinkSync(`/proc/${pid}/ns/${name}`);
    } catch {
      /* raced with exit */
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tests that state correct behaviour runc 1.1.5 does not have

/**
 * A test of behaviour that hezi must have but runc 1.1.5 (the reference on this host) does
 * not. Against runc it is registered as `it.fails`, so the suite stays green while recording
 * that runc still fails it; against any other runtime it is a plain test. The reason is in
 * the test's name.
 */
export function itRuncFails(reason: string, name: string, fn: () => void): void {
  const full = `${name} [runc 1.1.5 fails: ${reason}]`;
  if (isRunc()) it.fails(full, fn);
  else it(full, fn);
}

// ---------------------------------------------------------------------------------------------
// A host directory shared with a container

export interface SharedDir {
  /** the directory on the host */
  host: string;
  /** where it is inside the container */
  inside: string;
  /** the config mount entry (rw bind) */
  mount: Spec;
  /** a patch adding the mount to a config */
  patch: (spec: Spec) => void;
}

/** A fresh host directory bind-mounted read-write at `inside` (default /ctl). */
export function sharedDir(inside = '/ctl'): SharedDir {
  const host = hostFile('shared');
  fs.mkdirSync(host, { mode: 0o777 });
  fs.chmodSync(host, 0o777);
  const mount = { destination: inside, type: 'bind', source: host, options: ['rbind', 'rw'] };
  return { host, inside, mount, patch: (spec) => void spec.mounts.push(mount) };
}
