/**
 * The `linux` section of config.json (config-linux.md, config-linux.json, defs-linux.json).
 */
import { z } from 'zod';
import {
  DEVICE_TYPES,
  MEMORY_POLICY_FLAGS,
  MEMORY_POLICY_MODES,
  MEM_BW_SCHEMA_PATTERN,
  NAMESPACE_TYPES,
  PERSONALITY_DOMAINS,
  ROOTFS_PROPAGATIONS,
} from './constants';
import {
  ArrayOfStrings,
  FileMode,
  FilePath,
  GID,
  Int64,
  LinuxIDMapping,
  MapStringString,
  UID,
  Uint32,
  matching,
  oneOf,
  lazyObject,
} from './primitives';
import { LinuxResources, Major, Minor } from './resources';
import { LinuxSeccomp } from './seccomp';

export const LinuxNamespaceType = oneOf('namespace', NAMESPACE_TYPES);
export type LinuxNamespaceType = z.infer<typeof LinuxNamespaceType>;

/** defs-linux.json NamespaceReference: a new namespace, or (with `path`) one to join. */
export const LinuxNamespace = lazyObject(() => ({
  type: LinuxNamespaceType,
  path: FilePath.optional(),
}));
export type LinuxNamespace = z.infer<typeof LinuxNamespace>;

/** defs-linux.json TimeOffsets: the offset of one clock. */
export const LinuxTimeOffset = lazyObject(() => ({
  secs: Int64.optional(),
  nanosecs: Uint32.optional(),
}));
export type LinuxTimeOffset = z.infer<typeof LinuxTimeOffset>;

export const LinuxDeviceType = oneOf('device type', DEVICE_TYPES);
export type LinuxDeviceType = z.infer<typeof LinuxDeviceType>;

/** defs-linux.json Device: a device node to create in the container. */
export const LinuxDevice = lazyObject(() => ({
  type: LinuxDeviceType,
  path: FilePath,
  /** REQUIRED unless `type` is `p` per the prose; optional in the schema (checked semantically). */
  major: Major.optional(),
  minor: Minor.optional(),
  /** Permission bits, in decimal (0 to 511). */
  fileMode: FileMode.optional(),
  uid: UID.optional(),
  gid: GID.optional(),
}));
export type LinuxDevice = z.infer<typeof LinuxDevice>;

/** defs-linux.json NetDevice: the value under a host interface name in `netDevices`. */
export const LinuxNetDevice = lazyObject(() => ({
  /** Name inside the container; defaults to the host name. */
  name: z.string().optional(),
}));
export type LinuxNetDevice = z.infer<typeof LinuxNetDevice>;

export const RootfsPropagation = oneOf('rootfsPropagation', ROOTFS_PROPAGATIONS);
export type RootfsPropagation = z.infer<typeof RootfsPropagation>;

export const LinuxIntelRdt = lazyObject(() => ({
  closID: z.string().optional(),
  schemata: ArrayOfStrings.optional(),
  l3CacheSchema: z.string().optional(),
  memBwSchema: matching('memBwSchema', MEM_BW_SCHEMA_PATTERN, 'must start with "MB:" and have no newline').optional(),
  enableMonitoring: z.boolean().optional(),
}));
export type LinuxIntelRdt = z.infer<typeof LinuxIntelRdt>;

export const LinuxMemoryPolicyMode = oneOf('memory policy mode', MEMORY_POLICY_MODES);
export type LinuxMemoryPolicyMode = z.infer<typeof LinuxMemoryPolicyMode>;
export const LinuxMemoryPolicyFlag = oneOf('memory policy flag', MEMORY_POLICY_FLAGS);
export type LinuxMemoryPolicyFlag = z.infer<typeof LinuxMemoryPolicyFlag>;

export const LinuxMemoryPolicy = lazyObject(() => ({
  /** REQUIRED in the prose, optional in the schema. */
  mode: LinuxMemoryPolicyMode.optional(),
  nodes: z.string().optional(),
  flags: z.array(LinuxMemoryPolicyFlag).optional(),
}));
export type LinuxMemoryPolicy = z.infer<typeof LinuxMemoryPolicy>;

export const LinuxPersonalityDomain = oneOf('personality domain', PERSONALITY_DOMAINS);
export type LinuxPersonalityDomain = z.infer<typeof LinuxPersonalityDomain>;

export const LinuxPersonality = lazyObject(() => ({
  /** REQUIRED in the prose, optional in the schema. */
  domain: LinuxPersonalityDomain.optional(),
  flags: ArrayOfStrings.optional(),
}));
export type LinuxPersonality = z.infer<typeof LinuxPersonality>;

export const Linux = lazyObject(() => ({
  namespaces: z.array(LinuxNamespace).optional(),
  uidMappings: z.array(LinuxIDMapping).optional(),
  gidMappings: z.array(LinuxIDMapping).optional(),
  /** Clock name (`monotonic`, `boottime`) -> offset. */
  timeOffsets: z.record(z.string(), LinuxTimeOffset).optional(),
  devices: z.array(LinuxDevice).optional(),
  /** Host interface name -> settings. */
  netDevices: z.record(z.string(), LinuxNetDevice).optional(),
  cgroupsPath: z.string().optional(),
  resources: LinuxResources.optional(),
  rootfsPropagation: RootfsPropagation.optional(),
  seccomp: LinuxSeccomp.optional(),
  sysctl: MapStringString.optional(),
  maskedPaths: ArrayOfStrings.optional(),
  readonlyPaths: ArrayOfStrings.optional(),
  mountLabel: z.string().optional(),
  intelRdt: LinuxIntelRdt.optional(),
  memoryPolicy: LinuxMemoryPolicy.optional(),
  personality: LinuxPersonality.optional(),
}));
export type Linux = z.infer<typeof Linux>;
