/**
 * libc through bun:ffi, for the standalone executable (Bun only): the few calls the hot commands
 * make (src/native/fs.ts) and the memfd the embedded addon is loaded from (src/standalone/native.ts).
 * Opened once per process, on first use; ~0.3 ms, a third of what Bun's node:fs costs to load.
 * Every symbol is a plain C call: no policy, no wording (fs.ts words errors as node:fs does).
 */

/** the part of bun:ffi used here (Bun's own types are not installed for tsc) */
interface BunFfi {
  dlopen(lib: string, symbols: Record<string, { args: string[]; returns: string }>): { symbols: Record<string, (...a: unknown[]) => number> };
  read: { i32(ptr: unknown, offset: number): number };
}

const sig = (args: string[], returns: string) => ({ args, returns });
/** what every command uses: bound when libc() is first called */
const CORE = {
  open: sig(['ptr', 'i32', 'u32'], 'i32'),
  close: sig(['i32'], 'i32'),
  read: sig(['i32', 'ptr', 'u64'], 'i64_fast'),
  write: sig(['i32', 'ptr', 'u64'], 'i64_fast'),
  access: sig(['ptr', 'i32'], 'i32'),
  statx: sig(['i32', 'ptr', 'i32', 'u32', 'ptr'], 'i32'),
  unlink: sig(['ptr'], 'i32'),
  rmdir: sig(['ptr'], 'i32'),
  flock: sig(['i32', 'i32'], 'i32'),
  __errno_location: sig([], 'ptr'),
  // an error's words (fs.ts): a missing state.json is a common answer
  strerror: sig(['i32'], 'cstring'),
  strerrorname_np: sig(['i32'], 'cstring'),
} as const;
/**
 * the rest: bound together on first use of any of them. Bun compiles a trampoline for every
 * symbol it binds (~20k instructions each): `hezi state` binds only the core.
 */
const MORE = {
  fsync: sig(['i32'], 'i32'),
  mkdir: sig(['ptr', 'u32'], 'i32'),
  rename: sig(['ptr', 'ptr'], 'i32'),
  readlink: sig(['ptr', 'ptr', 'u64'], 'i64_fast'),
  realpath: sig(['ptr', 'ptr'], 'ptr'),
  chmod: sig(['ptr', 'u32'], 'i32'),
  getdents64: sig(['i32', 'ptr', 'u64'], 'i64_fast'),
  poll: sig(['ptr', 'u64', 'i32'], 'i32'),
  memfd_create: sig(['ptr', 'u32'], 'i32'),
} as const;

export type Libc = { [K in keyof typeof CORE | keyof typeof MORE]: (...a: unknown[]) => number } & {
  /** errno of the last failed call on this thread */
  errno(): number;
};

let lib: Libc | undefined;

export function libc(): Libc {
  if (!lib) {
    const ffi = require('bun:ffi') as BunFfi;
    const { symbols } = ffi.dlopen('libc.so.6', CORE);
    const errnoAt = symbols['__errno_location']!;
    const l = { ...symbols, errno: () => ffi.read.i32(errnoAt(), 0) } as unknown as Libc;
    let more: Record<string, (...a: unknown[]) => number> | undefined;
    for (const name of Object.keys(MORE))
      Object.defineProperty(l, name, {
        enumerable: true,
        get: () => (more ??= ffi.dlopen('libc.so.6', MORE).symbols)[name],
      });
    lib = l;
  }
  return lib;
}
