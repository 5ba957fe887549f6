/**
 * Terminals (process.terminal), as runc does them:
 *   - the pty is made by the init inside the container (its devpts), the slave becomes the
 *     process's stdio and controlling terminal, and the master is sent over a console socket as one
 *     SCM_RIGHTS message whose data is "/dev/ptmx" (runc's SendFd(pty.Name())); containerd
 *     (go-runc console.go) and conmon (cmsg.c recvfd) expect exactly one fd in one message;
 *   - with --console-socket the master goes to the caller; `run`/`exec` in the foreground use a
 *     socket pair of hezi's own and proxy the master to hezi's stdio (raw mode on a tty stdin,
 *     window size + SIGWINCH), like `runc run -t`.
 */
import { fs } from '../native/fs';
import { HeziError, sysText } from './errors';

/**
 * runc's checkTerminal: a detached terminal needs a console socket, and a console socket needs a
 * terminal and detaching. `create` always detaches.
 */
export function checkTerminal(terminal: boolean, detach: boolean, consoleSocket: string | undefined): void {
  if (detach && terminal && !consoleSocket) throw new HeziError('cannot allocate tty if hezi will detach without setting console socket');
  if ((!detach || !terminal) && consoleSocket) throw new HeziError('cannot use console socket if hezi will not detach or allocate tty');
}

export interface ConsoleChannel {
  /** the socket handed to the init (an extra fd of spawnInit) */
  initFd: number;
  /** hezi's own end when hezi receives the master itself (attach) */
  recvFd?: number | undefined;
}

/**
 * The console socket for a process with a terminal: connected to --console-socket, or hezi's own
 * socket pair when it attaches (run/exec in the foreground). undefined without a terminal.
 */
export function openConsole(terminal: boolean, consoleSocket: string | undefined): ConsoleChannel | undefined {
  if (!terminal) return undefined;
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  if (consoleSocket) {
    try {
      return { initFd: n.connectUnix(consoleSocket) };
    } catch (e) {
      throw new HeziError(`connect to the console socket ${consoleSocket}: ${sysText(e)}`);
    }
  }
  const [mine, theirs] = n.socketPair();
  return { initFd: theirs, recvFd: mine };
}

export function closeQuietly(fd: number | undefined): void {
  if (fd === undefined || fd < 0) return;
  try {
    fs.closeSync(fd);
  } catch {
    /* closed */
  }
}

export interface AttachedTerminal {
  /** copy the host terminal's window size to the pty (SIGWINCH) */
  resize(): void;
  /** the process has exited: let its last output through, restore the host terminal */
  close(): Promise<void>;
}

/** The host terminal among hezi's stdio (for the window size), if any. */
function hostTtyFd(n: import('../native/addon').Native): number | undefined {
  for (const fd of [0, 1, 2]) {
    try {
      n.getWinsize(fd);
      return fd;
    } catch {
      /* not a tty */
    }
  }
  return undefined;
}

/**
 * The window size of hezi's own terminal (stdin, stdout or stderr), if it has one: the pty of a
 * process hezi attaches to starts with it (instead of process.consoleSize), so the process never
 * sees a size that changes under it.
 */
export function hostWinsize(): { rows: number; cols: number } | undefined {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  const fd = hostTtyFd(n);
  if (fd === undefined) return undefined;
  const ws = n.getWinsize(fd);
  return ws.rows > 0 && ws.cols > 0 ? ws : undefined;
}

/**
 * Receive the master on hezi's own console socket and proxy it: stdin → master (raw mode when
 * stdin is a tty), master → stdout. The pty keeps consoleSize unless hezi's stdio is a terminal,
 * whose size it then follows.
 */
export function attachTerminal(recvFd: number): AttachedTerminal {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  let got: ReturnType<typeof n.recvFd>;
  try {
    got = n.recvFd(recvFd, 30_000);
  } catch (e) {
    throw new HeziError(`receive the container's console: ${sysText(e)}`);
  } finally {
    closeQuietly(recvFd);
  }
  if (!got) throw new HeziError("receive the container's console: the socket was closed without a console");
  const master = got.fd;

  const hostFd = hostTtyFd(n);
  const resize = (): void => {
    if (hostFd === undefined) return;
    try {
      const ws = n.getWinsize(hostFd);
      if (ws.rows > 0 && ws.cols > 0) n.setWinsize(master, ws.rows, ws.cols);
    } catch {
      /* the host terminal went away */
    }
  };
  resize();

  // raw mode as runc's SetRaw (cfmakeraw: no echo, no line editing, no output processing: the
  // pty's own line discipline does all of that)
  let saved: Buffer | undefined;
  try {
    saved = n.makeRaw(0);
  } catch {
    /* stdin is not a terminal */
  }

  // the copying is one poll loop in the addon (a worker thread): stdin → master, master → stdout
  const proxy = n.ptyProxy(master, 0, 1);
  return {
    resize,
    async close(): Promise<void> {
      // the process has exited: what it wrote is still in the master; a background process that
      // keeps the slave open must not keep hezi waiting (the proxy stops once output is quiet)
      proxy.stop();
      await proxy.done;
      if (saved) {
        try {
          n.restoreTermios(0, saved);
        } catch {
          /* gone */
        }
      }
      closeQuietly(master);
    },
  };
}
