/**
 * The runtime's side of seccomp: compile the profile before anything is created (a bad profile
 * or a missing libseccomp leaves nothing behind), and hand a notify listener to the seccomp agent
 * at `listenerPath` (config-linux.md "The Container Process State").
 */
import { fs } from '../native/fs';
import * as path from '../linux/path';
import type { LinuxSeccomp } from '../../spec';
import type { SeccompProgram } from '../linux/seccomp';
import { HeziError, sysText } from './errors';
import { log } from './log';

/** Compiled filters live here, one file per profile hash; not a container (StateStore.list skips it). */
export const SECCOMP_CACHE_DIR = '.seccomp-cache';

/** Check and compile `linux.seccomp` (cached under <root>/.seccomp-cache); errors are worded for the user. */
export function prepareSeccomp(s: LinuxSeccomp, stateRoot: string): SeccompProgram {
  const sc = require('../linux/seccomp') as typeof import('../linux/seccomp');
  let prog: SeccompProgram;
  try {
    prog = sc.compileSeccomp(s, { cacheDir: path.join(stateRoot, SECCOMP_CACHE_DIR) });
  } catch (e) {
    if (e instanceof sc.SeccompConfigError) throw new HeziError(`invalid config: ${e.message}`);
    if (e instanceof sc.SeccompError) throw new HeziError(e.message);
    throw e;
  }
  for (const name of prog.skipped) log.debug(`unknown seccomp syscall "${name}" ignored`);
  for (const note of prog.notes) log.debug(`seccomp: ${note}`);
  log.debug(`seccomp: ${prog.bpf.length / 8} BPF instructions${prog.cached ? ' (cached)' : ''}, flags 0x${prog.flags.toString(16)}`);
  return prog;
}

export interface ListenerState {
  ociVersion: string;
  /** the container process (as the runtime sees it) */
  pid: number;
  metadata?: string | undefined;
  state: { ociVersion: string; id: string; status: string; pid: number; bundle: string; annotations?: Record<string, string> | undefined };
}

/**
 * Connect to the agent's unix stream socket and send the container process state with the
 * listener fd as SCM_RIGHTS in the first sendmsg; one state per connection, then close.
 */
export function sendSeccompListener(listenerPath: string, fd: number, s: ListenerState): void {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  const n = native();
  const state: Record<string, unknown> = { ociVersion: s.state.ociVersion, id: s.state.id, status: s.state.status, pid: s.state.pid, bundle: s.state.bundle };
  if (s.state.annotations && Object.keys(s.state.annotations).length) state['annotations'] = s.state.annotations;
  const msg: Record<string, unknown> = { ociVersion: s.ociVersion, fds: ['seccompFd'], pid: s.pid };
  if (s.metadata !== undefined) msg['metadata'] = s.metadata;
  msg['state'] = state;
  const data = Buffer.from(JSON.stringify(msg));
  let sock = -1;
  try {
    sock = n.connectUnix(listenerPath);
  } catch (e) {
    // runc's words (Go's net.Dial error inside)
    throw new HeziError(`failed to connect with seccomp agent specified in the seccomp profile: dial unix ${listenerPath}: connect: ${sysText(e)}`);
  }
  try {
    let sent = n.sendFds(sock, data, [fd]);
    while (sent < data.length) sent += fs.writeSync(sock, data, sent);
  } catch (e) {
    throw new HeziError(`send the seccomp listener to ${listenerPath}: ${sysText(e)}`);
  } finally {
    fs.closeSync(sock);
  }
}
