/**
 * Plan ops for the process and NUMA knobs of runtime-spec 1.3: process.scheduler,
 * process.ioPriority, process.execCPUAffinity and linux.memoryPolicy, plus runc 1.3.1's reset of
 * an inherited CPU affinity. Each returns no op for a config that does not use the field.
 * (Validated before: src/config/validate.ts; the lists parse.)
 */
import type { Linux, Process } from '../../spec';
import { MPOL_FLAG, MPOL_MODE, SCHED_FLAG, SCHED_POLICY, allCpusMask, bitmask, ioprioValue, parseIdList } from '../linux/sched';
import { Op, op } from './ops';
import * as loops from '../util/loops';

/** sched_setattr and ioprio_set: in the init before the capabilities are dropped (runc's order). */
export function schedulingOps(proc: Process | undefined): Op[] {
  const ops: Op[] = [];
  const s = proc?.scheduler;
  if (s) {
    const flags = (s.flags ?? []).reduce((f, name) => f | (SCHED_FLAG[name] ?? 0), 0);
    const parts = loops.filter([s.policy, s.nice ? `nice ${s.nice}` : '', s.priority ? `priority ${s.priority}` : '', ...(s.flags ?? [])], Boolean);
    ops.push(
      op.schedSetattr(
        {
          policy: SCHED_POLICY[s.policy] ?? -1,
          flags,
          nice: s.nice ?? 0,
          priority: s.priority ?? 0,
          runtime: BigInt(s.runtime ?? 0),
          deadline: BigInt(s.deadline ?? 0),
          period: BigInt(s.period ?? 0),
        },
        `set process.scheduler (${parts.join(', ')})`,
      ),
    );
  }
  const io = proc?.ioPriority;
  if (io) ops.push(op.ioprioSet(ioprioValue(io.class, io.priority ?? 0), `set process.ioPriority (${io.class}, priority ${io.priority ?? 0})`));
  return ops;
}

/** set_mempolicy for linux.memoryPolicy (the container process, and each exec'd process). */
export function memoryPolicyOps(linux: Linux | undefined): Op[] {
  const mp = linux?.memoryPolicy;
  if (!mp?.mode) return [];
  const nodes = parseIdList(mp.nodes ?? '') ?? [];
  const flags = (mp.flags ?? []).reduce((f, name) => f | (MPOL_FLAG[name] ?? 0), 0);
  const mask = nodes.length ? bitmask(nodes) : Buffer.alloc(0);
  const desc = loops.filter([mp.mode, nodes.length ? `nodes ${mp.nodes}` : '', ...(mp.flags ?? [])], Boolean).join(', ');
  return [op.setMempolicy((MPOL_MODE[mp.mode] ?? -1) | flags, mask, `set linux.memoryPolicy (${desc})`)];
}

/** A CPU list of execCPUAffinity as an affinity op. */
function affinityOp(list: string, field: 'initial' | 'final'): Op {
  return op.schedSetaffinity(bitmask(parseIdList(list) ?? []), `set process.execCPUAffinity.${field} (CPUs ${list})`);
}

/**
 * After the process joined its cgroup: the affinity it inherited from the runtime is dropped
 * (runc 1.3.1: since Linux 6.2 a cpuset no longer resets a user-requested affinity), unless an
 * exec'd process has execCPUAffinity.final, which is set right before execve instead.
 */
export function affinityResetOps(proc: Process | undefined, exec: boolean): Op[] {
  if (exec && proc?.execCPUAffinity?.final) return [];
  return [op.schedSetaffinity(allCpusMask(), "reset the CPU affinity to the container's cpuset")];
}

/** exec: execCPUAffinity.initial, before the process joins the container's cgroup. */
export function affinityInitialOps(proc: Process | undefined): Op[] {
  const v = proc?.execCPUAffinity?.initial;
  return v ? [affinityOp(v, 'initial')] : [];
}

/** exec: execCPUAffinity.final, right before execve. */
export function affinityFinalOps(proc: Process | undefined): Op[] {
  const v = proc?.execCPUAffinity?.final;
  return v ? [affinityOp(v, 'final')] : [];
}
