/**
 * The parsers compiled from the zod schemas (spec/codegen.ts, used by the standalone executable)
 * must answer exactly as zod does: the same parsed value, or the same error lines in the same
 * order. Differential: the runtime-spec examples, hand-picked edge cases, and configs generated
 * from the schemas themselves (mostly valid, with wrong types, bounds, patterns and enums mixed in).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import * as checks from '../../spec/checks';
import { generateParsers } from '../../spec/codegen';
import { SCHEMA_CHECKS } from '../../spec/primitives';
import { parseWith } from '../../spec/parse';
import type { Parsers } from '../../src/config/parsers';
import { Process, Spec } from '../../spec/config';
import { LinuxResources } from '../../spec/resources';
import { defaultSpec } from '../../src/runtime/default-spec';

const SCHEMA_TESTS = path.join(__dirname, '..', 'fixtures', 'runtime-spec', 'schema', 'test');
// as src/config/parsers.ts parsedSchemas (which loads them with require, outside vitest's reach)
const schemas: Record<keyof Parsers, z.ZodTypeAny> = { config: Spec, process: Process, resources: LinuxResources };
const source = generateParsers(schemas);
const compiled: Parsers = (() => {
  const m = { exports: {} as unknown };
  new Function('module', 'exports', source)(m, m.exports);
  return (m.exports as (c: typeof checks) => Parsers)(checks);
})();

function same(kind: keyof Parsers, json: unknown): void {
  expect(compiled[kind](json), JSON.stringify(json)?.slice(0, 300)).toStrictEqual(parseWith(schemas[kind], json));
}

// ---- documents generated from the schemas ----------------------------------------------------

const wrong = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, 1.5, -1, 0, '', 'x', [], {}, true, 2 ** 64, -(2 ** 63), 2 ** 53 + 2, 1e308, [1, 'a']),
);

/** A value for `s`: mostly of the right shape, sometimes anything else. */
function arb(s: z.ZodTypeAny, depth: number): fc.Arbitrary<unknown> {
  const def = s._def as unknown as Record<string, unknown> & { typeName: string };
  const check = SCHEMA_CHECKS.get(s);
  let right: fc.Arbitrary<unknown>;
  switch (def.typeName) {
    case 'ZodString':
      right = fc.string({ maxLength: 6 });
      break;
    case 'ZodNumber':
      right = fc.oneof(fc.integer(), fc.double({ noNaN: true }));
      break;
    case 'ZodBoolean':
      right = fc.boolean();
      break;
    case 'ZodUnknown':
      return fc.jsonValue({ maxDepth: 2 });
    case 'ZodOptional':
    case 'ZodDefault':
      return fc.option(arb(def['innerType'] as z.ZodTypeAny, depth), { nil: undefined });
    case 'ZodEnum':
      right = fc.oneof(fc.constantFrom(...(def['values'] as string[])), fc.string({ maxLength: 4 }));
      break;
    case 'ZodEffects': {
      if (check?.kind === 'integer') {
        const [, min, max] = check.args;
        right = fc.oneof(fc.constantFrom(min, max, min - 1, max + 1, 0, 1, 0.5, -0), fc.integer());
      } else if (check?.kind === 'integerAtLeast') {
        right = fc.oneof(fc.constantFrom(check.args[0], check.args[0] - 1, 2.5), fc.integer());
      } else if (check?.kind === 'matching') {
        right = fc.oneof(fc.stringMatching(check.args[1]), fc.string({ maxLength: 6 }));
      } else right = fc.oneof(fc.integer(), fc.double());
      break;
    }
    case 'ZodArray':
      right = depth > 5 ? fc.constant([]) : fc.array(arb(def['type'] as z.ZodTypeAny, depth + 1), { maxLength: 3 });
      break;
    case 'ZodRecord':
      right = fc.dictionary(fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom('a.b', 'x', 'io.max', '1')), arb(def['valueType'] as z.ZodTypeAny, depth + 1), {
        maxKeys: 3,
      });
      break;
    case 'ZodObject': {
      if (depth > 6) return fc.constant({});
      const shape = (def['shape'] as () => Record<string, z.ZodTypeAny>)();
      const members = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, arb(v, depth + 1)]));
      right = fc.tuple(fc.record(members, { requiredKeys: [] }), fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 })).map(([known, extra]) => ({ ...extra, ...known }));
      break;
    }
    default:
      throw new Error(`no arbitrary for ${def.typeName}`);
  }
  return fc.oneof({ weight: 12, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

/** as config.json reaches the parser: through JSON (undefined members gone, -0 is 0) */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v) ?? 'null');

describe('parsers compiled from the zod schemas answer as zod does', () => {
  it('the runtime-spec examples (good and bad) and hezi spec', () => {
    let n = 0;
    for (const dir of ['config/good', 'config/bad']) {
      for (const f of fs.readdirSync(path.join(SCHEMA_TESTS, dir)).filter((x) => x.endsWith('.json'))) {
        let json: unknown;
        try {
          json = JSON.parse(fs.readFileSync(path.join(SCHEMA_TESTS, dir, f), 'utf8'));
        } catch {
          continue; // invalid JSON never reaches a parser
        }
        same('config', json);
        const proc = (json as { process?: unknown }).process;
        if (proc !== undefined) same('process', proc);
        n++;
      }
    }
    same('config', defaultSpec(false));
    same('config', defaultSpec(true));
    expect(n).toBeGreaterThan(10);
  });

  it('edge cases: non-objects, __proto__ keys, defaults, bounds, empty paths, odd keys', () => {
    const base = defaultSpec(false) as Record<string, unknown> & { process: Record<string, unknown> };
    for (const doc of [null, 1, 'x', [], true, {}, { ociVersion: 1 }]) same('config', doc);
    same('config', JSON.parse('{"ociVersion":"1.3.0","__proto__":{"x":1},"annotations":{"__proto__":"p","a.b":"c","ok":"d"}}'));
    same('config', JSON.parse('{"ociVersion":"1.3.0","annotations":{"__proto__":5}}'));
    // a record's __proto__ member is dropped, never made the parsed object's prototype
    const polluted = JSON.parse('{"ociVersion":"1.3.0","linux":{"netDevices":{"__proto__":{"name":"evil"},"eth1":{}}}}');
    same('config', polluted);
    const r = compiled.config(polluted);
    expect(r.ok && Object.getPrototypeOf(r.value.linux!.netDevices) === Object.prototype && !('name' in r.value.linux!.netDevices!)).toBe(true);
    same('config', { ...base, process: { ...base.process, user: {} } });
    same('config', { ...base, process: { ...base.process, user: { uid: -1, gid: 2 ** 32 } } });
    same('config', { ...base, linux: { sysctl: { 'net.ipv4.ip_forward': 1 }, resources: { unified: { 'io.max': 2 } } } });
    same('config', { ...base, linux: { seccomp: { defaultAction: 'SCMP_ACT_NOPE', syscalls: [{ names: [], action: 3 }] } } });
    same('config', { ...base, hooks: { prestart: [{ path: '/x', timeout: 0 }, { timeout: 1.5 }] } });
    same('config', { ...base, process: { ...base.process, rlimits: [{ type: 'rlimit_x', soft: 1, hard: 2 }], execCPUAffinity: { initial: '0-a' } } });
    for (const p of [null, {}, { cwd: 1 }, { cwd: '/', args: 'x' }, base.process]) same('process', p);
    // `update --resources` documents (nulls already stripped)
    for (const r of [null, {}, { memory: { limit: 1 << 20, swap: -1 } }, { cpu: { shares: 'x', quota: 1.5 } }, { pids: { limit: 10 } }, { unified: { 'memory.max': '1M' } }, { blockIO: { weight: 70000 } }, { devices: [{ allow: 'yes' }] }])
      same('resources', r);
  });

  it('generated configs, processes and resources (fast-check)', () => {
    const runs = Number(process.env.HEZI_CODEGEN_RUNS ?? 400);
    fc.assert(
      fc.property(arb(schemas.config, 0), (doc) => same('config', viaJson(doc))),
      { numRuns: runs },
    );
    fc.assert(
      fc.property(arb(schemas.process, 0), (doc) => same('process', viaJson(doc))),
      { numRuns: runs },
    );
    fc.assert(
      fc.property(arb(schemas.resources, 0), (doc) => same('resources', viaJson(doc))),
      { numRuns: runs },
    );
  }, 120_000);

  it('a schema construct the generator does not know fails the build with its path', () => {
    expect(() => generateParsers({ x: z.object({ a: z.union([z.string(), z.number()]) }) })).toThrow(/codegen: x\.a: ZodUnion is not compiled/);
    expect(() => generateParsers({ x: z.object({ a: z.string().min(2) }) })).toThrow(/codegen: x\.a: ZodString checks are not compiled/);
    expect(() => generateParsers({ x: z.object({ a: z.number().refine((v) => v > 1) }) })).toThrow(/without a recorded check/);
  });
});
