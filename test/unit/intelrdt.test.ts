/**
 * linux.intelRdt without resctrl hardware: the rules of config-linux.md "IntelRdt" as decisions
 * (planIntelRdt), and their effect on a directory tree laid out like resctrl (a plain directory
 * here: the kernel's resctrl makes the files of a new group itself; here they are written). On
 * this machine there is no resctrl: the integration test checks the refusal.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRdtUpdate, destroyIntelRdt, planIntelRdt, schemataMismatch, setupIntelRdt, updateIntelRdt } from '../../src/runtime/intelrdt';

const root = '/sys/fs/resctrl';

describe('intelRdt: decisions', () => {
  it('no closID: <id> is made and owned, lines in the spec order (L3, MB, schemata)', () => {
    const p = planIntelRdt('c1', { l3CacheSchema: 'L3:0=ff', memBwSchema: 'MB:0=50', schemata: ['L2:0=f'] }, root, () => false);
    expect(p).toEqual({ dir: '/sys/fs/resctrl/c1', mkdir: true, owned: true, write: ['L3:0=ff', 'MB:0=50', 'L2:0=f'], expect: [] });
  });

  it('closID "/" is the default CLOS; monitoring makes mon_groups/<id>', () => {
    expect(planIntelRdt('c1', { closID: '/', enableMonitoring: true }, root, () => true)).toEqual({
      dir: root,
      mkdir: false,
      owned: false,
      write: [],
      expect: [],
      monDir: '/sys/fs/resctrl/mon_groups/c1',
    });
  });

  it('closID with schemata: made (not owned) when missing, compared when there', () => {
    const rdt = { closID: 'gold', schemata: ['L3:0=7f0'] };
    expect(planIntelRdt('c1', rdt, root, () => false)).toMatchObject({ dir: '/sys/fs/resctrl/gold', mkdir: true, owned: false, write: ['L3:0=7f0'] });
    expect(planIntelRdt('c1', rdt, root, () => true)).toMatchObject({ mkdir: false, write: [], expect: ['L3:0=7f0'] });
  });

  it('closID without schemata must exist', () => {
    expect(() => planIntelRdt('c1', { closID: 'gold' }, root, () => false)).toThrow('linux.intelRdt.closID: there is no CLOS "gold" in /sys/fs/resctrl');
  });

  it('an existing schemata is compared line by line, as the kernel prints it (padding, case)', () => {
    const file = '    L3:0=7f0;1=1f\n    MB:0=20;1=70\n';
    expect(schemataMismatch(file, ['L3:0=7F0;1=1f', 'MB:0=20;1=70'])).toEqual([]);
    expect(schemataMismatch(file, ['MB:0=30;1=70'])).toEqual(['MB:0=30;1=70']);
  });
});

describe('intelRdt: applied to a resctrl-like tree', () => {
  const tree = () => {
    const r = fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-resctrl-'));
    fs.mkdirSync(path.join(r, 'mon_groups'));
    return r;
  };

  it('writes schemata, then tasks; delete removes the group hezi made, never a CLOS it did not', () => {
    const r = tree();
    const rec = setupIntelRdt('c1', { l3CacheSchema: 'L3:0=ff', schemata: ['MB:0=50'] }, 4242, r);
    expect(rec).toEqual({ dir: path.join(r, 'c1'), created: true });
    expect(fs.readFileSync(path.join(r, 'c1', 'schemata'), 'utf8')).toBe('L3:0=ff\nMB:0=50\n');
    expect(fs.readFileSync(path.join(r, 'c1', 'tasks'), 'utf8')).toBe('4242');
    // a real group's files vanish with it: here they are removed first
    for (const f of ['schemata', 'tasks']) fs.rmSync(path.join(r, 'c1', f));
    destroyIntelRdt(rec);
    expect(fs.existsSync(path.join(r, 'c1'))).toBe(false);
    const kept = setupIntelRdt('c2', { closID: '/' }, 7, r);
    expect(kept).toEqual({ dir: r, created: false });
    expect(fs.readFileSync(path.join(r, 'tasks'), 'utf8')).toBe('7');
    destroyIntelRdt(kept);
    expect(fs.existsSync(r)).toBe(true);
    fs.rmSync(r, { recursive: true });
  });

  it('a mismatch with an existing CLOS is an error naming the lines, and nothing is written', () => {
    const r = tree();
    fs.mkdirSync(path.join(r, 'gold'));
    fs.writeFileSync(path.join(r, 'gold', 'schemata'), 'L3:0=ff\n');
    expect(() => setupIntelRdt('c1', { closID: 'gold', l3CacheSchema: 'L3:0=f0' }, 1, r)).toThrow('linux.intelRdt: the existing CLOS "gold" does not have the schemata L3:0=f0');
    expect(fs.existsSync(path.join(r, 'gold', 'tasks'))).toBe(false);
    fs.rmSync(r, { recursive: true });
  });

  it('update --l3-cache-schema / --mem-bw-schema: runc\'s words without CAT / MBA; a container without intelRdt gets its own group, then the lines', () => {
    const r = tree();
    expect(() => checkRdtUpdate('L3:0=f', undefined, undefined)).toThrow('Intel RDT/CAT: l3 cache schema is not enabled');
    expect(() => checkRdtUpdate('L3:0=f', undefined, r)).toThrow('Intel RDT/CAT: l3 cache schema is not enabled');
    fs.mkdirSync(path.join(r, 'info', 'L3'), { recursive: true });
    expect(() => checkRdtUpdate('L3:0=f', undefined, r)).not.toThrow();
    expect(() => checkRdtUpdate('L3:0=f', 'MB:0=70', r)).toThrow('Intel RDT/MBA: memory bandwidth schema is not enabled');
    const rec = updateIntelRdt('c1', undefined, ['L3:0=f'], 4242, r);
    expect(rec).toEqual({ dir: path.join(r, 'c1'), created: true });
    expect(fs.readFileSync(path.join(r, 'c1', 'tasks'), 'utf8')).toBe('4242');
    expect(fs.readFileSync(path.join(r, 'c1', 'schemata'), 'utf8')).toBe('L3:0=f\n');
    // a container with a group: its schemata, nothing else
    const gold = { dir: path.join(r, 'gold'), created: false };
    fs.mkdirSync(gold.dir);
    expect(updateIntelRdt('c2', gold, ['L3:0=f0', 'MB:0=70'], 7, r)).toBe(gold);
    expect(fs.readFileSync(path.join(gold.dir, 'schemata'), 'utf8')).toBe('L3:0=f0\nMB:0=70\n');
    expect(fs.existsSync(path.join(gold.dir, 'tasks'))).toBe(false);
    fs.rmSync(r, { recursive: true });
  });
});
