import type { CommandSpec, Parsed } from './args';
import type { Globals } from './globals';
import { resume } from '../runtime/pause';
import { StateStore } from '../runtime/state-store';

export const command: CommandSpec = {
  name: 'resume',
  arity: { min: 1, max: 1 },
  describe: 'resumes all processes that have been previously paused',
  argsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container to be
resumed.`,
  description: 'The resume command resumes all processes in the instance of the container.',
  options: {},
};

export function handler(p: Parsed, g: Globals): number {
  resume(new StateStore(g.root), p.positionals[0] ?? '');
  return 0;
}
