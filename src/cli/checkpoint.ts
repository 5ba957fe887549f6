import { CommandSpec, OptSpec, Parsed, Values, arr, bool, num, str } from './args';
import type { Globals } from './globals';
import { HeziError } from '../runtime/errors';
import type { CriuFlags } from '../runtime/checkpoint';

/** The flags checkpoint and restore share (runc's words), and what they mean to the runtime. */
export const CRIU_OPTIONS: Readonly<Record<string, OptSpec>> = {
  'work-path': { type: 'string', describe: 'path for saving work files and logs' },
  'tcp-established': { type: 'boolean', describe: 'allow open tcp connections' },
  'ext-unix-sk': { type: 'boolean', describe: 'allow external unix sockets' },
  'shell-job': { type: 'boolean', describe: 'allow shell jobs' },
  'lazy-pages': { type: 'boolean', describe: 'use userfaultfd to lazily restore memory pages' },
  'file-locks': { type: 'boolean', describe: 'handle file locks, for safety' },
  'manage-cgroups-mode': { type: 'string', describe: "cgroups mode: 'soft' (default), 'full' and 'strict'" },
  'empty-ns': { type: 'array', describe: "create a namespace, but don't restore its properties" },
  'auto-dedup': { type: 'boolean', describe: 'enable auto deduplication of memory images' },
};

export function criuFlags(v: Values, g: Globals): CriuFlags {
  return {
    criu: g.criu,
    imagePath: str(v, 'image-path'),
    workPath: str(v, 'work-path'),
    tcpEstablished: bool(v, 'tcp-established'),
    extUnixSk: bool(v, 'ext-unix-sk'),
    shellJob: bool(v, 'shell-job'),
    fileLocks: bool(v, 'file-locks'),
    manageCgroupsMode: str(v, 'manage-cgroups-mode'),
    emptyNs: arr(v, 'empty-ns'),
    autoDedup: bool(v, 'auto-dedup'),
    lazyPages: bool(v, 'lazy-pages'),
  };
}

export const command: CommandSpec = {
  name: 'checkpoint',
  arity: { min: 1, max: 1 },
  describe: 'checkpoint a running container',
  argsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container to be
checkpointed.`,
  description: 'The checkpoint command saves the state of the container instance (with CRIU).',
  options: {
    'image-path': { type: 'string', describe: 'path for saving criu image files' },
    ...CRIU_OPTIONS,
    'parent-path': { type: 'string', describe: 'path for previous criu image files in pre-dump' },
    'leave-running': { type: 'boolean', describe: 'leave the process running after checkpointing' },
    'tcp-skip-in-flight': { type: 'boolean', describe: 'skip in-flight tcp connections' },
    'link-remap': { type: 'boolean', describe: 'allow one to link unlinked files back when possible' },
    'status-fd': { type: 'number', describe: 'criu writes \\0 to this FD once lazy-pages is ready', default: -1 },
    'page-server': { type: 'string', describe: 'ADDRESS:PORT of the page server' },
    'pre-dump': { type: 'boolean', describe: "dump container's memory information only, leave the container running after this" },
  },
};

export function handler(p: Parsed, g: Globals): Promise<number> {
  const id = p.positionals[0];
  if (!id) throw new HeziError('container id cannot be empty');
  const { checkpoint } = require('../runtime/checkpoint') as typeof import('../runtime/checkpoint');
  const { StateStore } = require('../runtime/state-store') as typeof import('../runtime/state-store');
  const v = p.values;
  return checkpoint(new StateStore(g.root), id, {
    ...criuFlags(v, g),
    parentPath: str(v, 'parent-path'),
    leaveRunning: bool(v, 'leave-running'),
    tcpSkipInFlight: bool(v, 'tcp-skip-in-flight'),
    linkRemap: bool(v, 'link-remap'),
    statusFd: num(v, 'status-fd'),
    pageServer: str(v, 'page-server'),
    preDump: bool(v, 'pre-dump'),
  }).then(() => 0);
}
