/**
 * cgroup v2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program generated from the device
 * rules (the addon only loads and attaches it). Like runc's devicefilter:
 *
 *   prologue:  r2 = ctx->access_type & 0xffff   (device type: 1 block, 2 char)
 *              r3 = ctx->access_type >> 16      (requested access: 1 mknod, 2 read, 4 write)
 *              r4 = ctx->major, r5 = ctx->minor
 *   one block per rule, the LAST rule first (last match wins), each:
 *              if r2 != type    goto next       (omitted for type "a")
 *              access check                      (omitted when the rule covers rwm)
 *              if r4 != major   goto next       (omitted for "*")
 *              if r5 != minor   goto next       (omitted for "*")
 *              r0 = allow ? 1 : 0; exit
 *   epilogue:  r0 = 0; exit                      (default deny)
 *
 * Access check: an allow rule matches when every requested bit is in the rule
 * ((r3 & access) == r3, runc's check); a deny rule matches when any requested bit is in the rule
 * ((r3 & access) != 0), so "allow c 1:3 rw" then "deny c 1:3 w" denies "rw" as cgroup v1 does.
 * A type-"a" rule matches every device (as in cgroup v1, where "a" resets the whole list): it
 * ends the program, and the rules before it are not emitted (the verifier rejects unreachable code).
 */
import type { DeviceRule } from './convert';
import * as loops from '../../util/loops';

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

// opcodes (linux/bpf.h, linux/bpf_common.h)
export const OP = {
  LDXW: 0x61, // BPF_LDX | BPF_MEM | BPF_W
  AND32_K: 0x54, // BPF_ALU | BPF_AND | BPF_K
  RSH32_K: 0x74, // BPF_ALU | BPF_RSH | BPF_K
  MOV32_K: 0xb4, // BPF_ALU | BPF_MOV | BPF_K
  MOV32_X: 0xbc, // BPF_ALU | BPF_MOV | BPF_X
  JNE_K: 0x55, // BPF_JMP | BPF_JNE | BPF_K
  JNE_X: 0x5d, // BPF_JMP | BPF_JNE | BPF_X
  JEQ_K: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  EXIT: 0x95, // BPF_JMP | BPF_EXIT
} as const;

export const BPF_DEVCG_ACC = { m: 1, r: 2, w: 4 } as const;
export const BPF_DEVCG_DEV = { b: 1, c: 2 } as const;

const ins = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

function accessBits(access: string): number {
  let v = 0;
  for (const ch of access) v |= BPF_DEVCG_ACC[ch as 'r' | 'w' | 'm'] ?? 0;
  return v;
}

/** The program's instructions for a rule list (see the header comment). */
export function deviceFilter(rules: readonly DeviceRule[]): Insn[] {
  const out: Insn[] = [
    ins(OP.LDXW, 2, 1, 0, 0),
    ins(OP.AND32_K, 2, 0, 0, 0xffff),
    ins(OP.LDXW, 3, 1, 0, 0),
    ins(OP.RSH32_K, 3, 0, 0, 16),
    ins(OP.LDXW, 4, 1, 4, 0),
    ins(OP.LDXW, 5, 1, 8, 0),
  ];
  for (let k = rules.length - 1; k >= 0; k--) {
    const r = rules[k]!;
    const verdict = [ins(OP.MOV32_K, 0, 0, 0, r.allow ? 1 : 0), ins(OP.EXIT, 0, 0, 0, 0)];
    if (r.type === 'a') {
      out.push(...verdict);
      return out; // matches everything: nothing after it is reachable
    }
    // conditions, each "goto next" patched once the block's length is known
    const cond: Array<Insn & { toNext?: true }> = [];
    cond.push({ ...ins(OP.JNE_K, 2, 0, 0, BPF_DEVCG_DEV[r.type]), toNext: true });
    const acc = accessBits(r.access);
    if (acc !== 7) {
      cond.push(ins(OP.MOV32_X, 1, 3, 0, 0));
      cond.push(ins(OP.AND32_K, 1, 0, 0, acc));
      if (r.allow) cond.push({ ...ins(OP.JNE_X, 1, 3, 0, 0), toNext: true });
      else cond.push({ ...ins(OP.JEQ_K, 1, 0, 0, 0), toNext: true });
    }
    if (r.major >= 0) cond.push({ ...ins(OP.JNE_K, 4, 0, 0, r.major), toNext: true });
    if (r.minor >= 0) cond.push({ ...ins(OP.JNE_K, 5, 0, 0, r.minor), toNext: true });
    const block = [...cond, ...verdict];
    loops.each(block, (x, i) => {
      const { toNext, ...plain } = x as Insn & { toNext?: true };
      // next block starts right after this one: offset relative to the following insn
      out.push(toNext ? { ...plain, off: block.length - (i + 1) } : plain);
    });
  }
  out.push(ins(OP.MOV32_K, 0, 0, 0, 0), ins(OP.EXIT, 0, 0, 0, 0));
  return out;
}

/** struct bpf_insn[] as bytes (little-endian: dst in the low nibble of byte 1). */
export function encodeInsns(insns: readonly Insn[]): Buffer {
  const b = Buffer.alloc(insns.length * 8);
  loops.each(insns, (x, i) => {
    b.writeUInt8(x.code, i * 8);
    b.writeUInt8((x.dst & 0xf) | ((x.src & 0xf) << 4), i * 8 + 1);
    b.writeInt16LE(x.off, i * 8 + 2);
    b.writeInt32LE(x.imm | 0, i * 8 + 4);
  });
  return b;
}

/**
 * A tiny interpreter of exactly the instructions above, for tests and for checking a program
 * before it is loaded: what the program answers for one device access.
 */
export function runDeviceFilter(insns: readonly Insn[], type: 'c' | 'b', major: number, minor: number, access: string): boolean {
  const ctx = [((accessBits(access) << 16) | BPF_DEVCG_DEV[type]) >>> 0, major >>> 0, minor >>> 0];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0, steps = 0; pc < insns.length && steps < 100000; pc++, steps++) {
    const x = insns[pc]!;
    switch (x.code) {
      case OP.LDXW:
        r[x.dst] = ctx[x.off / 4] ?? 0;
        break;
      case OP.AND32_K:
        r[x.dst] = (r[x.dst]! & x.imm) >>> 0;
        break;
      case OP.RSH32_K:
        r[x.dst] = r[x.dst]! >>> x.imm;
        break;
      case OP.MOV32_K:
        r[x.dst] = x.imm >>> 0;
        break;
      case OP.MOV32_X:
        r[x.dst] = r[x.src]! >>> 0;
        break;
      case OP.JNE_K:
        if (r[x.dst] !== x.imm >>> 0) pc += x.off;
        break;
      case OP.JNE_X:
        if (r[x.dst] !== r[x.src]) pc += x.off;
        break;
      case OP.JEQ_K:
        if (r[x.dst] === x.imm >>> 0) pc += x.off;
        break;
      case OP.EXIT:
        return r[0] === 1;
      default:
        throw new Error(`unknown opcode 0x${x.code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('program fell off its end');
}
