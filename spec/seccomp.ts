/**
 * `linux.seccomp` (config-linux.md "Seccomp", defs-linux.json Syscall / SyscallArg / Seccomp*),
 * and the container process state sent to a seccomp listener (config-linux.md
 * "The Container Process State").
 */
import { z } from 'zod';
import { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS } from './constants';
import { OciVersion, Uint32, Uint64, anyInteger, oneOf, lazyObject } from './primitives';
import { State } from './state';

export const LinuxSeccompAction = oneOf('seccomp action', SECCOMP_ACTIONS);
export type LinuxSeccompAction = z.infer<typeof LinuxSeccompAction>;
export const LinuxSeccompOperator = oneOf('seccomp operator', SECCOMP_OPERATORS);
export type LinuxSeccompOperator = z.infer<typeof LinuxSeccompOperator>;
export const LinuxSeccompArch = oneOf('seccomp architecture', SECCOMP_ARCHES);
export type LinuxSeccompArch = z.infer<typeof LinuxSeccompArch>;
export const LinuxSeccompFlag = oneOf('seccomp flag', SECCOMP_FLAGS);
export type LinuxSeccompFlag = z.infer<typeof LinuxSeccompFlag>;

export const LinuxSeccompArg = lazyObject(() => ({
  index: Uint32,
  value: Uint64,
  valueTwo: Uint64.optional(),
  op: LinuxSeccompOperator,
}));
export type LinuxSeccompArg = z.infer<typeof LinuxSeccompArg>;

export const LinuxSyscall = lazyObject(() => ({
  /** At least one name (defs-linux.json `minItems: 1`). */
  names: z.array(z.string()).min(1, { message: 'must contain at least one syscall name' }),
  action: LinuxSeccompAction,
  errnoRet: Uint32.optional(),
  args: z.array(LinuxSeccompArg).optional(),
}));
export type LinuxSyscall = z.infer<typeof LinuxSyscall>;

export const LinuxSeccomp = lazyObject(() => ({
  defaultAction: LinuxSeccompAction,
  defaultErrnoRet: Uint32.optional(),
  architectures: z.array(LinuxSeccompArch).optional(),
  flags: z.array(LinuxSeccompFlag).optional(),
  listenerPath: z.string().optional(),
  listenerMetadata: z.string().optional(),
  syscalls: z.array(LinuxSyscall).optional(),
}));
export type LinuxSeccomp = z.infer<typeof LinuxSeccomp>;

/**
 * The JSON payload sent over `listenerPath` (with the fds via SCM_RIGHTS). Not part of
 * config.json; here so the seccomp-notify code and its tests share one definition.
 */
export const ContainerProcessState = lazyObject(() => ({
  ociVersion: OciVersion,
  fds: z.array(z.string()).optional(),
  pid: anyInteger(),
  metadata: z.string().optional(),
  state: State,
}));
export type ContainerProcessState = z.infer<typeof ContainerProcessState>;
