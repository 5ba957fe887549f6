import { fs } from '../native/fs';
import { HeziError, errorMessage } from './errors';
import { err } from './output';

/** runc-compatible logging: text `time="…" level=error msg="…"` or JSON lines. */
export interface LogOptions {
  file?: string | undefined;
  format: 'text' | 'json';
  debug: boolean;
}

let opts: LogOptions = { format: 'text', debug: false };
/** the --log file, opened once (append, as runc: a file that cannot be opened is an error) */
let logFd: { file: string; fd: number } | undefined;

export function configureLog(o: LogOptions): void {
  opts = o;
  if (o.file && logFd?.file !== o.file) {
    let fd: number;
    try {
      fd = fs.openSync(o.file, 'a', 0o644);
    } catch (e) {
      opts = { ...o, file: undefined }; // the error itself goes to stderr
      throw new HeziError(errorMessage(e));
    }
    if (logFd) fs.closeSync(logFd.fd);
    logFd = { file: o.file, fd };
  }
}

function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function line(level: string, msg: string): string {
  const time = rfc3339();
  if (opts.format === 'json') return JSON.stringify({ level, msg, time }) + '\n';
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function write(level: string, msg: string, alsoStderr: boolean): void {
  const l = line(level, msg);
  if (opts.file && logFd) {
    try {
      fs.writeSync(logFd.fd, l);
    } catch {
      /* a log we cannot write must not hide the error itself */
    }
    if (alsoStderr) err(msg + '\n');
  } else {
    err(l);
  }
}

export const log = {
  error(msg: string): void {
    write('error', msg, true);
  },
  warn(msg: string): void {
    write('warning', msg, false);
  },
  debug(msg: string): void {
    if (opts.debug) write('debug', msg, false);
  },
  /** --debug is on: a message that costs work to build is built only then */
  debugging(): boolean {
    return opts.debug;
  },
};
