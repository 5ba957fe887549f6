#!/usr/bin/env node
// Benchmarks hezi against runc and crun in the same run and prints ratios (not a test).
//   sudo node scripts/bench.js [iterations]
// Measures: `state` of a created container, and a whole `run` of `true` (create + start + wait +
// delete). crun 1.8 refuses this hybrid-cgroup host unless cgroup2 at /sys/fs/cgroup/unified is
// hidden, so the whole benchmark re-executes itself in a private mount namespace without it.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

delete process.env.NODE_EXTRA_CA_CERTS; // runc and crun don't pay it; neither should we
const N = Number(process.argv[2] || 30);
const REPO = path.resolve(__dirname, '..');

if (!process.env.HEZI_BENCH_INNER) {
  const r = spawnSync('unshare', ['-m', '--propagation', 'slave', 'sh', '-c',
    'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"', process.execPath, __filename, String(N)],
    { stdio: 'inherit', env: { ...process.env, HEZI_BENCH_INNER: '1' } });
  process.exit(r.status ?? 1);
}

const runtimes = [
  ['hezi', path.join(REPO, 'bin/hezi')],
  ['runc', '/usr/sbin/runc'],
  ['crun', '/usr/bin/crun'],
].filter(([, p]) => fs.existsSync(p));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-bench-'));
const bundle = path.join(work, 'bundle');
fs.mkdirSync(bundle);
execFileSync('bash', [path.join(REPO, 'scripts/make-rootfs.sh'), path.join(bundle, 'rootfs')], { stdio: 'ignore' });
execFileSync(path.join(REPO, 'bin/hezi'), ['spec', '--bundle', bundle]);
const cfg = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
cfg.process.terminal = false;
cfg.ociVersion = '1.0.2-dev'; // crun 1.8 refuses 1.3.0
cfg.process.args = ['true'];
fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(cfg));

function time(cmd, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return ms;
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const results = {};
for (const [name, bin] of runtimes) {
  const root = path.join(work, `root-${name}`);
  const R = ['--root', root];
  // state of a created container
  execFileSync(bin, [...R, 'create', '--bundle', bundle, 'b1'], { stdio: 'ignore' });
  const state = [];
  for (let i = 0; i < N; i++) state.push(time(bin, [...R, 'state', 'b1']));
  execFileSync(bin, [...R, 'delete', '--force', 'b1'], { stdio: 'ignore' });
  // a whole run
  const run = [];
  for (let i = 0; i < Math.max(5, Math.floor(N / 3)); i++) run.push(time(bin, [...R, 'run', '--bundle', bundle, `r${i}`]));
  results[name] = { state: median(state), run: median(run) };
}
const node = [];
for (let i = 0; i < N; i++) node.push(time(process.execPath, ['-e', '0']));

console.log(`median of ${N} runs (run: ${Math.max(5, Math.floor(N / 3))}), ms; node -e 0 = ${median(node).toFixed(1)} ms`);
console.log('runtime   state    run');
for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(8)} ${r.state.toFixed(1).padStart(6)} ${r.run.toFixed(1).padStart(6)}`);
for (const other of ['runc', 'crun']) {
  if (!results[other] || !results.hezi) continue;
  console.log(`hezi/${other}: state ${(results.hezi.state / results[other].state).toFixed(2)}x, run ${(results.hezi.run / results[other].run).toFixed(2)}x`);
}
fs.rmSync(work, { recursive: true, force: true });
