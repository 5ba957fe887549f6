import { CommandSpec, Parsed, bool, str } from './args';
import type { Globals } from './globals';
import { list } from '../runtime/container';
import { HeziError } from '../runtime/errors';
import { StateStore } from '../runtime/state-store';
import { out } from '../runtime/output';

export const command: CommandSpec = {
  name: 'list',
  arity: { min: 0, max: 0 },
  aliases: ['ls'],
  describe: 'lists containers started by hezi with the given root',
  argsUsage: `

Where the given root is specified via the global option "--root"
(default: "/run/hezi").`,
  options: {
    format: { type: 'string', alias: ['f'], describe: 'select one of: table or json', default: 'table' },
    quiet: { type: 'boolean', alias: ['q'], describe: 'display only container IDs' },
  },
};

/** Go's text/tabwriter with minwidth 12, padding 3, as runc prints it. */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(12, ...rows.map((r) => (r[c] ?? '').length + 3))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 12))).join('')).join('\n') + '\n';
}

export function handler(p: Parsed, g: Globals): number {
  const items = list(new StateStore(g.root));
  const format = str(p.values, 'format');
  if (bool(p.values, 'quiet')) {
    out(items.map((i) => i.id + '\n').join(''));
    return 0;
  }
  if (format === 'json') {
    // runc (Go) prints null for no containers; clients parse both
    const json = items.length ? items.map(({ ownerName, ...v }) => ({ ...v, owner: ownerName })) : null;
    out(JSON.stringify(json) + '\n');
    return 0;
  }
  if (format !== 'table') throw new HeziError(`invalid format option`);
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
  for (const i of items) rows.push([i.id, String(i.pid), i.status, i.bundle, i.created, i.ownerName]);
  out(table(rows));
  return 0;
}
