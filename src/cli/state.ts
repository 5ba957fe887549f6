import type { CommandSpec, Parsed } from './args';
import type { Globals } from './globals';
import { view } from '../runtime/container';
import { StateStore } from '../runtime/state-store';
import { out } from '../runtime/output';

export const command: CommandSpec = {
  name: 'state',
  arity: { min: 1, max: 1 },
  describe: 'output the state of a container',
  argsUsage: `<container-id>

Where "<container-id>" is your name for the instance of the container.`,
  description: `The state command outputs current state information for the
instance of a container.`,
  options: {},
};

export function handler(p: Parsed, g: Globals): number {
  out(JSON.stringify(view(new StateStore(g.root), p.positionals[0] ?? ''), null, 2) + '\n');
  return 0;
}
