/**
 * Which of the standalone executable's two programs runs a command line (src/standalone/index.ts).
 *
 * A JavaScript program pays at start-up for all of its code, used or not (the engine reads and
 * instantiates the whole bundle): a fifth of `hezi state`'s instructions went to the code of
 * create, exec, checkpoint and the rest. So the executable holds a small program with the commands
 * that read only hezi's own state (hot-commands.ts; containerd's shim and podman call them for
 * every container) and the full one, and each command line loads one of them.
 *
 * This is only a quick look at the command line, without the parser's module: the chosen program
 * parses it again. A line it cannot read (a bad flag), --help, --version, or no command goes to the
 * full program, which answers those; the small one hands anything not for it to the full one too.
 */
import type { OptSpec } from './args';
import { resolveCommand } from './commands';
import { GLOBAL_OPTIONS } from './globals';
import { stripDashes } from '../util/text';

/** the small program's commands (hot-commands.ts holds their loaders); aliases as commands.ts resolves them */
export const HOT_COMMANDS: Readonly<Record<string, true>> = { delete: true, kill: true, list: true, pause: true, ps: true, resume: true, start: true, state: true };

function option(options: Readonly<Record<string, OptSpec>>, key: string): [string, OptSpec] | undefined {
  if (Object.prototype.hasOwnProperty.call(options, key)) return [key, options[key]!];
  for (const [name, o] of Object.entries(options)) if (o.alias?.includes(key)) return [name, o];
  return undefined;
}

/**
 * The command of a command line: its first positional after the global flags, read as
 * cli/args.ts parseArgs reads them; undefined when there is none, or help or the version is asked
 * for, or a flag is unknown.
 */
export function commandName(argv: readonly string[], options: Readonly<Record<string, OptSpec>> = GLOBAL_OPTIONS): string | undefined {
  let version = false;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === '--') return version ? undefined : argv[k + 1];
    if (!a.startsWith('-') || a === '-') return version ? undefined : a;
    const body = stripDashes(a);
    const eq = body.indexOf('=');
    const key = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (key === 'help' || key === 'h') return undefined;
    const hit = option(options, key);
    if (!hit) return undefined;
    const [name, o] = hit;
    if (o.type === 'boolean') {
      if (name === 'version') version = inline === undefined || inline === 'true' || inline === '1';
      continue;
    }
    if (inline !== undefined) continue;
    if (o.optionalValue) {
      if (o.optionalValue.includes(argv[k + 1] ?? '')) k++;
      continue;
    }
    k++;
  }
  return undefined;
}

/** the program for a command line */
export const programFor = (argv: readonly string[]): 'hot' | 'full' => (resolveCommand(HOT_COMMANDS, commandName(argv) ?? '') ? 'hot' : 'full');
