/**
 * Loading and attaching the cgroup v2 device program through the addon (addon/bpf.cc). The
 * instructions come from device-filter.ts. Like runc: the new program is attached with
 * BPF_F_ALLOW_MULTI, then the programs that were attached before (an update) are detached, so
 * that the cgroup is never without a filter.
 */
import { native } from '../../native/addon';
import type { DeviceRule } from './convert';
import { deviceFilter, encodeInsns } from './device-filter';

const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;

interface BpfNative {
  bpfProgLoad(progType: number, insns: Buffer, license: string): number;
  bpfProgAttach(progFd: number, cgroupDir: string, attachType: number, flags: number): void;
  bpfProgQuery(cgroupDir: string, attachType: number): number[];
  bpfProgDetach(cgroupDir: string, progId: number, attachType: number): void;
}

function bpf(): BpfNative {
  return native() as unknown as BpfNative;
}

/** Ids of the device programs attached directly to `dir`. */
export function attachedDevicePrograms(dir: string): number[] {
  return bpf().bpfProgQuery(dir, BPF_CGROUP_DEVICE);
}

/**
 * Load the program for `rules` and attach it to the cgroup directory `dir`, replacing any device
 * program attached there before. Errors are the addon's (errno, code, syscall; `log` holds the
 * verifier's log when the load is refused).
 */
export function setDeviceProgram(dir: string, rules: readonly DeviceRule[]): void {
  const b = bpf();
  let old: number[] = [];
  try {
    old = b.bpfProgQuery(dir, BPF_CGROUP_DEVICE);
  } catch {
    /* nothing attached / no query support: nothing to replace */
  }
  const fd = b.bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, encodeInsns(deviceFilter(rules)), 'Apache');
  try {
    b.bpfProgAttach(fd, dir, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
  } finally {
    // the attachment holds its own reference to the program
    require('node:fs').closeSync(fd);
  }
  for (const id of old) b.bpfProgDetach(dir, id, BPF_CGROUP_DEVICE);
}
