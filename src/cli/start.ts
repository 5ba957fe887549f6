import type { CommandSpec, Parsed } from './args';
import type { Globals } from './globals';
import { start } from '../runtime/container';
import { StateStore } from '../runtime/state-store';

export const command: CommandSpec = {
  name: 'start',
  arity: { min: 1, max: 1 },
  describe: 'executes the user defined process in a created container',
  argsUsage: `<container-id>

Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host.`,
  description: 'The start command executes the user defined process in a created container.',
  options: {},
};

export function handler(p: Parsed, g: Globals): number {
  start(new StateStore(g.root), p.positionals[0] ?? '', process.env['NOTIFY_SOCKET'] || undefined);
  return 0;
}
