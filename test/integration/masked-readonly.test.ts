/**
 * linux.maskedPaths and linux.readonlyPaths, checked from inside: masked files read empty,
 * masked directories list empty, neither can be written; read-only paths cannot be written
 * and are read-only mounts.
 */
import * as fs from 'node:fs';
import { expect, it } from 'vitest';
import { baseConfig, describeResult, describeRoot, runContainer, runOk, type Spec } from '../support/bundle';
import { mountAt, parseMountinfo } from '../support/linux';

/** For each path: "<path>|<file|dir|missing>|<bytes read or entries listed>". */
function probe(paths: string[]): string {
  return paths
    .map(
      (p) =>
        `if [ -d ${p} ]; then echo "${p}|dir|$(ls -A ${p} | wc -l)"; ` +
        `elif [ -e ${p} ]; then echo "${p}|file|$(cat ${p} 2>/dev/null | wc -c)"; ` +
        `else echo "${p}|missing|0"; fi`,
    )
    .join('; ');
}

function parseProbe(text: string): Record<string, { kind: string; size: number }> {
  const out: Record<string, { kind: string; size: number }> = {};
  for (const line of text.trim().split('\n')) {
    const [p, kind, size] = line.split('|');
    if (p && kind) out[p] = { kind, size: Number(size) };
  }
  return out;
}

function hostKind(p: string): 'file' | 'dir' | 'missing' {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

describeRoot('masked paths', () => {
  it("runc's default masked paths that exist read empty and list empty", () => {
    const masked = baseConfig().linux.maskedPaths as string[];
    const out = parseProbe(runOk(undefined, probe(masked)));
    let checked = 0;
    for (const p of masked) {
      const kind = p.startsWith('/sys/') || p.startsWith('/proc/') ? hostKind(p) : 'missing';
      if (kind === 'missing') continue; // not on this kernel: nothing to mask
      checked += 1;
      expect(out[p], p).toEqual({ kind, size: 0 });
    }
    // on the reference VM: /proc/acpi, /proc/keys, /proc/timer_list, /sys/firmware
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('the masked files and directories do have content on the host (so the masking is real)', () => {
    const out = parseProbe(runOk({ linux: { maskedPaths: [] } }, probe(['/proc/timer_list', '/sys/firmware'])));
    expect(out['/proc/timer_list']!.size).toBeGreaterThan(0);
    expect(out['/sys/firmware']!.size).toBeGreaterThan(0);
  });

  it('masked paths of the rootfs: a file reads empty, a directory lists empty, a missing path is ignored', () => {
    const out = parseProbe(
      runOk({ linux: { maskedPaths: ['/etc/passwd', '/home', '/does/not/exist'] } }, probe(['/etc/passwd', '/home', '/etc/group'])),
    );
    expect(out['/etc/passwd']).toEqual({ kind: 'file', size: 0 });
    expect(out['/home']).toEqual({ kind: 'dir', size: 0 });
    expect(out['/etc/group']!.size).toBeGreaterThan(0);
  });

  it('masked paths cannot be written, even by root with a writable root', () => {
    // a write to a masked file may succeed (runc masks files with /dev/null) but goes nowhere
    const r = runContainer(
      { root: { readonly: false }, linux: { maskedPaths: ['/etc/passwd', '/home'] } },
      'echo x > /etc/passwd; touch /home/new; echo dir-rc=$?; cat /etc/passwd | wc -c',
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('dir-rc=1\n0\n');
    // and the rootfs file under the mask is untouched
    expect(fs.readFileSync(`${r.bundle.rootfs}/etc/passwd`, 'utf8')).toMatch(/^root:x:0:0:/);
  });
});

describeRoot('readonly paths', () => {
  it("runc's default read-only paths are read-only mounts", () => {
    const r = runContainer(undefined, 'cat /proc/self/mountinfo');
    expect(r.status, describeResult(r)).toBe(0);
    const mounts = parseMountinfo(r.stdout);
    for (const p of r.bundle.config.linux.readonlyPaths as string[]) {
      if (hostKind(p) === 'missing') continue;
      const m = mountAt(mounts, p);
      expect(m, `a mount at ${p}`).toBeDefined();
      expect(m!.options, p).toContain('ro');
    }
  });

  it('/proc/sys is read-only: writing a sysctl fails', () => {
    const r = runContainer(undefined, 'echo other > /proc/sys/kernel/hostname; echo rc=$?; hostname');
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe(`rc=1\n${r.bundle.config.hostname}\n`);
    expect(r.stderr).toMatch(/Read-only file system/);
  });

  it('without readonlyPaths /proc/sys is writable (in the container\'s own uts namespace)', () => {
    const out = runOk(
      (spec: Spec) => {
        spec.linux.readonlyPaths = [];
        spec.process.capabilities.bounding.push('CAP_SYS_ADMIN');
        spec.process.capabilities.effective.push('CAP_SYS_ADMIN');
        spec.process.capabilities.permitted.push('CAP_SYS_ADMIN');
      },
      'echo other > /proc/sys/kernel/hostname; echo rc=$?; hostname',
    );
    expect(out).toBe('rc=0\nother\n');
  });

  it('readonly paths of the rootfs: files and directories cannot be written, others can', () => {
    const r = runContainer(
      { root: { readonly: false }, linux: { readonlyPaths: ['/home/test', '/etc/passwd'] } },
      'touch /home/test/x; echo dir-rc=$?; echo x >> /etc/passwd; echo file-rc=$?; touch /tmp/x && echo tmp-ok; ls -d /home/test',
    );
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('dir-rc=1\nfile-rc=1\ntmp-ok\n/home/test\n');
    expect(r.stderr).toMatch(/Read-only file system/);
  });
});
