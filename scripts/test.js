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
// the line repeats vitest's own test counts; a test file that failed without a failing test (it did
// not load, a hook threw) is named apart, since vitest counts it among files, not tests
let line = 'no test report (vitest did not finish): 0 passed, 1 failed';
let failed = 1;
try {
  const rep = JSON.parse(fs.readFileSync(out, 'utf8'));
  failed = rep.numFailedTests;
  const brokenFiles = (rep.testResults || []).filter((f) => f.status === 'failed' && !(f.assertionResults || []).some((a) => a.status === 'failed')).length;
  const skipped = rep.numPendingTests + (rep.numTodoTests || 0);
  line = `${rep.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${brokenFiles ? `; ${brokenFiles} test file(s) failed to run` : ''}`;
  if (brokenFiles) failed += brokenFiles;
} catch {
  /* no report: counted as a failure above */
}
console.log(line);
process.exit(r.status === 0 && failed === 0 ? 0 : 1);
