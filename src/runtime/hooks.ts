import type { Hook } from '../../spec';
import { HeziError, waitStatusText } from './errors';

export type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

/** The state document hooks read on stdin (runtime.md "State"). */
export function hookState(s: {
  ociVersion: string;
  id: string;
  status: string;
  pid: number;
  bundle: string;
  annotations?: Record<string, string> | undefined;
}): string {
  const o: Record<string, unknown> = { ociVersion: s.ociVersion, id: s.id, status: s.status, pid: s.pid, bundle: s.bundle };
  if (s.annotations && Object.keys(s.annotations).length) o['annotations'] = s.annotations;
  return JSON.stringify(o);
}

/**
 * Run hooks of one kind in the runtime namespace, in order, stopping at the first failure
 * (which throws). The hook gets exactly its own `env`, the state on stdin, and `timeout` seconds.
 */
export function runHooks(kind: HookKind, hooks: readonly Hook[] | undefined, state: string): void {
  (hooks ?? []).forEach((h, i) => runHook(kind, h, i, state));
}

/**
 * poststop semantics (runtime.md): every hook runs; a failure is a warning and the lifecycle goes
 * on as if it had succeeded. Returns the warnings.
 */
export function runHooksWarnOnly(kind: HookKind, hooks: readonly Hook[] | undefined, state: string): string[] {
  const warnings: string[] = [];
  (hooks ?? []).forEach((h, i) => {
    try {
      runHook(kind, h, i, state);
    } catch (e) {
      warnings.push((e as Error).message);
    }
  });
  return warnings;
}

function runHook(kind: HookKind, h: Hook, i: number, state: string): void {
  {
    // loaded only when a hook runs: child_process costs ~2.5 ms of start-up
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const args = h.args && h.args.length ? h.args : [h.path];
    const r = spawnSync(h.path, args.slice(1), {
      argv0: args[0] ?? h.path,
      env: Object.fromEntries((h.env ?? []).map((e) => [e.slice(0, e.indexOf('=') >>> 0), e.slice(e.indexOf('=') + 1)])),
      input: state,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(h.timeout ? { timeout: h.timeout * 1000, killSignal: 'SIGKILL' as const } : {}),
    });
    const where = `error running ${kind} hook #${i} (${h.path})`;
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      if (code === 'ETIMEDOUT') throw new HeziError(`${where}: timed out after ${h.timeout}s`);
      throw new HeziError(`${where}: ${r.error.message}`);
    }
    if (r.signal) throw new HeziError(`${where}: ${waitStatusText((require('node:os') as typeof import('node:os')).constants.signals[r.signal])}`);
    if (r.status !== 0)
      throw new HeziError(`${where}: exit status ${r.status}, stdout: ${r.stdout.trim()}, stderr: ${r.stderr.trim()}`);
  }
}
