import { fs } from '../native/fs';
import { sleepMs } from '../util/sleep';

const encoder = new TextEncoder();

/**
 * Write all of `s` to fd 1 or 2 synchronously. process.stdout/stderr would load the runtime's
 * stream machinery (milliseconds of every command's start-up) for one short write.
 */
export function writeAll(fd: 1 | 2, s: string): void {
  const buf = encoder.encode(s);
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      // a non-blocking pipe that is full: wait a little and go on
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      sleepMs(1);
    }
  }
}

export const out = (s: string): void => writeAll(1, s);
export const err = (s: string): void => writeAll(2, s);
