import { CommandSpec, Parsed, bool, str } from './args';
import { CRIU_OPTIONS, criuFlags } from './checkpoint';
import type { Globals } from './globals';
import { HeziError } from '../runtime/errors';

export const command: CommandSpec = {
  name: 'restore',
  arity: { min: 1, max: 1 },
  describe: 'restore a container from a previous checkpoint',
  argsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container to be
restored.`,
  description: `Restores the saved state of the container instance that was previously saved
using the hezi checkpoint command (with CRIU).`,
  options: {
    'console-socket': { type: 'string', describe: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
    'image-path': { type: 'string', describe: 'path to criu image files for restoring' },
    ...CRIU_OPTIONS,
    bundle: { type: 'string', alias: ['b'], describe: 'path to the root of the bundle directory', default: '' },
    detach: { type: 'boolean', alias: ['d'], describe: "detach from the container's process" },
    'pid-file': { type: 'string', describe: 'specify the file to write the process id to' },
    'no-subreaper': { type: 'boolean', describe: 'disable the use of the subreaper used to reap reparented processes' },
    'no-pivot': { type: 'boolean', describe: 'do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk' },
    'lsm-profile': { type: 'string', describe: 'Specify an LSM profile to be used during restore in the form of TYPE:NAME.' },
    'lsm-mount-context': { type: 'string', describe: 'Specify an LSM mount context to be used during restore.' },
  },
};

export function handler(p: Parsed, g: Globals): Promise<number> {
  const id = p.positionals[0];
  if (!id) throw new HeziError('container id cannot be empty');
  const { restore } = require('../runtime/checkpoint') as typeof import('../runtime/checkpoint');
  const { StateStore } = require('../runtime/state-store') as typeof import('../runtime/state-store');
  const v = p.values;
  return restore(new StateStore(g.root), {
    ...criuFlags(v, g),
    id,
    bundle: str(v, 'bundle') || process.cwd(),
    consoleSocket: str(v, 'console-socket'),
    detach: bool(v, 'detach'),
    pidFile: str(v, 'pid-file'),
    noSubreaper: bool(v, 'no-subreaper'),
    noPivot: bool(v, 'no-pivot'),
    lsmProfile: str(v, 'lsm-profile'),
    lsmMountContext: str(v, 'lsm-mount-context'),
  });
}
