import { CommandSpec, Parsed, bool, str } from './args';
import type { Globals } from './globals';
import { events } from '../runtime/events';
import { out } from '../runtime/output';
import { StateStore } from '../runtime/state-store';

export const command: CommandSpec = {
  name: 'events',
  arity: { min: 1, max: 1 },
  describe: "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
  argsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container.`,
  description: 'The events command displays information about the container. By default the information is displayed once every 5 seconds.',
  options: {
    interval: { type: 'string', describe: 'set the stats collection interval', default: '5s' },
    stats: { type: 'boolean', describe: "display the container's stats then exit" },
  },
};

export async function handler(p: Parsed, g: Globals): Promise<number> {
  // written synchronously, as every command's output is (the exit does not wait for a stream)
  await events(new StateStore(g.root), p.positionals[0] ?? '', { stats: bool(p.values, 'stats'), interval: str(p.values, 'interval') ?? '5s' }, out);
  return 0;
}
