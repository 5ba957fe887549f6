import { CommandSpec, Parsed, bool } from './args';
import type { Globals } from './globals';
import { command as create, createOptions } from './create';

export const command: CommandSpec = {
  name: 'run',
  describe: 'create and run a container',
  usage: 'run <container-id>',
  options: {
    ...create.options,
    detach: { type: 'boolean', alias: ['d'], describe: 'detach from the container\'s process' },
    keep: { type: 'boolean', describe: 'do not delete the container after it exits' },
  },
};

export function handler(p: Parsed, g: Globals): Promise<number> {
  const { runContainer } = require('../runtime/run') as typeof import('../runtime/run');
  const { StateStore } = require('../runtime/state-store') as typeof import('../runtime/state-store');
  return runContainer(new StateStore(g.root), { ...createOptions(p), detach: bool(p.values, 'detach'), keep: bool(p.values, 'keep') });
}
