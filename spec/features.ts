/**
 * The Features structure (features.md, features-linux.md, schema/features-schema.json,
 * schema/features-linux.json): what `hezi features` prints.
 *
 * features.md: every property except `ociVersionMin` / `ociVersionMax` MAY be absent or `null`,
 * so all the others accept `null` here. The `memoryPolicy` object and the `intelRdt.schemata` /
 * `intelRdt.monitoring` flags are described in features-linux.md but missing from
 * features-linux.json; they are included.
 */
import { z } from 'zod';
import { CapabilityName } from './config';
import { LinuxMemoryPolicyFlag, LinuxMemoryPolicyMode, LinuxNamespaceType } from './linux';
import { Annotations, ArrayOfStrings, OciVersion, lazyObject } from './primitives';
import { LinuxSeccompAction, LinuxSeccompArch, LinuxSeccompFlag, LinuxSeccompOperator } from './seccomp';

/** Absent or null. */
function maybe<T extends z.ZodTypeAny>(schema: T) {
  return schema.nullable().optional();
}

const Enabled = lazyObject(() => ({ enabled: maybe(z.boolean()) }));

export const LinuxCgroupFeatures = lazyObject(() => ({
  v1: maybe(z.boolean()),
  v2: maybe(z.boolean()),
  systemd: maybe(z.boolean()),
  systemdUser: maybe(z.boolean()),
  rdma: maybe(z.boolean()),
}));
export type LinuxCgroupFeatures = z.infer<typeof LinuxCgroupFeatures>;

export const LinuxSeccompFeatures = lazyObject(() => ({
  enabled: maybe(z.boolean()),
  actions: maybe(z.array(LinuxSeccompAction)),
  operators: maybe(z.array(LinuxSeccompOperator)),
  archs: maybe(z.array(LinuxSeccompArch)),
  knownFlags: maybe(z.array(LinuxSeccompFlag)),
  supportedFlags: maybe(z.array(LinuxSeccompFlag)),
}));
export type LinuxSeccompFeatures = z.infer<typeof LinuxSeccompFeatures>;

export const LinuxMemoryPolicyFeatures = lazyObject(() => ({
  modes: maybe(z.array(LinuxMemoryPolicyMode)),
  flags: maybe(z.array(LinuxMemoryPolicyFlag)),
}));
export type LinuxMemoryPolicyFeatures = z.infer<typeof LinuxMemoryPolicyFeatures>;

export const LinuxIntelRdtFeatures = lazyObject(() => ({
  enabled: maybe(z.boolean()),
  schemata: maybe(z.boolean()),
  monitoring: maybe(z.boolean()),
}));
export type LinuxIntelRdtFeatures = z.infer<typeof LinuxIntelRdtFeatures>;

export const LinuxMountExtensionsFeatures = lazyObject(() => ({
  idmap: maybe(Enabled),
}));
export type LinuxMountExtensionsFeatures = z.infer<typeof LinuxMountExtensionsFeatures>;

export const LinuxFeatures = lazyObject(() => ({
  namespaces: maybe(z.array(LinuxNamespaceType)),
  capabilities: maybe(z.array(CapabilityName)),
  cgroup: maybe(LinuxCgroupFeatures),
  seccomp: maybe(LinuxSeccompFeatures),
  apparmor: maybe(Enabled),
  selinux: maybe(Enabled),
  memoryPolicy: maybe(LinuxMemoryPolicyFeatures),
  intelRdt: maybe(LinuxIntelRdtFeatures),
  mountExtensions: maybe(LinuxMountExtensionsFeatures),
  netDevices: maybe(Enabled),
}));
export type LinuxFeatures = z.infer<typeof LinuxFeatures>;

export const Features = lazyObject(() => ({
  ociVersionMin: OciVersion,
  ociVersionMax: OciVersion,
  hooks: maybe(ArrayOfStrings),
  mountOptions: maybe(ArrayOfStrings),
  annotations: maybe(Annotations),
  potentiallyUnsafeConfigAnnotations: maybe(ArrayOfStrings),
  linux: maybe(LinuxFeatures),
}));
export type Features = z.infer<typeof Features>;
