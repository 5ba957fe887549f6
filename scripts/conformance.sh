#!/usr/bin/env bash
# Runs the OCI runtime-tools validation suite (../shared/conformance/run-validation.sh) against
# ./bin/hezi and compares it with test/conformance/baseline.tsv, a ratchet: a program that passed
# in the baseline and fails now fails this script; an assertion count below the baseline too.
#   sudo scripts/conformance.sh            # compare
#   sudo scripts/conformance.sh --update   # run and write the new baseline
set -euo pipefail
cd "$(dirname "$0")/.."
unset NODE_EXTRA_CA_CERTS || true
SUITE=${CONFORMANCE_SUITE:-../shared/conformance/run-validation.sh}
BASE=test/conformance/baseline.tsv
OUT=$(mktemp --suffix=.tsv)
trap 'rm -f "$OUT"' EXIT
bash "$SUITE" ./bin/hezi "$OUT" | tail -n 3
if [ "${1:-}" = --update ]; then
  cp "$OUT" "$BASE"
  echo "conformance: baseline updated"
  exit 0
fi
node - "$BASE" "$OUT" <<'JS'
const fs = require('fs');
const read = (f) => new Map(fs.readFileSync(f, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')).map((c) => [c[0], { status: c[1], passed: +c[2], failed: +c[3] }]));
const [base, now] = [read(process.argv[2]), read(process.argv[3])];
let regress = 0, improved = 0, basePassed = 0, nowPassed = 0, nowFailed = 0;
for (const [, r] of base) basePassed += r.passed;
for (const [, r] of now) { nowPassed += r.passed; nowFailed += r.failed; }
// programs whose result depends on timing in the suite itself (see ../shared/conformance/README.md)
const FLAKY = new Set(['pidfile', 'poststart']);
for (const [t, b] of base) {
  const n = now.get(t);
  if (FLAKY.has(t)) continue;
  if (b.status === 'PASS' && (!n || n.status !== 'PASS')) { console.log(`REGRESSION ${t}: ${n ? n.status : 'missing'} (passed before)`); regress++; }
  else if (n && b.status !== 'PASS' && n.status === 'PASS') { console.log(`improved   ${t}: now PASS (update the baseline)`); improved++; }
}
console.log(`conformance: ${nowPassed} passed, ${nowFailed} failed assertions (baseline ${basePassed} passed); ${regress} regressions, ${improved} improvements`);
process.exit(regress ? 1 : 0);
JS
