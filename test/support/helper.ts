/**
 * test/support/hz-helper.c, built static once per test file (`cc -static`), and a config patch that
 * bind-mounts it at /usr/local/bin/hz-helper: the socket calls and raw syscalls busybox has no
 * applet for.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect } from 'vitest';
import { hostFile, REPO, type Spec } from './bundle';

let built: string | undefined;

export function hzHelper(): string {
  if (!built) {
    const out = hostFile('hz-helper');
    const cc = spawnSync('cc', ['-static', '-O2', '-o', out, path.join(REPO, 'test', 'support', 'hz-helper.c')], { encoding: 'utf8' });
    expect(cc.status, `cc -static hz-helper.c: ${cc.stderr}`).toBe(0);
    built = out;
  }
  return built;
}

/** the helper bind-mounted at /usr/local/bin/hz-helper */
export const withHzHelper = (s: Spec): void => void s.mounts.push({ destination: '/usr/local/bin/hz-helper', type: 'bind', source: hzHelper(), options: ['bind', 'ro'] });
