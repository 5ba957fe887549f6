import { sleepMs } from '../util/sleep';
import { libc } from './libc';

/**
 * The synchronous file operations of the runtime, as a subset of node:fs with node:fs's
 * signatures and errors (`code`, negative `errno`, `syscall`, `path`).
 *
 * Under Bun (the standalone executable) they call libc through Bun's FFI (src/native/libc.ts):
 * Bun's node:fs is a large JavaScript module compiled at first use, ~1 ms of every command's
 * start-up: more than all of `hezi state`'s own work. Under Node (vitest) this is node:fs itself.
 *
 * Only what the commands use is here; a caller that needs more of node:fs requires node:fs.
 */

export interface Dirent {
  name: string;
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

export interface Stats {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  ino: number;
  dev: number;
  ctimeMs: number;
  mtimeMs: number;
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
}

type Text = 'utf8' | 'latin1';

export interface Fs {
  constants: {
    O_RDONLY: number;
    O_WRONLY: number;
    O_RDWR: number;
    O_CREAT: number;
    O_EXCL: number;
    O_TRUNC: number;
    O_APPEND: number;
    O_NONBLOCK: number;
    O_DIRECTORY: number;
    O_NOFOLLOW: number;
    F_OK: number;
  };
  readFileSync(path: string, encoding: Text): string;
  writeFileSync(path: string, data: string, options?: { mode?: number; flag?: string }): void;
  appendFileSync(path: string, data: string): void;
  openSync(path: string, flags: number | 'r' | 'w' | 'a' | 'wx', mode?: number): number;
  closeSync(fd: number): void;
  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: null): number;
  writeSync(fd: number, data: string | Uint8Array, offset?: number, length?: number): number;
  fsyncSync(fd: number): void;
  existsSync(path: string): boolean;
  accessSync(path: string, mode?: number): void;
  statSync(path: string): Stats;
  lstatSync(path: string): Stats;
  mkdirSync(path: string, options?: { mode?: number; recursive?: boolean }): void;
  rmdirSync(path: string): void;
  unlinkSync(path: string): void;
  rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  renameSync(from: string, to: string): void;
  readlinkSync(path: string): string;
  realpathSync(path: string): string;
  chmodSync(path: string, mode: number): void;
  readdirSync(path: string): string[];
  readdirSync(path: string, options: { withFileTypes: true }): Dirent[];
  /** flock(2), not node:fs's: LOCK_SH / LOCK_EX / LOCK_UN, optionally LOCK_NB (EWOULDBLOCK then) */
  flockSync(fd: number, op: 'sh' | 'ex' | 'un', nonblock?: boolean): void;
  /** poll(2) for input (or hang-up) on one fd, at most `timeoutMs`, not node:fs's; under Node a sleep */
  waitReadable(fd: number, timeoutMs: number): void;
}

export const fs: Fs = (process.versions as Record<string, string | undefined>)['bun'] ? libcFs() : nodeFs();

function nodeFs(): Fs {
  const flockSync: Fs['flockSync'] = (fd, op, nonblock = false) => {
    const { native } = require('./addon') as typeof import('./addon');
    native().flock(fd, op, nonblock);
  };
  const waitReadable: Fs['waitReadable'] = (_fd, timeoutMs) => sleepMs(Math.min(timeoutMs, 1));
  return { ...(require('node:fs') as Omit<Fs, 'flockSync' | 'waitReadable'>), flockSync, waitReadable };
}

// ---------------------------------------------------------------------------------------------
// libc through Bun's FFI

function libcFs(): Fs {
  const c = libc();
  const { errno } = c;

  const arm = process.arch === 'arm64';
  const constants = {
    O_RDONLY: 0,
    O_WRONLY: 1,
    O_RDWR: 2,
    O_CREAT: 0o100,
    O_EXCL: 0o200,
    O_TRUNC: 0o1000,
    O_APPEND: 0o2000,
    O_NONBLOCK: 0o4000,
    O_DIRECTORY: arm ? 0o40000 : 0o200000,
    O_NOFOLLOW: arm ? 0o100000 : 0o400000,
    F_OK: 0,
  };
  const O_CLOEXEC = 0o2000000;
  const AT_FDCWD = -100;
  const AT_SYMLINK_NOFOLLOW = 0x100;
  const STATX_BASIC_STATS = 0x7ff;
  const S_IFMT = 0o170000;

  const enc = new TextEncoder();
  const utf8 = new TextDecoder();
  const z = (s: string): Uint8Array => enc.encode(s + '\0');

  function fail(syscall: string, path?: string, dest?: string): never {
    const n = errno();
    const code = String(c.strerrorname_np(n) ?? `E${n}`);
    const text = String(c.strerror(n) ?? `errno ${n}`);
    const where = path === undefined ? '' : dest === undefined ? ` '${path}'` : ` '${path}' -> '${dest}'`;
    const e = new Error(`${code}: ${text.charAt(0).toLowerCase() + text.slice(1)}, ${syscall}${where}`) as Error & Record<string, unknown>;
    e['errno'] = -n;
    e['code'] = code;
    e['syscall'] = syscall;
    if (path !== undefined) e['path'] = path;
    if (dest !== undefined) e['dest'] = dest;
    throw e;
  }
  const check = (r: number, syscall: string, path?: string, dest?: string): number => (r < 0 ? fail(syscall, path, dest) : r);

  function flagsOf(f: number | string): number {
    if (typeof f === 'number') return f;
    const C = constants;
    if (f === 'r') return C.O_RDONLY;
    if (f === 'w') return C.O_WRONLY | C.O_CREAT | C.O_TRUNC;
    if (f === 'wx') return C.O_WRONLY | C.O_CREAT | C.O_TRUNC | C.O_EXCL;
    if (f === 'a') return C.O_WRONLY | C.O_CREAT | C.O_APPEND;
    throw new TypeError(`open flags ${f} are not supported here`);
  }
  const openSync = (path: string, flags: number | string, mode = 0o666): number =>
    check(c.open(z(path), flagsOf(flags) | O_CLOEXEC, mode), 'open', path);
  const closeSync = (fd: number): void => void check(c.close(fd), 'close');

  function readAll(fd: number): Uint8Array {
    let buf = new Uint8Array(8192);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      const n = c.read(fd, buf.subarray(len), buf.length - len);
      if (n < 0) fail('read');
      if (n === 0) return buf.subarray(0, len);
      len += n;
    }
  }
  function latin1(b: Uint8Array): string {
    let s = '';
    for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
    return s;
  }
  function writeAll(fd: number, b: Uint8Array): void {
    for (let off = 0; off < b.length; ) off += check(c.write(fd, b.subarray(off), b.length - off), 'write');
  }

  function stat(path: string, flags: number, syscall: string): Stats {
    const b = new Uint8Array(256);
    check(c.statx(AT_FDCWD, z(path), flags, STATX_BASIC_STATS, b), syscall, path);
    const v = new DataView(b.buffer);
    const mode = v.getUint16(28, true);
    const t = (off: number) => Number(v.getBigInt64(off, true)) * 1000 + v.getUint32(off + 8, true) / 1e6;
    const type = mode & S_IFMT;
    return {
      mode,
      uid: v.getUint32(20, true),
      gid: v.getUint32(24, true),
      ino: Number(v.getBigUint64(32, true)),
      size: Number(v.getBigUint64(40, true)),
      dev: v.getUint32(136, true) * 256 + v.getUint32(140, true),
      ctimeMs: t(96),
      mtimeMs: t(112),
      isDirectory: () => type === 0o040000,
      isFile: () => type === 0o100000,
      isSymbolicLink: () => type === 0o120000,
      isFIFO: () => type === 0o010000,
    };
  }

  function dirents(path: string): Dirent[] {
    const fd = check(c.open(z(path), constants.O_RDONLY | constants.O_DIRECTORY | O_CLOEXEC, 0), 'scandir', path);
    const out: Dirent[] = [];
    try {
      const buf = new Uint8Array(32768);
      const v = new DataView(buf.buffer);
      for (;;) {
        const n = c.getdents64(fd, buf, buf.length);
        if (n < 0) fail('scandir', path);
        if (n === 0) break;
        for (let off = 0; off < n; ) {
          const reclen = v.getUint16(off + 16, true);
          let dtype = buf[off + 18]!;
          let end = off + 19;
          while (buf[end] !== 0) end++;
          const name = utf8.decode(buf.subarray(off + 19, end));
          off += reclen;
          if (name === '.' || name === '..') continue;
          if (dtype === 0) {
            // DT_UNKNOWN: the filesystem does not say; ask lstat
            const st = stat(`${path}/${name}`, AT_SYMLINK_NOFOLLOW, 'lstat');
            dtype = st.isDirectory() ? 4 : st.isSymbolicLink() ? 10 : st.isFile() ? 8 : 1;
          }
          const t = dtype;
          out.push({ name, isDirectory: () => t === 4, isFile: () => t === 8, isSymbolicLink: () => t === 10 });
        }
      }
    } finally {
      c.close(fd);
    }
    return out;
  }

  function mkdirSync(path: string, o: { mode?: number; recursive?: boolean } = {}): void {
    const mode = o.mode ?? 0o777;
    if (c.mkdir(z(path), mode) === 0) return;
    const err = errno();
    if (!o.recursive) fail('mkdir', path);
    if (err === 17 /* EEXIST */) {
      if (stat(path, 0, 'stat').isDirectory()) return;
      fail('mkdir', path);
    }
    if (err !== 2 /* ENOENT */) fail('mkdir', path);
    const up = path.replace(/\/+[^/]*\/*$/, '');
    if (up === '' || up === path) fail('mkdir', path);
    mkdirSync(up, o);
    if (c.mkdir(z(path), mode) !== 0 && errno() !== 17) fail('mkdir', path);
  }

  function rmSync(path: string, o: { recursive?: boolean; force?: boolean } = {}): void {
    let st: Stats;
    try {
      st = stat(path, AT_SYMLINK_NOFOLLOW, 'lstat');
    } catch (e) {
      if (o.force && (e as { code?: string }).code === 'ENOENT') return;
      throw e;
    }
    if (!st.isDirectory()) {
      if (c.unlink(z(path)) !== 0 && !(o.force && errno() === 2)) fail('unlink', path);
      return;
    }
    if (!o.recursive) {
      const e = new Error(`Path is a directory: rm returned EISDIR (is a directory) ${path}`) as Error & Record<string, unknown>;
      e['code'] = 'ERR_FS_EISDIR';
      throw e;
    }
    for (const d of dirents(path)) rmSync(`${path}/${d.name}`, o);
    if (c.rmdir(z(path)) !== 0 && !(o.force && errno() === 2)) fail('rmdir', path);
  }

  function readdirSync(path: string): string[];
  function readdirSync(path: string, o: { withFileTypes: true }): Dirent[];
  function readdirSync(path: string, o?: { withFileTypes: true }): string[] | Dirent[] {
    const list = dirents(path);
    return o?.withFileTypes ? list : list.map((d) => d.name);
  }

  return {
    constants,
    readFileSync(path, encoding) {
      const fd = openSync(path, constants.O_RDONLY);
      try {
        const b = readAll(fd);
        return encoding === 'latin1' ? latin1(b) : utf8.decode(b);
      } finally {
        c.close(fd);
      }
    },
    writeFileSync(path, data, o = {}) {
      const fd = openSync(path, o.flag ?? 'w', o.mode ?? 0o666);
      try {
        writeAll(fd, enc.encode(data));
      } finally {
        c.close(fd);
      }
    },
    appendFileSync(path, data) {
      const fd = openSync(path, 'a');
      try {
        writeAll(fd, enc.encode(data));
      } finally {
        c.close(fd);
      }
    },
    openSync,
    closeSync,
    readSync(fd, buf, offset, length) {
      return check(c.read(fd, buf.subarray(offset), length), 'read');
    },
    writeSync(fd, data, offset = 0, length?) {
      const b = typeof data === 'string' ? enc.encode(data) : data;
      const n = length ?? b.length - offset;
      return check(c.write(fd, b.subarray(offset), n), 'write');
    },
    fsyncSync: (fd) => void check(c.fsync(fd), 'fsync'),
    existsSync: (path) => c.access(z(path), 0) === 0,
    accessSync: (path, mode = 0) => void check(c.access(z(path), mode), 'access', path),
    statSync: (path) => stat(path, 0, 'stat'),
    lstatSync: (path) => stat(path, AT_SYMLINK_NOFOLLOW, 'lstat'),
    mkdirSync,
    rmdirSync: (path) => void check(c.rmdir(z(path)), 'rmdir', path),
    unlinkSync: (path) => void check(c.unlink(z(path)), 'unlink', path),
    rmSync,
    renameSync: (from, to) => void check(c.rename(z(from), z(to)), 'rename', from, to),
    readlinkSync(path) {
      const b = new Uint8Array(4096);
      const n = check(c.readlink(z(path), b, b.length), 'readlink', path);
      return utf8.decode(b.subarray(0, n));
    },
    realpathSync(path) {
      const b = new Uint8Array(4097); // PATH_MAX + 1
      if (!c.realpath(z(path), b)) fail('lstat', path); // node:fs walks the path with lstat and names it
      return utf8.decode(b.subarray(0, b.indexOf(0)));
    },
    chmodSync: (path, mode) => void check(c.chmod(z(path), mode), 'chmod', path),
    readdirSync,
    waitReadable(fd, timeoutMs) {
      const p = new Uint8Array(8); // struct pollfd { int fd; short events; short revents; }
      const v = new DataView(p.buffer);
      v.setInt32(0, fd, true);
      v.setInt16(4, 1 /* POLLIN */, true);
      if (c.poll(p, 1, timeoutMs) < 0 && errno() !== 4 /* EINTR */) fail('poll');
    },
    flockSync(fd, op, nonblock = false) {
      const how = (op === 'sh' ? 1 : op === 'ex' ? 2 : 8) | (nonblock ? 4 : 0);
      for (;;) {
        if (c.flock(fd, how) === 0) return;
        if (errno() !== 4 /* EINTR */) fail('flock');
      }
    },
  };
}
