/**
 * SELinux labels in the plan: process.selinuxLabel (and exec --process-label) is written to the
 * init's own attr/keycreate before its session keyring and to attr/exec before execve, as runc
 * does, through the verified procfs (WRITE_PROC). Only planned where SELinux is enabled:
 * elsewhere a label is refused by validation.
 */
import type { Process } from '../../spec';
import { Op, op } from './ops';

/** attr/keycreate: the session keyring is created with the label (before JOIN_KEYRING). */
export function keyringLabelOps(proc: Process | undefined): Op[] {
  const l = proc?.selinuxLabel;
  return l ? [op.writeProc('self/attr/keycreate', l, `set the SELinux key label "${l}"`)] : [];
}

/** attr/exec: the label the next execve gives the process. */
export function execLabelOps(proc: Process | undefined): Op[] {
  const l = proc?.selinuxLabel;
  return l ? [op.writeProc('self/attr/exec', l, `apply process.selinuxLabel "${l}"`)] : [];
}
