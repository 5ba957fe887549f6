/**
 * A console socket receiver for tests of process.terminal: test/support/console-receiver.py
 * listening on a fresh AF_UNIX socket, taking the pty master as containerd and conmon do.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { hostFile, waitFor } from './bundle';

const RECEIVER = path.join(__dirname, 'console-receiver.py');

/** python3 >= 3.9 (socket.recv_fds), which the receiver needs */
export const HAVE_PYTHON = spawnSync('python3', ['-c', 'import socket; socket.recv_fds'], { stdio: 'ignore' }).status === 0;

export interface Received {
  payload: string | null;
  nfds: number;
  rows: number;
  cols: number;
  output: string;
  error: string;
}

/** A console socket with the receiver listening on it; it types `line` and reads until `marker`. */
export function receiver(line?: string, marker?: string): { sock: string; result: () => Received; stop: () => void } {
  const dir = hostFile('console');
  fs.mkdirSync(dir);
  const sock = path.join(dir, 'sock');
  const out = path.join(dir, 'result.json');
  const args = [RECEIVER, sock, out, ...(line !== undefined ? [line, marker ?? ''] : [])];
  const child = spawn('python3', args, { stdio: 'ignore' });
  child.unref();
  expect(waitFor(() => fs.existsSync(sock), 5_000), 'the receiver listens').toBe(true);
  return {
    sock,
    result: () => {
      const done = waitFor(() => fs.existsSync(out), 15_000);
      if (!done) child.kill('SIGKILL');
      expect(done, 'the receiver finished').toBe(true);
      return JSON.parse(fs.readFileSync(out, 'utf8')) as Received;
    },
    stop: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
