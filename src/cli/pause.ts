import type { CommandSpec, Parsed } from './args';
import type { Globals } from './globals';
import { pause } from '../runtime/pause';
import { StateStore } from '../runtime/state-store';

export const command: CommandSpec = {
  name: 'pause',
  arity: { min: 1, max: 1 },
  describe: 'pause suspends all processes inside the container',
  argsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container to be
paused. `,
  description: 'The pause command suspends all processes in the instance of the container.',
  options: {},
};

export function handler(p: Parsed, g: Globals): number {
  pause(new StateStore(g.root), p.positionals[0] ?? '');
  return 0;
}
