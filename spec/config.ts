/**
 * config.json (config.md, schema/config-schema.json): the top level, `root`, `mounts`, `process`.
 * The `linux` section is in linux.ts, hooks in hooks.ts.
 */
import { z } from 'zod';
import {
  CAPABILITY_NAME_PATTERN,
  CPU_LIST_PATTERN,
  IOPRIO_CLASSES,
  RLIMIT_TYPE_PATTERN,
  SCHEDULER_FLAGS,
  SCHEDULER_POLICIES,
} from './constants';
import { Hooks } from './hooks';
import { Linux } from './linux';
import {
  Annotations,
  ArrayOfGIDs,
  ArrayOfStrings,
  Env,
  FilePath,
  GID,
  Int32,
  LinuxIDMapping,
  OciVersion,
  UID,
  Umask,
  Uint64,
  anyInteger,
  matching,
  oneOf,
  lazyObject,
} from './primitives';

export const Root = lazyObject(() => ({
  /** Absolute, or relative to the bundle. */
  path: FilePath,
  readonly: z.boolean().optional(),
}));
export type Root = z.infer<typeof Root>;

export const Mount = lazyObject(() => ({
  destination: FilePath,
  source: FilePath.optional(),
  type: z.string().optional(),
  options: ArrayOfStrings.optional(),
  /** id-mapped mount (with `idmap` / `ridmap` in options). */
  uidMappings: z.array(LinuxIDMapping).optional(),
  gidMappings: z.array(LinuxIDMapping).optional(),
}));
export type Mount = z.infer<typeof Mount>;

/** config-schema.json consoleSize (a `Box` in specs-go). */
export const ConsoleSize = lazyObject(() => ({
  height: Uint64,
  width: Uint64,
}));
export type ConsoleSize = z.infer<typeof ConsoleSize>;

/**
 * POSIX user. config.md calls `uid` and `gid` REQUIRED but config-schema.json does not, and runc
 * (a non-pointer Go field) reads a missing one as 0. So a missing `uid` / `gid` is accepted and
 * parsed as 0: the parsed value always has both (the only defaults in these schemas).
 */
export const User = lazyObject(() => ({
  uid: UID.default(0),
  gid: GID.default(0),
  umask: Umask.optional(),
  additionalGids: ArrayOfGIDs.optional(),
  /** Windows only. */
  username: z.string().optional(),
}));
export type User = z.infer<typeof User>;

/**
 * A capability name as features-linux.json constrains it (`^CAP_[A-Z_]+$`). Used by the features
 * schema. Deliberately NOT applied to `process.capabilities`: config-schema.json types those as
 * plain strings and config.md says unknown capabilities are to be warned about, not rejected, so
 * whether a name is known is a semantic check.
 */
export const CapabilityName = matching('capability', CAPABILITY_NAME_PATTERN);

export const LinuxCapabilities = lazyObject(() => ({
  bounding: ArrayOfStrings.optional(),
  effective: ArrayOfStrings.optional(),
  inheritable: ArrayOfStrings.optional(),
  permitted: ArrayOfStrings.optional(),
  ambient: ArrayOfStrings.optional(),
}));
export type LinuxCapabilities = z.infer<typeof LinuxCapabilities>;
/** `bounding | effective | inheritable | permitted | ambient`. */
export type CapabilitySet = keyof LinuxCapabilities;

/** One `process.rlimits[]` entry (a `POSIXRlimit` in specs-go). */
export const POSIXRlimit = lazyObject(() => ({
  /** `RLIMIT_*` (pattern `^RLIMIT_[A-Z]+$`); whether the kernel knows it is a semantic check. */
  type: matching('rlimit type', RLIMIT_TYPE_PATTERN),
  soft: Uint64,
  hard: Uint64,
}));
export type POSIXRlimit = z.infer<typeof POSIXRlimit>;

export const IOPriorityClass = oneOf('io priority class', IOPRIO_CLASSES);
export type IOPriorityClass = z.infer<typeof IOPriorityClass>;

/** `process.ioPriority` (`priority` is REQUIRED in the prose, optional in the schema). */
export const LinuxIOPriority = lazyObject(() => ({
  class: IOPriorityClass,
  priority: Int32.optional(),
}));
export type LinuxIOPriority = z.infer<typeof LinuxIOPriority>;

export const LinuxSchedulerPolicy = oneOf('scheduler policy', SCHEDULER_POLICIES);
export type LinuxSchedulerPolicy = z.infer<typeof LinuxSchedulerPolicy>;
export const LinuxSchedulerFlag = oneOf('scheduler flag', SCHEDULER_FLAGS);
export type LinuxSchedulerFlag = z.infer<typeof LinuxSchedulerFlag>;

/** `process.scheduler` (sched_setattr(2)). */
export const Scheduler = lazyObject(() => ({
  policy: LinuxSchedulerPolicy,
  nice: Int32.optional(),
  priority: Int32.optional(),
  flags: z.array(LinuxSchedulerFlag).optional(),
  runtime: Uint64.optional(),
  deadline: Uint64.optional(),
  period: Uint64.optional(),
}));
export type Scheduler = z.infer<typeof Scheduler>;

const CpuList = matching('cpu list', CPU_LIST_PATTERN, 'like "0-3,7"');

/** `process.execCPUAffinity` (for `exec`'d processes, not the init process). */
export const CPUAffinity = lazyObject(() => ({
  initial: CpuList.optional(),
  final: CpuList.optional(),
}));
export type CPUAffinity = z.infer<typeof CPUAffinity>;

/**
 * `process`. Only `cwd` is required by the schema; `args` being non-empty (required for
 * start/run) is a semantic check.
 */
export const Process = lazyObject(() => ({
  terminal: z.boolean().optional(),
  consoleSize: ConsoleSize.optional(),
  user: User.optional(),
  args: ArrayOfStrings.optional(),
  /** Windows only. */
  commandLine: z.string().optional(),
  env: Env.optional(),
  cwd: z.string(),
  capabilities: LinuxCapabilities.optional(),
  rlimits: z.array(POSIXRlimit).optional(),
  noNewPrivileges: z.boolean().optional(),
  apparmorProfile: z.string().optional(),
  /** Any integer in the schema; the kernel accepts -1000..1000. */
  oomScoreAdj: anyInteger().optional(),
  scheduler: Scheduler.optional(),
  selinuxLabel: z.string().optional(),
  ioPriority: LinuxIOPriority.optional(),
  execCPUAffinity: CPUAffinity.optional(),
}));
export type Process = z.infer<typeof Process>;

/**
 * config.json. Unknown properties are ignored (and dropped from the parsed value) at every
 * level, as config.md requires. The non-Linux platform sections are accepted as-is, unchecked.
 */
export const Spec = lazyObject(() => ({
  ociVersion: OciVersion,
  process: Process.optional(),
  /** REQUIRED on Linux by the prose, optional in the schema (checked semantically). */
  root: Root.optional(),
  hostname: z.string().optional(),
  domainname: z.string().optional(),
  mounts: z.array(Mount).optional(),
  hooks: Hooks.optional(),
  annotations: Annotations.optional(),
  linux: Linux.optional(),
  solaris: z.unknown().optional(),
  windows: z.unknown().optional(),
  vm: z.unknown().optional(),
  zos: z.unknown().optional(),
  freebsd: z.unknown().optional(),
}));
export type Spec = z.infer<typeof Spec>;
/** What may be written to config.json (differs from `Spec` only in `process.user.uid/gid` being optional). */
export type SpecInput = z.input<typeof Spec>;
