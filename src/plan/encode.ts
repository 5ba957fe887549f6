import { Arg, Op, OpCode } from './ops';

export const PLAN_MAGIC = 'HZP1';
export const PLAN_VERSION = 5;

const TWO32 = 2 ** 32;

function noNul(v: string): string {
  if (v.includes('\0')) throw new Error(`plan: string contains NUL: ${JSON.stringify(v)}`);
  return v;
}

/** the length of an argument's data (see plan_abi.h) */
function argLength(a: Arg): number {
  if ('int' in a) return 8;
  if ('str' in a) return Buffer.byteLength(noNul(a.str), 'utf8') + 1;
  if ('strv' in a) {
    let n = 0;
    for (const v of a.strv) n += Buffer.byteLength(noNul(v), 'utf8') + 1;
    return n;
  }
  return a.bytes.byteLength;
}

/** an argument's data into `buf` at `at`; returns the offset after it */
function writeArg(buf: Buffer, at: number, a: Arg): number {
  if ('int' in a) {
    const n = a.int;
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      // int64 little-endian from two 32-bit halves: no BigInt for the common case
      const hi = Math.floor(n / TWO32);
      buf.writeUInt32LE(n - hi * TWO32, at);
      buf.writeInt32LE(hi, at + 4);
    } else buf.writeBigInt64LE(BigInt(n), at);
    return at + 8;
  }
  if ('str' in a) {
    at += buf.write(a.str, at, 'utf8');
    buf[at] = 0;
    return at + 1;
  }
  if ('strv' in a) {
    for (const v of a.strv) {
      at += buf.write(v, at, 'utf8');
      buf[at++] = 0;
    }
    return at;
  }
  buf.set(a.bytes, at);
  return at + a.bytes.byteLength;
}

/**
 * ops → the byte layout described in addon/plan_abi.h, in one buffer: the sizes first, then the
 * writes (a buffer per argument made a create allocate ~1000 small ones).
 */
export function encodePlan(ops: readonly Op[]): Buffer {
  let size = 12;
  for (const o of ops) {
    size += 8;
    for (const a of o.args) size += 4 + argLength(a);
  }
  const buf = Buffer.alloc(size);
  buf.write(PLAN_MAGIC, 0, 'latin1');
  buf.writeUInt32LE(PLAN_VERSION, 4);
  buf.writeUInt32LE(ops.length, 8);
  let at = 12;
  for (const o of ops) {
    buf.writeUInt32LE(OpCode[o.code], at);
    buf.writeUInt32LE(o.args.length, at + 4);
    at += 8;
    for (const a of o.args) {
      const end = writeArg(buf, at + 4, a);
      buf.writeUInt32LE(end - at - 4, at);
      at = end;
    }
  }
  return buf;
}
