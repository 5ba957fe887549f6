import type { CommandSpec, Parsed } from './args';
import type { Globals } from './globals';
import { features } from '../runtime/features';
import { out } from '../runtime/output';

export const command: CommandSpec = {
  name: 'features',
  arity: { min: 0, max: 0 },
  describe: 'show the enabled features (the runtime-spec features document)',
  argsUsage: '',
  description: 'Show the enabled features: the runtime-spec features document (JSON).',
  options: {},
};

export function handler(_p: Parsed, _g: Globals): number {
  out(JSON.stringify(features(), null, 4) + '\n');
  return 0;
}
