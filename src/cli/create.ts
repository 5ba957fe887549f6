import { CommandSpec, Parsed, bool, num, str } from './args';
import type { Globals } from './globals';
import { HeziError } from '../runtime/errors';

export const command: CommandSpec = {
  name: 'create',
  describe: 'create a container',
  usage: 'create <container-id>',
  options: {
    bundle: { type: 'string', alias: ['b'], describe: 'path to the root of the bundle directory, defaults to the current directory', default: '' },
    'console-socket': { type: 'string', describe: 'path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console\'s pseudoterminal' },
    'pid-file': { type: 'string', describe: 'specify the file to write the process id to' },
    'no-pivot': { type: 'boolean', describe: 'do not use pivot root to jail process inside rootfs' },
    'no-new-keyring': { type: 'boolean', describe: 'do not create a new session keyring for the container' },
    'preserve-fds': { type: 'number', describe: 'pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)', default: 0 },
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
    preserveFds: num(p.values, 'preserve-fds') + Number(process.env['LISTEN_FDS'] ?? 0),
  };
}

export function handler(p: Parsed, g: Globals): number {
  const { createContainer } = require('../runtime/create') as typeof import('../runtime/create');
  const { StateStore } = require('../runtime/state-store') as typeof import('../runtime/state-store');
  createContainer(new StateStore(g.root), createOptions(p));
  return 0;
}
