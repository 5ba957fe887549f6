/**
 * Run with Bun (test/unit/libc.test.ts): src/native/libc.ts bound through Bun.FFI (what
 * dist/hezi uses) and through bun:ffi (its fallback), each exercised on real calls; prints one
 * JSON line per binding.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bindLibc } from '../../src/native/libc';

const z = (s: string) => new TextEncoder().encode(s + '\0');
const bindings = { 'Bun.FFI': bindLibc('Bun.FFI'), 'bun:ffi': bindLibc('bun:ffi') };
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-libc-')), 'f');
fs.writeFileSync(file, 'hello libc');
for (const [name, c] of Object.entries(bindings)) {
  const fd = c.open(z(file), 0, 0);
  const buf = new Uint8Array(64);
  const n = c.read(fd, buf, buf.length);
  const closed = c.close(fd);
  const missing = c.open(z(file + '.missing'), 0, 0);
  const errno = c.errno();
  const dir = file + `.${name.replace(/\W/g, '')}`;
  const mkdir = c.mkdir(z(dir), 0o700);
  const mode = fs.statSync(dir).mode & 0o777;
  console.log(JSON.stringify({ name, read: new TextDecoder().decode(buf.subarray(0, n)), closed, missing, errno, code: c.strerrorname_np(errno), text: c.strerror(errno), mkdir, mode }));
}
fs.rmSync(path.dirname(file), { recursive: true, force: true });
