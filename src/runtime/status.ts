import { fs } from '../native/fs';
import { isFrozen as frozen } from '../linux/cgroups/control';
import { procStat } from '../linux/proc';
import type { ContainerRecord } from './state-store';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/**
 * Status from evidence, never from a stored field: the process (pid + start time, not a zombie),
 * exec.fifo (present ⇒ created: the init still waits on it), the freezer (paused).
 */
export function deriveStatus(rec: ContainerRecord | undefined, fifoPath: string): Status {
  if (!rec || rec.pid <= 0 || rec.creating) return 'creating';
  if (!processAlive(rec.pid, rec.startTime)) return 'stopped';
  // runc: a frozen container is paused, even one that was never started
  if (isFrozen(rec)) return 'paused';
  if (fs.existsSync(fifoPath)) return 'created';
  return 'running';
}

export function processAlive(pid: number, startTime: string): boolean {
  const st = procStat(pid);
  if (!st) return false;
  if (st.state === 'Z' || st.state === 'X') return false;
  return st.startTime === startTime;
}

function isFrozen(rec: ContainerRecord): boolean {
  return rec.cgroupPaths ? frozen(rec.cgroupPaths) : false;
}

/** Status predicates, one place for the lifecycle rules. */
export const can = {
  start: (s: Status) => s === 'created',
  kill: (s: Status) => s === 'created' || s === 'running' || s === 'paused',
  deleteWithoutForce: (s: Status) => s === 'stopped' || s === 'created' || s === 'creating',
};
