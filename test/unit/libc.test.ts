/**
 * The libc binding of the standalone executable (src/native/libc.ts) runs only under Bun: this
 * runs it there, through Bun.FFI (dist/hezi's way) and through bun:ffi (the fallback).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '..', '..');

it('libc through Bun.FFI and through bun:ffi: reads, errno and its words, a bound-on-first-use call', () => {
  const r = spawnSync(path.join(REPO, 'node_modules', '.bin', 'bun'), [path.join(REPO, 'test', 'support', 'libc-check.ts')], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const want = { read: 'hello libc', closed: 0, missing: -1, errno: 2, code: 'ENOENT', text: 'No such file or directory', mkdir: 0, mode: 0o700 };
  expect(lines).toEqual([
    { name: 'Bun.FFI', ...want },
    { name: 'bun:ffi', ...want },
  ]);
});
