/**
 * --pidfd-socket (runc >= 1.2): a pidfd of the container's (or exec's) process goes to the caller's
 * AF_UNIX socket as one SCM_RIGHTS message, so that it can signal exactly that process
 * (pidfd_send_signal) whatever happens to its pid.
 */
import * as fs from 'node:fs';
import { HeziError, sysText } from './errors';

/** Connect before anything is started: a socket nobody listens on fails the command early. */
export function connectPidfdSocket(path: string): number {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  try {
    return native().connectUnix(path);
  } catch (e) {
    throw new HeziError(`connect to the pidfd socket ${path}: ${sysText(e)}`);
  }
}

/** Send a pidfd of `pid` over `sock`, then close both. */
export function sendPidfd(sock: number, pid: number): void {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  let fd = -1;
  try {
    fd = n.pidfdOpen(pid);
    n.sendFds(sock, Buffer.from('pidfd'), [fd]);
  } catch (e) {
    throw new HeziError(`send a pidfd of process ${pid}: ${sysText(e)}`);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
    fs.closeSync(sock);
  }
}
