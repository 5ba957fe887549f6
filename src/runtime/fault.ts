/**
 * Fault injection for the crash-safety tests (test/integration/robustness.test.ts): with
 * HEZI_FAULT_KILL_AT=<point> in its environment, hezi kills itself with SIGKILL on reaching that
 * point, as an OOM kill or a crashing daemon's process group kill would. Without it (always, in
 * production) a point costs one comparison.
 */
const at = process.env['HEZI_FAULT_KILL_AT'];

export function faultPoint(name: string): void {
  if (at === name) process.kill(process.pid, 'SIGKILL');
}
