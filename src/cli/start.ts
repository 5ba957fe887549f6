import type { CommandSpec, Parsed } from './args';
import type { Globals } from './globals';
import { start } from '../runtime/container';
import { StateStore } from '../runtime/state-store';

export const command: CommandSpec = {
  name: 'start',
  describe: 'executes the user defined process in a created container',
  usage: 'start <container-id>',
  options: {},
};

export function handler(p: Parsed, g: Globals): number {
  start(new StateStore(g.root), p.positionals[0] ?? '');
  return 0;
}
