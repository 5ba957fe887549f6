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

/**
 * The init the executable embeds, build/hezi-init. Where musl-gcc is installed (Debian's
 * musl-tools) the init is rebuilt from the same sources against musl: 46 kB instead of the 711 kB
 * of glibc's static image (glibc brings printf, locales and static dlopen along), which every
 * create and exec copies into a sealed memfd and executes: ~1 ms less per create. Otherwise, or
 * if that build fails, node-gyp's glibc build (build/Release/hezi-init) is used. Both run the same
 * code: the init makes raw syscalls and uses only a few libc functions.
 */
function buildInit() {
  const glibc = path.join(top, 'build', 'Release', 'hezi-init');
  const dest = path.join(top, 'build', 'hezi-init');
  const use = (file, what) => {
    fs.copyFileSync(file, `${dest}.tmp`);
    fs.chmodSync(`${dest}.tmp`, 0o755);
    fs.renameSync(`${dest}.tmp`, dest);
    console.log(`build: the init: ${what} (${Math.round(fs.statSync(dest).size / 1024)} kB)`);
  };
  const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  if (process.env.HEZI_INIT_LIBC === 'glibc') return use(glibc, 'glibc (HEZI_INIT_LIBC=glibc)');
  if (!has('musl-gcc') || !has('g++')) return use(glibc, 'glibc (musl-gcc is not installed: apt-get install musl-tools for a smaller, faster init)');
  const work = fs.mkdtempSync(path.join(top, 'build', '.init-musl-'));
  try {
    // musl's headers plus only the kernel's from the system include dir (not glibc's)
    const triplet = spawnSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).stdout.trim() || 'x86_64-linux-gnu';
    const kinc = path.join(work, 'kernel-headers');
    fs.mkdirSync(kinc);
    for (const [name, target] of [['linux', '/usr/include/linux'], ['asm', `/usr/include/${triplet}/asm`], ['asm-generic', '/usr/include/asm-generic']])
      fs.symlinkSync(target, path.join(kinc, name));
    const flags = ['-std=gnu++17', '-O2', '-D_GNU_SOURCE', '-fno-exceptions', '-fno-rtti', '-fno-asynchronous-unwind-tables', '-fno-unwind-tables', '-fno-threadsafe-statics', '-fno-stack-protector', '-ffunction-sections', '-fdata-sections', '-Wall', '-Wextra', '-Wno-unused-parameter'];
    const srcDir = path.join(top, 'addon', 'init');
    const objs = [];
    for (const src of fs.readdirSync(srcDir).filter((f) => f.endsWith('.cc'))) {
      const obj = path.join(work, src.replace(/\.cc$/, '.o'));
      const r = spawnSync('musl-gcc', ['-x', 'c++', ...flags, '-idirafter', kinc, '-I', path.join(top, 'addon'), '-c', path.join(srcDir, src), '-o', obj], { env: { ...process.env, REALGCC: 'g++' }, stdio: ['ignore', 'inherit', 'inherit'] });
      if (r.status !== 0) return use(glibc, `glibc (the musl build of ${src} failed)`);
      objs.push(obj);
    }
    const bin = path.join(work, 'hezi-init');
    // linked by the C driver: no libstdc++ (the init uses none of it)
    const l = spawnSync('musl-gcc', ['-static', '-s', '-Wl,--gc-sections', '-o', bin, ...objs], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (l.status !== 0) return use(glibc, 'glibc (the musl link failed)');
    return use(bin, 'musl');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
buildInit();
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
// --external zod: the executable parses with the generated parsers (build/spec-parsers.js) and never
// loads zod; bundled, its 54 kB would cost every command start-up (JSC reads the whole program).
// Two entry points, each with its own bytecode: src/standalone/index.ts, which holds the small
// program (hot.ts: the commands that read only the state) and requires full.ts for the rest
// (src/cli/dispatch.ts).
const r = spawnSync(bun, ['build', '--compile', '--bytecode', '--minify', '--format=cjs', '--target=bun', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--compile-jit-policy=10', '--external', 'zod', ...['index.ts', 'full.ts'].map((f) => path.join(top, 'src', 'standalone', f)), '--outfile', tmp], {
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
