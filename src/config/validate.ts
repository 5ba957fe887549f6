/**
 * Semantic checks on a schema-valid config, each small and named, each reporting a JSON path:
 * `process.args: must not be empty`. The schema layer (spec/) has already checked types and enums.
 */
import { fs } from '../native/fs';
import * as path from '../linux/path';
import type { Spec } from '../../spec';
import { apparmorEnabled } from '../linux/apparmor';
import { CAPABILITIES } from '../linux/capabilities';
import { lastCap } from '../linux/proc';
import { RLIMITS } from '../linux/rlimits';

export interface CheckContext {
  spec: Spec;
  bundle: string;
}

type Check = (c: CheckContext) => string[];

const nsSet = (s: Spec) => new Map((s.linux?.namespaces ?? []).map((n) => [n.type, n]));

export const checks: Record<string, Check> = {
  rootPresent({ spec, bundle }) {
    if (!spec.root?.path) return ['root.path: is required'];
    const p = path.resolve(bundle, spec.root.path);
    try {
      if (!fs.statSync(p).isDirectory()) return [`root.path: ${p} is not a directory`];
    } catch {
      return [`root.path: ${p}: no such file or directory`];
    }
    return [];
  },
  apparmor({ spec }) {
    // a security profile that cannot be applied is an error, never silently dropped (runc too)
    if (!spec.process?.apparmorProfile || apparmorEnabled()) return [];
    return [`process.apparmorProfile: AppArmor is not enabled on this host, cannot apply "${spec.process.apparmorProfile}"`];
  },
  processPresent({ spec }) {
    return spec.process ? [] : ['process: is required'];
  },
  processArgs({ spec }) {
    const p = spec.process;
    if (!p) return [];
    if (!p.args || p.args.length === 0) return p.commandLine ? [] : ['process.args: must not be empty'];
    return [];
  },
  processCwd({ spec }) {
    const cwd = spec.process?.cwd;
    if (cwd === undefined) return [];
    return path.posix.isAbsolute(cwd) ? [] : [`process.cwd: must be an absolute path, got "${cwd}"`];
  },
  processEnv({ spec }) {
    return (spec.process?.env ?? []).flatMap((e, i) =>
      e.includes('=') ? [] : [`process.env[${i}]: must have the form KEY=value, got "${e}"`],
    );
  },
  rlimits({ spec }) {
    const out: string[] = [];
    const seen = new Set<string>();
    (spec.process?.rlimits ?? []).forEach((r, i) => {
      if (RLIMITS[r.type] === undefined) out.push(`process.rlimits[${i}].type: unknown rlimit "${r.type}"`);
      if (seen.has(r.type)) out.push(`process.rlimits[${i}].type: duplicate rlimit "${r.type}"`);
      seen.add(r.type);
      if (BigInt(r.soft) > BigInt(r.hard)) out.push(`process.rlimits[${i}]: soft limit ${r.soft} is above hard limit ${r.hard}`);
    });
    return out;
  },
  namespacesUnique({ spec }) {
    const out: string[] = [];
    const seen = new Set<string>();
    (spec.linux?.namespaces ?? []).forEach((n, i) => {
      if (seen.has(n.type)) out.push(`linux.namespaces[${i}].type: duplicate namespace "${n.type}"`);
      seen.add(n.type);
      if (n.path !== undefined && !path.posix.isAbsolute(n.path))
        out.push(`linux.namespaces[${i}].path: must be an absolute path, got "${n.path}"`);
    });
    return out;
  },
  withoutMountNamespace({ spec }) {
    // runc allows a container in the host's mount namespace (mounts are made there, root is a
    // chroot); what would change the host's own mounts is refused
    if (nsSet(spec).has('mount')) return [];
    const out: string[] = [];
    if (spec.root?.readonly) out.push('root.readonly: a read-only root needs a mount namespace');
    if (spec.linux?.rootfsPropagation) out.push('linux.rootfsPropagation: needs a mount namespace');
    return out;
  },
  userMappings({ spec }) {
    const user = nsSet(spec).get('user');
    const hasMaps = (spec.linux?.uidMappings?.length ?? 0) > 0 || (spec.linux?.gidMappings?.length ?? 0) > 0;
    if (user && user.path === undefined) {
      const out: string[] = [];
      if (!spec.linux?.uidMappings?.length) out.push('linux.uidMappings: a new user namespace needs uid mappings');
      if (!spec.linux?.gidMappings?.length) out.push('linux.gidMappings: a new user namespace needs gid mappings');
      return out;
    }
    if (hasMaps && !user) return ['linux.uidMappings: uid/gid mappings need a user namespace'];
    if (hasMaps && user?.path !== undefined) return ['linux.uidMappings: mappings cannot be set when joining a user namespace by path'];
    return [];
  },
  hostname({ spec }) {
    const uts = nsSet(spec).get('uts');
    const out: string[] = [];
    if (spec.hostname && !uts) out.push('hostname: setting a hostname needs a uts namespace');
    if (spec.domainname && !uts) out.push('domainname: setting a domainname needs a uts namespace');
    return out;
  },
  timeOffsets({ spec }) {
    const t = nsSet(spec).get('time');
    if (spec.linux?.timeOffsets && Object.keys(spec.linux.timeOffsets).length > 0) {
      if (!t) return ['linux.timeOffsets: needs a time namespace'];
      if (t.path !== undefined) return ['linux.timeOffsets: cannot be set when joining a time namespace by path'];
      for (const k of Object.keys(spec.linux.timeOffsets))
        if (k !== 'monotonic' && k !== 'boottime') return [`linux.timeOffsets.${k}: unknown clock (monotonic or boottime)`];
    }
    return [];
  },
  sysctl({ spec }) {
    const ns = nsSet(spec);
    const out: string[] = [];
    for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
      const where = `linux.sysctl.${key}`;
      if (key.includes('..') || key.includes('/') || key.startsWith('.')) {
        out.push(`${where}: invalid sysctl name`);
        continue;
      }
      const ipc =
        ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'].includes(key) ||
        key.startsWith('fs.mqueue.');
      if (ipc) {
        if (!ns.has('ipc')) out.push(`${where}: needs an ipc namespace`);
      } else if (key.startsWith('net.')) {
        if (!ns.has('network')) out.push(`${where}: needs a network namespace`);
      } else if (key === 'kernel.hostname' || key === 'kernel.domainname') {
        if (!ns.has('uts')) out.push(`${where}: needs a uts namespace`);
      } else {
        out.push(`${where}: not in a separate kernel namespace, refusing to change it for the host`);
      }
    }
    return out;
  },
  devices({ spec }) {
    const out: string[] = [];
    (spec.linux?.devices ?? []).forEach((d, i) => {
      if (!path.posix.isAbsolute(d.path)) out.push(`linux.devices[${i}].path: must be an absolute path`);
      if (d.type !== 'p' && (d.major === undefined || d.minor === undefined))
        out.push(`linux.devices[${i}]: type "${d.type}" needs major and minor`);
    });
    return out;
  },
  maskedReadonlyPaths({ spec }) {
    const out: string[] = [];
    for (const key of ['maskedPaths', 'readonlyPaths'] as const)
      (spec.linux?.[key] ?? []).forEach((p, i) => {
        if (!path.posix.isAbsolute(p)) out.push(`linux.${key}[${i}]: must be an absolute path`);
      });
    return out;
  },
  hooks({ spec }) {
    const out: string[] = [];
    const hooks = spec.hooks ?? {};
    for (const [kind, list] of Object.entries(hooks)) {
      (list ?? []).forEach((h: { path: string; timeout?: number | undefined }, i: number) => {
        if (!path.posix.isAbsolute(h.path)) out.push(`hooks.${kind}[${i}].path: must be an absolute path`);
        if (h.timeout !== undefined && h.timeout <= 0) out.push(`hooks.${kind}[${i}].timeout: must be positive`);
      });
    }
    return out;
  },
  mounts({ spec }) {
    const out: string[] = [];
    (spec.mounts ?? []).forEach((m, i) => {
      if (!m.destination) out.push(`mounts[${i}].destination: must not be empty`);
    });
    return out;
  },
};

/**
 * Things that are not errors but must be said (config.md: a capability that cannot be mapped or
 * granted MUST be logged as a warning, and runtimes SHOULD NOT fail).
 */
export const warnings: Record<string, Check> = {
  capabilities({ spec }) {
    const caps = spec.process?.capabilities;
    if (!caps) return [];
    const out: string[] = [];
    const last = lastCap();
    for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
      (caps[set] ?? []).forEach((name, i) => {
        const bit = CAPABILITIES[name];
        if (bit === undefined) out.push(`process.capabilities.${set}[${i}]: unknown capability "${name}", ignored`);
        else if (bit > last) out.push(`process.capabilities.${set}[${i}]: ${name} is not known to this kernel, ignored`);
      });
    }
    return out;
  },
};

export function configWarnings(ctx: CheckContext): string[] {
  return Object.values(warnings).flatMap((c) => c(ctx));
}

export function validate(ctx: CheckContext): string[] {
  return Object.values(checks).flatMap((c) => c(ctx));
}
