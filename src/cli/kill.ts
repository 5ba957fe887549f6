import { CommandSpec, Parsed, bool } from './args';
import type { Globals } from './globals';
import { kill } from '../runtime/container';
import { StateStore } from '../runtime/state-store';

export const command: CommandSpec = {
  name: 'kill',
  arity: { min: 1, max: 2 },
  describe: 'kill sends the specified signal (default: SIGTERM) to the container\'s init process',
  argsUsage: `<container-id> [signal]

Where "<container-id>" is the name for the instance of the container and
"[signal]" is the signal to be sent to the init process.`,
  options: {
    all: { type: 'boolean', alias: ['a'], describe: 'send the specified signal to all processes inside the container' },
  },
};

export function handler(p: Parsed, g: Globals): number {
  kill(new StateStore(g.root), p.positionals[0] ?? '', p.positionals[1], bool(p.values, 'all'));
  return 0;
}
