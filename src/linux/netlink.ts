/**
 * rtnetlink messages for linux.netDevices: the requests hezi sends (built here, sent by the
 * addon's rtnetlink) and the replies it reads. Only what moving a device needs: links by name
 * or index, a link's addresses, renaming a link into another network namespace, up/down.
 * Layouts: linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h.
 */

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
const NLM_F_CREATE = 0x400;
const NLM_F_REPLACE = 0x100;

export const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
const RTM_GETADDR = 22;

const IFLA_IFNAME = 3;
const IFLA_NET_NS_FD = 28;
const IFF_UP = 0x1;

const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_BROADCAST = 4;
const IFA_FLAGS = 8;
const IFA_F_PERMANENT = 0x80;
/** RT_SCOPE_UNIVERSE: the global scope the runtime-spec keeps addresses of */
const RT_SCOPE_UNIVERSE = 0;

export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  payload: Buffer;
}

let seq = 0;

function message(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + payload.length, 0);
  h.writeUInt16LE(type, 4);
  h.writeUInt16LE(flags | NLM_F_REQUEST | NLM_F_ACK, 6);
  h.writeUInt32LE(++seq, 8);
  return Buffer.concat([h, payload]);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function attr(type: number, data: Buffer): Buffer {
  const b = Buffer.alloc(align4(4 + data.length));
  b.writeUInt16LE(4 + data.length, 0);
  b.writeUInt16LE(type, 2);
  data.copy(b, 4);
  return b;
}

const cstr = (s: string) => Buffer.from(s + '\0');
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** struct ifinfomsg */
function ifinfo(index: number, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b;
}

/** Every message of a reply. */
export function parseMessages(buf: Buffer): NlMessage[] {
  const out: NlMessage[] = [];
  for (let off = 0; off + 16 <= buf.length; ) {
    const len = buf.readUInt32LE(off);
    if (len < 16 || off + len > buf.length) break;
    out.push({ type: buf.readUInt16LE(off + 4), flags: buf.readUInt16LE(off + 6), seq: buf.readUInt32LE(off + 8), payload: buf.subarray(off + 16, off + len) });
    off += align4(len);
  }
  return out;
}

/** rtattrs from `off` on: type → data (the last one wins) */
function parseAttrs(payload: Buffer, off: number): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  while (off + 4 <= payload.length) {
    const len = payload.readUInt16LE(off);
    if (len < 4 || off + len > payload.length) break;
    out.set(payload.readUInt16LE(off + 2) & 0x3fff, payload.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

/** The errno of a reply's NLMSG_ERROR (0: an ACK, or no error message at all). */
export function replyErrno(reply: Buffer): number {
  for (const m of parseMessages(reply)) if (m.type === NLMSG_ERROR) return Math.abs(m.payload.readInt32LE(0));
  return 0;
}

export interface Link {
  index: number;
  name: string;
  flags: number;
}

export interface Address {
  family: number;
  prefixlen: number;
  flags: number;
  scope: number;
  index: number;
  /** IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST as they came */
  attrs: Array<[number, Buffer]>;
}

function parseLink(m: NlMessage): Link {
  const name = parseAttrs(m.payload, 16).get(IFLA_IFNAME);
  return { index: m.payload.readInt32LE(4), flags: m.payload.readUInt32LE(8), name: name ? name.toString('latin1').replace(/\0.*$/s, '') : '' };
}

// ---- requests -------------------------------------------------------------------------------

export const req = {
  /** RTM_GETLINK by name */
  getLink: (name: string) => message(RTM_GETLINK, 0, Buffer.concat([ifinfo(0), attr(IFLA_IFNAME, cstr(name))])),
  dumpLinks: () => message(RTM_GETLINK, NLM_F_DUMP, ifinfo(0)),
  dumpAddrs: () => message(RTM_GETADDR, NLM_F_DUMP, Buffer.alloc(8)),
  /** IFF_UP on or off */
  setUp: (index: number, up: boolean) => message(RTM_NEWLINK, 0, ifinfo(index, up ? IFF_UP : 0, IFF_UP)),
  /** rename and move to the network namespace open at `nsFd`, in one request (no name clash in between) */
  moveTo: (index: number, name: string, nsFd: number) => message(RTM_NEWLINK, 0, Buffer.concat([ifinfo(index), attr(IFLA_IFNAME, cstr(name)), attr(IFLA_NET_NS_FD, u32(nsFd))])),
  /** an address as a dump showed it, on link `index` */
  addAddr: (a: Address, index: number) => {
    const h = Buffer.alloc(8);
    h.writeUInt8(a.family, 0);
    h.writeUInt8(a.prefixlen, 1);
    h.writeUInt8(a.flags & 0xff, 2);
    h.writeUInt8(a.scope, 3);
    h.writeUInt32LE(index, 4);
    return message(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, Buffer.concat([h, ...a.attrs.map(([t, d]) => attr(t, d)), attr(IFA_FLAGS, u32(a.flags))]));
  },
};

// ---- replies --------------------------------------------------------------------------------

export function linksOf(reply: Buffer): Link[] {
  return parseMessages(reply)
    .filter((m) => m.type === RTM_NEWLINK)
    .map(parseLink);
}

/** The permanent, global-scope addresses of link `index` (runtime-spec: what a move keeps). */
export function keptAddresses(reply: Buffer, index: number): Address[] {
  const out: Address[] = [];
  for (const m of parseMessages(reply)) {
    if (m.type !== RTM_NEWADDR) continue;
    const p = m.payload;
    const attrs = parseAttrs(p, 8);
    const flags = attrs.get(IFA_FLAGS)?.readUInt32LE(0) ?? p.readUInt8(2);
    const a: Address = { family: p.readUInt8(0), prefixlen: p.readUInt8(1), flags, scope: p.readUInt8(3), index: p.readUInt32LE(4), attrs: [] };
    if (a.index !== index || a.scope !== RT_SCOPE_UNIVERSE || !(flags & IFA_F_PERMANENT)) continue;
    for (const t of [IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST]) {
      const d = attrs.get(t);
      if (d) a.attrs.push([t, d]);
    }
    out.push(a);
  }
  return out;
}

/** "10.0.0.2/24", "fd00::2/64" */
export function addressText(a: Address): string {
  const d = a.attrs.find(([t]) => t === IFA_LOCAL)?.[1] ?? a.attrs.find(([t]) => t === IFA_ADDRESS)?.[1];
  if (!d) return '?';
  const ip = d.length === 4 ? [...d].join('.') : [...Array(8).keys()].map((k) => d.readUInt16BE(k * 2).toString(16)).join(':');
  return `${ip}/${a.prefixlen}`;
}

/** The kernel's dev_valid_name: 1 to 15 bytes, not "." or "..", no "/", ":" or whitespace. */
export function validDeviceName(name: string): boolean {
  return Buffer.byteLength(name) >= 1 && Buffer.byteLength(name) <= 15 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}
