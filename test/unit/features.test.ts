import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFeatures } from '../../spec';
import { features } from '../../src/runtime/features';
import { parseMountOptions } from '../../src/linux/mount-options';

const SCHEMA_DIR = path.join(__dirname, '..', 'fixtures', 'runtime-spec', 'schema');

describe('features', () => {
  const doc = features();

  it('parses with the spec/ features schema', () => {
    const r = parseFeatures(JSON.parse(JSON.stringify(doc)));
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it('validates against runtime-spec features-schema.json (python jsonschema)', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-features-')), 'f.json');
    fs.writeFileSync(file, JSON.stringify(doc));
    // the python3 on PATH if it has jsonschema, else Debian's (python3-jsonschema, installed by .ci/run)
    const py = ['python3', '/usr/bin/python3'].find((p) => {
      try {
        execFileSync(p, ['-c', 'import jsonschema'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    expect(py, 'a python3 with jsonschema (apt-get install python3-jsonschema)').toBeDefined();
    const out = execFileSync(py!, [path.join(__dirname, '../support/jsonschema-validate.py'), path.join(SCHEMA_DIR, 'features-schema.json'), file], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([]);
  });

  it('lists every mount option the planner understands, and each is understood', () => {
    const opts = doc['mountOptions'] as string[];
    for (const o of ['rro', 'rbind', 'nosymfollow', 'rshared', 'ratime', 'tmpcopyup']) expect(opts).toContain(o);
    for (const o of opts) expect(parseMountOptions([o]).data, o).toEqual([]);
  });

  it('names all eight namespaces and the OCI version range', () => {
    expect((doc['linux'] as { namespaces: string[] }).namespaces).toEqual(['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts']);
    expect(doc['ociVersionMax']).toBe('1.3.0');
  });

  it('reports the runtime-spec 1.3 extensions hezi implements (idmap mounts, netDevices, memory policy) and what this host has (SELinux, Intel RDT)', () => {
    const linux = doc['linux'] as Record<string, Record<string, unknown>>;
    const [maj, min] = os.release().split('.').map(Number) as [number, number];
    expect(linux['mountExtensions']).toEqual({ idmap: { enabled: maj > 5 || (maj === 5 && min >= 12) } });
    expect(linux['netDevices']).toEqual({ enabled: true });
    expect(linux['memoryPolicy']?.['modes']).toContain('MPOL_BIND');
    expect(linux['memoryPolicy']?.['flags']).toContain('MPOL_F_STATIC_NODES');
    expect(linux['selinux']).toEqual({ enabled: fs.existsSync('/sys/fs/selinux/enforce') });
    const resctrl = fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(' - resctrl ');
    expect((linux['intelRdt'] as { enabled: boolean }).enabled).toBe(resctrl);
    for (const o of ['idmap', 'ridmap', 'tmpcopyup']) expect(doc['mountOptions']).toContain(o);
  });
});
