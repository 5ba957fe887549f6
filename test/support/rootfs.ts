/** Building the busybox rootfs that test bundles copy (no vitest imports: used by global setup). */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const MAKE_ROOTFS = path.resolve(__dirname, '..', '..', 'scripts', 'make-rootfs.sh');

/** Run scripts/make-rootfs.sh DIR; throws with its stderr on failure. */
export function buildRootfs(dir: string): void {
  const r = spawnSync('sh', [MAKE_ROOTFS, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${MAKE_ROOTFS} ${dir} failed (${r.status}): ${r.stderr}`);
}
