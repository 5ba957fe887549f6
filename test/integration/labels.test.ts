/**
 * SELinux labels: process.selinuxLabel, linux.mountLabel, exec --process-label. This host has no
 * SELinux, so what is checked here is the refusal (as runc refuses), with the field named and
 * nothing left behind; on a host with SELinux the same tests check the label the process runs
 * with (/proc/self/attr/current) and the context= of its /dev tmpfs.
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
    itRuncFails('runc words them without the field', 'the refusals of process.selinuxLabel and linux.mountLabel name the field', () => {
      const r = runContainer({ process: { selinuxLabel: LABEL }, linux: { mountLabel: FILE_LABEL } }, 'true', { checkLeftovers: false });
      expect(r.stderr).toMatch(/process\.selinuxLabel: SELinux is not enabled on this host, cannot apply/);
      expect(r.stderr).toMatch(/linux\.mountLabel: SELinux is not enabled on this host, cannot apply/);
    });

  it(`linux.mountLabel: ${hostHasSelinux ? "the container's tmpfs mounts carry it" : 'refused on a host without SELinux (runc: the kernel refuses context=), nothing left behind'}`, () => {
    const patch = { linux: { mountLabel: FILE_LABEL } };
    if (!hostHasSelinux) return void runRefused(patch, /mountLabel|context=/);
    // mountinfo quotes a context with commas in it
    expect(runOk(patch, "grep ' /dev ' /proc/self/mountinfo")).toMatch(new RegExp(`context="?${FILE_LABEL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
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
