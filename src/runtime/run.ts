import { destroy, remove, start } from './container';
import { CreateOptions, createContainer } from './create';
import type { StateStore } from './state-store';

const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR2', 'SIGALRM', 'SIGCONT', 'SIGWINCH', 'SIGPWR'];

/**
 * `run` = create + start; in the foreground hezi becomes a child subreaper so the container's
 * init is re-parented to it, forwards signals, waits, deletes (unless --keep) and exits with the
 * container's exit code (128 + signal when it was killed).
 */
export async function runContainer(store: StateStore, o: CreateOptions & { detach: boolean; keep: boolean }): Promise<number> {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  if (!o.detach) n.setChildSubreaper(true);
  const { record } = createContainer(store, o);
  try {
    start(store, o.id);
  } catch (e) {
    try {
      process.kill(record.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    destroy(store, o.id, record);
    throw e;
  }
  if (o.detach) return 0;

  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      try {
        process.kill(record.pid, sig);
      } catch {
        /* gone */
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  const res = await n.waitPidAsync(record.pid);
  for (const [sig, h] of handlers) process.off(sig, h);
  if (!o.keep) remove(store, o.id, true);
  if (res.code !== null) return res.code;
  return 128 + (res.signal ?? 0);
}
