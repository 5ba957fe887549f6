/**
 * The command line: parses runc's global flags, loads exactly one command module of the
 * program's table, runs it. No logic lives here or in the command files: they call src/runtime.
 */
import { arityError, parseArgs } from './args';
import { CommandTable, resolveCommand } from './commands';
import { GLOBAL_OPTIONS, Globals } from './globals';
import { exit } from '../native/exit';
import { HeziError, errorMessage } from '../runtime/errors';
import { configureLog, log } from '../runtime/log';
import { out } from '../runtime/output';

/** urfave/cli's exit status and words for an unknown command */
const noSuchCommand = (name: string): HeziError => new HeziError(`No help topic for '${name}'`, 3);

/** what main returns when the command line went to the other program (`handOff`) */
const HANDED_OFF = Symbol('handed off');

/** What a program gives runCli beside its table. */
export interface Program {
  /** where a command line that is not for this table goes (the small program's: the full one) */
  handOff?: () => void;
  /** --systemd-cgroup: the program that creates cgroups sets its driver (the small one has none to set) */
  systemdCgroup?: () => void;
  /** the help text (help.ts); a program without it hands --help off */
  showHelp?: (table: CommandTable, topic: string | undefined) => boolean;
}

async function main(argv: string[], table: CommandTable, program: Program): Promise<number | typeof HANDED_OFF> {
  const { handOff, showHelp } = program;
  const top = parseArgs(argv, GLOBAL_OPTIONS, 1);
  const [name0, ...rest] = top.positionals;
  // a command line that is not for this program's table goes on, untouched, to the full program
  if (handOff && (top.help || top.values['version'] === true || name0 === undefined || !resolveCommand(table, name0))) {
    handOff();
    return HANDED_OFF;
  }
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
  if (top.help || name0 === undefined || name0 === 'help' || name0 === 'h') {
    const topic = name0 === 'help' || name0 === 'h' ? rest[0] : undefined;
    if (!showHelp?.(table, topic)) throw noSuchCommand(topic ?? '');
    return 0;
  }
  const name = resolveCommand(table, name0);
  if (!name) throw noSuchCommand(name0);
  const mod = table[name]!();
  const p = parseArgs(rest, { ...GLOBAL_OPTIONS, ...mod.command.options }, mod.command.restAfter);
  if (p.help && !showHelp && handOff) {
    handOff();
    return HANDED_OFF;
  }
  if (p.help) {
    showHelp?.(table, name);
    return 0;
  }
  // global flags given after the command name still count
  if (typeof p.values['log'] === 'string' && !g.log) g.log = p.values['log'];
  if (p.values['log-format'] === 'json') g.logFormat = 'json';
  const rootDefault = GLOBAL_OPTIONS['root']!.default;
  if (p.values['root'] !== rootDefault && typeof p.values['root'] === 'string' && top.values['root'] === rootDefault)
    g.root = p.values['root'];
  configureLog({ file: g.log, format: g.logFormat, debug: g.debug || p.values['debug'] === true });
  const arity = arityError(name, mod.command.arity, p.positionals.length);
  if (arity) throw new HeziError(arity);
  if (g.systemdCgroup || p.values['systemd-cgroup'] === true) program.systemdCgroup?.();
  return mod.handler(p, g);
}

/**
 * Run the command line with the commands of `table`; one that is not for them (unknown command,
 * --help, --version) is given to `program.handOff` when there is one (the standalone executable's
 * small program hands it to the full one, which has the help text). One exit for every command:
 * the event loop is not drained (nothing is left in it: output is written synchronously), which
 * saves the runtime's shutdown work, and the address space is torn down off the caller's clock
 * (src/native/exit.ts). Every failure is one line.
 */
export function runCli(table: CommandTable, program: Program = {}): void {
  main(process.argv.slice(2), table, program).then(
    (code) => {
      if (code !== HANDED_OFF) exit(code);
    },
    (e: unknown) => {
      log.error(errorMessage(e));
      if (!(e instanceof HeziError) && e instanceof Error && e.stack) log.debug(e.stack);
      exit(e instanceof HeziError ? e.exitCode : 1);
    },
  );
}
