import { fs } from '../native/fs';

/**
 * SELinux is enabled on this host: selinuxfs is mounted (its enforce file exists) and the
 * process has a context other than "kernel" (go-selinux's test, as runc uses it).
 */
export function selinuxEnabled(): boolean {
  try {
    if (!fs.existsSync('/sys/fs/selinux/enforce')) return false;
    return fs.readFileSync('/proc/self/attr/current', 'latin1').replace(/\0/g, '').trim() !== 'kernel';
  } catch {
    return false;
  }
}

/** Mount types runc labels with the mount label (proc and sysfs cannot be, mqueue is relabeled instead) */
export function labeledMountType(type: string): boolean {
  return !['proc', 'sysfs', 'mqueue', 'cgroup', 'cgroup2', 'bind'].includes(type);
}
