/**
 * The entry point of the standalone executable `dist/hezi` (scripts/build.js compiles it with
 * `bun build --compile`). The N-API addon and the static init are embedded in the executable;
 * nothing is written to disk at run time:
 * - the addon is copied into a memfd and loaded from /proc/self/fd/N (Bun's own loader would
 *   extract it to a reusable file in /tmp, which another user could plant first);
 * - the init image goes to spawnInit as bytes, which seals them into a memfd of their own.
 * This file is excluded from tsc (Bun's `with { type: 'file' }` imports); src/ stays runtime-agnostic.
 */
// @ts-ignore: Bun's file loader gives the path of the embedded copy (/$bunfs/...)
import addonFile from '../build/Release/hezi.node' with { type: 'file' };
// @ts-ignore: as above
import initFile from '../build/Release/hezi-init' with { type: 'file' };
import { Native, setNativeSource } from './native/addon';

const MFD_CLOEXEC = 1;

// node:fs only where it is needed (it costs ~0.9 ms to load): create and exec read the init anyway
const nodeFs = (): typeof import('node:fs') => require('node:fs') as typeof import('node:fs');

function loadAddon(): Native {
  const fs = nodeFs();
  const image = fs.readFileSync(addonFile as string);
  // memfd_create through Bun's FFI: the addon that could make one is not loaded yet
  const { dlopen } = require('bun:ffi') as { dlopen: (lib: string, syms: object) => { symbols: { memfd_create(name: Buffer, flags: number): number }; close(): void } };
  const libc = dlopen('libc.so.6', { memfd_create: { args: ['cstring', 'u32'], returns: 'i32' } });
  const fd = libc.symbols.memfd_create(Buffer.from('hezi.node\0'), MFD_CLOEXEC);
  libc.close();
  if (fd < 0) throw new Error('memfd_create for the embedded addon failed');
  try {
    fs.writeSync(fd, image);
    const m = { exports: {} as Native };
    process.dlopen(m, `/proc/self/fd/${fd}`);
    return m.exports;
  } finally {
    fs.closeSync(fd);
  }
}

setNativeSource({ addon: loadAddon, init: () => nodeFs().readFileSync(initFile as string) });
require('./cli/main');
