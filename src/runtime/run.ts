import { destroy, remove, start } from './container';
import { processAlive } from './status';
import { CreateOptions, createContainer } from './create';
import type { StateStore } from './state-store';
import { AttachedTerminal, attachTerminal } from './terminal';

const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR2', 'SIGALRM', 'SIGCONT', 'SIGWINCH', 'SIGPWR'];

/**
 * Forward the signals hezi gets to `pid` until the returned function is called. With a terminal,
 * SIGWINCH resizes the pty instead (the kernel then signals the pty's foreground process group).
 */
export function forwardSignals(pid: number, term?: AttachedTerminal): () => void {
  const handlers: Array<readonly [NodeJS.Signals, () => void]> = [];
  for (const sig of FORWARDED) {
    const h =
      sig === 'SIGWINCH' && term
        ? () => term.resize()
        : () => {
            try {
              process.kill(pid, sig);
            } catch {
              /* gone */
            }
          };
    process.on(sig, h);
    handlers.push([sig, h]);
  }
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

/** A wait status → the exit code hezi reports: the code, or 128 + the signal. */
export function exitCode(res: { code: number | null; signal: number | null }): number {
  if (res.code !== null) return res.code;
  return 128 + (res.signal ?? 0);
}

/**
 * `run` = create + start; in the foreground hezi becomes a child subreaper so the container's
 * init is re-parented to it, forwards signals, waits, deletes (unless --keep) and exits with the
 * container's exit code (128 + signal when it was killed). With process.terminal and no
 * --console-socket, hezi receives the pty master itself and proxies its own stdio (runc run -t).
 */
export async function runContainer(store: StateStore, o: CreateOptions & { detach: boolean; keep: boolean; noSubreaper?: boolean }): Promise<number> {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  // the container's process is hezi's child anyway (the init forks with CLONE_PARENT); the subreaper
  // is for the orphans of a container without a pid namespace
  if (!o.detach && !o.noSubreaper) n.setChildSubreaper(true);
  const { record, consoleRecv } = createContainer(store, { ...o, attachTerminal: !o.detach });
  let term: AttachedTerminal | undefined;
  let stopNotify: (() => void) | undefined;
  try {
    if (consoleRecv !== undefined) term = attachTerminal(consoleRecv);
    if (o.notifySocket) {
      // runc: `run -d` waits for READY (MAINPID the container's); in the foreground hezi reports itself
      const notify = require('./notify') as typeof import('./notify');
      const listen = notify.listenNotify(notify.notifyDir(store, o.id));
      start(store, o.id);
      if (o.detach) notify.awaitReady(listen, o.notifySocket, record.pid, () => processAlive(record.pid, record.startTime));
      else stopNotify = notify.awaitReadyInBackground(listen, o.notifySocket, process.pid);
    } else start(store, o.id);
  } catch (e) {
    try {
      process.kill(record.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await term?.close();
    destroy(store, o.id, record);
    throw e;
  }
  if (o.detach) return 0;

  const stop = forwardSignals(record.pid, term);
  const res = await n.waitPidAsync(record.pid);
  stop();
  stopNotify?.();
  await term?.close();
  if (!o.keep) remove(store, o.id, true);
  return exitCode(res);
}
