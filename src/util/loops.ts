/**
 * Array.prototype.forEach/map/filter/some/find as plain loops, for the code every create and
 * exec runs (`import * as loops from '../util/loops'`).
 *
 * Why: Bun's engine (JavaScriptCore) implements those methods, flatMap, Array.from and the
 * spread of a non-array in JavaScript and compiles each from source the first time a process
 * calls it. Taking them out of create and exec made both 11 % faster here (create 29.0 -> 25.7
 * ms, exec 12.0 -> 10.7 ms, interleaved A/B). These loops are hezi's own code, in the
 * executable's precompiled bytecode. Native methods (includes, indexOf, join, split, slice,
 * push, Object.keys/entries, for-of, the spread of an array) cost nothing and stay in use.
 * `BUN_JSC_dumpGeneratedBytecodes=1 dist/hezi …` lists every function a command compiles;
 * test/integration/standalone.test.ts keeps the shim's commands free of the builtins.
 */

type List<T> = readonly T[] | undefined;

export function each<T>(a: List<T>, f: (x: T, i: number) => void): void {
  if (a) for (let i = 0; i < a.length; i++) f(a[i]!, i);
}

export function map<T, U>(a: List<T>, f: (x: T, i: number) => U): U[] {
  const out: U[] = [];
  if (a) for (let i = 0; i < a.length; i++) out.push(f(a[i]!, i));
  return out;
}

export function filter<T, S extends T>(a: List<T>, p: (x: T, i: number) => x is S): S[];
export function filter<T>(a: List<T>, p: (x: T, i: number) => unknown): T[];
export function filter<T>(a: List<T>, p: (x: T, i: number) => unknown): T[] {
  const out: T[] = [];
  if (a) for (let i = 0; i < a.length; i++) if (p(a[i]!, i)) out.push(a[i]!);
  return out;
}

export function some<T>(a: List<T>, p: (x: T, i: number) => unknown): boolean {
  if (a) for (let i = 0; i < a.length; i++) if (p(a[i]!, i)) return true;
  return false;
}

export function find<T, S extends T>(a: List<T>, p: (x: T, i: number) => x is S): S | undefined;
export function find<T>(a: List<T>, p: (x: T, i: number) => unknown): T | undefined;
export function find<T>(a: List<T>, p: (x: T, i: number) => unknown): T | undefined {
  if (a) for (let i = 0; i < a.length; i++) if (p(a[i]!, i)) return a[i];
  return undefined;
}
