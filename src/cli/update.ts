import * as fs from 'node:fs';
import { CommandSpec, Parsed, str } from './args';
import type { Globals } from './globals';
import { StateStore } from '../runtime/state-store';
import { parseResources, resourcesFromFlags, update } from '../runtime/update';
import { HeziError } from '../runtime/errors';

export const command: CommandSpec = {
  name: 'update',
  arity: { min: 1, max: 1 },
  describe: 'update container resource constraints',
  argsUsage: '<container-id>',
  options: {
    resources: {
      type: 'string',
      alias: ['r'],
      describe: "path to the file containing the resources to update or '-' to read from the standard input (all other options are then ignored)",
    },
    'blkio-weight': { type: 'number', describe: 'Specifies per cgroup weight, range is from 10 to 1000' },
    'cpu-period': { type: 'string', describe: 'CPU CFS period to be used for hardcapping (in usecs). 0 to use system default' },
    'cpu-quota': { type: 'string', describe: 'CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period' },
    'cpu-burst': { type: 'string', describe: 'CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period' },
    'cpu-share': { type: 'string', alias: ['cpu-shares'], describe: 'CPU shares (relative weight vs. other containers)' },
    'cpu-rt-period': { type: 'string', describe: 'CPU realtime period to be used for hardcapping (in usecs). 0 to use system default' },
    'cpu-rt-runtime': { type: 'string', describe: 'CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period' },
    'cpuset-cpus': { type: 'string', describe: 'CPU(s) to use' },
    'cpuset-mems': { type: 'string', describe: 'Memory node(s) to use' },
    memory: { type: 'string', describe: 'Memory limit (in bytes)' },
    'cpu-idle': { type: 'string', describe: 'set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE' },
    'memory-reservation': { type: 'string', describe: 'Memory reservation or soft_limit (in bytes)' },
    'memory-swap': { type: 'string', describe: "Total memory usage (memory + swap); set '-1' to enable unlimited swap" },
    'kernel-memory': { type: 'string', describe: 'Kernel memory limit (in bytes); written only where the kernel still has the file', hidden: true },
    'kernel-memory-tcp': { type: 'string', describe: 'Kernel memory limit for tcp buffer (in bytes); written only where the kernel still has the file', hidden: true },
    'pids-limit': { type: 'number', describe: 'Maximum number of pids allowed in the container' },
    'l3-cache-schema': { type: 'string', describe: 'The string of Intel RDT/CAT L3 cache schema' },
    'mem-bw-schema': { type: 'string', describe: 'The string of Intel RDT/MBA memory bandwidth schema' },
  },
};

export function handler(p: Parsed, g: Globals): number {
  const v = p.values;
  const id = p.positionals[0] ?? '';
  if (!id) throw new HeziError('container id cannot be empty');
  const file = str(v, 'resources');
  let patch;
  if (file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      throw new HeziError(`open ${file}: ${(e as Error).message}`);
    }
    patch = parseResources(text);
  } else {
    const n = (k: string): number | undefined => (typeof v[k] === 'number' ? (v[k] as number) : undefined);
    patch = resourcesFromFlags({
      memory: str(v, 'memory'),
      memoryReservation: str(v, 'memory-reservation'),
      memorySwap: str(v, 'memory-swap'),
      kernelMemory: str(v, 'kernel-memory'),
      kernelMemoryTcp: str(v, 'kernel-memory-tcp'),
      cpuShares: str(v, 'cpu-share'),
      cpuQuota: str(v, 'cpu-quota'),
      cpuBurst: str(v, 'cpu-burst'),
      cpuIdle: str(v, 'cpu-idle'),
      cpuPeriod: str(v, 'cpu-period'),
      cpuRtRuntime: str(v, 'cpu-rt-runtime'),
      cpuRtPeriod: str(v, 'cpu-rt-period'),
      cpusetCpus: str(v, 'cpuset-cpus'),
      cpusetMems: str(v, 'cpuset-mems'),
      pidsLimit: n('pids-limit'),
      blkioWeight: n('blkio-weight'),
    });
  }
  update(new StateStore(g.root), id, patch, { l3CacheSchema: str(v, 'l3-cache-schema'), memBwSchema: str(v, 'mem-bw-schema') });
  return 0;
}
