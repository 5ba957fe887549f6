/**
 * The entry point of the standalone executable `dist/hezi` (scripts/build.js compiles it with
 * `bun build --compile`, full.ts as a second entry point with bytecode of its own). It runs the one
 * program this command line needs (src/cli/dispatch.ts says which, and why):
 * - the small one (hot.ts) is bundled into this entry, behind the bundler's lazy module wrapper:
 *   it costs the full program nothing it can measure, and spares every state, start, kill and
 *   delete the load of a second embedded module (Bun's first `require` of one: ~0.4 ms here);
 * - the full one is required at run time; the small program's code is then never run.
 */
import { programFor } from '../cli/dispatch';

if (programFor(process.argv.slice(2)) === 'hot') require('./hot');
// a name the bundler does not follow: the full program is an embedded entry point, loaded only here
else require(['.', 'full.js'].join('/'));
