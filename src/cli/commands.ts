/**
 * What a command module is, and the lookup of a command by name. The tables of loaders are
 * elsewhere (all-commands.ts, hot-commands.ts): a program carries only the commands of its table.
 */
import type { CommandSpec, Parsed } from './args';
import type { Globals } from './globals';

export interface CommandModule {
  command: CommandSpec;
  handler(p: Parsed, g: Globals): number | Promise<number>;
}

/** name → loader; a module is required only when its command runs */
export type CommandTable = Readonly<Record<string, () => CommandModule>>;

const ALIASES: Readonly<Record<string, string>> = { ls: 'list', rm: 'delete' };

/** A command name or alias → the command's name in `table` (keyed by names), undefined when it has none. */
export function resolveCommand(table: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const n = ALIASES[name] ?? name;
  return Object.prototype.hasOwnProperty.call(table, n) ? n : undefined;
}
