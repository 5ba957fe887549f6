import { CommandSpec, Parsed, arr, bool, num, str } from './args';
import type { Globals } from './globals';
import { HeziError } from '../runtime/errors';
import type { ExecOptions } from '../runtime/exec';

export const command: CommandSpec = {
  name: 'exec',
  arity: { min: 1 },
  describe: 'execute new process inside the container',
  argsUsage: `<container-id> <command> [command options]  || -p process.json <container-id>

Where "<container-id>" is the name for the instance of the container and
"<command>" is the command to be executed in the container.
"<command>" can't be empty unless a "-p" flag provided.`,
  options: {
    'console-socket': { type: 'string', describe: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
    cwd: { type: 'string', describe: 'current working directory in the container' },
    env: { type: 'array', alias: ['e'], describe: 'set environment variables' },
    tty: { type: 'boolean', alias: ['t'], describe: 'allocate a pseudo-TTY' },
    user: { type: 'string', alias: ['u'], describe: 'UID (format: <uid>[:<gid>])' },
    'additional-gids': { type: 'array', alias: ['g'], describe: 'additional gids' },
    process: { type: 'string', alias: ['p'], describe: 'path to the process.json' },
    detach: { type: 'boolean', alias: ['d'], describe: "detach from the container's process" },
    'pid-file': { type: 'string', describe: 'specify the file to write the process id to' },
    'process-label': { type: 'string', describe: 'set the asm process label for the process commonly used with selinux (accepted)' },
    apparmor: { type: 'string', describe: 'set the apparmor profile for the process (accepted)' },
    'no-new-privs': { type: 'boolean', describe: 'set the no new privileges value for the process' },
    cap: { type: 'array', alias: ['c'], describe: 'add a capability to the bounding set for the process' },
    'preserve-fds': { type: 'number', describe: 'Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)', default: 0 },
    cgroup: { type: 'array', describe: 'run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.' },
    'ignore-paused': { type: 'boolean', describe: 'allow exec in a paused container' },
    'pidfd-socket': { type: 'string', describe: 'path to an AF_UNIX socket which will receive a file descriptor referencing the exec process' },
  },
  restAfter: 1,
};

/** Flags → ExecOptions (no checks beyond the syntax of numbers: the runtime checks the rest). */
export function execOptions(p: Parsed): ExecOptions {
  const id = p.positionals[0];
  if (!id) throw new HeziError('hezi: "exec" requires a minimum of 1 argument(s)');
  const v = p.values;
  const gids: number[] = [];
  for (const g of arr(v, 'additional-gids')) {
    if (!/^\d+$/.test(g) || Number(g) > 0xffffffff) throw new HeziError(`invalid value "${g}" for flag -additional-gids: parse error`);
    gids.push(Number(g));
  }
  return {
    id,
    args: p.positionals.slice(1),
    processFile: str(v, 'process'),
    tty: bool(v, 'tty'),
    consoleSocket: str(v, 'console-socket'),
    cwd: str(v, 'cwd'),
    env: arr(v, 'env'),
    user: str(v, 'user'),
    additionalGids: gids,
    caps: arr(v, 'cap'),
    noNewPrivs: typeof v['no-new-privs'] === 'boolean' ? v['no-new-privs'] : undefined,
    apparmor: str(v, 'apparmor'),
    processLabel: str(v, 'process-label'),
    detach: bool(v, 'detach'),
    pidFile: str(v, 'pid-file'),
    preserveFds: num(v, 'preserve-fds'),
    cgroup: arr(v, 'cgroup'),
    ignorePaused: bool(v, 'ignore-paused'),
    pidfdSocket: str(v, 'pidfd-socket'),
  };
}

export function handler(p: Parsed, g: Globals): Promise<number> {
  const { execContainer } = require('../runtime/exec') as typeof import('../runtime/exec');
  const { StateStore } = require('../runtime/state-store') as typeof import('../runtime/state-store');
  return execContainer(new StateStore(g.root), execOptions(p));
}
