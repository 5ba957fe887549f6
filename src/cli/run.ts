import { CommandSpec, Parsed, bool } from './args';
import type { Globals } from './globals';
import { command as create, createOptions } from './create';

export const command: CommandSpec = {
  name: 'run',
  arity: { min: 1, max: 1 },
  describe: 'create and run a container',
  argsUsage: `<container-id>

Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host.`,
  description: `The run command creates an instance of a container for a bundle and starts it.
The bundle is a directory with a specification file named "config.json" and a
root filesystem.`,
  options: {
    ...create.options,
    detach: { type: 'boolean', alias: ['d'], describe: 'detach from the container\'s process' },
    keep: { type: 'boolean', describe: 'do not delete the container after it exits' },
    'no-subreaper': { type: 'boolean', describe: 'disable the use of the subreaper used to reap reparented processes' },
  },
};

export function handler(p: Parsed, g: Globals): Promise<number> {
  const { runContainer } = require('../runtime/run') as typeof import('../runtime/run');
  const { StateStore } = require('../runtime/state-store') as typeof import('../runtime/state-store');
  return runContainer(new StateStore(g.root), {
    ...createOptions(p),
    detach: bool(p.values, 'detach'),
    keep: bool(p.values, 'keep'),
    noSubreaper: bool(p.values, 'no-subreaper'),
  });
}
