/**
 * `hezi features`: the runtime-spec features document (features.md), truthful to what hezi
 * implements on this host.
 */
import * as fs from 'node:fs';
import { apparmorEnabled } from '../linux/apparmor';
import { CAPABILITY_NAMES } from '../linux/capabilities';
import { KNOWN_MOUNT_OPTIONS } from '../linux/mount-options';
import { NS_TYPES } from '../linux/namespaces';
import { seccompFeatures } from '../linux/seccomp';

export const OCI_VERSION_MIN = '1.0.0';
export const OCI_VERSION_MAX = '1.3.0';
export const HEZI_VERSION = '0.1.0';

export function features(): Record<string, unknown> {
  const cgroup2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers') || fs.existsSync('/sys/fs/cgroup/unified/cgroup.controllers');
  const cgroup1 = fs.existsSync('/sys/fs/cgroup/memory') || fs.existsSync('/sys/fs/cgroup/cpu');
  return {
    ociVersionMin: OCI_VERSION_MIN,
    ociVersionMax: OCI_VERSION_MAX,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: [...new Set(KNOWN_MOUNT_OPTIONS)].sort(),
    linux: {
      namespaces: [...NS_TYPES].sort(),
      capabilities: [...CAPABILITY_NAMES],
      cgroup: {
        v1: true,
        v2: true,
        systemd: false,
        systemdUser: false,
        rdma: cgroup1 ? fs.existsSync('/sys/fs/cgroup/rdma') : cgroup2,
      },
      seccomp: seccompFeatures(),
      apparmor: { enabled: apparmorEnabled() },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: {
      'io.github.hezi.version': HEZI_VERSION,
      'io.github.hezi.node.version': process.version,
    },
  };
}
