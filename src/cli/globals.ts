import type { OptSpec } from './args';
import { trimTrailingSlashes } from '../util/text';

/**
 * The default --root: /run/hezi, or for a user other than root $XDG_RUNTIME_DIR/hezi when set
 * (runc's rule: a rootless runtime keeps its state in the user's runtime directory).
 */
export function defaultRoot(euid = process.geteuid?.() ?? 0, xdg = process.env['XDG_RUNTIME_DIR']): string {
  return euid !== 0 && xdg ? `${trimTrailingSlashes(xdg)}/hezi` : '/run/hezi';
}

/** runc's global flags. */
export const GLOBAL_OPTIONS: Record<string, OptSpec> = {
  root: { type: 'string', describe: 'root directory for storage of container state (this should be located in tmpfs; $XDG_RUNTIME_DIR/hezi for a user other than root)', default: defaultRoot() },
  log: { type: 'string', describe: 'set the log file to write hezi logs to (default is stderr)' },
  'log-format': { type: 'string', describe: 'set the log format ("text" (default), or "json")', default: 'text' },
  debug: { type: 'boolean', describe: 'enable debug logging' },
  'systemd-cgroup': { type: 'boolean', describe: 'enable systemd cgroup support (accepted; cgroupfs is used)' },
  rootless: { type: 'string', describe: 'ignore cgroup permission errors ("true", "false", or "auto")', optionalValue: ['auto', 'true', 'false'] },
  criu: { type: 'string', describe: 'path to the criu binary used for checkpoint and restore', default: 'criu' },
  version: { type: 'boolean', alias: ['v'], describe: 'print the version' },
};

export interface Globals {
  root: string;
  log?: string | undefined;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
  /** --criu: the criu binary */
  criu: string;
}
