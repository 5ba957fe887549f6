import { CommandSpec, Parsed, bool, num, str } from './args';
import type { Globals } from './globals';
import { HeziError } from '../runtime/errors';

export const command: CommandSpec = {
  name: 'create',
  arity: { min: 1, max: 1 },
  describe: 'create a container',
  argsUsage: `<container-id>

Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host.`,
  description: `The create command creates an instance of a container for a bundle. The bundle
is a directory with a specification file named "config.json" and a root
filesystem. The container's process waits until "start" releases it.`,
  options: {
    bundle: { type: 'string', alias: ['b'], describe: 'path to the root of the bundle directory, defaults to the current directory', default: '' },
    'console-socket': { type: 'string', describe: 'path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console\'s pseudoterminal' },
    'pid-file': { type: 'string', describe: 'specify the file to write the process id to' },
    'no-pivot': { type: 'boolean', describe: 'do not use pivot root to jail process inside rootfs' },
    'no-new-keyring': { type: 'boolean', describe: 'do not create a new session keyring for the container' },
    'preserve-fds': { type: 'number', describe: 'Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)', default: 0 },
    'pidfd-socket': { type: 'string', describe: 'path to an AF_UNIX socket which will receive a file descriptor referencing the init process' },
  },
};

export function createOptions(p: Parsed) {
  const id = p.positionals[0];
  if (!id) throw new HeziError('container id cannot be empty');
  return {
    id,
    bundle: str(p.values, 'bundle') || process.cwd(),
    pidFile: str(p.values, 'pid-file'),
    consoleSocket: str(p.values, 'console-socket'),
    noPivot: bool(p.values, 'no-pivot'),
    noNewKeyring: bool(p.values, 'no-new-keyring'),
    // socket activation: LISTEN_FDS counts when LISTEN_PID is hezi itself (go-systemd's activation.Files)
    listenFds: listenFds(),
    preserveFds: num(p.values, 'preserve-fds') + listenFds(),
    pidfdSocket: str(p.values, 'pidfd-socket'),
    notifySocket: process.env['NOTIFY_SOCKET'] || undefined,
  };
}

function listenFds(): number {
  const n = Number(process.env['LISTEN_FDS']);
  return Number(process.env['LISTEN_PID']) === process.pid && Number.isInteger(n) && n > 0 ? n : 0;
}

export function handler(p: Parsed, g: Globals): number {
  const { createContainer } = require('../runtime/create') as typeof import('../runtime/create');
  const { StateStore } = require('../runtime/state-store') as typeof import('../runtime/state-store');
  createContainer(new StateStore(g.root), createOptions(p));
  return 0;
}
