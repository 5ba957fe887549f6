import type { CommandTable } from './commands';

/**
 * The commands of the standalone executable's small program (src/standalone/hot.ts): the ones
 * that read only hezi's own state; containerd's shim and podman call them for every container.
 * Every other command line goes to the full program (all-commands.ts). dispatch.ts's
 * HOT_COMMANDS names the same commands.
 */
export const HOT_COMMAND_TABLE: CommandTable = {
  delete: () => require('./delete'),
  kill: () => require('./kill'),
  list: () => require('./list'),
  pause: () => require('./pause'),
  ps: () => require('./ps'),
  resume: () => require('./resume'),
  start: () => require('./start'),
  state: () => require('./state'),
};
