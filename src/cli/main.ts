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

/** name → loader; modules are required only when their command runs. In runc's --help order. */
export const COMMANDS: Record<string, () => CommandModule> = {
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
const ALIASES: Record<string, string> = { ls: 'list', rm: 'delete' };

/** A command name or alias → the command, undefined when there is none. */
export function resolveCommand(name: string): string | undefined {
  const n = ALIASES[name] ?? name;
  return Object.prototype.hasOwnProperty.call(COMMANDS, n) ? n : undefined;
}

/** urfave/cli's exit status and words for an unknown command */
const noSuchCommand = (name: string): HeziError => new HeziError(`No help topic for '${name}'`, 3);

async function main(argv: string[]): Promise<number> {
  const top = parseArgs(argv, GLOBAL_OPTIONS, 1);
  const g: Globals = {
    root: String(top.values['root'] ?? GLOBAL_OPTIONS['root']!.default),
    log: typeof top.values['log'] === 'string' ? top.values['log'] : undefined,
    logFormat: top.values['log-format'] === 'json' ? 'json' : 'text',
    debug: top.values['debug'] === true,
    systemdCgroup: top.values['systemd-cgroup'] === true,
    criu: String(top.values['criu'] ?? 'criu'),
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
  if (top.help || name0 === undefined || name0 === 'help' || name0 === 'h') {
    const topic = name0 === 'help' || name0 === 'h' ? rest[0] : undefined;
    if (!(require('./help') as typeof import('./help')).showHelp(topic)) throw noSuchCommand(topic ?? '');
    return 0;
  }
  const name = resolveCommand(name0);
  if (!name) throw noSuchCommand(name0);
  const mod = COMMANDS[name]!();
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
