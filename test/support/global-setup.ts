/**
 * Vitest global setup for the integration project: builds the busybox rootfs once per run
 * (scripts/make-rootfs.sh) and hands its path to the test files as $HEZI_TEST_ROOTFS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildRootfs } from './rootfs';

export default function setup(): () => void {
  if (process.env.HEZI_TEST_ROOTFS) return () => {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-rootfs-'));
  buildRootfs(path.join(dir, 'rootfs'));
  process.env.HEZI_TEST_ROOTFS = path.join(dir, 'rootfs');
  return () => {
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env.HEZI_TEST_ROOTFS;
  };
}
