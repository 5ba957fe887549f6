/**
 * Without root: the rootless decisions (how the id maps are written, the default --root, which
 * configs need cgroups) and the rtnetlink messages of linux.netDevices (layouts from
 * linux/rtnetlink.h; the kernel's answers are exercised in test/integration/netdevices).
 */
import { describe, expect, it } from 'vitest';
import { defaultRoot } from '../../src/cli/globals';
import { addressText, keptAddresses, linksOf, parseMessages, replyErrno, req, validDeviceName } from '../../src/linux/netlink';
import { resourcesNeedCgroups } from '../../src/runtime/cgroups';
import { planUserMaps } from '../../src/runtime/usermaps';

const map = (containerID: number, hostID: number, size: number) => ({ containerID, hostID, size });

describe('rootless: id maps', () => {
  it('root writes every map itself', () => {
    expect(planUserMaps([map(0, 100000, 65536)], [map(0, 100000, 65536)], 0, 0)).toEqual({ uid: 'direct', gid: 'direct', denySetgroups: false });
  });

  it('a user maps its own ids directly, denying setgroups first; anything wider goes through newuidmap/newgidmap', () => {
    expect(planUserMaps([map(0, 1000, 1)], [map(0, 1000, 1)], 1000, 1000)).toEqual({ uid: 'direct', gid: 'direct', denySetgroups: true });
    expect(planUserMaps([map(0, 1000, 1), map(1, 100000, 65536)], [map(0, 1000, 1), map(1, 100000, 65536)], 1000, 1000)).toEqual({ uid: 'helper', gid: 'helper', denySetgroups: false });
    expect(planUserMaps([map(0, 1000, 1)], [map(0, 2000, 1)], 1000, 1000)).toEqual({ uid: 'direct', gid: 'helper', denySetgroups: false });
    expect(planUserMaps([map(0, 1000, 2)], [map(0, 1000, 1)], 1000, 1000).uid).toBe('helper');
  });

  it('the default --root: $XDG_RUNTIME_DIR/hezi for a user other than root', () => {
    expect(defaultRoot(0, '/run/user/0')).toBe('/run/hezi');
    expect(defaultRoot(1000, '/run/user/1000/')).toBe('/run/user/1000/hezi');
    expect(defaultRoot(1000, undefined)).toBe('/run/hezi');
  });

  it('which configs need their own cgroup (device rules alone do not, as in runc)', () => {
    expect(resourcesNeedCgroups(undefined)).toBe(false);
    expect(resourcesNeedCgroups({ devices: [{ allow: false, access: 'rwm' }] })).toBe(false);
    expect(resourcesNeedCgroups({ memory: {} })).toBe(false);
    expect(resourcesNeedCgroups({ pids: { limit: 5 } })).toBe(true);
  });
});

/** one netlink message as the kernel sends it */
function nlmsg(type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + payload.length, 0);
  h.writeUInt16LE(type, 4);
  return Buffer.concat([h, payload, Buffer.alloc((4 - (payload.length % 4)) % 4)]);
}
function rta(type: number, data: Buffer): Buffer {
  const b = Buffer.alloc((4 + data.length + 3) & ~3);
  b.writeUInt16LE(4 + data.length, 0);
  b.writeUInt16LE(type, 2);
  data.copy(b, 4);
  return b;
}
function ifaddr(family: number, prefixlen: number, flags: number, scope: number, index: number, local: number[]): Buffer {
  const h = Buffer.from([family, prefixlen, flags, scope, 0, 0, 0, 0]);
  h.writeUInt32LE(index, 4);
  const f = Buffer.alloc(4);
  f.writeUInt32LE(flags);
  return nlmsg(20, Buffer.concat([h, rta(2, Buffer.from(local)), rta(8, f)]));
}

describe('netDevices: rtnetlink messages', () => {
  it('the move: RTM_NEWLINK for the index, with the new name and the namespace fd, asking an ACK', () => {
    const m = parseMessages(req.moveTo(7, 'eth0', 42))[0]!;
    expect(m.type).toBe(16);
    expect(m.flags & 0x5).toBe(0x5); // NLM_F_REQUEST | NLM_F_ACK
    expect(m.payload.readInt32LE(4)).toBe(7);
    // IFLA_IFNAME "eth0\0", then IFLA_NET_NS_FD 42
    expect([...m.payload.subarray(16, 28)]).toEqual([9, 0, 3, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0]);
    expect([...m.payload.subarray(28, 36)]).toEqual([8, 0, 28, 0, 42, 0, 0, 0]);
  });

  it('up and down change IFF_UP only', () => {
    const up = parseMessages(req.setUp(3, true))[0]!.payload;
    expect([up.readUInt32LE(8), up.readUInt32LE(12)]).toEqual([1, 1]);
    const down = parseMessages(req.setUp(3, false))[0]!.payload;
    expect([down.readUInt32LE(8), down.readUInt32LE(12)]).toEqual([0, 1]);
  });

  it('kept addresses: permanent and global on that link only; an ACK and an error read as errno', () => {
    const dump = Buffer.concat([
      ifaddr(2, 24, 0x80, 0, 5, [10, 98, 0, 2]), // kept
      ifaddr(2, 32, 0x80, 0, 6, [10, 1, 1, 1]), // another link
      ifaddr(2, 8, 0x80, 254, 5, [127, 0, 0, 1]), // host scope
      ifaddr(2, 24, 0x00, 0, 5, [10, 98, 0, 3]), // not permanent (dynamic)
      nlmsg(3, Buffer.alloc(4)),
    ]);
    const kept = keptAddresses(dump, 5);
    expect(kept.map(addressText)).toEqual(['10.98.0.2/24']);
    const err = Buffer.alloc(20);
    err.writeInt32LE(-17, 0);
    expect(replyErrno(nlmsg(2, err))).toBe(17);
    expect(replyErrno(nlmsg(2, Buffer.alloc(20)))).toBe(0);
  });

  it('links: index and name from RTM_NEWLINK', () => {
    const info = Buffer.alloc(16);
    info.writeInt32LE(9, 4);
    info.writeUInt32LE(1, 8);
    expect(linksOf(nlmsg(16, Buffer.concat([info, rta(3, Buffer.from('veth9\0'))])))).toEqual([{ index: 9, name: 'veth9', flags: 1 }]);
  });

  it('device names as the kernel takes them', () => {
    for (const ok of ['eth0', 'eth%d', 'a'.repeat(15)]) expect(validDeviceName(ok), ok).toBe(true);
    for (const bad of ['', '.', '..', 'a/b', 'a:b', 'a b', 'a'.repeat(16)]) expect(validDeviceName(bad), bad).toBe(false);
  });
});
