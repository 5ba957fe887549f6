import type { CommandSpec, Parsed } from './args';
import type { Globals } from './globals';
import { view } from '../runtime/container';
import { StateStore } from '../runtime/state-store';
import { out } from '../runtime/output';

export const command: CommandSpec = {
  name: 'state',
  describe: 'output the state of a container',
  usage: 'state <container-id>',
  options: {},
};

export function handler(p: Parsed, g: Globals): number {
  out(JSON.stringify(view(new StateStore(g.root), p.positionals[0] ?? ''), null, 2) + '\n');
  return 0;
}
