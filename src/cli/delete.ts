import { CommandSpec, Parsed, bool } from './args';
import type { Globals } from './globals';
import { remove } from '../runtime/container';
import { StateStore } from '../runtime/state-store';

export const command: CommandSpec = {
  name: 'delete',
  arity: { min: 1, max: 1 },
  aliases: ['rm'],
  describe: 'delete any resources held by the container often used with detached container',
  argsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container.`,
  options: {
    force: { type: 'boolean', alias: ['f'], describe: 'Forcibly deletes the container if it is still running (uses SIGKILL)' },
  },
};

export function handler(p: Parsed, g: Globals): number {
  remove(new StateStore(g.root), p.positionals[0] ?? '', bool(p.values, 'force'));
  return 0;
}
