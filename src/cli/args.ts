/**
 * A small argv parser with urfave/cli's (runc's) conventions: `--flag value`, `--flag=value`,
 * `-f value`, single-dash long flags (`-no-subreaper`), booleans as `--flag` or `--flag=true|false`.
 * --help is printed in urfave's layout by help.ts, loaded only then.
 */
import { HeziError } from '../runtime/errors';
import { stripDashes } from '../util/text';

export type OptType = 'string' | 'boolean' | 'number' | 'array';

export interface OptSpec {
  type: OptType;
  alias?: readonly string[];
  describe: string;
  default?: string | number | boolean;
  /** a string flag whose value may be left out (runc's --rootless) */
  optionalValue?: readonly string[];
  /** accepted, but left out of --help (runc's obsolete flags) */
  hidden?: boolean;
}

export interface CommandSpec {
  name: string;
  aliases?: readonly string[];
  /** one line: what --help lists next to the name */
  describe: string;
  /** what follows "[command options]" in --help's USAGE (default "[arguments...]") */
  argsUsage?: string;
  /** --help's DESCRIPTION */
  description?: string;
  options: Readonly<Record<string, OptSpec>>;
  /** after this many positionals, everything else is left as-is (exec's command line) */
  restAfter?: number;
  /** how many positionals the command takes, as runc's checkArgs has them (max undefined: no limit) */
  arity?: { min: number; max?: number };
}

/** runc's checkArgs message when `n` positionals do not fit the command's arity, else undefined */
export function arityError(command: string, arity: CommandSpec['arity'], n: number): string | undefined {
  if (!arity) return undefined;
  const who = `hezi: "${command}"`;
  if (arity.max === arity.min) return n === arity.min ? undefined : `${who} requires exactly ${arity.min} argument(s)`;
  if (n < arity.min) return `${who} requires a minimum of ${arity.min} argument(s)`;
  if (arity.max !== undefined && n > arity.max) return `${who} requires a maximum of ${arity.max} argument(s)`;
  return undefined;
}

export type Values = Record<string, string | number | boolean | string[] | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
  help: boolean;
}

export function parseArgs(argv: readonly string[], options: Readonly<Record<string, OptSpec>>, restAfter?: number): Parsed {
  const byName = new Map<string, [string, OptSpec]>();
  for (const [name, o] of Object.entries(options)) {
    byName.set(name, [name, o]);
    for (const a of o.alias ?? []) byName.set(a, [name, o]);
  }
  const values: Values = {};
  for (const [name, o] of Object.entries(options)) if (o.default !== undefined) values[name] = o.default;
  const positionals: string[] = [];
  let help = false;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k] ?? '';
    if (restAfter !== undefined && positionals.length >= restAfter) {
      positionals.push(...argv.slice(k));
      break;
    }
    if (a === '--') {
      positionals.push(...argv.slice(k + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const body = stripDashes(a);
    const eq = body.indexOf('=');
    const key = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (key === 'help' || key === 'h') {
      help = true;
      continue;
    }
    const hit = byName.get(key);
    if (!hit) throw new HeziError(`flag provided but not defined: -${key}`);
    const [name, o] = hit;
    if (o.type === 'boolean') {
      if (inline === undefined) values[name] = true;
      else if (inline === 'true' || inline === '1') values[name] = true;
      else if (inline === 'false' || inline === '0') values[name] = false;
      else throw new HeziError(`invalid boolean value "${inline}" for flag -${key}`);
      continue;
    }
    let v = inline;
    if (v === undefined) {
      const next = argv[k + 1];
      if (o.optionalValue) {
        if (next !== undefined && o.optionalValue.includes(next)) {
          v = next;
          k++;
        } else v = o.optionalValue[0] ?? 'true';
      } else {
        if (next === undefined) throw new HeziError(`flag needs an argument: -${key}`);
        v = next;
        k++;
      }
    }
    if (o.type === 'number') {
      if (!/^-?\d+$/.test(v)) throw new HeziError(`invalid value "${v}" for flag -${key}: parse error`);
      values[name] = Number(v);
    } else if (o.type === 'array') {
      const prev = values[name];
      values[name] = [...(Array.isArray(prev) ? prev : []), v];
    } else values[name] = v;
  }
  return { values, positionals, help };
}

export const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
export const bool = (v: Values, k: string): boolean => v[k] === true;
export const num = (v: Values, k: string): number => (typeof v[k] === 'number' ? (v[k] as number) : 0);
export const arr = (v: Values, k: string): string[] => (Array.isArray(v[k]) ? (v[k] as string[]) : []);
