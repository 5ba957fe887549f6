/**
 * POSIX-platform hooks (config.md "POSIX-platform Hooks", defs.json Hook / ArrayOfHooks).
 *
 * Schema layer only: config.md says a hook `path` MUST be absolute, but defs.json types it as a
 * plain FilePath string, so that rule is a semantic check (src/config/validate.ts), not a schema one.
 */
import { z } from 'zod';
import { ArrayOfStrings, Env, FilePath, integerAtLeast, lazyObject } from './primitives';

/** `timeout` in seconds: an integer >= 1. */
const HookTimeout = integerAtLeast(1);

export const Hook = lazyObject(() => ({
  path: FilePath,
  args: ArrayOfStrings.optional(),
  env: Env.optional(),
  timeout: HookTimeout.optional(),
}));
export type Hook = z.infer<typeof Hook>;

export const ArrayOfHooks = z.array(Hook);

export const Hooks = lazyObject(() => ({
  /** DEPRECATED in the spec, still honoured by runc. */
  prestart: ArrayOfHooks.optional(),
  createRuntime: ArrayOfHooks.optional(),
  createContainer: ArrayOfHooks.optional(),
  startContainer: ArrayOfHooks.optional(),
  poststart: ArrayOfHooks.optional(),
  poststop: ArrayOfHooks.optional(),
}));
export type Hooks = z.infer<typeof Hooks>;

/** `prestart | createRuntime | createContainer | startContainer | poststart | poststop`. */
export type HookKind = keyof Hooks;
