/**
 * libc through bun:ffi, for the standalone executable (Bun only): the few calls the hot commands
 * make (src/native/fs.ts) and the memfd the embedded addon is loaded from (src/standalone.ts).
 * Opened once per process, on first use; ~0.3 ms, a third of what Bun's node:fs costs to load.
 * Every symbol is a plain C call: no policy, no wording (fs.ts words errors as node:fs does).
 */

/** the part of bun:ffi used here (Bun's own types are not installed for tsc) */
interface BunFfi {
  dlopen(lib: string, symbols: Record<string, { args: string[]; returns: string }>): { symbols: Record<string, (...a: unknown[]) => number> };
  read: { i32(ptr: unknown, offset: number): number };
}

const sig = (args: string[], returns: string) => ({ args, returns });
const SYMBOLS = {
  open: sig(['ptr', 'i32', 'u32'], 'i32'),
  close: sig(['i32'], 'i32'),
  read: sig(['i32', 'ptr', 'u64'], 'i64_fast'),
  write: sig(['i32', 'ptr', 'u64'], 'i64_fast'),
  fsync: sig(['i32'], 'i32'),
  access: sig(['ptr', 'i32'], 'i32'),
  statx: sig(['i32', 'ptr', 'i32', 'u32', 'ptr'], 'i32'),
  mkdir: sig(['ptr', 'u32'], 'i32'),
  rmdir: sig(['ptr'], 'i32'),
  unlink: sig(['ptr'], 'i32'),
  rename: sig(['ptr', 'ptr'], 'i32'),
  readlink: sig(['ptr', 'ptr', 'u64'], 'i64_fast'),
  realpath: sig(['ptr', 'ptr'], 'ptr'),
  chmod: sig(['ptr', 'u32'], 'i32'),
  getdents64: sig(['i32', 'ptr', 'u64'], 'i64_fast'),
  flock: sig(['i32', 'i32'], 'i32'),
  poll: sig(['ptr', 'u64', 'i32'], 'i32'),
  memfd_create: sig(['ptr', 'u32'], 'i32'),
  __errno_location: sig([], 'ptr'),
  strerror: sig(['i32'], 'cstring'),
  strerrorname_np: sig(['i32'], 'cstring'),
} as const;

export type Libc = { [K in keyof typeof SYMBOLS]: (...a: unknown[]) => number } & {
  /** errno of the last failed call on this thread */
  errno(): number;
};

let lib: Libc | undefined;

export function libc(): Libc {
  if (!lib) {
    const ffi = require('bun:ffi') as BunFfi;
    const { symbols } = ffi.dlopen('libc.so.6', SYMBOLS);
    const errnoAt = symbols['__errno_location']!;
    lib = { ...(symbols as unknown as Libc), errno: () => ffi.read.i32(errnoAt(), 0) };
  }
  return lib;
}
