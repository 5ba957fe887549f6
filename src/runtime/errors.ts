/**
 * Errors the user sees. Messages follow runc's wording where clients parse them
 * (containerd shows the `msg` of the last error log line).
 */
export class HeziError extends Error {
  constructor(
    message: string,
    /** process exit status */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'HeziError';
  }
}

export const E = {
  notExist: () => new HeziError('container does not exist'),
  exists: () => new HeziError('container with given ID already exists'),
  invalidId: () => new HeziError('invalid container ID format'),
  notRunning: () => new HeziError('container not running'),
  notCreated: (status: string) =>
    new HeziError(
      status === 'stopped'
        ? 'cannot start a container that has stopped'
        : status === 'running'
          ? 'cannot start an already running container'
          : `cannot start a container in the ${status} state`,
    ),
  notStopped: (id: string, status: string) => new HeziError(`cannot delete container ${id} that is not stopped: ${status}`),
  usage: (msg: string) => new HeziError(msg),
};

/** errno number → "operation not permitted" (libc text, lower-cased first letter as Go does). */
export function errnoText(errno: number): string {
  try {
    // lazy: the addon is loaded only when an errno has to be worded
    const { native } = require('../native/addon') as typeof import('../native/addon');
    const t = native().strerror(errno);
    return t.charAt(0).toLowerCase() + t.slice(1);
  } catch {
    return `errno ${errno}`;
  }
}

/** Node's SystemError → "no such file or directory" */
export function sysText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.errno === 'number') return errnoText(Math.abs(err.errno));
  return err instanceof Error ? err.message : String(e);
}

/**
 * The one sentence for any failure: a HeziError's message; a system call's error as runc words it
 * ("open /missing/dir/p: no such file or directory"); anything else by its message, never a stack.
 */
export function errorMessage(e: unknown): string {
  if (e instanceof HeziError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.errno === 'number' && typeof err.syscall === 'string') {
    const target = err.path ? ` ${err.path}${(err as { dest?: string }).dest ? ` ${(err as { dest?: string }).dest}` : ''}` : '';
    return `${err.syscall}${target}: ${errnoText(Math.abs(err.errno))}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** The op the init reports about, as the plan described it (src/plan/ops.ts). */
export interface InitOp {
  code: string;
  what: string;
  /** errno → the words for it at this step (ops.ts) */
  explain?: Readonly<Partial<Record<number, string>>> | undefined;
}

/** A wait status → "exit status 3" / "signal: bad system call" (Go's words, as runc prints them). */
export function waitStatusText(status: number): string {
  const sig = status & 0x7f;
  if (!sig) return `exit status ${(status >> 8) & 0xff}`;
  const { signalText } = require('../linux/signals') as typeof import('../linux/signals');
  return `signal: ${signalText(sig)}`;
}

/** {op index, errno, wait status} from the init → one sentence naming the step (create, exec, start). */
export function initFailureText(o: InitOp | undefined, index: number, err: number, status: number): string {
  const what = o?.what ?? `step ${index}`;
  if (o?.code === 'LOOKUP_EXEC' && err === 2) return `${what}: executable file not found in $PATH`;
  if (o?.code === 'RUN_HOOK') {
    if (err === 0) return `error ${what}: ${waitStatusText(status)}`;
    if (err === 110) return `error ${what}: timed out`;
    return `error ${what}: ${errnoText(err)}`;
  }
  return `${what}: ${o?.explain?.[err] ?? errnoText(err)}`;
}
