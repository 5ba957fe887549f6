import { CommandSpec, Parsed, str } from './args';
import type { Globals } from './globals';
import { ps } from '../runtime/ps';
import { StateStore } from '../runtime/state-store';
import { out } from '../runtime/output';

export const command: CommandSpec = {
  name: 'ps',
  arity: { min: 1 },
  describe: 'ps displays the processes running inside a container',
  argsUsage: '<container-id> [ps options]',
  options: {
    format: { type: 'string', alias: ['f'], describe: 'select one of: table or json', default: 'table' },
  },
  // everything after the id goes to ps(1)
  restAfter: 1,
};

export function handler(p: Parsed, g: Globals): number {
  const [id, ...psArgs] = p.positionals;
  out(ps(new StateStore(g.root), id ?? '', str(p.values, 'format') ?? 'table', psArgs));
  return 0;
}
