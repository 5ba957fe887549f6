/**
 * The runtime-spec 1.3 process and NUMA knobs, seen from inside the container: process.scheduler
 * (/proc/self/sched), process.ioPriority (ionice), CPU affinity (Cpus_allowed_list: runc 1.3.1's
 * reset of an inherited affinity, process.execCPUAffinity for exec), linux.memoryPolicy
 * (/proc/self/numa_maps). Refusals name the JSON path and leave nothing behind.
 *
 * This host has one NUMA node: only node 0 can be bound, interleaved or preferred; nodes that
 * do not exist are refused by the kernel (tested).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import {
  cgroupDirsNamed,
  createOk,
  describeResult,
  describeRoot,
  hostFile,
  itRuncFails,
  ok,
  run,
  runContainer,
  runOk,
  runRefused,
  runtime,
  stateRoot,
  waitFor,
  waitForStatus,
  type ConfigPatch,
  type Created,
} from '../support/bundle';
import { parseStatus } from '../support/linux';

/** "policy : 3" lines of /proc/<pid>/sched → { policy: '3', prio: '125' } */
function sched(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(policy|prio)\s+:\s+(\S+)/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function started(patch?: ConfigPatch): Created {
  const c = createOk(patch, ['sleep', '1000']);
  ok(run(['start', c.id]));
  waitForStatus(c.id, 'running');
  return c;
}

/** exec with a process.json; returns the run result */
function execProcess(id: string, proc: Record<string, unknown>, prefix?: string[]) {
  const file = hostFile('process.json');
  fs.writeFileSync(file, JSON.stringify({ cwd: '/', ...proc }));
  return run(['exec', '--process', file, id], prefix ? { prefix } : {});
}

const hostCpus = parseStatus(fs.readFileSync('/proc/self/status', 'utf8'))['Cpus_allowed_list']!;
const cpuCount = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length;
/** cgroup v1 with CONFIG_RT_GROUP_SCHED: a new cpu cgroup has no real-time budget (cpu.rt_runtime_us 0) */
const rtGroups = fs.existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us');

describeRoot('process.scheduler', () => {
  itRuncFails('runc 1.1 ignores process.scheduler', 'SCHED_BATCH with nice 5: the policy and the nice value in /proc/self/sched', () => {
    const s = sched(runOk({ process: { scheduler: { policy: 'SCHED_BATCH', nice: 5 } } }, 'cat /proc/self/sched'));
    expect(s).toEqual({ policy: '3', prio: '125' });
  });

  itRuncFails('runc 1.1 ignores process.scheduler', 'SCHED_IDLE', () => {
    expect(sched(runOk({ process: { scheduler: { policy: 'SCHED_IDLE' } } }, 'cat /proc/self/sched')).policy).toBe('5');
  });

  itRuncFails('runc 1.1 ignores process.scheduler', 'SCHED_FIFO priority 10 (with a real-time budget where cgroups ration it); children inherit it', () => {
    const patch: ConfigPatch = (spec) => {
      spec.process.scheduler = { policy: 'SCHED_FIFO', priority: 10 };
      if (rtGroups) spec.linux.resources = { ...spec.linux.resources, cpu: { realtimeRuntime: 10000, realtimePeriod: 1000000 } };
    };
    const out = runOk(patch, 'cat /proc/self/sched; echo SPLIT; sh -c "cat /proc/self/sched"');
    const [self, child] = out.split('SPLIT\n');
    expect(sched(self!)).toEqual({ policy: '1', prio: '89' });
    expect(sched(child!)).toEqual({ policy: '1', prio: '89' });
  });

  itRuncFails('runc 1.1 ignores process.scheduler', 'SCHED_FIFO without a real-time budget fails with the field named (v1 RT group scheduling), else runs', () => {
    const patch = { process: { scheduler: { policy: 'SCHED_FIFO', priority: 10 } } };
    if (rtGroups) {
      runRefused(patch, /process\.scheduler.*SCHED_FIFO.*operation not permitted/);
    } else {
      expect(sched(runOk(patch, 'cat /proc/self/sched')).policy).toBe('1');
    }
  });

  itRuncFails('runc 1.1 does not validate process.scheduler', 'a priority for SCHED_OTHER is refused before anything starts', () => {
    runRefused({ process: { scheduler: { policy: 'SCHED_OTHER', priority: 5 } } }, /process\.scheduler\.priority: only SCHED_FIFO and SCHED_RR take a priority/);
  });

  itRuncFails('runc 1.1 does not validate process.scheduler', 'a nice value out of range and a deadline for SCHED_OTHER are refused', () => {
    const { stderr } = runRefused({ process: { scheduler: { policy: 'SCHED_OTHER', nice: 40, runtime: 1000 } } }, /process\.scheduler\.nice: must be -20 to 19/);
    expect(stderr).toMatch(/process\.scheduler\.runtime: only SCHED_DEADLINE takes a runtime/);
  });

  itRuncFails('runc 1.1 ignores process.scheduler', 'exec applies the process.json scheduler', () => {
    const c = started();
    const r = execProcess(c.id, { args: ['cat', '/proc/self/sched'], scheduler: { policy: 'SCHED_BATCH', nice: 3 } });
    expect(r.status, describeResult(r)).toBe(0);
    expect(sched(r.stdout)).toEqual({ policy: '3', prio: '123' });
  });
});

describeRoot('process.ioPriority', () => {
  itRuncFails('runc 1.1 ignores process.ioPriority', 'best-effort level 3 and idle, as ionice shows them', () => {
    expect(runOk({ process: { ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 3 } } }, 'ionice')).toBe('best-effort: prio 3\n');
    expect(runOk({ process: { ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 0 } } }, 'ionice')).toBe('idle\n');
  });

  itRuncFails('runc 1.1 ignores process.ioPriority', 'real-time class level 1 (root with CAP_SYS_ADMIN on the host), inherited by children', () => {
    const patch: ConfigPatch = (spec) => {
      spec.process.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: 1 };
      spec.process.capabilities.bounding.push('CAP_SYS_ADMIN');
      spec.process.capabilities.effective.push('CAP_SYS_ADMIN');
      spec.process.capabilities.permitted.push('CAP_SYS_ADMIN');
    };
    expect(runOk(patch, 'ionice; sh -c ionice')).toBe('realtime: prio 1\nrealtime: prio 1\n');
  });

  itRuncFails('runc 1.1 ignores process.ioPriority', 'exec applies the process.json ioPriority', () => {
    const c = started();
    const r = execProcess(c.id, { args: ['ionice'], ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 6 } });
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe('best-effort: prio 6\n');
  });

  itRuncFails('runc 1.1 does not validate process.ioPriority', 'a priority above 7 is refused before anything starts', () => {
    runRefused({ process: { ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 9 } } }, /process\.ioPriority\.priority: must be 0 \(highest\) to 7 \(lowest\), got 9/);
  });
});

describeRoot('CPU affinity', () => {
  const cpuStatus = 'grep Cpus_allowed_list /proc/self/status';

  itRuncFails('runc before 1.3.1 keeps the affinity it inherited', "the container does not inherit the runtime's narrower affinity (taskset -c 0 <runtime> run)", () => {
    const r = runContainer(undefined, cpuStatus, { prefix: ['taskset', '-c', '0'] });
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe(`Cpus_allowed_list:\t${hostCpus}\n`);
  });

  it("with a cpuset the container's affinity is that cpuset", () => {
    const last = String(cpuCount - 1);
    const r = runContainer({ linux: { resources: { cpu: { cpus: last, mems: '0' } } } }, cpuStatus, { prefix: ['taskset', '-c', '0'] });
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe(`Cpus_allowed_list:\t${last}\n`);
  });

  itRuncFails('runc before 1.3.1 keeps the affinity it inherited', "exec does not inherit the runtime's affinity either", () => {
    const c = started();
    const r = run(['exec', c.id, 'sh', '-c', cpuStatus], { prefix: ['taskset', '-c', '0'] });
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toBe(`Cpus_allowed_list:\t${hostCpus}\n`);
  });

  itRuncFails('runc 1.1 ignores execCPUAffinity', 'execCPUAffinity.final is the affinity the exec process runs with (process.json and config.json)', () => {
    const last = String(cpuCount - 1);
    const c = started((spec) => (spec.process.execCPUAffinity = { final: '0' }));
    // the container's init is not affected (runtime-spec: not applicable to the init process)
    expect(parseStatus(fs.readFileSync(`/proc/${c.pid}/status`, 'utf8'))['Cpus_allowed_list']).toBe(hostCpus);
    const fromConfig = run(['exec', c.id, 'sh', '-c', cpuStatus]);
    expect(fromConfig.stdout, describeResult(fromConfig)).toBe('Cpus_allowed_list:\t0\n');
    const r = execProcess(c.id, { args: ['sh', '-c', cpuStatus], execCPUAffinity: { initial: '0', final: last } });
    expect(r.stdout, describeResult(r)).toBe(`Cpus_allowed_list:\t${last}\n`);
  });

  itRuncFails('runc 1.1 ignores execCPUAffinity', 'execCPUAffinity.initial holds while the process enters the cgroup (seen from the host: the exec process is frozen as it joins a paused container)', async () => {
    const last = String(cpuCount - 1);
    const c = started();
    ok(run(['pause', c.id]));
    waitForStatus(c.id, 'paused');
    const file = hostFile('process.json');
    fs.writeFileSync(file, JSON.stringify({ cwd: '/', args: ['sh', '-c', cpuStatus], execCPUAffinity: { initial: last } }));
    const child = spawn(runtime(), ['--root', stateRoot(), 'exec', '--ignore-paused', '--process', file, c.id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code))); // close: after stdout is drained
    try {
      // the exec process shows up in the container's (frozen) cgroup next to the init
      const procs = path.join(cgroupDirsNamed(c.id).find((d) => fs.existsSync(path.join(d, 'cgroup.procs')))!, 'cgroup.procs');
      let joined: number | undefined;
      expect(
        waitFor(() => {
          joined = fs.readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number).find((p) => p !== c.pid);
          return joined !== undefined;
        }, 10_000),
        `an exec process in ${procs}; stderr: ${err}`,
      ).toBe(true);
      expect(parseStatus(fs.readFileSync(`/proc/${joined}/status`, 'utf8'))['Cpus_allowed_list']).toBe(last);
      // a task joining a frozen v1 cgroup makes it FREEZING until that task is frozen too
      waitForStatus(c.id, 'paused');
      ok(run(['resume', c.id]));
      const code = await Promise.race([done, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
      expect(code, err).toBe(0);
      // no final: after entering, the affinity is reset to the container's cpuset (runc 1.3.1)
      expect(out).toBe(`Cpus_allowed_list:\t${hostCpus}\n`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  itRuncFails('runc 1.1 ignores execCPUAffinity', 'an execCPUAffinity that names no usable CPU fails the exec with the field named', () => {
    const c = started();
    const r = execProcess(c.id, { args: ['true'], execCPUAffinity: { initial: '4000' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/process\.execCPUAffinity\.initial.*invalid argument/);
    const bad = execProcess(c.id, { args: ['true'], execCPUAffinity: { final: '1-0' } });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/execCPUAffinity\.final: invalid CPU list \\?"1-0\\?"/);
  });
});

describeRoot('linux.memoryPolicy', () => {
  const firstMap = 'head -1 /proc/self/numa_maps';
  /** the policy column of the first /proc/self/numa_maps line */
  const policy = (out: string) => out.split(' ')[1];

  itRuncFails('runc 1.1 ignores linux.memoryPolicy', 'MPOL_BIND, MPOL_INTERLEAVE, MPOL_PREFERRED, MPOL_LOCAL on node 0, as numa_maps shows them', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ mode: 'MPOL_BIND', nodes: '0' }, 'bind:0'],
      [{ mode: 'MPOL_INTERLEAVE', nodes: '0' }, 'interleave:0'],
      [{ mode: 'MPOL_PREFERRED', nodes: '0' }, 'prefer:0'],
      [{ mode: 'MPOL_LOCAL' }, 'local'],
      [{ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] }, 'bind=static:0'],
    ];
    for (const [mp, shown] of cases) expect(policy(runOk({ linux: { memoryPolicy: mp } }, firstMap)), JSON.stringify(mp)).toBe(shown);
  });

  itRuncFails('runc 1.1 ignores linux.memoryPolicy', "exec'd processes get the container's memory policy", () => {
    const c = started({ linux: { memoryPolicy: { mode: 'MPOL_INTERLEAVE', nodes: '0' } } });
    const r = run(['exec', c.id, 'sh', '-c', firstMap]);
    expect(r.status, describeResult(r)).toBe(0);
    expect(policy(r.stdout)).toBe('interleave:0');
  });

  itRuncFails('runc 1.1 ignores linux.memoryPolicy', 'a node that does not exist is refused by the kernel, with the field named', () => {
    runRefused({ linux: { memoryPolicy: { mode: 'MPOL_BIND', nodes: '5-7' } } }, /linux\.memoryPolicy \(MPOL_BIND, nodes 5-7\): invalid argument/);
  });

  itRuncFails('runc 1.1 ignores linux.memoryPolicy', 'nodes for MPOL_DEFAULT, none for MPOL_BIND, and both node flags are refused before anything starts', () => {
    runRefused({ linux: { memoryPolicy: { mode: 'MPOL_DEFAULT', nodes: '0' } } }, /linux\.memoryPolicy\.nodes: MPOL_DEFAULT takes no nodes/);
    runRefused({ linux: { memoryPolicy: { mode: 'MPOL_BIND' } } }, /linux\.memoryPolicy\.nodes: MPOL_BIND needs at least one node/);
    runRefused(
      { linux: { memoryPolicy: { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] } } },
      /linux\.memoryPolicy\.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other/,
    );
  });
});
