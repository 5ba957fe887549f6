/**
 * `linux.resources` (config-linux.md "Control groups", config-linux.json resources,
 * defs-linux.json DeviceCgroup / blockIO* / NetworkInterfacePriority / Rdma).
 */
import { z } from 'zod';
import { HUGEPAGE_SIZE_PATTERN } from './constants';
import { Int64, MapStringString, Uint16, Uint32, Uint64, matching, lazyObject } from './primitives';

/** defs-linux.json Major / Minor: int64 device numbers. */
export const Major = Int64;
export const Minor = Int64;

/** defs-linux.json DeviceCgroup: one entry of the device allow/deny list. */
export const LinuxDeviceCgroup = lazyObject(() => ({
  allow: z.boolean(),
  /** `a`, `c` or `b` per config-linux.md; a plain string in the JSON schema. */
  type: z.string().optional(),
  major: Major.optional(),
  minor: Minor.optional(),
  access: z.string().optional(),
}));
export type LinuxDeviceCgroup = z.infer<typeof LinuxDeviceCgroup>;

export const LinuxMemory = lazyObject(() => ({
  limit: Int64.optional(),
  reservation: Int64.optional(),
  swap: Int64.optional(),
  /** NOT RECOMMENDED (kernel memory accounting is gone from cgroup v2). */
  kernel: Int64.optional(),
  /** NOT RECOMMENDED. */
  kernelTCP: Int64.optional(),
  swappiness: Uint64.optional(),
  disableOOMKiller: z.boolean().optional(),
  useHierarchy: z.boolean().optional(),
  checkBeforeUpdate: z.boolean().optional(),
}));
export type LinuxMemory = z.infer<typeof LinuxMemory>;

export const LinuxCPU = lazyObject(() => ({
  shares: Uint64.optional(),
  quota: Int64.optional(),
  burst: Uint64.optional(),
  period: Uint64.optional(),
  realtimeRuntime: Int64.optional(),
  realtimePeriod: Uint64.optional(),
  cpus: z.string().optional(),
  mems: z.string().optional(),
  idle: Int64.optional(),
}));
export type LinuxCPU = z.infer<typeof LinuxCPU>;

export const LinuxPids = lazyObject(() => ({
  /**
   * `-1` (or any value <= 0 for runc) means no limit. config-linux.md v1.3 makes `limit`
   * OPTIONAL; config-linux.json still lists it as required. A field is required here only
   * when both documents require it, so it is optional.
   */
  limit: Int64.optional(),
}));
export type LinuxPids = z.infer<typeof LinuxPids>;

/** defs-linux.json blockIODeviceWeight. */
export const LinuxWeightDevice = lazyObject(() => ({
  major: Major,
  minor: Minor,
  weight: Uint16.optional(),
  leafWeight: Uint16.optional(),
}));
export type LinuxWeightDevice = z.infer<typeof LinuxWeightDevice>;

/** defs-linux.json blockIODeviceThrottle (`rate` is REQUIRED in the prose, optional in the schema). */
export const LinuxThrottleDevice = lazyObject(() => ({
  major: Major,
  minor: Minor,
  rate: Uint64.optional(),
}));
export type LinuxThrottleDevice = z.infer<typeof LinuxThrottleDevice>;

export const LinuxBlockIO = lazyObject(() => ({
  weight: Uint16.optional(),
  leafWeight: Uint16.optional(),
  weightDevice: z.array(LinuxWeightDevice).optional(),
  throttleReadBpsDevice: z.array(LinuxThrottleDevice).optional(),
  throttleWriteBpsDevice: z.array(LinuxThrottleDevice).optional(),
  throttleReadIOPSDevice: z.array(LinuxThrottleDevice).optional(),
  throttleWriteIOPSDevice: z.array(LinuxThrottleDevice).optional(),
}));
export type LinuxBlockIO = z.infer<typeof LinuxBlockIO>;

export const LinuxHugepageLimit = lazyObject(() => ({
  /** e.g. `2MB`, `1GB`, `64KB` (`^[1-9][0-9]*[KMG]B$`). */
  pageSize: matching('hugepage size', HUGEPAGE_SIZE_PATTERN, 'like "2MB" or "1GB"'),
  limit: Uint64,
}));
export type LinuxHugepageLimit = z.infer<typeof LinuxHugepageLimit>;

/** defs-linux.json NetworkInterfacePriority. */
export const LinuxInterfacePriority = lazyObject(() => ({
  name: z.string(),
  priority: Uint32,
}));
export type LinuxInterfacePriority = z.infer<typeof LinuxInterfacePriority>;

export const LinuxNetwork = lazyObject(() => ({
  classID: Uint32.optional(),
  priorities: z.array(LinuxInterfacePriority).optional(),
}));
export type LinuxNetwork = z.infer<typeof LinuxNetwork>;

/** defs-linux.json Rdma: the limits for one device (the key of `rdma`). */
export const LinuxRdma = lazyObject(() => ({
  hcaHandles: Uint32.optional(),
  hcaObjects: Uint32.optional(),
}));
export type LinuxRdma = z.infer<typeof LinuxRdma>;

export const LinuxResources = lazyObject(() => ({
  devices: z.array(LinuxDeviceCgroup).optional(),
  memory: LinuxMemory.optional(),
  cpu: LinuxCPU.optional(),
  pids: LinuxPids.optional(),
  blockIO: LinuxBlockIO.optional(),
  hugepageLimits: z.array(LinuxHugepageLimit).optional(),
  network: LinuxNetwork.optional(),
  /** Device name -> limits. */
  rdma: z.record(z.string(), LinuxRdma).optional(),
  /** cgroup v2 file name -> content. */
  unified: MapStringString.optional(),
}));
export type LinuxResources = z.infer<typeof LinuxResources>;
