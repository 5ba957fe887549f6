/**
 * linux.netDevices: move host network devices into the container's network namespace, renamed,
 * with their permanent global addresses, and up (config-linux.md "Network Devices"). Done by
 * the runtime when the init, in its network namespace, stops at the NET_DEVICES sync.
 *
 * Nothing is moved back on delete: the runtime-spec says the runtime MUST NOT; when the
 * namespace goes, the kernel destroys virtual devices and returns physical ones to the initial
 * namespace. A namespace joined by path keeps what was moved into it.
 */
import * as fs from 'node:fs';
import type { LinuxNetDevice } from '../../spec';
import { formatPath } from '../../spec/errors';
import { addressText, keptAddresses, linksOf, replyErrno, req } from '../linux/netlink';
import { HeziError, errnoText } from './errors';
import { log } from './log';

const EEXIST = 17;
const ENODEV = 19;

/** Move every device of `devices` into the network namespace at `nsPath` (/proc/<init>/ns/net). */
export function moveNetDevices(devices: Record<string, LinuxNetDevice>, nsPath: string): void {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  const nl = (nsFd: number, ...requests: Buffer[]): Buffer[] => n.rtnetlink(nsFd, requests);
  let nsFd: number;
  try {
    nsFd = fs.openSync(nsPath, fs.constants.O_RDONLY);
  } catch (e) {
    throw new HeziError(`linux.netDevices: open the container's network namespace ${nsPath}: ${errnoText(Math.abs((e as NodeJS.ErrnoException).errno ?? 0))}`);
  }
  try {
    for (const [hostName, dev] of Object.entries(devices)) {
      const at = formatPath(['linux', 'netDevices', hostName]);
      const name = dev.name || hostName;
      const [linkReply, addrReply] = nl(-1, req.getLink(hostName), req.dumpAddrs());
      const err = replyErrno(linkReply!);
      if (err === ENODEV) throw new HeziError(`${at}: there is no network device "${hostName}" in the runtime's network namespace`);
      if (err) throw new HeziError(`${at}: look up the network device: ${errnoText(err)}`);
      const link = linksOf(linkReply!)[0];
      if (!link) throw new HeziError(`${at}: look up the network device: no link in the kernel's answer`);
      const addrs = keptAddresses(addrReply!, link.index);
      // with a %d template the kernel picks the name: the new link is the one that was not there.
      // Without one the name must be free first: the kernel moves, then renames, and a failing
      // rename would leave the device moved under its old name.
      const template = name.includes('%');
      const before = template ? new Set(linksOf(nl(nsFd, req.dumpLinks())[0]!).map((l) => l.index)) : undefined;
      if (!template && replyErrno(nl(nsFd, req.getLink(name))[0]!) !== ENODEV)
        throw new HeziError(`${at}: a network device named "${name}" already exists in the container's network namespace`);
      // down for the move (runc does the same), renamed and moved in one request
      const [down, moved] = nl(-1, req.setUp(link.index, false), req.moveTo(link.index, name, nsFd));
      if (replyErrno(down!)) throw new HeziError(`${at}: set ${hostName} down: ${errnoText(replyErrno(down!))}`);
      const moveErr = replyErrno(moved!);
      if (moveErr && link.flags & 1 /* IFF_UP */) nl(-1, req.setUp(link.index, true)); // as it was
      if (moveErr === EEXIST) throw new HeziError(`${at}: a network device named "${name}" already exists in the container's network namespace`);
      if (moveErr) throw new HeziError(`${at}: move ${hostName} into the container's network namespace as "${name}": ${errnoText(moveErr)}`);
      const inside = before
        ? linksOf(nl(nsFd, req.dumpLinks())[0]!).find((l) => !before.has(l.index))
        : linksOf(nl(nsFd, req.getLink(name))[0]!)[0];
      if (!inside) throw new HeziError(`${at}: the moved device is not in the container's network namespace`);
      const replies = nl(nsFd, req.setUp(inside.index, true), ...addrs.map((a) => req.addAddr(a, inside.index)));
      const upErr = replyErrno(replies[0]!);
      if (upErr) throw new HeziError(`${at}: set ${inside.name} up: ${errnoText(upErr)}`);
      addrs.forEach((a, k) => {
        const e = replyErrno(replies[k + 1]!);
        if (e) throw new HeziError(`${at}: keep the address ${addressText(a)} on ${inside.name}: ${errnoText(e)}`);
      });
      log.debug(`${at}: moved as ${inside.name} with ${addrs.map(addressText).join(', ') || 'no addresses'}`);
    }
  } finally {
    fs.closeSync(nsFd);
  }
}
