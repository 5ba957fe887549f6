/**
 * `hezi features`: the runtime-spec features document (features.md), truthful to what hezi
 * implements on this host.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { apparmorEnabled } from '../linux/apparmor';
import { CAPABILITY_NAMES } from '../linux/capabilities';
import { KNOWN_MOUNT_OPTIONS } from '../linux/mount-options';
import { NS_TYPES } from '../linux/namespaces';
import { seccompFeatures } from '../linux/seccomp';
import { selinuxEnabled } from '../linux/selinux';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '../../spec/constants';
import { resctrlRoot } from './intelrdt';
import type { Spec } from '../../spec';

/**
 * For a user other than root: whether its containers get cgroups (it may create them: cgroup
 * delegation) or run without (and configs with limits are refused).
 */
function rootlessAnnotations(): Record<string, string> {
  const euid = process.geteuid?.() ?? 0;
  if (euid === 0) return {};
  const { cgroupWritable, plannedCgroupPaths } = require('./cgroups') as typeof import('./cgroups');
  const { uniqueDirs } = require('../linux/cgroups/control') as typeof import('../linux/cgroups/control');
  const dirs = uniqueDirs(plannedCgroupPaths('ID', { ociVersion: OCI_VERSION_MAX } as Spec)).map((d) => d.replace(/\/ID$/, ''));
  const blocked = dirs.find((d) => !cgroupWritable(`${d}/ID`));
  return {
    'io.github.hezi.rootless.cgroups': blocked
      ? `none: ${blocked} is not writable by uid ${euid}; containers run without cgroups and configs with limits are refused`
      : `delegated: containers get their cgroups under ${dirs.join(', ')}`,
  };
}

/** The running kernel is at least major.minor. */
function kernelAtLeast(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(os.release());
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

/** set_mempolicy(2) modes and flags by the kernel version that brought them */
function memoryPolicyFeatures(): { modes: string[]; flags: string[] } {
  const since: Record<string, [number, number]> = { MPOL_PREFERRED_MANY: [5, 15], MPOL_WEIGHTED_INTERLEAVE: [6, 9], MPOL_F_NUMA_BALANCING: [5, 12] };
  const ok = (name: string) => !since[name] || kernelAtLeast(...since[name]!);
  return { modes: MEMORY_POLICY_MODES.filter(ok), flags: MEMORY_POLICY_FLAGS.filter(ok) };
}

export const OCI_VERSION_MIN = '1.0.0';
export const OCI_VERSION_MAX = '1.3.0';
export const HEZI_VERSION = '0.1.0';

export function features(): Record<string, unknown> {
  const cgroup2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers') || fs.existsSync('/sys/fs/cgroup/unified/cgroup.controllers');
  const cgroup1 = fs.existsSync('/sys/fs/cgroup/memory') || fs.existsSync('/sys/fs/cgroup/cpu');
  const resctrl = resctrlRoot();
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
      selinux: { enabled: selinuxEnabled() },
      // linux.intelRdt is applied where resctrl is mounted, refused elsewhere
      intelRdt: { enabled: resctrl !== undefined, schemata: resctrl !== undefined, monitoring: resctrl !== undefined && fs.existsSync(`${resctrl}/mon_groups`) },
      memoryPolicy: memoryPolicyFeatures(),
      // mount_setattr(MOUNT_ATTR_IDMAP): Linux 5.12
      mountExtensions: { idmap: { enabled: kernelAtLeast(5, 12) } },
      netDevices: { enabled: true },
    },
    annotations: {
      'io.github.hezi.version': HEZI_VERSION,
      'io.github.hezi.node.version': process.version,
      ...rootlessAnnotations(),
      // runc's key, which clients read: checkpoint/restore are implemented (with CRIU, when it runs)
      'org.opencontainers.runc.checkpoint.enabled': 'true',
    },
  };
}
