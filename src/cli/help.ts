/**
 * --help in urfave/cli's layout (what runc prints, and what users and scripts know): NAME:, USAGE:,
 * VERSION:, COMMANDS:, GLOBAL OPTIONS: for the program; NAME:, USAGE:, DESCRIPTION:, OPTIONS: for
 * a command. Flags read as urfave renders them ("--bundle value, -b value", defaults appended),
 * and the columns are aligned as Go's text/tabwriter does (blocks of consecutive lines with a tab,
 * padded to the widest cell plus 2). Loaded only when help is asked for.
 */
import type { CommandSpec, OptSpec } from './args';
import { CommandTable, resolveCommand } from './commands';
import { GLOBAL_OPTIONS } from './globals';
import { out } from '../runtime/output';

export const NAME = 'hezi';
export const VERSION = '0.1.0';
export const SPEC_VERSION = '1.3.0';

const ABOUT = `an OCI container runtime, a drop-in equal of runc

hezi runs applications packaged according to the Open Container Initiative (OCI)
format: a bundle directory holding a specification file named "config.json" and
a root filesystem.

To start a new instance of a container:

    # ${NAME} run [ -b bundle ] <container-id>

Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host. Providing the bundle directory using "-b" is optional. The default
value for "bundle" is the current directory.`;

/** urfave's rendering of one flag: "--name value, -n value\tusage (default: ...)". */
export function flagLine(name: string, o: OptSpec): string {
  const takesValue = o.type !== 'boolean';
  const names = [name, ...(o.alias ?? [])].map((n) => `${n.length === 1 ? '-' : '--'}${n}${takesValue ? ' value' : ''}`);
  let usage = o.describe;
  if (o.type === 'number') usage += ` (default: ${o.default ?? 0})`;
  else if (o.type === 'string' && typeof o.default === 'string' && o.default !== '') usage += ` (default: ${JSON.stringify(o.default)})`;
  return `${names.join(', ')}\t${usage}`;
}

/** Go's text/tabwriter (minwidth 1, padding 2, spaces) over lines with at most one tab each. */
export function tabwrite(text: string): string {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; ) {
    if (!lines[k]!.includes('\t')) {
      k++;
      continue;
    }
    let end = k;
    while (end < lines.length && lines[end]!.includes('\t')) end++;
    const width = Math.max(...lines.slice(k, end).map((l) => l.indexOf('\t'))) + 2;
    for (let j = k; j < end; j++) {
      const l = lines[j]!;
      const tab = l.indexOf('\t');
      lines[j] = l.slice(0, tab).padEnd(width) + l.slice(tab + 1);
    }
    k = end;
  }
  return lines.join('\n');
}

function visible(options: Readonly<Record<string, OptSpec>>): Array<[string, OptSpec]> {
  return Object.entries(options).filter(([, o]) => !o.hidden);
}

/** `hezi --help`: the program, its commands, the global flags. */
export function appHelp(commands: ReadonlyArray<CommandSpec>): string {
  const cmds = [...commands.map((c) => [[c.name, ...(c.aliases ?? [])].join(', '), c.describe] as const), ['help, h', 'Shows a list of commands or help for one command'] as const];
  const globals = [...visible(GLOBAL_OPTIONS).filter(([n]) => n !== 'version'), ['help', { type: 'boolean', alias: ['h'], describe: 'show help' }] as [string, OptSpec], ['version', GLOBAL_OPTIONS['version']!] as [string, OptSpec]];
  return tabwrite(
    [
      'NAME:',
      `   ${NAME} - ${ABOUT}`,
      '',
      'USAGE:',
      `   ${NAME} [global options] command [command options] [arguments...]`,
      '',
      'VERSION:',
      `   ${VERSION}`,
      `spec: ${SPEC_VERSION}`,
      '',
      'COMMANDS:',
      ...cmds.map(([n, d]) => `   ${n}\t${d}`),
      '',
      'GLOBAL OPTIONS:',
      ...globals.map(([n, o]) => `   ${flagLine(n, o)}`),
      '',
    ].join('\n'),
  );
}

/** `hezi <command> --help`. */
export function commandHelp(c: CommandSpec): string {
  const flags = visible(c.options);
  const parts = ['NAME:', `   ${NAME} ${c.name} - ${c.describe}`, '', 'USAGE:', `   ${NAME} ${c.name}${flags.length ? ' [command options]' : ''} ${c.argsUsage ?? '[arguments...]'}`];
  if (c.description) parts.push('', 'DESCRIPTION:', `   ${c.description}`);
  let text = parts.join('\n');
  if (flags.length) text += '\n\nOPTIONS:\n' + flags.map(([n, o]) => `   ${flagLine(n, o)}\n`).join('') + '   ';
  return tabwrite(text) + '\n';
}

/**
 * Print the help for `command` of `table` (or the program's, of every command in `table`, when
 * undefined); false when there is no such command.
 */
export function showHelp(table: CommandTable, command?: string): boolean {
  if (command === undefined) {
    out(appHelp(Object.values(table).map((load) => load().command)));
    return true;
  }
  const name = resolveCommand(table, command);
  if (!name) return false;
  out(commandHelp(table[name]!().command));
  return true;
}
