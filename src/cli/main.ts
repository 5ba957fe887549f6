/**
 * Entry point. Parses runc's global flags, loads exactly one command module, runs it. No logic
 * lives here or in the command files: they call src/runtime.
 */
import { CommandSpec, Parsed, parseArgs } from './args';
import { GLOBAL_OPTIONS, Globals } from './globals';
import { HeziError, errorMessage } from '../runtime/errors';
import { configureLog, log } from '../runtime/log';
import { out } from '../runtime/output';

export interface CommandModule {
  command: CommandSpec;
  handler(p: Parsed, g: Globals): number | Promise<number>;
}

/** name → loader; modules are required only when their command runs. */
export const COMMANDS: Record<string, () => CommandModule> = {
  create: () => require('./create'),
  start: () => require('./start'),
  state: () => require('./state'),
  kill: () => require('./kill'),
  delete: () => require('./delete'),
  run: () => require('./run'),
  exec: () => require('./exec'),
  list: () => require('./list'),
  spec: () => require('./spec'),
  features: () => require('./features'),
  pause: () => require('./pause'),
  resume: () => require('./resume'),
  update: () => require('./update'),
  ps: () => require('./ps'),
  events: () => require('./events'),
};
const ALIASES: Record<string, string> = { ls: 'list', rm: 'delete' };

async function main(argv: string[]): Promise<number> {
  const top = parseArgs(argv, GLOBAL_OPTIONS, 1);
  const g: Globals = {
    root: String(top.values['root'] ?? GLOBAL_OPTIONS['root']!.default),
    log: typeof top.values['log'] === 'string' ? top.values['log'] : undefined,
    logFormat: top.values['log-format'] === 'json' ? 'json' : 'text',
    debug: top.values['debug'] === true,
    systemdCgroup: top.values['systemd-cgroup'] === true,
  };
  configureLog({ file: g.log, format: g.logFormat, debug: g.debug });
  if (top.values['log-format'] !== 'text' && top.values['log-format'] !== 'json')
    throw new HeziError(`invalid log-format: ${String(top.values['log-format'])}`);
  if (top.values['version'] === true) {
    const bun = (process.versions as Record<string, string | undefined>)['bun'];
    out(`hezi version 0.1.0\nspec: 1.3.0\n${bun ? `bun: ${bun}` : `node: ${process.version}`}\n`);
    return 0;
  }
  const [name0, ...rest] = top.positionals;
  if (top.help || name0 === undefined || name0 === 'help') {
    (require('./help') as typeof import('./help')).showHelp(name0 === 'help' ? rest[0] : undefined);
    return name0 === undefined && !top.help ? 1 : 0;
  }
  const name = ALIASES[name0] ?? name0;
  const load = COMMANDS[name];
  if (!load) throw new HeziError(`No help topic for '${name0}'`);
  const mod = load();
  const p = parseArgs(rest, { ...GLOBAL_OPTIONS, ...mod.command.options }, mod.command.restAfter);
  if (p.help) {
    (require('./help') as typeof import('./help')).showHelp(name);
    return 0;
  }
  // global flags given after the command name still count
  if (typeof p.values['log'] === 'string' && !g.log) g.log = p.values['log'];
  if (p.values['log-format'] === 'json') g.logFormat = 'json';
  const rootDefault = GLOBAL_OPTIONS['root']!.default;
  if (p.values['root'] !== rootDefault && typeof p.values['root'] === 'string' && top.values['root'] === rootDefault)
    g.root = p.values['root'];
  configureLog({ file: g.log, format: g.logFormat, debug: g.debug || p.values['debug'] === true });
  if (g.systemdCgroup || p.values['systemd-cgroup'] === true)
    (require('../runtime/cgroups') as typeof import('../runtime/cgroups')).configureCgroups({ systemd: true });
  return mod.handler(p, g);
}

// One exit for every command: the event loop is not drained (nothing is left in it: output is
// written synchronously), which saves the runtime's shutdown work. Every failure is one line.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    log.error(errorMessage(e));
    if (!(e instanceof HeziError) && e instanceof Error && e.stack) log.debug(e.stack);
    process.exit(e instanceof HeziError ? e.exitCode : 1);
  },
);
