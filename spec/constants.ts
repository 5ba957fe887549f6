/**
 * The closed value sets of the OCI runtime-spec v1.3.0 (schema/defs-linux.json, config-schema.json,
 * state-schema.json), as plain readonly tuples.
 *
 * This module does NOT import zod: hot code paths (state, start, kill, delete) may import it freely
 * without paying for schema construction. The zod schemas in this directory are built from these
 * tuples. The literal union types (LinuxNamespaceType, LinuxSeccompAction, ...) are exported by
 * the schema modules, inferred from the schemas; `import type` them from 'spec' at no cost.
 */

/** The `ociVersion` this package implements. */
export const OCI_VERSION = '1.3.0';

/** defs-linux.json NamespaceType: `linux.namespaces[].type`. */
export const NAMESPACE_TYPES = ['mount', 'pid', 'network', 'uts', 'ipc', 'user', 'cgroup', 'time'] as const;

/**
 * `linux.rootfsPropagation`: defs-linux.json RootfsPropagation (the first four), plus the
 * recursive forms runc also accepts (its mountPropagationMapping), which Docker-era configs use.
 */
export const ROOTFS_PROPAGATIONS = ['private', 'shared', 'slave', 'unbindable', 'rprivate', 'rshared', 'rslave', 'runbindable'] as const;

/** defs-linux.json SeccompAction: `linux.seccomp.defaultAction`, `linux.seccomp.syscalls[].action`. */
export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;

/** defs-linux.json SeccompOperators: `linux.seccomp.syscalls[].args[].op`. */
export const SECCOMP_OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;

/** defs-linux.json SeccompArch: `linux.seccomp.architectures[]`. */
export const SECCOMP_ARCHES = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
] as const;

/** defs-linux.json SeccompFlag: `linux.seccomp.flags[]`. */
export const SECCOMP_FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC',
  'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
] as const;

/** defs-linux.json PersonalityDomain: `linux.personality.domain`. */
export const PERSONALITY_DOMAINS = ['LINUX', 'LINUX32'] as const;

/** defs-linux.json MemoryPolicyMode: `linux.memoryPolicy.mode`. */
export const MEMORY_POLICY_MODES = [
  'MPOL_DEFAULT',
  'MPOL_BIND',
  'MPOL_INTERLEAVE',
  'MPOL_WEIGHTED_INTERLEAVE',
  'MPOL_PREFERRED',
  'MPOL_PREFERRED_MANY',
  'MPOL_LOCAL',
] as const;

/** defs-linux.json MemoryPolicyFlag: `linux.memoryPolicy.flags[]`. */
export const MEMORY_POLICY_FLAGS = ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'] as const;

/** defs-linux.json SchedulerPolicy: `process.scheduler.policy`. */
export const SCHEDULER_POLICIES = [
  'SCHED_OTHER',
  'SCHED_FIFO',
  'SCHED_RR',
  'SCHED_BATCH',
  'SCHED_ISO',
  'SCHED_IDLE',
  'SCHED_DEADLINE',
] as const;

/** defs-linux.json SchedulerFlag: `process.scheduler.flags[]`. */
export const SCHEDULER_FLAGS = [
  'SCHED_FLAG_RESET_ON_FORK',
  'SCHED_FLAG_RECLAIM',
  'SCHED_FLAG_DL_OVERRUN',
  'SCHED_FLAG_KEEP_POLICY',
  'SCHED_FLAG_KEEP_PARAMS',
  'SCHED_FLAG_UTIL_CLAMP_MIN',
  'SCHED_FLAG_UTIL_CLAMP_MAX',
] as const;

/** config-schema.json `process.ioPriority.class`. */
export const IOPRIO_CLASSES = ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'] as const;

/** defs-linux.json FileType (`^[cbup]$`): `linux.devices[].type`. */
export const DEVICE_TYPES = ['c', 'b', 'u', 'p'] as const;

/**
 * state-schema.json `status`, plus `paused`, which runc (and hence its callers) also report.
 * runtime.md allows runtimes to define additional states.
 */
export const CONTAINER_STATUSES = ['creating', 'created', 'running', 'stopped', 'paused'] as const;

/** The hook kinds of config.md "POSIX-platform Hooks", in lifecycle order. */
export const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;

/** The five capability sets of `process.capabilities`. */
export const CAPABILITY_SETS = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const;

/** features-linux.json capability name pattern. */
export const CAPABILITY_NAME_PATTERN = /^CAP_[A-Z_]+$/;
/** config-schema.json rlimit type pattern. */
export const RLIMIT_TYPE_PATTERN = /^RLIMIT_[A-Z]+$/;
/** config-linux.json hugepage size pattern. */
export const HUGEPAGE_SIZE_PATTERN = /^[1-9][0-9]*[KMG]B$/;
/** config-schema.json execCPUAffinity list pattern. */
export const CPU_LIST_PATTERN = /^[0-9, -]*$/;
/** config-linux.json intelRdt.memBwSchema pattern. */
export const MEM_BW_SCHEMA_PATTERN = /^MB:[^\n]*$/;
