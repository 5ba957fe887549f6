import { fs } from '../native/fs';

/** AppArmor is enabled on this host (the kernel module says "Y"). */
export function apparmorEnabled(): boolean {
  try {
    return fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'latin1').trim() === 'Y';
  } catch {
    return false;
  }
}

/**
 * Where the profile for the next execve is written, as runc does: "exec <profile>" into the
 * LSM-specific attr file on kernels that have it, else the shared one. Relative to /proc: the init
 * writes it through the procfs it verified (WRITE_PROC), never through a path.
 */
export function apparmorExecAttr(): string {
  return fs.existsSync('/proc/self/attr/apparmor/exec') ? 'self/attr/apparmor/exec' : 'self/attr/exec';
}
