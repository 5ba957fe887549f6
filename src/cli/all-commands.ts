import type { CommandTable } from './commands';

/** Every command, in runc's --help order. */
export const COMMANDS: CommandTable = {
  checkpoint: () => require('./checkpoint'),
  create: () => require('./create'),
  delete: () => require('./delete'),
  events: () => require('./events'),
  exec: () => require('./exec'),
  kill: () => require('./kill'),
  list: () => require('./list'),
  pause: () => require('./pause'),
  ps: () => require('./ps'),
  restore: () => require('./restore'),
  resume: () => require('./resume'),
  run: () => require('./run'),
  spec: () => require('./spec'),
  start: () => require('./start'),
  state: () => require('./state'),
  update: () => require('./update'),
  features: () => require('./features'),
};
