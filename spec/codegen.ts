/**
 * Compiles zod schemas of this directory into plain JavaScript parsers, at build time.
 *
 * A fresh `hezi create` spent ~3 ms of its start-up loading zod, building the config schemas and
 * running one cold parse. The executable instead carries parsers generated from the same schemas
 * (scripts/build.js writes them to build/spec-parsers.js; src/standalone/full.ts installs them): the
 * zod schemas stay the one source of the spec's types and rules, and the generated code must
 * answer exactly as `parseWith(schema, json)` does: the same value (unknown keys stripped,
 * defaults filled in) or the same error lines, in the same order. test/unit/codegen.test.ts
 * checks that on the runtime-spec examples and on fuzzed configs.
 *
 * Only the zod constructs the schemas here use are compiled (objects with stripped unknown keys,
 * optional, default, arrays with a minimum length, records with string keys, strings, numbers,
 * booleans, unknown, and the refined integers, patterns and enums of primitives.ts, whose checks
 * come from checks.ts); anything else fails the build with the schema's path, never a guess.
 *
 * The semantics reproduced are zod 3's: object keys in shape order, every issue of every member
 * (a bad member does not stop its siblings), a refinement runs only when its base type matched,
 * an array's minimum is reported before its items, `__proto__` never lands in a parsed object.
 */
import type { z } from 'zod';
import type { Check } from './checks';
import { SCHEMA_CHECKS } from './primitives';
import { isIdentifier } from './errors';

interface Def {
  typeName: string;
  [k: string]: unknown;
}
const defOf = (s: z.ZodTypeAny): Def => s._def as unknown as Def;

/**
 * JavaScript source of a CommonJS module exporting `function (checks)` → an object with one
 * parse function per entry of `schemas`, each `(json) => ParseResult` as spec/parse.ts returns.
 * `checks` is spec/checks.ts (passed in, so the module has no imports of its own): the value
 * checks and the wording of paths and types (errors.ts), so every message has one source.
 */
export function generateParsers(schemas: Record<string, z.ZodTypeAny>): string {
  const fns = new Map<z.ZodTypeAny, string>();
  const bodies: string[] = [];
  const consts: string[] = [];
  const constOf = new Map<string, string>();
  const constant = (src: string): string => {
    let name = constOf.get(src);
    if (!name) {
      name = `K${constOf.size}`;
      constOf.set(src, name);
      consts.push(`  const ${name} = ${src};`);
    }
    return name;
  };
  const lit = (v: unknown): string => JSON.stringify(v);

  /** The name of the function `(d, p, is) => value` that parses `schema`; `where` is for build errors. */
  function fn(schema: z.ZodTypeAny, where: string): string {
    const known = fns.get(schema);
    if (known) return known;
    const name = `f${fns.size}`;
    fns.set(schema, name);
    const body = compile(schema, where);
    bodies.push(`  function ${name}(d, p, is) {\n${body}\n  }`);
    return name;
  }

  /** Code that parses the variable `d` in place, as a member (optional and default inlined). */
  function member(schema: z.ZodTypeAny, d: string, p: string, where: string): string {
    const def = defOf(schema);
    switch (def.typeName) {
      case 'ZodOptional':
        return `if (${d} !== undefined) ${d} = ${fn(def['innerType'] as z.ZodTypeAny, where)}(${d}, ${p}, is);`;
      case 'ZodDefault': {
        const dflt = (def['defaultValue'] as () => unknown)();
        if (dflt !== null && typeof dflt === 'object') throw new Error(`codegen: ${where}: only primitive defaults are compiled`);
        return `if (${d} === undefined) ${d} = ${lit(dflt)};\n    ${d} = ${fn(def['innerType'] as z.ZodTypeAny, where)}(${d}, ${p}, is);`;
      }
      default:
        return `${d} = ${fn(schema, where)}(${d}, ${p}, is);`;
    }
  }

  function compile(schema: z.ZodTypeAny, where: string): string {
    const def = defOf(schema);
    const check = SCHEMA_CHECKS.get(schema);
    switch (def.typeName) {
      case 'ZodString':
        noChecks(def, where);
        return `    if (typeof d !== 'string') return bad(is, p, 'string', d);\n    return d;`;
      case 'ZodNumber':
        noChecks(def, where);
        return `    if (typeof d !== 'number' || d !== d) return bad(is, p, 'number', d);\n    return d;`;
      case 'ZodBoolean':
        return `    if (typeof d !== 'boolean') return bad(is, p, 'boolean', d);\n    return d;`;
      case 'ZodUnknown':
        return `    return d;`;
      case 'ZodOptional':
      case 'ZodDefault':
        return `    ${member(schema, 'd', 'p', where)}\n    return d;`;
      case 'ZodEnum': {
        if (check?.kind !== 'oneOf') throw new Error(`codegen: ${where}: an enum without oneOf's messages`);
        const values = def['values'] as string[];
        const set = constant(`new Set(${lit(values)})`);
        // zod's expected type of an enum: its literals joined, `'a' | 'b'`
        const expected = constant(lit(values.map((v) => `'${v}'`).join(' | ')));
        return [
          `    if (typeof d !== 'string') return bad(is, p, ${expected}, d);`,
          `    if (!${set}.has(d)) { is.push(c.issueLine(p, c.unknownValueIssue(d, ${lit(check.args[0])}))); return; }`,
          `    return d;`,
        ].join('\n');
      }
      case 'ZodEffects': {
        const effect = def['effect'] as { type: string };
        const inner = def['schema'] as z.ZodTypeAny;
        const innerType = defOf(inner).typeName;
        if (effect.type !== 'refinement' || !check) throw new Error(`codegen: ${where}: a ${effect.type} without a recorded check`);
        noChecks(defOf(inner), where);
        const base =
          innerType === 'ZodNumber'
            ? `    if (typeof d !== 'number' || d !== d) return bad(is, p, 'number', d);`
            : innerType === 'ZodString'
              ? `    if (typeof d !== 'string') return bad(is, p, 'string', d);`
              : undefined;
        if (!base) throw new Error(`codegen: ${where}: a refinement of ${innerType}`);
        return `${base}\n    const m = ${checkCall(check)};\n    if (m !== undefined) is.push(c.issueLine(p, m));\n    return d;`;
      }
      case 'ZodArray': {
        if (def['exactLength'] || def['maxLength']) throw new Error(`codegen: ${where}: exact or maximum array lengths`);
        const min = def['minLength'] as { value: number; message?: string } | null;
        if (min && min.message === undefined) throw new Error(`codegen: ${where}: an array minimum without its message`);
        const item = def['type'] as z.ZodTypeAny;
        const lines = [`    if (!Array.isArray(d)) return bad(is, p, 'array', d);`];
        if (min) lines.push(`    if (d.length < ${min.value}) is.push(c.issueLine(p, ${lit(min.message)}));`);
        lines.push(`    const n = d.length, o = new Array(n);`);
        lines.push(`    for (let i = 0; i < n; i++) { let v = d[i]; ${member(item, 'v', 'c.appendPath(p, i)', `${where}[]`)} o[i] = v; }`);
        lines.push(`    return o;`);
        return lines.join('\n');
      }
      case 'ZodRecord': {
        const key = def['keyType'] as z.ZodTypeAny;
        if (defOf(key).typeName !== 'ZodString') throw new Error(`codegen: ${where}: record keys other than strings`);
        noChecks(defOf(key), where);
        return [
          `    if (!isObject(d)) return bad(is, p, 'object', d);`,
          `    const o = {};`,
          `    for (const k in d) { let v = d[k]; ${member(def['valueType'] as z.ZodTypeAny, 'v', 'c.appendPath(p, k)', `${where}{}`)} if (k !== '__proto__') o[k] = v; }`,
          `    return o;`,
        ].join('\n');
      }
      case 'ZodObject': {
        const catchall = defOf(def['catchall'] as z.ZodTypeAny).typeName;
        if (def['unknownKeys'] !== 'strip' || catchall !== 'ZodNever') throw new Error(`codegen: ${where}: objects that keep or refuse unknown keys`);
        const shape = (def['shape'] as () => Record<string, z.ZodTypeAny>)();
        const lines = [`    if (!isObject(d)) return bad(is, p, 'object', d);`, `    const o = {};`, `    let v;`];
        for (const [k, s] of Object.entries(shape)) {
          if (k === '__proto__') throw new Error(`codegen: ${where}: a member named __proto__`);
          lines.push(`    v = d[${lit(k)}]; ${member(s, 'v', memberPath(k), `${where}.${k}`)} if (v !== undefined || ${lit(k)} in d) o[${lit(k)}] = v;`);
        }
        lines.push(`    return o;`);
        return lines.join('\n');
      }
      default:
        throw new Error(`codegen: ${where}: ${def.typeName} is not compiled`);
    }
  }

  /** appendPath(p, k) for a key known here, without the call: the same text, built by a concatenation */
  function memberPath(k: string): string {
    return isIdentifier(k) ? `(p === '' ? ${lit(k)} : p + ${lit(`.${k}`)})` : `p + ${lit(`[${JSON.stringify(k)}]`)}`;
  }

  function checkCall(check: Check): string {
    const args = check.args.map((a) => {
      if (a instanceof RegExp) {
        if (a.global || a.sticky) throw new Error(`codegen: a stateful pattern ${String(a)}`);
        return constant(String(a));
      }
      return a === undefined ? 'undefined' : lit(a);
    });
    return `c.${check.kind}Issue(d${args.map((a) => `, ${a}`).join('')})`;
  }

  const entries = Object.entries(schemas).map(([name, s]) => `${JSON.stringify(name)}: (json) => run(${fn(s, name)}, json)`);
  return [
    '// Generated by spec/codegen.ts from the zod schemas in spec/ (scripts/build.js): do not edit.',
    "'use strict';",
    'module.exports = function (c) {',
    ...consts,
    "  const isObject = (d) => typeof d === 'object' && d !== null && !Array.isArray(d);",
    "  // zod's invalid_type issue: the received type as zod's getParsedType names a JSON value",
    '  function bad(is, p, expected, d) {',
    "    const t = d === null ? 'null' : Array.isArray(d) ? 'array' : typeof d === 'number' && d !== d ? 'nan' : typeof d;",
    '    is.push(c.issueLine(p, c.invalidTypeMessage(expected, t)));',
    '  }',
    '  function run(f, json) {',
    '    const is = [];',
    "    const value = f(json, '', is);",
    '    return is.length ? { ok: false, errors: is } : { ok: true, value };',
    '  }',
    ...bodies,
    `  return { ${entries.join(', ')} };`,
    '};',
    '',
  ].join('\n');
}

function noChecks(def: Def, where: string): void {
  const checks = def['checks'] as unknown[] | undefined;
  if (checks && checks.length) throw new Error(`codegen: ${where}: ${def.typeName} checks are not compiled`);
}
