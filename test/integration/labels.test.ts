/**
 * SELinux labels: process.selinuxLabel, linux.mountLabel, exec --process-label. This host has no
 * SELinux, so what is checked here is the refusal of a process label (as runc refuses it), with
 * the field named and nothing left behind, and a mount label left off the mounts with a warning
 * (as crun does; runc fails); on a host with SELinux the same tests check the label the process
 * runs with (/proc/self/attr/current) and the context= of its /dev tmpfs.
 */
import * as fs from 'node:fs';
import { expect, it } from 'vitest';
import { createOk, describeResult, describeRoot, itRuncFails, ok, run, runContainer, runOk, runRefused, waitForStatus } from '../support/bundle';

const hostHasSelinux = fs.existsSync('/sys/fs/selinux/enforce');
const LABEL = 'system_u:system_r:container_t:s0:c1,c2';
const FILE_LABEL = 'system_u:object_r:container_file_t:s0:c1,c2';

describeRoot('SELinux labels', () => {
  it(`process.selinuxLabel: ${hostHasSelinux ? 'the process runs with it' : 'refused on a host without SELinux, nothing left behind'}`, () => {
    const patch = { process: { selinuxLabel: LABEL } };
    if (!hostHasSelinux) return void runRefused(patch, /selinux/i);
    expect(runOk(patch, 'cat /proc/self/attr/current').replace(/\0/g, '').trim()).toBe(LABEL);
  });

  // the wording, where there is a refusal to word
  if (!hostHasSelinux)
    itRuncFails('runc words it without the field', 'the refusal of process.selinuxLabel names the field', () => {
      const r = runContainer({ process: { selinuxLabel: LABEL }, linux: { mountLabel: FILE_LABEL } }, 'true', { checkLeftovers: false });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/process\.selinuxLabel: SELinux is not enabled on this host, cannot apply/);
    });

  if (hostHasSelinux)
    it("linux.mountLabel: the container's tmpfs mounts carry it", () => {
      // mountinfo quotes a context with commas in it
      const dev = runOk({ linux: { mountLabel: FILE_LABEL } }, "grep ' /dev ' /proc/self/mountinfo");
      expect(dev).toMatch(new RegExp(`context="?${FILE_LABEL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    });
  else
    itRuncFails('the kernel refuses context= without SELinux', 'linux.mountLabel on a host without SELinux: left off the mounts with a warning naming it; the container runs', () => {
      const r = runContainer({ linux: { mountLabel: FILE_LABEL } }, "grep ' /dev ' /proc/self/mountinfo");
      expect(r.status, describeResult(r)).toBe(0);
      expect(r.stdout).toMatch(/ \/dev .* - tmpfs /);
      expect(r.stdout).not.toContain('context=');
      expect(r.stderr).toMatch(/level=warning msg="linux\.mountLabel: SELinux is not enabled on this host, \\"system_u:object_r:container_file_t:s0:c1,c2\\" ignored"/);
    });

  it(`exec --process-label: ${hostHasSelinux ? 'the exec process runs with it' : 'refused on a host without SELinux; the container goes on'}`, () => {
    const c = createOk(undefined, ['sleep', '1000']);
    ok(run(['start', c.id]));
    waitForStatus(c.id, 'running');
    const r = run(['exec', '--process-label', LABEL, c.id, 'cat', '/proc/self/attr/current']);
    if (hostHasSelinux) {
      expect(r.status, describeResult(r)).toBe(0);
      expect(r.stdout.replace(/\0/g, '').trim()).toBe(LABEL);
      return;
    }
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/selinux/i);
    expect(run(['state', c.id]).stdout).toContain('"running"');
  });
});
