import { Arg, Op, OpCode } from './ops';

export const PLAN_MAGIC = 'HZP1';
export const PLAN_VERSION = 5;

function argBytes(a: Arg): Buffer {
  if ('int' in a) {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(a.int));
    return b;
  }
  if ('str' in a) {
    if (a.str.includes('\0')) throw new Error(`plan: string contains NUL: ${JSON.stringify(a.str)}`);
    return Buffer.from(a.str + '\0');
  }
  if ('strv' in a) {
    for (const v of a.strv) if (v.includes('\0')) throw new Error(`plan: string contains NUL: ${JSON.stringify(v)}`);
    {
      let s = '';
      for (const v of a.strv) s += v + '\0';
      return Buffer.from(s);
    }
  }
  return Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
}

/** ops → the byte layout described in addon/plan_abi.h */
export function encodePlan(ops: readonly Op[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  head.write(PLAN_MAGIC, 0, 'latin1');
  head.writeUInt32LE(PLAN_VERSION, 4);
  head.writeUInt32LE(ops.length, 8);
  parts.push(head);
  for (const o of ops) {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(OpCode[o.code], 0);
    h.writeUInt32LE(o.args.length, 4);
    parts.push(h);
    for (const a of o.args) {
      const data = argBytes(a);
      const l = Buffer.alloc(4);
      l.writeUInt32LE(data.length, 0);
      parts.push(l, data);
    }
  }
  return Buffer.concat(parts);
}
