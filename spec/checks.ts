/**
 * The value checks behind the refined schemas of primitives.ts, as plain functions: each returns
 * the message `formatIssues` prints after the JSON path, or undefined when the value passes.
 * The zod schemas (primitives.ts) and the parsers compiled from them (codegen.ts) both call these,
 * so a message has one source. No zod import: the compiled parsers load this without zod.
 * It also passes on the path and type wording of errors.ts, the rest of what the compiled
 * parsers call.
 */
import { PATTERN_CHECKS } from './patterns';

export { appendPath, invalidTypeMessage, issueLine } from './errors';

/** An integer in [min, max]; `label` names the JSON-schema type, the bounds are given as text. */
export function integerIssue(v: number, label: string, min: number, max: number, minText: string, maxText: string): string | undefined {
  return !Number.isInteger(v) || v < min || v > max ? `expected ${label} (${minText} to ${maxText}), got ${v}` : undefined;
}

/** Any integer. */
export function anyIntegerIssue(v: number): string | undefined {
  return Number.isInteger(v) ? undefined : `expected an integer, got ${v}`;
}

/** An integer >= min. */
export function integerAtLeastIssue(v: number, min: number): string | undefined {
  return !Number.isInteger(v) || v < min ? `expected an integer >= ${min}, got ${v}` : undefined;
}

/** A string matching `re`. */
export function matchingIssue(v: string, what: string, re: RegExp, hint: string | undefined): string | undefined {
  const known = re.flags === '' ? PATTERN_CHECKS[re.source] : undefined;
  return (known ? known(v) : re.test(v)) ? undefined : `invalid ${what} ${JSON.stringify(v)}${hint ? ` (${hint})` : ''}`;
}

/** A string outside an enum's set. */
export function unknownValueIssue(v: string, what: string): string {
  return `unknown ${what} ${JSON.stringify(v)}`;
}

/**
 * What a refined schema checks, recorded next to it (primitives.ts) so that codegen.ts can
 * compile the same check: the name of the function above and its arguments after the value.
 */
export type Check =
  | { kind: 'integer'; args: [label: string, min: number, max: number, minText: string, maxText: string] }
  | { kind: 'anyInteger'; args: [] }
  | { kind: 'integerAtLeast'; args: [min: number] }
  | { kind: 'matching'; args: [what: string, re: RegExp, hint: string | undefined] }
  | { kind: 'oneOf'; args: [what: string] };
