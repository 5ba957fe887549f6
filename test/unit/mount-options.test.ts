import { describe, expect, it } from 'vitest';
import { AT_RECURSIVE, MOUNT_ATTR, MS, parseMountOptions } from '../../src/linux/mount-options';

describe('mount options', () => {
  it('maps flags, clears and data', () => {
    const o = parseMountOptions(['nosuid', 'noexec', 'nodev', 'ro', 'mode=755', 'size=65536k']);
    expect(o.flags).toBe(MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY);
    expect(o.data).toEqual(['mode=755', 'size=65536k']);
  });
  it('a later rw clears an earlier ro', () => {
    expect(parseMountOptions(['ro', 'rw']).flags & MS.RDONLY).toBe(0);
  });
  it('rbind is bind + rec, propagation is separate', () => {
    const o = parseMountOptions(['rbind', 'rslave']);
    expect(o.flags).toBe(MS.BIND | MS.REC);
    expect(o.propagation).toEqual([MS.SLAVE | MS.REC]);
  });
  it('recursive attributes go to mount_setattr', () => {
    const o = parseMountOptions(['rro', 'rnosuid', 'rnoatime']);
    expect(o.attrSet).toBe(MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NOATIME);
    expect(o.attrClr).toBe(MOUNT_ATTR._ATIME);
    expect(AT_RECURSIVE).toBe(0x8000);
  });
});
