/**
 * NOTIFY_SOCKET (sd_notify) as runc proxies it: with NOTIFY_SOCKET in hezi's environment the
 * container gets <state dir>/notify bound read-only at /run/notify and NOTIFY_SOCKET=
 * /run/notify/notify.sock; hezi listens there from `start` (or `run`) on, and when the container
 * says READY=1 it tells the host's socket READY=1, MAINPID=<pid> and waits for systemd's BARRIER.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../../spec';
import { HeziError, sysText } from './errors';
import { log } from './log';
import type { StateStore } from './state-store';

export const NOTIFY_IN_CONTAINER = '/run/notify/notify.sock';

/** the directory that holds the container's end of the socket */
export function notifyDir(store: StateStore, id: string): string {
  return path.join(store.dir(id), 'notify');
}

/** runc's setupSpec: the bind mount and the env var (part of the stored config, as runc keeps them) */
export function withNotifySocket(spec: Spec, dir: string): Spec {
  const proc = spec.process ? { ...spec.process, env: [...(spec.process.env ?? []), `NOTIFY_SOCKET=${NOTIFY_IN_CONTAINER}`] } : spec.process;
  return {
    ...spec,
    ...(proc ? { process: proc } : {}),
    mounts: [...(spec.mounts ?? []), { destination: path.posix.dirname(NOTIFY_IN_CONTAINER), source: dir, options: ['bind', 'nosuid', 'noexec', 'nodev', 'ro'] }],
  };
}

/** Bind the container's datagram socket (mode 0777: the container's user sends to it). */
export function listenNotify(dir: string): number {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const sock = path.join(dir, path.posix.basename(NOTIFY_IN_CONTAINER));
  try {
    fs.rmSync(sock, { force: true });
    const fd = native().bindUnix(sock, 'dgram');
    fs.chmodSync(sock, 0o777);
    return fd;
  } catch (e) {
    throw new HeziError(`bind the notify socket ${sock}: ${sysText(e)}`);
  }
}

/** One datagram's READY= line, if it has one. */
function readyLine(data: Buffer): string | undefined {
  return data
    .toString()
    .split('\n')
    .find((l) => l.startsWith('READY='));
}

/** Wait (blocking) until the container says READY or `alive` turns false; then tell the host. */
export function awaitReady(listen: number, host: string, mainPid: number, alive: () => boolean): void {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  try {
    for (;;) {
      let pkt: { data: Buffer } | null = null;
      try {
        pkt = n.recvPacket(listen, 100);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw e;
      }
      const ready = pkt ? readyLine(pkt.data) : undefined;
      if (ready) return notifyHost(host, ready, mainPid);
      if (!alive()) return;
    }
  } finally {
    fs.closeSync(listen);
  }
}

/**
 * The same without blocking the event loop (`run` in the foreground, which forwards signals
 * meanwhile): polls every 100 ms. Returns a function that stops it.
 */
export function awaitReadyInBackground(listen: number, host: string, mainPid: number): () => void {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  const stop = (): void => {
    clearInterval(timer);
    try {
      fs.closeSync(listen);
    } catch {
      /* closed */
    }
  };
  const timer = setInterval(() => {
    for (;;) {
      let pkt: { data: Buffer } | null;
      try {
        pkt = n.recvPacket(listen, 0);
      } catch {
        return; // nothing there yet
      }
      const ready = pkt ? readyLine(pkt.data) : undefined;
      if (!ready) continue;
      stop();
      try {
        notifyHost(host, ready, mainPid);
      } catch (e) {
        log.warn((e as Error).message);
      }
      return;
    }
  }, 100);
  return stop;
}

/** READY, MAINPID, then sd_notify's BARRIER: a pipe's write end goes along, systemd closes it. */
function notifyHost(host: string, ready: string, mainPid: number): void {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  let client = -1;
  let r = -1;
  let w = -1;
  try {
    client = n.connectUnix(host, 'dgram');
    fs.writeSync(client, `${ready}\n`);
    fs.writeSync(client, `MAINPID=${mainPid}\n`);
    [r, w] = n.pipe();
    n.sendFds(client, Buffer.from('BARRIER=1'), [w]);
    fs.closeSync(w);
    w = -1;
    if (!n.waitReadable(r, 30_000)) log.warn('Timeout after waiting 30s for barrier. Ignored.');
    else if (fs.readSync(r, Buffer.alloc(1), 0, 1, null) !== 0) throw new HeziError('unexpected read from synchronization pipe');
  } catch (e) {
    if (e instanceof HeziError) throw e;
    throw new HeziError(`notify ${host}: ${sysText(e)}`);
  } finally {
    for (const fd of [client, r, w]) if (fd >= 0) fs.closeSync(fd);
  }
}
