/** --help through yargs, loaded only when help is asked for. */
import type { CommandModule } from './main';
import { GLOBAL_OPTIONS } from './globals';

export function showHelp(command?: string): void {
  const yargs = require('yargs/yargs') as typeof import('yargs/yargs');
  const { COMMANDS } = require('./main') as typeof import('./main');
  let y = yargs([])
    .scriptName('hezi')
    .usage('hezi [global options] command [command options] [arguments...]\n\nhezi is an OCI container runtime: a drop-in equal of runc.')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .version(false);
  for (const [name, o] of Object.entries(GLOBAL_OPTIONS)) y = y.option(name, { type: o.type === 'number' ? 'number' : o.type === 'boolean' ? 'boolean' : 'string', describe: o.describe, alias: o.alias ? [...o.alias] : [] });
  const mods: Array<[string, CommandModule]> = Object.entries(COMMANDS).map(([n, l]) => [n, l()]);
  for (const [name, m] of mods) {
    y = y.command(m.command.usage, m.command.describe, (c) => {
      let cc = c;
      for (const [on, o] of Object.entries(m.command.options))
        cc = cc.option(on, { type: o.type === 'number' ? 'number' : o.type === 'boolean' ? 'boolean' : o.type === 'array' ? 'array' : 'string', describe: o.describe, alias: o.alias ? [...o.alias] : [], ...(o.default !== undefined ? { default: o.default } : {}) });
      return cc;
    });
    void name;
  }
  y.parseSync(command ? [command, '--help'] : ['--help']);
}
