/**
 * `events`: runc's event stream on stdout, one JSON object per line:
 *   {"type":"stats","id":…,"data":{cpu,cpuset,memory,pids,blkio,hugetlb,…}}   every --interval
 *   {"type":"oom","id":…}                                                     on each OOM kill
 * `--stats` prints one stats event and exits. OOM kills are seen by polling the counter
 * (v1 memory.oom_control oom_kill, v2 memory.events oom_kill) every 100 ms. Unlike runc, the
 * stream ends (status 0) when the container stops or is deleted.
 */
import { stringifyJson } from '../linux/cgroups/json';
import { oomKillCount, readStats } from '../linux/cgroups/stats';
import { load } from './container';
import { HeziError } from './errors';
import type { ContainerRecord, StateStore } from './state-store';

/** Go's time.ParseDuration, for the units runc users write ("5s", "100ms", "1m30s"). */
export function parseDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    ms += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== s.length || s.length === 0) return undefined;
  return ms;
}

function running(store: StateStore, id: string): ContainerRecord {
  const { rec, status } = load(store, id);
  if (!rec || status === 'stopped' || status === 'creating') throw new HeziError(`container with id ${id} is not running`);
  if (!rec.cgroupPaths) throw new HeziError(`container with id ${id} has no cgroup`);
  return rec;
}

export function statsEvent(rec: ContainerRecord): string {
  return stringifyJson({ type: 'stats', id: rec.id, data: readStats(rec.cgroupPaths ?? {}) }) + '\n';
}

export async function events(store: StateStore, id: string, o: { stats: boolean; interval: string }, out: (s: string) => void): Promise<void> {
  const interval = parseDuration(o.interval);
  if (interval === undefined) throw new HeziError(`invalid value "${o.interval}" for flag -interval: parse error`);
  if (interval <= 0) throw new HeziError('duration interval must be greater than 0');
  const rec = running(store, id);
  if (o.stats) {
    out(statsEvent(rec));
    return;
  }
  const paths = rec.cgroupPaths ?? {};
  let ooms = oomKillCount(paths) ?? 0n;
  let nextStats = Date.now() + interval;
  const alive = (): boolean => {
    try {
      const { status } = load(store, id);
      return status !== 'stopped';
    } catch {
      return false;
    }
  };
  for (;;) {
    await new Promise((r) => setTimeout(r, Math.max(1, Math.min(100, nextStats - Date.now()))));
    const n = oomKillCount(paths);
    if (n !== undefined && n > ooms) {
      for (let k = ooms; k < n && k < ooms + 100n; k++) out(stringifyJson({ type: 'oom', id }) + '\n');
      ooms = n;
    }
    if (!alive()) return;
    if (Date.now() >= nextStats) {
      out(statsEvent(rec));
      nextStats += interval;
      if (nextStats < Date.now()) nextStats = Date.now() + interval;
    }
  }
}
