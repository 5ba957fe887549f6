/**
 * Building blocks shared by the config, state and features schemas (schema/defs.json).
 *
 * Every schema here carries the short lowercase message that `formatIssues` (errors.ts) prints
 * after the JSON path: range errors name the JSON-schema integer type and its bounds, enum errors
 * say `unknown <what> "<value>"`, pattern errors say `invalid <what> "<value>"`.
 */
import { z } from 'zod';
import { Check, anyIntegerIssue, integerAtLeastIssue, integerIssue, matchingIssue, unknownValueIssue } from './checks';

/** The check behind each refined schema (and each oneOf enum), for codegen.ts. */
export const SCHEMA_CHECKS = new WeakMap<z.ZodTypeAny, Check>();

function checked<S extends z.ZodTypeAny>(schema: S, check: Check): S {
  SCHEMA_CHECKS.set(schema, check);
  return schema;
}

// ---------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------

/**
 * z.object, with its shape built on first use (a parse or `.shape`), not when the module loads.
 * Building zod schemas is most of what validating a config costs a fresh process (zod binds ~25
 * methods per schema instance): this way a create builds only the parts its config has (an
 * absent optional section is never entered), and nothing of the state or features schemas.
 * Same parsing as z.object (unknown keys stripped).
 */
export function lazyObject<T extends z.ZodRawShape>(shape: () => T): z.ZodObject<T, 'strip'> {
  let built: T | undefined;
  return new z.ZodObject<T, 'strip'>({
    shape: () => (built ??= shape()),
    unknownKeys: 'strip',
    catchall: z.ZodNever.create(),
    typeName: z.ZodFirstPartyTypeKind.ZodObject,
  });
}

// ---------------------------------------------------------------------------------------------
// Integers (defs.json int8..uint64, percent, FileMode)
// ---------------------------------------------------------------------------------------------

/**
 * An integer in [min, max]. `label` names the JSON-schema type in messages; the bounds are given
 * as text as well, because int64/uint64 bounds are not exactly representable as JS numbers.
 *
 * JSON numbers are parsed to IEEE doubles before they get here, so values beyond 2^53 have
 * already lost precision, and the uint64 maximum 18446744073709551615 arrives as 2^64: the upper
 * bound check is done on the double (2^64 passes, anything that parsed above it fails).
 */
export function integer(label: string, min: number, max: number, minText = String(min), maxText = String(max)) {
  const schema = z.number().superRefine((v, ctx) => {
    const message = integerIssue(v, label, min, max, minText, maxText);
    if (message) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });
  return checked(schema, { kind: 'integer', args: [label, min, max, minText, maxText] });
}

/** Any integer (JSON schema `"type": "integer"` without bounds). */
export function anyInteger() {
  const schema = z.number().superRefine((v, ctx) => {
    const message = anyIntegerIssue(v);
    if (message) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });
  return checked(schema, { kind: 'anyInteger', args: [] });
}

/** An integer >= min with no upper bound (JSON schema `"type": "integer", "minimum": min`). */
export function integerAtLeast(min: number) {
  const schema = z.number().superRefine((v, ctx) => {
    const message = integerAtLeastIssue(v, min);
    if (message) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });
  return checked(schema, { kind: 'integerAtLeast', args: [min] });
}

export const Int8 = integer('int8', -128, 127);
export const Int16 = integer('int16', -32768, 32767);
export const Int32 = integer('int32', -2147483648, 2147483647);
export const Int64 = integer('int64', -(2 ** 63), 2 ** 63, '-9223372036854775808', '9223372036854775807');
export const Uint8 = integer('uint8', 0, 255);
export const Uint16 = integer('uint16', 0, 65535);
export const Uint32 = integer('uint32', 0, 4294967295);
export const Uint64 = integer('uint64', 0, 2 ** 64, '0', '18446744073709551615');
export const Percent = integer('percent', 0, 100);
/** defs.json FileMode: permission bits in decimal (0 to 0777). */
export const FileMode = integer('file mode', 0, 511);

export const UID = Uint32;
export const GID = Uint32;
export const Umask = Uint32;

// ---------------------------------------------------------------------------------------------
// Enums and patterns
// ---------------------------------------------------------------------------------------------

/**
 * A closed set of strings; a string outside the set is reported as `unknown <what> "<value>"`,
 * a non-string as `expected a string, got <type>`.
 */
export function oneOf<T extends readonly [string, ...string[]]>(what: string, values: T) {
  const schema = z.enum(values, {
    errorMap: (issue, ctx) =>
      issue.code === z.ZodIssueCode.invalid_enum_value ? { message: unknownValueIssue(String(issue.received), what) } : { message: ctx.defaultError },
  });
  return checked(schema, { kind: 'oneOf', args: [what] });
}

/** A string matching `re`; a mismatch is reported as `invalid <what> "<value>"` (plus `hint`). */
export function matching(what: string, re: RegExp, hint?: string) {
  const schema = z.string().superRefine((v, ctx) => {
    const message = matchingIssue(v, what, re, hint);
    if (message) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });
  return checked(schema, { kind: 'matching', args: [what, re, hint] });
}

// ---------------------------------------------------------------------------------------------
// defs.json common definitions
// ---------------------------------------------------------------------------------------------

export const OciVersion = z.string();
export const FilePath = z.string();
export const ArrayOfStrings = z.array(z.string());
export const Env = ArrayOfStrings;
export const ArrayOfGIDs = z.array(GID);
export const ArrayOfUint32 = z.array(Uint32);
/** defs.json mapStringString: a JSON object whose values are strings. */
export const MapStringString = z.record(z.string(), z.string());
export const Annotations = MapStringString;

/** defs.json IDMapping (a LinuxIDMapping in config-linux.md). */
export const LinuxIDMapping = lazyObject(() => ({
  containerID: Uint32,
  hostID: Uint32,
  size: Uint32,
}));
export type LinuxIDMapping = z.infer<typeof LinuxIDMapping>;
