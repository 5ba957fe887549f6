#!/usr/bin/env node
// Runs the whole vitest suite (unit + integration; integration needs root) and ends with the
// plain line "N passed, M failed" that CI reads. Extra arguments go to vitest.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-vitest-')), 'report.json');
const vitest = path.join(__dirname, '..', 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: path.join(__dirname, '..'),
});
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const rep = JSON.parse(fs.readFileSync(out, 'utf8'));
  passed = rep.numPassedTests;
  failed = rep.numFailedTests + (rep.numFailedTestSuites || 0);
  skipped = rep.numPendingTests + (rep.numTodoTests || 0);
} catch {
  failed = Math.max(failed, 1);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(r.status === 0 && failed === 0 ? 0 : 1);
