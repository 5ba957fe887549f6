/**
 * linux.intelRdt. This host has no resctrl (no Intel RDT): a config with linux.intelRdt must be
 * refused (runtime-spec MUST), naming the field, leaving nothing behind. On a host with resctrl
 * mounted the same test checks that the container is in its CLOS (<resctrl>/<id>/tasks) and
 * that delete removes it. The resctrl rules themselves are unit-tested (test/unit/intelrdt).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { createOk, describeRoot, itRuncFails, ok, run, runRefused } from '../support/bundle';
import { parseMountinfo } from '../support/linux';

const resctrl = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8')).find((m) => m.fsType === 'resctrl')?.mountPoint;

describeRoot('linux.intelRdt', () => {
  if (resctrl)
    it('the container is in its own CLOS, removed on delete', () => {
      const c = createOk({ linux: { intelRdt: {} } }, ['sleep', '1000']);
      const dir = path.join(resctrl, c.id);
      expect(fs.readFileSync(path.join(dir, 'tasks'), 'utf8').split('\n')).toContain(String(c.pid));
      ok(run(['delete', '--force', c.id]));
      expect(fs.existsSync(dir)).toBe(false);
    });
  else
    itRuncFails('runc 1.1 drops a closID-only intelRdt silently', 'refused on a host without resctrl, naming linux.intelRdt, nothing left behind', () => {
      for (const intelRdt of [{ closID: 'hezi-test' }, { schemata: ['L3:0=ff'] }, { enableMonitoring: true }])
        runRefused({ linux: { intelRdt } }, /linux\.intelRdt: resctrl is not mounted on this host/);
    });
});
