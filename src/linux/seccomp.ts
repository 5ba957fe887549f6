/**
 * `linux.seccomp` → a seccomp BPF program. Every decision is made here: the action, operator and
 * architecture values, which rules go to libseccomp (and how a rule with several conditions on
 * one argument is split), the seccomp(2) flags, the checks and every message (naming the JSON
 * path). The addon (addon/seccomp.cc) only drives libseccomp, loaded at run time with dlopen, and
 * returns the exported BPF bytes.
 *
 * Values follow libseccomp's seccomp.h and the kernel's uapi/linux/seccomp.h and audit.h.
 * Argument values arrive as JSON numbers: a uint64 beyond 2^53 has already lost precision in
 * JSON.parse (as for every integer of config.json here).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS } from '../../spec/constants';
import type { LinuxSeccomp } from '../../spec';

type ActionName = (typeof SECCOMP_ACTIONS)[number];
type OperatorName = (typeof SECCOMP_OPERATORS)[number];
type ArchName = (typeof SECCOMP_ARCHES)[number];
type FlagName = (typeof SECCOMP_FLAGS)[number];

/** SECCOMP_RET_* as libseccomp's SCMP_ACT_* (ERRNO and TRACE carry 16 bits of data). */
export const SCMP_ACT: Readonly<Record<ActionName, number>> = {
  SCMP_ACT_KILL: 0x00000000, // = KILL_THREAD
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
};

/** The actions whose value carries an errno (ERRNO) or a tracer message (TRACE). */
const TAKES_ERRNO: ReadonlySet<ActionName> = new Set<ActionName>(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);
const EPERM = 1;
/** SECCOMP_RET_DATA: the low 16 bits of the action value. */
const RET_DATA_MAX = 0xffff;

/** enum scmp_compare */
export const SCMP_CMP: Readonly<Record<OperatorName, number>> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** SCMP_ARCH_* tokens: the AUDIT_ARCH_* values (EM_* | 64BIT 0x80000000 | LE 0x40000000). */
export const SCMP_ARCH: Readonly<Record<ArchName, number>> = {
  SCMP_ARCH_X86: 0x40000003,
  SCMP_ARCH_X86_64: 0xc000003e,
  SCMP_ARCH_X32: 0x4000003e,
  SCMP_ARCH_ARM: 0x40000028,
  SCMP_ARCH_AARCH64: 0xc00000b7,
  SCMP_ARCH_LOONGARCH64: 0xc0000102,
  SCMP_ARCH_M68K: 0x00000004,
  SCMP_ARCH_MIPS: 0x00000008,
  SCMP_ARCH_MIPS64: 0x80000008,
  SCMP_ARCH_MIPS64N32: 0xa0000008,
  SCMP_ARCH_MIPSEL: 0x40000008,
  SCMP_ARCH_MIPSEL64: 0xc0000008,
  SCMP_ARCH_MIPSEL64N32: 0xe0000008,
  SCMP_ARCH_PPC: 0x00000014,
  SCMP_ARCH_PPC64: 0x80000015,
  SCMP_ARCH_PPC64LE: 0xc0000015,
  SCMP_ARCH_S390: 0x00000016,
  SCMP_ARCH_S390X: 0x80000016,
  SCMP_ARCH_SH: 0x4000002a, // little-endian SuperH (AUDIT_ARCH_SHEL)
  SCMP_ARCH_SHEB: 0x0000002a,
  SCMP_ARCH_PARISC: 0x0000000f,
  SCMP_ARCH_PARISC64: 0x8000000f,
  SCMP_ARCH_RISCV64: 0xc00000f3,
};

/** The libseccomp release that first knows an architecture (absent: 2.4 or older). */
const ARCH_SINCE: Partial<Record<ArchName, [number, number]>> = {
  SCMP_ARCH_RISCV64: [2, 5],
  SCMP_ARCH_LOONGARCH64: [2, 6],
  SCMP_ARCH_M68K: [2, 6],
  SCMP_ARCH_SH: [2, 6],
  SCMP_ARCH_SHEB: [2, 6],
};

/** SECCOMP_FILTER_FLAG_* (seccomp(2) flags). */
export const FILTER_FLAG = {
  TSYNC: 1,
  LOG: 2,
  SPEC_ALLOW: 4,
  NEW_LISTENER: 8,
  TSYNC_ESRCH: 16,
  WAIT_KILLABLE_RECV: 32,
} as const;

const FLAG_BITS: Readonly<Record<FlagName, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: FILTER_FLAG.TSYNC,
  SECCOMP_FILTER_FLAG_LOG: FILTER_FLAG.LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: FILTER_FLAG.SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: FILTER_FLAG.WAIT_KILLABLE_RECV,
};

/** The bits the kernel must know for a flag to be usable (WAIT_KILLABLE_RECV only comes with a listener). */
const FLAG_PROBE: Readonly<Record<FlagName, number>> = {
  ...FLAG_BITS,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: FILTER_FLAG.WAIT_KILLABLE_RECV | FILTER_FLAG.NEW_LISTENER,
};

/** enum scmp_filter_attr */
const SCMP_FLTATR = { CTL_NNP: 3, CTL_OPTIMIZE: 8 } as const;

/** syscall argument indexes are 0..5 */
const MAX_ARG_INDEX = 5;
/** runc's threshold for libseccomp's binary-tree optimization */
const OPTIMIZE_ABOVE = 32;

/**
 * Syscalls a notify rule may not name: write (runc refuses it: the init writes exec.fifo and its
 * last words with it), and the syscalls of the init's own sync with the runtime once the filter is
 * loaded: sendmsg hands the listener over, recvfrom/recvmsg wait for the answer, sendto reports,
 * close drops the init's copy of the listener. A notification there would wait for an agent that
 * has no listener yet, or make the runtime's own protocol depend on the agent.
 */
const NO_NOTIFY = ['write', 'sendmsg', 'sendto', 'send', 'recvmsg', 'recvfrom', 'recv', 'close', 'socketcall'];

// ---------------------------------------------------------------------------------------------
// The description handed to the addon

export interface SeccompArgCmp {
  index: number;
  op: number;
  a: bigint;
  b: bigint;
}
export interface SeccompRule {
  name: string;
  action: number;
  args: SeccompArgCmp[];
  /** where it came from, for messages: "linux.seccomp.syscalls[3]" */
  path: string;
}
export interface SeccompDescription {
  defaultAction: number;
  /** extra architectures (the native one is always there) */
  arches: number[];
  /** [scmp_filter_attr, value] */
  attrs: Array<[number, number]>;
  rules: SeccompRule[];
}

export interface SeccompPlan {
  desc: SeccompDescription;
  /** the JSON path of each `arches` entry */
  archPaths: string[];
  /** seccomp(2) flags for the SECCOMP op (NEW_LISTENER when a notify rule exists) */
  flags: number;
  /** a notify rule exists: the listener fd goes to listenerPath */
  listener: boolean;
  /** notes for the debug log */
  notes: string[];
}

export interface PlanEnv {
  /** seccomp_arch_native() of the loaded libseccomp */
  nativeArch: number;
  /** does this kernel accept these seccomp(2) flag bits */
  flagSupported: (bits: number) => boolean;
  /** does this kernel have this action (SECCOMP_GET_ACTION_AVAIL); absent: assume it does */
  actionSupported?: (action: number) => boolean;
}

/** A profile problem, with the JSON path it is about. */
export class SeccompConfigError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'SeccompConfigError';
  }
}

function actionValue(name: string, errnoRet: number | undefined, where: string, errnoWhere: string, env: PlanEnv): number {
  if (!Object.prototype.hasOwnProperty.call(SCMP_ACT, name)) throw new SeccompConfigError(where, `unknown action ${JSON.stringify(name)}`);
  const act = name as ActionName;
  if (env.actionSupported && !env.actionSupported(SCMP_ACT[act])) throw new SeccompConfigError(where, `${act} is not supported by this kernel`);
  if (errnoRet !== undefined) {
    if (!TAKES_ERRNO.has(act)) throw new SeccompConfigError(errnoWhere, `${act} does not take an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)`);
    if (!Number.isInteger(errnoRet) || errnoRet < 0 || errnoRet > RET_DATA_MAX)
      throw new SeccompConfigError(errnoWhere, `expected 0 to ${RET_DATA_MAX}, got ${errnoRet}`);
  }
  const base = SCMP_ACT[act];
  return TAKES_ERRNO.has(act) ? (base | (errnoRet ?? EPERM)) >>> 0 : base;
}

function u64(v: number, where: string): bigint {
  if (!Number.isInteger(v) || v < 0) throw new SeccompConfigError(where, `expected uint64 (0 to 18446744073709551615), got ${v}`);
  // JSON numbers are doubles: 18446744073709551615 arrives as 2^64
  return v >= 2 ** 64 ? 0xffffffffffffffffn : BigInt(v);
}

/**
 * The decisions, without libseccomp: values, rules, flags. Throws SeccompConfigError naming the
 * JSON path of the first problem.
 */
export function planSeccomp(s: LinuxSeccomp, env: PlanEnv): SeccompPlan {
  const base = 'linux.seccomp';
  const notes: string[] = [];
  const defaultAction = actionValue(s.defaultAction, s.defaultErrnoRet, `${base}.defaultAction`, `${base}.defaultErrnoRet`, env);
  if (s.defaultAction === 'SCMP_ACT_NOTIFY')
    throw new SeccompConfigError(`${base}.defaultAction`, 'SCMP_ACT_NOTIFY cannot be the default action (the listener could not be handed over)');
  if (s.listenerMetadata !== undefined && s.listenerPath === undefined)
    throw new SeccompConfigError(`${base}.listenerMetadata`, 'set without listenerPath');

  // architectures: the native one is always in the filter
  const arches: number[] = [];
  const archPaths: string[] = [];
  (s.architectures ?? []).forEach((name, k) => {
    const where = `${base}.architectures[${k}]`;
    if (!Object.prototype.hasOwnProperty.call(SCMP_ARCH, name)) throw new SeccompConfigError(where, `unknown architecture ${JSON.stringify(name)}`);
    const token = SCMP_ARCH[name as ArchName];
    if (token === env.nativeArch || arches.includes(token)) return;
    arches.push(token);
    archPaths.push(where);
  });

  // rules: one per name; a rule equal to the default action is redundant (and libseccomp refuses it)
  const rules: SeccompRule[] = [];
  let notify = false;
  (s.syscalls ?? []).forEach((sc, i) => {
    const where = `${base}.syscalls[${i}]`;
    const action = actionValue(sc.action, sc.errnoRet, `${where}.action`, `${where}.errnoRet`, env);
    const args = (sc.args ?? []).map((a, k) => {
      const aw = `${where}.args[${k}]`;
      if (!Number.isInteger(a.index) || a.index < 0 || a.index > MAX_ARG_INDEX)
        throw new SeccompConfigError(`${aw}.index`, `expected 0 to ${MAX_ARG_INDEX}, got ${a.index}`);
      if (!Object.prototype.hasOwnProperty.call(SCMP_CMP, a.op)) throw new SeccompConfigError(`${aw}.op`, `unknown operator ${JSON.stringify(a.op)}`);
      return { index: a.index, op: SCMP_CMP[a.op as OperatorName], a: u64(a.value, `${aw}.value`), b: u64(a.valueTwo ?? 0, `${aw}.valueTwo`) };
    });
    sc.names.forEach((name, j) => {
      if (name === '') throw new SeccompConfigError(`${where}.names[${j}]`, 'empty syscall name');
      if (sc.action === 'SCMP_ACT_NOTIFY' && NO_NOTIFY.includes(name))
        throw new SeccompConfigError(`${where}.names[${j}]`, `SCMP_ACT_NOTIFY cannot be used for the ${name} syscall`);
    });
    if (sc.action === 'SCMP_ACT_NOTIFY') notify = true;
    if (action === defaultAction) {
      notes.push(`${where}: same action as the default, skipped`);
      return;
    }
    // several conditions on one argument: libseccomp cannot AND them; as runc, each becomes its own rule (OR)
    const perIndex = new Map<number, number>();
    for (const a of args) perIndex.set(a.index, (perIndex.get(a.index) ?? 0) + 1);
    const split = [...perIndex.values()].some((c) => c > 1);
    for (const name of sc.names) {
      if (split) for (const a of args) rules.push({ name, action, args: [a], path: where });
      else rules.push({ name, action, args, path: where });
    }
  });
  if (notify && s.listenerPath === undefined)
    throw new SeccompConfigError(`${base}.listenerPath`, 'required when a rule uses SCMP_ACT_NOTIFY');
  if (!notify && s.listenerPath !== undefined) notes.push(`${base}.listenerPath: no rule uses SCMP_ACT_NOTIFY, ignored`);

  // flags go to seccomp(2) directly
  let flags = 0;
  (s.flags ?? []).forEach((name, k) => {
    const where = `${base}.flags[${k}]`;
    if (!Object.prototype.hasOwnProperty.call(FLAG_BITS, name)) throw new SeccompConfigError(where, `unknown flag ${JSON.stringify(name)}`);
    const f = name as FlagName;
    if (!env.flagSupported(FLAG_PROBE[f])) throw new SeccompConfigError(where, `${f} is not supported by this kernel`);
    if (f === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' && !notify) {
      notes.push(`${where}: ${f} only applies to a listener, ignored`);
      return;
    }
    flags |= FLAG_BITS[f];
  });
  if (notify) {
    flags |= FILTER_FLAG.NEW_LISTENER;
    // the kernel refuses TSYNC with a listener unless a failed sync reports ESRCH (the init has one thread)
    if (flags & FILTER_FLAG.TSYNC) flags |= FILTER_FLAG.TSYNC_ESRCH;
  }

  // no_new_privs is the config's decision (process.noNewPrivileges), never libseccomp's
  const attrs: Array<[number, number]> = [[SCMP_FLTATR.CTL_NNP, 0]];
  if (rules.length > OPTIMIZE_ABOVE) attrs.push([SCMP_FLTATR.CTL_OPTIMIZE, 2]);

  return { desc: { defaultAction, arches, attrs, rules }, archPaths, flags, listener: notify, notes };
}

// ---------------------------------------------------------------------------------------------
// The -ENOSYS stub (runc's patchbpf)
//
// A syscall newer than every syscall the profile names is one the profile's author could not have
// meant to refuse: glibc and musl probe new syscalls (clone3, faccessat2) and fall back on ENOSYS,
// but not on EPERM or a kill. So, as runc does, a stub goes in front of libseccomp's program: per
// architecture of the filter, a syscall number above the largest one the profile names gets
// -ENOSYS; everything else goes on to the filter. Not when the default action lets calls through
// (ALLOW, LOG, TRACE) or already is ENOSYS.

const ENOSYS = 38;
const X32_SYSCALL_BIT = 0x40000000;
const AUDIT_ARCH_X86_64 = 0xc000003e;
/** s390(x) multiplex syscall numbers above the table through setup(2) = 0: it must get ENOSYS too */
const S390 = new Set([0x00000016, 0x80000016]);

/** The largest syscall number the profile names on one architecture (SCMP_ARCH_* token). */
export interface ArchMax {
  arch: number;
  max: number;
}

/** Does this default action need the stub? */
export function wantsEnosysStub(defaultAction: number): boolean {
  const base = defaultAction & 0xffff0000;
  if (base === SCMP_ACT.SCMP_ACT_ALLOW || base === SCMP_ACT.SCMP_ACT_LOG || (defaultAction & 0xfff00000) === SCMP_ACT.SCMP_ACT_TRACE) return false;
  return !(base === SCMP_ACT.SCMP_ACT_ERRNO && (defaultAction & RET_DATA_MAX) === ENOSYS);
}

// classic BPF: BPF_LD|BPF_W|BPF_ABS, BPF_JMP|{JA,JEQ,JGT,JSET}|BPF_K, BPF_RET|BPF_K
const LD_ABS = 0x20;
const JA = 0x05;
const JEQ = 0x15;
const JGT = 0x25;
const JSET = 0x45;
const RET = 0x06;

/** One instruction; jumps name their targets by label (assembled below). */
interface AsmInsn {
  code: number;
  k?: number;
  jt?: string;
  jf?: string;
  label?: string;
}

/**
 * The stub for `maxima` (the SCMP_ARCH_X32 token counts as x86_64 with bit 30 set in the syscall
 * number): [ld arch; jeq each arch → its section; ja filter; sections...; ret ENOSYS], every
 * conditional jump short and local, every long one a JA. "filter" is the first instruction after
 * the stub (libseccomp's program).
 */
export function enosysStub(maxima: readonly ArchMax[]): Buffer {
  // group by the arch value the kernel reports: x86_64 and x32 share one
  const groups = new Map<number, { plain?: number; x32?: number }>();
  for (const { arch, max } of maxima) {
    if (max <= 0) continue;
    const x32 = arch === SCMP_ARCH.SCMP_ARCH_X32;
    const audit = x32 ? AUDIT_ARCH_X86_64 : arch;
    const g = groups.get(audit) ?? {};
    if (x32) g.x32 = Math.max(g.x32 ?? 0, max);
    else g.plain = Math.max(g.plain ?? 0, max);
    groups.set(audit, g);
  }
  if (!groups.size) return Buffer.alloc(0);
  const prog: AsmInsn[] = [{ code: LD_ABS, k: 4 }];
  const archs = [...groups.keys()];
  archs.forEach((audit, i) => prog.push({ label: `test${i}`, code: JEQ, k: audit >>> 0, jt: `dispatch${i}`, jf: `test${i + 1}` }, { label: `dispatch${i}`, code: JA, jt: `arch${i}` }));
  // an architecture the profile does not name: libseccomp's program decides (its bad-arch action)
  prog.push({ label: `test${archs.length}`, code: JA, jt: 'filter' });
  // a section's syscall-number checks: above max → ENOSYS, else the filter
  const check = (max: number, at: string): AsmInsn[] => [
    { label: at, code: JGT, k: max >>> 0, jt: `${at}.no`, jf: `${at}.ok` },
    { label: `${at}.no`, code: JA, jt: 'enosys' },
    { label: `${at}.ok`, code: JA, jt: 'filter' },
  ];
  archs.forEach((audit, i) => {
    const g = groups.get(audit)!;
    prog.push({ label: `arch${i}`, code: LD_ABS, k: 0 });
    if (S390.has(audit)) prog.push({ code: JEQ, k: 0, jt: `s390.${i}`, jf: `sec${i}` }, { label: `s390.${i}`, code: JA, jt: 'enosys' });
    if (audit === AUDIT_ARCH_X86_64) {
      // bit 30: an x32 call; the other mode without a maximum goes straight to the filter
      prog.push({ label: `sec${i}`, code: JSET, k: X32_SYSCALL_BIT, jt: `x32.${i}`, jf: `x64.${i}` });
      if (g.plain !== undefined) prog.push(...check(g.plain, `x64.${i}`));
      else prog.push({ label: `x64.${i}`, code: JA, jt: 'filter' });
      if (g.x32 !== undefined) prog.push(...check(g.x32, `x32.${i}`));
      else prog.push({ label: `x32.${i}`, code: JA, jt: 'filter' });
    } else prog.push(...check(g.plain ?? 0, `sec${i}`));
  });
  prog.push({ label: 'enosys', code: RET, k: (SCMP_ACT.SCMP_ACT_ERRNO | ENOSYS) >>> 0 });
  return assemble(prog);
}

function assemble(prog: readonly AsmInsn[]): Buffer {
  const at = new Map<string, number>();
  prog.forEach((p, k) => p.label !== undefined && at.set(p.label, k));
  at.set('filter', prog.length);
  const le = require('node:os').endianness() === 'LE';
  const out = Buffer.alloc(prog.length * 8);
  prog.forEach((p, k) => {
    const rel = (label: string | undefined): number => {
      if (label === undefined) return 0;
      const to = at.get(label);
      if (to === undefined || to <= k) throw new Error(`seccomp stub: bad jump to ${label}`);
      return to - k - 1;
    };
    let jt = 0;
    let jf = 0;
    let kv = p.k ?? 0;
    if (p.code === JA) kv = rel(p.jt);
    else if (p.jt !== undefined || p.jf !== undefined) {
      jt = rel(p.jt);
      jf = rel(p.jf);
      if (jt > 255 || jf > 255) throw new Error('seccomp stub: a conditional jump is too long');
    }
    if (le) {
      out.writeUInt16LE(p.code, k * 8);
      out.writeUInt32LE(kv >>> 0, k * 8 + 4);
    } else {
      out.writeUInt16BE(p.code, k * 8);
      out.writeUInt32BE(kv >>> 0, k * 8 + 4);
    }
    out.writeUInt8(jt, k * 8 + 2);
    out.writeUInt8(jf, k * 8 + 3);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compiling through the addon

export interface SeccompProgram {
  /** struct sock_filter[] */
  bpf: Buffer;
  /** seccomp(2) flags for the SECCOMP op */
  flags: number;
  /** the init hands a listener fd over (send it to listenerPath) */
  listener: boolean;
  /** syscall names this libseccomp does not know (skipped, as runc does) */
  skipped: string[];
  /** the filter came from the cache */
  cached: boolean;
  /** debug notes */
  notes: string[];
}

export interface LibseccompInfo {
  loaded: boolean;
  error?: string;
  major?: number;
  minor?: number;
  micro?: number;
  apiLevel?: number;
  nativeArch?: number;
}

type NativeSeccomp = Pick<
  import('../native/addon').Native,
  'seccompInfo' | 'seccompCompile' | 'seccompResolve' | 'seccompProbeFlags' | 'seccompProbeAction' | 'strerror'
>;

const EFAULT = 14;

function nativeSeccomp(): NativeSeccomp {
  const { native } = require('../native/addon') as typeof import('../native/addon');
  return native();
}

/** seccomp(SECCOMP_SET_MODE_FILTER, bits, NULL) fails with EFAULT (not EINVAL) when the kernel knows the bits. */
export function kernelFlagSupported(bits: number, n: NativeSeccomp = nativeSeccomp()): boolean {
  return n.seccompProbeFlags(bits) === EFAULT;
}

export interface CompileOptions {
  /** directory for compiled filters (<root>/.seccomp-cache); none: no cache */
  cacheDir?: string | undefined;
  native?: NativeSeccomp;
}

/** A compile failure, worded, with the JSON path when one applies. */
export class SeccompError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeccompError';
  }
}

/**
 * Check, decide and compile `linux.seccomp`. Throws SeccompConfigError (a profile problem, with
 * its JSON path) or SeccompError (libseccomp missing or failing).
 */
export function compileSeccomp(s: LinuxSeccomp, o: CompileOptions = {}): SeccompProgram {
  const n = o.native ?? nativeSeccomp();
  const info = n.seccompInfo() as LibseccompInfo;
  if (!info.loaded)
    throw new SeccompError(
      `linux.seccomp is set, but libseccomp cannot be loaded (${info.error ?? 'unknown error'}): install libseccomp2 (libseccomp.so.2)`,
    );
  const actions = new Map<number, boolean>();
  const plan = planSeccomp(s, {
    nativeArch: info.nativeArch ?? 0,
    flagSupported: (bits) => kernelFlagSupported(bits, n),
    actionSupported: (a) => {
      let ok = actions.get(a);
      if (ok === undefined) actions.set(a, (ok = n.seccompProbeAction(a) === 0));
      return ok;
    },
  });
  const version = `${info.major}.${info.minor}.${info.micro}`;
  const base = { flags: plan.flags, listener: plan.listener, notes: plan.notes };

  const key = o.cacheDir ? cacheKey(version, info.nativeArch ?? 0, plan.desc) : '';
  const cacheFile = o.cacheDir ? path.join(o.cacheDir, `${key}.bpf`) : '';
  if (cacheFile) {
    const hit = readCache(cacheFile);
    if (hit) return { ...base, bpf: hit.bpf, skipped: hit.skipped, cached: true };
  }

  let out: { bpf: Buffer; unknown: number[]; attrErrors: number[] };
  try {
    out = n.seccompCompile(plan.desc);
  } catch (e) {
    throw compileError(e, plan, version, n);
  }
  const skipped = [...new Set(out.unknown.map((k) => plan.desc.rules[k]?.name ?? `#${k}`))];
  out.attrErrors.forEach((err, k) => {
    if (err) plan.notes.push(`libseccomp ${version}: filter attribute ${plan.desc.attrs[k]?.[0]} not set (errno ${err})`);
  });
  if (out.bpf.length === 0 || out.bpf.length % 8 !== 0) throw new SeccompError(`libseccomp ${version} exported a malformed filter (${out.bpf.length} bytes)`);
  let bpf = out.bpf;
  if (wantsEnosysStub(plan.desc.defaultAction)) {
    // every name the profile lists counts, whatever its action (runc's findLastSyscalls)
    const names = [...new Set((s.syscalls ?? []).flatMap((r) => r.names))];
    const maxima = [info.nativeArch ?? 0, ...plan.desc.arches].map((arch) => ({ arch, max: Math.max(0, ...n.seccompResolve(arch, names)) }));
    const stub = enosysStub(maxima);
    for (const m of maxima) plan.notes.push(`-ENOSYS above syscall ${m.max} on arch 0x${(m.arch >>> 0).toString(16)}`);
    bpf = Buffer.concat([stub, bpf]);
    if (bpf.length / 8 > 0xffff) throw new SeccompError(`the seccomp filter has ${bpf.length / 8} instructions, more than the kernel takes`);
  }
  if (cacheFile) writeCache(cacheFile, bpf, skipped);
  return { ...base, bpf, skipped, cached: false };
}

function compileError(e: unknown, plan: SeccompPlan, version: string, n: NativeSeccomp): Error {
  const err = e as NodeJS.ErrnoException & { stage?: string; index?: number };
  const text = errText(err, n);
  const k = err.index ?? -1;
  switch (err.stage) {
    case 'arch': {
      const where = plan.archPaths[k] ?? 'linux.seccomp.architectures';
      return new SeccompConfigError(where, `not supported by libseccomp ${version} (${text})`);
    }
    case 'rule': {
      const r = plan.desc.rules[k];
      return new SeccompConfigError(r?.path ?? 'linux.seccomp.syscalls', `add rule for ${JSON.stringify(r?.name ?? '?')}: ${text}`);
    }
    case 'init':
      return new SeccompConfigError('linux.seccomp.defaultAction', `libseccomp ${version} refuses it (${text})`);
    default:
      return new SeccompError(`compile the seccomp filter with libseccomp ${version}: ${text}`);
  }
}

/** "invalid argument": libc's text, first letter lower-cased (as errnoText in runtime/errors.ts) */
function errText(e: NodeJS.ErrnoException, n: NativeSeccomp): string {
  if (typeof e.errno !== 'number') return e instanceof Error ? e.message : String(e);
  try {
    const t = n.strerror(Math.abs(e.errno));
    return t.charAt(0).toLowerCase() + t.slice(1);
  } catch {
    return `errno ${Math.abs(e.errno)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The cache: <cacheDir>/<sha256 of libseccomp version + native arch + description>.bpf

function cacheKey(version: string, nativeArch: number, desc: SeccompDescription): string {
  const h = crypto.createHash('sha256');
  h.update(`hezi-seccomp-2\0${version}\0${nativeArch}\0`);
  h.update(JSON.stringify(desc, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  return h.digest('hex');
}

/** File layout: uint32 LE length of a JSON list of skipped names, that JSON, then the BPF bytes. */
function readCache(file: string): { bpf: Buffer; skipped: string[] } | undefined {
  let b: Buffer;
  try {
    b = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    const len = b.readUInt32LE(0);
    const skipped = JSON.parse(b.subarray(4, 4 + len).toString('utf8')) as string[];
    const bpf = b.subarray(4 + len);
    if (!Array.isArray(skipped) || bpf.length === 0 || bpf.length % 8 !== 0) return undefined;
    const now = new Date();
    fs.utimesSync(file, now, now); // recently used: kept by pruneCache
    return { bpf, skipped };
  } catch {
    return undefined;
  }
}

function writeCache(file: string, bpf: Buffer, skipped: string[]): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const head = Buffer.from(JSON.stringify(skipped));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(head.length, 0);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.concat([len, head, bpf]), { mode: 0o600 });
    fs.renameSync(tmp, file);
    pruneCache(path.dirname(file));
  } catch {
    /* a cache we cannot write only costs time */
  }
}

/** Keep the newest CACHE_MAX filters. */
const CACHE_MAX = 64;
function pruneCache(dir: string): void {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.bpf'));
  if (files.length <= CACHE_MAX) return;
  const aged = files
    .map((f) => {
      try {
        return { f, t: fs.statSync(path.join(dir, f)).mtimeMs };
      } catch {
        return { f, t: 0 };
      }
    })
    .sort((a, b) => b.t - a.t);
  for (const { f } of aged.slice(CACHE_MAX)) fs.rmSync(path.join(dir, f), { force: true });
}

// ---------------------------------------------------------------------------------------------
// What `features` reports

export interface SeccompFeatures {
  enabled: boolean;
  actions: string[];
  operators: string[];
  archs: string[];
  knownFlags: string[];
  supportedFlags: string[];
}

/** Known names (always) and, from the loaded libseccomp and this kernel, what is usable. */
export function seccompFeatures(n?: NativeSeccomp): SeccompFeatures {
  let info: LibseccompInfo = { loaded: false };
  let nat = n;
  try {
    nat = nat ?? nativeSeccomp();
    info = nat.seccompInfo() as LibseccompInfo;
  } catch {
    /* no addon: nothing is supported */
  }
  const v: [number, number] = [info.major ?? 0, info.minor ?? 0];
  const atLeast = (want: [number, number]) => v[0] > want[0] || (v[0] === want[0] && v[1] >= want[1]);
  return {
    enabled: info.loaded,
    actions: [...SECCOMP_ACTIONS],
    operators: [...SECCOMP_OPERATORS],
    archs: info.loaded ? SECCOMP_ARCHES.filter((a) => atLeast(ARCH_SINCE[a] ?? [0, 0])) : [],
    knownFlags: [...SECCOMP_FLAGS],
    supportedFlags: nat && info.loaded ? SECCOMP_FLAGS.filter((f) => kernelFlagSupported(FLAG_PROBE[f], nat)) : [],
  };
}
