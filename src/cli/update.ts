import * as fs from 'node:fs';
import { CommandSpec, Parsed, str } from './args';
import type { Globals } from './globals';
import { log } from '../runtime/log';
import { StateStore } from '../runtime/state-store';
import { parseResources, resourcesFromFlags, update } from '../runtime/update';
import { HeziError } from '../runtime/errors';

export const command: CommandSpec = {
  name: 'update',
  describe: 'update container resource constraints',
  usage: 'update [command options] <container-id>',
  options: {
    resources: {
      type: 'string',
      alias: ['r'],
      describe: "path to the file containing the resources to update or '-' to read from the standard input (all other options are then ignored)",
    },
    'blkio-weight': { type: 'number', describe: 'Specifies per cgroup weight, range is from 10 to 1000' },
    'cpu-period': { type: 'string', describe: 'CPU CFS period to be used for hardcapping (in usecs). 0 to use system default' },
    'cpu-quota': { type: 'string', describe: 'CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period' },
    'cpu-share': { type: 'string', alias: ['cpu-shares'], describe: 'CPU shares (relative weight vs. other containers)' },
    'cpu-rt-period': { type: 'string', describe: 'CPU realtime period to be used for hardcapping (in usecs). 0 to use system default' },
    'cpu-rt-runtime': { type: 'string', describe: 'CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period' },
    'cpuset-cpus': { type: 'string', describe: 'CPU(s) to use' },
    'cpuset-mems': { type: 'string', describe: 'Memory node(s) to use' },
    memory: { type: 'string', describe: 'Memory limit (in bytes)' },
    'memory-reservation': { type: 'string', describe: 'Memory reservation or soft_limit (in bytes)' },
    'memory-swap': { type: 'string', describe: "Total memory usage (memory + swap); set '-1' to enable unlimited swap" },
    'kernel-memory': { type: 'string', describe: 'Kernel memory limit (in bytes); written only where the kernel still has the file' },
    'kernel-memory-tcp': { type: 'string', describe: 'Kernel memory limit for tcp buffer (in bytes); written only where the kernel still has the file' },
    'pids-limit': { type: 'number', describe: 'Maximum number of pids allowed in the container' },
    'l3-cache-schema': { type: 'string', describe: 'The string of Intel RDT/CAT L3 cache schema (accepted; Intel RDT is not supported)' },
    'mem-bw-schema': { type: 'string', describe: 'The string of Intel RDT/MBA memory bandwidth schema (accepted; Intel RDT is not supported)' },
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
      cpuPeriod: str(v, 'cpu-period'),
      cpuRtRuntime: str(v, 'cpu-rt-runtime'),
      cpuRtPeriod: str(v, 'cpu-rt-period'),
      cpusetCpus: str(v, 'cpuset-cpus'),
      cpusetMems: str(v, 'cpuset-mems'),
      pidsLimit: n('pids-limit'),
      blkioWeight: n('blkio-weight'),
    });
    for (const k of ['l3-cache-schema', 'mem-bw-schema'])
      if (str(v, k) !== undefined) log.warn(`--${k} ignored: Intel RDT is not supported by hezi`);
  }
  update(new StateStore(g.root), id, patch);
  return 0;
}
