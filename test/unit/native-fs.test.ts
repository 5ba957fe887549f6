/**
 * src/native/fs.ts under Bun is libc through Bun's FFI (the standalone executable never loads
 * node:fs on its hot commands). test/support/fs-check.ts runs each operation both ways, under the
 * Bun the project builds with, and every outcome (values, error code, errno, syscall) must match.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '..', '..');

describe('native fs (libc through bun:ffi) matches node:fs', () => {
  const r = spawnSync(path.join(REPO, 'node_modules', '.bin', 'bun'), [path.join(REPO, 'test', 'support', 'fs-check.ts')], { encoding: 'utf8', timeout: 60_000 });
  const lines = (r.stdout ?? '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; ours: unknown; node: unknown });

  it('the check ran under Bun', () => {
    expect(r.status, r.stderr).toBe(0);
    expect(lines.length).toBeGreaterThan(25);
  });
  for (const l of lines) it(l.name, () => expect(l.ours).toEqual(l.node));
});
