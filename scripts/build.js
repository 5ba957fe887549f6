#!/usr/bin/env node
// Compiles the TypeScript CLI with Bun into one standalone executable, dist/hezi, embedding the
// N-API addon and the static init that node-gyp built (build/Release). `npm ci` runs this after
// node-gyp (package.json "prepare"); bin/hezi is a symlink to dist/hezi.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const top = path.join(__dirname, '..');
const bun = path.join(top, 'node_modules', '.bin', 'bun');
const out = path.join(top, 'dist', 'hezi');
for (const f of ['hezi.node', 'hezi-init'])
  if (!fs.existsSync(path.join(top, 'build', 'Release', f))) {
    console.error(`build: build/Release/${f} is missing: run node-gyp rebuild first`);
    process.exit(1);
  }
fs.mkdirSync(path.dirname(out), { recursive: true });
// the config/process parsers compiled from the zod schemas (spec/codegen.ts): the executable
// validates config.json without loading zod (~3 ms of every create)
const gen = spawnSync(bun, [path.join(top, 'scripts', 'gen-parsers.ts'), path.join(top, 'build', 'spec-parsers.js')], { cwd: top, stdio: 'inherit' });
if (gen.status !== 0) {
  console.error('build: generating build/spec-parsers.js failed');
  process.exit(1);
}
// built in a private dir under its final name (the name shows in /$bunfs paths), then renamed over dist/hezi
const tmpDir = fs.mkdtempSync(path.join(path.dirname(out), '.build-'));
const tmp = path.join(tmpDir, 'hezi');
// --format=cjs: CommonJS bytecode starts ~2 ms faster than ESM here. No .env/bunfig.toml from the
// caller's cwd (a runtime must not take settings from a bundle directory). --compile-jit-policy=10:
// JIT tier-up ten times later: a command lives milliseconds, and JIT work on a second thread only
// competes with it on a small machine (create 4 ms, state 0.5 ms faster on 2 cores).
const r = spawnSync(bun, ['build', '--compile', '--bytecode', '--minify', '--format=cjs', '--target=bun', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--compile-jit-policy=10', path.join(top, 'src', 'standalone.ts'), '--outfile', tmp], {
  cwd: top,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, BUN_INSTALL_CACHE_DIR: path.join(top, 'node_modules', '.cache', 'bun') },
});
if (r.status !== 0) {
  process.stdout.write(r.stdout);
  fs.rmSync(tmpDir, { recursive: true, force: true });
  console.error('build: bun build --compile failed');
  process.exit(1);
}
// replace, never rewrite in place: a running dist/hezi keeps its own inode
fs.renameSync(tmp, out);
fs.rmSync(tmpDir, { recursive: true, force: true });
console.log(`build: ${path.relative(top, out)} (${(fs.statSync(out).size / 1048576).toFixed(1)} MB)`);
