#!/usr/bin/env node
// The npm registry this project's machines reach does not serve other platforms' optional
// binaries (e.g. @rollup/rollup-android-arm-eabi: 404), so `npm install` leaves them out of
// package-lock.json and `npm ci` then refuses the lock ("Missing: … from lock file", npm/cli#9846).
// This adds a placeholder entry (version, os, cpu, optional) for each missing optional dependency;
// npm ci skips them by platform without fetching. Run after any `npm install` that changes the lock.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pkgs = lock.packages;
const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'win32', 'aix', 'netbsd', 'sunos', 'cygwin'];
const CPU = ['arm64', 'arm', 'x64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x', 'mips64el', 'wasm32'];
let added = 0;
for (const [key, p] of Object.entries(pkgs)) {
  for (const [name, range] of Object.entries(p.optionalDependencies || {})) {
    const where = [key ? `${key}/node_modules/${name}` : `node_modules/${name}`, `node_modules/${name}`];
    if (where.some((w) => pkgs[w])) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((x) => OS.includes(x));
    const cpu = parts.find((x) => CPU.includes(x));
    if (!os || !cpu) {
      console.error(`lock-placeholders: cannot tell the platform of ${name}; left alone`);
      continue;
    }
    const entry = { version: String(range).replace(/^[\^~=]/, ''), cpu: [cpu], dev: !!p.dev || undefined, optional: true, os: [os] };
    if (parts.includes('musl')) entry.libc = ['musl'];
    else if (parts.includes('gnu') && os === 'linux') entry.libc = ['glibc'];
    pkgs[`node_modules/${name}`] = JSON.parse(JSON.stringify(entry));
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-placeholders: ${added} placeholder entries added`);
