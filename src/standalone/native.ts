/**
 * The native parts of the standalone executable `dist/hezi`, for both of its programs (hot.ts,
 * full.ts). The N-API addon and the static init are embedded in the executable; nothing is written
 * to disk at run time:
 * - the addon is copied into a memfd and loaded from /proc/self/fd/N (Bun's own loader would
 *   extract it to a reusable file in /tmp, which another user could plant first);
 * - the init image goes to spawnInit as bytes, which seals them into a memfd of their own.
 * Neither loads node:fs (~0.9 ms): the embedded files are read with Bun.file, the memfd is made
 * with libc. Both are made on first use. The files of src/standalone are excluded from tsc (Bun's
 * `with { type: 'file' }` imports); the rest of src/ stays runtime-agnostic.
 */
// @ts-ignore: Bun's file loader gives the path of the embedded copy (/$bunfs/...)
import addonFile from '../../build/Release/hezi.node' with { type: 'file' };
// @ts-ignore: as above (scripts/build.js's choice of init: musl where musl-gcc is installed)
import initFile from '../../build/hezi-init' with { type: 'file' };
import { Native, setNativeSource } from '../native/addon';
import { libc } from '../native/libc';

declare const Bun: {
  file(p: string | number): { bytes(): Promise<Uint8Array> };
  peek<T>(p: Promise<T>): T | Promise<T>;
};

/** an embedded file's bytes: in memory already, so the read has settled by the time we look */
function embedded(file: string): Uint8Array {
  const bytes = Bun.peek(Bun.file(file).bytes());
  if (bytes instanceof Uint8Array) return bytes;
  throw new Error(`the embedded ${file} could not be read synchronously`);
}

const MFD_CLOEXEC = 1;

function loadAddon(): Native {
  const image = embedded(addonFile as string);
  const c = libc();
  const fd = c.memfd_create(new TextEncoder().encode('hezi.node\0'), MFD_CLOEXEC);
  if (fd < 0) throw new Error(`memfd_create for the embedded addon failed (errno ${c.errno()})`);
  try {
    for (let off = 0; off < image.length; ) {
      const n = c.write(fd, image.subarray(off), image.length - off);
      if (n <= 0) throw new Error(`write to the addon's memfd failed (errno ${c.errno()})`);
      off += n;
    }
    const m = { exports: {} as Native };
    process.dlopen(m, `/proc/self/fd/${fd}`);
    return m.exports;
  } finally {
    c.close(fd);
  }
}

setNativeSource({
  addon: loadAddon,
  init: () => {
    const b = embedded(initFile as string);
    return Buffer.from(b.buffer, b.byteOffset, b.length); // a view, not a copy
  },
});
