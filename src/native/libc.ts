/**
 * libc through Bun's FFI, for the standalone executable (Bun only): the few calls the hot commands
 * make (src/native/fs.ts) and the memfd the embedded addon is loaded from (src/standalone/native.ts).
 * Opened once per process, on first use. Every symbol is a plain C call: no policy, no wording
 * (fs.ts words errors as node:fs does).
 *
 * The symbols are bound with `Bun.FFI.dlopen`, the native function under `bun:ffi`'s dlopen: the
 * module itself costs ~0.4 ms to load and then compiles a JavaScript wrapper per symbol with
 * `new Function` (argument coercions), which calls with the right types do not need: i32 and
 * pointer arguments (typed arrays) pass through, sizes are `u64_fast` (numbers), and C strings
 * come back as pointers read with `Bun.FFI.CString`. Where `Bun.FFI` is missing, bun:ffi is used.
 */

/** the part of Bun's FFI used here (Bun's own types are not installed for tsc) */
interface BunFfi {
  dlopen(lib: string, symbols: Record<string, { args: string[]; returns: string }>): { symbols: Record<string, (...a: unknown[]) => number> } | Error;
  read: { i32(ptr: unknown, offset: number): number };
  CString(ptr: number): string;
}

const sig = (args: string[], returns: string) => ({ args, returns });
/** what every command uses: bound when libc() is first called */
const CORE = {
  // modes and masks are below 2^31: i32 (the same register as an unsigned int)
  open: sig(['ptr', 'i32', 'i32'], 'i32'),
  close: sig(['i32'], 'i32'),
  read: sig(['i32', 'ptr', 'u64_fast'], 'i64_fast'),
  write: sig(['i32', 'ptr', 'u64_fast'], 'i64_fast'),
  access: sig(['ptr', 'i32'], 'i32'),
  statx: sig(['i32', 'ptr', 'i32', 'i32', 'ptr'], 'i32'),
  unlink: sig(['ptr'], 'i32'),
  rmdir: sig(['ptr'], 'i32'),
  flock: sig(['i32', 'i32'], 'i32'),
  __errno_location: sig([], 'ptr'),
  // an error's words (fs.ts): a missing state.json is a common answer (C strings, see CSTRINGS)
  strerror: sig(['i32'], 'ptr'),
  strerrorname_np: sig(['i32'], 'ptr'),
} as const;
/**
 * the rest: bound together on first use of any of them. Bun compiles a trampoline for every
 * symbol it binds (~20k instructions each): `hezi state` binds only the core (and EXIT, below).
 */
const MORE = {
  fsync: sig(['i32'], 'i32'),
  mkdir: sig(['ptr', 'i32'], 'i32'),
  rename: sig(['ptr', 'ptr'], 'i32'),
  readlink: sig(['ptr', 'ptr', 'u64_fast'], 'i64_fast'),
  realpath: sig(['ptr', 'ptr'], 'ptr'),
  chmod: sig(['ptr', 'i32'], 'i32'),
  getdents64: sig(['i32', 'ptr', 'u64_fast'], 'i64_fast'),
  poll: sig(['ptr', 'u64_fast', 'i32'], 'i32'),
  memfd_create: sig(['ptr', 'i32'], 'i32'),
} as const;

/**
 * how a command ends (exit.ts): bound together as it exits, never before. clone is
 * glibc's wrapper (its child runs a C function, here usleep, whose address Bun gives as the bound
 * symbol's `ptr`, on a stack of its own); syscall makes close_range (older glibc versions lack
 * the function) and exit_group (one symbol for both)
 */
const EXIT = {
  clone: sig(['ptr', 'ptr', 'i32', 'u64_fast', 'u64_fast', 'u64_fast', 'u64_fast'], 'i32'),
  usleep: sig(['u32'], 'i32'),
  syscall: sig(['i64_fast', 'u64_fast', 'u64_fast', 'u64_fast'], 'i64_fast'),
} as const;

/** the symbols that return a C string: called through a wrapper that reads it (null for NULL) */
const CSTRINGS = ['strerror', 'strerrorname_np'] as const;

export type Libc = { [K in Exclude<keyof typeof CORE | keyof typeof MORE | keyof typeof EXIT, (typeof CSTRINGS)[number]>]: (...a: unknown[]) => number } & {
  [K in (typeof CSTRINGS)[number]]: (n: number) => string | null;
} & {
  /** errno of the last failed call on this thread */
  errno(): number;
};

function bind(ffi: BunFfi, symbols: Record<string, { args: string[]; returns: string }>): Record<string, (...a: unknown[]) => number> {
  const r = ffi.dlopen('libc.so.6', symbols);
  if (r instanceof Error) throw r;
  return r.symbols;
}

let lib: Libc | undefined;

export function libc(): Libc {
  lib ??= bindLibc((globalThis as { Bun?: { FFI?: BunFfi } }).Bun?.FFI ? 'Bun.FFI' : 'bun:ffi');
  return lib;
}

/** libc bound through Bun.FFI (dist/hezi's way) or bun:ffi (the fallback); exported for its test */
export function bindLibc(via: 'Bun.FFI' | 'bun:ffi'): Libc {
  let ffi: BunFfi;
  let cstring: (p: number) => string;
  if (via === 'Bun.FFI') {
    const native = (globalThis as unknown as { Bun: { FFI: BunFfi } }).Bun.FFI;
    ffi = native;
    cstring = (p) => native.CString(p);
  } else {
    const module = require('bun:ffi') as BunFfi;
    ffi = module;
    // bun:ffi's CString is a class: a String of the C string
    cstring = (p) => String(new (module.CString as unknown as new (p: number) => string)(p));
  }
  const symbols = bind(ffi, CORE);
  const errnoAt = symbols['__errno_location']!;
  const l = { ...symbols, errno: () => ffi.read.i32(errnoAt(), 0) } as unknown as Libc;
  for (const name of CSTRINGS) {
    const f = symbols[name]!;
    l[name] = (n: number) => {
      const p = f(n);
      return p ? cstring(p) : null;
    };
  }
  for (const group of [MORE, EXIT]) {
    let bound: Record<string, (...a: unknown[]) => number> | undefined;
    for (const name of Object.keys(group))
      Object.defineProperty(l, name, {
        enumerable: true,
        get: () => (bound ??= bind(ffi, group))[name],
      });
  }
  return l;
}
