/**
 * The small program of dist/hezi: the commands that read only hezi's own state
 * (src/cli/hot-commands.ts; src/cli/dispatch.ts says why it is separate), bundled into the entry
 * point (index.ts). It carries no config parsers, no create, exec or checkpoint code. A command
 * line that is not for it goes, untouched, to the full program.
 */
import './native';
import { HOT_COMMAND_TABLE } from '../cli/hot-commands';
import { runCli } from '../cli/main';

// a name the bundler does not follow: the full program is an embedded entry point
const full = ['.', 'full.js'].join('/');
runCli(HOT_COMMAND_TABLE, { handOff: () => require(full) });
