import { CommandSpec, Parsed, bool, str } from './args';
import type { Globals } from './globals';
import { writeDefaultSpec } from '../runtime/default-spec';

export const command: CommandSpec = {
  name: 'spec',
  arity: { min: 0, max: 0 },
  describe: 'create a new specification file',
  description: `The spec command creates the new specification file named "config.json" for
the bundle, runc's default: edit it (process.args, mounts, ...) to suit the container.`,
  options: {
    bundle: { type: 'string', alias: ['b'], describe: 'path to the root of the bundle directory' },
    rootless: { type: 'boolean', describe: 'generate a configuration for a rootless container' },
  },
};

export function handler(p: Parsed, _g: Globals): number {
  writeDefaultSpec(str(p.values, 'bundle'), bool(p.values, 'rootless'));
  return 0;
}
