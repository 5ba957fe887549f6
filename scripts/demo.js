#!/usr/bin/env node
// `sudo npm run demo`: assemble a tiny rootfs from this machine's own binaries (busybox-static
// if it is installed, otherwise /bin/sh and friends with their shared libraries, found by ldd),
// write a config with `hezi spec`, and run a real container with `hezi run`. No downloads.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

if (process.getuid() !== 0) {
  console.error('demo: run me as root (sudo npm run demo): creating namespaces and mounts needs it');
  process.exit(1);
}
const hezi = path.resolve(__dirname, '..', 'bin', 'hezi');
const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-demo-'));
const rootfs = path.join(bundle, 'rootfs');
for (const d of ['bin', 'dev', 'proc', 'sys', 'etc', 'tmp']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });

function copyWithLibs(bin) {
  const real = fs.realpathSync(bin);
  const dest = path.join(rootfs, 'bin', path.basename(bin));
  fs.copyFileSync(real, dest);
  fs.chmodSync(dest, 0o755);
  let out = '';
  try {
    out = execFileSync('ldd', [real], { encoding: 'utf8' });
  } catch {
    return; // static
  }
  for (const m of out.matchAll(/(\/\S+)/g)) {
    const lib = m[1];
    if (!fs.existsSync(lib)) continue;
    const to = path.join(rootfs, lib);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (!fs.existsSync(to)) fs.copyFileSync(fs.realpathSync(lib), to);
  }
}

// a static busybox (busybox-static) can be copied alone; ldd fails on a static binary
const busybox = ['/bin/busybox', '/usr/bin/busybox'].find(
  (p) => fs.existsSync(p) && spawnSync('ldd', [p], { stdio: 'ignore' }).status !== 0,
);
if (busybox) {
  fs.copyFileSync(busybox, path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const a of ['sh', 'ls', 'cat', 'hostname', 'id', 'ps', 'echo', 'grep', 'head', 'mount', 'uname'])
    fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
} else {
  for (const b of ['sh', 'ls', 'cat', 'hostname', 'id', 'echo', 'grep', 'head', 'uname']) {
    const p = ['/bin/', '/usr/bin/'].map((d) => d + b).find((x) => fs.existsSync(x));
    if (p) copyWithLibs(p);
  }
}
fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\n');

execFileSync(hezi, ['spec', '--bundle', bundle], { stdio: 'inherit' });
const cfgPath = path.join(bundle, 'config.json');
const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
cfg.process.terminal = false;
cfg.process.args = [
  'sh',
  '-c',
  'echo "hello from a hezi container"; echo "hostname: $(hostname)"; echo "uid: $(id -u)"; echo "pid: $$"; ' +
    'echo "processes:"; ls /proc | grep "^[0-9]" | head; echo "root is read-only:"; (echo x > /x) 2>&1 | head -1; exit 7',
];
fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, '\t'));

const id = `demo-${process.pid}`;
console.log(`$ hezi run --bundle ${bundle} ${id}`);
const r = spawnSync(hezi, ['run', '--bundle', bundle, id], { stdio: 'inherit' });
console.log(`container exited with status ${r.status} (the shell ran "exit 7")`);
fs.rmSync(bundle, { recursive: true, force: true });
process.exit(r.status === 7 ? 0 : 1);
