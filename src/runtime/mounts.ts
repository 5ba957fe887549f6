import { mountInfo } from '../linux/proc';
import { namespaceEntry } from '../linux/namespaces';

const MNT_DETACH = 2;

/**
 * A container without its own mount namespace makes its mounts in the host's (as runc does);
 * unlike runc, hezi takes them down again: every mount at or below `rootfs`, deepest first.
 */
export function unmountUnder(rootfs: string): void {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const under = mountInfo()
    .map((m) => m.mountPoint)
    .filter((mp) => mp.startsWith(rootfs + '/'))
    .sort((a, b) => b.length - a.length);
  for (const mp of under) {
    try {
      native().umount2(mp, MNT_DETACH);
    } catch {
      /* already gone with its parent */
    }
  }
}

export function hasOwnMountNs(namespaces: ReadonlyArray<{ type: string; path?: string | undefined }> | undefined): boolean {
  return namespaceEntry(namespaces, 'mount') !== undefined;
}
