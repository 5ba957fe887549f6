#!/usr/bin/env node
// One file for the CLI: bundling the compiled modules saves ~4 ms of module loading on every
// command. zod, yargs and spec/ stay outside (they are required lazily, only by the commands
// that need them), and the bundle sits next to main.js so relative paths resolve the same.
'use strict';
const path = require('node:path');
const dir = path.join(__dirname, '..', 'dist', 'src', 'cli');
require('esbuild').buildSync({
  entryPoints: [path.join(dir, 'main.js')],
  outfile: path.join(dir, 'hezi.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['yargs', 'yargs/*', 'zod', '../../spec'],
  logLevel: 'warning',
});
