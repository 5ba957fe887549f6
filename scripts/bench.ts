#!/usr/bin/env bun
/**
 * hezi against runc and crun, measured in one run, the way containerd-shim-runc-v2 drives a
 * runtime (not a test: it prints figures and ratios). `npm run bench` (as root).
 *
 *   bun scripts/bench.ts [--rounds N] [--concurrent N] [--list N] [--quick]
 *
 * - One private mount namespace for everything, with cgroup2 at /sys/fs/cgroup/unified hidden
 *   (crun 1.8 refuses this v1-hybrid host otherwise); every runtime runs under the same conditions.
 * - The benchmark is a child subreaper, as the shim is: container inits re-parent to it and are
 *   reaped here (the "wait" of the lifecycle).
 * - Interleaved rounds: each round runs every step for every runtime, in a rotated order, so
 *   drift of the machine hits all of them alike; figures are medians over the rounds.
 * - Per command the shim's global flags: --root, --log FILE --log-format json; state roots on a
 *   tmpfs, as containerd's are.
 * - Peak RSS per command from GNU time (%M), whose fork keeps Bun's own memory out of the figure.
 * - Two phases, each with its rounds and peak RSS: the binaries' page cache filled by reading them,
 *   then by running them only (dropPageCache says why both), for every runtime alike.
 * - NODE_EXTRA_CA_CERTS and friends are removed from the environment of every command.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(import.meta.dir, '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const QUICK = args.includes('--quick');
const ROUNDS = opt('rounds', QUICK ? 5 : 20);
const CONCURRENT = opt('concurrent', QUICK ? 20 : 100);
const LIST_N = opt('list', QUICK ? 100 : 1000);

// ---- one private mount namespace without cgroup2 in the hybrid layout -----------------------
if (!process.env.HEZI_BENCH_INNER) {
  if (process.getuid?.() !== 0) {
    console.error('bench: run as root (containers need it)');
    process.exit(2);
  }
  const r = spawnSync('unshare', ['-m', '--propagation', 'slave', 'sh', '-c', 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"', process.execPath, import.meta.path, ...args], {
    stdio: 'inherit',
    env: { ...process.env, HEZI_BENCH_INNER: '1' },
  });
  process.exit(r.status ?? 1);
}

// ---- libc: subreaper, reaping ---------------------------------------------------------------
const { dlopen, ptr } = require('bun:ffi');
const libc = dlopen('libc.so.6', {
  prctl: { args: ['i32', 'u64', 'u64', 'u64', 'u64'], returns: 'i32' },
  waitpid: { args: ['i32', 'ptr', 'i32'], returns: 'i32' },
  open: { args: ['ptr', 'i32'], returns: 'i32' },
  close: { args: ['i32'], returns: 'i32' },
  fsync: { args: ['i32'], returns: 'i32' },
  posix_fadvise: { args: ['i32', 'i64', 'i64', 'i32'], returns: 'i32' },
});
const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;
if (libc.symbols.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) throw new Error('prctl(PR_SET_CHILD_SUBREAPER) failed');
const status = new Int32Array(1);
const waitFor = (pid: number): void => void libc.symbols.waitpid(pid, ptr(status), 0);
const reapAll = (): void => {
  while (libc.symbols.waitpid(-1, ptr(status), WNOHANG) > 0) {
    /* a container init that re-parented to us */
  }
};

// ---- runtimes and bundles ------------------------------------------------------------------
const cleanEnv: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(NODE_|BUN_|HEZI_BENCH)/.test(k)) cleanEnv[k] = v;

interface Runtime {
  name: string;
  bin: string;
  root: string;
  log: string;
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-bench-'));
/** in every container id: ids (and so cgroup names) never meet a leftover of an earlier run */
const TAG = path.basename(work).slice('hezi-bench-'.length);
// state roots and bundles on a tmpfs, as /run/containerd/runc is (this mount namespace only)
if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'hezi-bench', work]).status !== 0) throw new Error(`mount a tmpfs on ${work} failed`);
const runtimes: Runtime[] = [
  ['hezi', path.join(REPO, 'dist', 'hezi')],
  ['runc', '/usr/sbin/runc'],
  ['crun', '/usr/bin/crun'],
]
  .filter(([, bin]) => fs.existsSync(bin!))
  .map(([name, bin]) => ({ name: name!, bin: bin!, root: path.join(work, `root-${name}`), log: path.join(work, `${name}.log`) }));
if (!runtimes.some((r) => r.name === 'hezi')) throw new Error('dist/hezi is missing: npm run build');

function bundle(name: string, argv: string[]): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  spawnSync('sh', [path.join(REPO, 'scripts', 'make-rootfs.sh'), path.join(dir, 'rootfs')], { stdio: 'ignore' });
  spawnSync(path.join(REPO, 'dist', 'hezi'), ['spec', '--bundle', dir]);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  cfg.ociVersion = '1.0.2-dev'; // crun 1.8 refuses 1.3.0
  cfg.process.terminal = false;
  cfg.process.args = argv;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg, null, 2));
  return dir;
}
const SLEEPER = bundle('sleeper', ['sleep', '3600']);
const TRUE = bundle('true', ['true']);

// ---- running commands -----------------------------------------------------------------------
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Sample {
  ms: number;
  rssKb?: number;
}
function rt(r: Runtime, argv: string[], measureRss = false): Sample {
  const full = [r.bin, '--root', r.root, '--log', r.log, '--log-format', 'json', ...argv];
  const cmd = measureRss && TIME ? [TIME, '-f', '%M', '-o', path.join(work, 'rss'), ...full] : full;
  // stderr to a file, never a pipe: a container's init inherits it and would hold the pipe open
  const errFile = path.join(work, 'stderr');
  const t0 = performance.now();
  const p = Bun.spawnSync(cmd, { env: cleanEnv, stdin: 'ignore', stdout: 'ignore', stderr: Bun.file(errFile) });
  const ms = performance.now() - t0;
  if (p.exitCode !== 0) throw new Error(`${r.name} ${argv.join(' ')}: exit ${p.exitCode}: ${fs.readFileSync(errFile, 'utf8').trim()}`);
  const s: Sample = { ms };
  if (measureRss && TIME) s.rssKb = Number(fs.readFileSync(path.join(work, 'rss'), 'utf8').trim().split('\n').pop());
  return s;
}

const STEPS = ['create', 'start', 'state', 'kill', 'wait', 'delete', 'lifecycle', 'exec', 'run'] as const;
type Step = (typeof STEPS)[number];
/** the timing rounds and the peak RSS of one state of the binaries' page cache (see dropPageCache) */
interface Phase {
  title: string;
  /** per runtime and step: the timing rounds' samples */
  times: Record<string, Record<Step, number[]>>;
  /** per runtime and step: peak RSS (kB) */
  rss: Record<string, Record<string, number>>;
}
function newPhase(title: string): Phase {
  const ph: Phase = { title, times: {}, rss: {} };
  for (const r of runtimes) {
    ph.times[r.name] = Object.fromEntries(STEPS.map((s) => [s, [] as number[]])) as Record<Step, number[]>;
    ph.rss[r.name] = {};
  }
  return ph;
}
let cur = newPhase('');
const note = (r: Runtime, step: Step | string, s: Sample): void => {
  if (STEPS.includes(step as Step)) cur.times[r.name]![step as Step].push(s.ms);
  if (s.rssKb !== undefined) cur.rss[r.name]![step] = Math.max(cur.rss[r.name]![step] ?? 0, s.rssKb);
};

/** create --pid-file, start, state, kill, wait (reap), delete: one container, as the shim does */
function lifecycle(r: Runtime, id: string, measureRss: boolean): void {
  const pidFile = path.join(work, `${id}.pid`);
  let total = 0;
  const step = (name: Step, argv: string[]): void => {
    const s = rt(r, argv, measureRss);
    note(r, name, s);
    total += s.ms;
  };
  step('create', ['create', '--bundle', SLEEPER, '--pid-file', pidFile, id]);
  step('start', ['start', id]);
  step('state', ['state', id]);
  step('kill', ['kill', id, 'KILL']);
  const t0 = performance.now();
  waitFor(Number(fs.readFileSync(pidFile, 'utf8')));
  const w = performance.now() - t0;
  cur.times[r.name]!.wait.push(w);
  total += w;
  step('delete', ['delete', id]);
  cur.times[r.name]!.lifecycle.push(total);
}

const rotated = (k: number): Runtime[] => runtimes.map((_, i) => runtimes[(i + k) % runtimes.length]!);
const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

console.log(`hezi bench: ${ROUNDS} interleaved rounds, ${runtimes.map((r) => r.name).join(', ')} (${os.cpus().length} cpus, kernel ${os.release()})`);

/** on any failure: every container of this run goes, with its processes and cgroups */
function cleanUp(): void {
  for (const r of runtimes) {
    let ids: string[] = [];
    try {
      ids = fs.readdirSync(r.root).filter((d) => d.endsWith(TAG));
    } catch {
      continue;
    }
    for (const id of ids) Bun.spawnSync([r.bin, '--root', r.root, 'delete', '--force', id], { env: cleanEnv, stdout: 'ignore', stderr: 'ignore' });
  }
  reapAll();
  spawnSync('umount', ['-l', work]);
  fs.rmSync(work, { recursive: true, force: true });
}
process.on('uncaughtException', (e) => {
  console.error(`bench: ${e.message}`);
  cleanUp();
  process.exit(1);
});

// ---- lifecycle steps, exec, run: interleaved ------------------------------------------------
const execIds = new Map<string, string>();
for (const r of runtimes) {
  const id = `exec-${r.name}-${TAG}`;
  rt(r, ['run', '--detach', '--bundle', SLEEPER, id]);
  execIds.set(r.name, id);
}
/** peak RSS: every command three times under GNU time */
function rssPass(): void {
  for (const r of runtimes) {
    for (let k = 0; k < 3; k++) {
      lifecycle(r, `rss-${r.name}-${phases.length}-${k}-${TAG}`, true);
      note(r, 'exec', rt(r, ['exec', execIds.get(r.name)!, 'true'], true));
      note(r, 'run', rt(r, ['run', '--bundle', TRUE, `rss-run-${r.name}-${phases.length}-${k}-${TAG}`], true));
      reapAll();
    }
  }
}
/**
 * The state of a binary's page cache decides part of both figures. A file's pages mapped into a
 * process count in its RSS, and how many the kernel maps per fault depends on how the pages came
 * into the cache: a file that was written or read (a fresh build, a package install, a copy)
 * sits in large folios, which the kernel maps whole, in few faults; pages that came in through
 * the faults of running it (after a reboot, or once they were dropped under memory pressure) are
 * mapped 64 kB around each fault. Here the same dist/hezi shows ~6 MB more RSS per command in the
 * first state, and a `state` ~1 ms faster. So the benchmark measures both, for every runtime
 * alike: each phase drops the binaries' page cache, refills it its way, then runs its rounds.
 */
function dropPageCache(file: string): void {
  const fd = libc.symbols.open(ptr(Buffer.from(`${file}\0`)), 0 /* O_RDONLY */);
  if (fd < 0) throw new Error(`open ${file} failed`);
  try {
    if (libc.symbols.fsync(fd) !== 0 || libc.symbols.posix_fadvise(fd, 0, 0, 4 /* POSIX_FADV_DONTNEED */) !== 0) throw new Error(`dropping the page cache of ${file} failed`);
  } finally {
    libc.symbols.close(fd);
  }
}
function readWhole(file: string): void {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  while (fs.readSync(fd, buf, 0, buf.length, null) > 0) {
    /* into the page cache */
  }
  fs.closeSync(fd);
}
const phases: Phase[] = [];
for (const [title, fill] of [
  ['page cache filled by reading the binaries (as a build, an install or a copy leaves it)', readWhole],
  ['page cache filled by running the binaries only (as after a reboot)', undefined],
] as const) {
  cur = newPhase(title);
  phases.push(cur);
  for (const r of runtimes) {
    dropPageCache(r.bin);
    fill?.(r.bin);
  }
  // warm-up: seccomp-free bundles, log files; the page cache of what the binaries read
  for (const r of runtimes) lifecycle(r, `warm-${r.name}-${phases.length}-${TAG}`, false);
  for (const r of runtimes) for (const k of STEPS) cur.times[r.name]![k] = [];
  for (let k = 0; k < ROUNDS; k++) {
    for (const r of rotated(k)) lifecycle(r, `lc-${r.name}-${phases.length}-${k}-${TAG}`, false);
    for (const r of rotated(k)) note(r, 'exec', rt(r, ['exec', execIds.get(r.name)!, 'true']));
    for (const r of rotated(k)) {
      note(r, 'run', rt(r, ['run', '--bundle', TRUE, `run-${r.name}-${phases.length}-${k}-${TAG}`]));
      reapAll();
    }
  }
  if (TIME) rssPass();
  // the timing rounds only: the rss pass added samples
  for (const r of runtimes) for (const st of STEPS) cur.times[r.name]![st] = cur.times[r.name]![st].slice(0, ROUNDS);
}
for (const r of runtimes) rt(r, ['delete', '--force', execIds.get(r.name)!]);
reapAll();

// ---- many containers at once -----------------------------------------------------------------
function memUsedKb(): number {
  const m = fs.readFileSync('/proc/meminfo', 'utf8');
  const v = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(m)?.[1] ?? 0);
  return v('MemTotal') - v('MemAvailable');
}
const concurrent: Record<string, { wallMs: number; peakMb: number }> = {};
for (const r of runtimes) {
  const base = memUsedKb();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, memUsedKb())), 5);
  const t0 = performance.now();
  const procs = Array.from({ length: CONCURRENT }, (_, i) =>
    Bun.spawn([r.bin, '--root', r.root, '--log', r.log, '--log-format', 'json', 'create', '--bundle', SLEEPER, `par-${r.name}-${i}-${TAG}`], { env: cleanEnv, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' }),
  );
  const codes = await Promise.all(procs.map((p) => p.exited));
  const wallMs = performance.now() - t0;
  peak = Math.max(peak, memUsedKb());
  clearInterval(sampler);
  const failed = codes.filter((c) => c !== 0).length;
  concurrent[r.name] = { wallMs, peakMb: (peak - base) / 1024 };
  if (failed) console.log(`  ${r.name}: ${failed} of ${CONCURRENT} concurrent creates failed`);
  for (let i = 0; i < CONCURRENT; i++) Bun.spawnSync([r.bin, '--root', r.root, 'delete', '--force', `par-${r.name}-${i}-${TAG}`], { env: cleanEnv, stdout: 'ignore', stderr: 'ignore' });
  reapAll();
}

// ---- list with many (stopped) containers ----------------------------------------------------
const listing: Record<string, { table: number; json: number }> = {};
for (const r of runtimes) {
  for (let i = 0; i < LIST_N; i++) {
    rt(r, ['run', '--detach', '--bundle', TRUE, `list-${r.name}-${i}-${TAG}`]);
    if (i % 50 === 49) reapAll();
  }
  reapAll();
  const table: number[] = [];
  const json: number[] = [];
  for (let k = 0; k < 7; k++) {
    table.push(rt(r, ['list']).ms);
    json.push(rt(r, ['list', '--format', 'json']).ms);
  }
  listing[r.name] = { table: median(table), json: median(json) };
  for (let i = 0; i < LIST_N; i++) Bun.spawnSync([r.bin, '--root', r.root, 'delete', `list-${r.name}-${i}-${TAG}`], { env: cleanEnv, stdout: 'ignore', stderr: 'ignore' });
}

// ---- report ------------------------------------------------------------------------------------
const TARGET: Partial<Record<Step, number>> = { lifecycle: 1.0, create: 1.0, exec: 1.0, start: 1.5, state: 1.5, kill: 1.5, delete: 1.5 };
const has = (n: string) => runtimes.some((r) => r.name === n);
const f1 = (x: number) => x.toFixed(1);
const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}x` : '-');
const lines: string[] = [];
const peakOf = (ph: Phase, n: string) => Math.max(...Object.values(ph.rss[n]!));
for (const ph of phases) {
  lines.push(`${ph.title}:`, '');
  lines.push(`| step | hezi ms | runc ms | crun ms | hezi/runc | hezi/crun | target (runc) |`);
  lines.push(`|---|---|---|---|---|---|---|`);
  for (const s of STEPS) {
    const m = (n: string) => (has(n) ? median(ph.times[n]![s]) : undefined);
    const h = m('hezi')!;
    const t = TARGET[s];
    const verdict = t === undefined || !has('runc') ? '' : `≤ ${t.toFixed(1)}x ${h / m('runc')! <= t ? 'met' : 'NOT met'}`;
    lines.push(`| ${s} | ${f1(h)} | ${has('runc') ? f1(m('runc')!) : '-'} | ${has('crun') ? f1(m('crun')!) : '-'} | ${ratio(h, m('runc'))} | ${ratio(h, m('crun'))} | ${verdict} |`);
  }
  if (TIME) {
    const v = (n: string) => (has(n) ? f1(peakOf(ph, n) / 1024) : '-');
    lines.push(`| peak RSS of one command (MB) | ${v('hezi')} | ${v('runc')} | ${v('crun')} | | | hezi ≤ 30 MB ${peakOf(ph, 'hezi') / 1024 <= 30 ? 'met' : 'NOT met'} |`);
  }
  lines.push('');
}
lines.push(`many containers (page cache as the last phase left it):`, '');
lines.push(`| | hezi | runc | crun | hezi/runc | hezi/crun | |`);
lines.push(`|---|---|---|---|---|---|---|`);
const c = (n: string, k: 'wallMs' | 'peakMb') => (has(n) ? f1(concurrent[n]![k]) : '-');
lines.push(`| ${CONCURRENT} concurrent creates: wall ms | ${c('hezi', 'wallMs')} | ${c('runc', 'wallMs')} | ${c('crun', 'wallMs')} | ${ratio(concurrent.hezi!.wallMs, concurrent.runc?.wallMs)} | ${ratio(concurrent.hezi!.wallMs, concurrent.crun?.wallMs)} | |`);
lines.push(`| ${CONCURRENT} concurrent creates: machine memory MB | ${c('hezi', 'peakMb')} | ${c('runc', 'peakMb')} | ${c('crun', 'peakMb')} | ${ratio(concurrent.hezi!.peakMb, concurrent.runc?.peakMb)} | ${ratio(concurrent.hezi!.peakMb, concurrent.crun?.peakMb)} | |`);
const l = (n: string, k: 'table' | 'json') => (has(n) ? f1(listing[n]![k]) : '-');
lines.push(`| list, ${LIST_N} containers | ${l('hezi', 'table')} | ${l('runc', 'table')} | ${l('crun', 'table')} | ${ratio(listing.hezi!.table, listing.runc?.table)} | ${ratio(listing.hezi!.table, listing.crun?.table)} | |`);
lines.push(`| list --format json, ${LIST_N} containers | ${l('hezi', 'json')} | ${l('runc', 'json')} | ${l('crun', 'json')} | ${ratio(listing.hezi!.json, listing.runc?.json)} | ${ratio(listing.hezi!.json, listing.crun?.json)} | |`);
console.log(lines.join('\n'));
if (TIME) {
  console.log('\npeak RSS per step (MB):');
  for (const [i, ph] of phases.entries())
    for (const r of runtimes) console.log(`  ${r.name}, phase ${i + 1}: ${Object.entries(ph.rss[r.name]!).map(([k, v]) => `${k} ${f1(v / 1024)}`).join(', ')}`);
} else console.log('\n(peak RSS not measured: GNU time is not installed: apt-get install time)');
cleanUp();
