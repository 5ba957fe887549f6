/** `ps`: the container's processes (cgroup.procs), as a JSON array or filtered `ps` output (runc's). */
import { spawnSync } from 'node:child_process';
import { cgroupPids } from '../linux/cgroups/control';
import { containerPids, load } from './container';
import { HeziError } from './errors';
import type { StateStore } from './state-store';

export function ps(store: StateStore, id: string, format: string, psArgs: string[]): string {
  if (format !== 'table' && format !== 'json') throw new HeziError('invalid format option');
  const { rec } = load(store, id);
  if (!rec) throw new HeziError('container not running');
  const pids = rec.cgroupPaths ? cgroupPids(rec.cgroupPaths) : containerPids(rec);
  // runc encodes a nil Go slice: `null` when there is no process
  if (format === 'json') return (pids.length ? JSON.stringify(pids) : 'null') + '\n';
  return filterPs(runPs(psArgs.length ? psArgs : ['-ef']), pids);
}

function runPs(args: string[]): string {
  const r = spawnSync('ps', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new HeziError(`exec: "ps": ${r.error.message}`);
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  if (r.status !== 0) throw new HeziError(`exit status ${r.status ?? 'signal'}: ${out}`);
  return r.stdout ?? '';
}

/** Keep ps's header and the lines whose PID column is one of `pids` (runc's ps). */
export function filterPs(output: string, pids: readonly number[]): string {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const pidIndex = header.trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new HeziError("couldn't find PID field in ps output");
  const want = new Set(pids);
  const out = [header];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const f = line.trim().split(/\s+/);
    const p = Number(f[pidIndex]);
    if (!Number.isInteger(p)) throw new HeziError(`unable to parse pid: strconv.Atoi: parsing ${JSON.stringify(f[pidIndex] ?? '')}: invalid syntax`);
    if (want.has(p)) out.push(line);
  }
  return out.join('\n') + '\n';
}
