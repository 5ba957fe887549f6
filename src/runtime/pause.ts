/** `pause` / `resume`: the cgroup freezer (v1 freezer.state, v2 cgroup.freeze), runc's rules and words. */
import { freeze, isFrozen, thaw } from '../linux/cgroups/control';
import { load } from './container';
import { E, HeziError } from './errors';
import type { StateStore } from './state-store';

/** runc: a running or created container can be paused; anything else is "container not running". */
export function pause(store: StateStore, id: string): void {
  const { rec } = load(store, id);
  const unlock = store.lock(id);
  try {
    const { status } = load(store, id);
    if (!rec || (status !== 'running' && status !== 'created')) throw E.notRunning();
    if (!rec.cgroupPaths) throw new HeziError('cannot pause a container that has no cgroup');
    // a paused created container still reports "created" (exec.fifo wins in deriveStatus)
    if (isFrozen(rec.cgroupPaths)) throw E.notRunning();
    freeze(rec.cgroupPaths);
  } finally {
    unlock();
  }
}

/** runc: only a paused container can be resumed ("container not paused"). */
export function resume(store: StateStore, id: string): void {
  const { rec } = load(store, id);
  const unlock = store.lock(id);
  try {
    const { status } = load(store, id);
    const frozen = rec?.cgroupPaths !== undefined && isFrozen(rec.cgroupPaths);
    if (!rec || !rec.cgroupPaths || !(status === 'paused' || (status === 'created' && frozen))) throw new HeziError('container not paused');
    thaw(rec.cgroupPaths);
  } finally {
    unlock();
  }
}
