/**
 * The entry point of the standalone executable `dist/hezi` (scripts/build.js compiles it with
 * `bun build --compile`, hot.ts and full.ts as further entry points with bytecode of their own).
 * It loads the one program this command line needs (src/cli/dispatch.ts says which, and why): the
 * other one's code is never read.
 */
import { programFor } from '../cli/dispatch';

// a name the bundler does not follow: the program is an embedded entry point, required at run time
require(['.', `${programFor(process.argv.slice(2))}.js`].join('/'));
