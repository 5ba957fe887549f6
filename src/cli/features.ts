import type { CommandSpec, Parsed } from './args';
import type { Globals } from './globals';
import { features } from '../runtime/features';

export const command: CommandSpec = {
  name: 'features',
  describe: 'show the enabled features (the runtime-spec features document)',
  usage: 'features',
  options: {},
};

export function handler(_p: Parsed, _g: Globals): number {
  process.stdout.write(JSON.stringify(features(), null, 4) + '\n');
  return 0;
}
