/**
 * The state of a container (runtime.md "State", schema/state-schema.json): what `hezi state`
 * prints and what hooks read on stdin.
 */
import { z } from 'zod';
import { CONTAINER_STATUSES } from './constants';
import { Annotations, OciVersion, integerAtLeast, oneOf, lazyObject } from './primitives';

/** `creating | created | running | stopped`, plus runc's `paused`. */
export const ContainerStatus = oneOf('status', CONTAINER_STATUSES);
export type ContainerStatus = z.infer<typeof ContainerStatus>;

export const State = lazyObject(() => ({
  ociVersion: OciVersion,
  id: z.string(),
  status: ContainerStatus,
  /**
   * Optional in the schema; runtime.md requires it on Linux when status is `created` or
   * `running` (a semantic rule, not checked here).
   */
  pid: integerAtLeast(0).optional(),
  bundle: z.string(),
  annotations: Annotations.optional(),
}));
export type State = z.infer<typeof State>;
